"""Links between mentions and the evidence for each: what agreed, and how much it weighed.

A ``Link`` is one scored candidate pair. Its ``weight`` is the Fellegi–Sunter
match weight (log2 of the odds that the two are one entity): the prior plus one
term per comparison, and ``agreements`` lists those terms with the level each
comparison reached ("same date of birth: +9.6"). A link is *accepted* when its
weight reaches the family's threshold, or when it is *hard*: the two share a
strong identifier (passport, IMO, IBAN, E.164 phone number, registration
number) and disagree on none of the family's identity fields. Identity fields
(a vessel's IMO, a phone's number, an account's IBAN) also forbid: two mentions
whose identity keys are disjoint are never put in one cluster by the matcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from accord.analytics.resolve.features import FAMILIES, Mention
from accord.analytics.resolve.judgements import Pair


@dataclass(frozen=True, slots=True)
class Agreement:
    """One comparison's part in a link: the level reached and its weight (log2 odds)."""

    comparison: str
    level: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "level": self.level,
                "weight": round(self.weight, 2)}


@dataclass(frozen=True, slots=True)
class Link:
    """A scored pair of mentions (``left < right``) of one family."""

    left: str
    right: str
    family: str
    weight: float
    probability: float
    hard: tuple[str, ...] = ()  # strong keys both share, as "column:key"
    levels: tuple[int, ...] = ()  # gamma per comparison of the family's model
    weights: tuple[float, ...] = ()  # match weight per comparison
    found_by: str = ""  # the blocking key that made them a candidate

    @property
    def pair(self) -> Pair:
        return Pair(self.left, self.right)

    def accepted(self, threshold: float) -> bool:
        return bool(self.hard) or self.weight >= threshold

    def agreements(self, names: Sequence[str],
                   labels: Mapping[str, Mapping[int, str]]) -> list[Agreement]:
        """The comparisons that counted, strongest first (missing values are left out)."""
        out = [Agreement(name, labels.get(name, {}).get(level, str(level)), weight)
               for name, level, weight in zip(names, self.levels, self.weights, strict=False)
               if level >= 0]
        return sorted(out, key=lambda a: (-a.weight, a.comparison))

    def to_dict(self, names: Sequence[str] = (),
                labels: Mapping[str, Mapping[int, str]] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "left": self.left, "right": self.right, "family": self.family,
            "weight": round(self.weight, 3), "probability": round(self.probability, 6),
            "hard_evidence": [_describe_key(k) for k in self.hard],
            "found_by": self.found_by,
        }
        if names:
            body["agreements"] = [a.to_dict() for a in self.agreements(names, labels or {})]
        return body


def _describe_key(key: str) -> str:
    column, _, value = key.partition(":")
    return f"same {column}: {value}"


def shared_strong(a: Mention, b: Mention) -> tuple[str, ...]:
    """Strong keys both mentions carry, as ``column:key`` (empty if none or a conflict)."""
    spec = FAMILIES[a.family]
    if conflict(a, b):
        return ()
    shared = [f"{c}:{k}" for c in spec.strong_columns
              for k in sorted(set(a.keys.get(c, ())) & set(b.keys.get(c, ())))]
    return tuple(shared)


def conflict(a: Mention, b: Mention) -> str | None:
    """Why ``a`` and ``b`` cannot be one entity (disjoint identity keys), or None."""
    ia, ib = a.identity(), b.identity()
    for column in sorted(set(ia) & set(ib)):
        if not ia[column] & ib[column]:
            return f"different {column}"
    return None


def links_from_scores(scores: pa.Table, mentions: Sequence[Mention], family: str) -> list[Link]:
    """``Link`` objects from ``scoring.score`` rows (uids index ``mentions``)."""
    names = [c[2:] for c in scores.column_names if c.startswith("w_")]
    data = scores.to_pydict()
    out: list[Link] = []
    for i in range(scores.num_rows):
        a = mentions[data["l"][i]]
        b = mentions[data["r"][i]]
        left, right = (a, b) if a.id < b.id else (b, a)
        out.append(Link(
            left=left.id, right=right.id, family=family,
            weight=float(data["weight"][i]), probability=float(data["probability"][i]),
            hard=shared_strong(a, b),
            levels=tuple(int(data[f"g_{c}"][i]) for c in names),
            weights=tuple(float(data[f"w_{c}"][i]) for c in names),
            found_by=str(data["key"][i]),
        ))
    return out
