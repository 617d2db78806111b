"""Export to GraphML and GEXF, for Gephi and other link-chart tools.

Both carry, per entity: ``label``, ``schema``, ``organisation``, ``role``,
``country``, ``identifiers``, ``nations`` and any ``extra`` columns (e.g. a
key-player score or a community id); per tie: ``weight``, ``count``,
``kinds``, ``nations``, ``statements``, ``start``, ``end``. Lists are joined
with ``;``. GraphML is written by igraph; GEXF 1.3 (which igraph does not
write) by the standard library, with ties dated by ``start``/``end`` so that
Gephi's timeline can play them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.analytics.network.graph import Network

Extra = Mapping[str, Mapping[str, float | int | str]]  # column -> entity id -> value

NODE_COLUMNS = ("label", "schema", "organisation", "role", "country", "identifiers", "nations")
EDGE_COLUMNS = ("count", "kinds", "nations", "statements", "start", "end")
GEXF_NS = "http://gexf.net/1.3"


def _node_rows(net: Network) -> list[dict[str, str]]:
    rows = []
    for x in net.ids:
        info = net.entity(x)
        rows.append({"label": info.label or x, "schema": info.schema,
                     "organisation": info.organisation or "", "role": info.role or "",
                     "country": info.country or "", "identifiers": ";".join(info.identifiers),
                     "nations": ";".join(net.nations_of(x))})
    return rows


def _edge_rows(net: Network) -> list[dict[str, Any]]:
    rows = []
    for t in net.ties():
        rows.append({"weight": t.weight, "count": t.count, "kinds": ";".join(t.kinds),
                     "nations": ";".join(t.nations), "statements": ";".join(t.statements),
                     "start": t.start.isoformat() if t.start else "",
                     "end": t.end.isoformat() if t.end else ""})
    return rows


def _extra_type(values: Mapping[str, float | int | str]) -> str:
    kinds = {type(v) for v in values.values()}
    if kinds <= {int}:
        return "integer"
    return "double" if kinds <= {int, float} else "string"


def write_graphml(net: Network, path: str | Path, *, extra: Extra | None = None) -> None:
    """Write ``net`` as GraphML (node ``name`` is the entity id)."""
    g = net.graph.copy()
    g.vs["name"] = list(net.ids)
    nodes = _node_rows(net)
    for col in NODE_COLUMNS:
        g.vs[col] = [r[col] for r in nodes]
    edges = _edge_rows(net)
    for col in EDGE_COLUMNS:
        g.es[col] = [r[col] for r in edges]
    for col, values in (extra or {}).items():
        kind = _extra_type(values)
        missing: float | int | str = "" if kind == "string" else 0
        g.vs[col] = [values.get(x, missing) for x in net.ids]
    g.write_graphml(str(path))


def write_gexf(net: Network, path: str | Path, *, extra: Extra | None = None) -> None:
    """Write ``net`` as GEXF 1.3 (undirected; dynamic when ties are dated)."""
    extra = extra or {}
    dated = any(t.start for t in net.ties())
    root = ET.Element("gexf", {"xmlns": GEXF_NS, "version": "1.3"})
    ET.SubElement(ET.SubElement(root, "meta"), "creator").text = "Accord"
    graph_attrs = {"defaultedgetype": "undirected", "mode": "dynamic" if dated else "static"}
    if dated:
        graph_attrs["timeformat"] = "date"
    graph = ET.SubElement(root, "graph", graph_attrs)
    node_cols = [c for c in NODE_COLUMNS if c != "label"] + list(extra)
    node_decl = ET.SubElement(graph, "attributes", {"class": "node"})
    for i, col in enumerate(node_cols):
        kind = _extra_type(extra[col]) if col in extra else "string"
        ET.SubElement(node_decl, "attribute", {"id": f"n{i}", "title": col, "type": kind})
    edge_cols = [c for c in EDGE_COLUMNS if c not in ("start", "end")]
    edge_decl = ET.SubElement(graph, "attributes", {"class": "edge"})
    for i, col in enumerate(edge_cols):
        kind = "integer" if col == "count" else "string"
        ET.SubElement(edge_decl, "attribute", {"id": f"e{i}", "title": col, "type": kind})
    nodes = ET.SubElement(graph, "nodes")
    for x, row in zip(net.ids, _node_rows(net), strict=True):
        node = ET.SubElement(nodes, "node", {"id": x, "label": row["label"]})
        values = ET.SubElement(node, "attvalues")
        for i, col in enumerate(node_cols):
            value = extra[col].get(x, "") if col in extra else row[col]
            if value != "":
                ET.SubElement(values, "attvalue", {"for": f"n{i}", "value": str(value)})
    edges = ET.SubElement(graph, "edges")
    for e, row in enumerate(_edge_rows(net)):
        a, b = net.graph.es[e].tuple
        attrs = {"id": str(e), "source": net.ids[a], "target": net.ids[b],
                 "weight": repr(float(row["weight"]))}
        if row["start"]:
            attrs["start"] = row["start"]
            attrs["end"] = row["end"] or row["start"]
        edge = ET.SubElement(edges, "edge", attrs)
        values = ET.SubElement(edge, "attvalues")
        for i, col in enumerate(edge_cols):
            ET.SubElement(values, "attvalue", {"for": f"e{i}", "value": str(row[col])})
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)
