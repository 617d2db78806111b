"""One family's matching run: mentions -> blocking keys -> candidate pairs -> scored links.

``link_mentions`` is shared by a full run (every mention, maybe training the
model) and an incremental one (new mentions plus the existing mentions that share
a key with them; only pairs touching a new mention are scored). Clustering is
separate (``cluster``), and so is keeping state (``incremental``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from accord.analytics.resolve import blocking, scoring, splink_model
from accord.analytics.resolve.comparisons import COMMON
from accord.analytics.resolve.evidence import Link, links_from_scores
from accord.analytics.resolve.features import FAMILIES, FamilySpec, Mention
from accord.analytics.resolve.frequencies import token_counts
from accord.analytics.resolve.splink_model import FamilyModel, record_schema

SAMPLE_PAIRS = 300_000  # candidate pairs scored to refine a new model's prior and u


def open_duckdb(threads: int = 2, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one run (the caller closes it)."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    return con


def records_table(mentions: Sequence[Mention], spec: FamilySpec,
                  common: frozenset[str] = frozenset(),
                  tokens: Mapping[str, int] | None = None, total: int = 0) -> pa.Table:
    """The Splink input rows of ``mentions`` (uid = position)."""
    schema = record_schema(spec)
    rows = [m.record(i, common, tokens, total) for i, m in enumerate(mentions)]
    return pa.Table.from_pylist(rows, schema=schema)


@dataclass
class LinkRun:
    """What one family's matching run produced and what it cost."""

    family: str
    model: FamilyModel
    links: list[Link]
    keys: dict[str, frozenset[str]]  # blocking keys per mention id
    candidates: int = 0
    largest_block: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def link_mentions(con: duckdb.DuckDBPyConnection, mentions: Sequence[Mention], *,
                  family: str, model: FamilyModel | None = None,
                  only: Iterable[str] | None = None,
                  max_block: int = blocking.MAX_BLOCK,
                  threshold: float = splink_model.THRESHOLD,
                  floor: float = splink_model.FLOOR) -> LinkRun:
    """Score the candidate pairs among ``mentions`` (all of ``family``).

    Without ``model`` one is trained on ``mentions`` (and its blocking stop list
    decided with ``max_block``). With ``only`` (mention ids), just the pairs with
    at least one mention in it are scored.
    """
    spec = FAMILIES[family]
    clock = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    ordered = sorted(mentions, key=lambda m: m.id)
    keys = {m.id: frozenset(blocking.blocking_keys(m, spec)) for m in ordered}
    key_rows = pa.table({
        "uid": pa.array([i for i, m in enumerate(ordered) for _ in keys[m.id]], pa.int64()),
        "key": pa.array([k for m in ordered for k in keys[m.id]], pa.string())})
    training = model is None
    if model is None:
        counts = Counter(m.name.outline_key for m in ordered if m.name)
        common = frozenset(k for k, n in counts.items() if n >= COMMON)
        # a model trained on enough mentions keeps their name tokens' counts (names
        # weighed by their rarity, ``frequencies``); a few hundred would give noise
        enough = len(ordered) >= splink_model.MIN_TRAIN
        tokens = token_counts((m.name, m.countries[0] if len(m.countries) == 1 else None)
                              for m in ordered) if enough else {}
        total = len(ordered) if enough else 0
        records = records_table(ordered, spec, common, tokens, total)
        lap("features")
        stop = blocking.stoplist(con, key_rows, max_block)
        model = splink_model.train(con, spec, records, stoplist=stop, common=common,
                                   threshold=threshold)
        model = replace(model, tokens=tokens, tokens_total=total)
        lap("training")
    else:
        records = records_table(ordered, spec, model.common, model.tokens, model.tokens_total)
        lap("features")
    only_uids = None
    if only is not None:
        wanted = set(only)
        only_uids = [i for i, m in enumerate(ordered) if m.id in wanted]
    found = blocking.candidate_pairs(con, key_rows, model.stoplist, only=only_uids)
    lap("blocking")
    if training:
        # The prior and u are refined on scored candidates (see scoring.refine), then
        # every candidate is scored with the final model.
        sample = _sample(found.pairs, SAMPLE_PAIRS)
        scored = scoring.score(con, model, records, sample, floor=float("-inf"))
        n = len(ordered)
        model, notes = scoring.refine(model, scored, total_pairs=n * (n - 1) / 2,
                                      fraction=sample.num_rows / max(found.count, 1),
                                      present=scoring.present_counts(model, records))
        model = replace(model, notes=model.notes + tuple(notes))
        lap("prior")
    scores = scoring.score(con, model, records, found.pairs, floor=floor)
    links = links_from_scores(scores, ordered, family)
    strong = tuple(f"k:{c}:" for c in spec.strong_columns)
    if strong:
        hard = blocking.candidate_pairs(con, key_rows, model.stoplist, only=only_uids,
                                        prefixes=strong)
        seen = {(lk.left, lk.right) for lk in links}
        missing = [i for i, (a, b) in enumerate(zip(hard.pairs["l"].to_pylist(),
                                                    hard.pairs["r"].to_pylist(), strict=True))
                   if _ordered(ordered[a].id, ordered[b].id) not in seen]
        if missing:
            extra = scoring.score(con, model, records, hard.pairs.take(missing),
                                       floor=float("-inf"))
            links += [lk for lk in links_from_scores(extra, ordered, family) if lk.hard]
    links.sort(key=lambda lk: (lk.left, lk.right))
    lap("scoring")
    return LinkRun(family=family, model=model, links=links, keys=keys,
                   candidates=found.count, largest_block=found.largest_block, seconds=seconds)


def _sample(pairs: pa.Table, size: int) -> pa.Table:
    """At most ``size`` rows of ``pairs``, drawn the same way every time."""
    if pairs.num_rows <= size:
        return pairs
    picked = np.random.default_rng(0).choice(pairs.num_rows, size=size, replace=False)
    return pairs.take(pa.array(np.sort(picked)))


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)
