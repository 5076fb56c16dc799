"""Expired refresh tokens are deleted by `taskflow prune`; live sessions are untouched."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import func, select, update

from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.runtime import Runtime
from functions.core.services import maintenance
from functions.core.services.accounts import hash_refresh_token, prune_sessions
from functions.core.tables import refresh_tokens
from tests.support import signup


async def _expire(rt: Runtime, refresh_token: str) -> None:
    async with transaction(rt.engine) as conn:
        await conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == hash_refresh_token(refresh_token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


async def _tokens_of(rt: Runtime, user_id: uuid.UUID) -> int:
    async with transaction(rt.engine) as conn:
        count = await conn.scalar(select(func.count()).where(refresh_tokens.c.user_id == user_id))
    return int(count or 0)


async def test_pruning_deletes_expired_refresh_tokens_and_keeps_live_ones(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    expired, live = await signup(api, "expired"), await signup(api, "live")
    await _expire(pg_runtime, expired.refresh_token)

    deleted, *_ = await maintenance.prune(pg_runtime)

    assert deleted >= 1
    assert await _tokens_of(pg_runtime, expired.id) == 0
    assert await _tokens_of(pg_runtime, live.id) == 1
    refreshed = await api.post("/api/auth/refresh", json={"refresh_token": live.refresh_token})
    assert refreshed.status_code == 200


async def test_a_pruned_token_is_refused_like_any_unknown_one(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    user = await signup(api, "pruned")
    await _expire(pg_runtime, user.refresh_token)
    async with transaction(pg_runtime.engine) as conn:
        await prune_sessions(conn)
    refreshed = await api.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 401


def test_the_prune_command_runs_against_the_configured_database(tmp_path: Path) -> None:
    env = {**os.environ, "TASKFLOW_ENV": "dev", "TASKFLOW_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "functions.cli"]
    subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    done = subprocess.run(
        [*command, "prune"], env=env, check=True, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == (
        "deleted 0 expired refresh tokens, and 0 events published and 0 e-mail groups settled "
        "more than 168 hours ago"
    )
