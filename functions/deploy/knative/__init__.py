"""The Knative deployment under `knative/`, rendered from the route table.

One Knative Service per function (the same image; `FUNCTION_TARGET` picks the function),
the RabbitMQ broker and its wiring (a RabbitmqSource feeding `taskflow.events` into a
`RabbitMQBroker`, one Trigger per subscriber and event type, a PingSource per schedule),
the relay, the migration Job, the daily prune, the nginx gateway behind an Ingress, the
configuration, secrets by reference (External Secrets from AWS Secrets Manager), service
accounts, NetworkPolicies, and a kustomization with `dev` and `prod` overlays.

`taskflow kn` (functions/deploy/kn.py) builds its commands from the same `FunctionSpec`s.
"""

from __future__ import annotations

from typing import Any

from functions.deploy.knative.common import (
    BASE,
    CONFIG_MAP,
    DEAD_LETTERS,
    GATEWAY,
    GATEWAY_IMAGE,
    IMAGE,
    NAMESPACE,
    RABBITMQ_SECRET,
    ROOT,
    SECRET,
    TARGET_LABEL,
    to_yaml,
)
from functions.deploy.knative.eventing import BROKER, broker, ping_sources, source, triggers
from functions.deploy.knative.gateway import (
    gateway_deployment,
    gateway_kustomization,
    gateway_service,
    ingress,
)
from functions.deploy.knative.overlays import kustomization, overlay_dev, overlay_prod
from functions.deploy.knative.platform import (
    APP_SECRET_KEYS,
    config_map,
    namespace,
    network_policies,
    secrets,
    service_accounts,
)
from functions.deploy.knative.serving import (
    STREAMING_TIMEOUT_SECONDS,
    dead_letter_service,
    function_specs,
    knative_service,
)
from functions.deploy.knative.workers import migrate, prune, relay

# files(), and the names tests/deploy/test_knative.py reads as `knative.<name>`.
__all__ = [
    "APP_SECRET_KEYS",
    "BROKER",
    "CONFIG_MAP",
    "DEAD_LETTERS",
    "GATEWAY",
    "GATEWAY_IMAGE",
    "IMAGE",
    "NAMESPACE",
    "RABBITMQ_SECRET",
    "SECRET",
    "STREAMING_TIMEOUT_SECONDS",
    "TARGET_LABEL",
    "files",
    "function_specs",
]


def files() -> dict[str, str]:
    """{repository-relative path: YAML} for everything under knative/ that is rendered."""
    specs = function_specs()
    base: dict[str, list[dict[str, Any]]] = {
        "namespace.yaml": [namespace()],
        "config.yaml": [config_map()],
        "secrets.yaml": secrets(),
        "service-accounts.yaml": service_accounts(),
        "network-policies.yaml": network_policies(),
        "eventing/broker.yaml": broker(),
        "eventing/source.yaml": source(),
        "eventing/triggers.yaml": triggers(),
        "eventing/schedules.yaml": ping_sources(),
        "eventing/dead-letters.yaml": [dead_letter_service()],
        "workers/relay.yaml": [relay()],
        "workers/migrate.yaml": [migrate()],
        "workers/prune.yaml": [prune()],
    }
    for spec in specs:
        base[f"functions/{spec.name}.yaml"] = [knative_service(spec)]
    rendered = {f"{BASE}/{path}": to_yaml(documents) for path, documents in base.items()}
    rendered[f"{BASE}/kustomization.yaml"] = to_yaml(
        [kustomization(resources=[*base, "gateway"], namespace=NAMESPACE)]
    )
    gateway = {
        "deployment.yaml": [gateway_deployment()],
        "service.yaml": [gateway_service()],
        "ingress.yaml": [ingress()],
    }
    for path, documents in gateway.items():
        rendered[f"{BASE}/gateway/{path}"] = to_yaml(documents)
    rendered[f"{BASE}/gateway/kustomization.yaml"] = to_yaml([gateway_kustomization(gateway)])
    rendered[f"{ROOT}/overlays/dev/kustomization.yaml"] = to_yaml([overlay_dev()])
    rendered[f"{ROOT}/overlays/prod/kustomization.yaml"] = to_yaml([overlay_prod(specs)])
    return rendered
