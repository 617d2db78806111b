"""The in-process event bus: every subscriber gets every event it wants, from any thread;
a reconnecting reader gets what it missed; a slow reader loses the oldest, counted."""

from __future__ import annotations

import asyncio
import threading

from accord.adapters.bus import EventBus


def test_several_subscribers_each_get_what_they_want_from_another_thread() -> None:
    started: list[str] = []
    bus = EventBus(on_first=lambda: started.append("first"),
                   on_last=lambda: started.append("last"))

    async def main() -> None:
        every = bus.subscribe()
        alerts = bus.subscribe(kinds=["alert"])
        assert bus.subscribers == 2 and started == ["first"]
        publisher = threading.Thread(target=lambda: [
            bus.publish("arrival", {"report_id": "r1"}), bus.publish("alert", {"kind": "x"})])
        publisher.start()
        publisher.join()
        got = [await every.get(timeout=5), await every.get(timeout=5)]
        assert [(e.kind, e.id) for e in got if e] == [("arrival", 1), ("alert", 2)]
        alert = await alerts.get(timeout=5)
        assert alert is not None and alert.to_dict()["event"] == "alert"
        assert await alerts.get(timeout=0.01) is None  # it never wanted the arrival
        every.close()
        alerts.close()
        assert started == ["first", "last"] and bus.subscribers == 0

    asyncio.run(main())


def test_a_reconnecting_reader_gets_what_it_missed_and_a_slow_one_loses_the_oldest() -> None:
    bus = EventBus(history=3, queue_size=2)
    for n in range(5):
        bus.publish("arrival", {"n": n})

    async def main() -> None:
        with bus.subscribe(after=3) as late:
            event = await late.get(timeout=5)
            assert event is not None and (event.id, event.data["n"]) == (4, 3)
            event = await late.get(timeout=5)
            assert event is not None and event.id == 5
        with bus.subscribe() as slow:
            for n in range(3):
                bus.publish("arrival", {"n": n})
            await asyncio.sleep(0)  # let the loop run the queued deliveries
            ids = [e.id for e in [await slow.get(timeout=5), await slow.get(timeout=5)] if e]
            assert ids == [7, 8] and slow.missed == 1

    asyncio.run(main())
    assert [e.id for e in bus.recent(after=6)] == [7, 8]
