"""``GET /stream``: live arrivals, refusals and alerts as server-sent events.

Each event has an ``id`` (send it back as ``Last-Event-ID`` when reconnecting
to get what was missed, as far back as the node keeps), an ``event`` name
(``arrival``, ``refusal``, ``alert``) and JSON ``data`` with ids and short
facts, never report content (read that through ``/reports/{id}``, which the
ledger records). The first event, ``ready``, says the stream is live.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from sse_starlette import EventSourceResponse

from accord.domain.errors import InvalidValue
from accord.domain.users import User
from accord.entrypoints.api.deps import NodeDep, require
from accord.services.events import KINDS
from accord.services.users import Action

router = APIRouter(tags=["stream"])
Reader = Annotated[User, Depends(require(Action.READ))]
PING_SECONDS = 15


@router.get("/stream", summary="Live events: arrivals, refusals, alerts (server-sent events)",
            response_class=EventSourceResponse)
async def stream(node: NodeDep, _user: Reader,
                 kinds: Annotated[str | None, Query(
                     description="Comma-separated subset of arrival, refusal, alert.")] = None,
                 last_event_id: Annotated[int | None, Header(
                     alias="last-event-id", ge=0,
                     description="Resume after this event id.")] = None,
                 ) -> EventSourceResponse:
    wanted = _kinds(kinds)
    bus = node.bus

    async def events() -> AsyncIterator[dict[str, Any]]:
        # subscribed here, not before: a generator that never starts never unsubscribes
        subscription = bus.subscribe(kinds=wanted, after=last_event_id)
        try:
            yield {"event": "ready", "data": json.dumps(
                {"node": node.node_id, "last_id": bus.last_id,
                 "kinds": sorted(wanted) if wanted else list(KINDS)})}
            while True:
                event = await subscription.get(timeout=PING_SECONDS)
                if event is not None:
                    yield {"id": str(event.id), "event": event.kind,
                           "data": json.dumps(event.to_dict(), ensure_ascii=False)}
        finally:
            subscription.close()

    return EventSourceResponse(events(), ping=PING_SECONDS)


def _kinds(raw: str | None) -> frozenset[str] | None:
    if raw is None or not raw.strip():
        return None
    wanted = frozenset(k.strip() for k in raw.split(",") if k.strip())
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise InvalidValue(f"unknown kind(s) {', '.join(unknown)} (choose from "
                           f"{', '.join(KINDS)})", where="kinds")
    return wanted
