"""Scoring candidate pairs with a family's model, and re-estimating its prior.

``score`` hands our candidate pairs to Splink (registered in place of its own
blocking) and returns, per pair, the match weight, the probability and, per
comparison, its weight and the level reached (computed with the very SQL of the
comparison, so that the evidence shown names the level exactly).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from accord.analytics.resolve.comparisons import NAME_TF_LABELS
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
                     **{f"g_{c}": pa.array([], pa.int64()) for c in names},
                     "t_bits": pa.array([], pa.float64())})


def tf_levels(settings: Mapping[str, Any]) -> dict[int, float]:
    """``{gamma: log2(m)}`` of the name levels weighed by the name's rarity."""
    for comparison in settings["comparisons"]:
        if comparison["output_column_name"] != "name":
            continue
        numbered = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        return {len(numbered) - 1 - i: math.log2(float(lv["m_probability"]))
                for i, lv in enumerate(numbered) if lv["label_for_charts"] in NAME_TF_LABELS}
    return {}


def score(con: duckdb.DuckDBPyConnection, model: FamilyModel, records: pa.Table,
          pairs: pa.Table, *, floor: float = FLOOR) -> pa.Table:
    """Score candidate ``pairs`` (``l``, ``r`` uids, ``key``) of ``records``.

    Returns ``l``, ``r``, ``key``, ``weight`` (match weight, log2 odds),
    ``probability``, per comparison ``w_<name>`` (its weight) and ``g_<name>``
    (the level reached, -1 when a side has no value), and ``t_bits`` (the rarer
    side's name bits, ``frequencies``), for pairs weighing at least ``floor``
    (``-inf`` keeps all).

    Agreeing on a whole name is weighed by that name's rarity, not by the level's
    average (Splink's term-frequency adjustment, with the model's frozen token
    counts): ``w_name = log2(m) + bits`` at the levels of ``NAME_TF_LABELS``.
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
    tf = tf_levels(settings)
    finite = floor > float("-inf")
    # The rarity of a name may raise a pair above the floor: filter after it.
    predicted = linker.inference.predict(
        threshold_match_weight=floor if finite and not tf else None, warning_mode="never")
    comparisons = settings["comparisons"]
    names = [c["output_column_name"] for c in comparisons]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in records.column_names
                      if c != "unique_id")
    weights = ", ".join(f"CAST(p.mw_{c} AS DOUBLE) AS w_{c}" for c in names)
    levels = ", ".join(f"CAST({level_sql(c)} AS BIGINT) AS g_{c['output_column_name']}"
                       for c in comparisons)
    where = f"WHERE p0.match_weight + coalesce(m.adj, 0) >= {floor!r}" if finite else ""
    rarity = _rarity_sql(next(c for c in comparisons if c["output_column_name"] == "name"),
                         tf, records) if tf else (
        "m AS (SELECT NULL::BIGINT AS l, NULL::BIGINT AS r, NULL::DOUBLE AS t_bits, "
        "0.0::DOUBLE AS adj WHERE FALSE)")
    outputs = ", ".join([f"w_{c} + adj AS w_{c}" if c == "name" else f"w_{c}"
                         for c in names] + [f"g_{c}" for c in names])
    return con.sql(f"""
        WITH p0 AS (SELECT * FROM {predicted.physical_name}),
             {rarity},
             p AS (SELECT p0.*, coalesce(m.adj, 0.0) AS adj, m.t_bits AS t_bits FROM p0
                   LEFT JOIN m ON m.l = p0.unique_id_l AND m.r = p0.unique_id_r {where}),
             j AS (SELECT p.*, {sides} FROM p
                   JOIN _acc_records l ON l.unique_id = p.unique_id_l
                   JOIN _acc_records r ON r.unique_id = p.unique_id_r),
             a AS (SELECT CAST(unique_id_l AS BIGINT) AS l, CAST(unique_id_r AS BIGINT) AS r,
                          CAST(match_key AS VARCHAR) AS key,
                          CAST(match_weight AS DOUBLE) AS weight, {weights}, {levels},
                          CAST(t_bits AS DOUBLE) AS t_bits, CAST(adj AS DOUBLE) AS adj
                   FROM j AS p)
        SELECT l, r, key, weight + adj AS weight,
               1.0 / (1.0 + pow(2.0, -(weight + adj))) AS probability, {outputs}, t_bits
        FROM a ORDER BY l, r""").to_arrow_table()


def _rarity_sql(name: dict[str, Any], tf: Mapping[int, float], records: pa.Table) -> str:
    """A CTE ``m`` (``l``, ``r``, ``t_bits``, ``adj``): the name's rarity adjustment of
    the pairs that reached a level of ``tf`` (found cheaply by their name weight, then
    their level checked with the comparison's own SQL)."""
    numbered = [lv for lv in name["comparison_levels"] if not lv.get("is_null_level")]
    at = {len(numbered) - 1 - i: math.log2(float(lv["m_probability"]) /
                                          float(lv["u_probability"]))
          for i, lv in enumerate(numbered)}
    maybe = " OR ".join(f"abs(p.mw_name - ({at[g]!r})) < 1e-4" for g in sorted(tf))
    columns = [c for c in records.column_names if c.startswith("name_")]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    cases = " ".join(f"WHEN {g} THEN {m!r}" for g, m in sorted(tf.items()))
    return f"""n AS (SELECT p.unique_id_l AS l, p.unique_id_r AS r, p.mw_name, {sides}
                     FROM p0 AS p
                     JOIN _acc_records l ON l.unique_id = p.unique_id_l
                     JOIN _acc_records r ON r.unique_id = p.unique_id_r
                     WHERE {maybe}),
             m AS (SELECT l, r, CAST(least(name_bits_l, name_bits_r) AS DOUBLE) AS t_bits,
                          coalesce((CASE ({level_sql(name)}) {cases} ELSE NULL END)
                                   + least(name_bits_l, name_bits_r) - mw_name, 0.0) AS adj
                   FROM n)"""


def refine(model: FamilyModel, sample: pa.Table, *, fraction: float, total_pairs: float,
           rounds: int = 30, present: Mapping[str, int] | None = None,
           ) -> tuple[FamilyModel, list[str]]:
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

    u is the chance of a level among pairs where *both* sides have the field, so
    the prior in that correction is the share of matches among those pairs,
    where it is known: ``present`` gives per comparison the mentions that have
    its field. Fields that mostly matched people carry (a phone number, known of
    suspects that several agencies write down) have a far higher share of
    matches among their pairs than the whole file has.
    """
    settings = {**model.settings,
                "comparisons": [dict(c) for c in model.settings["comparisons"]]}
    names = [c["output_column_name"] for c in settings["comparisons"]]
    levels = {c: np.asarray(sample[f"g_{c}"].to_numpy(zero_copy_only=False)) for c in names}
    tf = tf_levels(settings)
    bits = (np.asarray(sample["t_bits"].to_numpy(zero_copy_only=False), dtype=float)
            if tf and "t_bits" in sample.column_names else None)
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
            name = comparison["output_column_name"]
            part = _weights_by_gamma(comparison)[levels[name] + 1]
            if name == "name" and bits is not None:
                for gamma, log_m in tf.items():  # as ``score`` weighs them
                    part = np.where((levels[name] == gamma) & ~np.isnan(bits),
                                    log_m + np.nan_to_num(bits), part)
            evidence += part
        lam = _prior(evidence, lam, fraction, total_pairs)
        posterior = 1 / (1 + 1 / (lam / (1 - lam) * np.exp2(np.minimum(evidence, 60.0))))
        for comparison in settings["comparisons"] if model.trained else []:
            share = _share(lam, posterior, levels[comparison["output_column_name"]],
                           (present or {}).get(comparison["output_column_name"]), fraction)
            fixed = []
            for level, u0 in zip(comparison["comparison_levels"],
                                 sampled_u[comparison["output_column_name"]], strict=True):
                level = dict(level)
                if not level.get("is_null_level"):
                    m = float(level["m_probability"])
                    level["u_probability"] = max((float(u0) - share * m) / (1 - share),
                                                 float(u0) / 20)
                fixed.append(level)
            comparison["comparison_levels"] = fixed
        if abs(previous - lam) <= 1e-3 * lam:
            break
    settings["probability_two_random_records_match"] = lam
    notes.append(f"prior {lam:.3g}{' and u corrected' if model.trained else ''} from "
                 f"{sample.num_rows} scored candidates")
    return replace(model, settings=settings), notes


def _share(lam: float, posterior: Any, gamma: Any, present: int | None,
           fraction: float) -> float:
    """The share of matches among pairs that both have a comparison's field."""
    if not present or present < 2:
        return lam
    matches = float(np.sum(posterior[gamma >= 0])) / max(fraction, 1e-9)
    return min(max(matches / (present * (present - 1) / 2), lam), 0.5)


def present_counts(model: FamilyModel, records: pa.Table) -> dict[str, int]:
    """Per comparison, the records that have its field (all its columns non-null)."""
    out: dict[str, int] = {}
    for comparison in model.settings["comparisons"]:
        null = next((lv["sql_condition"] for lv in comparison["comparison_levels"]
                     if lv.get("is_null_level")), "")
        columns = sorted(set(re.findall(r"(\w+)_l IS NULL", null)))
        if not columns or any(c not in records.column_names for c in columns):
            continue
        mask = None
        for column in columns:
            valid = pc.is_valid(records[column])
            mask = valid if mask is None else pc.and_(mask, valid)
        out[comparison["output_column_name"]] = int(pc.sum(mask).as_py() or 0)
    return out


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
