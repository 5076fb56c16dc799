"""The RabbitMQ topology, declared on the real broker in this run's own vhost."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pika
import pytest

from events.transport.topology import (
    DEAD_EXCHANGE,
    TopologyMismatch,
    declare_topology,
    topology_for,
)
from events.types import EXCHANGE
from functions.routes import subscriptions
from tests.conftest import RabbitQueues

DELIVERY_LIMIT = 3  # as make_event_settings: every test of this run declares the same queues


def listing(vhost: str, what: str, *columns: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["rabbitmqctl", "-q", what, "-p", vhost, *columns, "--formatter", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def queue_arguments(vhost: str) -> dict[str, dict[str, Any]]:
    return {
        q["name"]: {name: value for name, _kind, value in q["arguments"]}
        for q in listing(vhost, "list_queues", "name", "arguments", "durable")
        if q["durable"]
    }


def bindings(vhost: str) -> set[tuple[str, str, str]]:
    return {
        (b["source_name"], b["destination_name"], b["routing_key"])
        for b in listing(vhost, "list_bindings", "source_name", "destination_name", "routing_key")
        if b["source_name"]
    }


async def test_every_subscriber_gets_a_quorum_queue_with_limit_and_dead_letter_exchange(
    amqp_url: str, rabbitmq_vhost: str
) -> None:
    await declare_topology(amqp_url, topology_for(DELIVERY_LIMIT))

    queues = queue_arguments(rabbitmq_vhost)
    assert set(subscriptions()), "the route table has event subscribers"
    for target in subscriptions():
        assert queues[f"taskflow.{target}"] == {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_EXCHANGE,
            "x-dead-letter-routing-key": target,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        assert queues[f"taskflow.{target}.dead"] == {"x-queue-type": "quorum"}


async def test_each_queue_is_bound_to_exactly_the_types_its_target_subscribes_to(
    amqp_url: str, rabbitmq_vhost: str
) -> None:
    await declare_topology(amqp_url, topology_for(DELIVERY_LIMIT))

    found = bindings(rabbitmq_vhost)
    for target, types in subscriptions().items():
        queue = f"taskflow.{target}"
        assert {key for source, dest, key in found if dest == queue} == set(types)
        assert all(source == EXCHANGE for source, dest, _ in found if dest == queue)
        assert (DEAD_EXCHANGE, f"{queue}.dead", target) in found


async def test_declaring_the_topology_again_changes_nothing(
    amqp_url: str, rabbitmq_vhost: str
) -> None:
    await declare_topology(amqp_url, topology_for(DELIVERY_LIMIT))
    before = (queue_arguments(rabbitmq_vhost), bindings(rabbitmq_vhost))

    await declare_topology(amqp_url, topology_for(DELIVERY_LIMIT))

    assert (queue_arguments(rabbitmq_vhost), bindings(rabbitmq_vhost)) == before


async def test_a_changed_delivery_limit_is_refused_with_a_clear_error(amqp_url: str) -> None:
    probe = {"topology_probe": ("com.taskflow.test.probe",)}
    await declare_topology(amqp_url, topology_for(2, probe))

    with pytest.raises(TopologyMismatch, match="x-delivery-limit"):
        await declare_topology(amqp_url, topology_for(5, probe))


async def test_a_message_returned_past_the_delivery_limit_moves_to_the_dead_queue(
    amqp_url: str, rabbit_queues: RabbitQueues
) -> None:
    limit = 2
    probe = {"limit_probe": ("com.taskflow.test.limit",)}
    await declare_topology(amqp_url, topology_for(limit, probe))
    deliveries = 0
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        channel.basic_publish(EXCHANGE, "com.taskflow.test.limit", b"{}")
        deadline = time.monotonic() + 10
        while rabbit_queues.ready("taskflow.limit_probe.dead") == 0:
            assert time.monotonic() < deadline, "the message was never dead-lettered"
            method, _properties, _body = channel.basic_get("taskflow.limit_probe")
            if method is not None:
                deliveries += 1
                channel.basic_reject(method.delivery_tag, requeue=True)

    (dead,) = rabbit_queues.take_all("taskflow.limit_probe.dead")
    assert dead.headers["x-death"][0]["reason"] == "delivery_limit"
    # RabbitMQ 3.10 counts returns: the first delivery and `limit` redeliveries.
    assert deliveries == limit + 1
