"""The NATS JetStream bus against a real server: events cross between bus instances (as
between processes), numbered alike everywhere; a fact published twice is stored once; a
dropped connection heals without loss; every event type survives the wire; close is clean."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from accord.adapters.bus import LiveEvent, Subscription
from accord.adapters.bus_nats import NatsBus, NatsSettings
from accord.adapters.store.activity import arrivals_after, holds_after, refusals_after
from accord.domain.alerts import Alert
from accord.services.deconfliction import _alert as conflict_alert
from accord.services.events import _agreement, _held

from .conftest import MakeBus, Proxy

WAIT = 30.0


async def take(sub: Subscription, n: int) -> list[LiveEvent]:
    got = []
    for _ in range(n):
        event = await sub.get(timeout=WAIT)
        assert event is not None, f"only {len(got)} of {n} events arrived"
        got.append(event)
    return got


async def nothing_more(sub: Subscription, bus: NatsBus, sentinel: str) -> None:
    """Publish a sentinel and read up to it: anything before it that was not expected fails."""
    bus.publish("alert", {"kind": sentinel})
    [event] = await take(sub, 1)
    assert event.data == {"kind": sentinel}, f"unexpected event {event}"


def test_an_event_published_in_one_bus_reaches_the_readers_of_another(
        make_bus: MakeBus) -> None:
    here, there = make_bus(), make_bus()

    async def main() -> None:
        every, alerts = there.subscribe(), there.subscribe(kinds=["alert"])
        local = here.subscribe()
        publisher = threading.Thread(target=lambda: [
            here.publish("arrival", {"report_id": "r1"}), here.publish("alert", {"kind": "x"})])
        publisher.start()
        publisher.join()
        got = await take(every, 2)
        assert [(e.kind, dict(e.data)) for e in got] == [
            ("arrival", {"report_id": "r1"}), ("alert", {"kind": "x"})]
        assert [e.id for e in got] == [1, 2]  # the stream's numbers
        [alert] = await take(alerts, 1)
        assert alert.id == 2 and alert.to_dict()["event"] == "alert"
        assert [e.id for e in await take(local, 2)] == [1, 2]  # the same in every process
        for sub in (every, alerts, local):
            sub.close()

    asyncio.run(main())
    assert here.flush(WAIT) and here.pending == 0 and here.published == 2
    assert there.last_id == 2 and [e.id for e in there.recent(after=1)] == [2]


def test_the_same_event_published_twice_is_delivered_once(make_bus: MakeBus) -> None:
    one, other = make_bus(), make_bus()

    async def main() -> None:
        reader = other.subscribe()
        one.publish("arrival", {"message_id": "m1", "seq": 1})
        one.publish("arrival", {"message_id": "m1", "seq": 1})  # a retry
        other.publish("arrival", {"message_id": "m1", "seq": 1})  # another process's tail
        one.publish("alert", {"n": 1}, event_id="e-7")
        one.publish("alert", {"n": 2}, event_id="e-7")  # the id decides, not the content
        [arrival, alert] = await take(reader, 2)
        assert (arrival.kind, arrival.data["message_id"]) == ("arrival", "m1")
        assert (alert.kind, dict(alert.data)) == ("alert", {"n": 1})
        await nothing_more(reader, one, "sentinel")
        reader.close()

    asyncio.run(main())
    assert one.flush(WAIT) and other.flush(WAIT)
    assert one.duplicates + other.duplicates == 3


def test_a_reader_elsewhere_resumes_after_the_last_event_id_it_saw(make_bus: MakeBus) -> None:
    first = make_bus()
    for n in range(5):
        first.publish("arrival", {"n": n})
    assert first.flush(WAIT)
    later = make_bus(history=3)  # a process started later: the stream's last 3 events

    async def main() -> None:
        assert [e.data["n"] for e in later.recent()] == [2, 3, 4]
        resumed = later.subscribe(after=4)
        assert [(e.id, e.data["n"]) for e in await take(resumed, 1)] == [(5, 4)]
        first.publish("arrival", {"n": 5})
        assert [(e.id, e.data["n"]) for e in await take(resumed, 1)] == [(6, 5)]
        resumed.close()

    asyncio.run(main())


def test_a_dropped_connection_is_reestablished_without_loss(
        make_bus: MakeBus, proxy: Proxy) -> None:
    publisher = make_bus(url=proxy.url)
    reader_bus = make_bus(url=proxy.url, heartbeat_seconds=0.5)

    async def main() -> None:
        reader = reader_bus.subscribe()
        publisher.publish("arrival", {"n": 1})
        assert [e.data["n"] for e in await take(reader, 1)] == [1]
        assert publisher.flush(WAIT)
        proxy.cut()  # both buses lose their connection; new ones are refused
        await asyncio.sleep(0.2)
        publisher.publish("arrival", {"n": 2})  # queued while NATS is out of reach
        await asyncio.sleep(0.5)
        assert publisher.pending == 1
        proxy.restore()
        publisher.publish("arrival", {"n": 3})
        got = await take(reader, 2)
        assert [(e.id, e.data["n"]) for e in got] == [(2, 2), (3, 3)]
        await nothing_more(reader, publisher, "after")
        reader.close()

    asyncio.run(main())
    assert proxy.connections >= 4  # each bus connected again
    assert publisher.connected and reader_bus.connected


@pytest.mark.slow
def test_a_reader_outlives_an_outage_longer_than_its_consumer(
        make_bus: MakeBus, proxy: Proxy) -> None:
    """Cut off for longer than the server keeps an idle ephemeral consumer (5 s), the
    reader's follower is made again and resumes after the last event it delivered."""
    publisher = make_bus()  # direct: it keeps publishing during the reader's outage
    reader_bus = make_bus(url=proxy.url, heartbeat_seconds=0.5)

    async def main() -> None:
        reader = reader_bus.subscribe()
        publisher.publish("arrival", {"n": 1})
        assert [e.data["n"] for e in await take(reader, 1)] == [1]
        proxy.cut()
        publisher.publish("arrival", {"n": 2})
        await asyncio.sleep(7)
        proxy.restore()
        publisher.publish("arrival", {"n": 3})
        assert [(e.id, e.data["n"]) for e in await take(reader, 2)] == [(2, 2), (3, 3)]
        await nothing_more(reader, publisher, "after")
        reader.close()

    asyncio.run(main())


def test_close_delivers_what_was_published_and_drops_the_readers(
        make_bus: MakeBus, nats_url: str, bus_node: str) -> None:
    calls: list[str] = []
    bus = NatsBus(NatsSettings(nats_url, bus_node), on_first=lambda: calls.append("first"),
                  on_last=lambda: calls.append("last"))
    assert bus.wait_ready(WAIT)

    async def main() -> Subscription:
        sub = bus.subscribe()
        for n in range(50):
            bus.publish("arrival", {"n": n})
        return sub

    sub = asyncio.run(main())
    bus.close()
    assert bus.pending == 0 and bus.published == 50
    assert not bus._thread.is_alive() and not bus.connected
    assert calls == ["first", "last"] and bus.subscribers == 0
    sub.close()  # harmless once the bus is closed
    bus.close()  # and so is closing twice
    bus.publish("arrival", {"n": 99})  # dropped, with a warning, never raised
    assert [e.data["n"] for e in make_bus(history=100).recent()] == list(range(50))


def test_a_bus_that_never_reaches_nats_closes_promptly(bus_node: str) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    bus = NatsBus(NatsSettings(f"nats://127.0.0.1:{port}", bus_node,
                               close_timeout_seconds=1.0))
    assert not bus.wait_ready(0.5) and not bus.connected
    bus.publish("arrival", {"n": 1})
    bus.close()
    assert not bus._thread.is_alive() and bus.pending == 1


def every_event() -> list[tuple[str, dict[str, object]]]:
    """One of each event the node publishes, built by the code that builds them."""
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC).isoformat()
    arrival_keys = ("sender", "message_id", "seq", "message", "report_id", "version",
                    "agreement", "clause", "received", "ledger_index")
    arrival = dict(zip(arrival_keys, ("co-dijin", "m-1", 4, "release", "r1", 2, "agr-1", "c1",
                                      at, 17), strict=True))
    refusal = {"refused_at": at, "sender": None, "message_id": None, "authenticated": False,
               "reason": "envelope_malformed", "detail": "bad base64 «ñ»"}
    held = _held({"approval": 3, "partner": "mx-fgr", "report_id": "r1", "version": 1,
                  "agreement": "agr-1", "clause": "c1", "caused_by": "ana", "held_at": at})
    return [
        ("arrival", arrival),
        ("refusal", refusal),
        ("alert", held),
        ("alert", _agreement("agr-1", 2, "revoked", (1, "active"))),
        ("alert", _agreement("agr-2", 1, "active", None)),
        ("alert", conflict_alert("reg-1", "target", "mx-fgr", "desk@mx").to_dict()),
        ("alert", Alert("follow_up_requested", "mx asks", {"follow_up": "f1", "partner": "mx",
                                                          "held": 2}).to_dict()),
        ("alert", Alert("follow_up_released", "released", {"follow_up": "f1", "ratio": 0.5,
                                                          "final": True}).to_dict()),
    ]


def test_the_activity_readers_give_the_fields_the_samples_use() -> None:
    # the samples above mirror the store readers' rows; keep them honest
    import inspect

    for reader, key in ((arrivals_after, '"ledger_index"'), (refusals_after, '"detail"'),
                        (holds_after, '"held_at"')):
        assert key in inspect.getsource(reader)


def test_every_event_type_crosses_the_wire_unchanged(make_bus: MakeBus) -> None:
    events = every_event()
    sender, receiver = make_bus(), make_bus()
    at = datetime(2026, 3, 1, 12, 31, 5, 123456, tzinfo=UTC)

    async def main() -> list[LiveEvent]:
        reader = receiver.subscribe()
        for kind, data in events:
            sender.publish(kind, data, at=at)
        got = await take(reader, len(events))
        reader.close()
        return got

    got = asyncio.run(main())
    assert [(e.kind, dict(e.data), e.at) for e in got] == [(k, d, at) for k, d in events]


def test_a_message_that_is_not_a_version_1_event_is_skipped(
        make_bus: MakeBus, nats_url: str) -> None:
    bus = make_bus()

    async def inject() -> None:
        import nats

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        subject = bus.settings.subject("arrival")
        await js.publish(subject, b'{"v": 2, "id": "x", "kind": "arrival", "at": "", "data": {}}')
        await js.publish(subject, b"not json")
        await nc.close()

    async def main() -> None:
        reader = bus.subscribe()
        await inject()
        bus.publish("arrival", {"n": 1})
        [event] = await take(reader, 1)
        assert (event.id, dict(event.data)) == (3, {"n": 1})
        reader.close()

    asyncio.run(main())
    assert bus.undecodable == 2


def test_an_event_kind_must_be_one_subject_token(make_bus: MakeBus) -> None:
    bus = make_bus(wait=False)
    with pytest.raises(ValueError, match="one subject token"):
        bus.publish("a.b", {})
    with pytest.raises(TypeError, match="must be JSON"):
        bus.publish("alert", {"x": object()})
