"""The query tables on both stores: persisted rate buckets, registrations that expire,
follow-ups and hits as the services keep them (migration 0007_queries)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from accord.adapters.store import Store, open_store
from accord.adapters.store.deconfliction import (
    OPERATION,
    TARGET,
    DeconflictionRepository,
    Registration,
)
from accord.adapters.store.queries import FollowUp, QueryRepository, StoreLimiter
from accord.adapters.store.query_tables import IN, OUT
from accord.domain.errors import InvalidValue
from accord.domain.ratelimit import BucketPolicy

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
LIMITS = {"phone": BucketPolicy(3)}


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def take(store: Store, cost: int, at: datetime) -> bool:
    with store.unit_of_work() as uow:
        return StoreLimiter(uow.session, LIMITS, now=at).take("mx-fgr", "phone", cost).allowed


def test_buckets_persist_across_units_of_work_and_refill(store: Store) -> None:
    assert take(store, 2, NOW) and not take(store, 2, NOW)  # 1 left
    assert take(store, 1, NOW) and not take(store, 1, NOW)
    assert take(store, 3, NOW + timedelta(days=1))  # a day refills the bucket
    with store.unit_of_work() as uow:
        limiter = StoreLimiter(uow.session, LIMITS, now=NOW)
        assert limiter.take("co-dijin", "phone", 3).allowed  # another partner's bucket
        with pytest.raises(InvalidValue, match="no rate limit for kind 'imo'"):
            limiter.take("co-dijin", "imo", 1)


def test_registrations_stop_being_active_when_they_expire(store: Store) -> None:
    def registration(reg_id: str, kind: str, expires: datetime) -> Registration:
        return Registration(reg_id, kind, "t", ("phone:+573001234567",) if kind == TARGET
                            else (), ("882a100d2bfffff",) if kind == OPERATION else (),
                            NOW if kind == OPERATION else None,
                            NOW + timedelta(hours=2) if kind == OPERATION else None,
                            expires, None, "ana", NOW)

    with store.unit_of_work() as uow:
        repo = DeconflictionRepository(uow.session)
        repo.add(registration("t1", TARGET, NOW + timedelta(days=1)))
        repo.add(registration("o1", OPERATION, NOW + timedelta(hours=2)))
    with store.unit_of_work() as uow:
        repo = DeconflictionRepository(uow.session)
        assert [r.id for r in repo.active(TARGET, NOW)] == ["t1"]
        [op] = repo.active(OPERATION, NOW)
        assert (op.cells, op.start, op.end) == (("882a100d2bfffff",), NOW,
                                                NOW + timedelta(hours=2))
        assert repo.active(OPERATION, NOW + timedelta(hours=2)) == []
        assert repo.expire("t1", by="ana", now=NOW + timedelta(hours=1))
        assert not repo.expire("t1", by="ana", now=NOW + timedelta(hours=1))
        assert repo.active(TARGET, NOW + timedelta(hours=1)) == []
        repo.add_conflict(registration_id="o1", partner="mx-fgr", kind=OPERATION,
                          contact="desk@mx", their_ref="hit-x", notice_id="n1",
                          found_by="co-dijin", now=NOW)
        assert repo.counts() == {"registrations": 2, "conflicts": 1}


def test_follow_ups_and_hits_round_trip(store: Store) -> None:
    with store.unit_of_work() as uow:
        repo = QueryRepository(uow.session)
        repo.log_query(query_id="q1", partner="mx-fgr", exchange="identifier", kind="phone",
                       purpose="interdiction", asked=2, hits=1, refused=None, actor="ana",
                       now=NOW)
        repo.add_hits([{"query_id": "q1", "partner": "mx-fgr", "kind": "phone",
                        "asked": "phone:+525512345678", "label": "H1",
                        "reference": "hit-abc", "contact": "desk@mx", "created": NOW}])
        repo.add_follow_up(FollowUp("f1", OUT, "mx-fgr", "hit-abc", "phone", "interdiction",
                                    "requested", "ana", "", (), (), NOW, NOW))
        repo.add_follow_up(FollowUp("f2", IN, "pe-dirandro", "hit-def", "phone", "p",
                                    "waiting", "partner/pe-dirandro", "", ("r1",), (7,), NOW,
                                    NOW))
    with store.unit_of_work() as uow:
        repo = QueryRepository(uow.session)
        found = repo.hit("hit-abc")
        assert found is not None and (found.label, found.created) == ("H1", NOW)
        repo.set_follow_up("f1", state="released", now=NOW, reports=["r9"])
        assert repo.follow_up("f1", direction=IN) is None
        assert repo.counts() == {"queries": 1, "asked": 2, "hits": 1}
    with store.unit_of_work(write=False) as uow:
        repo = QueryRepository(uow.session)
        mine = repo.follow_up("f1", direction=OUT)
        assert mine is not None and (mine.state, mine.reports) == ("released", ("r9",))
        assert [f.id for f in repo.follow_ups(direction=IN)] == ["f2"]
        assert repo.follow_ups(direction=IN)[0].approvals == (7,)
