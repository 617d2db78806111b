"""The store's ``ResolutionRepository``: resolution state on SQL tables, in one transaction.

Bound to a unit of work's session; nothing here commits. Also reads the current
(non-retracted) statements of resolvable entities, grouped per entity, for the
resolution service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from accord.adapters.store import resolution_tables as t
from accord.adapters.store.models import ReportRow, ReportVersionRow, StatementRow
from accord.analytics.resolve.features import Mention
from accord.analytics.resolve.judgements import (
    Judgement,
    JudgementRecord,
    JudgementSet,
    Pair,
)

if TYPE_CHECKING:  # these load PyArrow and DuckDB: imported where first needed
    from accord.analytics.resolve.cluster import Cluster
    from accord.analytics.resolve.evidence import Link
    from accord.analytics.resolve.splink_model import FamilyModel

_CHUNK = 500  # ids per IN (...): well under every driver's parameter limit


def _chunks(items: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(items)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]


def _key(key: str) -> str:
    """Blocking keys longer than the column are stored as their digest (still exact)."""
    if len(key) <= t.KEY:
        return key
    return "#" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def link_evidence(link: Link) -> str:
    return orjson.dumps({"hard": list(link.hard), "levels": list(link.levels),
                         "weights": list(link.weights), "found_by": link.found_by}).decode()


def link_from_row(row: Any) -> Link:
    from accord.analytics.resolve.evidence import Link

    evidence = orjson.loads(row.evidence)
    return Link(left=row.left_id, right=row.right_id, family=row.family,
                weight=float(row.weight), probability=float(row.probability),
                hard=tuple(evidence["hard"]), levels=tuple(evidence["levels"]),
                weights=tuple(float(w) for w in evidence["weights"]),
                found_by=evidence["found_by"])


class SqlResolutionRepository:
    """``ResolutionRepository`` over the ``resolution_*`` tables of a unit of work."""

    def __init__(self, bind: Session | Connection) -> None:
        self._bind = bind

    @property
    def conn(self) -> Connection:
        return self._bind.connection() if isinstance(self._bind, Session) else self._bind

    # -- models ------------------------------------------------------------------------
    def model(self, family: str) -> FamilyModel | None:
        from accord.analytics.resolve.splink_model import FamilyModel

        body = self.conn.scalar(select(t.models.c.body).where(t.models.c.family == family))
        return FamilyModel.from_dict(orjson.loads(body)) if body else None

    def save_model(self, model: FamilyModel) -> None:
        self.conn.execute(delete(t.models).where(t.models.c.family == model.family))
        self.conn.execute(insert(t.models).values(
            family=model.family, body=orjson.dumps(model.to_dict()).decode(),
            records=model.records, trained_at=datetime.now(UTC)))

    def models(self) -> list[FamilyModel]:
        from accord.analytics.resolve.splink_model import FamilyModel

        return [FamilyModel.from_dict(orjson.loads(b))
                for b in self.conn.scalars(select(t.models.c.body).order_by(t.models.c.family))]

    # -- mentions ----------------------------------------------------------------------
    def fingerprints(self, family: str | None = None) -> dict[str, str]:
        stmt = select(t.mentions.c.entity_id, t.mentions.c.fingerprint)
        if family is not None:
            stmt = stmt.where(t.mentions.c.family == family)
        return {eid: fp for eid, fp in self.conn.execute(stmt)}

    def mentions(self, ids: Collection[str]) -> dict[str, Mention]:
        out: dict[str, Mention] = {}
        for chunk in _chunks(set(ids)):
            stmt = select(t.mentions.c.entity_id, t.mentions.c.body).where(
                t.mentions.c.entity_id.in_(chunk))
            for eid, body in self.conn.execute(stmt):
                out[eid] = Mention.from_dict(orjson.loads(body))
        return out

    def sharing(self, family: str, keys: Collection[str]) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks({_key(k) for k in keys}):
            stmt = select(t.keys.c.entity_id).where(t.keys.c.family == family,
                                                    t.keys.c.key.in_(chunk)).distinct()
            out.update(self.conn.scalars(stmt))
        return out

    def put_mentions(self, mentions: Sequence[Mention],
                     keys: Mapping[str, frozenset[str]]) -> None:
        self.drop_mentions([m.id for m in mentions])
        if not mentions:
            return
        self.conn.execute(insert(t.mentions), [
            {"entity_id": m.id, "family": m.family, "fingerprint": m.fingerprint,
             "body": orjson.dumps(m.to_dict()).decode(), "canonical_id": None}
            for m in mentions])
        rows = [{"family": m.family, "key": k, "entity_id": m.id} for m in mentions
                for k in sorted({_key(k) for k in keys.get(m.id, frozenset())})]
        for start in range(0, len(rows), 5000):
            self.conn.execute(insert(t.keys), rows[start:start + 5000])

    def drop_mentions(self, ids: Collection[str]) -> None:
        for chunk in _chunks(set(ids)):
            self.conn.execute(delete(t.keys).where(t.keys.c.entity_id.in_(chunk)))
            self.conn.execute(delete(t.links).where(t.links.c.left_id.in_(chunk)))
            self.conn.execute(delete(t.links).where(t.links.c.right_id.in_(chunk)))
            self.conn.execute(delete(t.mentions).where(t.mentions.c.entity_id.in_(chunk)))

    def clear(self, family: str) -> None:
        for table in (t.keys, t.links, t.mentions, t.clusters):
            self.conn.execute(delete(table).where(table.c.family == family))

    # -- links -------------------------------------------------------------------------
    def put_links(self, links: Sequence[Link]) -> None:
        rows = [{"left_id": lk.left, "right_id": lk.right, "family": lk.family,
                 "weight": lk.weight, "probability": lk.probability,
                 "evidence": link_evidence(lk)} for lk in links]
        for start in range(0, len(rows), 5000):
            self.conn.execute(insert(t.links), rows[start:start + 5000])

    def links_touching(self, ids: Collection[str]) -> list[Link]:
        found: dict[tuple[str, str], Link] = {}
        for chunk in _chunks(set(ids)):
            for column in (t.links.c.left_id, t.links.c.right_id):
                for row in self.conn.execute(select(t.links).where(column.in_(chunk))):
                    found[(row.left_id, row.right_id)] = link_from_row(row)
        return [found[p] for p in sorted(found)]

    def link(self, a: str, b: str) -> Link | None:
        pair = Pair.of(a, b)
        row = self.conn.execute(select(t.links).where(
            t.links.c.left_id == pair.left, t.links.c.right_id == pair.right)).first()
        return link_from_row(row) if row else None

    # -- clusters ----------------------------------------------------------------------
    def clusters_of(self, ids: Collection[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(set(ids)):
            stmt = select(t.mentions.c.entity_id, t.mentions.c.canonical_id).where(
                t.mentions.c.entity_id.in_(chunk), t.mentions.c.canonical_id.is_not(None))
            out.update({eid: cid for eid, cid in self.conn.execute(stmt)})
        return out

    def members(self, canonical_ids: Collection[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for chunk in _chunks(set(canonical_ids)):
            stmt = (select(t.mentions.c.canonical_id, t.mentions.c.entity_id)
                    .where(t.mentions.c.canonical_id.in_(chunk))
                    .order_by(t.mentions.c.entity_id))
            for cid, eid in self.conn.execute(stmt):
                out.setdefault(cid, []).append(eid)
        return out

    def replace_clusters(self, old: Collection[str], clusters: Sequence[Cluster]) -> None:
        for chunk in _chunks(set(old)):
            self.conn.execute(delete(t.clusters).where(t.clusters.c.canonical_id.in_(chunk)))
        if not clusters:
            return
        self.conn.execute(insert(t.clusters), [
            {"canonical_id": c.id, "family": c.family, "size": c.size,
             "confidence": c.confidence,
             "body": orjson.dumps({"links": [[lk.left, lk.right] for lk in c.links],
                                   "judged": [[p.left, p.right] for p in c.judged]}).decode()}
            for c in clusters])
        rows = [{"b_id": m, "b_cid": c.id} for c in clusters for m in c.members]
        stmt = (update(t.mentions).where(t.mentions.c.entity_id == bindparam("b_id"))
                .values(canonical_id=bindparam("b_cid")))
        for start in range(0, len(rows), 5000):
            self.conn.execute(stmt, rows[start:start + 5000])

    def cluster_rows(self, canonical_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """``{canonical id: {family, size, confidence, links, judged}}``."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(set(canonical_ids)):
            for row in self.conn.execute(select(t.clusters).where(
                    t.clusters.c.canonical_id.in_(chunk))):
                out[row.canonical_id] = {"family": row.family, "size": row.size,
                                         "confidence": row.confidence,
                                         **orjson.loads(row.body)}
        return out

    def list_clusters(self, *, family: str | None, min_size: int, limit: int,
                      offset: int) -> list[tuple[str, str, int, float]]:
        """``(canonical id, family, size, confidence)``, largest first."""
        c = t.clusters.c
        stmt = select(c.canonical_id, c.family, c.size, c.confidence).where(c.size >= min_size)
        if family is not None:
            stmt = stmt.where(c.family == family)
        stmt = stmt.order_by(c.size.desc(), c.canonical_id).limit(limit).offset(offset)
        return [(r[0], r[1], int(r[2]), float(r[3])) for r in self.conn.execute(stmt)]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per family: mentions, canonical entities, merged mentions (in clusters of 2+)."""
        out: dict[str, dict[str, int]] = {}
        c = t.clusters.c
        stmt = select(c.family, func.count(), func.sum(c.size),
                      func.sum(func.nullif(c.size, 1))).group_by(c.family)
        for family, n, members, merged in self.conn.execute(stmt):
            out[family] = {"mentions": int(members or 0), "canonical_entities": int(n),
                           "merged_mentions": int(merged or 0)}
        return out

    # -- judgements --------------------------------------------------------------------
    def judgements(self) -> JudgementSet:
        rows = self.conn.execute(select(t.judgements))
        return JudgementSet(JudgementRecord(
            pair=Pair(r.left_id, r.right_id), judgement=Judgement(r.judgement), actor=r.actor,
            at=_utc(r.at), reason=r.reason) for r in rows)

    def put_judgement(self, record: JudgementRecord) -> None:
        j = t.judgements.c
        self.conn.execute(delete(t.judgements).where(j.left_id == record.pair.left,
                                                     j.right_id == record.pair.right))
        self.conn.execute(insert(t.judgements).values(
            left_id=record.pair.left, right_id=record.pair.right,
            judgement=record.judgement.value, actor=record.actor, reason=record.reason,
            at=record.at))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def resolvable_statements(bind: Session | Connection, schemata: Collection[str],
                          entity_ids: Collection[str] | None = None
                          ) -> Iterator[tuple[str, set[str], dict[str, list[str]]]]:
    """``(entity id, its schemata, {prop: [values]})`` of current statements, per entity.

    Only statements of ``schemata`` and of reports not retracted; with
    ``entity_ids``, only those entities. An entity stated under several schemata
    (Organization, then Company) lists them all; the caller picks the most specific.
    """
    conn = bind.connection() if isinstance(bind, Session) else bind
    s = StatementRow.__table__.c
    base = (select(s.entity_id, s.schema, s.prop, s.value)
            .where(s.retracted.is_(False), s.schema.in_(sorted(schemata))))
    if entity_ids is None:
        batches: Iterator[Any] = iter([base.order_by(s.entity_id, s.prop, s.value)])
    else:
        batches = (base.where(s.entity_id.in_(chunk)).order_by(s.entity_id, s.prop, s.value)
                   for chunk in _chunks(set(entity_ids)))
    for stmt in batches:
        current: str | None = None
        kinds: set[str] = set()
        props: dict[str, list[str]] = {}
        for eid, schema, prop, value in conn.execute(stmt.execution_options(yield_per=5000)):
            if eid != current:
                if current is not None:
                    yield current, kinds, props
                current, kinds, props = eid, set(), {}
            kinds.add(schema)
            values = props.setdefault(prop, [])
            if value not in values:
                values.append(value)
        if current is not None:
            yield current, kinds, props


# -- what changed: cheap signals for the resolution worker and staged runs ---------------

_DIGEST_MOD = 2_147_483_647  # keeps sums of statement keys within 64 bits on every store


def statement_digests(bind: Session | Connection, schemata: Collection[str]
                      ) -> dict[str, int]:
    """``{entity id: digest}`` of the current statements of ``schemata``, per entity.

    The digest changes when an entity gains, loses (retraction, purge, update) or
    changes a statement: it is made from the count, the sum and the largest of its
    statements' keys (each a hash of the statement's id, which includes its value).
    """
    conn = bind.connection() if isinstance(bind, Session) else bind
    s = StatementRow.__table__.c
    stmt = (select(s.entity_id, func.count(), func.sum(s.pk % _DIGEST_MOD), func.max(s.pk))
            .where(s.retracted.is_(False), s.schema.in_(sorted(schemata)))
            .group_by(s.entity_id))
    return {eid: hash((int(n), int(total or 0), int(top or 0)))
            for eid, n, total, top in conn.execute(stmt.execution_options(yield_per=10_000))}


def store_signature(bind: Session | Connection) -> tuple[int, int, str]:
    """(report versions, reports, latest version recorded): changes whenever a report is
    added, updated, retracted, received or purged; cheap enough to poll."""
    conn = bind.connection() if isinstance(bind, Session) else bind
    versions, latest = conn.execute(select(func.count(), func.max(ReportVersionRow.recorded))
                                    ).one()
    reports = conn.scalar(select(func.count()).select_from(ReportRow))
    return int(versions or 0), int(reports or 0), str(latest)


def state_token(bind: Session | Connection) -> tuple[Any, ...]:
    """A summary of the resolution tables that changes when a run or a judgement writes."""
    conn = bind.connection() if isinstance(bind, Session) else bind
    out: list[Any] = [conn.scalar(select(func.count()).select_from(table))
                      for table in (t.mentions, t.links, t.clusters, t.judgements)]
    out.append(str(conn.scalar(select(func.max(t.judgements.c.at)))))
    out.append(str(conn.scalar(select(func.max(t.models.c.trained_at)))))
    return tuple(out)


def origins_of(bind: Session | Connection, entity_ids: Collection[str]
               ) -> dict[str, set[str]]:
    """``{entity id: the nodes its current statements come from}``."""
    conn = bind.connection() if isinstance(bind, Session) else bind
    s = StatementRow.__table__.c
    out: dict[str, set[str]] = {}
    for chunk in _chunks(set(entity_ids)):
        stmt = (select(s.entity_id, s.origin).where(s.entity_id.in_(chunk),
                                                    s.retracted.is_(False)).distinct())
        for eid, origin in conn.execute(stmt):
            out.setdefault(eid, set()).add(origin)
    return out
