"""Candidate generation: which pairs of mentions are worth comparing at all.

Two mentions become a candidate pair when they share a *blocking key*. The keys
are chosen to survive what agencies do to names and identifiers:

- ``k:<field>:<key>`` — a normalised identifier (passport, IMO, IBAN, E.164 phone,
  e-mail...), however it was formatted;
- ``p:<a>|<b>`` — two name tokens' outlines, unordered: survives word order, a
  missing second surname or given name, accents, case, transliteration and script
  (outlines fold the spellings, see ``names``), and a typo in any *other* token;
- ``d:<a>|<date>`` — one token's outline with the date of birth (or founding
  date; a month without its day keys each of its days): survives a typo or a
  different romanisation of the other tokens;
- ``s:<a>`` — the outline of a one-word name;
- ``a:<nickname>`` — a nickname ("El Abogado"), as its name key;
- ``c:h:<id>`` — a phone line or account the mention holds, resolved (``context``).

Block sizes are bounded: a key shared by more than ``max_block`` mentions (José
García, a shared switchboard number) says too little to compare everyone under it
and is *stopped*. The stop list is decided when the model is trained and kept with
it, so that an incremental run and a full re-run generate exactly the same pairs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, product

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accord.analytics.resolve.features import FamilySpec, Mention

MAX_BLOCK = 30  # mentions per key; a block costs max_block**2 / 2 comparisons
_MAX_TOKENS = 6  # tokens per name used for pair keys (6 tokens -> 15 pairs)
_MAX_VARIANTS = 2  # outlines per token used in keys


def blocking_keys(mention: Mention, spec: FamilySpec) -> set[str]:
    """Every blocking key of one mention (see the module docstring)."""
    keys: set[str] = set()
    for column, values in mention.keys.items():
        keys.update(f"k:{column}:{v}" for v in values)
    keys.update(f"a:{alias}" for alias in mention.aliases)
    keys.update(f"c:{thing}" for thing in mention.context)
    date = mention.date
    for name in mention.names[:3]:
        outs = [o[:_MAX_VARIANTS] for o in name.outlines[:_MAX_TOKENS]]
        if len(outs) == 1:
            keys.update(f"s:{o}" for o in outs[0])
        for left, right in combinations(outs, 2):
            for a, b in product(left, right):
                keys.add(f"p:{a}|{b}" if a <= b else f"p:{b}|{a}")
        for day in _dates(date):
            for group in outs:
                keys.update(f"d:{o}|{day}" for o in group if not o.startswith("^"))
    return keys


def _dates(date: str | None) -> tuple[str, ...]:
    """The days a date may be: itself, or every day of a month given without its day
    (so ``1979-10`` meets ``1979-10-04`` while full dates key only their own day)."""
    if not date or len(date) < 7:
        return ()
    if len(date) == 10:
        return (date,)
    return tuple(f"{date}-{day:02d}" for day in range(1, 32))


def key_table(mentions: Sequence[Mention], spec: FamilySpec, first_uid: int = 0) -> pa.Table:
    """``(uid, key)`` rows for ``mentions`` (uid = ``first_uid`` + position)."""
    uids: list[int] = []
    keys: list[str] = []
    for offset, mention in enumerate(mentions):
        found = blocking_keys(mention, spec)
        uids.extend([first_uid + offset] * len(found))
        keys.extend(found)
    return pa.table({"uid": pa.array(uids, pa.int64()), "key": pa.array(keys, pa.string())})


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs ``(l, r, key)`` with ``l < r`` and what blocking decided."""

    pairs: pa.Table
    stoplist: frozenset[str]
    largest_block: int

    @property
    def count(self) -> int:
        return int(self.pairs.num_rows)


def stoplist(con: duckdb.DuckDBPyConnection, keys: pa.Table, max_block: int) -> frozenset[str]:
    """The keys shared by more than ``max_block`` mentions."""
    con.register("_acc_keys_in", keys)
    try:
        rows = con.execute(
            "SELECT key FROM _acc_keys_in GROUP BY key HAVING count(*) > ?", [max_block]
        ).fetchall()
    finally:
        con.unregister("_acc_keys_in")
    return frozenset(r[0] for r in rows)


def candidate_pairs(con: duckdb.DuckDBPyConnection, keys: pa.Table, stop: Collection[str],
                    *, only: Iterable[int] | None = None,
                    prefixes: Sequence[str] = ()) -> Candidates:
    """Pairs of uids sharing a key not in ``stop``.

    With ``only``, just the pairs with at least one uid in it (an incremental run:
    new mentions against everything); with ``prefixes``, only keys starting with
    one of them (``k:docs:`` for shared documents). Each pair is reported once,
    with the smallest key that found it.
    """
    where = " OR ".join("starts_with(k.key, ?)" for _ in prefixes) or "TRUE"
    con.register("_acc_keys_in", keys)
    con.register("_acc_stop", pa.table({"key": pa.array(sorted(stop), pa.string())}))
    only_ids = pa.table({"uid": pa.array(sorted(set(only or ())), pa.int64())})
    con.register("_acc_only", only_ids)
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _acc_keys AS
            SELECT k.uid, k.key FROM _acc_keys_in k ANTI JOIN _acc_stop s USING (key)
            WHERE """ + where, list(prefixes))
        largest = con.execute(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM _acc_keys GROUP BY key)"
        ).fetchall()
        if only is None:
            sql = """
                SELECT a.uid AS l, b.uid AS r, min(a.key) AS key
                FROM _acc_keys a JOIN _acc_keys b ON a.key = b.key AND a.uid < b.uid
                GROUP BY a.uid, b.uid"""
        else:
            sql = """
                WITH touched AS (SELECT DISTINCT k.key FROM _acc_keys k SEMI JOIN _acc_only o
                                 USING (uid)),
                     sub AS (SELECT k.uid, k.key FROM _acc_keys k SEMI JOIN touched t
                             USING (key))
                SELECT a.uid AS l, b.uid AS r, min(a.key) AS key
                FROM sub a JOIN sub b ON a.key = b.key AND a.uid < b.uid
                WHERE a.uid IN (SELECT uid FROM _acc_only)
                   OR b.uid IN (SELECT uid FROM _acc_only)
                GROUP BY a.uid, b.uid"""
        pairs = con.sql(sql + " ORDER BY l, r").to_arrow_table()
        con.execute("DROP TABLE _acc_keys")
    finally:
        for name in ("_acc_keys_in", "_acc_stop", "_acc_only"):
            con.unregister(name)
    return Candidates(pairs=pairs, stoplist=frozenset(stop),
                      largest_block=int(largest[0][0]))
