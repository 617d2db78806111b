"""Scale: resolving a million person mentions on this machine (2 cores), time and memory.

People are drawn with the synthetic world's name generator (its cultures, and
each agency's writing habits: transliteration, script, accents, order, case,
missing second surname, nickname, initials, typos), each written by one to four
agencies; a mention carries a date of birth (often), a nationality, and
sometimes a passport or a phone. The whole pipeline is timed from the entities
to the clusters: mention features, blocking keys, training (u by random
sampling, EM, prior and u refined on candidates), scoring every candidate pair
with Splink on DuckDB, clustering. Pairwise precision/recall against the
generator's truth come as a bonus.

Baseline in the same run: the same pipeline on a tenth of the mentions;
``ratio`` is the cost per mention at full size over the cost per mention at a
tenth (1.0 means linear scaling). Wall time depends on what else the machine
runs: CPU seconds (user + system, both threads of DuckDB) and the load average
are reported beside it.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import time
from types import SimpleNamespace
from typing import Any

from accord.analytics.resolve.cluster import cluster
from accord.analytics.resolve.evaluation import evaluate
from accord.analytics.resolve.features import Mention, mention_of
from accord.analytics.resolve.judgements import JudgementSet
from accord.analytics.resolve.pipeline import link_mentions, open_duckdb
from accord.domain.registry import load_registry
from accord.synth.names import make_name, write_person
from accord.synth.nations import NATIONS

CULTURES = (("hispanic", 0.62), ("anglo", 0.1), ("slavic", 0.08), ("arabic", 0.07),
            ("chinese", 0.05), ("dutch", 0.04), ("albanian", 0.04))
NATIONALITY = {"hispanic": ("co", "mx", "pa", "es", "ec", "gt"), "anglo": ("us", "gb"),
               "slavic": ("ru", "rs", "ua"), "arabic": ("ma", "lb", "ae"),
               "chinese": ("cn", "hk"), "dutch": ("nl", "be"), "albanian": ("al", "xk")}


def people(mentions: int, seed: int = 11) -> tuple[list[SimpleNamespace], dict[str, str]]:
    """About ``mentions`` person entities of ~mentions/2.2 people, and the truth."""
    rng = random.Random(seed)
    nations = [NATIONS[c] for c in ("CO", "MX", "US", "PA", "ES")]
    cultures, weights = zip(*CULTURES, strict=True)
    out: list[SimpleNamespace] = []
    truth: dict[str, str] = {}
    person = 0
    while len(out) < mentions:
        person += 1
        culture = rng.choices(cultures, weights)[0]
        name = make_name(culture, rng.choice(("male", "female")), rng)
        born = f"{rng.randrange(1940, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        nationality = rng.choice(NATIONALITY[culture])
        passport = f"{rng.choice('ABCDEGX')}{rng.randrange(10**7, 10**8)}"
        phone = f"+57300{rng.randrange(10**6, 10**7)}"
        for k, nation in enumerate(rng.sample(nations, rng.choice((1, 1, 2, 3, 4)))):
            written = write_person(name, nation.habits, rng, varied=k > 0 or rng.random() < 0.5,
                                   noise=0.5)
            props: dict[str, list[str]] = {"name": [written.text],
                                           "nationality": [nationality]}
            roll = rng.random()
            if roll < 0.6:
                props["birthDate"] = [born]
            elif roll < 0.7:
                props["birthDate"] = [born[:7]]
            if rng.random() < 0.3:
                props["passportNumber"] = [passport]
            if rng.random() < 0.2:
                props["phone"] = [phone]
            entity_id = f"{nation.code.lower()}-{person}-{k}"
            truth[entity_id] = f"P{person}"
            out.append(SimpleNamespace(id=entity_id, schema="Person", properties=props))
    return out, truth


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def resolve(entities: list[SimpleNamespace]) -> tuple[dict[str, str], dict[str, Any]]:
    registry = load_registry()
    started, cpu = time.perf_counter(), _cpu()
    mentions: list[Mention] = [m for m in (mention_of(registry, e) for e in entities) if m]
    features = time.perf_counter() - started
    con = open_duckdb(threads=2)
    try:
        run = link_mentions(con, mentions, family="Person")
    finally:
        con.close()
    clock = time.perf_counter()
    found = cluster([m.id for m in mentions], run.links, JudgementSet(), family="Person",
                    threshold=run.model.threshold,
                    identity={m.id: m.identity() for m in mentions})
    seconds = dict(run.seconds, mentions=round(features, 1),
                   clustering=round(time.perf_counter() - clock, 1))
    info = {"seconds": round(time.perf_counter() - started, 1), "phases": seconds,
            "cpu_seconds": round(_cpu() - cpu, 1),
            "candidates": run.candidates, "links": len(run.links),
            "largest_block": run.largest_block, "trained": run.model.trained}
    return found.membership(), info


def run(quick: bool) -> dict[str, Any]:
    size = 20_000 if quick else 1_000_000
    load_before = os.getloadavg()[0]
    small, _ = people(size // 10, seed=12)
    _, small_info = resolve(small)
    del small
    gc.collect()
    entities, truth = people(size)
    membership, info = resolve(entities)
    families = {e.id: "Person" for e in entities}
    score = evaluate(families, membership, truth).families["Person"]
    out: dict[str, Any] = {"mentions": len(entities), "true_people": len(set(truth.values())),
                           "seconds": info["seconds"], "minutes": round(info["seconds"] / 60, 2),
                           "cpu_seconds": info["cpu_seconds"],
                           "load_average_before": round(load_before, 2),
                           "load_average_after": round(os.getloadavg()[0], 2),
                           "candidates": info["candidates"], "links_kept": info["links"],
                           "largest_block": info["largest_block"], "trained": info["trained"],
                           "precision": round(score.precision, 4),
                           "recall": round(score.recall, 4), "f1": round(score.f1, 4),
                           "peak_rss_mb_during": round(
                               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    for phase, seconds in info["phases"].items():
        out[f"seconds_{phase}"] = seconds
    out["baseline_mentions"] = size // 10
    out["baseline_seconds"] = small_info["seconds"]
    per_full = info["seconds"] / len(entities)
    per_small = small_info["seconds"] / max(size // 10, 1)
    out["ratio"] = round(per_full / per_small, 3)
    return out
