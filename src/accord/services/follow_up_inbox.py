"""The asker's inbox side of follow-up requests (called by ``accord.services.receive``).

A release that names a follow-up request (``in_reply_to``) is decided on
arrival as a response (``Action.RESPOND``), which hit-only and on-request
clauses allow, so it must answer a request this node really made: to that
sender, for that purpose. Anything else is refused (``not_requested``): a
partner cannot push material under a hit-only clause by calling it a response.
"""

from __future__ import annotations

from datetime import datetime

from accord.adapters.store import UnitOfWork
from accord.adapters.store.queries import QueryRepository
from accord.adapters.store.query_tables import OUT
from accord.domain.alerts import Alert

REQUESTED = "requested"
RELEASED = "released"


def response_problem(uow: UnitOfWork, *, sender: str, follow_up_id: str,
                     purpose: str) -> str | None:
    """None if ``follow_up_id`` is this node's request to ``sender`` for ``purpose``."""
    found = QueryRepository(uow.session).follow_up(follow_up_id, direction=OUT)
    if found is None or found.partner != sender:
        return f"this node made no follow-up request {follow_up_id!r} to {sender}"
    if found.purpose != purpose:
        return (f"follow-up {follow_up_id} asked for purpose {found.purpose!r}, the release "
                f"is for {purpose!r}")
    return None


def response_arrived(uow: UnitOfWork, *, sender: str, follow_up_id: str, report_id: str,
                     now: datetime) -> None:
    """Mark the request answered and tell whoever watches (an alert on the live stream)."""
    QueryRepository(uow.session).set_follow_up(follow_up_id, state=RELEASED, now=now,
                                               reports=[report_id])
    uow.events.append(Alert("follow_up_released",
                            f"{sender} released report {report_id} in answer to follow-up "
                            f"{follow_up_id}",
                            {"follow_up": follow_up_id, "partner": sender,
                             "report": report_id}))
