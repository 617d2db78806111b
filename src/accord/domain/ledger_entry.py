"""A ledger entry: one security-relevant act, as the leaf the Merkle log hashes.

An entry says who (``actor``) did what (``action``) to which object
(``subject``, an id), with which partner, under which agreement, for which
purpose, and when. It carries ids and content *hashes* (``sha256:<hex>``),
never the content itself: the ledger is read by auditors and its leaves are
shown to partners in proofs, so a leaf must never leak what it records.

The leaf data is the canonical JSON of the entry *and its index* (keys
sorted, no spaces, UTF-8, no floats — for these values the same bytes as RFC
8785): ``encode_leaf`` / ``decode_leaf``. orjson writes it (it is ~10x faster
than the standard library and byte-identical to the standard library's ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``, which the tests check).
Carrying the index makes every leaf self-locating, so a moved, inserted or
deleted leaf is caught at the exact index, not only somewhere below a
checkpoint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import orjson

from accord.domain.errors import InvalidValue
from accord.domain.merkle import LEAF_PREFIX

LEAF_FORMAT = 1
MAX_TEXT = 500  # details are short facts (a clause id, a reason), never narratives
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Detail = str | int | bool | None | tuple[str, ...]


class Action(Enum):
    """Every act the ledger records. The value is the stable name stored in leaves."""

    REPORT_CREATED = "report.created"
    REPORT_UPDATED = "report.updated"
    REPORT_RETRACTED = "report.retracted"
    MATERIAL_READ = "material.read"  # a user read material received from a partner
    RELEASE_DECIDED = "release.decided"
    ENVELOPE_SENT = "envelope.sent"
    ENVELOPE_RECEIVED = "envelope.received"
    ENVELOPE_REFUSED = "envelope.refused"
    QUERY_ASKED = "query.asked"
    QUERY_ANSWERED = "query.answered"
    DECONFLICTION_REGISTERED = "deconfliction.registered"  # a target or operation registered
    DECONFLICTION_EXPIRED = "deconfliction.expired"  # a registration ended before its time
    APPROVAL_DECIDED = "approval.decided"
    JUDGEMENT_MADE = "judgement.made"
    AGREEMENT_DRAFTED = "agreement.drafted"
    AGREEMENT_PROPOSED = "agreement.proposed"
    AGREEMENT_SIGNED = "agreement.signed"
    AGREEMENT_REVOKED = "agreement.revoked"
    KEY_ROTATED = "key.rotated"
    KEY_REVOKED = "key.revoked"
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"
    USER_DISABLED = "user.disabled"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    PURGED = "retention.purged"
    CHECKPOINT_SIGNED = "checkpoint.signed"  # this node signed a checkpoint of its log
    CHECKPOINT_WITNESSED = "checkpoint.witnessed"  # a partner co-signed our checkpoint
    WITNESS_COSIGNED = "witness.cosigned"  # we co-signed a partner's checkpoint
    WITNESS_ALERT = "witness.alert"  # a partner's checkpoint contradicts one it signed before


class ReleaseOutcome(Enum):
    ALLOW = "allow"
    DENY = "deny"
    HIT_ONLY = "hit-only"


# What an auditor needs to make sense of these acts; checked on construction.
REQUIRED_DETAILS: Mapping[Action, tuple[str, ...]] = {
    Action.RELEASE_DECIDED: ("outcome", "clause", "reasons"),
    Action.ENVELOPE_REFUSED: ("reason",),
    Action.APPROVAL_DECIDED: ("approved",),
    Action.CHECKPOINT_SIGNED: ("size", "root"),
    Action.CHECKPOINT_WITNESSED: ("size", "root", "witness", "key_id"),
    Action.WITNESS_COSIGNED: ("origin", "size", "root"),
    Action.WITNESS_ALERT: ("origin", "reason"),
    Action.PURGED: ("count",),
}
_PARTNERED = {Action.ENVELOPE_SENT, Action.ENVELOPE_RECEIVED, Action.ENVELOPE_REFUSED,
              Action.RELEASE_DECIDED, Action.QUERY_ASKED, Action.QUERY_ANSWERED}
_OUTCOMES = frozenset(o.value for o in ReleaseOutcome)
_TEXT_FIELDS = ("actor", "subject", "agreement", "purpose", "partner")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LedgerEntry:
    """One act. ``hashes`` maps a name to ``sha256:<hex>``; ``details`` holds short facts.

    Raises ``InvalidValue`` naming the field when the entry is incomplete or
    carries something that looks like content (a long text, a non-hash).
    """

    action: Action
    actor: str
    subject: str = ""
    agreement: str | None = None
    purpose: str | None = None
    partner: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Detail] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        # Runs for every leaf that is written or verified: the checks are cheap ones
        # first, and messages are only formatted on failure.
        if not isinstance(self.action, Action):
            raise InvalidValue(f"unknown action {self.action!r}", where="ledger entry: action")
        if not self.actor:
            raise InvalidValue("who acted is missing", where=f"{self._where}: actor")
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is not None and (type(value) is not str or len(value) > MAX_TEXT):
                _check_text(value, f"{self._where}: {name}")
        if self.at.tzinfo is None:
            raise InvalidValue("time must be timezone-aware (UTC)", where=f"{self._where}: at")
        if self.at.tzinfo is not UTC:
            object.__setattr__(self, "at", self.at.astimezone(UTC))
        hashes = dict(self.hashes)
        for key, value in hashes.items():
            if not _KEY.match(key):
                _check_key(key, f"{self._where}: hashes")
            if not isinstance(value, str) or not _HASH.match(value):
                raise InvalidValue(f"{value!r} is not a content hash 'sha256:<64 hex>'",
                                   where=f"{self._where}: hashes.{key}")
        object.__setattr__(self, "hashes", hashes)
        if self.details or self.action in REQUIRED_DETAILS:
            self._check_details()
        if self.action in _PARTNERED and not self.partner:
            raise InvalidValue(f"{self.action.value} needs the partner node",
                               where=f"{self._where}: partner")

    @property
    def _where(self) -> str:
        return f"ledger entry {self.action.value}"

    def _check_details(self) -> None:
        where = self._where
        details = {k: _detail(v, f"{where}: details.{k}") for k, v in self.details.items()}
        for key in details:
            _check_key(key, f"{where}: details")
        object.__setattr__(self, "details", details)
        missing = [k for k in REQUIRED_DETAILS.get(self.action, ()) if k not in details]
        if missing:
            raise InvalidValue(f"{self.action.value} needs details {', '.join(missing)}",
                               where=f"{where}: details")
        if self.action is Action.RELEASE_DECIDED and details["outcome"] not in _OUTCOMES:
            raise InvalidValue(f"outcome must be one of {sorted(_OUTCOMES)}",
                               where=f"{where}: details.outcome")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (without the index); optional fields appear only when set."""
        out = self._body()
        if self.hashes:
            out["hashes"] = dict(self.hashes)
        if self.details:
            out["details"] = {k: list(v) if isinstance(v, tuple) else v
                              for k, v in self.details.items()}
        return out

    def _body(self) -> dict[str, Any]:
        # Shares ``hashes`` and ``details`` (orjson writes tuples as arrays): for encoding.
        out: dict[str, Any] = {"v": LEAF_FORMAT, "action": self.action.value,
                               "actor": self.actor, "at": format_time(self.at)}
        if self.subject:
            out["subject"] = self.subject
        if self.agreement:
            out["agreement"] = self.agreement
        if self.purpose:
            out["purpose"] = self.purpose
        if self.partner:
            out["partner"] = self.partner
        if self.hashes:
            out["hashes"] = self.hashes
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, where: str = "ledger entry") -> LedgerEntry:
        if raw.get("v") != LEAF_FORMAT:
            raise InvalidValue(f"unknown leaf format {raw.get('v')!r}", where=f"{where}: v")
        try:
            action = Action(raw["action"])
            at = parse_time(raw["at"], where=f"{where}: at")
            return cls(action=action, actor=raw["actor"], subject=raw.get("subject", ""),
                       agreement=raw.get("agreement"), purpose=raw.get("purpose"),
                       partner=raw.get("partner"), hashes=raw.get("hashes", {}),
                       details=raw.get("details", {}), at=at)
        except KeyError as exc:
            raise InvalidValue(f"missing field {exc.args[0]}", where=where) from None
        except ValueError as exc:
            if isinstance(exc, InvalidValue):
                raise
            raise InvalidValue(str(exc), where=f"{where}: action") from None


def encode_leaf(entry: LedgerEntry, index: int) -> bytes:
    """The leaf data: canonical JSON of ``entry`` with its ``index``."""
    return encode_leaves((entry,), index)[0]


def encode_leaf_at(entry: LedgerEntry, index: int) -> tuple[bytes, str]:
    """The leaf data and its time text."""
    return encode_leaves((entry,), index)[0], _time_text(entry.at)


def encode_leaves(entries: Iterable[LedgerEntry], first: int,
                  leaf_hashes: list[bytes] | None = None) -> list[bytes]:
    """The leaf data of ``entries`` at indices ``first, first + 1, ...``; with
    ``leaf_hashes``, their RFC 9162 leaf hashes are appended to it in the same pass
    (each leaf is hashed while its bytes are still in the CPU's cache).

    The hot path of every append, so it is one plain loop: each body is built
    with its keys already in sorted order (``action`` < ``actor`` <
    ``agreement`` < ``at`` < ``details`` < ``hashes`` < ``index`` < ``partner`` <
    ``purpose`` < ``subject`` < ``v``), so orjson writes it as it comes instead
    of sorting every leaf; the small nested maps are sorted only when they have
    more than one key. The time is handed to orjson as the ``datetime`` itself
    (with ``OPT_UTC_Z`` it writes ``2026-03-04T10:00:00.123456Z``, the text
    ``format_time`` gives, twice as fast as formatting it here), except for a
    whole second, which orjson would write without the ``.000000`` that keeps
    the text fixed-width. The tests check the bytes against the standard
    library's sorted form.
    """
    dumps, time_text, option = orjson.dumps, _time_text, orjson.OPT_UTC_Z
    sha, prefix = hashlib.sha256, LEAF_PREFIX
    out: list[bytes] = []
    append = out.append
    keep = None if leaf_hashes is None else leaf_hashes.append
    index = first
    for entry in entries:
        body: dict[str, Any] = {"action": entry.action._value_, "actor": entry.actor}
        if entry.agreement:
            body["agreement"] = entry.agreement
        at = entry.at
        body["at"] = at if at.microsecond and type(at) is datetime else time_text(at)
        details = entry.details
        if details:
            body["details"] = details if len(details) == 1 else dict(sorted(details.items()))
        hashes = entry.hashes
        if hashes:
            body["hashes"] = hashes if len(hashes) == 1 else dict(sorted(hashes.items()))
        body["index"] = index
        if entry.partner:
            body["partner"] = entry.partner
        if entry.purpose:
            body["purpose"] = entry.purpose
        if entry.subject:
            body["subject"] = entry.subject
        body["v"] = LEAF_FORMAT
        try:
            data = dumps(body, None, option)
        except TypeError as exc:  # a lone surrogate, an integer beyond 64 bits
            raise InvalidValue(f"cannot be stored canonically: {exc}",
                               where=f"ledger entry {entry.action.value}") from None
        append(data)
        if keep is not None:
            keep(sha(prefix + data).digest())
        index += 1
    return out


def decode_leaf(data: bytes, *, where: str = "leaf") -> tuple[int, LedgerEntry]:
    """``(index, entry)`` from leaf data; ``InvalidValue`` if it is not a canonical leaf."""
    try:
        raw = orjson.loads(data)  # floats parse, then fail validation or canonical form
    except orjson.JSONDecodeError as exc:
        raise InvalidValue(f"not a JSON leaf: {exc}", where=where) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("index"), int):
        raise InvalidValue("leaf has no index", where=where)
    index = raw.pop("index")
    entry = LedgerEntry.from_dict(raw, where=where)
    if encode_leaf(entry, index) != data:
        raise InvalidValue("leaf is not in canonical form", where=where)
    return index, entry


def format_time(at: datetime) -> str:
    """UTC, microseconds, ``Z``: one spelling per instant, so leaves are canonical."""
    return _time_text(at if at.tzinfo is UTC else at.astimezone(UTC))


def _time_text(at: datetime) -> str:
    # ``at`` is in UTC (entries convert on construction). isoformat leaves out a zero
    # fraction, so that case is padded rather than paying for timespec on every leaf.
    text = at.isoformat()
    return text[:-6] + "Z" if at.microsecond else text[:-6] + ".000000Z"


def parse_time(text: object, *, where: str) -> datetime:
    try:
        if not isinstance(text, str) or len(text) != 27 or text[-1] != "Z":
            raise ValueError(text)
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a UTC time like 2026-01-31T12:00:00.000000Z",
                           where=where) from None


def _check_key(key: object, where: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidValue(f"{key!r} is not a lower_snake_case name", where=where)


def _check_text(value: object, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, got {type(value).__name__}", where=where)
    if len(value) > MAX_TEXT:
        raise InvalidValue(f"longer than {MAX_TEXT} characters: ledger entries carry ids "
                           "and hashes, never content", where=where)


def _detail(value: object, where: str) -> Detail:
    if isinstance(value, list | tuple):
        for item in value:
            _check_text(item, where)
            if item is None:
                raise InvalidValue("list items must be text", where=where)
        return tuple(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        _check_text(value, where)
        return value
    raise InvalidValue(f"{type(value).__name__} is not allowed (text, integer, boolean, "
                       "list of text)", where=where)
