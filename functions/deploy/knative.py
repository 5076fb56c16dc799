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

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

from events.dispatch import service_name
from events.types import EXCHANGE
from functions.core.settings import Settings
from functions.routes import EVENT, HTTP, ROUTES, SCHEDULE, Route

ROOT: Final = "knative"
BASE: Final = f"{ROOT}/base"
NAMESPACE: Final = "taskflow"
# A placeholder each overlay's kustomize `images:` rewrites to the registry's image and tag.
IMAGE: Final = "taskflow"
GATEWAY_IMAGE: Final = "taskflow-gateway"
# Knative Eventing's own event logger: where dead letters end up, one JSON line each.
DEAD_LETTER_IMAGE: Final = "gcr.io/knative-releases/knative.dev/eventing/cmd/event_display"
DEAD_LETTERS: Final = "dead-letters"
# The image's own non-root user (distroless `nonroot`).
EVENT_DISPLAY_USER: Final = 65532
CONFIG_MAP: Final = "taskflow-config"
SECRET: Final = "taskflow-secrets"
RABBITMQ_SECRET: Final = "taskflow-rabbitmq"
SECRET_STORE: Final = "aws-secrets-manager"
BROKER: Final = "taskflow"
BROKER_CLASS: Final = "RabbitMQBroker"
SOURCE_QUEUE: Final = "taskflow.knative"
# Every event type the relay publishes (routing key = type) reaches the source's queue.
ALL_ROUTING_KEYS: Final = "#"
GATEWAY: Final = "taskflow-gateway"
PART_OF: Final = "app.kubernetes.io/part-of"
COMPONENT: Final = "app.kubernetes.io/component"
TARGET_LABEL: Final = "taskflow.dev/target"
VISIBILITY_LABEL: Final = "networking.knative.dev/visibility"
CLUSTER_LOCAL: Final = "cluster-local"
AUTOSCALING: Final = "autoscaling.knative.dev"
MIN_SCALE: Final = f"{AUTOSCALING}/min-scale"
MAX_SCALE: Final = f"{AUTOSCALING}/max-scale"
TARGET: Final = f"{AUTOSCALING}/target"
SCALE_DOWN_DELAY: Final = f"{AUTOSCALING}/scale-down-delay"
HEALTH_PATH: Final = "/healthz"
# The function image's user (the Dockerfile's); nginx-unprivileged's is 101.
RUN_AS_USER: Final = 10001
GATEWAY_USER: Final = 101
GATEWAY_PORT: Final = 8080
# The resolver nginx asks for the functions' names: kube-dns's ClusterIP on EKS.
KUBE_DNS: Final = "172.20.0.10"
# Knative's queue-proxy ends a request at the revision's timeoutSeconds (300 s by default);
# the live stream may stay open an hour, which the cluster's config-defaults must allow
# (max-revision-timeout-seconds >= 3600, see the README).
STREAMING_TIMEOUT_SECONDS: Final = 3600
STREAMING_TARGETS: Final = frozenset({"notification_stream"})
IRSA_ANNOTATION: Final = "eks.amazonaws.com/role-arn"
# The AWS account and region the overlays point at (ECR images, IRSA roles): set yours here
# (terraform's outputs) and run `taskflow render`.
AWS_ACCOUNT: Final = "000000000000"
AWS_REGION: Final = "us-east-1"
IRSA_PLACEHOLDER: Final = f"arn:aws:iam::{AWS_ACCOUNT}:role/{{name}}"
FUNCTIONS_ACCOUNT: Final = "taskflow-functions"
WORKERS_ACCOUNT: Final = "taskflow-workers"
# The Knative networking layer and the eventing data plane reach the functions from here.
KNATIVE_NAMESPACES: Final = ("knative-serving", "kourier-system", "knative-eventing")
INGRESS_NAMESPACE: Final = "ingress-nginx"
INGRESS_CLASS: Final = "nginx"
HOST: Final = "taskflow.example.com"
# Egress the TaskFlow pods need: DNS, PostgreSQL, Redis, AMQP (TLS and plain), HTTPS (SES,
# S3, STS, webhooks, RabbitMQ's management API).
EGRESS_PORTS: Final = ((53, "UDP"), (53, "TCP"), (5432, "TCP"), (6379, "TCP"))
EGRESS_PORTS_MORE: Final = ((5671, "TCP"), (5672, "TCP"), (443, "TCP"))
PRUNE_SCHEDULE: Final = "17 3 * * *"


@dataclass(frozen=True)
class FunctionSpec:
    """One Knative Service: what both the YAML and the `kn service apply` command say."""

    target: str
    name: str
    trigger: str
    path: str
    annotations: dict[str, str]
    container_concurrency: int
    timeout_seconds: int | None
    cluster_local: bool
    requests: dict[str, str]
    limits: dict[str, str]
    service_account: str = FUNCTIONS_ACCOUNT

    @property
    def env(self) -> dict[str, str]:
        return {"FUNCTION_TARGET": self.target}


def function_specs() -> list[FunctionSpec]:
    """Every target of the route table, in table order, with its scaling and visibility."""
    first: dict[str, Route] = {}
    for route in ROUTES:
        first.setdefault(route.target, route)
    return [_spec(route) for route in first.values()]


def _spec(route: Route) -> FunctionSpec:
    annotations = {
        MIN_SCALE: str(route.min_scale),
        MAX_SCALE: str(route.max_scale),
        TARGET: str(route.target_concurrency),
    }
    if route.scale_down_delay:
        annotations[SCALE_DOWN_DELAY] = route.scale_down_delay
    streaming = route.target in STREAMING_TARGETS
    return FunctionSpec(
        target=route.target,
        name=service_name(route.target),
        trigger=route.trigger,
        path=route.path,
        annotations=annotations,
        container_concurrency=route.target_concurrency,
        timeout_seconds=STREAMING_TIMEOUT_SECONDS if streaming else None,
        cluster_local=route.trigger != HTTP,
        requests={"cpu": "100m", "memory": "192Mi"},
        limits={"cpu": "1000m", "memory": "384Mi"},
    )


def files() -> dict[str, str]:
    """{repository-relative path: YAML} for everything under knative/ that is rendered."""
    specs = function_specs()
    base: dict[str, list[dict[str, Any]]] = {
        "namespace.yaml": [_namespace()],
        "config.yaml": [_config_map()],
        "secrets.yaml": _secrets(),
        "service-accounts.yaml": _service_accounts(),
        "network-policies.yaml": _network_policies(),
        "eventing/broker.yaml": _broker(),
        "eventing/source.yaml": _source(),
        "eventing/triggers.yaml": triggers(),
        "eventing/schedules.yaml": ping_sources(),
        "eventing/dead-letters.yaml": [_dead_letter_service()],
        "workers/relay.yaml": [_relay()],
        "workers/migrate.yaml": [_migrate()],
        "workers/prune.yaml": [_prune()],
    }
    for spec in specs:
        base[f"functions/{spec.name}.yaml"] = [knative_service(spec)]
    rendered = {f"{BASE}/{path}": _yaml(documents) for path, documents in base.items()}
    rendered[f"{BASE}/kustomization.yaml"] = _yaml(
        [_kustomization(resources=[*base, "gateway"], namespace=NAMESPACE)]
    )
    gateway = {
        "deployment.yaml": [_gateway_deployment()],
        "service.yaml": [_gateway_service()],
        "ingress.yaml": [_ingress()],
    }
    for path, documents in gateway.items():
        rendered[f"{BASE}/gateway/{path}"] = _yaml(documents)
    rendered[f"{BASE}/gateway/kustomization.yaml"] = _yaml([_gateway_kustomization(gateway)])
    rendered[f"{ROOT}/overlays/dev/kustomization.yaml"] = _yaml([_overlay_dev()])
    rendered[f"{ROOT}/overlays/prod/kustomization.yaml"] = _yaml([_overlay_prod(specs)])
    return rendered


HEADER: Final = "# Generated by `taskflow render` from functions/routes.py: do not edit.\n"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the overlays' patches) as `|` blocks, readable in review."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _yaml(documents: list[dict[str, Any]]) -> str:
    body = "---\n".join(
        yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100)
        for document in documents
    )
    return HEADER + body


def _labels(component: str, **more: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "taskflow", PART_OF: "taskflow", COMPONENT: component, **more}


def _meta(name: str, component: str, **labels: str) -> dict[str, Any]:
    return {"name": name, "labels": _labels(component, **labels)}


# -- the functions ---------------------------------------------------------------------------


def _restricted(user: int) -> dict[str, Any]:
    """The restricted Pod Security Standard, at container level (Knative's allowed fields)."""
    return {
        "runAsNonRoot": True,
        "runAsUser": user,
        "runAsGroup": user,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _pod_context(user: int) -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": user, "runAsGroup": user, "fsGroup": user}


def _probe(**extra: Any) -> dict[str, Any]:
    # Knative probes name no port: the queue-proxy rewrites them to the serving port.
    return {"httpGet": {"path": HEALTH_PATH}, **extra}


def _tmp_volume() -> tuple[dict[str, Any], dict[str, Any]]:
    # The root filesystem is read-only; /tmp is the one writable place (Knative needs the
    # `kubernetes.podspec-volumes-emptydir` feature, enabled by default since Knative 1.8).
    volume = {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}
    mount = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - a private emptyDir
    return volume, mount


def knative_service(spec: FunctionSpec) -> dict[str, Any]:
    labels = {TARGET_LABEL: spec.target}
    metadata = _meta(spec.name, "function", **labels)
    metadata["annotations"] = _skips(KNATIVE_SKIPS)
    if spec.cluster_local:
        # Event and schedule targets answer only inside the cluster (emit_due_soon takes
        # no token): the label keeps them off the public ingress.
        metadata["labels"][VISIBILITY_LABEL] = CLUSTER_LOCAL
    volume, mount = _tmp_volume()
    container: dict[str, Any] = {
        "name": "function",
        "image": IMAGE,
        "env": [{"name": key, "value": value} for key, value in spec.env.items()],
        "envFrom": [{"configMapRef": {"name": CONFIG_MAP}}, {"secretRef": {"name": SECRET}}],
        "readinessProbe": _probe(periodSeconds=5, failureThreshold=3),
        "livenessProbe": _probe(periodSeconds=20, failureThreshold=3, timeoutSeconds=5),
        "resources": {"requests": spec.requests, "limits": spec.limits},
        "securityContext": _restricted(RUN_AS_USER),
        "volumeMounts": [mount],
    }
    template_spec: dict[str, Any] = {
        "serviceAccountName": spec.service_account,
        # Knative takes a pod-level context with `kubernetes.podspec-securitycontext`
        # enabled (terraform/ enables it); seccomp stays on the container, where it may be.
        "securityContext": _pod_context(RUN_AS_USER),
        # IRSA's token is projected by the EKS webhook; the Kubernetes API token is not needed.
        "automountServiceAccountToken": False,
        "containerConcurrency": spec.container_concurrency,
    }
    if spec.timeout_seconds is not None:
        template_spec["timeoutSeconds"] = spec.timeout_seconds
    template_spec["containers"] = [container]
    template_spec["volumes"] = [volume]
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "template": {
                "metadata": {
                    "labels": _labels("function", **labels),
                    "annotations": spec.annotations,
                },
                "spec": template_spec,
            }
        },
    }


def _dead_letter_service() -> dict[str, Any]:
    """Where events go after their last retry: Knative's event_display logs each one in full
    (with the knativeerrordest/-code/-data extensions the broker adds), so the cluster's log
    store keeps them; to replay one, POST it (binary mode) to its knativeerrordest."""
    volume, mount = _tmp_volume()
    metadata = _meta(DEAD_LETTERS, "dead-letters")
    metadata["labels"][VISIBILITY_LABEL] = CLUSTER_LOCAL
    metadata["annotations"] = _skips(
        {
            **KNATIVE_SKIPS,
            "CKV_K8S_14": "Knative publishes event_display by digest only: pin it with an "
            "overlay's images: entry",
        }
    )
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "template": {
                "metadata": {
                    "labels": _labels("dead-letters"),
                    "annotations": {MIN_SCALE: "0", MAX_SCALE: "2"},
                },
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": _pod_context(EVENT_DISPLAY_USER),
                    "containers": [
                        {
                            "name": "event-display",
                            "image": DEAD_LETTER_IMAGE,
                            "readinessProbe": {"tcpSocket": {}, "periodSeconds": 5},
                            "livenessProbe": {"tcpSocket": {}, "periodSeconds": 20},
                            "resources": {
                                "requests": {"cpu": "10m", "memory": "32Mi"},
                                "limits": {"cpu": "200m", "memory": "64Mi"},
                            },
                            "securityContext": _restricted(EVENT_DISPLAY_USER),
                            "volumeMounts": [mount],
                        }
                    ],
                    "volumes": [volume],
                },
            }
        },
    }


# -- eventing --------------------------------------------------------------------------------


def _rabbitmq_reference() -> dict[str, Any]:
    # TaskFlow's RabbitMQ is Amazon MQ (terraform/): reached through a connection secret
    # (management URI, user, password, AMQPS port) rather than an in-cluster RabbitmqCluster.
    return {"connectionSecret": {"name": RABBITMQ_SECRET}}


def _delivery_defaults() -> tuple[int, str]:
    """Retries and the first backoff, from the same settings the local dispatcher uses."""
    fields = Settings.model_fields
    deliveries = int(fields["delivery_limit"].default)
    first = float(fields["retry_backoff_seconds"].default)
    return deliveries - 1, iso_duration(first)


def iso_duration(seconds: float) -> str:
    """An ISO-8601 duration, as Knative's backoffDelay takes it (0.5 -> PT0.5S)."""
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def _dead_letter_sink() -> dict[str, Any]:
    return {
        "ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": DEAD_LETTERS}
    }


def delivery() -> dict[str, Any]:
    retries, backoff = _delivery_defaults()
    return {
        "retry": retries,
        "backoffPolicy": "exponential",
        "backoffDelay": backoff,
        "deadLetterSink": _dead_letter_sink(),
    }


def _broker() -> list[dict[str, Any]]:
    config = {
        "apiVersion": "eventing.knative.dev/v1alpha1",
        "kind": "RabbitmqBrokerConfig",
        "metadata": _meta(BROKER, "eventing"),
        "spec": {"rabbitmqClusterReference": _rabbitmq_reference(), "queueType": "quorum"},
    }
    broker_meta = _meta(BROKER, "eventing")
    broker_meta["annotations"] = {"eventing.knative.dev/broker.class": BROKER_CLASS}
    broker = {
        "apiVersion": "eventing.knative.dev/v1",
        "kind": "Broker",
        "metadata": broker_meta,
        "spec": {
            "config": {
                "apiVersion": "eventing.knative.dev/v1alpha1",
                "kind": "RabbitmqBrokerConfig",
                "name": BROKER,
            },
            "delivery": delivery(),
        },
    }
    return [config, broker]


def _source() -> list[dict[str, Any]]:
    """A queue bound to every type on `taskflow.events`, and the source that drains it into
    the broker. The relay declares the topic exchange; the queue and binding are declared
    here (messaging topology operator) because the source's own declarations would make a
    `headers` exchange of the same name."""
    queue_name = SOURCE_QUEUE.replace(".", "-")
    queue = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "Queue",
        "metadata": _meta(queue_name, "eventing"),
        "spec": {
            "name": SOURCE_QUEUE,
            "type": "quorum",
            "durable": True,
            "autoDelete": False,
            "rabbitmqClusterReference": _rabbitmq_reference(),
        },
    }
    binding = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "Binding",
        "metadata": _meta(queue_name, "eventing"),
        "spec": {
            "source": EXCHANGE,
            "destination": SOURCE_QUEUE,
            "destinationType": "queue",
            "routingKey": ALL_ROUTING_KEYS,
            "rabbitmqClusterReference": _rabbitmq_reference(),
        },
    }
    retries, backoff = _delivery_defaults()
    source = {
        "apiVersion": "sources.knative.dev/v1alpha1",
        "kind": "RabbitmqSource",
        "metadata": _meta("taskflow-events", "eventing"),
        "spec": {
            "rabbitmqClusterReference": _rabbitmq_reference(),
            "rabbitmqResourcesConfig": {
                "predeclared": True,
                "exchangeName": EXCHANGE,
                "queueName": SOURCE_QUEUE,
                # Events are independent (subscribers dedupe), so order need not hold.
                "parallelism": 10,
            },
            "delivery": {"retry": retries, "backoffPolicy": "exponential", "backoffDelay": backoff},
            "sink": {
                "ref": {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": BROKER}
            },
        },
    }
    return [queue, binding, source]


def trigger_name(target: str, event_type: str) -> str:
    """E.g. `deliver-notification--task-status-changed` (target, then the short type)."""
    short = event_type.removeprefix("com.taskflow.")
    return f"{service_name(target)}--{short.replace('.', '-').replace('_', '-')}"


def triggers() -> list[dict[str, Any]]:
    """One Trigger per (subscriber, event type): a Trigger filters on exact attribute values."""
    documents = []
    for route in ROUTES:
        if route.trigger != EVENT:
            continue
        for event_type in route.subscribes:
            documents.append(
                {
                    "apiVersion": "eventing.knative.dev/v1",
                    "kind": "Trigger",
                    "metadata": _meta(
                        trigger_name(route.target, event_type),
                        "eventing",
                        **{TARGET_LABEL: route.target},
                    ),
                    "spec": {
                        "broker": BROKER,
                        "filter": {"attributes": {"type": event_type}},
                        "subscriber": {
                            "ref": {
                                "apiVersion": "serving.knative.dev/v1",
                                "kind": "Service",
                                "name": service_name(route.target),
                            },
                            "uri": route.path,
                        },
                        "delivery": delivery(),
                    },
                }
            )
    return documents


def ping_sources() -> list[dict[str, Any]]:
    """One PingSource per schedule route: the cron from the table, POSTed to its path."""
    return [
        {
            "apiVersion": "sources.knative.dev/v1",
            "kind": "PingSource",
            "metadata": _meta(
                service_name(route.target), "eventing", **{TARGET_LABEL: route.target}
            ),
            "spec": {
                "schedule": route.schedule,
                "timezone": "Etc/UTC",
                "contentType": "application/json",
                "data": "{}",
                "sink": {
                    "ref": {
                        "apiVersion": "serving.knative.dev/v1",
                        "kind": "Service",
                        "name": service_name(route.target),
                    },
                    "uri": route.path,
                },
            },
        }
        for route in ROUTES
        if route.trigger == SCHEDULE
    ]


# -- workers: relay, migrations, prune ---------------------------------------------------------


def _worker_pod(
    command: list[str], *, restart: str | None = None, **container_extra: Any
) -> dict[str, Any]:
    volume, mount = _tmp_volume()
    container: dict[str, Any] = {
        "name": command[0],
        "image": IMAGE,
        "imagePullPolicy": "Always",
        # The `taskflow` command itself, whatever the image's entrypoint serves by default.
        "command": ["taskflow"],
        "args": command,
        "envFrom": [{"configMapRef": {"name": CONFIG_MAP}}, {"secretRef": {"name": SECRET}}],
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "securityContext": _restricted(RUN_AS_USER),
        **container_extra,
        "volumeMounts": [mount],
    }
    spec: dict[str, Any] = {
        "serviceAccountName": WORKERS_ACCOUNT,
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if restart:
        spec["restartPolicy"] = restart
    spec["containers"] = [container]
    spec["volumes"] = [volume]
    return spec


def _skips(reasons: Mapping[str, str]) -> dict[str, str]:
    """checkov's per-object suppressions, each with its reason."""
    return {
        f"checkov.io/skip{n}": f"{check}={reason}"
        for n, (check, reason) in enumerate(reasons.items(), start=1)
    }


# What checkov asks of a Deployment that a Knative Service does otherwise.
KNATIVE_SKIPS: Final = {
    "CKV_K8S_15": "Knative resolves the tag to a digest per revision; Always would add a "
    "registry round trip to each cold start",
}
NO_HTTP_PROBES: Final = {
    "CKV_K8S_8": "no HTTP server to probe; the process exits on a fatal error and restarts",
    "CKV_K8S_9": "no HTTP server to probe; it takes no traffic, so readiness means nothing",
}


def _relay() -> dict[str, Any]:
    metadata = _meta("relay", "relay")
    metadata["annotations"] = _skips(NO_HTTP_PROBES)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            # Relays claim rows with SKIP LOCKED, so two may run side by side (rollouts).
            "replicas": 1,
            "selector": {"matchLabels": {COMPONENT: "relay", PART_OF: "taskflow"}},
            "template": {
                "metadata": {"labels": _labels("relay")},
                "spec": _worker_pod(["relay"]),
            },
        },
    }


def _migrate() -> dict[str, Any]:
    metadata = _meta("migrate", "migrate")
    metadata["annotations"] = _skips(NO_HTTP_PROBES)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {
            "backoffLimit": 4,
            # Gone ten minutes after it finishes, so the next `kubectl apply` runs it again
            # (a Job's pod template cannot change in place).
            "ttlSecondsAfterFinished": 600,
            "activeDeadlineSeconds": 900,
            "template": {
                "metadata": {"labels": _labels("migrate")},
                "spec": _worker_pod(["migrate"], restart="Never"),
            },
        },
    }


def _prune() -> dict[str, Any]:
    metadata = _meta("prune", "prune")
    metadata["annotations"] = _skips(NO_HTTP_PROBES)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": {
            "schedule": PRUNE_SCHEDULE,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "ttlSecondsAfterFinished": 86400,
                    "activeDeadlineSeconds": 1800,
                    "template": {
                        "metadata": {"labels": _labels("prune")},
                        "spec": _worker_pod(["prune"], restart="Never"),
                    },
                }
            },
        },
    }


# -- gateway ---------------------------------------------------------------------------------


def _gateway_deployment() -> dict[str, Any]:
    # The nginx image writes the substituted template to conf.d and its pid/caches to /tmp.
    volumes = [
        {"name": "templates", "configMap": {"name": "taskflow-gateway-templates"}},
        {"name": "conf", "emptyDir": {"sizeLimit": "1Mi"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]
    mounts = [
        {"name": "templates", "mountPath": "/etc/nginx/templates", "readOnly": True},
        {"name": "conf", "mountPath": "/etc/nginx/conf.d"},
        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - a private emptyDir
    ]
    probe = {"tcpSocket": {"port": "http"}}
    env = {
        # Each function's Knative Service by its cluster DNS name (Kourier routes by Host).
        "TASKFLOW_SERVICE_SUFFIX": f".{NAMESPACE}.svc.cluster.local",
        "TASKFLOW_SERVICE_PORT": "80",
        # kube-dns's ClusterIP: EKS gives it 172.20.0.10 when the VPC is in 10.0.0.0/8
        # (terraform pins the service CIDR); another cluster patches its own in an overlay.
        "TASKFLOW_RESOLVER": KUBE_DNS,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            **_meta(GATEWAY, "gateway"),
            "annotations": _skips(
                {"CKV_K8S_40": "nginx-unprivileged runs as its own user 101, which owns its files"}
            ),
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {COMPONENT: "gateway", PART_OF: "taskflow"}},
            "template": {
                "metadata": {"labels": _labels("gateway")},
                "spec": {
                    "serviceAccountName": GATEWAY,
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": GATEWAY_USER,
                        "runAsGroup": GATEWAY_USER,
                        "fsGroup": GATEWAY_USER,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "nginx",
                            "image": GATEWAY_IMAGE,
                            "imagePullPolicy": "Always",
                            "ports": [{"name": "http", "containerPort": GATEWAY_PORT}],
                            "env": [{"name": k, "value": v} for k, v in env.items()],
                            "readinessProbe": {**probe, "periodSeconds": 5},
                            "livenessProbe": {**probe, "periodSeconds": 20},
                            "resources": {
                                "requests": {"cpu": "50m", "memory": "64Mi"},
                                "limits": {"cpu": "500m", "memory": "128Mi"},
                            },
                            "securityContext": _restricted(GATEWAY_USER),
                            "volumeMounts": mounts,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


def _gateway_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(GATEWAY, "gateway"),
        "spec": {
            "selector": {COMPONENT: "gateway", PART_OF: "taskflow"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def _ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta("taskflow", "gateway"),
        "spec": {
            "ingressClassName": INGRESS_CLASS,
            "rules": [
                {
                    "host": HOST,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": GATEWAY, "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def _gateway_kustomization(gateway: Mapping[str, object]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": list(gateway),
        # The nginx template (functions/deploy/nginx.py renders it) as the ConfigMap the
        # gateway mounts; the name's content hash rolls the gateway when the routes change.
        "configMapGenerator": [
            {"name": "taskflow-gateway-templates", "files": ["default.conf.template"]}
        ],
    }


# -- configuration, secrets, accounts, policies ----------------------------------------------


def _namespace() -> dict[str, Any]:
    metadata = _meta(NAMESPACE, "namespace")
    # The restricted Pod Security Standard is enforced on everything in the namespace.
    metadata["labels"]["pod-security.kubernetes.io/enforce"] = "restricted"
    metadata["labels"]["pod-security.kubernetes.io/audit"] = "restricted"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def config_values() -> dict[str, str]:
    """Settings that are not secret (TASKFLOW_*; overlays change some)."""
    return {
        "TASKFLOW_ENV": "prod",
        "TASKFLOW_LOG_LEVEL": "INFO",
        # The root filesystem is read-only: whatever TaskFlow keeps on disk goes to /tmp.
        "TASKFLOW_DATA_DIR": "/tmp/taskflow",  # noqa: S108 - the pod's private emptyDir
        "TASKFLOW_PUBLIC_URL": f"https://{HOST}",
        "TASKFLOW_ALLOWED_ORIGINS": json.dumps([f"https://{HOST}"]),
        # Behind nginx and the ingress: the client address is the hop they appended.
        "TASKFLOW_TRUST_FORWARDED_FOR": "true",
        "TASKFLOW_AWS_REGION": AWS_REGION,
        "TASKFLOW_MAIL_SENDER": "TaskFlow <notifications@taskflow.example.com>",
        "TASKFLOW_DATABASE_POOL_SIZE": "5",
        # The broker's Triggers subscribe here; the local dispatcher's queues would fill up.
        "TASKFLOW_DECLARE_SUBSCRIBER_QUEUES": "false",
    }


def _config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(CONFIG_MAP, "config"),
        "data": config_values(),
    }


# What the AWS Secrets Manager entries hold (JSON objects): the app's secret settings, and
# the RabbitMQ connection the eventing-rabbitmq controllers use.
APP_SECRET_KEYS: Final = (
    "TASKFLOW_DATABASE_URL",
    "TASKFLOW_REDIS_URL",
    "TASKFLOW_AMQP_URL",
    "TASKFLOW_JWT_PRIVATE_KEY",
    "TASKFLOW_JWT_PREVIOUS_PUBLIC_KEYS",
)
RABBITMQ_SECRET_KEYS: Final = ("uri", "username", "password", "port", "ssl")


def _external_secret(name: str, remote_key: str) -> dict[str, Any]:
    return {
        "apiVersion": "external-secrets.io/v1beta1",
        "kind": "ExternalSecret",
        "metadata": _meta(name, "secrets"),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": SECRET_STORE},
            "target": {"name": name, "creationPolicy": "Owner"},
            # Every property of the JSON secret becomes one key of the Kubernetes Secret.
            "dataFrom": [{"extract": {"key": remote_key}}],
        },
    }


def _secrets() -> list[dict[str, Any]]:
    # The ClusterSecretStore is terraform's (terraform/modules/knative): the External Secrets
    # operator reads Secrets Manager with its own IRSA role, scoped to TaskFlow's entries.
    return [
        _external_secret(SECRET, "taskflow/app"),
        _external_secret(RABBITMQ_SECRET, "taskflow/rabbitmq"),
    ]


def _service_account(name: str, irsa: bool) -> dict[str, Any]:
    metadata = _meta(name, "identity")
    if irsa:
        metadata["annotations"] = {IRSA_ANNOTATION: IRSA_PLACEHOLDER.format(name=name)}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": False,
    }


def _service_accounts() -> list[dict[str, Any]]:
    return [
        # SES (mail) and S3 (attachments) through IRSA; overlays set each role's ARN.
        _service_account(FUNCTIONS_ACCOUNT, irsa=True),
        _service_account(WORKERS_ACCOUNT, irsa=False),
        _service_account(GATEWAY, irsa=False),
    ]


def _from_namespaces(names: Iterable[str]) -> dict[str, Any]:
    return {
        "namespaceSelector": {
            "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(names)}
            ]
        }
    }


def _policy(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(name, "network"),
        "spec": spec,
    }


def _network_policies() -> list[dict[str, Any]]:
    ours = {"matchLabels": {PART_OF: "taskflow"}}
    ports = [{"port": port, "protocol": protocol} for port, protocol in EGRESS_PORTS]
    ports += [{"port": port, "protocol": protocol} for port, protocol in EGRESS_PORTS_MORE]
    return [
        _policy("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        # Requests reach a function through Kourier and the activator, events through the
        # eventing data plane; the queue-proxy's metrics are scraped from knative-serving.
        _policy(
            "allow-knative-to-functions",
            {
                "podSelector": {"matchLabels": {COMPONENT: "function", PART_OF: "taskflow"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [_from_namespaces(KNATIVE_NAMESPACES)]}],
            },
        ),
        _policy(
            "allow-knative-to-dead-letters",
            {
                "podSelector": {"matchLabels": {COMPONENT: "dead-letters", PART_OF: "taskflow"}},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [_from_namespaces(KNATIVE_NAMESPACES)]}],
            },
        ),
        # The RabbitMQ broker's ingress and dispatcher, and the source's adapter, run in this
        # namespace (created by their controllers, without our labels): they talk to each other.
        _policy(
            "allow-eventing-data-plane",
            {
                "podSelector": {
                    "matchExpressions": [
                        {"key": PART_OF, "operator": "NotIn", "values": ["taskflow"]}
                    ]
                },
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"podSelector": {}}, _from_namespaces(KNATIVE_NAMESPACES)]}],
            },
        ),
        _policy(
            "allow-ingress-controller-to-gateway",
            {
                "podSelector": {"matchLabels": {COMPONENT: "gateway", PART_OF: "taskflow"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [_from_namespaces([INGRESS_NAMESPACE])],
                        "ports": [{"port": GATEWAY_PORT, "protocol": "TCP"}],
                    }
                ],
            },
        ),
        # TaskFlow's own pods reach only DNS, the data stores, RabbitMQ, HTTPS, and (the
        # gateway) the Knative networking layer.
        _policy(
            "restrict-egress",
            {
                "podSelector": ours,
                "policyTypes": ["Egress"],
                "egress": [{"ports": ports}, {"to": [_from_namespaces(KNATIVE_NAMESPACES)]}],
            },
        ),
    ]


# -- kustomize -------------------------------------------------------------------------------


def _kustomization(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **fields}


def _json_patch(target: dict[str, str], operations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"target": target, "patch": yaml.safe_dump(operations, sort_keys=False)}


def _config_patch(values: Mapping[str, str]) -> dict[str, Any]:
    return _json_patch(
        {"version": "v1", "kind": "ConfigMap", "name": CONFIG_MAP},
        [
            {"op": "replace", "path": f"/data/{key}", "value": value}
            for key, value in values.items()
        ],
    )


def _irsa_patch(account: str, role: str) -> dict[str, Any]:
    return _json_patch(
        {"version": "v1", "kind": "ServiceAccount", "name": account},
        [
            {
                "op": "replace",
                "path": f"/metadata/annotations/{_pointer(IRSA_ANNOTATION)}",
                "value": role,
            }
        ],
    )


def _remote_key_patch(name: str, key: str) -> dict[str, Any]:
    return _json_patch(
        {
            "group": "external-secrets.io",
            "version": "v1beta1",
            "kind": "ExternalSecret",
            "name": name,
        },
        [{"op": "replace", "path": "/spec/dataFrom/0/extract/key", "value": key}],
    )


def _pointer(key: str) -> str:
    """A JSON-pointer segment (RFC 6901): `/` in annotation names is written `~1`."""
    return key.replace("~", "~0").replace("/", "~1")


def _images(tag: str) -> list[dict[str, str]]:
    registry = f"{AWS_ACCOUNT}.dkr.ecr.{AWS_REGION}.amazonaws.com"
    return [
        {"name": IMAGE, "newName": f"{registry}/taskflow", "newTag": tag},
        {"name": GATEWAY_IMAGE, "newName": f"{registry}/taskflow-gateway", "newTag": tag},
    ]


def _overlay_dev() -> dict[str, Any]:
    functions = {
        "group": "serving.knative.dev",
        "kind": "Service",
        "labelSelector": f"{COMPONENT}=function",
    }
    smaller = {
        "requests": {"cpu": "50m", "memory": "160Mi"},
        "limits": {"cpu": "500m", "memory": "320Mi"},
    }
    return _kustomization(
        resources=["../../base"],
        images=_images("dev"),
        patches=[
            _config_patch(
                {
                    "TASKFLOW_LOG_LEVEL": "DEBUG",
                    "TASKFLOW_PUBLIC_URL": "https://dev.taskflow.example.com",
                }
            ),
            _json_patch(
                functions,
                [
                    {
                        "op": "replace",
                        "path": "/spec/template/spec/containers/0/resources",
                        "value": smaller,
                    },
                    {
                        "op": "replace",
                        "path": f"/spec/template/metadata/annotations/{_pointer(MAX_SCALE)}",
                        "value": "3",
                    },
                ],
            ),
            _json_patch(
                {"group": "apps", "version": "v1", "kind": "Deployment", "name": GATEWAY},
                [{"op": "replace", "path": "/spec/replicas", "value": 1}],
            ),
            _json_patch(
                {
                    "group": "networking.k8s.io",
                    "version": "v1",
                    "kind": "Ingress",
                    "name": "taskflow",
                },
                [
                    {
                        "op": "replace",
                        "path": "/spec/rules/0/host",
                        "value": "dev.taskflow.example.com",
                    }
                ],
            ),
            _remote_key_patch(SECRET, "taskflow/dev/app"),
            _remote_key_patch(RABBITMQ_SECRET, "taskflow/dev/rabbitmq"),
            _irsa_patch(FUNCTIONS_ACCOUNT, IRSA_PLACEHOLDER.format(name="taskflow-dev-functions")),
        ],
    )


# The release the prod overlay deploys; CI sets its own (`kustomize edit set image`).
PROD_TAG: Final = "0.1.0"
# Where a cold start sits in front of a person at sign-in and on the first screen.
PROD_WARM_TARGETS: Final = ("login", "list_tasks")


def _overlay_prod(specs: list[FunctionSpec]) -> dict[str, Any]:
    names = {spec.target: spec.name for spec in specs}
    warm = [
        _json_patch(
            {"group": "serving.knative.dev", "kind": "Service", "name": names[target]},
            [
                {
                    "op": "replace",
                    "path": f"/spec/template/metadata/annotations/{_pointer(MIN_SCALE)}",
                    "value": "1",
                }
            ],
        )
        for target in PROD_WARM_TARGETS
    ]
    return _kustomization(
        resources=["../../base"],
        images=_images(PROD_TAG),
        patches=[
            *warm,
            _json_patch(
                {
                    "group": "networking.k8s.io",
                    "version": "v1",
                    "kind": "Ingress",
                    "name": "taskflow",
                },
                [
                    {
                        "op": "add",
                        "path": "/spec/tls",
                        "value": [{"hosts": [HOST], "secretName": "taskflow-tls"}],
                    },
                    # terraform's cert-manager issues taskflow-tls through this issuer.
                    {
                        "op": "add",
                        "path": "/metadata/annotations",
                        "value": {"cert-manager.io/cluster-issuer": "letsencrypt"},
                    },
                ],
            ),
            _remote_key_patch(SECRET, "taskflow/prod/app"),
            _remote_key_patch(RABBITMQ_SECRET, "taskflow/prod/rabbitmq"),
            _irsa_patch(FUNCTIONS_ACCOUNT, IRSA_PLACEHOLDER.format(name="taskflow-prod-functions")),
        ],
    )
