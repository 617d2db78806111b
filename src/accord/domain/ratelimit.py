"""Rate limits for private queries: a token bucket per partner and query kind.

Private set intersection hides a node's list, but not the answer to a question:
a partner who may ask about any phone number can, given enough questions, walk a
small domain (a mobile range, every valid IMO number) and learn the list anyway.
The bucket bounds that. Its cost is the number of items in a request, which the
answering node counts from the request itself (never from what the asker says).

The arithmetic is pure: ``take(policy, bucket, cost, now)`` returns the new bucket
state and the grant, so a store can persist buckets in a transaction.
``RateLimiter`` keeps buckets in memory with an injectable clock (the embedded
twin and tests); a store-backed limiter offers the same ``take`` method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from accord.domain.errors import AccordError, InvalidValue

DAY = timedelta(days=1)


class RateLimited(AccordError):
    """The partner asked for more than its bucket holds; ``retry_after`` says when to retry."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, where: str | None = None,
                 retry_after: timedelta | None = None) -> None:
        super().__init__(message, where=where)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        if self.retry_after is not None:
            body["retry_after_seconds"] = int(self.retry_after.total_seconds() + 0.999)
        return body


@dataclass(frozen=True)
class BucketPolicy:
    """``capacity`` items at most in a burst, refilled at ``capacity`` per ``period``."""

    capacity: int
    period: timedelta = DAY

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise InvalidValue(f"capacity must be at least 1, not {self.capacity}",
                               where="rate limit")
        if self.period <= timedelta(0):
            raise InvalidValue(f"period must be positive, not {self.period}", where="rate limit")

    @property
    def rate(self) -> float:
        """Items refilled per second."""
        return self.capacity / self.period.total_seconds()


# Per partner and day. Chosen from the size of each domain, so that walking it
# would take years (IMO: ~10^6 valid numbers / 200 a day ≈ 14 years) while an
# investigation's batch still fits; an agreement may set its own.
DEFAULT_LIMITS: Mapping[str, BucketPolicy] = {
    "phone": BucketPolicy(1_000),
    "email": BucketPolicy(5_000),
    "passport": BucketPolicy(2_000),
    "imo": BucketPolicy(200),
    "mmsi": BucketPolicy(1_000),
    "iban": BucketPolicy(5_000),
    "crypto": BucketPolicy(5_000),
    "plate": BucketPolicy(2_000),
    "person": BucketPolicy(500),  # CLKs: each is one fuzzy name + date-of-birth probe
    "operation": BucketPolicy(100_000),  # (cell, time-bucket) tokens of operations
}


@dataclass(frozen=True)
class Bucket:
    """The persisted state of one bucket."""

    tokens: float
    updated: datetime


@dataclass(frozen=True)
class Grant:
    """The outcome of ``take``: ``bucket`` is the state to persist either way."""

    allowed: bool
    bucket: Bucket
    retry_after: timedelta | None = None
    reason: str = ""


def take(policy: BucketPolicy, bucket: Bucket | None, cost: int, now: datetime) -> Grant:
    """Try to spend ``cost`` items from ``bucket`` (None: a new, full bucket) at ``now``."""
    if now.tzinfo is None:
        raise InvalidValue("the clock must give timezone-aware datetimes", where="rate limit")
    if cost < 0:
        raise InvalidValue(f"cost must not be negative, not {cost}", where="rate limit")
    if bucket is None:
        level = float(policy.capacity)
    else:
        # A clock that steps back refills nothing rather than draining the bucket.
        elapsed = max(0.0, (now - bucket.updated).total_seconds())
        level = min(float(policy.capacity), bucket.tokens + elapsed * policy.rate)
    if cost > policy.capacity:
        return Grant(False, Bucket(level, now), None,
                     f"a request of {cost} items exceeds the limit of {policy.capacity} per "
                     f"{_human(policy.period)}; split it")
    if cost <= level:
        return Grant(True, Bucket(level - cost, now))
    wait = timedelta(seconds=(cost - level) / policy.rate)
    return Grant(False, Bucket(level, now), wait,
                 f"{cost} items asked, {int(level)} left of {policy.capacity} per "
                 f"{_human(policy.period)}")


class Limiter(Protocol):
    """What the query core needs from a rate limiter (in memory or in the store)."""

    def take(self, partner: str, kind: str, cost: int) -> Grant: ...


@dataclass
class RateLimiter:
    """Buckets in memory, keyed by (partner, kind); ``clock`` is injectable for tests."""

    limits: Mapping[str, BucketPolicy] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    buckets: dict[tuple[str, str], Bucket] = field(default_factory=dict)

    def take(self, partner: str, kind: str, cost: int) -> Grant:
        """Spend ``cost`` items of ``partner``'s ``kind`` bucket if it holds them."""
        policy = self.limits.get(kind)
        if policy is None:
            known = ", ".join(sorted(self.limits))
            raise InvalidValue(f"no rate limit for kind {kind!r} (known: {known})",
                               where="rate limit")
        grant = take(policy, self.buckets.get((partner, kind)), cost, self.clock())
        self.buckets[(partner, kind)] = grant.bucket
        return grant


def require(limiter: Limiter, partner: str, kind: str, cost: int) -> None:
    """Spend from the bucket or raise ``RateLimited`` naming the partner, kind and wait."""
    grant = limiter.take(partner, kind, cost)
    if not grant.allowed:
        raise RateLimited(grant.reason, where=f"partner {partner}: {kind} queries",
                          retry_after=grant.retry_after)


def _human(period: timedelta) -> str:
    if period == DAY:
        return "day"
    if period == timedelta(hours=1):
        return "hour"
    return f"{int(period.total_seconds())} s"
