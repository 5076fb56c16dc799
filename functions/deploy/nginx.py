"""The nginx gateway, rendered from the route table: one template for compose and Knative.

nginx answers exactly as the FastAPI gateway does: each public route by method and path to
its function's service (the path forwarded unchanged), the same problem+json for a path no
route has (404) and for a method no route of that path takes (405), and the web build for
everything else, with the same security headers (functions/edge/security_headers.py; HSTS
where the client came over HTTPS). nginx alone also limits the rate of the auth paths per
client address. Its access log writes a path that carries a secret (a calendar feed's, a
signed download link's) as its route's template, as the functions' own logs do, and its error
log leaves out the errors of those paths' requests (an unreachable function's line would write
the secret). What differs
between compose and Knative is left to the nginx image, which substitutes `${TASKFLOW_*}`
variables (`envsubst`, /etc/nginx/templates) when it starts.

The configuration's text is in nginx.conf.tmpl beside this module (with its fragments: an
API location, and what a stream's, a secret path's or a rate-limited location adds); this
module fills in
what the route table decides: the route maps, the upstreams, the API locations, the problem
bodies and the headers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Final

from events.transport.dispatch import service_name
from functions.core.attachments.local import UPLOAD_OVERHEAD
from functions.core.settings import Settings
from functions.edge.redaction import SECRET_ROUTES
from functions.edge.security_headers import (
    SECURITY_HEADERS,
    STRICT_TRANSPORT_SECURITY,
    security_headers,
)
from functions.routes import DOWNLOAD_TARGETS, ROUTES, Route

TEMPLATE_PATH: Final = "knative/base/gateway/default.conf.template"
# Where the gateway image keeps the web build (nginx-unprivileged's document root).
WEB_ROOT: Final = "/usr/share/nginx/html"
LISTEN: Final = "8080"
# The container's output, where the image's own access log goes (its file links to it).
ACCESS_LOG: Final = "/dev/stdout"
# The process's own error output, where the image's error log goes (its file links to it).
ERROR_LOG: Final = "stderr"
# The variables the nginx image substitutes at start; compose and Knative each set all three.
SERVICE_SUFFIX: Final = "TASKFLOW_SERVICE_SUFFIX"
SERVICE_PORT: Final = "TASKFLOW_SERVICE_PORT"
RESOLVER: Final = "TASKFLOW_RESOLVER"
# The attachments bucket's origin, which the page may reach too (empty: files are TaskFlow's).
FILE_ORIGIN: Final = "TASKFLOW_ATTACHMENTS_ORIGIN"
TEMPLATE_VARIABLES: Final = (SERVICE_SUFFIX, SERVICE_PORT, RESOLVER, FILE_ORIGIN)
STREAM_MEDIA_TYPE: Final = "text/event-stream"
# The configuration and its fragments, beside this module.
CONFIG_TEMPLATE: Final = "nginx.conf.tmpl"
API_LOCATION_TEMPLATE: Final = "nginx-api-location.conf.tmpl"
STREAM_TEMPLATE: Final = "nginx-stream.conf.tmpl"
AUTH_LIMIT_TEMPLATE: Final = "nginx-auth-limit.conf.tmpl"
SECRET_TEMPLATE: Final = "nginx-secret.conf.tmpl"
UPLOAD_TEMPLATE: Final = "nginx-upload.conf.tmpl"
DOWNLOAD_TEMPLATE: Final = "nginx-download.conf.tmpl"
# The auth paths whose rate nginx limits per client address, together: every one of them
# hashes a password, issues tokens, mails a link or takes a mailed link's secret. 30 a minute
# (one every 2 s) after a burst of 20.
RATE_LIMITED_PATHS: Final = (
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/password",
    "/api/auth/tokens",
    "/api/auth/password-reset",
    "/api/auth/password-reset/complete",
    "/api/auth/verify-email",
    "/api/auth/verify-email/resend",
)
AUTH_RATE_PER_MINUTE: Final = 30
AUTH_BURST: Final = 20
API_PREFIXES: Final = ("/api/", "/.well-known/")
# The same regex a path template compiles to in the route table (and in Starlette).
_PARAMETER: Final = re.compile(r"\{(\w+)\}")
_REGEX_SPECIALS: Final = frozenset(".^$*+?()[]{}|\\")


@dataclass(frozen=True)
class Upstream:
    """How nginx reaches one function's service."""

    address: str  # host:port for proxy_pass
    host: str  # the Host header: Knative's ingress routes by it


class ConfigTemplate(Template):
    """nginx text with `{{name}}` placeholders; nginx's own `$variables` pass through.

    A placeholder within a line is a value; one alone on its line stands for whole lines
    (none, one or many, each ending in a newline).
    """

    flags = re.MULTILINE
    # Template compiles this string itself (typeshed types the attribute as compiled).
    pattern = r"""
        ^\{\{(?P<braced>\w+)\}\}\n  # alone on its line: whole lines
        | \{\{(?P<named>\w+)\}\}    # within a line: a value
        | (?P<escaped>(?!))         # nothing to escape: nginx itself never writes `{{`
        | (?P<invalid>\{\{)         # any other `{{` is a mistake in the template
    """  # type: ignore[assignment]


def template_upstream(service: str) -> Upstream:
    """The committed template's form: the service's DNS name, completed at start."""
    host = f"{service}${{{SERVICE_SUFFIX}}}"
    return Upstream(f"{host}:${{{SERVICE_PORT}}}", host)


def files() -> dict[str, str]:
    return {
        TEMPLATE_PATH: render(
            template_upstream, resolver=f"${{{RESOLVER}}}", file_origin=f"${{{FILE_ORIGIN}}}"
        )
    }


def render(
    upstream: Callable[[str], Upstream],
    *,
    listen: str = LISTEN,
    access_log: str = ACCESS_LOG,
    web_root: str = WEB_ROOT,
    resolver: str | None = None,
    max_body_bytes: int | None = None,
    streaming_targets: frozenset[str] | None = None,
    file_origin: str = "",
) -> str:
    """The gateway's http-level configuration (maps and one server), as conf.d includes it.

    `upstream` says how to reach each service; `resolver` is needed when those are names;
    `file_origin` is the attachments bucket's origin the pages may reach, if any; `access_log`
    is where the access log goes.
    """
    limit = max_body_bytes if max_body_bytes is not None else _default_max_body_bytes()
    streams = streaming_targets if streaming_targets is not None else _streaming_targets()
    public = [route for route in ROUTES if route.public]
    services = list(dict.fromkeys(service_name(route.target) for route in public))
    resolvers = [] if resolver is None else [f"    resolver {resolver} valid=10s ipv6=off;"]
    return _template(CONFIG_TEMPLATE).substitute(
        template_variables=", ".join(TEMPLATE_VARIABLES),
        route_services=_lines(
            f'    "~^{route.method} {_path_regex(route.path)}$" {service_name(route.target)};'
            for route in public
        ),
        path_methods=_lines(
            f'    "~^{_path_regex(path)}$" "{methods}";'
            for path, methods in _allowed(public).items()
        ),
        upstream_addresses=_lines(f'    {name} "{upstream(name).address}";' for name in services),
        upstream_hosts=_lines(f'    {name} "{upstream(name).host}";' for name in services),
        secret_paths=_lines(
            f'    "~^{_path_regex(route.path)}$" "{route.path}";'
            for route in SECRET_ROUTES
            if route.public
        ),
        listen=listen,
        access_log=access_log,
        max_body_bytes=limit,
        resolver=_lines(resolvers),
        web_root=web_root,
        api_locations=_api_locations(public, streams),
        not_found=_problem(404),
        not_allowed=_problem(405),
        too_large=_problem(413, limit=limit),
        too_many=_problem(429),
        unavailable=_problem(503),
        hsts=STRICT_TRANSPORT_SECURITY,
        auth_rate=f"{AUTH_RATE_PER_MINUTE}r/m",
        auth_retry_after=str(-(-60 // AUTH_RATE_PER_MINUTE)),
        server_security_headers=_security_headers("    ", file_origin)
        + _hidden_upstream_headers("    "),
        security_headers=_security_headers("        ", file_origin),
    )


def _template(name: str) -> ConfigTemplate:
    """A template beside this module, less the lines written for its reader (`{{# ...`)."""
    text = Path(__file__).with_name(name).read_text()
    kept = (line for line in text.splitlines(keepends=True) if not line.startswith("{{#"))
    return ConfigTemplate("".join(kept))


def _lines(lines: Iterable[str]) -> str:
    """The value of a placeholder alone on its line."""
    return "".join(f"{line}\n" for line in lines)


def _security_headers(indent: str, file_origin: str = "") -> str:
    """The headers on every answer (`always`: errors too), HSTS by the client's scheme."""
    headers = [
        *security_headers(https=False, file_origin=file_origin),
        ("Strict-Transport-Security", "$taskflow_hsts"),
    ]
    for name, value in headers:
        # No variable but HSTS's and the bucket's origin (filled in when nginx starts).
        literal = value.replace(f"${{{FILE_ORIGIN}}}", "")
        if (
            '"' in value
            or "\\" in value
            or (name != "Strict-Transport-Security" and "$" in literal)
        ):
            raise ValueError(f"cannot embed {value!r} in the nginx configuration")
    return _lines(f'{indent}add_header {name} "{value}" always;' for name, value in headers)


def _hidden_upstream_headers(indent: str) -> str:
    """An upstream's own copies of the headers give way to nginx's (never sent twice)."""
    names = [*(name for name, _ in SECURITY_HEADERS), "Strict-Transport-Security"]
    return _lines(f"{indent}proxy_hide_header {name};" for name in names)


def _api_locations(public: list[Route], streams: frozenset[str]) -> str:
    """The paths that carry a secret, the streams' paths, the paths that take or give a file,
    the rate-limited auth paths, the API prefixes, and the public paths outside them (probes),
    each followed by a blank line. A path of two kinds has one location with what each adds."""
    secret_paths = dict.fromkeys(r.path for r in SECRET_ROUTES if r.public)
    stream_paths = dict.fromkeys(r.path for r in public if r.target in streams)
    file_paths = dict.fromkeys(r.path for r in public if r.takes_file)
    download_paths = dict.fromkeys(r.path for r in public if r.target in DOWNLOAD_TARGETS)
    outside = sorted(
        {r.path for r in public if not r.path.startswith(API_PREFIXES)} - set(secret_paths)
    )
    location = _template(API_LOCATION_TEMPLATE)
    quiet = _template(SECRET_TEMPLATE).substitute(error_log=ERROR_LOG)
    streaming = _template(STREAM_TEMPLATE).substitute()
    uploading = _template(UPLOAD_TEMPLATE).substitute(upload_bytes=_default_upload_bytes())
    downloading = _template(DOWNLOAD_TEMPLATE).substitute()
    limited = _template(AUTH_LIMIT_TEMPLATE).substitute(burst=AUTH_BURST)
    auth_paths = "|".join(_path_regex(path) for path in RATE_LIMITED_PATHS)

    def additions_for(path: str) -> str:
        return (
            (quiet if path in secret_paths else "")
            + (streaming if path in stream_paths else "")
            + (uploading if path in file_paths else "")
            + (downloading if path in download_paths else "")
        )

    # The first regex location a path matches is its location: the secret paths' come first.
    own_paths = dict.fromkeys([*secret_paths, *stream_paths, *file_paths, *download_paths])
    blocks = [
        *(location.substitute(location=_location(p), extra=additions_for(p)) for p in own_paths),
        location.substitute(location=f'~ "^({auth_paths})$"', extra=limited),
        *(location.substitute(location=prefix, extra="") for prefix in API_PREFIXES),
        *(location.substitute(location=_location(p), extra="") for p in outside),
    ]
    return "".join(f"{block}\n" for block in blocks)


def _problem(status: int, *, limit: int = 0) -> str:
    """The body the FastAPI gateway (or a function) answers, with the path as nginx sees it."""
    titles = {
        404: ("Not found", "Not Found"),
        405: ("Method not allowed", "Method Not Allowed"),
        413: ("Content too large", f"bodies are limited to {limit} bytes"),
        429: ("Too many requests", "too many attempts; wait before trying again"),
        503: ("Service unavailable", "the function did not answer"),
    }
    title, detail = titles[status]
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    # No quote may end nginx's single-quoted string early; no variable may hide in the text.
    if "'" in body or "$" in body or "\\" in body:
        raise ValueError(f"cannot embed {body!r} in the nginx configuration")
    return body[:-1] + "$taskflow_instance}"


def _allowed(public: list[Route]) -> dict[str, str]:
    """Each distinct path and the methods of every route a path like it reaches."""
    allowed: dict[str, str] = {}
    for path in dict.fromkeys(route.path for route in public):
        sample = _PARAMETER.sub("x", path)
        methods = [route.method for route in public if route.match(sample) is not None]
        allowed[path] = ", ".join(sorted(set(methods)))  # as the FastAPI gateway lists them
    return allowed


def _path_regex(path: str) -> str:
    parts = _PARAMETER.split(path)
    # split() alternates literal text and parameter names.
    return "".join(
        "[^/]+" if n % 2 else "".join(f"\\{c}" if c in _REGEX_SPECIALS else c for c in part)
        for n, part in enumerate(parts)
    )


def _location(path: str) -> str:
    if _PARAMETER.search(path):
        return f'~ "^{_path_regex(path)}$"'
    return f"= {path}"


def _default_max_body_bytes() -> int:
    return int(Settings.model_fields["max_body_bytes"].default)


def _default_upload_bytes() -> int:
    """An upload's body: the largest attachment and the form around it."""
    return int(Settings.model_fields["attachment_max_bytes"].default) + UPLOAD_OVERHEAD


def _streaming_targets() -> frozenset[str]:
    """The targets that answer with a stream (read from each function's endpoint spec)."""
    from functions.edge import spec_of
    from functions.routes import load_target

    return frozenset(
        route.target
        for route in ROUTES
        if route.public and spec_of(load_target(route.target)).produces == STREAM_MEDIA_TYPE
    )
