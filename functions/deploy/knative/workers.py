"""The `taskflow` commands that run beside the functions: the outbox relay (a Deployment),
the migrations (a Job) and the daily prune (a CronJob)."""

from __future__ import annotations

from typing import Any, Final

from functions.deploy.knative.common import (
    COMPONENT,
    CONFIG_MAP,
    IMAGE,
    PART_OF,
    RUN_AS_USER,
    SECRET,
    WORKERS_ACCOUNT,
    component_labels,
    meta,
    skips,
)
from functions.deploy.knative.serving import restricted, tmp_volume

PRUNE_SCHEDULE: Final = "17 3 * * *"
NO_HTTP_PROBES: Final = {
    "CKV_K8S_8": "no HTTP server to probe; the process exits on a fatal error and restarts",
    "CKV_K8S_9": "no HTTP server to probe; it takes no traffic, so readiness means nothing",
}


def _worker_pod(
    command: list[str], *, restart: str | None = None, **container_extra: Any
) -> dict[str, Any]:
    volume, mount = tmp_volume()
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
        "securityContext": restricted(RUN_AS_USER),
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


def relay() -> dict[str, Any]:
    metadata = meta("relay", "relay")
    metadata["annotations"] = skips(NO_HTTP_PROBES)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            # Relays claim rows with SKIP LOCKED, so two may run side by side (rollouts).
            "replicas": 1,
            "selector": {"matchLabels": {COMPONENT: "relay", PART_OF: "taskflow"}},
            "template": {
                "metadata": {"labels": component_labels("relay")},
                "spec": _worker_pod(["relay"]),
            },
        },
    }


def migrate() -> dict[str, Any]:
    metadata = meta("migrate", "migrate")
    metadata["annotations"] = skips(NO_HTTP_PROBES)
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
                "metadata": {"labels": component_labels("migrate")},
                "spec": _worker_pod(["migrate"], restart="Never"),
            },
        },
    }


def prune() -> dict[str, Any]:
    metadata = meta("prune", "prune")
    metadata["annotations"] = skips(NO_HTTP_PROBES)
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
                        "metadata": {"labels": component_labels("prune")},
                        "spec": _worker_pod(["prune"], restart="Never"),
                    },
                }
            },
        },
    }
