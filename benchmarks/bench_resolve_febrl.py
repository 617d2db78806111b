"""FEBRL4 (5,000 x 5,000 records, 5,000 true links, shipped by recordlinkage).

Three methods in the same process, each timed from the raw records to its links:

- Accord: the records become Person mentions (name, date of birth, the social
  security number as an ID number, the address), resolved as a node resolves
  its entities (blocking keys, Splink model trained unsupervised, clustering);
  every pair inside a canonical entity counts as a predicted link (pairs within
  one file are false positives: FEBRL4's files have no duplicates inside).
- Splink only: a standard Splink 5 link-only model (library comparisons on
  each field, Splink's own blocking rules, u by random sampling, EM on two
  blocking rules), links at match probability >= 0.5.
- recordlinkage ECM: blocking on given name or surname, binary comparisons
  (Jaro-Winkler >= 0.85 on names and address, exact on date of birth, suburb,
  state, postcode, social security number), ECM classifier.

``ratio`` is Accord's wall time over Splink's; F1s are reported for all three.
"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

from accord.analytics.resolve.cluster import cluster
from accord.analytics.resolve.features import mention_of
from accord.analytics.resolve.judgements import JudgementSet
from accord.analytics.resolve.pipeline import link_mentions, open_duckdb
from accord.domain.registry import load_registry


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(raw: Any) -> str | None:
    text = _text(raw)
    if len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not (1 <= month <= 12 and 1 <= day <= 31 and year > 1000):
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def accord_links(a: Any, b: Any) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    registry = load_registry()
    mentions = []
    for prefix, frame in (("a", a), ("b", b)):
        for rec_id, row in frame.iterrows():
            props: dict[str, list[str]] = {}
            name = " ".join(x for x in (_text(row.given_name), _text(row.surname)) if x)
            if name:
                props["name"] = [name]
            born = _date(row.date_of_birth)
            if born:
                props["birthDate"] = [born]
            if _text(row.soc_sec_id):
                props["idNumber"] = [_text(row.soc_sec_id)]
            address = " ".join(_text(v) for v in (row.street_number, row.address_1,
                                                 row.address_2, row.suburb, row.postcode,
                                                 row.state) if _text(v))
            if address:
                props["address"] = [address]
            found = mention_of(registry, SimpleNamespace(id=f"{prefix}|{rec_id}",
                                                         schema="Person", properties=props))
            if found is not None:
                mentions.append(found)
    con = open_duckdb()
    try:
        run = link_mentions(con, mentions, family="Person")
    finally:
        con.close()
    found_clusters = cluster([m.id for m in mentions], run.links, JudgementSet(),
                             family="Person", threshold=run.model.threshold)
    pairs = {(x, y) for c in found_clusters.clusters for x in c.members for y in c.members
             if x < y}
    return pairs, {"candidates": run.candidates, "trained": run.model.trained,
                   **{f"seconds_{k}": v for k, v in run.seconds.items()}}


def splink_links(a: Any, b: Any) -> set[tuple[str, str]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = []
    for frame in (a, b):
        f = frame.reset_index().rename(columns={"rec_id": "unique_id"}).fillna("")
        frames.append(f)
    api = DuckDBAPI()
    left = api.register(frames[0], dataset_display_name="a")
    right = api.register(frames[1], dataset_display_name="b")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.ExactMatch("suburb"), cl.ExactMatch("postcode"), cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
            block_on("soc_sec_id"), block_on("postcode", "street_number")],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"))
    predicted = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
    rows = predicted.as_duckdbpyrelation().select(
        "source_dataset_l, unique_id_l, source_dataset_r, unique_id_r").fetchall()
    out = set()
    for sl, ul, sr, ur in rows:
        x, y = f"{'a' if sl == 'a' else 'b'}|{ul}", f"{'a' if sr == 'a' else 'b'}|{ur}"
        out.add((min(x, y), max(x, y)))
    return out


def ecm_links(a: Any, b: Any) -> set[tuple[str, str]]:
    import recordlinkage as rl

    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    candidates = indexer.index(a, b)
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    for column in ("date_of_birth", "suburb", "state", "postcode", "soc_sec_id"):
        compare.exact(column, column)
    features = compare.compute(candidates, a, b)
    matches = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    return {(f"a|{x}", f"b|{y}") for x, y in matches}


def score(predicted: set[tuple[str, str]], true: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(predicted & true)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(true) if true else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def run(quick: bool) -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    logging.getLogger("splink").setLevel(logging.ERROR)
    a, b = load_febrl4()
    if quick:
        a = a.iloc[:800]
        wanted = {i.replace("-org", "-dup-0") for i in a.index}
        b = b[b.index.isin(wanted)]
    true = {(f"a|{i}", f"b|{i.replace('-org', '-dup-0')}") for i in a.index
            if i.replace("-org", "-dup-0") in b.index}
    out: dict[str, Any] = {"records_a": len(a), "records_b": len(b), "true_links": len(true)}
    started = time.perf_counter()
    ours, info = accord_links(a, b)
    out["accord_seconds"] = round(time.perf_counter() - started, 2)
    out.update({f"accord_{k}": v for k, v in score(ours, true).items()})
    out.update({f"accord_{k}": v for k, v in info.items()})
    started = time.perf_counter()
    theirs = splink_links(a, b)
    out["splink_seconds"] = round(time.perf_counter() - started, 2)
    out.update({f"splink_{k}": v for k, v in score(theirs, true).items()})
    started = time.perf_counter()
    ecm = ecm_links(a, b)
    out["ecm_seconds"] = round(time.perf_counter() - started, 2)
    out.update({f"ecm_{k}": v for k, v in score(ecm, true).items()})
    out["ratio"] = round(out["accord_seconds"] / out["splink_seconds"], 3)
    return out
