"""The headers every answer of a gateway carries, the FastAPI gateway's and nginx's alike.

The web app is one script and one stylesheet from its own origin, talking to its own API (the
live stream included, over `fetch`): nothing inline, nothing evaluated, no other origin, and
no page may frame it. The API documentation page is held to the same policy. The one other
origin it may reach is the attachments bucket's, when files are in S3: uploads are posted
there and image previews are read from there.
"""

from __future__ import annotations

from typing import Final


def content_security_policy(file_origin: str = "") -> str:
    """The policy; `file_origin` (the bucket's, if any) is added to connect-src and img-src."""
    other = f" {file_origin}" if file_origin else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            # Swagger UI's stylesheet draws its icons as data: SVGs.
            f"img-src 'self' data:{other}",
            "font-src 'self'",
            f"connect-src 'self'{other}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY: Final = content_security_policy()
# A year, and every subdomain: sent only where TaskFlow is reached over HTTPS.
STRICT_TRANSPORT_SECURITY: Final = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    # frame-ancestors' older form, for browsers that predate it.
    ("X-Frame-Options", "DENY"),
)


def security_headers(*, https: bool, file_origin: str = "") -> tuple[tuple[str, str], ...]:
    """The headers to send; HSTS only where TaskFlow is served over HTTPS (not in dev)."""
    headers = tuple(
        (name, content_security_policy(file_origin) if name == "Content-Security-Policy" else value)
        for name, value in SECURITY_HEADERS
    )
    if https:
        return (*headers, ("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return headers
