"""Paths as the logs write them: one that carries a secret is written as its route's template.

A calendar feed's URL and a signed download link hold their secret in the path (`{token}`):
whoever reads a log line with it could open the feed or the file. Every log line that names a
request's path (the request log, the timeout and error lines) writes it through
`loggable_path`; nginx's access log masks the same routes, and its error log leaves out their
requests' errors (functions/deploy/nginx.py).
"""

from __future__ import annotations

from typing import Final

from functions.routes import ROUTES, Route

# A path segment that is a secret (a feed's URL, a signed link), never written to the logs.
SECRET_SEGMENT: Final = "{token}"
# The routes whose path carries one, whichever function a path reaches.
SECRET_ROUTES: Final[tuple[Route, ...]] = tuple(r for r in ROUTES if SECRET_SEGMENT in r.path)


def loggable_path(path: str) -> str:
    """The path, or its route's template where the path carries a secret."""
    for route in SECRET_ROUTES:
        if route.match(path) is not None:
            return route.path
    return path
