"""Liveness: the process answers; dependencies are not probed here (Knative restarts on this).

The edge answers `GET /healthz` in every function process before any handler runs (so each
Knative Service can be probed there); this target gives the same path its own function
behind the gateway, and its answer a place in the OpenAPI document.
"""

from __future__ import annotations

from functions.core.models.common import Public
from functions.edge import LIVENESS_BODY, Call, endpoint


class Health(Public):
    status: str = "ok"


@endpoint(response=Health, auth=False)
async def healthz(call: Call[None, None]) -> Health:
    """Report that the process is up."""
    return Health.model_validate_json(LIVENESS_BODY)
