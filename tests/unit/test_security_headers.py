"""The FastAPI gateway's security headers: on every kind of answer, a policy that allows
nothing inline or evaluated, HSTS only outside dev, and pages that need nothing inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from httpx import ASGITransport, AsyncClient

from functions.core.runtime import Runtime
from functions.edge.security_headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from functions.gateway import create_app
from functions.gateway.docs import INIT_URL
from tests.conftest import make_test_settings

# One of each: the web app's page, an asset, the API docs, a function, a probe, a 404, a 405.
REQUESTS = [
    ("GET", "/", "text/html"),
    ("GET", "/assets/index-3f2a1b.js", "*/*"),
    ("GET", "/projects/42", "text/html"),
    ("GET", "/api/docs", "text/html"),
    ("GET", INIT_URL, "*/*"),
    ("GET", "/api/auth/jwks", "*/*"),
    ("GET", "/healthz", "*/*"),
    ("GET", "/api/nothing-here", "*/*"),
    ("PUT", "/api/tasks", "*/*"),
]


def _web_build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><div id="root"></div>')
    (root / "assets" / "index-3f2a1b.js").write_text("console.log('taskflow')")
    return root


def _client(tmp_path: Path, web: Path, **settings: object) -> AsyncClient:
    rt = Runtime(make_test_settings(data_dir=tmp_path, **settings))
    return AsyncClient(
        transport=ASGITransport(app=create_app(rt, web_dist=web)), base_url="http://t"
    )


def _prod_settings(tmp_path: Path) -> dict[str, object]:
    key = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    return {
        "env": "prod",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        "redis_url": "redis://127.0.0.1:1/0",
        "jwt_private_key": key.decode(),
    }


def test_the_policy_allows_nothing_inline_evaluated_or_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


async def test_every_kind_of_answer_carries_the_headers_and_dev_sends_no_hsts(
    tmp_path: Path,
) -> None:
    async with _client(tmp_path, _web_build(tmp_path / "web"), env="dev") as client:
        for method, path, accept in REQUESTS:
            answer = await client.request(method, path, headers={"Accept": accept})
            for name, value in SECURITY_HEADERS:
                assert answer.headers.get_list(name) == [value], (method, path, name)
            assert "strict-transport-security" not in answer.headers, path


@pytest.mark.parametrize("env", ["dev", "test"])
async def test_hsts_is_left_to_prod(tmp_path: Path, env: str) -> None:
    async with _client(tmp_path, tmp_path / "no-build", env=env) as client:
        answer = await client.get("/healthz")
    assert "strict-transport-security" not in answer.headers


async def test_outside_dev_every_answer_also_asks_for_https_from_now_on(tmp_path: Path) -> None:
    async with _client(
        tmp_path, _web_build(tmp_path / "web"), **_prod_settings(tmp_path)
    ) as client:
        for method, path, accept in REQUESTS:
            answer = await client.request(method, path, headers={"Accept": accept})
            hsts = answer.headers.get_list("strict-transport-security")
            assert hsts == ["max-age=31536000; includeSubDomains"], (method, path)


@pytest.mark.parametrize("path", ["/", "/api/docs"])
async def test_the_gateway_s_own_pages_need_no_inline_script_or_style(
    tmp_path: Path, path: str
) -> None:
    # No web build: "/" is the gateway's placeholder page.
    async with _client(tmp_path, tmp_path / "no-build", env="dev") as client:
        page = await client.get(path, headers={"Accept": "text/html"})
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
        loaded = [await client.get(src) for src in re.findall(r'src="([^"]+)"', page.text)]
    assert page.status_code == 200
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "style=" not in page.text
    assert "<style" not in page.text
    assert [r.status_code for r in loaded] == [200] * len(loaded)
