"""Settings come from TASKFLOW_* variables and refuse to run production on stand-ins."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from functions import cli
from functions.core.settings import Settings

REQUIRED_OUTSIDE_DEV = ("TASKFLOW_DATABASE_URL", "TASKFLOW_REDIS_URL", "TASKFLOW_JWT_PRIVATE_KEY")
REAL_SERVERS = {
    "TASKFLOW_DATABASE_URL": "postgresql+psycopg://db.internal/taskflow",
    "TASKFLOW_REDIS_URL": "redis://cache.internal:6379/0",
    "TASKFLOW_JWT_PRIVATE_KEY": "/run/secrets/signing-key.pem",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Only what a test sets: none of the TASKFLOW_* variables of the shell running pytest."""
    for name in list(os.environ):
        if name.startswith("TASKFLOW_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_without_any_configuration_taskflow_assumes_production_and_refuses_to_start() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    for name in REQUIRED_OUTSIDE_DEV:
        assert name in message
    assert "TASKFLOW_ENV=dev" in message


@pytest.mark.parametrize("missing", REQUIRED_OUTSIDE_DEV)
def test_production_names_exactly_the_setting_that_is_missing(
    clean_environment: pytest.MonkeyPatch, missing: str
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "prod")
    for name, value in REAL_SERVERS.items():
        if name != missing:
            clean_environment.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert f"set {missing} " in message
    assert [name for name in REQUIRED_OUTSIDE_DEV if name in message] == [missing]


def test_an_empty_value_counts_as_missing(clean_environment: pytest.MonkeyPatch) -> None:
    for name, value in REAL_SERVERS.items():
        clean_environment.setenv(name, value)
    clean_environment.setenv("TASKFLOW_JWT_PRIVATE_KEY", "")
    with pytest.raises(ValidationError, match="TASKFLOW_JWT_PRIVATE_KEY"):
        Settings()


def test_production_with_real_servers_and_a_key_is_accepted(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    for name, value in REAL_SERVERS.items():
        clean_environment.setenv(name, value)
    settings = Settings()
    assert settings.env == "prod"
    assert not settings.is_dev
    assert not settings.embedded
    assert settings.effective_database_url == REAL_SERVERS["TASKFLOW_DATABASE_URL"]


def test_dev_mode_runs_on_the_embedded_stand_ins_under_the_data_directory(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv("TASKFLOW_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.embedded
    assert settings.redis_url is None
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"


def test_mail_is_written_to_a_folder_on_a_laptop_and_sent_through_ses_otherwise(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    servers = {"TASKFLOW_DATA_DIR": str(tmp_path), **REAL_SERVERS}
    assert Settings(env="dev", data_dir=tmp_path).effective_mail_dir == tmp_path / "mail"
    for name, value in servers.items():
        clean_environment.setenv(name, value)
    # The dev mode on local servers: a folder, unless an SES endpoint (moto) is given.
    assert Settings(env="dev").effective_mail_dir == tmp_path / "mail"
    assert Settings(env="dev", ses_endpoint_url="http://moto:5000").effective_mail_dir is None
    assert Settings().effective_mail_dir is None  # production: SES
    assert Settings(mail_dir=tmp_path / "out").effective_mail_dir == tmp_path / "out"


def test_the_cli_reports_a_bad_configuration_in_one_line_instead_of_a_traceback() -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["migrate"])
    message = str(exited.value.code)
    assert message.startswith("taskflow: bad configuration: ")
    assert "\n" not in message
    assert "TASKFLOW_DATABASE_URL" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TASKFLOW_ENV", "staging"),
        ("TASKFLOW_ACCESS_TOKEN_TTL_SECONDS", "3600"),
        ("TASKFLOW_ACCESS_TOKEN_TTL_SECONDS", "5"),
        ("TASKFLOW_MAX_BODY_BYTES", "10"),
        ("TASKFLOW_DATABASE_POOL_SIZE", "0"),
        ("TASKFLOW_ARGON2_MEMORY_KIB", "1024"),
    ],
)
def test_values_outside_their_bounds_are_refused(
    clean_environment: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("TASKFLOW_").lower()):
        Settings()


def test_published_events_must_be_kept_at_least_as_long_as_the_due_soon_window(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv("TASKFLOW_DUE_SOON_WINDOW_HOURS", "48")
    clean_environment.setenv("TASKFLOW_OUTBOX_RETENTION_HOURS", "24")
    with pytest.raises(ValidationError, match="OUTBOX_RETENTION_HOURS must be at least"):
        Settings()
    clean_environment.setenv("TASKFLOW_OUTBOX_RETENTION_HOURS", "48")
    assert Settings().outbox_retention_hours == 48


def test_lists_are_read_as_json_from_the_environment(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv("TASKFLOW_ALLOWED_ORIGINS", '["https://app.example.com"]')
    assert Settings().allowed_origins == ["https://app.example.com"]


def test_settings_are_frozen_once_built(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.env = "prod"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@db:5432/taskflow", "postgresql+psycopg://u@db:5432/taskflow"),
        ("postgres://u:p@db/taskflow", "postgresql+psycopg://u:p@db/taskflow"),
        ("postgresql+psycopg://u@db/taskflow", "postgresql+psycopg://u@db/taskflow"),
        ("sqlite:////var/lib/taskflow.db", "sqlite+aiosqlite:////var/lib/taskflow.db"),
    ],
)
def test_a_database_url_without_a_driver_gets_the_async_one_taskflow_ships(
    given: str, used: str
) -> None:
    assert Settings(env="dev", database_url=given).effective_database_url == used


def _readme_defaults() -> dict[str, str]:
    """The configuration table of the README: each variable and the default it states."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| `(TASKFLOW_\w+)` \| ([^|]+) \|", readme, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def _stated(default: object) -> str:
    checkout = Path(__file__).resolve().parents[2]
    if isinstance(default, Path) and default.is_relative_to(checkout):
        return str(default.relative_to(checkout))  # a place in the checkout, wherever it is
    if default is None:
        return "unset"
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, list):
        return json.dumps(default)  # as the variable is written
    return str(default)


def test_the_readme_lists_every_setting_with_its_default() -> None:
    documented = _readme_defaults()
    for name, field in Settings.model_fields.items():
        variable = f"TASKFLOW_{name.upper()}"
        assert variable in documented, f"{variable} is missing from the README's table"
        default = field.get_default(call_default_factory=True, validated_data={})
        assert documented[variable] == _stated(default), variable


def test_values_given_to_the_constructor_win_over_the_environment(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv("TASKFLOW_REDIS_PREFIX", "from-env:")
    assert Settings().redis_prefix == "from-env:"
    assert Settings(redis_prefix="given:").redis_prefix == "given:"


def test_a_list_that_is_not_json_is_refused_naming_the_setting(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("TASKFLOW_ENV", "dev")
    clean_environment.setenv("TASKFLOW_ALLOWED_ORIGINS", "https://app.example.com")
    with pytest.raises(ValidationError, match="allowed_origins"):
        Settings()
