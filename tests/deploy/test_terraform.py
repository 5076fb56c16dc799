"""The Terraform under terraform/, checked offline with real tools: checkov, terraform fmt,
terraform validate (where a provider mirror exists) and the HCL itself, parsed with python-hcl2.

Every module is written with plain resources (no registry modules), so checkov sees and
checks every resource through the environments, which call modules/stack (the composition of all
the others) with their own values.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import hcl2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from functions.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"
MODULES = TERRAFORM_DIR / "modules"
ENVIRONMENTS = ("dev", "prod")
STACK = MODULES / "stack"
# Where modules are called: each environment calls the stack, the stack calls the rest.
COMPOSITIONS = (*(f"environments/{name}" for name in ENVIRONMENTS), "modules/stack")
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_CONFIG = TERRAFORM_DIR / ".checkov.yaml"
TERRAFORM = shutil.which("terraform")
# The settings without a default that are no secret on AWS: the SES and S3 endpoints and the
# mail folder only point at local stand-ins, and the attachments bucket is in the ConfigMap
# (app_config).
NOT_SECRET_ON_AWS = {
    "TASKFLOW_SES_ENDPOINT_URL",
    "TASKFLOW_MAIL_DIR",
    "TASKFLOW_S3_ENDPOINT_URL",
    "TASKFLOW_S3_PUBLIC_ENDPOINT_URL",
    "TASKFLOW_ATTACHMENTS_BUCKET",
}


def in_stack(address: str) -> str:
    """The address of a module's resource as the environments call it, through modules/stack."""
    return f"module.stack.module.{address}"


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@functools.cache
def load(path: Path) -> dict[str, Any]:
    with path.open() as file:
        parsed: dict[str, Any] = hcl2.load(file)
    return parsed


def blocks(directory: Path, kind: str) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """(file, name, body) for every `kind` block (variable, output, module) in a directory."""
    for path in sorted(directory.glob("*.tf")):
        for block in load(path).get(kind, []):
            for name, body in block.items():
                yield path, unquote(name), body


def arguments(body: dict[str, Any]) -> set[str]:
    """A block's arguments, without python-hcl2's own bookkeeping keys."""
    return {name for name in body if not name.startswith("__")}


def resources(directory: Path) -> dict[str, dict[str, Any]]:
    """`type.name` -> body of every resource in a directory."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for block in load(path).get("resource", []):
            for rtype, named in block.items():
                for name, body in named.items():
                    found[f"{unquote(rtype)}.{unquote(name)}"] = body
    return found


def module_dirs() -> list[Path]:
    return sorted(path for path in MODULES.iterdir() if path.is_dir())


def root_dirs() -> list[Path]:
    return [TERRAFORM_DIR / "environments" / name for name in ENVIRONMENTS]


def run_checkov(directory: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            *(str(CHECKOV), "-d", str(directory), "--config-file", str(CHECKOV_CONFIG)),
            *("--skip-download", "--framework", "terraform", "--compact", "-o", "json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.stdout.strip(), f"checkov printed no report: {done.stderr[-2000:]}"
    report = json.loads(done.stdout)
    # One framework gives one report; an empty directory gives a bare summary.
    assert isinstance(report, dict), report
    return report


def insecure_copy(directory: Path) -> Path:
    """A copy of the Terraform whose production turns off the standbys and the database's
    protection in its call of the stack, with plainly insecure storage of its own: the negative
    control."""
    copy = directory / "terraform"
    shutil.copytree(TERRAFORM_DIR, copy)
    production = copy / "environments" / "prod"
    main = (production / "main.tf").read_text()
    for setting in ("database_multi_az", "cache_multi_az", "database_deletion_protection"):
        main, count = re.subn(rf"(\n  {setting}\s+=) true\n", r"\1 false\n", main)
        assert count == 1, setting
    (production / "main.tf").write_text(main)
    (production / "insecure.tf").write_text(
        'resource "aws_s3_bucket" "open" {\n  bucket = "taskflow-negative-control"\n}\n\n'
        'resource "aws_db_instance" "open" {\n'
        '  engine              = "postgres"\n'
        '  instance_class      = "db.t4g.micro"\n'
        "  allocated_storage   = 20\n"
        "  storage_encrypted   = false\n"
        "  publicly_accessible = true\n"
        "}\n"
    )
    return production


@pytest.fixture(scope="module")
def checkov_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """checkov on each environment (which evaluates every module with that environment's
    values) and on the negative control, all at once."""
    runs = {name: path for name, path in zip(ENVIRONMENTS, root_dirs(), strict=True)}
    runs["insecure"] = insecure_copy(tmp_path_factory.mktemp("checkov"))
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        reports = dict(zip(runs, pool.map(run_checkov, runs.values()), strict=True))
    return reports


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_checkov_finds_no_failed_check_in_the_environment(
    checkov_reports: dict[str, dict[str, Any]], environment: str
) -> None:
    report = checkov_reports[environment]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for check in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    # The modules were loaded and checked, not just the environment's own few blocks.
    assert report["summary"]["resource_count"] > 100
    assert report["summary"]["passed"] > 250


def test_checkov_checks_the_production_data_stores_inside_the_modules(
    checkov_reports: dict[str, dict[str, Any]],
) -> None:
    passed = {
        (check["check_id"], check["resource"])
        for check in checkov_reports["prod"]["results"]["passed_checks"]
    }
    expected = {
        ("CKV_AWS_16", in_stack("database.aws_db_instance.this")),  # storage encrypted
        ("CKV_AWS_157", in_stack("database.aws_db_instance.this")),  # multi-AZ
        ("CKV_AWS_293", in_stack("database.aws_db_instance.this")),  # deletion protection
        ("CKV_AWS_30", in_stack("cache.aws_elasticache_replication_group.this")),  # in transit
        ("CKV_AWS_31", in_stack("cache.aws_elasticache_replication_group.this")),  # auth token
        ("CKV_AWS_58", in_stack("eks.aws_eks_cluster.this")),  # secrets envelope encryption
        ("CKV_AWS_39", in_stack("eks.aws_eks_cluster.this")),  # no public endpoint by default
        ("CKV_AWS_149", in_stack("secrets.aws_secretsmanager_secret.app")),  # customer key
        ("CKV_AWS_136", in_stack('registry.aws_ecr_repository.this["taskflow"]')),  # KMS
        (
            "CKV_AWS_51",
            in_stack('registry.aws_ecr_repository.this["taskflow-gateway"]'),
        ),  # immutable
        ("CKV2_AWS_6", in_stack("storage.aws_s3_bucket.attachments")),  # public access block
    }
    assert expected - passed == set()


def test_checkov_skips_only_the_dev_relaxations_and_says_why(
    checkov_reports: dict[str, dict[str, Any]],
) -> None:
    skipped = checkov_reports["dev"]["results"]["skipped_checks"]
    assert {check["check_id"] for check in skipped} == {"CKV_AWS_157", "CKV_AWS_293", "CKV2_AWS_50"}
    assert all(check["check_result"]["suppress_comment"].strip() for check in skipped)
    assert checkov_reports["prod"]["results"]["skipped_checks"] == []


def test_checkov_flags_insecure_values_in_an_environment_and_insecure_storage(
    checkov_reports: dict[str, dict[str, Any]],
) -> None:
    """The same checkov and configuration see through the module calls and fail the copy."""
    failed = {
        (check["check_id"], check["resource"])
        for check in checkov_reports["insecure"]["results"]["failed_checks"]
    }
    assert ("CKV_AWS_157", in_stack("database.aws_db_instance.this")) in failed  # single-AZ
    assert ("CKV_AWS_293", in_stack("database.aws_db_instance.this")) in failed  # deletable
    assert ("CKV2_AWS_50", in_stack("cache.aws_elasticache_replication_group.this")) in failed
    assert ("CKV_AWS_16", "aws_db_instance.open") in failed  # not encrypted
    assert ("CKV_AWS_17", "aws_db_instance.open") in failed  # publicly accessible
    assert ("CKV2_AWS_6", "aws_s3_bucket.open") in failed  # no public access block
    assert ("CKV_AWS_145", "aws_s3_bucket.open") in failed  # not encrypted with KMS


def test_every_skipped_check_gives_its_reason() -> None:
    config = CHECKOV_CONFIG.read_text()
    skip_lines = re.findall(r"^\s*-\s*(CKV2?_[A-Z0-9]+_\d+)\b(.*)$", config, re.MULTILINE)
    assert skip_lines, "the configuration lists its skipped checks"
    for check_id, rest in skip_lines:
        reason = rest.partition("#")[2].strip()
        assert len(reason.split()) >= 8, f"{check_id} needs a reason on its line"
    inline = [
        (path, match)
        for path in TERRAFORM_DIR.rglob("*.tf")
        for match in re.finditer(r"checkov:skip=([A-Z0-9_]+)(:?)(.*)", path.read_text())
    ]
    for path, match in inline:
        assert match.group(2) == ":", f"{path}: {match.group(1)} has no reason"
        assert len(match.group(3).split()) >= 5, f"{path}: {match.group(1)} has no reason"


# A developer's machine may lack terraform (the test says so); a CI machine fails without it.
@pytest.mark.skipif(
    TERRAFORM is None and not os.environ.get("CI"),
    reason="terraform is not installed on this machine",
)
def test_terraform_fmt_accepts_every_file() -> None:
    assert TERRAFORM is not None, "terraform is not installed on this CI machine"
    done = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def provider_mirror() -> Path | None:
    """The CLI configuration that names a filesystem_mirror, if this machine has one."""
    candidates = [os.environ.get("TF_CLI_CONFIG_FILE"), str(Path.home() / ".terraformrc")]
    for candidate in filter(None, candidates):
        path = Path(candidate)
        if path.is_file() and "filesystem_mirror" in path.read_text():
            return path
    return None


@pytest.mark.skipif(
    TERRAFORM is None or provider_mirror() is None,
    reason="terraform validate needs the AWS, helm, kubectl, http, random and tls providers; "
    "no provider mirror is present (no CLI configuration with a filesystem_mirror block), "
    "and providers are not downloaded",
)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_terraform_validates_the_environment_offline(environment: str, tmp_path: Path) -> None:
    mirror = provider_mirror()
    assert TERRAFORM is not None
    assert mirror is not None
    # A copy: init writes .terraform/ and a lock file, which do not belong in the tree.
    shutil.copytree(TERRAFORM_DIR, tmp_path / "terraform")
    workdir = tmp_path / "terraform" / "environments" / environment
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(mirror), "TF_IN_AUTOMATION": "1"}
    init = subprocess.run(
        [TERRAFORM, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    validate = subprocess.run(
        [TERRAFORM, "validate", "-json", "-no-color"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(validate.stdout)
    assert result["valid"], result["diagnostics"]


def all_variables() -> Iterator[tuple[Path, str, dict[str, Any]]]:
    for directory in module_dirs() + root_dirs():
        yield from blocks(directory, "variable")


def test_every_variable_has_a_description_and_a_type() -> None:
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path, name, body in all_variables()
        if not unquote(body.get("description", "")).strip() or "type" not in body
    ]
    assert missing == []


def has_validation(body: dict[str, Any]) -> bool:
    return bool(body.get("validation"))


def test_every_tunable_module_variable_is_validated() -> None:
    """A module variable with a literal string or number default is a knob: it is checked."""
    unvalidated = [
        f"{path.relative_to(ROOT)}: {name}"
        for directory in module_dirs()
        for path, name, body in blocks(directory, "variable")
        if isinstance(body.get("default"), str | int | float)
        and not isinstance(body.get("default"), bool)
        and not has_validation(body)
    ]
    assert unvalidated == []


def test_every_environment_input_but_a_switch_is_validated() -> None:
    """Validated where it is declared, or passed unchanged to a stack variable that is."""
    stack_variables = {name: body for _, name, body in blocks(STACK, "variable")}
    unvalidated = []
    for directory in root_dirs():
        call = composed_modules(directory)["stack"][1]
        for path, name, body in blocks(directory, "variable"):
            passed_to = [
                argument for argument, value in call.items() if value == f"${{var.{name}}}"
            ]
            validated = has_validation(body) or any(
                has_validation(stack_variables.get(argument, {})) for argument in passed_to
            )
            if body.get("type") != "bool" and not validated:
                unvalidated.append(f"{path.relative_to(ROOT)}: {name}")
    assert unvalidated == []


def composed_modules(directory: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """module name -> (its directory, the arguments the caller passes)."""
    return {
        name: ((directory / unquote(body["source"])).resolve(), body)
        for _, name, body in blocks(directory, "module")
    }


@pytest.mark.parametrize("composition", COMPOSITIONS)
def test_every_module_output_the_composition_uses_exists(composition: str) -> None:
    directory = TERRAFORM_DIR / composition
    modules = composed_modules(directory)
    text = "\n".join(path.read_text() for path in directory.glob("*.tf"))
    used = set(re.findall(r"\bmodule\.([a-z_]+)\.([a-z_0-9]+)", text))
    assert used, "the composition wires its modules together"
    missing = [
        f"module.{module}.{output}"
        for module, output in sorted(used)
        if output not in {name for _, name, _ in blocks(modules[module][0], "output")}
    ]
    assert missing == []


@pytest.mark.parametrize("composition", COMPOSITIONS)
def test_every_module_call_passes_declared_variables_and_all_required_ones(
    composition: str,
) -> None:
    meta = {"source", "depends_on", "providers", "count", "for_each"}
    problems = []
    for module, (source, call) in composed_modules(TERRAFORM_DIR / composition).items():
        declared = {name: body for _, name, body in blocks(source, "variable")}
        passed = arguments(call) - meta
        problems += [f"{module}: no variable {name}" for name in passed - set(declared)]
        required = {name for name, body in declared.items() if "default" not in body}
        problems += [f"{module}: {name} not passed" for name in required - passed]
    assert problems == []


def secret_keys() -> set[str]:
    """The keys of the application secret, as the secrets module writes them."""
    for block in load(MODULES / "secrets" / "main.tf").get("locals", []):
        if "values" in block:
            return set(block["values"])
    raise AssertionError("modules/secrets/main.tf has no locals.values")


def test_the_app_secret_holds_exactly_the_settings_taskflow_keeps_secret() -> None:
    # Settings without a default are the connection URLs and the signing key.
    unset_by_default = {
        f"TASKFLOW_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if field.default is None
    }
    assert secret_keys() == unset_by_default - NOT_SECRET_ON_AWS


def test_the_app_secret_configures_taskflow_for_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the ExternalSecret puts in the environment is enough for the production settings."""
    key = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    values = {
        "TASKFLOW_DATABASE_URL": "postgresql://taskflow:pw@db.internal:5432/taskflow?sslmode=require",
        "TASKFLOW_REDIS_URL": "rediss://:token@cache.internal:6379/0",
        "TASKFLOW_AMQP_URL": "amqps://taskflow:pw@mq.internal:5671/%2F",
        "TASKFLOW_JWT_PRIVATE_KEY": key.decode(),
    }
    assert set(values) == secret_keys()
    for name in list(os.environ):
        if name.startswith("TASKFLOW_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TASKFLOW_ENV", "prod")
    settings = Settings()
    assert settings.database_url is not None
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.amqp_url == values["TASKFLOW_AMQP_URL"]


def test_the_broker_secret_has_the_keys_of_a_rabbitmq_connection_secret() -> None:
    """eventing-rabbitmq's external-cluster connection secret: management uri, AMQP port, ssl."""
    version = resources(MODULES / "secrets")["aws_secretsmanager_secret_version.rabbitmq"]
    keys = set(re.findall(r"(\w+)\s*=", version["secret_string"]))
    assert keys == {"uri", "port", "ssl", "username", "password"}


def test_the_config_output_names_only_settings_that_are_not_secret() -> None:
    outputs = {name: body for _, name, body in blocks(STACK, "output")}
    config = set(outputs["app_config"]["value"])
    fields = {f"TASKFLOW_{name.upper()}" for name in Settings.model_fields}
    assert config <= fields
    assert config.isdisjoint(secret_keys())
    assert "sensitive" not in outputs["app_config"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_environment_reports_each_stack_output_its_providers_do_not_take(
    environment: str,
) -> None:
    """The names README and the deploy workflow read with `terraform output` stay in place."""
    directory = TERRAFORM_DIR / "environments" / environment
    reported = {name: body["value"] for _, name, body in blocks(directory, "output")}
    providers = (directory / "providers.tf").read_text()
    read_by_providers = set(re.findall(r"\bmodule\.stack\.([a-z_0-9]+)", providers))
    stack_outputs = {name for _, name, _ in blocks(STACK, "output")}
    assert stack_outputs - set(reported) - read_by_providers == set()
    assert {name: f"${{module.stack.{name}}}" for name in reported} == reported


def test_the_data_stores_sit_in_the_private_subnets() -> None:
    modules = composed_modules(STACK)
    for store in ("database", "cache", "broker"):
        assert modules[store][1]["subnet_ids"] == "${module.network.private_subnet_ids}"
    assert resources(MODULES / "database")["aws_db_instance.this"]["publicly_accessible"] is False
    assert resources(MODULES / "broker")["aws_mq_broker.this"]["publicly_accessible"] is False


def test_the_deploy_role_trusts_one_repository_environment_only() -> None:
    """What checkov's GitHub OIDC check (skipped: it cannot resolve variables) would look for."""
    for block in load(MODULES / "iam" / "main.tf").get("data", []):
        for rtype, named in block.items():
            if unquote(rtype) == "aws_iam_policy_document" and '"deploy_trust"' in named:
                statement = named['"deploy_trust"']["statement"][0]
                conditions = {
                    unquote(condition["variable"]): (
                        unquote(condition["test"]),
                        condition["values"],
                    )
                    for condition in statement["condition"]
                }
                subject = conditions["token.actions.githubusercontent.com:sub"]
                assert subject == (
                    "StringEquals",
                    ['"repo:${var.github_repository}:environment:${var.github_environment}"'],
                )
                return
    raise AssertionError("modules/iam/main.tf has no deploy_trust policy document")


def test_the_environments_pin_the_same_exact_provider_versions() -> None:
    pinned = []
    for directory in root_dirs():
        terraform = load(directory / "versions.tf")["terraform"][0]
        providers = terraform["required_providers"][0]
        versions = {name: unquote(providers[name]["version"]) for name in arguments(providers)}
        assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in versions.values())
        assert {"aws", "helm", "kubectl", "random", "tls", "http"} <= set(versions)
        pinned.append(versions)
    assert pinned[0] == pinned[1]
