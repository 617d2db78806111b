"""Token buckets per partner and kind, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.domain.errors import InvalidValue
from accord.domain.ratelimit import (
    Bucket,
    BucketPolicy,
    RateLimited,
    RateLimiter,
    require,
    take,
)

T0 = datetime(2025, 3, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_bucket_allows_its_capacity_then_refuses_until_it_refills() -> None:
    clock = Clock()
    limiter = RateLimiter({"phone": BucketPolicy(100, timedelta(hours=1))}, clock)
    assert limiter.take("mx", "phone", 60).allowed
    assert limiter.take("mx", "phone", 40).allowed
    refused = limiter.take("mx", "phone", 10)
    assert not refused.allowed
    assert refused.retry_after == timedelta(minutes=6)
    assert refused.reason == "10 items asked, 0 left of 100 per hour"
    clock.now += timedelta(minutes=6)
    assert limiter.take("mx", "phone", 10).allowed


def test_buckets_are_per_partner_and_per_kind() -> None:
    limiter = RateLimiter({"phone": BucketPolicy(5), "imo": BucketPolicy(5)}, Clock())
    assert limiter.take("mx", "phone", 5).allowed
    assert not limiter.take("mx", "phone", 1).allowed
    assert limiter.take("pe", "phone", 5).allowed
    assert limiter.take("mx", "imo", 5).allowed


def test_a_request_larger_than_the_capacity_is_refused_with_advice() -> None:
    limiter = RateLimiter({"imo": BucketPolicy(200)}, Clock())
    with pytest.raises(RateLimited, match="partner mx: imo queries: a request of 201 items "
                                          "exceeds the limit of 200 per day; split it") as err:
        require(limiter, "mx", "imo", 201)
    assert err.value.status == 429
    assert err.value.to_dict()["code"] == "rate_limited"


def test_refusal_says_when_to_retry() -> None:
    limiter = RateLimiter({"phone": BucketPolicy(24)}, Clock())
    require(limiter, "mx", "phone", 24)
    with pytest.raises(RateLimited) as err:
        require(limiter, "mx", "phone", 2)
    assert err.value.to_dict()["retry_after_seconds"] == 7200


def test_unknown_kinds_and_naive_clocks_are_errors() -> None:
    with pytest.raises(InvalidValue, match="no rate limit for kind 'ssn'"):
        RateLimiter(clock=Clock()).take("mx", "ssn", 1)
    with pytest.raises(InvalidValue, match="timezone-aware"):
        take(BucketPolicy(5), None, 1, datetime(2025, 1, 1))
    with pytest.raises(InvalidValue, match="capacity must be at least 1"):
        BucketPolicy(0)


def test_a_clock_stepping_back_refills_nothing() -> None:
    policy = BucketPolicy(10, timedelta(hours=1))
    grant = take(policy, Bucket(0.0, T0), 1, T0 - timedelta(hours=5))
    assert not grant.allowed


@given(st.lists(st.tuples(st.integers(0, 3600), st.integers(0, 30)), max_size=40))
def test_never_more_than_capacity_plus_refill_over_any_run(steps: list[tuple[int, int]]) -> None:
    policy = BucketPolicy(50, timedelta(hours=1))
    bucket: Bucket | None = None
    now = T0
    spent = 0
    for seconds, cost in steps:
        now += timedelta(seconds=seconds)
        grant = take(policy, bucket, cost, now)
        bucket = grant.bucket
        spent += cost if grant.allowed else 0
    assert spent <= policy.capacity + policy.rate * (now - T0).total_seconds() + 1e-6
