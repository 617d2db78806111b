"""Reading JSONL line by line: locations, limits, encodings."""

from __future__ import annotations

from pathlib import Path

from accord.interop.jsonl import read_jsonl
from accord.interop.lines import read_lines


def test_lines_keep_numbers_offsets_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n  \n{"b": 2}')
    records = list(read_jsonl(path))
    assert [(r.line, r.record) for r in records] == [(1, {"a": 1}), (4, {"b": 2})]
    assert records[-1].end == path.stat().st_size


def test_oversize_lines_are_cut_and_skipped_without_losing_the_next(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"x" * 100 + b"\n" + b"y" * 10 + b"\n" + b"z" * 11)
    lines = list(read_lines(path, max_line_bytes=10))
    assert [(line.number, line.oversize, len(line.data)) for line in lines] == [
        (1, True, 10), (2, False, 10), (3, True, 10)]
    assert lines[-1].end == path.stat().st_size


def test_bad_lines_carry_their_problem(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'"text"\n{"a": \xc3\x28}\n')
    first, second = read_jsonl(path)
    assert first.record is None
    assert str(first.problems[0]) == f"{path}:1: a line must be a JSON object, not a string"
    assert str(second.problems[0]) == (
        f"{path}:2: encoding: not valid UTF-8: byte 0xc3 at byte 7 of the line "
        "(save the file as UTF-8)")
