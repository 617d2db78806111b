"""Sharing agreements: who may send what to whom, signed by every party.

An agreement is data: parties (node ids), a validity window and clauses (see
``accord.domain.clause``). Its lifecycle is a small state machine::

    draft --propose--> proposed --sign (each party)--> signed --activate--> active
      ^                   |                                                  |
      +-----revise--------+                                     expire / revoke
    (any live state may be revoked; expired and revoked are final)

Every party signs the same bytes, ``signing_payload()`` (canonical JSON of the
agreement's content, without status or signatures), with a detached JWS. This
module stays pure: it only stores signatures and asks a ``PartyKeys`` object
(implemented by ``accord.adapters.partner_keys.PublicKeys``) whether one holds.

``check_active`` is the full test (status, validity, revocation, and every
signature verified against that party's pinned key). ``usable_at`` is the
structural part without cryptography, which the policy engine applies on every
decision; callers feed the engine only agreements that passed ``check_active``
when loaded (``active_agreements`` does that).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import Enum
from types import MappingProxyType
from typing import Any, Protocol

import yaml

from accord.domain.canonical import canonical_json
from accord.domain.clause import Clause
from accord.domain.errors import Conflict, InvalidValue


class AgreementStatus(Enum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    SIGNED = "signed"  # every party signed; not yet activated
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


_LIVE = frozenset({AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.SIGNED,
                   AgreementStatus.ACTIVE})


class IllegalTransition(Conflict):
    """A lifecycle step that the agreement's state does not allow."""

    code = "illegal_transition"


@dataclass(frozen=True)
class Reason:
    """Why something was refused: a stable ``code`` for counting, ``text`` for people."""

    code: str
    text: str

    def __str__(self) -> str:
        return self.text


class PartyKeys(Protocol):
    """A party's pinned public keys, as far as agreements need them."""

    def verify_detached(self, payload: bytes, signature: str, *, at: datetime) -> str | None:
        """None if ``signature`` is this party's valid detached signature over
        ``payload`` (by a key that was neither revoked nor retired when it
        signed, and signed no later than ``at``); otherwise the reason."""
        ...


KeysOf = Callable[[str], PartyKeys]


@dataclass(frozen=True)
class Revocation:
    party: str
    at: datetime
    reason: str
    signature: str = ""  # the revoking party's detached JWS over ``Agreement.revocation_payload``


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Agreement:
    """A sharing agreement. Immutable: every lifecycle step returns a new one."""

    id: str
    title: str
    parties: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    clauses: tuple[Clause, ...]
    version: int = 1
    status: AgreementStatus = AgreementStatus.DRAFT
    signatures: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    revocation: Revocation | None = None
    external_reference: str = ""

    def __post_init__(self) -> None:
        w = f"agreement {self.id!r}"
        if not self.id or not self.title:
            raise InvalidValue("an agreement needs an id and a title", where=w)
        object.__setattr__(self, "parties", tuple(self.parties))
        # clause order carries no meaning; sorted, equal agreements compare equal
        object.__setattr__(self, "clauses", tuple(sorted(self.clauses, key=lambda c: c.id)))
        object.__setattr__(self, "valid_from", _utc(self.valid_from))
        object.__setattr__(self, "valid_until", _utc(self.valid_until))
        object.__setattr__(self, "signatures", MappingProxyType(dict(self.signatures)))
        if len(set(self.parties)) != len(self.parties) or len(self.parties) < 2:
            raise InvalidValue("needs at least two distinct parties", where=f"{w}.parties")
        if self.valid_until <= self.valid_from:
            raise InvalidValue("valid_until must be after valid_from", where=f"{w}.valid_until")
        if not self.clauses:
            raise InvalidValue("needs at least one clause", where=f"{w}.clauses")
        ids = [c.id for c in self.clauses]
        if len(set(ids)) != len(ids):
            raise InvalidValue("clause ids must be unique", where=f"{w}.clauses")
        parties = set(self.parties)
        for c in self.clauses:
            for names in (c.senders, c.recipients):
                if names is not None and not names <= parties:
                    raise InvalidValue(f"names {', '.join(sorted(names - parties))}, not a party",
                                       where=f"{w}.clauses[{c.id}]")
        stray = sorted(set(self.signatures) - parties)
        if stray:
            raise InvalidValue(f"signature(s) by non-parties {', '.join(stray)}",
                               where=f"{w}.signatures")
        if self.version < 1:
            raise InvalidValue("must be at least 1", where=f"{w}.version")

    # -- the signed form -------------------------------------------------

    def content_dict(self) -> dict[str, Any]:
        """Everything the parties sign: the agreement without status or signatures."""
        return {
            "kind": "accord-agreement",
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "parties": sorted(self.parties),
            "valid_from": _iso(self.valid_from),
            "valid_until": _iso(self.valid_until),
            "external_reference": self.external_reference,
            "clauses": [c.to_dict() for c in self.clauses],
        }

    def signing_payload(self) -> bytes:
        """The canonical bytes every party's detached JWS covers."""
        return canonical_json(self.content_dict())

    def revocation_payload(self, party: str, at: datetime, reason: str) -> bytes:
        """The canonical bytes a revoking party signs."""
        return canonical_json({
            "kind": "accord-agreement-revocation", "id": self.id, "version": self.version,
            "revoked_by": party, "revoked_at": _iso(at), "reason": reason,
        })

    def to_dict(self) -> dict[str, Any]:
        out = self.content_dict()
        del out["kind"]
        out["parties"] = list(self.parties)  # as written; only the signed form sorts them
        out["status"] = self.status.value
        out["signatures"] = dict(sorted(self.signatures.items()))
        if self.revocation:
            r = self.revocation
            out["revocation"] = {"party": r.party, "at": _iso(r.at), "reason": r.reason,
                                 "signature": r.signature}
        return out

    # -- lifecycle --------------------------------------------------------

    def propose(self) -> Agreement:
        """draft -> proposed: the content is frozen and ready to sign."""
        self._require({AgreementStatus.DRAFT}, "propose")
        return replace(self, status=AgreementStatus.PROPOSED)

    def revise(self, **changes: Any) -> Agreement:
        """A new draft version with ``changes``; every signature is dropped."""
        self._require(_LIVE, "revise")
        if {"status", "signatures", "revocation", "version"} & set(changes):
            raise IllegalTransition("revise changes content only", where=self._where)
        return replace(self, version=self.version + 1, status=AgreementStatus.DRAFT,
                       signatures={}, revocation=None, **changes)

    def sign(self, party: str, signature: str) -> Agreement:
        """Record ``party``'s detached signature; signed once every party has signed.

        The signature is checked cryptographically by ``activate``/``check_active``.
        """
        self._require({AgreementStatus.PROPOSED}, "sign")
        if party not in self.parties:
            raise IllegalTransition(f"{party!r} is not a party and cannot sign",
                                    where=self._where)
        if party in self.signatures:
            raise IllegalTransition(f"{party!r} has already signed", where=self._where)
        if not isinstance(signature, str) or signature.count(".") != 2:
            raise InvalidValue("is not a detached compact JWS", where=f"{self._where}.signature")
        signatures = {**self.signatures, party: signature}
        status = (AgreementStatus.SIGNED if set(signatures) == set(self.parties)
                  else AgreementStatus.PROPOSED)
        return replace(self, signatures=signatures, status=status)

    def activate(self, at: datetime, keys_of: KeysOf) -> Agreement:
        """signed -> active, if every signature verifies and ``at`` is within validity."""
        self._require({AgreementStatus.SIGNED}, "activate")
        problem = self._check(at, keys_of)
        if problem:
            raise IllegalTransition(f"cannot activate: {problem.text}", where=self._where)
        return replace(self, status=AgreementStatus.ACTIVE)

    def expire(self, at: datetime) -> Agreement:
        """Any live state -> expired, once ``at`` has reached ``valid_until``."""
        self._require(_LIVE, "expire")
        if _utc(at) < self.valid_until:
            raise IllegalTransition(f"valid until {_iso(self.valid_until)}, not yet expired",
                                    where=self._where)
        return replace(self, status=AgreementStatus.EXPIRED)

    def revoke(self, party: str, at: datetime, reason: str, signature: str = "") -> Agreement:
        """Any live state -> revoked by one party (unilateral; it only ever restricts)."""
        self._require(_LIVE, "revoke")
        if party not in self.parties:
            raise IllegalTransition(f"{party!r} is not a party and cannot revoke",
                                    where=self._where)
        return replace(self, status=AgreementStatus.REVOKED,
                       revocation=Revocation(party, _utc(at), reason, signature))

    def _require(self, allowed: Iterable[AgreementStatus], step: str) -> None:
        if self.status not in allowed:
            names = ", ".join(sorted(s.value for s in allowed))
            raise IllegalTransition(f"cannot {step} an agreement that is {self.status.value} "
                                    f"(only when {names})", where=self._where)

    @property
    def _where(self) -> str:
        return f"agreement {self.id!r} v{self.version}"

    # -- is it in force? ---------------------------------------------------

    def usable_at(self, at: datetime) -> Reason | None:
        """Structural test (no cryptography): None when active, in validity and signed
        by every party; otherwise why not."""
        if self.status is AgreementStatus.REVOKED or self.revocation is not None:
            who = self.revocation.party if self.revocation else "a party"
            return Reason("agreement_revoked", f"agreement {self.id} was revoked by {who}")
        if self.status is not AgreementStatus.ACTIVE:
            return Reason("agreement_not_active",
                          f"agreement {self.id} is {self.status.value}, not active")
        return self._window_and_signers(at)

    def _window_and_signers(self, at: datetime) -> Reason | None:
        at = _utc(at)
        if at < self.valid_from:
            return Reason("agreement_not_yet_valid",
                          f"agreement {self.id} is valid from {_iso(self.valid_from)}")
        if at >= self.valid_until:
            return Reason("agreement_expired",
                          f"agreement {self.id} expired at {_iso(self.valid_until)}")
        missing = [p for p in self.parties if p not in self.signatures]
        if missing:
            return Reason("agreement_unsigned",
                          f"agreement {self.id} is not signed by {', '.join(missing)}")
        return None

    def check_active(self, at: datetime, keys_of: KeysOf) -> Reason | None:
        """Full test: None when in force at ``at``, every signature verified
        against that party's pinned key; otherwise the reason."""
        return self.usable_at(at) or self._verify_signatures(at, keys_of)

    def is_active(self, at: datetime, keys_of: KeysOf) -> bool:
        return self.check_active(at, keys_of) is None

    def _check(self, at: datetime, keys_of: KeysOf) -> Reason | None:
        return self._window_and_signers(at) or self._verify_signatures(at, keys_of)

    def _verify_signatures(self, at: datetime, keys_of: KeysOf) -> Reason | None:
        payload = self.signing_payload()
        for party in self.parties:
            try:
                keys = keys_of(party)
            except LookupError:
                keys = None
            if keys is None:
                return Reason("agreement_bad_signature",
                              f"agreement {self.id}: no pinned key for party {party}")
            problem = keys.verify_detached(payload, self.signatures[party], at=_utc(at))
            if problem:
                return Reason("agreement_bad_signature",
                              f"agreement {self.id}: signature of {party} fails: {problem}")
        return None

    def clauses_for(self, sender: str, recipient: str) -> tuple[Clause, ...]:
        """Clauses covering material from ``sender`` to ``recipient`` (both must be parties)."""
        if sender not in self.parties or recipient not in self.parties:
            return ()
        return tuple(c for c in self.clauses if c.sends(sender, recipient))

    # -- parsing -------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: Any, *, where: str = "agreement",
                  known_schemas: Iterable[str] | None = None) -> Agreement:
        """Parse the YAML/JSON form (docs/agreements.md); unknown fields are refused."""
        return _parse(raw, where, known_schemas)


def active_agreements(agreements: Iterable[Agreement], at: datetime,
                      keys_of: KeysOf) -> list[Agreement]:
    """Those in force at ``at`` with every signature verified: what to hand the policy engine."""
    return [a for a in agreements if a.check_active(at, keys_of) is None]


def parse_agreement(text: str, *, where: str = "agreement",
                    known_schemas: Iterable[str] | None = None) -> Agreement:
    """Parse an agreement document from YAML or JSON text (JSON is valid YAML)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InvalidValue(f"not valid YAML/JSON: {getattr(exc, 'problem', exc)}",
                           where=f"{where}{line}") from None
    return _parse(raw, where, known_schemas)


_FIELDS = {"id", "title", "version", "parties", "valid_from", "valid_until", "clauses",
           "status", "signatures", "revocation", "external_reference"}


def _parse(raw: Any, w: str, known: Iterable[str] | None) -> Agreement:
    if not isinstance(raw, Mapping):
        raise InvalidValue("an agreement must be an object", where=w)
    unknown = sorted(set(map(str, raw)) - _FIELDS)
    if unknown:
        raise InvalidValue(f"unknown field(s) {', '.join(unknown)} (allowed: "
                           f"{', '.join(sorted(_FIELDS))})", where=w)
    for name in ("id", "title", "parties", "valid_from", "valid_until", "clauses"):
        if raw.get(name) in (None, "", []):
            raise InvalidValue("is required", where=f"{w}.{name}")
    for name in ("id", "title", "external_reference"):
        if not isinstance(raw.get(name, ""), str):
            raise InvalidValue("must be a string", where=f"{w}.{name}")
    parties = raw["parties"]
    if not isinstance(parties, list):
        raise InvalidValue("must be a list of node ids", where=f"{w}.parties")
    for i, p in enumerate(parties):
        if not isinstance(p, str) or not p.strip():
            raise InvalidValue(f"{p!r} is not a node id (YAML reads unquoted no/yes/on/off "
                               "as booleans: quote it)", where=f"{w}.parties[{i}]")
    parties = [p.strip() for p in parties]
    clauses_raw = raw["clauses"]
    if not isinstance(clauses_raw, list):
        raise InvalidValue("must be a list of clauses", where=f"{w}.clauses")
    clauses = tuple(Clause.from_dict(c, where=f"{w}.clauses[{i}]", parties=parties,
                                     known_schemas=known) for i, c in enumerate(clauses_raw))
    version = raw.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidValue(f"{version!r} is not a whole number", where=f"{w}.version")
    try:
        status = AgreementStatus(raw.get("status", "draft"))
    except ValueError:
        choices = ", ".join(s.value for s in AgreementStatus)
        raise InvalidValue(f"{raw.get('status')!r} is not a status (choose {choices})",
                           where=f"{w}.status") from None
    signatures = raw.get("signatures") or {}
    if not isinstance(signatures, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in signatures.items()):
        raise InvalidValue("must map a party to its detached JWS", where=f"{w}.signatures")
    return Agreement(
        id=raw["id"].strip(), title=raw["title"].strip(), parties=tuple(parties),
        valid_from=_time(raw["valid_from"], f"{w}.valid_from"),
        valid_until=_time(raw["valid_until"], f"{w}.valid_until"),
        clauses=clauses, version=version, status=status, signatures=dict(signatures),
        revocation=_revocation(raw.get("revocation"), f"{w}.revocation"),
        external_reference=str(raw.get("external_reference", "")),
    )


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return _utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise InvalidValue(f"{value!r} is not an ISO 8601 date or time", where=where) from None


def _revocation(raw: Any, where: str) -> Revocation | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) - {"party", "at", "reason", "signature"}:
        raise InvalidValue("must be {party, at, reason, signature}", where=where)
    return Revocation(party=str(raw.get("party", "")), at=_time(raw.get("at"), f"{where}.at"),
                      reason=str(raw.get("reason", "")), signature=str(raw.get("signature", "")))


def dump_agreement(agreement: Agreement) -> str:
    """The JSON text of an agreement (stable key order), for files and the API."""
    return json.dumps(agreement.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
