"""generate() and ``accord synth``: determinism, knobs, and clear refusals of bad arguments."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accord.domain.errors import InvalidValue
from accord.entrypoints.cli.main import app as cli_app
from accord.synth import generate, load_truth

TINY: dict[str, Any] = {"nations": "CO,MX", "days": 30, "target_statements": 2_000}


def digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=5, **TINY)
    generate(tmp_path / "b", seed=5, **TINY)
    generate(tmp_path / "c", seed=6, **TINY)
    a, b, c = (digests(tmp_path / x) for x in "abc")
    assert set(a) == {"CO.jsonl", "MX.jsonl", "truth.json"}
    assert a == b
    assert all(a[name] != c[name] for name in a)


def test_small_world_from_the_session_is_reproducible(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    generate(tmp_path, nations="CO,MX,US,PA,ES", scale="small", seed=7)
    assert digests(tmp_path) == digests(small.out)


def test_knobs_shape_the_world(tmp_path: Path) -> None:
    summary = generate(tmp_path, seed=1, organisations=4, noise=0.0, benign_ratio=0.5,
                       **TINY)
    truth = load_truth(tmp_path)
    assert len(truth.raw["organisations"]) == 4
    assert truth.raw["knobs"]["noise"] == 0.0
    assert truth.raw["name_variants"]["intended_rate"] == 0.5
    assert summary.knobs["benign_ratio"] == 0.5
    assert truth.raw["files"]["CO"]["statements"] == summary.files["CO"].statements


@pytest.mark.parametrize("kwargs,where,message", [
    ({"nations": "CO,XX"}, "nations", "unknown nation(s) XX"),
    ({"nations": "CO"}, "nations", "at least two nations"),
    ({"nations": "CO,MX,CO"}, "nations", "listed twice"),
    ({"scale": "huge"}, "scale", "unknown scale 'huge'"),
    ({"noise": 2}, "noise", "noise must be between 0 and 1"),
    ({"organisations": 0}, "organisations", "organisations must be an integer from 1 to 40"),
    ({"benign_ratio": -1}, "benign_ratio", "benign_ratio must be a number >= 0"),
    ({"days": 5}, "days", "days must be an integer from 30 to 1095"),
    ({"colour": "red"}, "knobs", "unknown knob(s): colour"),
    ({"seed": -1}, "seed", "seed must be an integer >= 0"),
])
def test_bad_arguments_are_refused_with_where_and_why(tmp_path: Path, kwargs: dict[str, Any],
                                                      where: str, message: str) -> None:
    args: dict[str, Any] = {"nations": "CO,MX", "seed": 0, **kwargs}
    with pytest.raises(InvalidValue) as caught:
        generate(tmp_path / "out", **args)
    assert caught.value.where == where
    assert message in caught.value.message
    assert not (tmp_path / "out").exists()


def test_cli_writes_the_files_and_one_json_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, [
        "synth", str(tmp_path), "--nations", "CO,MX", "--days", "30", "--seed", "4",
        "--organisations", "2", "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["seed"] == 4 and summary["nations"] == ["CO", "MX"]
    assert summary["files"]["CO"]["node"] == "co-dijin"
    assert summary["statements"] == sum(f["statements"] for f in summary["files"].values())
    assert (tmp_path / "truth.json").exists() and (tmp_path / "MX.jsonl").exists()


def test_cli_refuses_bad_nations_with_a_json_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["synth", str(tmp_path), "--nations", "CO,ZZ",
                                          "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_value" and error["where"] == "nations"
    assert "unknown nation(s) ZZ" in error["message"]
