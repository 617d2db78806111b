"""The matcher: a Fellegi–Sunter model per family, trained and applied with Splink on DuckDB.

Training is unsupervised, as Splink recommends: u probabilities by random
sampling; m probabilities by expectation maximisation, once blocking on long
names written alike (which trains the other comparisons) and once on the date or
a strong identifier (which trains the name); a first prior from near-certain
rules, refined with u once the candidates are scored (``scoring.refine``).
Learned weights are then kept sensible (``sanitise``). A family with fewer than
``MIN_TRAIN`` mentions keeps the cautious priors of ``comparisons`` (only its
prior is estimated), and says so (``trained=False``).

Scoring uses *our* candidate pairs (``blocking``), registered with Splink in place
of its own blocking rules, and no term frequencies read from the data (the list
of common names is frozen into the model), so that the score of a pair depends
only on the pair and the model: an incremental run and a full re-run with the
same model score the same pair identically.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accord.analytics.resolve.comparisons import (
    GROUP_CEILING,
    GROUP_LEVEL,
    LONG_NAME,
    comparisons,
    install_macros,
)
from accord.analytics.resolve.features import FamilySpec

MODEL_VERSION = 2  # 2: token counts for names weighed by their rarity
MIN_TRAIN = 2000  # mentions from which u and m are learned (below: the priors)
# A link is accepted when the match is more likely than not (weight 0, p = 0.5): a
# wrong merge is taken to be as harmful as a missed one, so the costs are equal.
THRESHOLD = 0.0
CEILINGS = {GROUP_LEVEL: GROUP_CEILING}  # agreeing levels that may weigh only so much
FLOOR = -6.0  # links below this (p < 1.5%) are not kept, not even for review

log = logging.getLogger(__name__)


def record_schema(spec: FamilySpec) -> pa.Schema:
    """The Arrow schema of ``Mention.record`` rows for ``spec``."""
    strings = pa.list_(pa.string())
    fields = [
        pa.field("unique_id", pa.int64()),
        pa.field("name_keys", strings), pa.field("name_toks", strings),
        pa.field("name_outl", pa.list_(strings)), pa.field("name_pool", strings),
        pa.field("name_len", pa.int64()), pa.field("name_common", pa.bool_()),
        pa.field("name_bits", pa.float64()),
        pa.field("b_name", pa.string()), pa.field("aliases", strings),
        pa.field("form", pa.string()),
        pa.field("date", pa.string()),
        pa.field("countries", strings), pa.field("text", strings),
    ]
    if spec.context:
        fields.append(pa.field("context", strings))
    fields += [pa.field(k.column, strings) for k in spec.keys]
    fields.append(pa.field("b_key", pa.string()))
    return pa.schema(fields)


@dataclass(frozen=True)
class FamilyModel:
    """A family's trained (or prior) matcher, its blocking stop list and threshold."""

    family: str
    settings: Mapping[str, Any]
    stoplist: frozenset[str] = frozenset()
    #: name outlines shared by at least ``COMMON`` mentions at training
    common: frozenset[str] = frozenset()
    threshold: float = THRESHOLD
    trained: bool = False
    records: int = 0
    version: int = MODEL_VERSION
    notes: tuple[str, ...] = field(default=())
    #: mentions per name token outline at training, and the mentions counted
    #: (``frequencies``; empty in models of version 1)
    tokens: Mapping[str, int] = field(default_factory=dict)
    tokens_total: int = 0

    def labels(self) -> dict[str, dict[int, str]]:
        """``{comparison: {gamma: label}}``; gamma -1 is "missing on one side"."""
        out: dict[str, dict[int, str]] = {}
        for comparison in self.settings["comparisons"]:
            levels = comparison["comparison_levels"]
            numbered = [lv for lv in levels if not lv.get("is_null_level")]
            table = {-1: "missing on one side"}
            for i, level in enumerate(numbered):
                table[len(numbered) - 1 - i] = level["label_for_charts"]
            out[comparison["output_column_name"]] = table
        return out

    @property
    def prior_weight(self) -> float:
        lam = float(self.settings["probability_two_random_records_match"])
        return math.log2(lam / (1 - lam))

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "settings": dict(self.settings),
                "stoplist": sorted(self.stoplist), "common": sorted(self.common),
                "threshold": self.threshold,
                "trained": self.trained, "records": self.records, "version": self.version,
                "notes": list(self.notes), "tokens": dict(self.tokens),
                "tokens_total": self.tokens_total}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FamilyModel:
        return cls(family=data["family"], settings=data["settings"],
                   stoplist=frozenset(data.get("stoplist", ())),
                   common=frozenset(data.get("common", ())),
                   threshold=float(data.get("threshold", THRESHOLD)),
                   trained=bool(data.get("trained", False)),
                   records=int(data.get("records", 0)),
                   version=int(data.get("version", MODEL_VERSION)),
                   notes=tuple(data.get("notes", ())),
                   tokens=dict(data.get("tokens", {})),
                   tokens_total=int(data.get("tokens_total", 0)))


def prior_settings(spec: FamilySpec, probability: float = 0.001) -> dict[str, Any]:
    """Splink settings with the priors of ``comparisons`` (nothing learned yet)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability,
        "comparisons": [c.to_splink() for c in comparisons(spec)],
        "blocking_rules_to_generate_predictions": [],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink logs its progress and untrained-level notes as warnings; keep them out."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def linker_for(con: duckdb.DuckDBPyConnection, records: pa.Table,
            settings: Mapping[str, Any]) -> Any:
    from splink import DuckDBAPI, Linker

    install_macros(con)
    api = DuckDBAPI(connection=con)
    con.register("_acc_records_in", records)
    con.execute("CREATE OR REPLACE TEMP TABLE _acc_records AS SELECT * FROM _acc_records_in")
    con.unregister("_acc_records_in")
    frame = api.register("_acc_records")
    return Linker(frame, dict(settings), log_level=None)


def cleanup(con: duckdb.DuckDBPyConnection, linker: Any) -> None:
    linker.table_management.delete_tables_created_by_splink_from_db()
    con.execute("DROP TABLE IF EXISTS _acc_records")


def train(con: duckdb.DuckDBPyConnection, spec: FamilySpec, records: pa.Table, *,
          stoplist: frozenset[str], common: frozenset[str] = frozenset(),
          threshold: float = THRESHOLD, seed: int = 7,
          max_pairs: float = 5e5, u_pairs: float = 2e6) -> FamilyModel:
    """Train ``spec``'s model on ``records`` (rows of ``Mention.record``).

    Below ``MIN_TRAIN`` mentions the priors are kept: EM on a few dozen matches
    learns noise (such as "different names" counting for a match), and where
    duplicates are dense the random pairs that estimate u are too often matches
    (three agencies naming the same two hundred companies), which makes agreeing
    on a name look commonplace.
    """
    n = records.num_rows
    settings = prior_settings(spec, probability=1 / max(n, 2))
    if n < MIN_TRAIN:
        return FamilyModel(spec.name, settings, stoplist, common, threshold, trained=False,
                           records=n,
                           notes=(f"{n} mentions: fewer than {MIN_TRAIN}, priors kept",))
    notes: list[str] = []
    with quiet_splink():
        model = _train(con, spec, records, settings, stoplist, threshold, seed, max_pairs,
                       u_pairs, notes)
    return replace(model, common=common)


def em_rules(spec: FamilySpec) -> list[str]:
    """The blocking rules EM trains under: one on the name, one on the date or a strong key.

    Splink does not train a comparison whose columns a rule mentions (its levels are
    skewed inside that block). The name rule mentions ``name_len`` — implied by the
    outline key ``b_name`` — so that the name comparison is trained only under the
    other rule; the key rule likewise mentions every strong key column, in a clause
    that is always true.
    """
    rules = [f"l.b_name = r.b_name AND l.name_len = r.name_len AND l.name_len >= {LONG_NAME}"]
    if spec.date:
        rules.append("l.date = r.date")
    else:
        mentioned = " AND ".join(f"(l.{c} IS NULL OR l.{c} IS NOT NULL)"
                                 for c in spec.strong_columns)
        rules.append("l.b_key = r.b_key" + (f" AND {mentioned}" if mentioned else ""))
    return rules


def _train(con: duckdb.DuckDBPyConnection, spec: FamilySpec, records: pa.Table,
           settings: dict[str, Any], stoplist: frozenset[str], threshold: float, seed: int,
           max_pairs: float, u_pairs: float, notes: list[str]) -> FamilyModel:
    n = records.num_rows
    linker = linker_for(con, records, settings)
    try:
        rules = ["l.b_name = r.b_name AND l.date = r.date"] if spec.date else []
        rules.append("l.b_key = r.b_key")
        try:
            linker.training.estimate_probability_two_random_records_match(rules, recall=0.7)
        except Exception as exc:  # Splink raises bare Exceptions for degenerate data
            notes.append(f"first prior not estimated ({exc})")
        first = linker._settings_obj._probability_two_random_records_match
        if not 0 < first < 1:  # no near-certain pair at all: EM needs a start above 0
            linker._settings_obj._probability_two_random_records_match = 1 / max(n, 2)
        linker.training.estimate_u_using_random_sampling(
            max_pairs=min(u_pairs, n * (n - 1) / 2), seed=seed)
        for rule in em_rules(spec):
            # A failed session can leave the linker without the comparisons it set
            # aside, so each one starts from a copy of the model so far.
            before = linker.misc.save_model_to_json()
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, max_pairs=max_pairs)
            except Exception as exc:  # too few pairs, or an m underflowing: keep the rest
                notes.append(f"EM on {rule} skipped ({str(exc).splitlines()[0][:200]})")
                cleanup(con, linker)
                linker = linker_for(con, records, before)
        learned = linker.misc.save_model_to_json()
        notes.extend(sanitise(learned, {c.name: c.floor for c in comparisons(spec)},
                              {c.name for c in comparisons(spec) if c.agree_neutral}))
        lam = float(learned.get("probability_two_random_records_match", 0))
        if not 0 < lam < 1:
            learned["probability_two_random_records_match"] = 1 / max(n, 2)
            notes.append(f"prior estimated as {lam}; 1/n kept")
    finally:
        cleanup(con, linker)
    return FamilyModel(spec.name, learned, stoplist=stoplist, threshold=threshold, trained=True,
                       records=n,
                       notes=tuple(notes))


def sanitise(settings: dict[str, Any], floors: Mapping[str, float | None],
             neutral: Collection[str] = ()) -> list[str]:
    """Keep learned weights sensible; returns notes on what was corrected.

    EM can drive an agreement level's m towards zero when, inside its training
    blocks, that agreement happened mostly between non-matches (relatives sharing
    an address): the level would then *forbid* a match. Agreement is never
    evidence against, so an agreeing level weighs at least 0 (m >= u); and no
    probability is left at 0, which would make a weight infinite. Levels that
    record a disagreement ("different passport number, same country") are not
    agreements: EM may well find them rare among matches. The agreeing levels of
    the ``neutral`` comparisons weigh 0: what they say the name already said
    (namesakes share their nationality: counting both counts it twice); those of
    ``CEILINGS`` weigh at most so much.
    """
    notes: list[str] = []
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        floor = floors.get(name)
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = max(float(level.get("m_probability") or 0.0), 1e-6)
            u = max(float(level.get("u_probability") or 0.0), 1e-9)
            label = level["label_for_charts"]
            agreeing = (level["sql_condition"].strip().upper() != "ELSE"
                        and not label.startswith("different"))
            if agreeing and name in neutral and m != u:
                m = u
            elif agreeing and m < u:
                notes.append(f"{name}: '{label}' weighed against a match "
                             f"(m={m:.2g} < u={u:.2g}); set to neutral")
                m = u
            if agreeing and label in CEILINGS and math.log2(m / u) > CEILINGS[label]:
                notes.append(f"{name}: '{label}' weighed {math.log2(m / u):.1f}; "
                             f"limited to {CEILINGS[label]}")
                m = u * 2 ** CEILINGS[label]
            if floor is not None and math.log2(m / u) < floor:
                notes.append(f"{name}: '{label}' weighed {math.log2(m / u):.1f}; "
                             f"limited to {floor}")
                m = u * 2 ** floor
            level["m_probability"], level["u_probability"] = m, u
    if neutral:
        notes.append(f"agreement on {', '.join(sorted(neutral))} counted as neutral")
    return notes
