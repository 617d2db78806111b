"""Every command given a bad node, file or number: a clear error, exit 1, never a traceback.

``run_cli`` re-raises anything but ``SystemExit``, so a command that crashed
instead of reporting fails here; with ``--json`` stdout is exactly one error
document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Invocation, NodeFixture, run_cli

COMMANDS = [
    ["search", "foo"], ["show", "x"], ["user", "list"], ["token", "list"],
    ["partner", "list"], ["agreement", "list"], ["approval", "list"], ["audit", "verify"],
    ["audit", "log"], ["key", "show"], ["export", "--out", "{tmp}/out.jsonl"],
    ["canonical", "x"], ["query", "list"], ["deconflict", "list"],
    ["network", "key-players"], ["import", "{tmp}/in.jsonl"],
]


def _args(command: list[str], tmp: Path) -> list[str]:
    return [part.replace("{tmp}", str(tmp)) for part in command]


def _error(result: Invocation) -> dict[str, object]:
    assert result.exit_code == 1, result.stdout
    body: dict[str, object] = json.loads(result.stdout)["error"]
    assert body["code"] and body["message"]
    assert "Traceback" not in result.stderr
    return body


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_missing_node_directory_is_named(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("{}\n")
    result = run_cli(*_args(command, tmp_path), "--node", str(tmp_path / "nowhere"), "--json")
    body = _error(result)
    assert body["code"] == "node_config" and "is not a directory" in str(body["message"])


@pytest.mark.parametrize("config", [
    "node_id: [unclosed\n", "", "- a list\n", "\xff\xfe garbage", "node_id: x\n",
])
@pytest.mark.parametrize("command", COMMANDS[:4], ids=" ".join)
def test_a_corrupt_node_yaml_is_named(command: list[str], config: str,
                                      node_dir: NodeFixture, tmp_path: Path) -> None:
    (node_dir.path / "node.yaml").write_bytes(config.encode("latin-1"))
    result = run_cli(*_args(command, tmp_path), "--node", str(node_dir.path), "--json")
    body = _error(result)
    assert body["code"] == "node_config"
    assert str(body["where"]).endswith("node.yaml")


def _jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_import_refuses_an_unwritable_rejects_file_before_writing(
        node_dir: NodeFixture, tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "in.jsonl", {"kind": "report", "id": "R1", "title": "t"},
                  {"kind": "entity", "id": "p1", "schema": "Person", "report": "R1",
                   "properties": {"name": ["A"], "phone": ["12"]}})
    for rejects, reason in [(tmp_path / "no" / "r.jsonl", "cannot write the rejects file"),
                            (tmp_path, "the rejects file is a directory")]:
        result = run_cli("import", str(data), "--skip-invalid", "--rejects", str(rejects),
                         "--node", str(node_dir.path), "--json")
        (problem,) = _error(result)["problems"]  # type: ignore[misc]
        assert problem["where"] == str(rejects) and problem["reason"].startswith(reason)
    listed = run_cli("search", "R1", "--node", str(node_dir.path), "--json")
    assert listed.exit_code == 0 and listed.json()["hits"] == []


def test_import_names_directories_and_the_mapping_option(node_dir: NodeFixture,
                                                        tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path), "--node", str(node_dir.path), "--json")
    (problem,) = _error(result)["problems"]  # type: ignore[misc]
    assert problem["reason"] == "is a directory, not a file"
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("ref,name\n1,Ana\n")
    result = run_cli("import", str(csv_file), "--csv-mapping", str(tmp_path),
                     "--node", str(node_dir.path), "--json")
    (problem,) = _error(result)["problems"]  # type: ignore[misc]
    assert problem["reason"] == "is a directory, not a mapping file"
    result = run_cli("import", str(csv_file), "--node", str(node_dir.path), "--json")
    (problem,) = _error(result)["problems"]  # type: ignore[misc]
    assert "(--csv-mapping, or people.yaml next to it)" in problem["reason"]


def test_an_agreement_file_that_is_not_utf8_is_named(node_dir: NodeFixture,
                                                    tmp_path: Path) -> None:
    document = tmp_path / "agr.yaml"
    document.write_bytes(b"id: agr-1\ntitle: Caf\xe9\n")
    result = run_cli("agreement", "draft", str(document), "--node", str(node_dir.path),
                     "--json")
    body = _error(result)
    assert body["where"] == "agr.yaml"
    assert body["message"] == "not valid UTF-8: byte 0xe9 on line 2 (save the file as UTF-8)"


def test_export_into_a_missing_directory_is_named(node_dir: NodeFixture,
                                                  tmp_path: Path) -> None:
    result = run_cli("export", "--out", str(tmp_path / "no" / "x.jsonl"),
                     "--node", str(node_dir.path), "--json")
    body = _error(result)
    assert body["where"] == "--out" and "no directory" in str(body["message"])
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(("command", "code"), [
    (["token", "revoke"], "not_found"),
    (["approval", "approve"], "not_found"),
    (["approval", "refuse"], "not_found"),
    (["audit", "proof"], "invalid_value"),
])
def test_numbers_beyond_64_bits(command: list[str], code: str, node_dir: NodeFixture) -> None:
    result = run_cli(*command, "1070068954104035599712256", "--node", str(node_dir.path),
                     "--json")
    assert _error(result)["code"] == code


@pytest.mark.parametrize(("error", "code", "where"), [
    (FileNotFoundError(2, "No such file or directory", "/x/in.csv"), "file_error", "/x/in.csv"),
    (OverflowError("int too big"), "invalid_value", None),
    (UnicodeDecodeError(
        "utf-8", b"ab\xff", 2, 3, "invalid start byte"), "invalid_input", None),
    (ConnectionRefusedError(111, "Connection refused"), "internal_error", None),
])
def test_commands_turn_stray_errors_into_the_error_shape(
        error: Exception, code: str, where: str | None,
        capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from accord.entrypoints.cli.output import command

    with pytest.raises(typer.Exit) as stopped, command(True):
        raise error
    assert stopped.value.exit_code == 1
    body = json.loads(capsys.readouterr().out)["error"]
    assert (body["code"], body["where"]) == (code, where) and body["message"]
