"""Attachments: a file goes up through the form the API answers (to moto's S3 over real HTTP,
or to TaskFlow itself in the embedded mode), is listed and downloads byte for byte; the
limits, what complete checks, the signed form and link refusing tampering, and the event
function and the sweep deleting stored files."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from cloudevents.http import CloudEvent
from httpx import AsyncClient
from moto.server import ThreadedMotoServer
from sqlalchemy import select, update

from events import types
from events.transport.scheduler import in_process_post, scheduled_routes
from functions.core import runtime
from functions.core.attachments import store_of
from functions.core.attachments.local import DOWNLOAD_PATH, FILES_DIR
from functions.core.attachments.store import Download
from functions.core.clock import utcnow
from functions.core.runtime import Runtime
from functions.core.tables import attachments, outbox
from functions.edge.security_headers import content_security_policy
from tests.integration.helpers_notifications import deliver, settings_like, sinks
from tests.integration.helpers_tasks import create_task, owner_with_inbox
from tests.processes import BIN, Servers, clean_environment, free_port
from tests.support import PASSWORD, User, assert_problem, create_project, serve, signup

BUCKET = "taskflow-attachments-test"
MIB = 1024 * 1024
DELETE_OBJECTS = "/events/delete-attachment-objects"
PUBLISH_CHANGE = "/events/publish-change"


def _content(size: int) -> bytes:
    """Bytes no two tests share, and that no codec would pass through unchanged by luck."""
    seed = os.urandom(64)
    return (seed * (size // len(seed) + 1))[:size]


# -- moto's S3, over real HTTP ------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server on a port of its own: the presigned POST and GET go to it over HTTP."""
    with pytest.MonkeyPatch.context() as patch:
        # moto takes any credentials; boto3 needs some to sign with.
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def bucket(moto_url: str) -> Any:
    """The test bucket in moto (made again if another test's mock_aws reset moto's state)."""
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=moto_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )
    try:
        s3.head_bucket(Bucket=BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture(scope="session")
async def s3_runtimes(
    pg_runtime: Runtime, embedded_runtime: Runtime, moto_url: str
) -> AsyncIterator[dict[str, Runtime]]:
    """Each backend's runtime with attachments in moto's bucket."""
    made = {
        name: Runtime(
            settings_like(rt.settings, attachments_bucket=BUCKET, s3_endpoint_url=moto_url)
        )
        for name, rt in (("postgres", pg_runtime), ("embedded", embedded_runtime))
    }
    yield made
    for rt in made.values():
        await rt.close()


def _in_bucket(s3: Any, key: str) -> bool:
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
    except ClientError:
        return False
    return True


def _on_disk(rt: Runtime, key: str) -> bool:
    return (rt.settings.data_dir / FILES_DIR / key).is_file()


# -- helpers -------------------------------------------------------------------------------------


async def _attach(
    api: AsyncClient,
    user: User,
    task_id: str,
    size: int,
    *,
    filename: str = "plan.pdf",
    content_type: str = "application/pdf",
) -> dict[str, Any]:
    response = await api.post(
        f"/api/tasks/{task_id}/attachments",
        json={"filename": filename, "content_type": content_type, "size": size},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def _post_form(
    client: AsyncClient,
    upload: dict[str, Any],
    content: bytes,
    *,
    fields: dict[str, str] | None = None,
    filename: str = "plan.pdf",
) -> httpx.Response:
    """POST the form as a browser does: every field, then the file, as multipart/form-data."""
    data = {**upload["fields"], **(fields or {})}
    files = {"file": (filename, content, data.get("Content-Type", "application/octet-stream"))}
    return await client.post(upload["url"], data=data, files=files)


async def _complete(api: AsyncClient, user: User, attachment_id: str) -> httpx.Response:
    return await api.post(f"/api/attachments/{attachment_id}/complete", headers=user.headers)


async def _listed(api: AsyncClient, user: User, task_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/tasks/{task_id}/attachments", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _events(subject: str, event_type: str) -> list[CloudEvent]:
    from functions.core.outbox import from_row

    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox)
                .where(outbox.c.subject == subject, outbox.c.event_type == event_type)
                .order_by(outbox.c.id)
            )
        ).all()
    return [from_row(row._mapping) for row in rows]


async def _key_of(attachment_id: str) -> str:
    async with runtime.current().engine.connect() as conn:
        key: str = (
            await conn.execute(
                select(attachments.c.object_key).where(attachments.c.id == uuid.UUID(attachment_id))
            )
        ).scalar_one()
    return key


async def _status_of(attachment_id: str) -> str | None:
    async with runtime.current().engine.connect() as conn:
        status: str | None = await conn.scalar(
            select(attachments.c.status).where(attachments.c.id == uuid.UUID(attachment_id))
        )
    return status


# -- the done-when: 2 MiB up, listed, down byte for byte ----------------------------------------


async def test_a_2_mib_file_goes_up_to_s3_through_the_form_is_listed_and_downloads_byte_for_byte(
    backend: str, s3_runtimes: dict[str, Runtime], bucket: Any
) -> None:
    content = _content(2 * MIB)
    async with serve(s3_runtimes[backend]) as api, httpx.AsyncClient(timeout=30) as web:
        owner, inbox = await owner_with_inbox(api)
        task = await create_task(api, owner, inbox)
        made = await _attach(
            api,
            owner,
            task["id"],
            len(content),
            filename="Überblick plan.png",
            content_type="image/png",
        )
        assert made["attachment"]["status"] == "pending"
        assert made["attachment"]["download_url"] is None
        assert made["upload"]["url"].startswith(s3_runtimes[backend].settings.s3_endpoint_url)
        assert await _listed(api, owner, task["id"]) == []

        posted = await _post_form(web, made["upload"], content, filename="Überblick plan.png")
        assert posted.status_code == 204, posted.text
        completed = await _complete(api, owner, made["id"])
        assert completed.status_code == 200, completed.text

        [listed] = await _listed(api, owner, task["id"])
        assert listed["id"] == made["id"]
        assert listed["status"] == "complete"
        assert listed["size"] == len(content)
        assert listed["uploader_id"] == str(owner.id)
        downloaded = await web.get(listed["download_url"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"] == "image/png"
    assert downloaded.headers["content-disposition"] == (
        "attachment; filename=\"_berblick plan.png\"; filename*=UTF-8''%C3%9Cberblick%20plan.png"
    )


async def test_a_2_mib_file_goes_up_to_taskflow_itself_in_the_embedded_mode(
    any_api: AsyncClient,
) -> None:
    content = _content(2 * MIB)
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    made = await _attach(
        any_api, owner, task["id"], len(content), filename="notes.txt", content_type="text/plain"
    )
    public_url = runtime.current().settings.public_url
    assert made["upload"]["url"] == f"{public_url}/api/attachments/upload"
    assert set(made["upload"]["fields"]) == {"key", "Content-Type", "policy", "signature"}

    posted = await _post_form(any_api, made["upload"], content, filename="notes.txt")
    assert posted.status_code == 204, posted.text
    assert (await _complete(any_api, owner, made["id"])).status_code == 200

    [listed] = await _listed(any_api, owner, task["id"])
    assert listed["download_url"].startswith(f"{public_url}{DOWNLOAD_PATH}")
    downloaded = await any_api.get(listed["download_url"])
    assert downloaded.status_code == 200
    assert downloaded.content == content
    # As stored (no charset added), as a download, never sniffed or run as a page.
    assert downloaded.headers["content-type"] == "text/plain"
    assert downloaded.headers["content-disposition"] == (
        "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    )
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in downloaded.headers["content-security-policy"]


def test_make_run_takes_a_2_mib_file_over_real_http_with_nothing_else_installed(
    tmp_path: Path,
) -> None:
    """`taskflow dev` as `make run` starts it: SQLite, the data directory, no bucket."""
    servers = Servers(tmp_path)
    port = free_port()
    env = clean_environment(TASKFLOW_ENV="dev", TASKFLOW_DATA_DIR=str(tmp_path / "data"))
    content = _content(2 * MIB)
    try:
        server = servers.start(
            "taskflow-dev", [str(BIN / "taskflow"), "dev", "--port", str(port)], port, env
        )
        with server.client() as client:
            email = f"files-{uuid.uuid4().hex[:8]}@example.com"
            registered = client.post(
                "/api/auth/register",
                json={"email": email, "password": PASSWORD, "display_name": "Files"},
            )
            assert registered.status_code == 201, registered.text
            headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
            [inbox] = client.get("/api/projects", headers=headers).json()["items"]
            task = client.post(
                "/api/tasks", json={"project_id": inbox["id"], "title": "Files"}, headers=headers
            ).json()
            made = client.post(
                f"/api/tasks/{task['id']}/attachments",
                json={"filename": "scan.pdf", "content_type": "application/pdf", "size": 2 * MIB},
                headers=headers,
            ).json()
            # The form leads to the server that gave it (its own port, as run).
            assert made["upload"]["url"] == f"http://127.0.0.1:{port}/api/attachments/upload"
            posted = httpx.post(
                made["upload"]["url"],
                data=made["upload"]["fields"],
                files={"file": ("scan.pdf", content, "application/pdf")},
                timeout=30,
            )
            assert posted.status_code == 204, posted.text
            completed = client.post(f"/api/attachments/{made['id']}/complete", headers=headers)
            assert completed.status_code == 200, completed.text
            [listed] = client.get(f"/api/tasks/{task['id']}/attachments", headers=headers).json()[
                "items"
            ]
            downloaded = httpx.get(listed["download_url"], timeout=30)
        assert downloaded.status_code == 200
        assert downloaded.content == content
        assert (tmp_path / "data" / FILES_DIR).is_dir()
    finally:
        servers.stop_all()


# -- who may, and the limits --------------------------------------------------------------------


async def test_viewers_read_the_list_editors_attach_and_strangers_see_nothing(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    viewer, stranger = await signup(any_api, "viewer"), await signup(any_api, "stranger")
    from tests.integration.helpers_tasks import add_member

    await add_member(inbox, viewer, "viewer")
    task = await create_task(any_api, owner, inbox)
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    path = f"/api/tasks/{task['id']}/attachments"
    assert (await any_api.get(path, headers=viewer.headers)).status_code == 200
    assert_problem(await any_api.post(path, json=body, headers=viewer.headers), 403)
    assert_problem(await any_api.get(path, headers=stranger.headers), 404)
    assert_problem(await any_api.post(path, json=body, headers=stranger.headers), 404)

    made = await _attach(any_api, owner, task["id"], 10)
    for who, status in ((viewer, 403), (stranger, 404)):
        assert_problem(await _complete(any_api, who, made["id"]), status)
        deleted = await any_api.delete(f"/api/attachments/{made['id']}", headers=who.headers)
        assert_problem(deleted, status)
    assert_problem(await _complete(any_api, owner, str(uuid.uuid4())), 404)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"size": 25 * MIB + 1}, ["size"]),
        ({"content_type": "application/x-msdownload"}, ["content_type"]),
        ({"content_type": "text/html", "size": 26 * MIB}, ["size", "content_type"]),
        ({"filename": "x" * 256}, ["filename"]),
        ({"filename": "   "}, ["filename"]),
        ({"filename": "a\nb.txt"}, ["filename"]),
        ({"content_type": "image/png; charset=x"}, ["content_type"]),
        ({"content_type": "png"}, ["content_type"]),
        ({"size": -1}, ["size"]),
    ],
)
async def test_a_file_outside_the_limits_is_refused_naming_what_is_wrong(
    any_api: AsyncClient, body: dict[str, Any], fields: list[str]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    sent = {"filename": "a.pdf", "content_type": "application/pdf", "size": 10, **body}
    response = await any_api.post(
        f"/api/tasks/{task['id']}/attachments", json=sent, headers=owner.headers
    )
    problem = assert_problem(response, 422)
    assert [e["loc"][-1] for e in problem["errors"]] == fields
    assert await _listed(any_api, owner, task["id"]) == []


async def test_any_image_type_is_taken_and_a_type_is_kept_in_lower_case(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    made = await _attach(any_api, owner, task["id"], 10, content_type="Image/WebP")
    assert made["attachment"]["content_type"] == "image/webp"
    assert made["upload"]["fields"]["Content-Type"] == "image/webp"


async def test_a_task_holding_as_many_files_as_it_may_takes_no_more_until_one_goes(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> None:
    base = pg_runtime if backend == "postgres" else embedded_runtime
    rt = Runtime(settings_like(base.settings, attachments_per_task=2))
    try:
        async with serve(rt) as api:
            owner, inbox = await owner_with_inbox(api)
            task = await create_task(api, owner, inbox)
            first = await _attach(api, owner, task["id"], 10)
            await _attach(api, owner, task["id"], 10)  # pending files hold a place too
            refused = await api.post(
                f"/api/tasks/{task['id']}/attachments",
                json={"filename": "c.pdf", "content_type": "application/pdf", "size": 10},
                headers=owner.headers,
            )
            assert "2" in assert_problem(refused, 409)["detail"]
            deleted = await api.delete(f"/api/attachments/{first['id']}", headers=owner.headers)
            assert deleted.status_code == 204
            await _attach(api, owner, task["id"], 10)
    finally:
        await rt.close()


# -- complete -----------------------------------------------------------------------------------


async def test_complete_before_the_upload_is_a_conflict_and_after_it_answers_the_same_each_time(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    content = _content(1000)
    made = await _attach(any_api, owner, task["id"], len(content))
    early = assert_problem(await _complete(any_api, owner, made["id"]), 409)
    assert "upload the file first" in early["detail"]

    assert (await _post_form(any_api, made["upload"], content)).status_code == 204
    first = (await _complete(any_api, owner, made["id"])).json()
    again = (await _complete(any_api, owner, made["id"])).json()
    assert {k: v for k, v in first.items() if k != "download_url"} == {
        k: v for k, v in again.items() if k != "download_url"
    }
    assert first["status"] == "complete"
    assert first["completed_at"] is not None
    [added] = await _events(task["id"], types.ATTACHMENT_ADDED)
    data = added.get_data()
    assert data["attachment"]["id"] == made["id"]
    assert data["attachment"]["filename"] == "plan.pdf"
    assert data["task"]["id"] == task["id"]
    assert added[types.PROJECT_ID] == str(inbox)


async def test_a_file_of_another_size_or_type_on_s3_is_deleted_and_the_form_serves_again(
    s3_runtimes: dict[str, Runtime], bucket: Any
) -> None:
    # moto does not enforce a presigned POST's policy (S3 does): complete checks for itself.
    right = _content(1000)
    async with serve(s3_runtimes["postgres"]) as api, httpx.AsyncClient(timeout=30) as web:
        owner, inbox = await owner_with_inbox(api)
        task = await create_task(api, owner, inbox)
        made = await _attach(api, owner, task["id"], len(right))
        key = await _key_of(made["id"])

        assert (await _post_form(web, made["upload"], right + b"more")).status_code == 204
        problem = assert_problem(await _complete(api, owner, made["id"]), 422)
        assert [e["loc"] for e in problem["errors"]] == [["size"]]
        assert not _in_bucket(bucket, key)
        assert await _status_of(made["id"]) == "pending"

        other_type = {"Content-Type": "text/html"}
        posted = await _post_form(web, made["upload"], right, fields=other_type)
        assert posted.status_code == 204
        problem = assert_problem(await _complete(api, owner, made["id"]), 422)
        assert [e["loc"] for e in problem["errors"]] == [["content_type"]]
        assert not _in_bucket(bucket, key)

        assert (await _post_form(web, made["upload"], right)).status_code == 204
        assert (await _complete(api, owner, made["id"])).status_code == 200
        [listed] = await _listed(api, owner, task["id"])
        assert (await web.get(listed["download_url"])).content == right


async def test_the_embedded_store_refuses_a_file_its_form_does_not_take(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    made = await _attach(any_api, owner, task["id"], 1000)
    too_big = assert_problem(await _post_form(any_api, made["upload"], _content(1001)), 400)
    assert "1001" in too_big["detail"]
    assert_problem(await _post_form(any_api, made["upload"], _content(999)), 400)
    assert_problem(await _complete(any_api, owner, made["id"]), 409)
    assert not _on_disk(runtime.current(), await _key_of(made["id"]))


# -- the embedded store's signed form and link ---------------------------------------------------


def _forged_policy(upload: dict[str, Any], **changes: Any) -> str:
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    policy.update(changes)
    return base64.b64encode(json.dumps(policy).encode()).decode()


async def test_a_tampered_or_expired_upload_form_is_refused_and_never_a_500(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    content = _content(100)
    made = await _attach(any_api, owner, task["id"], len(content))
    other = await _attach(any_api, owner, task["id"], len(content))
    upload = made["upload"]
    signature = upload["fields"]["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    rt = runtime.current()
    expired = await store_of(rt).upload_form(
        await _key_of(made["id"]), "application/pdf", len(content), utcnow() - timedelta(seconds=1)
    )
    forged = {
        "signature flipped": {"signature": flipped},
        "signature not hex": {"signature": "é" * 64},
        "no signature": {"signature": ""},
        "policy changed": {"policy": _forged_policy(upload, expiration="2999-01-01T00:00:00Z")},
        "another file's policy": {"policy": other["upload"]["fields"]["policy"]},
        "another file's key": {"key": other["upload"]["fields"]["key"]},
        "a key out of the folder": {"key": "../../etc/passwd"},
        "another type": {"Content-Type": "text/html"},
        "policy not base64": {"policy": "%%%"},
        "expired": expired.fields,
    }
    for what, fields in forged.items():
        response = await _post_form(any_api, upload, content, fields=fields)
        assert response.status_code == 403, (what, response.text)
        assert_problem(response, 403)
    # Not a form, or not all of one: refused before anything is checked.
    plain_fields = {name: (None, value) for name, value in upload["fields"].items()}
    no_file = await any_api.post(upload["url"], files=plain_fields)
    assert_problem(no_file, 400)
    missing = {k: v for k, v in upload["fields"].items() if k != "policy"}
    assert_problem(
        await any_api.post(upload["url"], data=missing, files={"file": ("a", content)}), 400
    )
    extra = await _post_form(any_api, upload, content, fields={"acl": "public-read"})
    assert_problem(extra, 400)
    assert_problem(await any_api.post(upload["url"], json=upload["fields"]), 415)
    assert_problem(await _complete(any_api, owner, made["id"]), 409)
    assert not _on_disk(rt, await _key_of(made["id"]))
    assert not _on_disk(rt, await _key_of(other["id"]))
    # The untouched form still works.
    assert (await _post_form(any_api, upload, content)).status_code == 204


async def test_an_upload_past_the_largest_attachment_is_refused_before_it_is_read(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> None:
    base = pg_runtime if backend == "postgres" else embedded_runtime
    rt = Runtime(settings_like(base.settings, attachment_max_bytes=1024))
    try:
        async with serve(rt) as api:
            owner, inbox = await owner_with_inbox(api)
            task = await create_task(api, owner, inbox)
            made = await _attach(api, owner, task["id"], 1024)
            huge = _content(1024 + 200 * 1024)
            problem = assert_problem(await _post_form(api, made["upload"], huge), 413)
            assert "limited" in problem["detail"]

            # The same form streamed in chunks, with no Content-Length to go by.
            form = httpx.Request(
                "POST",
                made["upload"]["url"],
                data=made["upload"]["fields"],
                files={"file": ("a.pdf", huge, "application/pdf")},
            )
            body = form.read()

            async def chunked() -> AsyncIterator[bytes]:
                for start in range(0, len(body), 64 * 1024):
                    yield body[start : start + 64 * 1024]

            streamed = await api.post(
                made["upload"]["url"],
                content=chunked(),
                headers={"Content-Type": form.headers["Content-Type"]},
            )
            assert_problem(streamed, 413)
            assert not _on_disk(rt, await _key_of(made["id"]))
    finally:
        await rt.close()


async def test_a_tampered_expired_or_dangling_download_link_is_refused_and_never_a_500(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    content = _content(100)
    made = await _attach(any_api, owner, task["id"], len(content), filename="a.pdf")
    assert (await _post_form(any_api, made["upload"], content)).status_code == 204
    assert (await _complete(any_api, owner, made["id"])).status_code == 200
    [listed] = await _listed(any_api, owner, task["id"])
    url: str = listed["download_url"]
    base, token = url.rsplit("/", 1)
    payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    rewritten = (
        base64.urlsafe_b64encode(json.dumps({**claims, "e": claims["e"] + 3600}).encode())
        .decode()
        .rstrip("=")
    )
    key = await _key_of(made["id"])
    [expired] = await store_of(runtime.current()).download_urls(
        [Download(key, "a.pdf", "application/pdf")], utcnow() - timedelta(seconds=1)
    )
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for what, link in {
        "signature flipped": f"{base}/{payload}.{flipped}",
        "longer life": f"{base}/{rewritten}.{signature}",
        "no signature": f"{base}/{payload}",
        "not a token": f"{base}/%C3%A9%00",
        "expired": expired,
    }.items():
        response = await any_api.get(link)
        assert response.status_code == 403, (what, response.text)
        assert_problem(response, 403)
    assert (await any_api.get(url)).content == content

    deleted = await any_api.delete(f"/api/attachments/{made['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    (runtime.current().settings.data_dir / FILES_DIR / key).unlink()
    assert_problem(await any_api.get(url), 404)


async def test_with_a_bucket_taskflow_stores_no_file_itself(
    s3_runtimes: dict[str, Runtime], bucket: Any
) -> None:
    async with serve(s3_runtimes["postgres"]) as api:
        upload = await api.post(
            "/api/attachments/upload",
            data={"key": "k", "Content-Type": "a/b", "policy": "p", "signature": "s"},
            files={"file": ("a", b"x")},
        )
        assert_problem(upload, 404)
        assert_problem(await api.get("/api/attachments/files/abc.def"), 404)


# -- deleting stored files ----------------------------------------------------------------------


@pytest.fixture(params=["s3", "local"])
def store(
    request: pytest.FixtureRequest, backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> Iterator[tuple[Runtime, Any]]:
    """A runtime with each store in turn, and a test of whether it holds a key.

    Not async: the session's s3_runtimes, asked for here, may be set up only outside a running
    event loop (an async fixture asking for it first fails, and fails every test after it)."""
    if request.param == "s3":
        s3 = request.getfixturevalue("bucket")
        rt = request.getfixturevalue("s3_runtimes")[backend]
        yield rt, lambda key: _in_bucket(s3, key)
    else:
        rt = pg_runtime if backend == "postgres" else embedded_runtime
        yield rt, lambda key: _on_disk(rt, key)


async def _stored(api: AsyncClient, owner: User, task_id: str, size: int = 100) -> str:
    """A complete file on the task, over real HTTP where it goes to moto; its key."""
    made = await _attach(api, owner, task_id, size)
    url = made["upload"]["url"]
    if url.startswith(runtime.current().settings.public_url):
        posted = await _post_form(api, made["upload"], _content(size))
    else:
        async with httpx.AsyncClient(timeout=30) as web:
            posted = await _post_form(web, made["upload"], _content(size))
    assert posted.status_code == 204, posted.text
    assert (await _complete(api, owner, made["id"])).status_code == 200
    return await _key_of(made["id"])


async def test_deleting_a_file_deletes_its_stored_object_by_the_event_function(
    store: tuple[Runtime, Any],
) -> None:
    rt, holds = store
    async with serve(rt) as api, sinks(rt) as broker:
        owner, inbox = await owner_with_inbox(api)
        task = await create_task(api, owner, inbox)
        key = await _stored(api, owner, task["id"])
        kept = await _stored(api, owner, task["id"])
        attachment_id = key.rsplit("/", 1)[-1]
        deleted = await api.delete(f"/api/attachments/{attachment_id}", headers=owner.headers)
        assert deleted.status_code == 204
        assert [a["id"] for a in await _listed(api, owner, task["id"])] == [kept.rsplit("/", 1)[-1]]
        assert holds(key)  # until the event function runs

        [event] = await _events(task["id"], types.ATTACHMENT_DELETED)
        assert (await deliver(broker, DELETE_OBJECTS, event)).status_code == 202
        assert not holds(key)
        assert holds(kept)
        # Again (a redelivery): nothing left to delete is no error.
        assert (await deliver(broker, DELETE_OBJECTS, event)).status_code == 202
        assert_problem(
            await api.delete(f"/api/attachments/{attachment_id}", headers=owner.headers), 404
        )


async def test_deleting_a_task_or_a_project_deletes_every_stored_object_under_it(
    store: tuple[Runtime, Any],
) -> None:
    rt, holds = store
    async with serve(rt) as api, sinks(rt) as broker:
        owner = await signup(api, "owner")
        project = await create_project(api, owner, "Files")
        first = await create_task(api, owner, uuid.UUID(project["id"]))
        second = await create_task(api, owner, uuid.UUID(project["id"]))
        first_keys = [await _stored(api, owner, first["id"]) for _ in range(2)]
        second_key = await _stored(api, owner, second["id"])

        gone = await api.delete(f"/api/tasks/{first['id']}", headers=owner.headers)
        assert gone.status_code == 204, gone.text
        [task_deleted] = await _events(first["id"], types.TASK_DELETED)
        assert (await deliver(broker, DELETE_OBJECTS, task_deleted)).status_code == 202
        assert [holds(k) for k in first_keys] == [False, False]
        assert holds(second_key)

        dropped = await api.delete(f"/api/projects/{project['id']}", headers=owner.headers)
        assert dropped.status_code == 204, dropped.text
        [project_deleted] = await _events(project["id"], types.PROJECT_DELETED)
        assert (await deliver(broker, DELETE_OBJECTS, project_deleted)).status_code == 202
        assert not holds(second_key)


async def test_when_the_store_does_not_answer_the_event_is_answered_for_a_retry(
    pg_runtime: Runtime, moto_url: str
) -> None:
    down = Runtime(
        settings_like(
            pg_runtime.settings,
            attachments_bucket=BUCKET,
            s3_endpoint_url="http://127.0.0.1:9",  # discard: nothing listens
        )
    )
    try:
        async with serve(pg_runtime) as api:
            owner, inbox = await owner_with_inbox(api)
            task = await create_task(api, owner, inbox)
            deleted = await api.delete(f"/api/tasks/{task['id']}", headers=owner.headers)
            assert deleted.status_code == 204
            [event] = await _events(task["id"], types.TASK_DELETED)
        async with sinks(down) as broker:
            answer = await deliver(broker, DELETE_OBJECTS, event)
        assert answer.status_code == 503, answer.text
    finally:
        await down.close()


# -- the sweep of abandoned uploads -------------------------------------------------------------


async def _age(attachment_id: str, by: timedelta) -> None:
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            update(attachments)
            .where(attachments.c.id == uuid.UUID(attachment_id))
            .values(created_at=utcnow() - by)
        )


async def test_the_sweep_gives_up_uploads_never_completed_long_after_their_form_expired(
    store: tuple[Runtime, Any],
) -> None:
    rt, holds = store
    settings = rt.settings
    long_ago = timedelta(seconds=settings.attachment_upload_seconds) + timedelta(hours=2)
    async with serve(rt) as api, httpx.AsyncClient(timeout=30) as web:
        owner, inbox = await owner_with_inbox(api)
        task = await create_task(api, owner, inbox)
        content = _content(100)
        abandoned = await _attach(api, owner, task["id"], len(content))
        uploaded = abandoned["upload"]["url"].startswith(settings.public_url)
        posted = await _post_form(api if uploaded else web, abandoned["upload"], content)
        assert posted.status_code == 204
        recent = await _attach(api, owner, task["id"], len(content))
        done_key = await _stored(api, owner, task["id"])
        abandoned_key = await _key_of(abandoned["id"])
        for made in (abandoned, recent):
            await _age(made["id"], long_ago if made is abandoned else timedelta(minutes=5))
        await _age(done_key.rsplit("/", 1)[-1], long_ago)
        # Past the cutoff, complete no longer takes it (the sweep may be deleting it).
        assert_problem(await _complete(api, owner, abandoned["id"]), 409)

        [route] = [r for r in scheduled_routes() if r.target == "sweep_attachments"]
        assert await in_process_post()(route) == 200
        assert await _status_of(abandoned["id"]) is None
        assert not holds(abandoned_key)
        assert await _status_of(recent["id"]) == "pending"
        assert await _status_of(done_key.rsplit("/", 1)[-1]) == "complete"
        assert holds(done_key)


# -- screens, and the page's policy -------------------------------------------------------------


async def test_open_screens_are_told_of_a_file_added_and_deleted(any_api: AsyncClient) -> None:
    rt = runtime.current()
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    key = await _stored(any_api, owner, task["id"])
    deleted = await any_api.delete(
        f"/api/attachments/{key.rsplit('/', 1)[-1]}", headers=owner.headers
    )
    assert deleted.status_code == 204
    from functions.core.services import team_changes

    async with sinks(rt) as broker:
        for event_type in (types.ATTACHMENT_ADDED, types.ATTACHMENT_DELETED):
            [event] = await _events(task["id"], event_type)
            assert (await deliver(broker, PUBLISH_CHANGE, event)).status_code == 202
    entries = await rt.redis.xrange(team_changes.project_key(rt.settings, inbox))
    changes = [json.loads(fields[b"c" if b"c" in fields else "c"]) for _, fields in entries]
    mine = [c for c in changes if c["data"].get("task", {}).get("id") == task["id"]]
    assert [c["type"] for c in mine] == [types.ATTACHMENT_ADDED, types.ATTACHMENT_DELETED]
    assert mine[0]["data"]["attachment"]["filename"] == "plan.pdf"


async def test_the_page_may_reach_the_bucket_for_uploads_and_previews_and_nothing_else(
    s3_runtimes: dict[str, Runtime], pg_runtime: Runtime, moto_url: str
) -> None:
    async with serve(s3_runtimes["postgres"]) as api:
        with_bucket = (await api.get("/healthz")).headers["content-security-policy"]
    async with serve(pg_runtime) as api:
        without = (await api.get("/healthz")).headers["content-security-policy"]
    assert with_bucket == content_security_policy(moto_url)
    directives = dict(d.split(" ", 1) for d in with_bucket.split("; "))
    assert directives["connect-src"] == f"'self' {moto_url}"
    assert directives["img-src"] == f"'self' data: {moto_url}"
    assert directives["script-src"] == "'self'"
    assert without == content_security_policy()
