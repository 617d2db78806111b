"""GraphML and GEXF exports carry entities, ties and their provenance, and read back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import igraph as ig
import networkx as nx

from accord.analytics.network.export import GEXF_NS, write_gexf, write_graphml
from accord.analytics.network.graph import Edge, EntityInfo, Network, build_network


def _net() -> Network:
    return build_network(
        [Edge("A", "B", "call", 1.0, date(2024, 1, 1), None, ("s1",), ("CO",)),
         Edge("A", "B", "Transaction", 2.0, date(2024, 2, 1), None, ("s2",), ("MX",)),
         Edge("B", "C", "Associate", 1.0, None, None, ("s3",), ("US",))],
        [EntityInfo("A", "Ana <Boss> & Co", "Person", "ORG-1", "leader", "CO", ("+000 1",))])


def test_graphml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "net.graphml"
    write_graphml(_net(), path, extra={"score": {"A": 0.9, "B": 0.5}, "community": {"A": 1}})
    g = ig.Graph.Read_GraphML(str(path))
    assert g.vcount() == 3 and g.ecount() == 2
    a = g.vs.find(name="A")
    assert a["label"] == "Ana <Boss> & Co" and a["role"] == "leader"
    assert a["nations"] == "CO;MX" and a["score"] == 0.9 and a["community"] == 1
    assert g.vs.find(name="C")["score"] == 0.0
    ab = g.es[g.get_eid(a.index, g.vs.find(name="B").index)]
    assert ab["weight"] == 3.0 and ab["kinds"] == "call;Transaction"
    assert ab["statements"] == "s1;s2" and ab["start"] == "2024-01-01"


def test_gexf_is_valid_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "net.gexf"
    write_gexf(_net(), path, extra={"score": {"A": 0.9}})
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.3"
    graph = root.find(f"{{{GEXF_NS}}}graph")
    assert graph is not None and graph.get("mode") == "dynamic"
    g = nx.read_gexf(path)
    assert set(g.nodes) == {"A", "B", "C"} and g.number_of_edges() == 2
    assert g.nodes["A"]["label"] == "Ana <Boss> & Co"
    assert g.nodes["A"]["organisation"] == "ORG-1" and g.nodes["A"]["score"] == 0.9
    assert g.edges["A", "B"]["weight"] == 3.0
    assert g.edges["A", "B"]["statements"] == "s1;s2"


def test_undated_network_is_static(tmp_path: Path) -> None:
    path = tmp_path / "static.gexf"
    write_gexf(build_network([Edge("A", "B")]), path)
    graph = ET.parse(path).getroot().find(f"{{{GEXF_NS}}}graph")
    assert graph is not None and graph.get("mode") == "static"
    assert nx.read_gexf(path).number_of_edges() == 1
