"""``generate``: a whole synthetic world written as national files plus ``truth.json``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from accord.domain.errors import InvalidValue
from accord.synth.config import Knobs, make_knobs
from accord.synth.nation_file import FileStats, write_nation
from accord.synth.nations import DEFAULT_NATIONS, parse_nations
from accord.synth.observe import plan_views
from accord.synth.truth import TruthSink
from accord.synth.truth_build import build_truth
from accord.synth.world_build import build_world

# Roughly how many statements the illicit world makes per organisation at rate 1
# over a year, and what one benign vessel or trade lane adds (calibrated on runs).
ILLICIT_PER_ORG_YEAR = 9_000.0
AIS_SHARE, LANE_SHARE = 0.22, 0.12
STATEMENTS_PER_VESSEL_DAY = 80.0  # at a 30-minute AIS interval
STATEMENTS_PER_LANE_DAY = 2.0


@dataclass
class SynthSummary:
    """What ``generate`` wrote: one file per nation, the answer key and the counts."""

    out_dir: Path
    seed: int
    scale: str
    nations: list[str]
    knobs: dict[str, Any]
    files: dict[str, FileStats] = field(default_factory=dict)
    truth: Path | None = None

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files.values())

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files.values())

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "seed": self.seed, "scale": self.scale,
                "nations": self.nations, "knobs": self.knobs,
                "files": {code: f.to_dict() for code, f in self.files.items()},
                "truth": self.truth.name if self.truth else None,
                "statements": self.statements, "lines": self.lines}


def generate(out_dir: Path, *, nations: list[str] | tuple[str, ...] | str = DEFAULT_NATIONS,
             scale: str = "small", seed: int = 0,
             progress: Callable[[int, int], None] | None = None,
             **knobs: Any) -> SynthSummary:
    """Write ``OUT/<NATION>.jsonl`` for each nation and ``OUT/truth.json``.

    ``knobs``: ``organisations``, ``noise`` (0..1), ``benign_ratio``, ``days``,
    ``target_statements`` (see ``config.make_knobs``). ``progress(done, total)`` is
    called with statement counts as the files grow. The same arguments always
    give byte-identical files. Raises ``InvalidValue`` naming a bad argument.
    """
    if not isinstance(seed, int) or seed < 0:
        raise InvalidValue(f"seed must be an integer >= 0, not {seed!r}", where="seed")
    chosen = parse_nations(nations)
    k = make_knobs(scale, **knobs)
    codes = [n.code for n in chosen]
    illicit = ILLICIT_PER_ORG_YEAR * k.organisations * k.rate * k.days / 365
    benign = (k.benign_ratio * illicit if k.benign_ratio is not None
              else max(k.target_statements - illicit, 1.5 * illicit))
    fleet = max(4, round(benign * AIS_SHARE / (STATEMENTS_PER_VESSEL_DAY * k.days
                                               * 30 / k.interval_min)))
    lanes = max(6, round(benign * LANE_SHARE / (STATEMENTS_PER_LANE_DAY * k.days)))
    world, book = build_world(seed, codes, k, fleet=fleet, lanes=lanes)
    plans = plan_views(world, k)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = SynthSummary(out, seed, scale, codes, _knob_dict(k, fleet, lanes))
    sink = TruthSink()
    per_nation = benign * (1 - AIS_SHARE - LANE_SHARE) / len(codes)
    total = int(illicit + benign)
    done = 0
    for nation in chosen:
        def tick(n: int, base: int = done) -> None:
            if progress is not None:
                progress(base + n, max(total, base + n))
        stats = write_nation(world, nation, plans[nation.code], k, book, sink,
                             out / f"{nation.code}.jsonl", per_nation, tick)
        summary.files[nation.code] = stats
        done += stats.statements
    truth_path = out / "truth.json"
    truth = build_truth(world, plans, sink, k, summary.to_dict())
    truth_path.write_bytes(orjson.dumps(truth, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))
    summary.truth = truth_path
    if progress is not None:
        progress(summary.statements, summary.statements)
    return summary


def _knob_dict(k: Knobs, fleet: int, lanes: int) -> dict[str, Any]:
    out = k.to_dict()
    out["benign_vessels"] = fleet
    out["trade_lanes"] = lanes
    return out
