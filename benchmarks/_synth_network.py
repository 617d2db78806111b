"""A person network per nation from an ``accord synth`` world, for grading against truth.json.

Reads the national JSONL files directly (the store and entity resolution come
later), turns every entity record into statements, and builds edges with
``accord.analytics.network.statements``: calls between phones and payments
between accounts are projected onto the phones' and accounts' holders. Mention
ids are mapped to true ids with truth.json ("oracle resolution": the upper
bound of what resolution can deliver; background entities keep their national
ids). A nation's *subjects* are the people its own file names as members of an
organisation (Membership links): what that agency already suspects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from accord.analytics.network.graph import Edge
from accord.analytics.network.statements import edge_specs, edges_from_statements, holders
from accord.domain.registry import load_registry
from accord.domain.statement import Statement
from accord.synth.truth import Truth


@dataclass
class SynthNetwork:
    truth: Truth
    edges: list[Edge] = field(default_factory=list)
    subjects: dict[str, set[str]] = field(default_factory=dict)  # nation -> true/national ids
    persons: set[str] = field(default_factory=set)  # canonical ids of Person entities

    @property
    def key_players(self) -> list[str]:
        return [k["person"] for k in self.truth.raw["key_players"] if k["key"]]

    @property
    def leaders(self) -> list[str]:
        return [k["person"] for k in self.truth.raw["key_players"] if k["role"] == "leader"]

    @property
    def brokers(self) -> list[str]:
        return [b["person"] for b in self.truth.raw["brokers"]]

    @property
    def organisation(self) -> dict[str, str]:
        return {m["person"]: org for org, o in self.truth.raw["organisations"].items()
                for m in o["members"]}


def _statements(path: Path, nation: str) -> list[Statement]:
    out = []
    with path.open("rb") as fh:
        for line in fh:
            rec = orjson.loads(line)
            if rec.get("kind") != "entity":
                continue
            for prop, values in rec.get("properties", {}).items():
                for v in values:
                    out.append(Statement(rec["id"], rec["schema"], prop, str(v), rec["report"],
                                         nation))
    return out


def load_synth_network(directory: Path) -> SynthNetwork:
    """Edges of every nation (each edge's ``nations`` is the nation whose file has it)."""
    truth = Truth(orjson.loads((directory / "truth.json").read_bytes()))
    specs = edge_specs(load_registry())
    out = SynthNetwork(truth)
    for nation in truth.nations:
        sts = _statements(directory / truth.raw["files"][nation]["file"], nation)
        canonical = {st.entity_id: tid for st in sts
                     if (tid := truth.true_id(nation, st.entity_id)) is not None}
        canonical.update(holders(sts, canonical=canonical))
        out.edges += edges_from_statements(sts, specs, canonical=canonical)
        out.subjects[nation] = {canonical.get(st.value, st.value) for st in sts
                                if st.schema == "Membership" and st.prop == "member"}
        out.persons.update(canonical.get(st.entity_id, st.entity_id) for st in sts
                           if st.schema == "Person")
    return out
