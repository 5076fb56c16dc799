"""Property-based testing from the OpenAPI document, with every schemathesis check: the server
takes what the document allows and refuses what it does not, answers as it documents (status,
media type, body, headers), 405 for an undeclared method, never a 5xx, and problems are
problem+json. Then the stateful phase: sequences that follow the document's links from what
was created to reading, changing and deleting it. `make test` runs a bounded, repeatable sample;
`make fuzz` a long random one.

The target is a real `taskflow dev` process on this run's PostgreSQL database and Redis prefix.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from functions.core import runtime
from functions.core.settings import Settings
from functions.gateway import create_app
from tests.e2e.conftest import BIN, Server, Servers, clean_environment, free_port
from tests.support import PASSWORD

# Examples per operation: the default keeps `make test` to a few hundred requests in all.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
LONG_RUN = "FUZZ_EXAMPLES" in os.environ
# Stateful scenarios, each a few linked calls.
SCENARIOS = EXAMPLES * 3
# Operations whose success ends the session every later case would use.
SESSION_ENDING = {"/api/auth/logout", "/api/auth/password", "/api/auth/refresh"}
# An event stream never ends: schemathesis reads it for the read timeout, then cuts it (at 30 s
# each, four streams were most of this file's two minutes). Ample for a slow first answer.
STREAMS = {"/api/notifications/stream"}
STREAM_READ_SECONDS = 10.0
IMPORT_PATH = "/api/projects/import"


@dataclass
class Session:
    server: Server
    access_token: str = ""

    def sign_up(self) -> None:
        email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        response = httpx.post(
            f"{self.server.base_url}/api/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Fuzz"},
        )
        assert response.status_code == 201, response.text
        self.access_token = response.json()["access_token"]


@pytest.fixture(scope="module")
def fuzz_session(
    pg_settings: Settings, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Session]:
    assert pg_settings.redis_url is not None
    logs: Path = tmp_path_factory.mktemp("fuzz")
    servers = Servers(logs)
    env = clean_environment(
        TASKFLOW_DATABASE_URL=postgres_url,
        TASKFLOW_REDIS_URL=pg_settings.redis_url,
        TASKFLOW_REDIS_PREFIX=pg_settings.redis_prefix,
        TASKFLOW_DATA_DIR=str(logs),
        # Cheap hashing and budgets the fuzzer cannot exhaust: it is the edge under test.
        TASKFLOW_ARGON2_TIME_COST="1",
        TASKFLOW_ARGON2_MEMORY_KIB="8192",
        TASKFLOW_LOGIN_LIMIT_PER_ACCOUNT="1000000",
        TASKFLOW_LOGIN_LIMIT_PER_ADDRESS="1000000",
        TASKFLOW_REGISTER_LIMIT_PER_ADDRESS="1000000",
        TASKFLOW_PASSWORD_RESET_LIMIT_PER_ADDRESS="1000000",
        TASKFLOW_PASSWORD_RESET_LIMIT_PER_EMAIL="1000000",
        # Mail (verification links for each account it makes) as files: no SES here.
        TASKFLOW_MAIL_DIR=str(logs / "mail"),
        TASKFLOW_STREAM_HEARTBEAT_SECONDS="1",
    )
    port = free_port()
    try:
        command = [str(BIN / "taskflow"), "dev", "--port", str(port)]
        server = servers.start("fuzz-target", command, port, env)
        session = Session(server)
        session.sign_up()
        yield session
    finally:
        servers.stop_all()


def _openapi_document() -> dict[str, Any]:
    """The gateway's document, built in process (no I/O) so operations are known at collection."""
    previous = runtime.install(None)
    try:
        app = create_app(runtime.Runtime(Settings(env="dev")))
        return app.openapi()
    finally:
        runtime.install(previous)


schema = schemathesis.openapi.from_dict(_openapi_document())


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not LONG_RUN,
    suppress_health_check=list(HealthCheck),
)


def _call_kwargs(case: schemathesis.Case, session: Session) -> dict[str, Any]:
    return {
        "base_url": session.server.base_url,
        "headers": {"Authorization": f"Bearer {session.access_token}"},
        "timeout": (30, STREAM_READ_SECONDS) if case.path in STREAMS else 30,
    }


def _excluded_checks(response: schemathesis.Response) -> list[Any]:
    """Checks that cannot hold for this answer. A personal access token's expiry must be in the
    future, which no JSON Schema can say: an instant the document's types allow but already
    past is refused with exactly that 422, not the success `positive_data_acceptance` expects.
    Nor can a schema say what an imported file holds: any bytes are a `binary` string, and a
    file that is no Todoist, Trello or TaskFlow export is refused with a 422. Nor which secrets
    were mailed in a link: any other token is refused with a 400 of type `invalid_link`."""
    if response.status_code == 400 and response.json().get("type") == "invalid_link":
        return [positive_data_acceptance]
    if response.status_code != 422:
        return []
    if urlsplit(response.request.url or "").path == IMPORT_PATH:
        return [positive_data_acceptance]
    errors = response.json().get("errors")
    if errors == [
        {"loc": ["expires_at"], "msg": "must be in the future", "type": "future_instant"}
    ]:
        return [positive_data_acceptance]
    return []


def _assert_a_problem(response: schemathesis.Response, where: str) -> None:
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), where
        assert response.json()["status"] == response.status_code, where


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_server_does_what_the_document_says_and_every_refusal_is_a_problem(
    case: schemathesis.Case, fuzz_session: Session
) -> None:
    kwargs = _call_kwargs(case, fuzz_session)
    response = case.call(**kwargs)
    where = f"{case.method} {case.formatted_path} -> {response.status_code}"
    try:
        if response.status_code >= 500:
            pytest.fail(f"{where}\n{response.text}\n{fuzz_session.server.output()[-3000:]}")
        _assert_a_problem(response, where)
        # Every check schemathesis has: conformance of status, media type, body and headers,
        # valid data taken, invalid data refused, 405 for undeclared methods, and the rest.
        case.validate_response(
            response,
            excluded_checks=_excluded_checks(response),
            headers=kwargs["headers"],
            transport_kwargs=kwargs,
        )
    finally:
        if response.status_code < 300 and case.path in SESSION_ENDING:
            fuzz_session.sign_up()


# Sequences through the links (create, then read, change, list, delete what was created); the
# calls that end the session every later step would use are left out.
LINKED = schema.exclude(path=sorted(SESSION_ENDING | STREAMS))


class LinkedCalls(LINKED.as_state_machine()):  # type: ignore[misc]
    session: Session

    def setup(self) -> None:
        # Each scenario from a new account: what its lists show, and so which links it can
        # follow, comes from its own calls alone, as Hypothesis needs to replay it.
        self.session.sign_up()

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return _call_kwargs(case, self.session)

    def validate_response(
        self, response: schemathesis.Response, case: schemathesis.Case, **kwargs: Any
    ) -> None:
        where = f"{case.method} {case.formatted_path} -> {response.status_code}"
        assert response.status_code < 500, f"{where}\n{response.text}"
        _assert_a_problem(response, where)
        excluded = _excluded_checks(response)
        if excluded:  # as the base class validates, less those checks
            case.validate_response(
                response,
                excluded_checks=excluded,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )
            return
        super().validate_response(response, case, **kwargs)


def test_linked_calls_keep_to_the_document(fuzz_session: Session) -> None:
    LinkedCalls.session = fuzz_session
    LinkedCalls.run(
        settings=settings(
            FUZZ_SETTINGS,
            max_examples=SCENARIOS,
            stateful_step_count=6,
            # No shrinking: a replay meets a server whose state has moved on.
            phases=[Phase.generate],
        )
    )
