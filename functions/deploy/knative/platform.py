"""What the namespace provides to every workload: the namespace itself, the configuration,
secrets by reference, service accounts and NetworkPolicies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from functions.deploy.knative.common import (
    AWS_REGION,
    COMPONENT,
    CONFIG_MAP,
    FUNCTIONS_ACCOUNT,
    GATEWAY,
    GATEWAY_PORT,
    HOST,
    IRSA_ANNOTATION,
    IRSA_PLACEHOLDER,
    NAMESPACE,
    PART_OF,
    RABBITMQ_SECRET,
    SECRET,
    WORKERS_ACCOUNT,
    attachments_bucket,
    meta,
)

SECRET_STORE: Final = "aws-secrets-manager"
# The Knative networking layer and the eventing data plane reach the functions from here.
KNATIVE_NAMESPACES: Final = ("knative-serving", "kourier-system", "knative-eventing")
INGRESS_NAMESPACE: Final = "ingress-nginx"
# Egress the TaskFlow pods need: DNS, PostgreSQL, Redis, AMQP (TLS and plain), HTTPS (SES,
# S3, STS, webhooks, RabbitMQ's management API).
EGRESS_PORTS: Final = ((53, "UDP"), (53, "TCP"), (5432, "TCP"), (6379, "TCP"))
EGRESS_PORTS_MORE: Final = ((5671, "TCP"), (5672, "TCP"), (443, "TCP"))


def namespace() -> dict[str, Any]:
    metadata = meta(NAMESPACE, "namespace")
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
        # Files go to the bucket terraform made (its `attachments_bucket` output).
        "TASKFLOW_ATTACHMENTS_BUCKET": attachments_bucket("prod"),
        "TASKFLOW_DATABASE_POOL_SIZE": "5",
        # The broker's Triggers subscribe here; the local dispatcher's queues would fill up.
        "TASKFLOW_DECLARE_SUBSCRIBER_QUEUES": "false",
    }


def config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(CONFIG_MAP, "config"),
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
        "metadata": meta(name, "secrets"),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": SECRET_STORE},
            "target": {"name": name, "creationPolicy": "Owner"},
            # Every property of the JSON secret becomes one key of the Kubernetes Secret.
            "dataFrom": [{"extract": {"key": remote_key}}],
        },
    }


def secrets() -> list[dict[str, Any]]:
    # The ClusterSecretStore is terraform's (terraform/modules/knative): the External Secrets
    # operator reads Secrets Manager with its own IRSA role, scoped to TaskFlow's entries.
    return [
        _external_secret(SECRET, "taskflow/app"),
        _external_secret(RABBITMQ_SECRET, "taskflow/rabbitmq"),
    ]


def _service_account(name: str, irsa: bool) -> dict[str, Any]:
    metadata = meta(name, "identity")
    if irsa:
        metadata["annotations"] = {IRSA_ANNOTATION: IRSA_PLACEHOLDER.format(name=name)}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": False,
    }


def service_accounts() -> list[dict[str, Any]]:
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
        "metadata": meta(name, "network"),
        "spec": spec,
    }


def network_policies() -> list[dict[str, Any]]:
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
