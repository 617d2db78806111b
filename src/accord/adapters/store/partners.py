"""Partners (pinned keys, URL, delivery settings) and the agreements this node holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, bindparam, select, text, update
from sqlalchemy.orm import Session

from accord.adapters.partner_keys import PublicKeys
from accord.adapters.store.codec import dumps, from_store
from accord.adapters.store.federation_models import AgreementRow, PartnerRow
from accord.domain.agreement import Agreement, AgreementStatus, dump_agreement

ACTIVE = "active"
REMOVED = "removed"


@dataclass(frozen=True)
class Partner:
    """A partner node as pinned here."""

    node_id: str
    country: str
    url: str
    keys: PublicKeys
    fingerprint: str
    fingerprint_checked: bool
    push: bool
    pull: bool
    status: str
    out_seq: int
    feed_cursor: int
    failures: int
    retry_at: datetime | None
    last_error: str
    added: datetime
    updated: datetime

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id, "country": self.country, "url": self.url,
            "fingerprint": self.fingerprint, "fingerprint_checked": self.fingerprint_checked,
            "push": self.push, "pull": self.pull, "status": self.status,
            "keys": [{"kid": k.kid, "use": k.use, "status": k.status} for k in self.keys.keys],
            "revoked": sorted(self.keys.revoked), "sent_seq": self.out_seq,
            "feed_cursor": self.feed_cursor, "failures": self.failures,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "last_error": self.last_error, "added": self.added.isoformat(),
        }


# Parsing a node document imports its keys; the same text is parsed once per process.
_KEYS_CACHE: dict[str, PublicKeys] = {}


def _keys(text_: str) -> PublicKeys:
    found = _KEYS_CACHE.get(text_)
    if found is None:
        if len(_KEYS_CACHE) > 1000:
            _KEYS_CACHE.clear()
        found = _KEYS_CACHE[text_] = PublicKeys.from_jwks(orjson.loads(text_))
    return found


def _to_partner(row: Any) -> Partner:
    added, updated = from_store(row.added), from_store(row.updated)
    assert added is not None and updated is not None
    return Partner(row.node_id, row.country, row.url, _keys(row.keys), row.fingerprint,
                   row.fingerprint_checked, row.push, row.pull, row.status, row.out_seq,
                   row.feed_cursor, row.failures, from_store(row.retry_at), row.last_error,
                   added, updated)


class PartnerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, node_id: str) -> Partner | None:
        row = self.session.get(PartnerRow, node_id)
        return None if row is None else _to_partner(row)

    def list(self, *, include_removed: bool = False) -> list[Partner]:
        rows = self.session.execute(_LIST_ALL if include_removed else _LIST_ACTIVE)
        return [_to_partner(r) for r in rows]

    def pin(self, keys: PublicKeys, *, url: str, fingerprint_checked: bool, push: bool,
            pull: bool, now: datetime) -> Partner:
        """Add the partner, or re-pin an existing one (its counters are kept)."""
        document = dumps(keys.to_jwks())
        row = self.session.get(PartnerRow, keys.node_id)
        if row is None:
            row = PartnerRow(node_id=keys.node_id, out_seq=0, feed_cursor=0, failures=0,
                             retry_at=None, last_error="", added=now)
            self.session.add(row)
        row.country, row.url, row.keys = keys.country, url, document
        row.fingerprint, row.fingerprint_checked = keys.fingerprint, fingerprint_checked
        row.push, row.pull, row.status, row.updated = push, pull, ACTIVE, now
        self.session.flush()
        return _to_partner(row)

    def replace_keys(self, keys: PublicKeys, *, now: datetime) -> None:
        self.session.execute(update(PartnerRow).where(PartnerRow.node_id == keys.node_id)
                             .values(keys=dumps(keys.to_jwks()), fingerprint=keys.fingerprint,
                                     updated=now))

    def set_status(self, node_id: str, status: str, *, now: datetime) -> None:
        self.session.execute(update(PartnerRow).where(PartnerRow.node_id == node_id)
                             .values(status=status, updated=now))

    def next_seq(self, node_id: str) -> int:
        """Take the next message sequence number for ``node_id``."""
        return self.take_seqs(node_id, 1)

    def take_seqs(self, node_id: str, count: int) -> int:
        """Take ``count`` consecutive sequence numbers for ``node_id``; the first of them.

        The UPDATE locks the partner's row until commit, so messages to one
        partner get their numbers in commit order (on PostgreSQL too).
        """
        last = int(self.session.execute(
            text("UPDATE partners SET out_seq = out_seq + :k WHERE node_id = :n "
                 "RETURNING out_seq"), {"n": node_id, "k": count}).scalar_one())
        return last - count + 1

    def delivery_failed(self, node_id: str, *, retry_at: datetime, error: str) -> int:
        """Count a failed delivery; returns how many in a row have failed."""
        row = self.session.get(PartnerRow, node_id)
        if row is None:
            return 0
        row.failures += 1
        row.retry_at, row.last_error = retry_at, error[:2000]
        return row.failures

    def delivery_ok(self, node_id: str) -> None:
        self.session.execute(update(PartnerRow).where(
            PartnerRow.node_id == node_id, PartnerRow.failures != 0).values(
            failures=0, retry_at=None, last_error=""))

    def set_feed_cursor(self, node_id: str, cursor: int) -> None:
        self.session.execute(update(PartnerRow).where(PartnerRow.node_id == node_id)
                             .values(feed_cursor=cursor))

    def stamp(self) -> tuple[tuple[str, str, str], ...]:
        """(node id, status, last change) of every partner: changes when keys change."""
        return tuple((n, s, str(u)) for n, s, u in self.session.execute(_STAMP))

    def keys_of(self, node_id: str) -> PublicKeys | None:
        """The pinned keys of an active partner (None for unknown or removed ones)."""
        row = self.session.execute(_KEYS_OF, {"b_node": node_id}).first()
        if row is None or row.status != ACTIVE:
            return None
        return _keys(row.keys)


class AgreementRepository:
    """Agreements as signed documents; one row per agreement id (its latest version)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, agreement: Agreement) -> None:
        """Store ``agreement``, replacing what is held under its id."""
        row = self.session.get(AgreementRow, agreement.id)
        if row is None:
            row = AgreementRow(id=agreement.id)
            self.session.add(row)
        row.version, row.status = agreement.version, agreement.status.value
        row.document, row.updated = dump_agreement(agreement), datetime.now(UTC)
        self.session.flush()

    def get(self, agreement_id: str) -> Agreement | None:
        row = self.session.get(AgreementRow, agreement_id)
        return None if row is None else _agreement(row.document)

    def list(self, *, status: AgreementStatus | None = None) -> list[Agreement]:
        stmt = select(AgreementRow.document).order_by(AgreementRow.id)
        if status is not None:
            stmt = stmt.where(AgreementRow.status == status.value)
        return [_agreement(doc) for doc in self.session.scalars(stmt)]

    def fingerprint(self, *, status: AgreementStatus | None = None) -> tuple[tuple[str, int, str],
                                                                            ...]:
        """(id, version, updated) of each agreement: changes whenever one does."""
        if status is None:
            rows = self.session.execute(_FINGERPRINT)
        else:
            rows = self.session.execute(_FINGERPRINT_OF, {"b_status": status.value})
        return tuple((i, v, str(u)) for i, v, u in rows)


# Asked on every inbox batch and every policy look-up: built once, not per call.
_PARTNERS = cast(Table, PartnerRow.__table__)
_AGREEMENTS = cast(Table, AgreementRow.__table__)
_STAMP = select(_PARTNERS.c.node_id, _PARTNERS.c.status, _PARTNERS.c.updated).order_by(
    _PARTNERS.c.node_id)
_KEYS_OF = select(_PARTNERS.c["keys"], _PARTNERS.c.status).where(
    _PARTNERS.c.node_id == bindparam("b_node"))
_FINGERPRINT = select(_AGREEMENTS.c.id, _AGREEMENTS.c.version, _AGREEMENTS.c.updated).order_by(
    _AGREEMENTS.c.id)
_LIST_ALL = select(_PARTNERS).order_by(_PARTNERS.c.node_id)
_LIST_ACTIVE = _LIST_ALL.where(_PARTNERS.c.status == ACTIVE)
_FINGERPRINT_OF = _FINGERPRINT.where(_AGREEMENTS.c.status == bindparam("b_status"))

_AGREEMENT_CACHE: dict[str, Agreement] = {}


def _agreement(document: str) -> Agreement:
    found = _AGREEMENT_CACHE.get(document)
    if found is None:
        if len(_AGREEMENT_CACHE) > 1000:
            _AGREEMENT_CACHE.clear()
        found = _AGREEMENT_CACHE[document] = Agreement.from_dict(orjson.loads(document))
    return found
