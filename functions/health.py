"""Liveness: the process answers; dependencies are not probed here (Knative restarts on this)."""

from __future__ import annotations

from functions.core.models.common import Public
from functions.edge import Call, endpoint


class Health(Public):
    status: str = "ok"


@endpoint(response=Health, auth=False)
async def healthz(call: Call[None, None]) -> Health:
    """Report that the process is up."""
    return Health()
