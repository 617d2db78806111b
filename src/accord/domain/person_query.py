"""Hit/no-hit on persons by CLK: fuzzy name + date of birth without sending either.

Both nodes derive the same CLK keys from the agreement's linkage secret
(``accord.domain.clk.derive_keys``). The asker sends the CLKs of the persons it
asks about; the owner compares them with its own index (Dice >= threshold) and
answers, per asked CLK, the hits (field-aware score >= threshold: see
``accord.domain.dice.field_matches``): the handling-code label and an opaque
reference, never the record or the score::

    q = ask_persons(encoder, agreement, records, query_id=...)      # asker
    a = answer_persons(q, index, partner=..., limiter=..., contact=...)  # owner
    resolve_person_reference(index, a.hits[0].reference)           # owner, on follow-up

What the owner can learn: a CLK is keyed, so an eavesdropper learns nothing
from it, but the owner holds the same keys and could test guesses (name, date
of birth) against it. That is why each CLK is charged to the ``person`` rate
limit and every query is ledgered; see docs/queries.md, "Threat model".
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.domain.clk import PERSON_THRESHOLD, ClkSchema, Encoder, stack, to_bytes
from accord.domain.dice import field_matches
from accord.domain.errors import InvalidValue
from accord.domain.query import reference, resolve_reference
from accord.domain.ratelimit import Limiter, require

PERSON_KIND = "person"
MAX_HITS_PER_PERSON = 3  # a query is about one person; more hits are duplicates at the owner


@dataclass(frozen=True)
class PersonQuery:
    """Asker → owner: CLKs under ``schema`` keyed for ``agreement``."""

    query_id: str
    agreement: str
    schema: str
    clks: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"query_id": self.query_id, "agreement": self.agreement, "schema": self.schema,
                "clks": [base64.b64encode(c).decode("ascii") for c in self.clks]}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> PersonQuery:
        where = "person query"
        fields = {}
        for name in ("query_id", "agreement", "schema"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidValue(f"{name!r} must be a non-empty string", where=where)
            fields[name] = value
        raw = body.get("clks")
        if not isinstance(raw, list) or not raw:
            raise InvalidValue("'clks' must be a non-empty list of base64 strings", where=where)
        clks = []
        for i, item in enumerate(raw):
            try:
                clks.append(base64.b64decode(item, validate=True))
            except (ValueError, TypeError):
                raise InvalidValue(f"clks[{i}] is not valid base64", where=where) from None
        return cls(fields["query_id"], fields["agreement"], fields["schema"], tuple(clks))


@dataclass(frozen=True)
class PersonHit:
    """The asked CLK ``index`` matched an owner record filed under ``label``."""

    index: int
    label: str
    reference: str


@dataclass(frozen=True)
class PersonAnswer:
    """Owner → asker."""

    query_id: str
    hits: tuple[PersonHit, ...]
    contact: str

    def to_dict(self) -> dict[str, Any]:
        return {"query_id": self.query_id, "contact": self.contact,
                "hits": [{"index": h.index, "label": h.label, "reference": h.reference}
                         for h in self.hits]}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> PersonAnswer:
        where = "person answer"
        try:
            hits = tuple(PersonHit(int(h["index"]), str(h["label"]), str(h["reference"]))
                         for h in body["hits"])
            return cls(str(body["query_id"]), hits, str(body["contact"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue(f"malformed answer ({exc!r})", where=where) from None


@dataclass(frozen=True)
class PersonIndex:
    """The owner's encoded persons for one agreement (keep home: it holds the record ids)."""

    agreement: str
    schema: ClkSchema
    clks: np.ndarray
    record_ids: tuple[str, ...]
    labels: tuple[str, ...]
    reference_key: bytes


def build_index(
    encoder: Encoder, agreement: str, records: Sequence[Mapping[str, str | None]],
    record_ids: Sequence[str], labels: Sequence[str], *, reference_key: bytes,
) -> PersonIndex:
    """Encode the owner's persons; ``labels[i]`` is record i's handling code."""
    if not len(records) == len(record_ids) == len(labels):
        raise InvalidValue(f"{len(records)} records, {len(record_ids)} ids and {len(labels)} "
                           "labels: they must pair up", where="person index")
    if len(reference_key) < 16:
        raise InvalidValue("the reference key needs at least 16 bytes", where="person index")
    return PersonIndex(agreement, encoder.schema, encoder.encode_many(records),
                       tuple(record_ids), tuple(labels), reference_key)


def ask_persons(
    encoder: Encoder, agreement: str, records: Sequence[Mapping[str, str | None]], *,
    query_id: str,
) -> PersonQuery:
    """The query for ``records`` (e.g. ``{"name": ..., "dob": ..., "nationality": ...}``)."""
    if not records:
        raise InvalidValue("nothing to ask about", where=f"person query {query_id}")
    clks = encoder.encode_many(records)
    return PersonQuery(query_id, agreement, encoder.schema.id,
                       tuple(to_bytes(row) for row in clks))


def answer_persons(
    query: PersonQuery, index: PersonIndex, *, partner: str,
    limiter: Limiter, contact: str, threshold: float = PERSON_THRESHOLD,
) -> PersonAnswer:
    """Compare the asked CLKs with the owner's index after charging them to ``partner``."""
    where = f"person query {query.query_id}"
    if query.agreement != index.agreement or query.schema != index.schema.id:
        raise InvalidValue(f"CLKs for agreement {query.agreement} / {query.schema}, but this "
                           f"index is {index.agreement} / {index.schema.id}", where=where)
    asked = stack(query.clks, index.schema, where=f"{where}: clks")
    require(limiter, partner, PERSON_KIND, len(asked))
    found = field_matches(asked, index.clks, index.schema.segments, threshold)
    per_person: dict[int, list[tuple[float, int]]] = {}
    for i, j, score in zip(found.left.tolist(), found.right.tolist(), found.score.tolist(),
                           strict=True):
        per_person.setdefault(i, []).append((score, j))
    hits = []
    for i in sorted(per_person):
        best = sorted(per_person[i], key=lambda sj: (-sj[0], sj[1]))[:MAX_HITS_PER_PERSON]
        for _, j in best:
            ref = reference(index.reference_key, f"{PERSON_KIND}:{index.record_ids[j]}")
            hits.append(PersonHit(i, index.labels[j], ref))
    return PersonAnswer(query.query_id, tuple(hits), contact)


def resolve_person_reference(index: PersonIndex, ref: str) -> str | None:
    """The owner's record id behind a person hit's reference (for a follow-up request)."""
    found = resolve_reference(index.reference_key, ref,
                              (f"{PERSON_KIND}:{rid}" for rid in index.record_ids))
    return None if found is None else found.removeprefix(f"{PERSON_KIND}:")
