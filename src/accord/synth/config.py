"""Scales and knobs of a synthetic world, validated with errors that name the knob."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from accord.domain.errors import InvalidValue


@dataclass(frozen=True)
class ScalePreset:
    """What ``--scale`` means: default organisations, days covered and statements aimed at."""

    organisations: int
    days: int
    target_statements: int
    rate: float  # how busy organisations are (calls, payments, trips), 1.0 = medium
    interval_min: int  # AIS sampling interval of every vessel


SCALES: dict[str, ScalePreset] = {
    "small": ScalePreset(3, 60, 12_000, 0.3, 120),
    # Targets are what the background fills; crews' boats and the ordinary fishing
    # fleet around them come on top, hence medium's lower figure.
    "medium": ScalePreset(6, 365, 780_000, 1.0, 60),
    "large": ScalePreset(10, 365, 10_000_000, 1.0, 30),
}


@dataclass(frozen=True)
class Knobs:
    """Everything that shapes a world besides the seed and the nations.

    ``noise`` (0..1) drives how often names and identifiers are written with
    variants, how often fields are missing and how many duplicate mentions
    and false leads a nation has. ``benign_ratio`` is the number of benign
    statements per illicit statement; ``None`` fills the scale's statement
    target with benign background.
    """

    scale: str = "small"
    organisations: int = 3
    days: int = 120
    noise: float = 0.5
    benign_ratio: float | None = None
    target_statements: int = 12_000
    rate: float = 0.3
    interval_min: int = 60

    @property
    def variant_rate(self) -> float:
        """Share of mentions whose name is written differently from the canonical form."""
        return round(0.5 + 0.4 * self.noise, 3)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["variant_rate"] = self.variant_rate
        return out


def make_knobs(scale: str, **overrides: Any) -> Knobs:
    """Knobs for ``scale`` with ``overrides`` (``organisations``, ``noise``, ``benign_ratio``,
    ``days``); raises ``InvalidValue`` naming the bad knob."""
    if scale not in SCALES:
        raise InvalidValue(
            f"unknown scale {scale!r} (choose {', '.join(SCALES)})", where="scale")
    preset = SCALES[scale]
    values: dict[str, Any] = {
        "scale": scale, "organisations": preset.organisations, "days": preset.days,
        "target_statements": preset.target_statements, "rate": preset.rate,
        "interval_min": preset.interval_min,
    }
    unknown = set(overrides) - {"organisations", "noise", "benign_ratio", "days",
                                "target_statements"}
    if unknown:
        raise InvalidValue(f"unknown knob(s): {', '.join(sorted(unknown))} (known: "
                           "organisations, noise, benign_ratio, days, target_statements)",
                           where="knobs")
    values.update({k: v for k, v in overrides.items() if v is not None})
    orgs = values["organisations"]
    if not isinstance(orgs, int) or not 1 <= orgs <= 40:
        raise InvalidValue(f"organisations must be an integer from 1 to 40, not {orgs!r}",
                           where="organisations")
    noise = values.get("noise", 0.5)
    if not isinstance(noise, int | float) or not 0.0 <= float(noise) <= 1.0:
        raise InvalidValue(f"noise must be between 0 and 1, not {noise!r}", where="noise")
    values["noise"] = float(noise)
    ratio = values.get("benign_ratio")
    if ratio is not None and (not isinstance(ratio, int | float) or ratio < 0):
        raise InvalidValue(f"benign_ratio must be a number >= 0, not {ratio!r}",
                           where="benign_ratio")
    if ratio is not None:
        values["benign_ratio"] = float(ratio)
    days = values["days"]
    if not isinstance(days, int) or not 30 <= days <= 1095:
        raise InvalidValue(f"days must be an integer from 30 to 1095, not {days!r}",
                           where="days")
    target = values["target_statements"]
    if not isinstance(target, int) or target < 0:
        raise InvalidValue(f"target_statements must be an integer >= 0, not {target!r}",
                           where="target_statements")
    return Knobs(**values)


def epoch(seed: int) -> date:
    """The first day of the scenario: fixed by the seed, never by the clock."""
    return date(2025, 1, 6) + timedelta(days=7 * (seed % 52))
