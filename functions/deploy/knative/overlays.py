"""The kustomize layout: the base's kustomization and the `dev` and `prod` overlays that
patch it (images, configuration, scaling, ingress, secrets' keys, IRSA roles)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import yaml

from functions.deploy.knative.common import (
    AWS_ACCOUNT,
    AWS_REGION,
    COMPONENT,
    CONFIG_MAP,
    FUNCTIONS_ACCOUNT,
    GATEWAY,
    GATEWAY_IMAGE,
    HOST,
    IMAGE,
    IRSA_ANNOTATION,
    IRSA_PLACEHOLDER,
    MAX_SCALE,
    MIN_SCALE,
    RABBITMQ_SECRET,
    SECRET,
    attachments_bucket,
    attachments_origin,
)
from functions.deploy.knative.gateway import gateway_deployment
from functions.deploy.knative.serving import FunctionSpec


def kustomization(**fields: Any) -> dict[str, Any]:
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


def _gateway_env_path(name: str) -> str:
    """The JSON pointer to the value of one of the gateway container's variables."""
    (container,) = gateway_deployment()["spec"]["template"]["spec"]["containers"]
    index = [variable["name"] for variable in container["env"]].index(name)
    return f"/spec/template/spec/containers/0/env/{index}/value"


def _pointer(key: str) -> str:
    """A JSON-pointer segment (RFC 6901): `/` in annotation names is written `~1`."""
    return key.replace("~", "~0").replace("/", "~1")


def _images(tag: str) -> list[dict[str, str]]:
    registry = f"{AWS_ACCOUNT}.dkr.ecr.{AWS_REGION}.amazonaws.com"
    return [
        {"name": IMAGE, "newName": f"{registry}/taskflow", "newTag": tag},
        {"name": GATEWAY_IMAGE, "newName": f"{registry}/taskflow-gateway", "newTag": tag},
    ]


def overlay_dev() -> dict[str, Any]:
    functions = {
        "group": "serving.knative.dev",
        "kind": "Service",
        "labelSelector": f"{COMPONENT}=function",
    }
    smaller = {
        "requests": {"cpu": "50m", "memory": "160Mi"},
        "limits": {"cpu": "500m", "memory": "320Mi"},
    }
    return kustomization(
        resources=["../../base"],
        images=_images("dev"),
        patches=[
            _config_patch(
                {
                    "TASKFLOW_LOG_LEVEL": "DEBUG",
                    "TASKFLOW_PUBLIC_URL": "https://dev.taskflow.example.com",
                    "TASKFLOW_ATTACHMENTS_BUCKET": attachments_bucket("dev"),
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
                [
                    {"op": "replace", "path": "/spec/replicas", "value": 1},
                    {
                        "op": "replace",
                        "path": _gateway_env_path("TASKFLOW_ATTACHMENTS_ORIGIN"),
                        "value": attachments_origin("dev"),
                    },
                ],
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


def overlay_prod(specs: list[FunctionSpec]) -> dict[str, Any]:
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
    return kustomization(
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
