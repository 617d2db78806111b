"""Fixtures for the federation service tests: a pair of nodes (co -> mx) ready to exchange.

Nodes are initialised once per session and copied per test (keys included), so
each test gets fresh stores in a fraction of a second.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.federation_kit import install, make_node, pin, signed_agreement

from accord.bootstrap import Node, open_node


@pytest.fixture(scope="session")
def federation_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("federation")
    make_node(root / "co", "co-dijin", "CO", max_envelope_bytes=60_000, poll_seconds=0.05,
              backoff_base_seconds=0.05, backoff_max_seconds=0.2)
    make_node(root / "mx", "mx-fgr", "MX", max_envelope_bytes=60_000, poll_seconds=0.05,
              backoff_base_seconds=0.05, backoff_max_seconds=0.2)
    make_node(root / "pe", "pe-dirandro", "PE", poll_seconds=0.05,
              backoff_base_seconds=0.05, backoff_max_seconds=0.2)
    opened = {name: open_node(root / name) for name in ("co", "mx", "pe")}
    for name, node in opened.items():  # each pins the others (tests that serve re-pin URLs)
        for other_name, other in opened.items():
            if other_name != name:
                pin(node, other, f"http://unreachable.invalid/{other_name}")
    for node in opened.values():
        node.close()
    return root


@pytest.fixture
def nodes(federation_template: Path, tmp_path: Path) -> Iterator[dict[str, Node]]:
    """Fresh copies of co, mx and pe, each pinning the others."""
    shutil.copytree(federation_template, tmp_path / "nodes")
    opened = {name: open_node(tmp_path / "nodes" / name) for name in ("co", "mx", "pe")}
    yield opened
    for node in opened.values():
        node.close()


@pytest.fixture
def co_mx(nodes: dict[str, Node]) -> tuple[Node, Node]:
    """co and mx under one active agreement (pe is a pinned partner without one)."""
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx]))
    return co, mx
