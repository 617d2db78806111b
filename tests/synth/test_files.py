"""The national files are valid import files: every line passes the domain's own checks."""

from __future__ import annotations

from accord.domain.entity import build_statements
from accord.domain.grading import Grading
from accord.domain.markings import Marking
from accord.domain.registry import load_registry
from accord.domain.report import Report

from .conftest import Generated


def test_every_line_builds_statements_without_a_problem(small: Generated) -> None:
    registry = load_registry()
    problems = []
    statements = 0
    for code, lines in small.lines.items():
        for number, line in enumerate(lines, 1):
            where = f"{code}.jsonl:{number}"
            if line["kind"] == "report":
                Report.from_dict(line, origin="test", where=where)
                continue
            marking = Marking.from_dict(line["markings"]) if "markings" in line else (
                Marking.DEFAULT)
            built, found = build_statements(
                registry, entity_id=line["id"], schema=line["schema"],
                properties=line["properties"], report_id=line["report"], origin=code.lower(),
                marking=marking, grading=Grading.from_dict(line.get("grading")), country=code,
                where=where)
            problems += found
            statements += len(built)
    assert problems == []
    assert statements == small.summary.statements


def test_reports_come_before_their_entities_and_links_point_backwards(small: Generated) -> None:
    registry = load_registry()
    for code, lines in small.lines.items():
        reports: set[str] = set()
        entities: set[str] = set()
        for line in lines:
            if line["kind"] == "report":
                assert line["id"].startswith(f"{code}-") and line["origin"] == line["id"].split(
                    "-")[0].lower() + "-" + line["id"].split("-")[1].lower()
                assert line["id"] not in reports
                reports.add(line["id"])
                continue
            assert line["report"] in reports, f"{code}: {line['id']} before its report"
            assert line["id"] not in entities, f"{code}: {line['id']} written twice"
            assert line["id"].startswith(code.lower() + "-")
            schema = registry.get(line["schema"])
            for prop, values in line["properties"].items():
                if schema.get(prop).type.name == "entity":
                    for target in values:
                        assert target in entities, f"{code}: {line['id']}.{prop} -> {target}"
            entities.add(line["id"])


def test_markings_are_set_as_an_analyst_would(small: Generated) -> None:
    tlps: dict[str, int] = {}
    handling: set[str] = set()
    for lines in small.lines.values():
        for line in lines:
            markings = line.get("markings")
            if markings is None:
                continue
            tlps[markings["tlp"]] = tlps.get(markings["tlp"], 0) + 1
            handling.update(markings.get("handling", []))
            if "H3" in markings.get("handling", []):
                assert markings["restrictions"], line["id"]
    reports = sum(1 for ls in small.lines.values() for line in ls if line["kind"] == "report")
    assert tlps["AMBER"] + tlps.get("AMBER+STRICT", 0) > reports / 3
    assert {"GREEN", "RED"} <= set(tlps)
    assert {"H0", "H1", "H2", "H3"} <= handling


def test_summary_counts_match_the_files(small: Generated) -> None:
    for code, stats in small.summary.files.items():
        assert stats.lines == len(small.lines[code])
        assert stats.reports == sum(1 for line in small.lines[code] if line["kind"] == "report")
        assert stats.statements == sum(
            sum(len(v) for v in line["properties"].values())
            for line in small.lines[code] if line["kind"] == "entity")
