"""Choosing the bus: in-process unless a NATS URL is configured (option, environment,
node.yaml); nats-py is imported only when NATS is chosen. No server needed here."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from accord.adapters.bus import EventBus
from accord.adapters.bus_config import BUS_ENV, build_bus, bus_url, check_url, select_bus
from accord.domain.errors import InvalidValue


@dataclass
class Config:
    bus: str | None = None


def test_the_environment_comes_before_the_node_configuration() -> None:
    assert bus_url(None, {}) is None
    assert bus_url(Config(), {}) is None
    assert bus_url(Config("nats://a:4222"), {}) == "nats://a:4222"
    assert bus_url(Config("nats://a:4222"), {BUS_ENV: " nats://b:4222 "}) == "nats://b:4222"
    assert bus_url(Config("nats://a:4222"), {BUS_ENV: "memory"}) is None
    assert bus_url(object(), {BUS_ENV: "In-Process"}) is None


def test_only_a_nats_url_is_accepted() -> None:
    for url in ("nats://127.0.0.1:4222", "tls://nats.example:4222", "ws://h:8080"):
        assert check_url(url) == url
    for bad in ("http://127.0.0.1:4222", "127.0.0.1:4222", "nats://", "redis://h"):
        with pytest.raises(InvalidValue, match="is not a NATS URL"):
            check_url(bad, where="--bus")
    with pytest.raises(InvalidValue) as raised:
        bus_url(None, {BUS_ENV: "localhost:4222"})
    assert raised.value.where == BUS_ENV


def test_without_a_url_the_bus_is_the_in_process_one() -> None:
    started: list[str] = []
    bus = build_bus(None, node_id="mx-fgr", on_first=lambda: started.append("first"))
    assert type(bus) is EventBus
    assert bus.publish("alert", {"kind": "x"}).id == 1


@dataclass
class FakeNode:
    config: Config
    node_id: str = "mx-fgr"
    built: int = 0

    @property
    def bus(self) -> EventBus:
        self.built += 1
        return EventBus()


def test_serve_option_sets_the_environment_and_builds_a_nats_bus_at_once() -> None:
    env: dict[str, str] = {}
    node = FakeNode(Config())
    assert select_bus(node, None, env) is None and env == {} and node.built == 0
    assert select_bus(node, "memory", env) is None and env == {BUS_ENV: "memory"}
    assert select_bus(node, "nats://127.0.0.1:4222", env) is not None
    assert env == {BUS_ENV: "nats://127.0.0.1:4222"} and node.built == 1
    with pytest.raises(InvalidValue) as raised:
        select_bus(node, "4222", env)
    assert raised.value.where == "--bus"
    # node.yaml alone selects NATS too; the option 'memory' overrides it
    assert select_bus(FakeNode(Config("nats://h:4222")), None, {}) is not None
    assert select_bus(FakeNode(Config("nats://h:4222")), "memory", {}) is None


def test_nats_is_not_imported_unless_chosen() -> None:
    code = ("import sys\n"
            "from accord.adapters.bus_config import build_bus\n"
            "import accord.services.events\n"
            "build_bus(None, node_id='n').close()\n"
            "print(sorted(m for m in sys.modules if m == 'nats' or m.startswith('nats.')\n"
            "      or m == 'accord.adapters.bus_nats'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={BUS_ENV: "", "PATH": ""})
    assert out.stdout.strip() == "[]"


def test_serve_refuses_a_bus_url_that_is_not_nats(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from accord.bootstrap import init_node
    from accord.entrypoints.cli.main import app

    init_node(tmp_path / "n", node_id="mx-test", country="MX").node.close()
    result = CliRunner().invoke(app, ["serve", "--node", str(tmp_path / "n"), "--bus",
                                      "http://127.0.0.1:4222", "--json"], env={BUS_ENV: ""})
    assert result.exit_code != 0
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["where"]) == ("invalid_value", "--bus")
    assert "is not a NATS URL" in error["message"]


def test_node_yaml_names_the_bus() -> None:
    from accord.config import NodeConfig, NodeConfigError

    raw = {"node_id": "co-test", "country": "CO", "bus": "nats://127.0.0.1:4222"}
    config = NodeConfig.from_dict(raw)
    assert config.bus == "nats://127.0.0.1:4222"
    assert bus_url(config, {}) == "nats://127.0.0.1:4222"
    assert NodeConfig.from_dict({"node_id": "co-test", "country": "CO"}).bus == ""
    with pytest.raises(NodeConfigError, match="unknown key"):
        NodeConfig.from_dict({**raw, "buss": "nats://h:1"})
