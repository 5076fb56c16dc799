"""What a subscriber's answer means, when a retry becomes a dead letter, how long to wait."""

from __future__ import annotations

import pytest

from events.transport.delivery import Verdict, backoff_seconds, decide, verdict_for_status

SAMPLES = 500  # the jitter is random: enough draws that a bound broken at all shows


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_a_2xx_answer_means_the_event_was_delivered(status: int) -> None:
    assert verdict_for_status(status) is Verdict.ACK


@pytest.mark.parametrize("status", [400, 401, 403, 405, 410, 413, 415, 422, 499])
def test_a_4xx_answer_the_event_cannot_cure_dead_letters_it_at_once(status: int) -> None:
    assert verdict_for_status(status) is Verdict.DEAD_LETTER


@pytest.mark.parametrize("status", [404, 409, 429])
def test_not_deployed_yet_a_conflict_and_slow_down_are_tried_again(status: int) -> None:
    assert verdict_for_status(status) is Verdict.RETRY


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_a_5xx_answer_is_tried_again(status: int) -> None:
    assert verdict_for_status(status) is Verdict.RETRY


@pytest.mark.parametrize("status", [100, 301, 302, 307, 600])
def test_an_unexpected_answer_is_tried_again_so_the_event_is_never_lost(status: int) -> None:
    assert verdict_for_status(status) is Verdict.RETRY


def test_a_retry_before_the_delivery_limit_stays_a_retry() -> None:
    assert decide(Verdict.RETRY, 1, 5) is Verdict.RETRY
    assert decide(Verdict.RETRY, 4, 5) is Verdict.RETRY


def test_a_retry_at_or_past_the_delivery_limit_is_dead_lettered() -> None:
    assert decide(Verdict.RETRY, 5, 5) is Verdict.DEAD_LETTER
    assert decide(Verdict.RETRY, 6, 5) is Verdict.DEAD_LETTER


def test_a_limit_of_one_dead_letters_the_first_failure() -> None:
    assert decide(Verdict.RETRY, 1, 1) is Verdict.DEAD_LETTER


@pytest.mark.parametrize("verdict", [Verdict.ACK, Verdict.DEAD_LETTER])
@pytest.mark.parametrize("delivery", [1, 5, 6])
def test_an_ack_or_a_dead_letter_stands_whatever_the_delivery_count(
    verdict: Verdict, delivery: int
) -> None:
    assert decide(verdict, delivery, 5) is verdict


def _waits(delivery: int, base: float = 1.0, cap: float = 60.0) -> list[float]:
    return [backoff_seconds(delivery, base, cap) for _ in range(SAMPLES)]


@pytest.mark.parametrize(("delivery", "ceiling"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)])
def test_each_wait_lies_between_half_its_ceiling_and_the_ceiling(
    delivery: int, ceiling: float
) -> None:
    waits = _waits(delivery)
    assert all(ceiling / 2 <= w <= ceiling for w in waits)


def test_the_ceiling_doubles_with_each_delivery_so_no_wait_is_shorter_than_one_before() -> None:
    # Equal jitter: delivery n waits within [c/2, c] and delivery n+1 within [c, 2c].
    for delivery in range(1, 6):
        assert max(_waits(delivery)) <= min(_waits(delivery + 1))


def test_the_waits_are_spread_so_returning_subscribers_are_not_hit_at_once() -> None:
    waits = _waits(3)
    assert max(waits) - min(waits) > 0.5  # of a possible 2 s spread
    assert len(set(waits)) > SAMPLES // 2


def test_the_wait_never_exceeds_the_cap_however_many_deliveries_failed() -> None:
    for delivery in (7, 10, 50, 1000, 5000):  # 2.0 ** 4999 would overflow a float
        waits = _waits(delivery, base=1.0, cap=30.0)
        assert all(15.0 <= w <= 30.0 for w in waits)


def test_a_first_delivery_count_of_zero_waits_as_the_first() -> None:
    assert all(0.5 <= w <= 1.0 for w in _waits(0))


def test_a_base_above_the_cap_is_held_to_the_cap() -> None:
    assert all(5.0 <= w <= 10.0 for w in _waits(1, base=60.0, cap=10.0))
