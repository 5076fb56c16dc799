"""What the attachments' rules say without any server: which types a pattern takes, how a
file is named in a download, and which origin the page may reach for files."""

from __future__ import annotations

import pytest

from functions.core.attachments import upload_origin
from functions.core.attachments.store import content_disposition, object_key, task_prefix
from functions.core.services.attachments import content_type_allowed
from functions.core.settings import Settings
from functions.edge.security_headers import CONTENT_SECURITY_POLICY, content_security_policy

DEFAULT_TYPES = Settings(env="dev").attachment_content_types


@pytest.mark.parametrize(
    ("content_type", "taken"),
    [
        ("image/png", True),
        ("image/svg+xml", True),
        ("IMAGE/JPEG", True),
        ("application/pdf", True),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", True),
        ("application/vnd.oasis.opendocument.spreadsheet", True),
        ("text/plain", True),
        ("text/html", False),
        ("application/x-msdownload", False),
        ("application/pdfx", False),
        ("imagex/png", False),
    ],
)
def test_the_default_types_take_images_text_pdf_and_office_documents_only(
    content_type: str, taken: bool
) -> None:
    assert content_type_allowed(DEFAULT_TYPES, content_type) is taken


def test_a_download_is_named_in_utf_8_with_an_ascii_fallback_that_cannot_break_the_header() -> None:
    assert content_disposition('Q3 "final"; x=1.pdf') == (
        'attachment; filename="Q3 _final_; x=1.pdf"; '
        "filename*=UTF-8''Q3%20%22final%22%3B%20x%3D1.pdf"
    )
    assert content_disposition("Füße.txt") == (
        "attachment; filename=\"F__e.txt\"; filename*=UTF-8''F%C3%BC%C3%9Fe.txt"
    )
    assert content_disposition("a\\b.txt").isascii()


def test_an_object_s_key_starts_with_its_task_s_prefix() -> None:
    import uuid

    project, task, attachment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert object_key(project, task, attachment).startswith(task_prefix(project, task))
    assert task_prefix(project, task).startswith(f"{project}/")


@pytest.mark.parametrize(
    ("settings", "origin"),
    [
        ({}, None),
        (
            {"attachments_bucket": "files", "aws_region": "eu-west-1"},
            "https://files.s3.eu-west-1.amazonaws.com",
        ),
        (
            {"attachments_bucket": "files", "s3_endpoint_url": "http://moto:5000"},
            "http://moto:5000",
        ),
        (
            {
                "attachments_bucket": "files",
                "s3_endpoint_url": "http://moto:5000",
                "s3_public_endpoint_url": "http://localhost:5050/",
            },
            "http://localhost:5050",
        ),
    ],
)
def test_the_page_may_reach_the_bucket_where_browsers_find_it(
    settings: dict[str, str], origin: str | None
) -> None:
    assert upload_origin(Settings(env="dev", **settings)) == origin


def test_the_policy_adds_the_bucket_to_uploads_and_images_alone() -> None:
    policy = content_security_policy("https://files.s3.eu-west-1.amazonaws.com")
    changed = set(policy.split("; ")) - set(CONTENT_SECURITY_POLICY.split("; "))
    assert changed == {
        "img-src 'self' data: https://files.s3.eu-west-1.amazonaws.com",
        "connect-src 'self' https://files.s3.eu-west-1.amazonaws.com",
    }
