"""Source grading: how far a piece of information can be trusted.

Admiralty (NATO) 6x6 is the default; Europol 4x4 and UK 3x5x2 are supported.
Grades from different scales are compared through ``confidence``, a rough
0..1 figure used for ranking only; the original grade is always kept and shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from accord.domain.errors import InvalidValue


class GradingScale(Enum):
    ADMIRALTY = "admiralty"
    EUROPOL = "europol"
    UK = "uk"


# scale -> (source codes best-first, information codes best-first, unknown codes)
_SCALES: dict[GradingScale, tuple[dict[str, str], dict[str, str]]] = {
    GradingScale.ADMIRALTY: (
        {
            "A": "completely reliable",
            "B": "usually reliable",
            "C": "fairly reliable",
            "D": "not usually reliable",
            "E": "unreliable",
            "F": "reliability cannot be judged",
        },
        {
            "1": "confirmed by other sources",
            "2": "probably true",
            "3": "possibly true",
            "4": "doubtful",
            "5": "improbable",
            "6": "truth cannot be judged",
        },
    ),
    GradingScale.EUROPOL: (
        {
            "A": "no doubt of authenticity, trustworthiness and competence",
            "B": "proved reliable in most instances",
            "C": "proved unreliable in most instances",
            "X": "cannot be assessed",
        },
        {
            "1": "not in doubt",
            "2": "known personally to the source but not to the official passing it on",
            "3": "not known personally to the source but corroborated",
            "4": "not known personally to the source and cannot be corroborated",
        },
    ),
    GradingScale.UK: (
        {"1": "reliable", "2": "untested", "3": "not reliable"},
        {
            "A": "known directly to the source",
            "B": "known indirectly but corroborated",
            "C": "known indirectly",
            "D": "not known",
            "E": "suspected to be false",
        },
    ),
}
# Codes meaning "cannot be judged": they carry no confidence either way.
_UNKNOWN = {"F", "6", "X"}
_UK_HANDLING = {"P": "lawful sharing permitted", "C": "lawful sharing permitted with conditions"}


@dataclass(frozen=True)
class Grading:
    """Source reliability x information credibility on one scale.

    ``handling`` is only used by the UK 3x5x2 scale (P or C).
    """

    scale: GradingScale
    source: str
    information: str
    handling: str | None = None

    def __post_init__(self) -> None:
        sources, infos = _SCALES[self.scale]
        if self.source not in sources:
            raise InvalidValue(
                f"source {self.source!r} is not on the {self.scale.value} scale "
                f"(choose {', '.join(sources)})", where="grading.source")
        if self.information not in infos:
            raise InvalidValue(
                f"information {self.information!r} is not on the {self.scale.value} scale "
                f"(choose {', '.join(infos)})", where="grading.information")
        if self.scale is GradingScale.UK:
            if self.handling not in _UK_HANDLING:
                raise InvalidValue("UK 3x5x2 grading needs handling P or C",
                                   where="grading.handling")
        elif self.handling is not None:
            raise InvalidValue("only the UK 3x5x2 scale has a handling code",
                               where="grading.handling")

    @property
    def code(self) -> str:
        """The compact form an analyst writes: ``B2``, ``A1``, ``1AP``."""
        return f"{self.source}{self.information}{self.handling or ''}"

    @property
    def meaning(self) -> str:
        sources, infos = _SCALES[self.scale]
        return f"{sources[self.source]}; {infos[self.information]}"

    @property
    def confidence(self) -> float:
        """A 0..1 ranking figure: the mean position of both codes (unknown = 0.5)."""
        sources, infos = _SCALES[self.scale]
        return (_position(self.source, sources) + _position(self.information, infos)) / 2

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scale": self.scale.value, "source": self.source, "information": self.information,
        }
        if self.handling:
            out["handling"] = self.handling
        return out

    @classmethod
    def parse(cls, code: str, scale: GradingScale = GradingScale.ADMIRALTY) -> Grading:
        code = code.strip().upper()
        if scale is GradingScale.UK:
            if len(code) != 3:
                raise InvalidValue(f"{code!r} is not a UK 3x5x2 grade like '1AP'",
                                   where="grading")
            return cls(scale, code[0], code[1], code[2])
        if len(code) != 2:
            raise InvalidValue(f"{code!r} is not a grade like 'B2'", where="grading")
        return cls(scale, code[0], code[1])

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | str | None, *, where: str = "grading"
                  ) -> Grading | None:
        if raw is None:
            return None
        try:
            if isinstance(raw, str):
                return cls.parse(raw)
            if not isinstance(raw, Mapping):
                raise InvalidValue("grading must be an object or a code like 'B2'")
            unknown = set(raw) - {"scale", "source", "information", "handling"}
            if unknown:
                raise InvalidValue(f"unknown grading field(s): {', '.join(sorted(unknown))}")
            try:
                scale = GradingScale(str(raw.get("scale", "admiralty")).lower())
            except ValueError:
                raise InvalidValue(
                    f"unknown grading scale {raw.get('scale')!r} (admiralty, europol, uk)"
                ) from None
            handling = raw.get("handling")
            return cls(scale, str(raw.get("source", "")).upper(),
                       str(raw.get("information", "")).upper(),
                       None if handling is None else str(handling).upper())
        except InvalidValue as exc:
            raise InvalidValue(exc.message, where=where) from None


def _position(code: str, codes: dict[str, str]) -> float:
    if code in _UNKNOWN:
        return 0.5
    ordered = [c for c in codes if c not in _UNKNOWN]
    if len(ordered) == 1:
        return 1.0
    return 1.0 - ordered.index(code) / (len(ordered) - 1)
