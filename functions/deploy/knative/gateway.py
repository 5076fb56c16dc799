"""The nginx gateway: its Deployment and Service, the Ingress in front of it, and the
kustomization that mounts the rendered nginx template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from functions.deploy.knative.common import (
    COMPONENT,
    GATEWAY,
    GATEWAY_IMAGE,
    GATEWAY_PORT,
    GATEWAY_USER,
    HOST,
    NAMESPACE,
    PART_OF,
    attachments_origin,
    component_labels,
    meta,
    skips,
)
from functions.deploy.knative.serving import restricted

# The resolver nginx asks for the functions' names: kube-dns's ClusterIP on EKS.
KUBE_DNS: Final = "172.20.0.10"
INGRESS_CLASS: Final = "nginx"


def gateway_deployment() -> dict[str, Any]:
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
        # The page posts files to the attachments bucket and shows images from it.
        "TASKFLOW_ATTACHMENTS_ORIGIN": attachments_origin("prod"),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            **meta(GATEWAY, "gateway"),
            "annotations": skips(
                {"CKV_K8S_40": "nginx-unprivileged runs as its own user 101, which owns its files"}
            ),
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {COMPONENT: "gateway", PART_OF: "taskflow"}},
            "template": {
                "metadata": {"labels": component_labels("gateway")},
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
                            "securityContext": restricted(GATEWAY_USER),
                            "volumeMounts": mounts,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


def gateway_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(GATEWAY, "gateway"),
        "spec": {
            "selector": {COMPONENT: "gateway", PART_OF: "taskflow"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta("taskflow", "gateway"),
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


def gateway_kustomization(gateway: Mapping[str, object]) -> dict[str, Any]:
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
