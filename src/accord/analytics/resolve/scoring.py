"""Scoring candidate pairs with a family's model, and re-estimating its prior.

``score`` hands our candidate pairs to Splink (registered in place of its own
blocking) and returns, per pair, the match weight, the probability and, per
comparison, its weight and the level reached (computed with the very SQL of the
comparison, so that the evidence shown names the level exactly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from accord.analytics.resolve.splink_model import (
    FLOOR,
    FamilyModel,
    cleanup,
    linker_for,
    quiet_splink,
)


def level_sql(comparison: dict[str, Any]) -> str:
    """A CASE giving the comparison's level (gamma): -1 missing, 0 the lowest."""
    levels = comparison["comparison_levels"]
    numbered = [lv for lv in levels if not lv.get("is_null_level")]
    parts = [f"WHEN {lv['sql_condition']} THEN -1" for lv in levels if lv.get("is_null_level")]
    for i, level in enumerate(numbered):
        gamma = len(numbered) - 1 - i
        if level["sql_condition"].strip().upper() == "ELSE":
            parts.append(f"ELSE {gamma}")
        else:
            parts.append(f"WHEN {level['sql_condition']} THEN {gamma}")
    return "CASE " + " ".join(parts) + " END"


def empty_scores(names: Sequence[str]) -> pa.Table:
    return pa.table({"l": pa.array([], pa.int64()), "r": pa.array([], pa.int64()),
                     "key": pa.array([], pa.string()), "weight": pa.array([], pa.float64()),
                     "probability": pa.array([], pa.float64()),
                     **{f"w_{c}": pa.array([], pa.float64()) for c in names},
                     **{f"g_{c}": pa.array([], pa.int64()) for c in names}})


def score(con: duckdb.DuckDBPyConnection, model: FamilyModel, records: pa.Table,
          pairs: pa.Table, *, floor: float = FLOOR) -> pa.Table:
    """Score candidate ``pairs`` (``l``, ``r`` uids, ``key``) of ``records``.

    Returns ``l``, ``r``, ``key``, ``weight`` (match weight, log2 odds),
    ``probability`` and per comparison ``w_<name>`` (its weight) and ``g_<name>``
    (the level reached, -1 when a side has no value), for pairs weighing at least
    ``floor`` (``-inf`` keeps all).
    """
    names = [c["output_column_name"] for c in model.settings["comparisons"]]
    if pairs.num_rows == 0:
        return empty_scores(names)
    settings = dict(model.settings)
    settings["retain_intermediate_calculation_columns"] = True
    with quiet_splink():
        linker = linker_for(con, records, settings)
        try:
            return _score(con, linker, settings, records, pairs, floor)
        finally:
            cleanup(con, linker)
            con.execute("DROP TABLE IF EXISTS _acc_pairs")


def _score(con: duckdb.DuckDBPyConnection, linker: Any, settings: dict[str, Any],
           records: pa.Table, pairs: pa.Table, floor: float) -> pa.Table:
    con.register("_acc_pairs_in", pairs)
    con.execute("""CREATE OR REPLACE TEMP TABLE _acc_pairs AS
                   SELECT key AS match_key, l AS join_key_l, r AS join_key_r
                   FROM _acc_pairs_in""")
    con.unregister("_acc_pairs_in")
    frame = linker._db_api.register("_acc_pairs")
    linker.table_management.register_blocked_pairs_for_predict(frame)
    finite = floor > float("-inf")
    predicted = linker.inference.predict(threshold_match_weight=floor if finite else None,
                                         warning_mode="never")
    comparisons = settings["comparisons"]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in records.column_names
                      if c != "unique_id")
    weights = ", ".join(f"CAST(p.mw_{c['output_column_name']} AS DOUBLE) AS "
                        f"w_{c['output_column_name']}" for c in comparisons)
    levels = ", ".join(f"CAST({level_sql(c)} AS BIGINT) AS g_{c['output_column_name']}"
                       for c in comparisons)
    return con.sql(f"""
        WITH p AS (SELECT * FROM {predicted.physical_name}),
             j AS (SELECT p.*, {sides} FROM p
                   JOIN _acc_records l ON l.unique_id = p.unique_id_l
                   JOIN _acc_records r ON r.unique_id = p.unique_id_r)
        SELECT CAST(unique_id_l AS BIGINT) AS l, CAST(unique_id_r AS BIGINT) AS r,
               CAST(match_key AS VARCHAR) AS key, CAST(match_weight AS DOUBLE) AS weight,
               CAST(match_probability AS DOUBLE) AS probability, {weights}, {levels}
        FROM j AS p ORDER BY l, r""").to_arrow_table()


def refine(model: FamilyModel, sample: pa.Table, *, fraction: float, total_pairs: float,
           rounds: int = 30) -> tuple[FamilyModel, list[str]]:
    """Re-estimate the prior and correct u from a sample of scored candidate pairs.

    The prior (the share of all pairs that match) is found by EM with m and u held
    fixed: each candidate's evidence gives a match probability under a guessed
    prior, and the prior becomes the expected number of matches over all pairs
    (pairs never made candidates count as non-matches). Unlike counting
    near-certain rules, this needs no guess of those rules' recall.

    u was estimated from random pairs assumed to be non-matches; where duplicates
    are dense (a few hundred companies, each named by three agencies) enough random
    pairs are in fact matches to inflate u at the agreeing levels, so u is
    corrected by what the matches contribute, ``u' = (u - prior * m) / (1 - prior)``,
    never below a twentieth of the sampled value (an untrained model's u are priors
    and are left alone). ``fraction`` is the share of the candidates in ``sample``.
    """
    settings = {**model.settings,
                "comparisons": [dict(c) for c in model.settings["comparisons"]]}
    names = [c["output_column_name"] for c in settings["comparisons"]]
    levels = {c: np.asarray(sample[f"g_{c}"].to_numpy(zero_copy_only=False)) for c in names}
    sampled_u = {c["output_column_name"]: [lv.get("u_probability") for lv in
                                           c["comparison_levels"]]
                 for c in settings["comparisons"]}
    # Start from the most the prior can be (every candidate a match) and come down:
    # the prior and the u correction feed each other, and from below they stall at
    # a low fixed point where inflated u keeps true matches improbable.
    lam = min(0.5, sample.num_rows / max(fraction, 1e-9) / max(total_pairs, 1.0))
    notes: list[str] = []
    for _ in range(rounds):
        previous = lam
        evidence = np.zeros(sample.num_rows)
        for comparison in settings["comparisons"]:
            evidence += _weights_by_gamma(comparison)[levels[comparison["output_column_name"]] + 1]
        lam = _prior(evidence, lam, fraction, total_pairs)
        for comparison in settings["comparisons"] if model.trained else []:
            fixed = []
            for level, u0 in zip(comparison["comparison_levels"],
                                 sampled_u[comparison["output_column_name"]], strict=True):
                level = dict(level)
                if not level.get("is_null_level"):
                    m = float(level["m_probability"])
                    level["u_probability"] = max((float(u0) - lam * m) / (1 - lam),
                                                 float(u0) / 20)
                fixed.append(level)
            comparison["comparison_levels"] = fixed
        if abs(previous - lam) <= 1e-3 * lam:
            break
    settings["probability_two_random_records_match"] = lam
    notes.append(f"prior {lam:.3g}{' and u corrected' if model.trained else ''} from "
                 f"{sample.num_rows} scored candidates")
    return replace(model, settings=settings), notes


def _weights_by_gamma(comparison: dict[str, Any]) -> Any:
    """log2(m/u) indexed by gamma + 1 (index 0: the missing level, weight 0)."""
    numbered = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    table = np.zeros(len(numbered) + 1)
    for i, level in enumerate(numbered):
        gamma = len(numbered) - 1 - i
        table[gamma + 1] = math.log2(float(level["m_probability"]) /
                                     float(level["u_probability"]))
    return table


def _prior(evidence: Any, lam: float, fraction: float, total_pairs: float,
           iterations: int = 100) -> float:
    for _ in range(iterations):
        odds = lam / (1 - lam)
        expected = float(np.sum(1 / (1 + 1 / (odds * np.exp2(np.minimum(evidence, 60.0))))))
        new = min(max(expected / max(fraction, 1e-9) / max(total_pairs, 1.0), 1e-12), 0.5)
        if abs(new - lam) <= 1e-4 * lam:
            return new
        lam = new
    return lam
