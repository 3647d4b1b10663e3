"""The token-bucket rate limiter, on a clock the test controls."""

from __future__ import annotations

import pytest

from api.limits import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    rl = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [rl.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = rl.acquire("a")
    assert wait == pytest.approx(1.0)
    assert rl.acquire("b") == 0.0  # another client has its own bucket
    clock.now += 0.5
    assert rl.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert rl.acquire("a") == 0.0
    clock.now += 3600
    assert [rl.acquire("a") for _ in range(4)][-1] > 0  # refills to the burst, never beyond


def test_zero_rate_disables_the_limit() -> None:
    rl = RateLimiter(per_minute=0, burst=1)
    assert not rl.enabled and all(rl.acquire("a") == 0.0 for _ in range(100))


def test_idle_clients_are_forgotten_when_the_table_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    rl = RateLimiter(per_minute=60, burst=2, clock=clock)
    monkeypatch.setattr(RateLimiter, "MAX_CLIENTS", 3)
    for k in "abc":
        rl.acquire(k)
    clock.now += 10  # every bucket is full again
    rl.acquire("d")
    assert set(rl._buckets) == {"d"}


def test_retry_after_is_a_whole_number_of_seconds_at_least_one() -> None:
    assert retry_after_header(0.01) == "1" and retry_after_header(2.2) == "3"
