"""node.yaml: validation, database URL resolution, and errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.config import NodeConfig, NodeConfigError, NodeDir, node_path, resolve_db_url
from accord.domain.errors import InvalidValue


def test_relative_sqlite_urls_resolve_inside_the_node_directory(tmp_path: Path) -> None:
    assert resolve_db_url("sqlite:///accord.db", tmp_path) == f"sqlite:///{tmp_path}/accord.db"
    assert resolve_db_url("sqlite:////abs/x.db", tmp_path) == "sqlite:////abs/x.db"
    assert resolve_db_url("postgresql://h/db", tmp_path) == "postgresql://h/db"


def test_config_round_trips_through_node_yaml(tmp_path: Path) -> None:
    directory = NodeDir(tmp_path)
    config = NodeConfig(node_id="co-dijin", country="co", name="Policía (demo)")
    directory.write_config(config)
    assert directory.read_config() == NodeConfig(node_id="co-dijin", country="CO",
                                                 name="Policía (demo)")


def test_invalid_country_is_named() -> None:
    with pytest.raises(InvalidValue, match="'Narnia' is not an ISO 3166-1 alpha-2"):
        NodeConfig(node_id="x", country="Narnia")


@pytest.mark.parametrize(("text", "message"), [
    ("node_id: x\ncountry: MX\ncolour: red\n", "unknown key(s): colour"),
    ("node_id: x\n", "country is required"),
    ("[1, 2]\n", "must be a YAML mapping"),
    ("node_id: [\n", "cannot read"),
    ("node_id: x\ncountry: ZZ\n", "'ZZ' is not an ISO 3166-1 alpha-2 country code"),
])
def test_broken_node_yaml_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "node.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(NodeConfigError) as caught:
        NodeDir(tmp_path).read_config()
    assert message in caught.value.message
    assert str(tmp_path / "node.yaml") in str(caught.value)


def test_node_path_prefers_the_option_then_the_environment(tmp_path: Path) -> None:
    assert node_path(tmp_path, {"ACCORD_NODE": "/elsewhere"}) == tmp_path
    assert node_path(None, {"ACCORD_NODE": "/elsewhere"}) == Path("/elsewhere")
    with pytest.raises(NodeConfigError, match="pass --node DIR or set \\$ACCORD_NODE"):
        node_path(None, {})


def test_a_node_whose_database_file_is_gone_is_refused_not_recreated(tmp_path: Path) -> None:
    from accord.bootstrap import init_node, open_node
    from accord.config import NodeConfigError

    init_node(tmp_path / "n", node_id="co-test", country="CO").node.close()
    for leftover in (tmp_path / "n").glob("accord.db*"):
        leftover.unlink()
    with open_node(tmp_path / "n") as node, pytest.raises(NodeConfigError,
                                                          match="database file is missing"):
        node.store  # noqa: B018 - opening is the act under test
    assert not (tmp_path / "n" / "accord.db").exists()


@pytest.mark.parametrize("value", ["abc", -5, 0, True, 1.5])
def test_api_limits_must_be_positive_integers(value: object) -> None:
    raw = {"node_id": "co-test", "country": "CO", "api": {"max_body_bytes": value}}
    with pytest.raises(NodeConfigError, match="api.max_body_bytes: .* is not a positive integer"):
        NodeConfig.from_dict(raw)
    assert NodeConfig.from_dict({**raw, "api": {"max_body_bytes": 2048}}).api.max_body_bytes == 2048
