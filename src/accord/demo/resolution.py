"""The demo summary's ``resolution`` section: each node resolves what it holds.

After the story, every nation's node resolves its own and its received
entities (``accord.services.resolve``); the section gives, per node, the
canonical entities and merged mentions, and pairwise precision / recall / F1
per family against the world's ``truth.json`` (``accord.analytics.resolve.
evaluation``: entities the truth does not list are things of their own).
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from accord.adapters.store.resolution_repo import SqlResolutionRepository
from accord.analytics.resolve.evaluation import evaluate, synth_truth
from accord.analytics.resolve.features import FAMILIES
from accord.demo.flow import DemoRun
from accord.services.resolve import resolve


def section_resolution(run: DemoRun) -> dict[str, Any] | None:
    if run.world is None or run.world.truth is None:
        return None
    true_of, kinds = synth_truth(orjson.loads(run.world.truth.read_bytes()))
    nodes: dict[str, Any] = {}
    started = time.monotonic()
    for nation in run.nations:
        node = run.node(nation)
        done = resolve(node.store, node.registry).to_dict()
        with node.store.unit_of_work(write=False) as uow:
            repo = SqlResolutionRepository(uow.session)
            families = {i: f for f in FAMILIES for i in repo.fingerprints(f)}
            membership = repo.clusters_of(families)
        scores = evaluate(families, membership, true_of, kinds).to_dict()["families"]
        nodes[nation] = {
            "mentions": done["mentions"], "canonical_entities": done["canonical_entities"],
            "merged_mentions": done["merged_mentions"],
            "pairwise": {f: {k: s[k] for k in ("precision", "recall", "f1", "true_pairs")}
                         for f, s in scores.items()}}
    return {"nodes": nodes, "seconds": round(time.monotonic() - started, 2)}
