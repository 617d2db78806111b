"""What travels in an envelope between nodes: releases, retractions and withdrawals.

A *release* carries one report's projection for one recipient (the report
fields the clause lets through and the statements, each with its provenance,
markings and grading). A *retraction* says a report that was released is
retracted; a *withdrawal* says the recipient may no longer hold it (the
sender's policy stopped allowing it). Both carry no content, so they follow a
release to every recipient without a new decision: they only ever restrict.

Every message names the agreement and clause it travels under, the purpose,
and ``seq``: the sender's sequence number for this recipient, by which the
recipient can tell the order of the sender's messages. A release answering a
follow-up request names it (``in_reply_to``): the recipient then checks it
against the requests it made and decides it as a response (``Action.RESPOND``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from accord.domain.errors import InvalidValue
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

MAX_ID = 200  # what the store keeps for a report id


class MessageKind(Enum):
    RELEASE = "release"
    RETRACTION = "retraction"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True)
class Message:
    """One message of a sender to one recipient (the body of an envelope)."""

    kind: MessageKind
    seq: int
    report_id: str
    version: int
    agreement_id: str | None = None
    clause_id: str | None = None
    purpose: str = ""
    content: ReportContent | None = None  # releases only
    reason: str = ""  # withdrawals: the sender's reason code
    in_reply_to: str = ""  # releases answering a follow-up request: its id

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.kind.value, "seq": self.seq, "report_id": self.report_id,
            "version": self.version, "agreement": self.agreement_id, "clause": self.clause_id,
            "purpose": self.purpose,
        }
        if self.content is not None:
            body["report"] = self.content.report.to_dict()
            body["statements"] = [statement_to_wire(s) for s in self.content.statements]
        if self.reason:
            body["reason"] = self.reason
        if self.in_reply_to:
            body["in_reply_to"] = self.in_reply_to
        return body

    @classmethod
    def from_body(cls, body: Mapping[str, Any], *, sender: str) -> Message:
        """Parse an envelope body; ``InvalidValue`` naming the field on anything odd."""
        where = "release"
        try:
            kind = MessageKind(body.get("type"))
        except ValueError:
            raise InvalidValue(f"unknown message type {body.get('type')!r}",
                               where=f"{where}.type") from None
        seq, version = body.get("seq"), body.get("version")
        for name, value in (("seq", seq), ("version", version)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidValue(f"{value!r} is not a positive whole number",
                                   where=f"{where}.{name}")
        report_id = body.get("report_id")
        if not isinstance(report_id, str) or not 0 < len(report_id) <= MAX_ID:
            raise InvalidValue(f"is required, at most {MAX_ID} characters",
                               where=f"{where}.report_id")
        agreement, clause = body.get("agreement"), body.get("clause")
        purpose, in_reply_to = body.get("purpose", ""), body.get("in_reply_to", "")
        for name, text in (("purpose", purpose), ("in_reply_to", in_reply_to)):
            if not isinstance(text, str):
                raise InvalidValue("must be a string", where=f"{where}.{name}")
        assert isinstance(seq, int) and isinstance(version, int)
        content = None
        if kind is MessageKind.RELEASE:
            if not isinstance(agreement, str) or not isinstance(clause, str):
                raise InvalidValue("a release names its agreement and clause", where=where)
            content = _content(body, sender, report_id, version, where)
        return cls(kind, seq, report_id, version,
                   agreement if isinstance(agreement, str) else None,
                   clause if isinstance(clause, str) else None, purpose, content,
                   str(body.get("reason", "")), in_reply_to)


def statement_to_wire(s: Statement) -> dict[str, Any]:
    out: dict[str, Any] = {"entity": s.entity_id, "schema": s.schema, "prop": s.prop,
                           "value": s.value, "origin": s.origin,
                           "markings": s.marking.to_dict()}
    if s.grading is not None:
        out["grading"] = s.grading.to_dict()
    if s.original_value is not None:
        out["original"] = s.original_value
    if s.first_seen is not None:
        out["first_seen"] = s.first_seen.isoformat()
    if s.last_seen is not None:
        out["last_seen"] = s.last_seen.isoformat()
    return out


_STATEMENT_FIELDS = {"entity", "schema", "prop", "value", "origin", "markings", "grading",
                     "original", "first_seen", "last_seen"}


def _content(body: Mapping[str, Any], sender: str, report_id: str, version: int,
             where: str) -> ReportContent:
    raw_report = body.get("report")
    if not isinstance(raw_report, Mapping):
        raise InvalidValue("must be a report object", where=f"{where}.report")
    report = Report.from_dict(raw_report, origin=sender, where=f"{where}.report")
    if report.id != report_id or report.version != version:
        raise InvalidValue(f"report {report.id} v{report.version} does not match the message "
                           f"({report_id} v{version})", where=f"{where}.report")
    raw_statements = body.get("statements")
    if not isinstance(raw_statements, list):
        raise InvalidValue("must be a list", where=f"{where}.statements")
    statements = []
    for i, raw in enumerate(raw_statements):
        w = f"{where}.statements[{i}]"
        if not isinstance(raw, Mapping) or set(raw) - _STATEMENT_FIELDS:
            raise InvalidValue(f"a statement is an object with {sorted(_STATEMENT_FIELDS)}",
                               where=w)
        texts = [raw.get(k) for k in ("entity", "schema", "prop", "value", "origin")]
        if not all(isinstance(t, str) and t for t in texts):
            raise InvalidValue("entity, schema, prop, value and origin are required strings",
                               where=w)
        original = raw.get("original")
        statements.append(Statement(
            entity_id=raw["entity"], schema=raw["schema"], prop=raw["prop"], value=raw["value"],
            report_id=report.id, origin=raw["origin"],
            marking=Marking.from_dict(raw.get("markings"), where=f"{w}.markings"),
            grading=Grading.from_dict(raw.get("grading"), where=f"{w}.grading"),
            original_value=original if isinstance(original, str) else None,
            first_seen=_time(raw.get("first_seen"), f"{w}.first_seen"),
            last_seen=_time(raw.get("last_seen"), f"{w}.last_seen"),
        ))
    return ReportContent(report, tuple(statements))


def _time(raw: Any, where: str) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidValue(f"{raw!r} is not an ISO 8601 time", where=where) from None
