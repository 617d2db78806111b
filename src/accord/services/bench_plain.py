"""The benchmark baseline: the same release bodies over plain, unauthenticated JSON.

Only mounted when ``federation.bench_plain_endpoint`` is set. The receiving
side stores each message exactly as the inbox stores a received release
(report, statements, search keys, retention hold; the reports of a batch read
once and the new ones written together; one transaction per batch) but with
no envelope, no signature, no policy check, no receipt and no ledger, so the
difference to the real inbox is the cost of security.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from accord.adapters.store import Store
from accord.domain.messages import Message
from accord.domain.registry import Registry
from accord.services.received import NewReports, ReportStates, keep_release

PLAIN_INBOX = "/federation/v1/plain/inbox"


def store_plain(store: Store, registry: Registry, messages: Sequence[dict[str, Any]], *,
                sender: str) -> list[float]:
    """Store the release bodies in one transaction (as the inbox stores a batch); the
    wall-clock time (epoch seconds) at which they committed, once per message."""
    with store.unit_of_work() as uow:
        parsed = [Message.from_body(body, sender=sender) for body in messages]
        new_reports = NewReports(uow, registry)
        states = ReportStates(uow, (m.report_id for m in parsed), new_reports)
        for message in parsed:
            assert message.content is not None
            held, _stored = states.of(message.report_id)
            states.changing(message.report_id)
            keep_release(uow, registry, message.content, sender=sender, held=held,
                         agreement_id=message.agreement_id, clause_id=message.clause_id,
                         retention_days=30, now=datetime.now(UTC), new_reports=new_reports)
        new_reports.flush()
    return [time.time()] * len(messages)


def send_plain(client: httpx.Client, url: str, messages: Sequence[dict[str, Any]], *,
               sender: str, batch: int) -> dict[str, list[float]]:
    """POST ``messages`` in batches to a partner's plain inbox; per message, when it left
    (``sent_at``), when the recipient committed it (``stored_at``, the recipient's clock)
    and when the sender had the parsed answer (``answered_at``, the sender's clock: where
    the secure path's latency ends, with the receipt recorded at the sender)."""
    sent: list[float] = []
    stored: list[float] = []
    answered: list[float] = []
    for start in range(0, len(messages), batch):
        chunk = list(messages[start:start + batch])
        began = time.time()
        response = client.post(url.rstrip("/") + PLAIN_INBOX,
                               json={"sender": sender, "messages": chunk})
        response.raise_for_status()
        at = response.json()["stored_at"]
        done = time.time()
        sent += [began] * len(chunk)
        stored += at
        answered += [done] * len(chunk)
    return {"sent_at": sent, "stored_at": stored, "answered_at": answered}
