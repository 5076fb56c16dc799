"""The JWKS function: the public keys that verify access tokens, for any verifier.

Its own module, so that its process loads the key set and nothing of the database.
"""

from __future__ import annotations

from functions.core.models.keys import Jwks
from functions.edge import Call, Reply, endpoint


@endpoint(response=Jwks, auth=False)
async def jwks(call: Call[None, None]) -> Reply:
    """The public keys that verify TaskFlow's access tokens."""
    return Reply(
        Jwks.model_validate(call.rt.keys.jwks()),
        headers={"Cache-Control": "public, max-age=300"},
    )
