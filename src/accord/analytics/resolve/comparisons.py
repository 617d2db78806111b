"""The comparisons a family's matcher makes, as levels an analyst can read.

Each comparison is a ladder of levels from the strongest agreement down to
"different", each a DuckDB SQL condition on the left (``_l``) and right (``_r``)
mention and a label that is shown as evidence ("same name in another spelling or
script"). Splink learns how much each level weighs (its m and u probabilities);
the ``m``/``u`` given here are the priors used until a family has enough mentions
to train on, chosen so that an untrained matcher is cautious.

The SQL uses three macros installed on the DuckDB connection (``install_macros``):
``acc_hits(outlines, pool)`` counts the tokens of one name that meet the other
name's pool (see ``names``); ``acc_fuzzy(tokens, other)`` counts tokens within a
Jaro-Winkler of 0.88 of some token of the other name (one typo);
``acc_jaccard(a, b)`` is the Jaccard index of two token lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from accord.analytics.resolve.features import FamilySpec

LONG_NAME = 10  # outline letters of a name few people share
SHORT_NAME = 6  # ... and under which many do
COMMON = 5  # mentions sharing a name's outline, at training, that make it a common name
WEAK_FLOOR = -4.0  # see Comparison.floor
STRONG_FLOOR = -8.0  # ... for a strong key that is not an identity field
GROUP_LEVEL = "belong to the same organisation"
GROUP_CEILING = 6.0  # the most belonging to one organisation may weigh (see ``context``)

MACROS = (
    "CREATE OR REPLACE MACRO acc_hits(outl, pool) AS "
    "len(list_filter(outl, lambda t: list_has_any(t, pool)))",
    "CREATE OR REPLACE MACRO acc_fuzzy(toks, other) AS "
    "len(list_filter(toks, lambda x: list_bool_or(list_transform(other, "
    "lambda y: jaro_winkler_similarity(x, y) >= 0.88))))",
    "CREATE OR REPLACE MACRO acc_jaccard(a, b) AS "
    "len(list_intersect(a, b)) / len(list_distinct(list_concat(a, b)))",
)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)


@dataclass(frozen=True)
class Level:
    sql: str
    label: str
    m: float
    u: float


@dataclass(frozen=True)
class Comparison:
    """One comparison: ``null`` is its missing-value condition, ``levels`` best first."""

    name: str
    description: str
    null: str
    levels: tuple[Level, ...]
    #: the least a disagreement may weigh: a field agencies fill in by hearsay (a
    #: nickname, an address, a phone) cannot veto a match on its own
    floor: float | None = None
    #: agreeing here is no evidence once the names agree (a nationality follows from
    #: the name's culture): the trained model weighs its agreeing levels 0
    agree_neutral: bool = False

    def to_splink(self) -> dict[str, Any]:
        levels: list[dict[str, Any]] = [
            {"sql_condition": self.null, "label_for_charts": "missing on one side",
             "is_null_level": True}]
        m_total = sum(level.m for level in self.levels)
        u_total = sum(level.u for level in self.levels)
        for level in self.levels:
            levels.append({"sql_condition": level.sql, "label_for_charts": level.label,
                           "m_probability": level.m / m_total,
                           "u_probability": level.u / u_total})
        return {"output_column_name": self.name, "comparison_description": self.description,
                "comparison_levels": levels}


def _null(*columns: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)


def name_comparison() -> Comparison:
    """Names. The strong levels also say how *specific* the agreeing names are: a long
    outline (10+ consonants: "Londoño Otero Miguel Ángel") is shared by few people, a
    short one (under 6: "Zhang Wei", "Ana Ruiz") by many; a *common* name is one whose
    outline at least ``COMMON`` mentions had when the model was trained ("José
    García"). The list of common names is kept with the model, so a pair's score
    still depends only on the pair and the model."""
    hits_l = "acc_hits(name_outl_l, name_pool_r)"
    hits_r = "acc_hits(name_outl_r, name_pool_l)"
    len_l, len_r = "len(name_outl_l)", "len(name_outl_r)"
    shorter = f"least({len_l}, {len_r})"
    same = "list_has_any(name_keys_l, name_keys_r)"
    spelt = f"{hits_l} = {len_l} AND {hits_r} = {len_r}"
    inside = f"{shorter} >= 2 AND ({hits_l} = {len_l} OR {hits_r} = {len_r})"
    rare = "NOT (name_common_l OR name_common_r)"
    letters = "least(name_len_l, name_len_r)"
    long_ = f"{rare} AND {letters} >= {LONG_NAME}"
    rare = f"{rare} AND {letters} >= {SHORT_NAME}"
    return Comparison("name", "names, across accents, word order, spellings and scripts",
                      _null("name_toks"), (
        Level(f"{same} AND {long_}", "same long name (up to accents, case and order)",
              0.22, 0.000001),
        Level(f"{same} AND {rare}", "same name (up to accents, case and order)",
              0.17, 0.00002),
        Level(same, "same short or common name (up to accents, case and order)", 0.06,
              0.0005),
        Level(f"{spelt} AND {long_}", "same long name in another spelling or script",
              0.08, 0.000003),
        Level(f"{spelt} AND {rare}", "same name in another spelling or script",
              0.07, 0.00005),
        Level(spelt, "same short or common name in another spelling or script", 0.02, 0.001),
        Level(f"{inside} AND {shorter} >= 3",
              "one name contains the other, 3+ words shared", 0.08, 0.00005),
        Level(inside, "one name contains the other (a name missing)", 0.1, 0.002),
        Level("acc_fuzzy(name_toks_l, name_toks_r) = len(name_toks_l) OR "
              "acc_fuzzy(name_toks_r, name_toks_l) = len(name_toks_r)",
              "names alike (a typo or a near spelling)", 0.08, 0.005),
        Level(f"{hits_l} >= 2 AND {hits_r} >= 2", "share two name parts", 0.05, 0.003),
        Level(f"{hits_l} >= 1", "share a name part", 0.04, 0.05),
        Level("ELSE", "different names", 0.03, 0.938389),
    ))


#: the name levels whose weight is the name's own rarity, not the level's average
#: (``scoring``): agreeing on a whole name, however written
NAME_TF_LABELS = frozenset({
    "same long name (up to accents, case and order)",
    "same name (up to accents, case and order)",
    "same short or common name (up to accents, case and order)",
    "same long name in another spelling or script",
    "same name in another spelling or script",
    "same short or common name in another spelling or script",
})


def alias_comparison() -> Comparison:
    return Comparison("alias", "nicknames", _null("aliases"), (
        Level("list_has_any(aliases_l, aliases_r)", "same nickname", 0.6, 0.002),
        Level("ELSE", "different nicknames", 0.4, 0.998),
    ), floor=WEAK_FLOOR)


def date_comparison(label: str) -> Comparison:
    full = "length(date_l) = 10 AND length(date_r) = 10"
    return Comparison("date", label, _null("date"), (
        Level(f"date_l = date_r AND {full}", f"same {label}", 0.85, 0.0002),
        Level(f"{full} AND left(date_l, 4) = left(date_r, 4) AND "
              "substr(date_l, 6, 2) = substr(date_r, 9, 2) AND "
              "substr(date_l, 9, 2) = substr(date_r, 6, 2)",
              f"{label} with day and month swapped", 0.02, 0.0001),
        Level(f"{full} AND damerau_levenshtein(date_l, date_r) = 1",
              f"{label} one digit apart", 0.05, 0.003),
        Level("length(date_l) >= 7 AND length(date_r) >= 7 AND left(date_l, 7) = left(date_r, 7)",
              f"same month of {label} (one date partial or days differ)", 0.04, 0.002),
        Level("left(date_l, 4) = left(date_r, 4)", f"same year of {label}", 0.03, 0.03),
        Level("ELSE", f"different {label}", 0.01, 0.9646),
    ))


def key_comparison(column: str, label: str, *, strong: bool, countries: bool = False,
                   identity: bool = False) -> Comparison:
    """Identifier keys. For strong ones (passports, registration numbers) issued in the
    same country, two different numbers are real evidence of two different holders."""
    same = Level(f"list_has_any({column}_l, {column}_r)", f"same {label}",
                 0.9 if strong else 0.6, 0.00001 if strong else 0.0005)
    if not strong:
        return Comparison(column, label, _null(column), (
            same, Level("ELSE", f"different {label}", 0.4, 0.9995)), floor=WEAK_FLOOR)
    levels = [same]
    if countries:
        levels.append(Level("list_has_any(countries_l, countries_r)",
                            f"different {label}, same country", 0.02, 0.3))
    # an identity field (an IMO, an IBAN) differs for one entity only by mistake
    levels.append(Level("ELSE", f"different {label}", 0.01 if identity else 0.08, 0.7))
    # a person may hold two passports, an ID and a tax number: only an identity
    # field (an IMO) may weigh without limit against a match
    return Comparison(column, label, _null(column), tuple(levels),
                      floor=None if identity else STRONG_FLOOR)


def form_comparison() -> Comparison:
    return Comparison("form", "legal form (S.A.S., Ltda., Inc.)", _null("form"), (
        Level("form_l = form_r", "same legal form", 0.95, 0.3),
        Level("ELSE", "different legal form", 0.05, 0.7),
    ))


def country_comparison() -> Comparison:
    return Comparison("countries", "countries", _null("countries"), (
        Level("list_has_any(countries_l, countries_r)", "same country", 0.9, 0.2),
        Level("ELSE", "different country", 0.1, 0.8),
    ), floor=WEAK_FLOOR, agree_neutral=True)


def text_comparison(label: str) -> Comparison:
    return Comparison("text", label, _null("text"), (
        Level("acc_jaccard(text_l, text_r) >= 0.6", f"same {label}", 0.5, 0.002),
        Level("len(list_intersect(text_l, text_r)) >= 1", f"similar {label}", 0.3, 0.1),
        Level("ELSE", f"different {label}", 0.2, 0.898),
    ), floor=WEAK_FLOOR)


def context_comparison() -> Comparison:
    """What the two hold or belong to, resolved (``context``): a phone line or an
    account that both hold (beyond the numbers they state themselves) says much;
    one organisation little more than a shared surname (``GROUP_CEILING``)."""
    held = "list_filter(context_{0}, lambda x: starts_with(x, 'h:'))"
    return Comparison("context", "phone lines and accounts held, organisations",
                      _null("context"), (
        Level(f"list_has_any({held.format('l')}, {held.format('r')})",
              "hold the same phone line or account", 0.4, 0.00002),
        # untrained, belonging to one organisation counts for nothing: organisations
        # share nicknames ("el albanés") and nationalities, which already count
        Level("list_has_any(context_l, context_r)", GROUP_LEVEL, 0.2, 0.2),
        Level("ELSE", "hold and belong to nothing in common", 0.4, 0.79998),
    ), floor=WEAK_FLOOR)


def comparisons(spec: FamilySpec) -> list[Comparison]:
    """The comparisons of one family, in the order evidence lists them."""
    out: list[Comparison] = []
    if spec.names:
        out.append(name_comparison())
    if spec.aliases:
        out.append(alias_comparison())
    if spec.date:
        out.append(date_comparison(spec.date_label))
    if spec.legal_form:
        out.append(form_comparison())
    out.extend(key_comparison(k.column, k.label, strong=k.strong, identity=k.identity,
                              countries=bool(spec.countries)) for k in spec.keys)
    if spec.countries:
        out.append(country_comparison())
    if spec.text:
        out.append(text_comparison(spec.text_label))
    if spec.context:
        out.append(context_comparison())
    return out
