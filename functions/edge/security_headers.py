"""The headers every answer of a gateway carries, the FastAPI gateway's and nginx's alike.

The web app is one script and one stylesheet from its own origin, talking to its own API (the
live stream included, over `fetch`): nothing inline, nothing evaluated, no other origin, and
no page may frame it. The API documentation page is held to the same policy.
"""

from __future__ import annotations

from typing import Final

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Swagger UI's stylesheet draws its icons as data: SVGs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# A year, and every subdomain: sent only where TaskFlow is reached over HTTPS.
STRICT_TRANSPORT_SECURITY: Final = "max-age=31536000; includeSubDomains"

SECURITY_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    # frame-ancestors' older form, for browsers that predate it.
    ("X-Frame-Options", "DENY"),
)


def security_headers(*, https: bool) -> tuple[tuple[str, str], ...]:
    """The headers to send; HSTS only where TaskFlow is served over HTTPS (not in dev)."""
    if https:
        return (*SECURITY_HEADERS, ("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return SECURITY_HEADERS
