"""Judgements: an analyst's word that two mentions are (not) the same, and what it implies.

A judgement is one of three values with a small explicit algebra:

- ``SAME`` — the two are one entity; the matcher can never separate them.
- ``DIFFERENT`` — they are not; no cluster may hold both, whatever the matcher says.
- ``UNSURE`` — the analyst looked and could not tell: the matcher's direct link
  between the two is withdrawn (a doubtful link is worse than a missing one), but
  they may still meet through other, stronger evidence.

Chaining along a path (``a ~ b`` then ``b ~ c``) follows ``+``:
``SAME + SAME = SAME``, ``SAME + DIFFERENT = DIFFERENT``, anything else is
``UNSURE`` (two "different" say nothing about the ends). ``JudgementSet`` applies
this to a whole set: ``implied(a, b)`` is what the judgements already say about a
pair, and ``check`` refuses a new judgement that contradicts them.

Invariant: the latest judgement of a pair replaces earlier ones; a pair is
unordered (``Pair.of("b", "a") == Pair.of("a", "b")``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from accord.domain.errors import Conflict, InvalidValue


class Judgement(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"

    def __add__(self, other: Judgement) -> Judgement:
        """The judgement implied for the ends of a path ``self`` then ``other``."""
        pair = {self, other}
        if pair == {Judgement.SAME}:
            return Judgement.SAME
        if pair == {Judgement.SAME, Judgement.DIFFERENT}:
            return Judgement.DIFFERENT
        return Judgement.UNSURE

    @classmethod
    def parse(cls, text: object) -> Judgement:
        """``same`` / ``different`` / ``unsure`` (any case); ``InvalidValue`` otherwise."""
        if isinstance(text, Judgement):
            return text
        value = str(text).strip().lower() if isinstance(text, str) else ""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(j.value for j in cls)
            raise InvalidValue(f"{text!r} is not a judgement (choose {choices})",
                               where="judgement") from None


@dataclass(frozen=True, order=True)
class Pair:
    """Two distinct mention ids, smallest first."""

    left: str
    right: str

    @classmethod
    def of(cls, a: str, b: str) -> Pair:
        for name, value in (("first", a), ("second", b)):
            if not isinstance(value, str) or not value.strip():
                raise InvalidValue(f"the {name} entity id is empty", where="judgement")
        if a == b:
            raise InvalidValue(f"cannot judge {a!r} against itself", where="judgement")
        return cls(a, b) if a < b else cls(b, a)


@dataclass(frozen=True)
class JudgementRecord:
    """One judgement as recorded: the pair, the verdict, who and when, and why."""

    pair: Pair
    judgement: Judgement
    actor: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"left": self.pair.left, "right": self.pair.right,
                "judgement": self.judgement.value, "actor": self.actor,
                "at": self.at.isoformat(), "reason": self.reason}


class JudgementSet:
    """The current judgement of every judged pair, and what they imply together."""

    def __init__(self, records: Iterable[JudgementRecord] = ()) -> None:
        self._by_pair: dict[Pair, JudgementRecord] = {}
        for record in sorted(records, key=lambda r: r.at):
            self._by_pair[record.pair] = record

    def __len__(self) -> int:
        return len(self._by_pair)

    def __iter__(self) -> Iterator[JudgementRecord]:
        return iter(sorted(self._by_pair.values(), key=lambda r: r.pair))

    def get(self, a: str, b: str) -> Judgement | None:
        """The direct judgement of ``a`` and ``b``, if any."""
        record = self._by_pair.get(Pair.of(a, b))
        return record.judgement if record else None

    def pairs(self, judgement: Judgement) -> list[Pair]:
        return sorted(p for p, r in self._by_pair.items() if r.judgement is judgement)

    def ids(self) -> set[str]:
        return {i for p in self._by_pair for i in (p.left, p.right)}

    def same_groups(self) -> dict[str, str]:
        """``{id: group root}`` over SAME judgements (ids in no SAME judgement are absent)."""
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for pair in self.pairs(Judgement.SAME):
            ra, rb = find(pair.left), find(pair.right)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        return {x: find(x) for x in list(parent)}

    def implied(self, a: str, b: str) -> Judgement | None:
        """What the judgements together say about ``a`` and ``b`` (None: nothing)."""
        groups = self.same_groups()
        ga, gb = groups.get(a, a), groups.get(b, b)
        if ga == gb:
            return Judgement.SAME
        for pair in self.pairs(Judgement.DIFFERENT):
            gl, gr = groups.get(pair.left, pair.left), groups.get(pair.right, pair.right)
            if {gl, gr} == {ga, gb}:
                return Judgement.DIFFERENT
        return self.get(a, b)

    def check(self, a: str, b: str, judgement: Judgement) -> None:
        """Raise ``Conflict`` if judging ``a``/``b`` as ``judgement`` contradicts the others.

        Re-judging the pair itself is allowed (the new judgement replaces the old);
        what is refused is a verdict the *other* judgements rule out, e.g. DIFFERENT
        for two ids already SAME through a third.
        """
        pair = Pair.of(a, b)
        others = JudgementSet(r for r in self._by_pair.values() if r.pair != pair)
        implied = others.implied(a, b)
        if judgement is Judgement.UNSURE or implied is None or implied is Judgement.UNSURE:
            return
        if implied is not judgement:
            raise Conflict(
                f"{a!r} and {b!r} are already judged {implied.value} through other "
                f"judgements; change those first (see 'accord judge')",
                where="judgement")

    def with_record(self, record: JudgementRecord) -> JudgementSet:
        """A new set with ``record`` replacing any earlier judgement of its pair."""
        return JudgementSet([*self._by_pair.values(), record])
