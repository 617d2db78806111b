"""accord import, export, search and show, including every bad input of issue 2."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from .bad_inputs import BAD_INPUTS
from .conftest import NodeFixture, run_cli

SAMPLE = resources.files("accord") / "data" / "sample.jsonl"


def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.jsonl"
    path.write_bytes(SAMPLE.read_bytes())
    return path


def imported(node_dir: NodeFixture, tmp_path: Path) -> NodeFixture:
    result = run_cli("import", "--node", str(node_dir.path), str(sample(tmp_path)), "--json")
    assert result.exit_code == 0, result.stderr
    return node_dir


def exported_lines(node_dir: NodeFixture) -> list[dict[str, object]]:
    result = run_cli("export", "--node", str(node_dir.path))
    assert result.exit_code == 0
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_import_reports_counts_and_reimport_changes_nothing(node_dir: NodeFixture,
                                                            tmp_path: Path) -> None:
    path = sample(tmp_path)
    first = run_cli("import", "--node", str(node_dir.path), str(path), "--json").json()
    assert first["reports_new"] == 2 and first["entities"] == 11
    assert first["statements_new"] > 0 and first["rejected"] == 0
    again = run_cli("import", "--node", str(node_dir.path), str(path), "--json").json()
    assert again["reports_new"] == 0 and again["statements_new"] == 0
    assert again["statements_unchanged"] == first["statements_new"]


def test_import_human_output_is_a_summary(node_dir: NodeFixture, tmp_path: Path) -> None:
    result = run_cli("import", "--node", str(node_dir.path), str(sample(tmp_path)))
    assert result.exit_code == 0
    assert result.stdout.startswith("Imported 1 file(s): 2 new")


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_rejected_whole_with_where_and_why(node_dir: NodeFixture, tmp_path: Path,
                                                        case: str) -> None:
    content, line, field, reason = BAD_INPUTS[case]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    result = run_cli("import", "--node", str(node_dir.path), str(path), "--json")
    assert result.exit_code == 1
    error = result.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith("1 problem(s); nothing was written") or \
        "nothing was written" in error["message"]
    matching = [p for p in error["problems"]
                if p["where"] == f"{path}:{line}" and p["field"] == field
                and p["reason"].startswith(reason)]
    assert matching, error["problems"]
    assert f"{path}:{line}: " in result.stderr  # the human message names file and line too
    assert exported_lines(node_dir) == []  # nothing was written


def test_skip_invalid_writes_the_good_lines_and_rejects_the_bad(node_dir: NodeFixture,
                                                                tmp_path: Path) -> None:
    content, _line, _field, reason = BAD_INPUTS["invalid phone"]
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"kind": "entity", "id": "p2", "schema": "Person", "report": "R1",
                       "properties": {"name": ["Ana Example"]}})
    path.write_bytes(content + good.encode() + b"\n")
    rejects = tmp_path / "out" / "rejects.jsonl"
    rejects.parent.mkdir()
    result = run_cli("import", "--node", str(node_dir.path), str(path), "--skip-invalid",
                     "--rejects", str(rejects), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["rejected"] == 1
    assert result.json()["rejects_path"] == str(rejects)
    rejected = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert rejected[0]["line"] == 2 and rejected[0]["problems"][0]["reason"].startswith(reason)
    ids = {line["id"] for line in exported_lines(node_dir)}
    assert ids == {"R1", "p2"}


def test_import_of_a_missing_file(node_dir: NodeFixture, tmp_path: Path) -> None:
    result = run_cli("import", "--node", str(node_dir.path), str(tmp_path / "nope.jsonl"),
                     "--json")
    assert result.exit_code == 1
    assert result.json()["error"]["problems"] == [
        {"where": str(tmp_path / "nope.jsonl"), "field": "", "reason": "no such file"}]


def test_import_csv_with_a_mapping(node_dir: NodeFixture, tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("ref,full_name,mobile\nc1,Ana Example,+57 310 555 0100\n",
                        encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "schema: Person\n"
        "id_column: ref\n"
        "columns: {full_name: name, mobile: phone}\n"
        "report: {id: CSV-1, title: People from a spreadsheet}\n", encoding="utf-8")
    result = run_cli("import", "--node", str(node_dir.path), str(csv_file), "--csv-mapping",
                     str(mapping), "--json")
    assert result.exit_code == 0, result.stdout
    hits = run_cli("search", "--node", str(node_dir.path), "+573105550100", "--json").json()
    assert [h["entity_id"] for h in hits["hits"]] == ["c1"]


def test_export_to_a_file_and_to_stdout_agree(node_dir: NodeFixture, tmp_path: Path) -> None:
    imported(node_dir, tmp_path)
    out = tmp_path / "export.jsonl"
    result = run_cli("export", "--node", str(node_dir.path), "--out", str(out), "--json")
    assert result.exit_code == 0
    summary = result.json()
    assert summary["reports"] == 2 and summary["out"] == str(out)
    from_file = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert from_file == exported_lines(node_dir)
    assert len(from_file) == summary["lines"]


def test_export_json_without_out_is_refused(node_dir: NodeFixture) -> None:
    result = run_cli("export", "--node", str(node_dir.path), "--json")
    assert result.exit_code == 1
    assert result.json()["error"]["where"] == "--out"


def test_exported_file_imports_into_a_fresh_node_unchanged(node_dir: NodeFixture,
                                                           tmp_path: Path) -> None:
    imported(node_dir, tmp_path)
    out = tmp_path / "export.jsonl"
    run_cli("export", "--node", str(node_dir.path), "--out", str(out))
    other = tmp_path / "other"
    run_cli("init", "--node", str(other), "--node-id", "co", "--country", "CO")
    result = run_cli("import", "--node", str(other), str(out), "--json")
    assert result.exit_code == 0, result.stdout
    again = run_cli("export", "--node", str(other))
    assert [json.loads(x) for x in again.stdout.splitlines()] == exported_lines(node_dir)


@pytest.mark.parametrize("query", ["Joaquin Zambrano", "zambrano iturbe joaquín", "Хоакин",
                                   "+52 (667) 555-0142", "0052 667 555 0142"])
def test_search_finds_name_variants_and_identifiers(node_dir: NodeFixture, tmp_path: Path,
                                                    query: str) -> None:
    imported(node_dir, tmp_path)
    result = run_cli("search", "--node", str(node_dir.path), query, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["hits"][0]["entity_id"] == "mx-per-0001"


def test_search_table_and_filters(node_dir: NodeFixture, tmp_path: Path) -> None:
    imported(node_dir, tmp_path)
    table = run_cli("search", "--node", str(node_dir.path), "Estrella del Sur")
    assert "mx-ves-0001" in table.stdout
    only_people = run_cli("search", "--node", str(node_dir.path), "Estrella del Sur",
                          "--schema", "Person", "--json").json()
    assert only_people["hits"] == []
    one = run_cli("search", "--node", str(node_dir.path), "Zambrano", "--limit", "1",
                  "--json").json()
    assert len(one["hits"]) == 1


def test_search_errors(node_dir: NodeFixture) -> None:
    unknown = run_cli("search", "--node", str(node_dir.path), "x", "--schema", "Persn",
                      "--json")
    assert unknown.exit_code == 1
    assert "unknown schema 'Persn'" in unknown.json()["error"]["message"]
    empty = run_cli("search", "--node", str(node_dir.path), "  ", "--json")
    assert empty.json()["error"] == {"code": "invalid_value", "where": "query",
                                     "message": "the search query is empty"}


def test_show_gives_statements_with_provenance(node_dir: NodeFixture, tmp_path: Path) -> None:
    imported(node_dir, tmp_path)
    result = run_cli("show", "--node", str(node_dir.path), "mx-per-0001", "--json")
    assert result.exit_code == 0
    entity = result.json()
    assert entity["schema"] == "Person"
    names = {(s["value"], s["report_id"]) for s in entity["statements"] if s["prop"] == "name"}
    assert names == {("Joaquín ZAMBRANO ITURBE", "MX-DEMO-2026-0001"),
                     ("Joaquin Zambrano", "MX-DEMO-2026-0002")}
    phone = [s for s in entity["statements"] if s["prop"] == "phone"
             and s["report_id"] == "MX-DEMO-2026-0002"][0]
    assert phone["value"] == "+526675550142"
    assert phone["original_value"] == "+52 (667) 555-0142"
    assert phone["markings"]["tlp"] == "RED" and phone["origin"] == "mx-test"
    assert {r["id"] for r in entity["reports"]} == {"MX-DEMO-2026-0001", "MX-DEMO-2026-0002"}
    human = run_cli("show", "--node", str(node_dir.path), "mx-per-0001")
    assert "Хоакин" in human.stdout


def test_show_unknown_entity(node_dir: NodeFixture) -> None:
    result = run_cli("show", "--node", str(node_dir.path), "nobody", "--json")
    assert result.exit_code == 1
    assert result.json()["error"] == {"code": "not_found", "where": "entity",
                                      "message": "no entity 'nobody' in this node"}
