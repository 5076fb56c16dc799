"""The Knative manifests under knative/: valid against Knative's and Kubernetes' own models
(and the RabbitMQ CRDs' schemas), in agreement with the route table, clean under checkov,
complete in their kustomizations, and as committed exactly what `taskflow render` writes."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, ValidationError

from events.transport.dispatch import service_name
from events.types import EXCHANGE
from functions.core.settings import Settings
from functions.deploy import knative, nginx
from functions.deploy.knative.serving import STREAMING_TARGETS
from functions.routes import HTTP, ROUTES, SCHEDULE, subscriptions

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).parent / "schemas"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_CONFIG = ROOT / "knative" / ".checkov.yaml"
KUBECTL = shutil.which("kubectl")
# Building the overlays needs kubectl's kustomize. A developer's machine may lack it (the
# tests say so); on a CI machine a missing kubectl fails them.
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None and not os.environ.get("CI"),
    reason="kubectl (with its kustomize) is not installed: the overlays were not built",
)
KNATIVE_SERVICE = ("serving.knative.dev/v1", "Service")
KNATIVE_PORT = 8080
# Kinds with no model or schema here (External Secrets Operator's): named, so none slips by.
UNCHECKED_KINDS = {("external-secrets.io/v1beta1", "ExternalSecret")}


def _models() -> dict[tuple[str, str], type[BaseModel]]:
    # cloudcoil's eventing package warns at import (a model field shadows a base attribute).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from cloudcoil.models.knative_eventing.eventing import v1 as eventing
        from cloudcoil.models.knative_eventing.sources import v1 as sources
        from cloudcoil.models.knative_serving.serving import v1 as serving
        from cloudcoil.models.kubernetes.apps import v1 as apps
        from cloudcoil.models.kubernetes.batch import v1 as batch
        from cloudcoil.models.kubernetes.core import v1 as core
        from cloudcoil.models.kubernetes.networking import v1 as networking
    return {
        KNATIVE_SERVICE: serving.Service,
        ("eventing.knative.dev/v1", "Broker"): eventing.Broker,
        ("eventing.knative.dev/v1", "Trigger"): eventing.Trigger,
        ("sources.knative.dev/v1", "PingSource"): sources.PingSource,
        ("apps/v1", "Deployment"): apps.Deployment,
        ("batch/v1", "Job"): batch.Job,
        ("batch/v1", "CronJob"): batch.CronJob,
        ("v1", "ConfigMap"): core.ConfigMap,
        ("v1", "Service"): core.Service,
        ("v1", "ServiceAccount"): core.ServiceAccount,
        ("v1", "Namespace"): core.Namespace,
        ("networking.k8s.io/v1", "NetworkPolicy"): networking.NetworkPolicy,
        ("networking.k8s.io/v1", "Ingress"): networking.Ingress,
    }


def _strict(schema: Any) -> Any:
    """A CRD's openAPIV3Schema as a JSON Schema that rejects unknown fields, as the API
    server's strict field validation (`kubectl apply --validate=strict`) does."""
    if isinstance(schema, dict):
        strict = {key: _strict(value) for key, value in schema.items()}
        preserves = schema.get("x-kubernetes-preserve-unknown-fields")
        if "properties" in schema and not preserves and "additionalProperties" not in schema:
            strict["additionalProperties"] = False
        return strict
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        key = (document["apiVersion"], document["kind"])
        schemas[key] = _strict(document["openAPIV3Schema"])
    return schemas


MODELS = _models()
CRD_SCHEMAS = _crd_schemas()


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return knative.files()


def _objects(rendered: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, text in rendered.items():
        if path.endswith("kustomization.yaml"):
            continue
        for document in yaml.safe_load_all(text):
            yield path, document


@pytest.fixture(scope="module")
def objects(rendered: dict[str, str]) -> list[dict[str, Any]]:
    return [document for _, document in _objects(rendered)]


def _of(objects: list[dict[str, Any]], api_version: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if (o["apiVersion"], o["kind"]) == (api_version, kind)]


def lost_fields(given: Any, kept: Any, path: str = "") -> list[str]:
    """Where `kept` (the model's dump) lacks or changed what `given` (the manifest) says."""
    if isinstance(given, dict):
        if not isinstance(kept, dict):
            return [path or "/"]
        lost = []
        for key, value in given.items():
            if key not in kept:
                lost.append(f"{path}/{key}")
            else:
                lost += lost_fields(value, kept[key], f"{path}/{key}")
        return lost
    if isinstance(given, list):
        if not isinstance(kept, list) or len(kept) != len(given):
            return [path]
        return [
            lost
            for n, item in enumerate(given)
            for lost in lost_fields(item, kept[n], f"{path}/{n}")
        ]
    return [] if given == kept else [f"{path}: {given!r} became {kept!r}"]


def model_problems(document: dict[str, Any]) -> list[str]:
    """What the kind's model rejects or silently drops (the models accept unknown fields)."""
    model = MODELS[(document["apiVersion"], document["kind"])]
    try:
        parsed = model.model_validate(document)
    except ValidationError as exc:
        return [str(exc)]
    return lost_fields(document, parsed.model_dump(by_alias=True, exclude_none=True, mode="json"))


def schema_problems(document: dict[str, Any]) -> list[str]:
    schema = CRD_SCHEMAS[(document["apiVersion"], document["kind"])]
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def shadow_deployment(service: dict[str, Any]) -> dict[str, Any]:
    """A Knative Service's revision template as the pod template of a Deployment, so that
    Kubernetes' PodSpec model and checkov judge exactly the pods Knative will run."""
    template = copy.deepcopy(service["spec"]["template"])
    spec = template["spec"]
    for knative_only in ("containerConcurrency", "timeoutSeconds"):
        spec.pop(knative_only, None)
    for container in spec["containers"]:
        # Knative fills in the probe's port with the serving port (8080 unless declared).
        for probe in ("readinessProbe", "livenessProbe"):
            for action in ("httpGet", "tcpSocket"):
                if action in container.get(probe, {}):
                    container[probe][action].setdefault("port", KNATIVE_PORT)
    labels = template["metadata"]["labels"]
    metadata = {"name": service["metadata"]["name"], "labels": labels}
    if "namespace" in service["metadata"]:
        metadata["namespace"] = service["metadata"]["namespace"]
    if "annotations" in service["metadata"]:
        metadata["annotations"] = service["metadata"]["annotations"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": template},
    }


# -- validity ----------------------------------------------------------------------------------


def test_every_object_is_checked_by_a_model_or_a_schema_except_the_named_few(
    objects: list[dict[str, Any]],
) -> None:
    kinds = {(o["apiVersion"], o["kind"]) for o in objects}
    assert kinds - set(MODELS) - set(CRD_SCHEMAS) == UNCHECKED_KINDS


def test_every_object_with_a_model_parses_and_keeps_every_field(
    objects: list[dict[str, Any]],
) -> None:
    problems = {
        f"{o['kind']}/{o['metadata']['name']}": model_problems(o)
        for o in objects
        if (o["apiVersion"], o["kind"]) in MODELS
    }
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(problems) > len(knative.function_specs())


def test_each_knative_service_pod_template_is_a_valid_kubernetes_pod_spec(
    objects: list[dict[str, Any]],
) -> None:
    services = _of(objects, *KNATIVE_SERVICE)
    problems = {s["metadata"]["name"]: model_problems(shadow_deployment(s)) for s in services}
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_rabbitmq_object_matches_its_crd_schema(objects: list[dict[str, Any]]) -> None:
    checked = [o for o in objects if (o["apiVersion"], o["kind"]) in CRD_SCHEMAS]
    assert {o["kind"] for o in checked} == {
        "RabbitmqBrokerConfig",
        "RabbitmqSource",
        "Queue",
        "Binding",
    }
    problems = {f"{o['kind']}/{o['metadata']['name']}": schema_problems(o) for o in checked}
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_misspelt_field_is_caught_although_the_model_accepts_it(
    objects: list[dict[str, Any]],
) -> None:
    service = copy.deepcopy(_of(objects, *KNATIVE_SERVICE)[0])
    service["spec"]["template"]["spec"]["containerConcurency"] = 5
    assert model_problems(service) == ["/spec/template/spec/containerConcurency"]


def test_a_field_of_the_wrong_type_is_rejected(objects: list[dict[str, Any]]) -> None:
    service = copy.deepcopy(_of(objects, *KNATIVE_SERVICE)[0])
    service["spec"]["template"]["spec"]["containerConcurrency"] = "many"
    assert model_problems(service)


def test_the_crd_schemas_reject_unknown_fields_and_out_of_range_values(
    objects: list[dict[str, Any]],
) -> None:
    (source,) = _of(objects, "sources.knative.dev/v1alpha1", "RabbitmqSource")
    misspelt = copy.deepcopy(source)
    misspelt["spec"]["sinc"] = misspelt["spec"].pop("sink")
    assert schema_problems(misspelt)
    out_of_range = copy.deepcopy(source)
    out_of_range["spec"]["rabbitmqResourcesConfig"]["parallelism"] = 0
    assert schema_problems(out_of_range)


# -- agreement with the route table ------------------------------------------------------------


def _functions(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        s["metadata"]["labels"][knative.TARGET_LABEL]: s
        for s in _of(objects, *KNATIVE_SERVICE)
        if knative.TARGET_LABEL in s["metadata"]["labels"]
    }


def _first_routes() -> dict[str, Any]:
    first: dict[str, Any] = {}
    for route in ROUTES:
        first.setdefault(route.target, route)
    return first


def test_there_is_one_knative_service_per_target_named_as_compose_names_it(
    objects: list[dict[str, Any]],
) -> None:
    functions = _functions(objects)
    assert list(functions) == list(_first_routes())
    assert all(s["metadata"]["name"] == service_name(t) for t, s in functions.items())
    names = [s["metadata"]["name"] for s in _of(objects, *KNATIVE_SERVICE)]
    assert sorted(names) == sorted([*map(service_name, functions), knative.DEAD_LETTERS])


def test_each_service_runs_its_target_with_the_routes_scaling_hints(
    objects: list[dict[str, Any]],
) -> None:
    for target, service in _functions(objects).items():
        route = _first_routes()[target]
        template = service["spec"]["template"]
        expected = {
            "autoscaling.knative.dev/min-scale": str(route.min_scale),
            "autoscaling.knative.dev/max-scale": str(route.max_scale),
            "autoscaling.knative.dev/target": str(route.target_concurrency),
        }
        if route.scale_down_delay:
            expected["autoscaling.knative.dev/scale-down-delay"] = route.scale_down_delay
        assert template["metadata"]["annotations"] == expected, target
        assert template["spec"]["containerConcurrency"] == route.target_concurrency
        (container,) = template["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env.pop("FUNCTION_TARGET") == target
        if target in STREAMING_TARGETS:
            # The process refuses past the number of streams Knative sends it, and no sooner.
            default = Settings.model_fields["stream_limit"].default
            assert env.pop("TASKFLOW_STREAM_LIMIT") == str(route.target_concurrency) == str(default)
        assert env == {}
        assert container["image"] == knative.IMAGE


def test_only_the_live_stream_and_the_export_wait_longer_than_knatives_default_timeout(
    objects: list[dict[str, Any]],
) -> None:
    timeouts = {
        target: s["spec"]["template"]["spec"]["timeoutSeconds"]
        for target, s in _functions(objects).items()
        if "timeoutSeconds" in s["spec"]["template"]["spec"]
    }
    assert timeouts == {
        "notification_stream": knative.STREAMING_TIMEOUT_SECONDS,
        "export_project": knative.STREAMING_TIMEOUT_SECONDS,
    }
    assert knative.STREAMING_TIMEOUT_SECONDS > 300


def test_exactly_the_event_and_schedule_targets_are_cluster_local(
    objects: list[dict[str, Any]],
) -> None:
    local = {
        target
        for target, s in _functions(objects).items()
        if s["metadata"]["labels"].get("networking.knative.dev/visibility") == "cluster-local"
    }
    assert local == {r.target for r in ROUTES if r.trigger != HTTP}
    assert local >= {"emit_due_soon", *subscriptions()}


def test_every_pod_is_restricted_and_writes_only_to_its_tmp_volume(
    objects: list[dict[str, Any]],
) -> None:
    pods = [shadow_deployment(s)["spec"]["template"] for s in _of(objects, *KNATIVE_SERVICE)]
    for kind in ("Deployment", "Job"):
        pods += [
            o["spec"]["template"]
            for o in _of(objects, "apps/v1" if kind == "Deployment" else "batch/v1", kind)
        ]
    pods += [
        o["spec"]["jobTemplate"]["spec"]["template"] for o in _of(objects, "batch/v1", "CronJob")
    ]
    assert len(pods) == len(knative.function_specs()) + 5
    for pod in pods:
        for container in pod["spec"]["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["runAsUser"] > 0
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
            for mount in container["volumeMounts"]:
                assert "emptyDir" in volumes[mount["name"]] or mount.get("readOnly") is True


def test_configuration_and_secrets_are_referenced_never_written_out(
    objects: list[dict[str, Any]],
) -> None:
    assert not [o for o in objects if o["kind"] == "Secret"]
    (config,) = [o for o in objects if o["kind"] == "ConfigMap"]
    assert not set(config["data"]) & set(knative.APP_SECRET_KEYS)
    for service in _functions(objects).values():
        (container,) = service["spec"]["template"]["spec"]["containers"]
        assert container["envFrom"] == [
            {"configMapRef": {"name": knative.CONFIG_MAP}},
            {"secretRef": {"name": knative.SECRET}},
        ]
    secrets = {o["spec"]["target"]["name"] for o in objects if o["kind"] == "ExternalSecret"}
    assert secrets == {knative.SECRET, knative.RABBITMQ_SECRET}


def test_the_config_map_and_the_secret_keys_make_valid_settings(
    objects: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    (config,) = [o for o in objects if o["kind"] == "ConfigMap"]
    names = {f"TASKFLOW_{name.upper()}" for name in Settings.model_fields}
    assert set(config["data"]) <= names
    assert set(knative.APP_SECRET_KEYS) <= names
    for name, value in config["data"].items():
        monkeypatch.setenv(name, value)
    for name in knative.APP_SECRET_KEYS:
        monkeypatch.setenv(name, "postgresql://u@db/taskflow" if "DATABASE" in name else "x")
    settings = Settings()
    assert settings.env == "prod"
    assert not settings.embedded


def test_triggers_cover_exactly_the_subscriptions_with_retries_and_a_dead_letter_sink(
    objects: list[dict[str, Any]],
) -> None:
    triggers = _of(objects, "eventing.knative.dev/v1", "Trigger")
    covered = {
        (t["metadata"]["labels"][knative.TARGET_LABEL], t["spec"]["filter"]["attributes"]["type"])
        for t in triggers
    }
    expected = {(target, kind) for target, kinds in subscriptions().items() for kind in kinds}
    assert covered == expected
    assert len(triggers) == len(expected)
    services = {s["metadata"]["name"] for s in _of(objects, *KNATIVE_SERVICE)}
    settings = Settings.model_fields
    for trigger in triggers:
        spec = trigger["spec"]
        target = trigger["metadata"]["labels"][knative.TARGET_LABEL]
        assert spec["broker"] == knative.BROKER
        assert spec["filter"] == {"attributes": {"type": spec["filter"]["attributes"]["type"]}}
        assert spec["subscriber"]["ref"]["name"] == service_name(target)
        assert spec["subscriber"]["uri"] == _first_routes()[target].path
        delivery = spec["delivery"]
        assert delivery["retry"] == settings["delivery_limit"].default - 1
        assert delivery["backoffPolicy"] == "exponential"
        assert delivery["backoffDelay"] == "PT0.5S"
        assert delivery["deadLetterSink"]["ref"]["name"] in services


def test_trigger_names_are_readable_and_unique(objects: list[dict[str, Any]]) -> None:
    names = [t["metadata"]["name"] for t in _of(objects, "eventing.knative.dev/v1", "Trigger")]
    assert len(set(names)) == len(names)
    assert "deliver-notification--task-status-changed" in names
    assert all(len(name) <= 63 for name in names)


def test_ping_sources_are_exactly_the_schedule_routes(objects: list[dict[str, Any]]) -> None:
    pings = _of(objects, "sources.knative.dev/v1", "PingSource")
    found = {
        (p["spec"]["sink"]["ref"]["name"], p["spec"]["schedule"], p["spec"]["sink"]["uri"])
        for p in pings
    }
    expected = {
        (service_name(r.target), r.schedule, r.path) for r in ROUTES if r.trigger == SCHEDULE
    }
    assert found == expected
    assert len(pings) == len(expected)


def test_the_source_drains_every_type_of_the_relays_exchange_into_the_rabbitmq_broker(
    objects: list[dict[str, Any]],
) -> None:
    (source,) = _of(objects, "sources.knative.dev/v1alpha1", "RabbitmqSource")
    (queue,) = _of(objects, "rabbitmq.com/v1beta1", "Queue")
    (binding,) = _of(objects, "rabbitmq.com/v1beta1", "Binding")
    (broker,) = _of(objects, "eventing.knative.dev/v1", "Broker")
    (config,) = _of(objects, "eventing.knative.dev/v1alpha1", "RabbitmqBrokerConfig")
    resources = source["spec"]["rabbitmqResourcesConfig"]
    assert resources["predeclared"] is True
    assert resources["exchangeName"] == EXCHANGE
    assert resources["queueName"] == queue["spec"]["name"] == binding["spec"]["destination"]
    assert (binding["spec"]["source"], binding["spec"]["routingKey"]) == (EXCHANGE, "#")
    assert queue["spec"]["type"] == config["spec"]["queueType"] == "quorum"
    assert source["spec"]["sink"]["ref"] == {
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Broker",
        "name": broker["metadata"]["name"],
    }
    assert (
        broker["metadata"]["annotations"]["eventing.knative.dev/broker.class"] == "RabbitMQBroker"
    )
    assert broker["spec"]["config"]["name"] == config["metadata"]["name"]


def test_the_workers_run_taskflow_commands_that_exist(objects: list[dict[str, Any]]) -> None:
    from functions.cli import main

    pods = {
        o["metadata"]["name"]: o["spec"]["template"] for o in _of(objects, "apps/v1", "Deployment")
    }
    pods |= {o["metadata"]["name"]: o["spec"]["template"] for o in _of(objects, "batch/v1", "Job")}
    pods |= {
        o["metadata"]["name"]: o["spec"]["jobTemplate"]["spec"]["template"]
        for o in _of(objects, "batch/v1", "CronJob")
    }
    commands = {}
    for name, pod in pods.items():
        (container,) = pod["spec"]["containers"]
        if container.get("command") == ["taskflow"]:
            commands[name] = container["args"]
    assert commands == {"relay": ["relay"], "migrate": ["migrate"], "prune": ["prune"]}
    for args in commands.values():
        with pytest.raises(SystemExit) as exited:
            main([*args, "--help"])
        assert exited.value.code == 0


def test_the_gateway_sets_every_variable_of_the_nginx_template(
    objects: list[dict[str, Any]],
) -> None:
    (gateway,) = [
        o for o in _of(objects, "apps/v1", "Deployment") if o["metadata"]["name"] == knative.GATEWAY
    ]
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    assert {e["name"] for e in container["env"]} == set(nginx.TEMPLATE_VARIABLES)
    suffix = next(e["value"] for e in container["env"] if e["name"] == nginx.SERVICE_SUFFIX)
    assert suffix == f".{knative.NAMESPACE}.svc.cluster.local"


# -- kustomize ---------------------------------------------------------------------------------


def _kustomizations(rendered: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        path: yaml.safe_load(text)
        for path, text in rendered.items()
        if path.endswith("kustomization.yaml")
    }


def test_kustomizations_list_only_files_that_exist_and_every_rendered_file(
    rendered: dict[str, str],
) -> None:
    listed: set[str] = set()
    for path, kustomization in _kustomizations(rendered).items():
        folder = Path(path).parent
        entries = list(kustomization.get("resources", []))
        for generator in kustomization.get("configMapGenerator", []):
            entries += generator.get("files", [])
        for entry in entries:
            target = (ROOT / folder / entry).resolve()
            assert target.exists(), f"{path} lists {entry}, which does not exist"
            listed.add(str(target.relative_to(ROOT)))
    manifests = {p for p in rendered if not p.endswith("kustomization.yaml")} | {
        nginx.TEMPLATE_PATH
    }
    assert manifests - listed == set()


@pytest.fixture(scope="module")
def prod_build() -> list[dict[str, Any]]:
    return _build("prod")


def _build(overlay: str) -> list[dict[str, Any]]:
    assert KUBECTL is not None, "kubectl is needed to build the kustomize overlays"
    built = subprocess.run(
        [KUBECTL, "kustomize", str(ROOT / "knative" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    return list(yaml.safe_load_all(built.stdout))


@needs_kubectl
def test_the_prod_overlay_builds_with_its_images_and_warm_instances(
    prod_build: list[dict[str, Any]],
) -> None:
    images = {c["image"] for o in prod_build for c in _containers(o)}
    assert knative.IMAGE not in images
    assert knative.GATEWAY_IMAGE not in images
    assert all(
        o["metadata"].get("namespace", knative.NAMESPACE) == knative.NAMESPACE for o in prod_build
    )
    warm = {
        s["metadata"]["name"]
        for s in _of(prod_build, *KNATIVE_SERVICE)
        if s["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"]
        != "0"
    }
    assert warm == {"login", "list-tasks", "notification-stream"}


@needs_kubectl
def test_the_dev_overlay_builds_with_smaller_functions() -> None:
    built = _build("dev")
    (config,) = [
        o for o in built if o["kind"] == "ConfigMap" and o["metadata"]["name"] == knative.CONFIG_MAP
    ]
    assert config["data"]["TASKFLOW_LOG_LEVEL"] == "DEBUG"
    for service in _of(built, *KNATIVE_SERVICE):
        if service["metadata"]["name"] != knative.DEAD_LETTERS:
            (container,) = service["spec"]["template"]["spec"]["containers"]
            assert container["resources"]["limits"]["memory"] == "320Mi"


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {})
    template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
    return list((template or {}).get("spec", {}).get("containers", []))


# -- checkov -----------------------------------------------------------------------------------


@needs_kubectl
def test_checkov_passes_the_prod_pods_with_every_skip_justified(
    prod_build: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert CHECKOV.exists(), "checkov is missing: `make .venv-checkov/bin/checkov`"
    scanned = [shadow_deployment(s) for s in _of(prod_build, *KNATIVE_SERVICE)]
    scanned += [
        o for o in prod_build if o["kind"] in {"Deployment", "Job", "CronJob", "NetworkPolicy"}
    ]
    for n, document in enumerate(scanned):
        (tmp_path / f"{n:03d}-{document['kind']}-{document['metadata']['name']}.yaml").write_text(
            yaml.safe_dump(document)
        )
    done = subprocess.run(
        [str(CHECKOV), "--config-file", str(CHECKOV_CONFIG), "-d", str(tmp_path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [
        f"{f['check_id']} {f['resource']}: {f['check_name']}"
        for f in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] > 1000
    assert report["summary"]["resource_count"] >= len(scanned)


def test_every_check_skipped_says_why(objects: list[dict[str, Any]]) -> None:
    lines = CHECKOV_CONFIG.read_text().splitlines()
    config = yaml.safe_load("\n".join(lines))
    for check in config["skip-check"]:
        (n,) = [i for i, line in enumerate(lines) if line.strip() == f"- {check}"]
        assert lines[n - 1].strip().startswith("#"), f"{check} is skipped without a reason"
    annotations = [
        value
        for o in objects
        for key, value in o["metadata"].get("annotations", {}).items()
        if key.startswith("checkov.io/skip")
    ]
    assert annotations
    for value in annotations:
        check, _, reason = value.partition("=")
        assert check.startswith("CKV"), value
        assert len(reason) > 20, value


# -- committed = rendered ----------------------------------------------------------------------


def test_the_committed_knative_files_are_what_the_route_table_renders(
    rendered: dict[str, str],
) -> None:
    stale = [
        p
        for p, text in rendered.items()
        if not (ROOT / p).exists() or (ROOT / p).read_text() != text
    ]
    assert stale == [], "run `taskflow render`"
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "knative").rglob("*") if p.is_file()}
    assert on_disk - set(rendered) == {nginx.TEMPLATE_PATH, "knative/.checkov.yaml"}
