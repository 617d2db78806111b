"""The inbox batch's first look-up: one query says which message ids the inbox, the
authenticated refusals and the replay cache know; the replay cache then reads only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.adapters.store import Store
from accord.adapters.store.inbox import INBOX, REFUSAL, REPLAY, BatchReplayCache

NOW = datetime.now(UTC)


def test_seen_names_what_each_table_holds(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.inbox.add(sender="co", message_id="m-in", seq=1, kind="release", report_id="r1",
                      report_version=1, agreement_id=None, clause_id=None, received=NOW,
                      ledger_index=None, receipt="x")
        uow.inbox.refuse(at=NOW, sender="co", message_id="m-ref", authenticated=True,
                         reason="not_allowed", detail="", receipt=None)
        uow.inbox.refuse(at=NOW, sender="co", message_id="m-anon", authenticated=False,
                         reason="envelope_bad_signature", detail="", receipt=None)
        uow.replay_cache.remember("co", "m-in", now=NOW, expires_at=NOW + timedelta(hours=1))
        uow.replay_cache.remember("mx", "m-new", now=NOW, expires_at=NOW + timedelta(hours=1))
    keys = [("co", m) for m in ("m-in", "m-ref", "m-anon", "m-new", "m-none")] + [
        ("mx", "m-new"), ("mx", "m-in")]
    with store.unit_of_work(write=False) as uow:
        seen = uow.inbox.seen(keys)
        assert seen == {INBOX: {("co", "m-in")}, REFUSAL: {("co", "m-ref")},
                        REPLAY: {("co", "m-in"), ("mx", "m-new")}}
        assert uow.inbox.seen([]) == {INBOX: set(), REFUSAL: set(), REPLAY: set()}


def test_a_batch_replay_cache_told_what_is_stored_still_refuses_replays(store: Store) -> None:
    later = NOW + timedelta(hours=1)
    with store.unit_of_work() as uow:
        uow.replay_cache.remember("co", "m-1", now=NOW, expires_at=later)
    keys = [("co", "m-1"), ("co", "m-2")]
    with store.unit_of_work() as uow:
        cache = BatchReplayCache(uow.session, keys, stored=uow.inbox.seen(keys)[REPLAY])
        assert not cache.remember("co", "m-1", now=NOW, expires_at=later)  # a replay
        assert cache.remember("co", "m-2", now=NOW, expires_at=later)
        assert not cache.remember("co", "m-2", now=NOW, expires_at=later)
        assert cache.flush()
    with store.unit_of_work(write=False) as uow:
        assert uow.inbox.seen(keys)[REPLAY] == set(keys)



def test_a_hold_needs_its_report(store: Store) -> None:
    """``ReportStates`` reads holds only for stored reports: a hold without one is refused."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from accord.adapters.store.inbox import HeldReport

    with pytest.raises(IntegrityError), store.unit_of_work() as uow:
        uow.inbox.hold_many([HeldReport("r-none", "co", None, None, 1, NOW, NOW)])
