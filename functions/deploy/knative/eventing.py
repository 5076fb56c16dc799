"""The RabbitMQ broker and its wiring: the source feeding `taskflow.events` into the broker,
one Trigger per subscriber and event type, one PingSource per schedule, and the delivery
(retries, backoff, dead letters) they share."""

from __future__ import annotations

from typing import Any, Final

from events.transport.dispatch import service_name
from events.types import EXCHANGE
from functions.core.settings import Settings
from functions.deploy.knative.common import DEAD_LETTERS, RABBITMQ_SECRET, TARGET_LABEL, meta
from functions.routes import EVENT, ROUTES, SCHEDULE

BROKER: Final = "taskflow"
BROKER_CLASS: Final = "RabbitMQBroker"
SOURCE_QUEUE: Final = "taskflow.knative"
# Every event type the relay publishes (routing key = type) reaches the source's queue.
ALL_ROUTING_KEYS: Final = "#"


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


def broker() -> list[dict[str, Any]]:
    config = {
        "apiVersion": "eventing.knative.dev/v1alpha1",
        "kind": "RabbitmqBrokerConfig",
        "metadata": meta(BROKER, "eventing"),
        "spec": {"rabbitmqClusterReference": _rabbitmq_reference(), "queueType": "quorum"},
    }
    broker_meta = meta(BROKER, "eventing")
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


def source() -> list[dict[str, Any]]:
    """A queue bound to every type on `taskflow.events`, and the source that drains it into
    the broker. The relay declares the topic exchange; the queue and binding are declared
    here (messaging topology operator) because the source's own declarations would make a
    `headers` exchange of the same name."""
    queue_name = SOURCE_QUEUE.replace(".", "-")
    queue = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "Queue",
        "metadata": meta(queue_name, "eventing"),
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
        "metadata": meta(queue_name, "eventing"),
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
        "metadata": meta("taskflow-events", "eventing"),
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
                    "metadata": meta(
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
            "metadata": meta(
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
