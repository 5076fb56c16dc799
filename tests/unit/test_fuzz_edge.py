"""Fuzzing the edge: any request to a function (its JSON body, query string, headers, token,
or the CloudEvent it takes) is answered with a success or a 4xx problem, within a second.

The real functions answer, as a lone function process does, on the embedded runtime (a
SQLite file, the in-process Redis stand-in). Requests are the corpus's real ones under byte
mutations (Hypothesis: the requests are answered in process, in one event loop).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.core import runtime
from tests.fuzz.harness import CORPUS, Edge, corpus
from tests.fuzz.mutations import mutated

# `make fuzz` raises it; a short run here keeps `make check` fast.
EXAMPLES = int(os.environ.get("FUZZ_INPUT_EXAMPLES", "150"))
TARGETS = sorted(path.name for path in (CORPUS / "edge").iterdir())
SEEDS = [(target, name, raw) for target in TARGETS for name, raw in corpus(f"edge/{target}")]
slowest: list[tuple[float, str, bytes]] = []


@pytest.fixture(scope="module")
async def edge(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Edge]:
    previous = runtime.install(None)
    started = await Edge.start(tmp_path_factory.mktemp("fuzz-edge"))
    yield started
    await started.close()
    runtime.install(previous)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and slowest:
        elapsed, target, raw = max(slowest)
        reporter.write_line(f"fuzz edge: slowest {elapsed * 1000:.1f} ms, {target}: {raw!r:.200}")


def _record(target: str, raw: bytes):  # type: ignore[no-untyped-def]
    def record(elapsed: float) -> None:
        if not slowest or elapsed > slowest[0][0]:
            slowest[:] = [(elapsed, target, raw)]

    return record


@pytest.mark.parametrize(("target", "name", "raw"), SEEDS, ids=[f"{t}-{n}" for t, n, _ in SEEDS])
async def test_every_seed_request_is_answered_as_its_name_says(
    edge: Edge, target: str, name: str, raw: bytes
) -> None:
    status = await edge.check(target, raw)
    if target != "refresh":  # a refresh token works once: the second seed reuses it
        assert (status >= 400) == name.startswith(("not-", "wrong-")), status


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # measured against the 1 s limit, request by request
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_any_mutated_request_is_a_success_or_a_problem(
    edge: Edge, data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="target")
    raw = data.draw(mutated([raw for _, raw in corpus(f"edge/{target}")]), label="request")
    await edge.check(target, raw, _record(target, raw))
