"""The functions as Knative Services (one per route-table target), and the dead-letter
Service where events end after their last retry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from events.transport.dispatch import service_name
from functions.deploy.knative.common import (
    CONFIG_MAP,
    DEAD_LETTERS,
    FUNCTIONS_ACCOUNT,
    IMAGE,
    MAX_SCALE,
    MIN_SCALE,
    RUN_AS_USER,
    SCALE_DOWN_DELAY,
    SECRET,
    TARGET,
    TARGET_LABEL,
    component_labels,
    meta,
    skips,
)
from functions.routes import DOWNLOAD_TARGETS, HTTP, ROUTES, Route

# Knative Eventing's own event logger: where dead letters end up, one JSON line each.
DEAD_LETTER_IMAGE: Final = "gcr.io/knative-releases/knative.dev/eventing/cmd/event_display"
# The image's own non-root user (distroless `nonroot`).
EVENT_DISPLAY_USER: Final = 65532
VISIBILITY_LABEL: Final = "networking.knative.dev/visibility"
CLUSTER_LOCAL: Final = "cluster-local"
HEALTH_PATH: Final = "/healthz"
# Knative's queue-proxy ends a request at the revision's timeoutSeconds (300 s by default);
# the live stream may stay open an hour, which the cluster's config-defaults must allow
# (max-revision-timeout-seconds >= 3600, see the README).
STREAMING_TIMEOUT_SECONDS: Final = 3600
STREAMING_TARGETS: Final = frozenset({"notification_stream"})
# What checkov asks of a Deployment that a Knative Service does otherwise.
KNATIVE_SKIPS: Final = {
    "CKV_K8S_15": "Knative resolves the tag to a digest per revision; Always would add a "
    "registry round trip to each cold start",
}


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
    # Settings the function enforces that must agree with what Knative is told above.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {"FUNCTION_TARGET": self.target, **self.settings}


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
    # A download is cut at the revision's timeout like a stream: a large export takes a while.
    long_answer = streaming or route.target in DOWNLOAD_TARGETS
    return FunctionSpec(
        target=route.target,
        name=service_name(route.target),
        trigger=route.trigger,
        path=route.path,
        annotations=annotations,
        container_concurrency=route.target_concurrency,
        timeout_seconds=STREAMING_TIMEOUT_SECONDS if long_answer else None,
        cluster_local=route.trigger != HTTP,
        requests={"cpu": "100m", "memory": "192Mi"},
        limits={"cpu": "1000m", "memory": "512Mi" if streaming else "384Mi"},
        # The streams one process accepts are the streams Knative sends it.
        settings={"TASKFLOW_STREAM_LIMIT": str(route.target_concurrency)} if streaming else {},
    )


def restricted(user: int) -> dict[str, Any]:
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


def tmp_volume() -> tuple[dict[str, Any], dict[str, Any]]:
    # The root filesystem is read-only; /tmp is the one writable place (Knative needs the
    # `kubernetes.podspec-volumes-emptydir` feature, enabled by default since Knative 1.8).
    volume = {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}
    mount = {"name": "tmp", "mountPath": "/tmp"}  # noqa: S108 - a private emptyDir
    return volume, mount


def knative_service(spec: FunctionSpec) -> dict[str, Any]:
    labels = {TARGET_LABEL: spec.target}
    metadata = meta(spec.name, "function", **labels)
    metadata["annotations"] = skips(KNATIVE_SKIPS)
    if spec.cluster_local:
        # Event and schedule targets answer only inside the cluster (emit_due_soon takes
        # no token): the label keeps them off the public ingress.
        metadata["labels"][VISIBILITY_LABEL] = CLUSTER_LOCAL
    volume, mount = tmp_volume()
    container: dict[str, Any] = {
        "name": "function",
        "image": IMAGE,
        "env": [{"name": key, "value": value} for key, value in spec.env.items()],
        "envFrom": [{"configMapRef": {"name": CONFIG_MAP}}, {"secretRef": {"name": SECRET}}],
        "readinessProbe": _probe(periodSeconds=5, failureThreshold=3),
        "livenessProbe": _probe(periodSeconds=20, failureThreshold=3, timeoutSeconds=5),
        "resources": {"requests": spec.requests, "limits": spec.limits},
        "securityContext": restricted(RUN_AS_USER),
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
                    "labels": component_labels("function", **labels),
                    "annotations": spec.annotations,
                },
                "spec": template_spec,
            }
        },
    }


def dead_letter_service() -> dict[str, Any]:
    """Where events go after their last retry: Knative's event_display logs each one in full
    (with the knativeerrordest/-code/-data extensions the broker adds), so the cluster's log
    store keeps them; to replay one, POST it (binary mode) to its knativeerrordest."""
    volume, mount = tmp_volume()
    metadata = meta(DEAD_LETTERS, "dead-letters")
    metadata["labels"][VISIBILITY_LABEL] = CLUSTER_LOCAL
    metadata["annotations"] = skips(
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
                    "labels": component_labels("dead-letters"),
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
                            "securityContext": restricted(EVENT_DISPLAY_USER),
                            "volumeMounts": [mount],
                        }
                    ],
                    "volumes": [volume],
                },
            }
        },
    }
