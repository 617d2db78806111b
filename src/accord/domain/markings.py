"""Markings: what a recipient may see and do with a piece of information.

A ``Marking`` bundles the EU law-enforcement handling codes (H0-H3), the TLP 2.0
label, the PAP label (what the recipient may *do*), releasability and
originator control. Markings combine by a join-semilattice ("most restrictive
wins"): ``a | b`` is at least as restrictive as each of ``a`` and ``b`` in every
dimension, the operation is associative, commutative and idempotent, and
``Marking.UNRESTRICTED`` is its identity. A report's marking is the join of
the markings of everything in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import total_ordering
from typing import Any, ClassVar

from accord.domain.errors import InvalidValue


@total_ordering
class _Ranked(Enum):
    """An enum whose declaration order is its order of restrictiveness."""

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, raw: str, *, where: str = "") -> Any:
        key = raw.strip().upper().replace("TLP:", "").replace("PAP:", "")
        key = key.replace(" ", "").replace("_", "+").replace("-", "+")
        for member in cls:
            if member.value == key:
                return member
        choices = ", ".join(m.value for m in cls)
        raise InvalidValue(f"{raw!r} is not a {cls.__name__} (choose {choices})", where=where)


class TLP(_Ranked):
    """TLP 2.0 (FIRST), least to most restrictive."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


class PAP(_Ranked):
    """Permissible Actions Protocol, least to most restrictive."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"  # active actions allowed
    AMBER = "AMBER"  # passive cross-checks only
    RED = "RED"  # passive, non-detectable actions only


class HandlingCode(_Ranked):
    """EU law-enforcement handling codes.

    They are independent restrictions rather than levels (H1 restricts judicial
    use, H2 onward dissemination), so a marking carries a *set* of them and the
    join is their union. H0 (use only to prevent and combat crime) always
    applies and is implied by the others.
    """

    H0 = "H0"
    H1 = "H1"  # not for judicial proceedings without the provider's permission
    H2 = "H2"  # not to be disseminated further without the provider's permission
    H3 = "H3"  # other restrictions, stated in ``Marking.restrictions``

    @property
    def meaning(self) -> str:
        return _HANDLING_MEANING[self]


_HANDLING_MEANING = {
    HandlingCode.H0: "use only to prevent and combat crime, within the applicable law",
    HandlingCode.H1: (
        "not to be disclosed in judicial proceedings without the provider's permission"
    ),
    HandlingCode.H2: "not to be disseminated further without the provider's permission",
    HandlingCode.H3: "other restrictions, stated in the message",
}


@dataclass(frozen=True)
class Marking:
    """The handling of one statement or report.

    ``releasable_to`` is ``None`` when the originator put no list on it (the
    agreements alone decide); otherwise only parties in the set (ISO country
    codes or node ids) may receive it. The join intersects such lists.
    """

    tlp: TLP = TLP.CLEAR
    pap: PAP = PAP.CLEAR
    handling: frozenset[HandlingCode] = field(default_factory=frozenset)
    releasable_to: frozenset[str] | None = None
    originator_control: bool = False
    restrictions: tuple[str, ...] = ()

    UNRESTRICTED: ClassVar[Marking]
    DEFAULT: ClassVar[Marking]

    def __post_init__(self) -> None:
        # H0 is implied by every other code; keeping it out of the set keeps
        # the representation canonical, so equal markings compare equal.
        object.__setattr__(self, "handling", frozenset(self.handling) - {HandlingCode.H0})
        if self.releasable_to is not None:
            object.__setattr__(
                self, "releasable_to", frozenset(p.upper() for p in self.releasable_to)
            )
        object.__setattr__(self, "restrictions", tuple(sorted(set(self.restrictions))))

    def __or__(self, other: Marking) -> Marking:
        return self.join(other)

    def join(self, other: Marking) -> Marking:
        """The most restrictive combination of two markings."""
        if self.releasable_to is None:
            rel = other.releasable_to
        elif other.releasable_to is None:
            rel = self.releasable_to
        else:
            rel = self.releasable_to & other.releasable_to
        return Marking(
            tlp=max(self.tlp, other.tlp),
            pap=max(self.pap, other.pap),
            handling=self.handling | other.handling,
            releasable_to=rel,
            originator_control=self.originator_control or other.originator_control,
            restrictions=self.restrictions + other.restrictions,
        )

    @classmethod
    def join_all(cls, markings: Iterable[Marking]) -> Marking:
        result = cls.UNRESTRICTED
        for m in markings:
            result = result | m
        return result

    def at_least_as_restrictive_as(self, other: Marking) -> bool:
        """The lattice order: ``a >= b`` iff ``a | b == a``."""
        return (self | other) == self

    def releasable(self, party: str) -> bool:
        """True unless a releasability list exists and ``party`` is not on it."""
        return self.releasable_to is None or party.upper() in self.releasable_to

    def has(self, code: HandlingCode) -> bool:
        return code is HandlingCode.H0 or code in self.handling

    @property
    def handling_codes(self) -> list[str]:
        """Sorted codes for display, ``["H0"]`` when nothing stronger applies."""
        return [c.value for c in sorted(self.handling)] or [HandlingCode.H0.value]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tlp": self.tlp.value,
            "pap": self.pap.value,
            "handling": self.handling_codes,
            "originator_control": self.originator_control,
        }
        if self.releasable_to is not None:
            out["releasable_to"] = sorted(self.releasable_to)
        if self.restrictions:
            out["restrictions"] = list(self.restrictions)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None, *, where: str = "markings") -> Marking:
        """Parse the JSON form; a missing TLP defaults to AMBER (never to CLEAR)."""
        if raw is None:
            return cls.DEFAULT
        if not isinstance(raw, Mapping):
            raise InvalidValue("markings must be an object", where=where)
        unknown = set(raw) - {
            "tlp", "pap", "handling", "releasable_to", "originator_control", "restrictions"
        }
        if unknown:
            raise InvalidValue(f"unknown marking field(s): {', '.join(sorted(unknown))}",
                               where=where)
        handling_raw = raw.get("handling", [])
        if isinstance(handling_raw, str):
            handling_raw = [h for h in handling_raw.replace("+", ",").split(",") if h.strip()]
        handling = frozenset(
            HandlingCode.parse(str(h), where=f"{where}.handling") for h in handling_raw
        )
        rel = raw.get("releasable_to")
        if rel is not None and not isinstance(rel, list):
            raise InvalidValue("releasable_to must be a list", where=f"{where}.releasable_to")
        restrictions = raw.get("restrictions", [])
        if isinstance(restrictions, str):
            restrictions = [restrictions]
        if HandlingCode.H3 in handling and not restrictions:
            raise InvalidValue("H3 needs its restrictions stated", where=f"{where}.restrictions")
        return cls(
            tlp=TLP.parse(str(raw.get("tlp", "AMBER")), where=f"{where}.tlp"),
            pap=PAP.parse(str(raw.get("pap", "CLEAR")), where=f"{where}.pap"),
            handling=handling,
            releasable_to=None if rel is None else frozenset(str(r) for r in rel),
            originator_control=bool(raw.get("originator_control", False)),
            restrictions=tuple(str(r) for r in restrictions),
        )


Marking.UNRESTRICTED = Marking()
Marking.DEFAULT = Marking(tlp=TLP.AMBER)
