"""One small world, generated once per test session and read back from its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from accord.synth import SynthSummary, Truth, generate, load_truth

SEED = 7


@dataclass
class Generated:
    out: Path
    summary: SynthSummary
    truth: Truth
    lines: dict[str, list[dict[str, Any]]]  # nation -> parsed lines, in file order
    by_id: dict[str, dict[str, dict[str, Any]]]  # nation -> entity id -> line

    def entity(self, nation: str, entity_id: str) -> dict[str, Any]:
        return self.by_id[nation][entity_id]

    def props(self, nation: str, entity_id: str) -> dict[str, list[str]]:
        props: dict[str, list[str]] = self.by_id[nation][entity_id]["properties"]
        return props


def read_world(out: Path, summary: SynthSummary) -> Generated:
    truth = load_truth(out / "truth.json")
    lines = {code: [orjson.loads(line) for line in (out / f"{code}.jsonl").read_bytes()
                    .splitlines()] for code in truth.nations}
    by_id = {code: {d["id"]: d for d in ls if d["kind"] == "entity"}
             for code, ls in lines.items()}
    return Generated(out, summary, truth, lines, by_id)


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("synth-small")
    return read_world(out, generate(out, nations="CO,MX,US,PA,ES", scale="small", seed=SEED))
