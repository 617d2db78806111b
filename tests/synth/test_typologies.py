"""Every planted laundering scheme is really in the payments, as its typology says.

The check reads the Transaction lines of the national files (not the truth's
own payment records): it maps their account references back to true accounts
and rebuilds each scheme's transaction graph.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from .conftest import Generated


def observed(small: Generated, scheme: dict[str, Any]) -> list[dict[str, Any]]:
    """The scheme's payments as the files show them: true accounts, amount, time."""
    out = []
    for pay_id in scheme["payments"]:
        mentions = small.truth.raw["payments"][pay_id]["mentions"]
        assert mentions, f"{scheme['id']}: payment {pay_id} is in no national file"
        m = mentions[0]
        props = small.props(m["nation"], m["id"])
        amount, currency = props["amount"][0].split(" ")

        out.append({"src": account(small, m["nation"], props, "payerAccount"),
                    "dst": account(small, m["nation"], props, "beneficiaryAccount"),
                    "amount": Decimal(amount), "currency": currency,
                    "time": datetime.fromisoformat(props["date"][0].replace("Z", "+00:00")),
                    "channel": props["channel"][0]})
    return out


def account(small: Generated, nation: str, props: dict[str, list[str]],
            prop: str) -> str | None:
    ref = props.get(prop)
    return small.truth.true_id(nation, ref[0]) if ref else None


def schemes(small: Generated, typology: str) -> list[dict[str, Any]]:
    found = [s for s in small.truth.raw["laundering"] if s["typology"] == typology]
    assert found, f"no {typology} scheme planted"
    return found


def test_all_six_typologies_are_planted(small: Generated) -> None:
    kinds = Counter(s["typology"] for s in small.truth.raw["laundering"])
    assert set(kinds) == {"structuring", "fan_in", "fan_out", "cycle", "pass_through",
                          "scatter_gather"}


def test_structuring_stays_below_the_threshold(small: Generated) -> None:
    for scheme in schemes(small, "structuring"):
        pays = observed(small, scheme)
        threshold = Decimal(scheme["threshold"])
        assert len(pays) >= 5
        assert {p["dst"] for p in pays} == {scheme["hub"]}
        assert all(p["src"] is None for p in pays)  # cash, over the counter
        assert all(p["amount"] < threshold for p in pays)
        assert sum(p["amount"] for p in pays) > 3 * threshold
        assert len({p["time"].date() for p in pays}) >= 3


@pytest.mark.parametrize("typology,inward", [("fan_in", True), ("fan_out", False)])
def test_fans(small: Generated, typology: str, inward: bool) -> None:
    for scheme in schemes(small, typology):
        pays = observed(small, scheme)
        hub = scheme["hub"]
        ends = [(p["dst"] if inward else p["src"]) for p in pays]
        spokes = {(p["src"] if inward else p["dst"]) for p in pays}
        assert set(ends) == {hub}
        assert len(spokes) >= 5 and hub not in spokes
        span = max(p["time"] for p in pays) - min(p["time"] for p in pays)
        assert span.days <= 5


def test_cycles_close(small: Generated) -> None:
    for scheme in schemes(small, "cycle"):
        pays = sorted(observed(small, scheme), key=lambda p: p["time"])
        outs = Counter(p["src"] for p in pays)
        ins = Counter(p["dst"] for p in pays)
        assert set(outs) == set(ins) and set(outs.values()) == {1} == set(ins.values())
        assert len(outs) >= 4
        # Following the edges from the first payer comes back to it.
        nxt = {p["src"]: p["dst"] for p in pays}
        start = pays[0]["src"]
        node, steps = nxt[start], 1
        while node != start:
            node, steps = nxt[node], steps + 1
        assert steps == len(pays)
        assert pays[-1]["amount"] < pays[0]["amount"]


def test_pass_through_is_a_chain_forwarding_what_it_got(small: Generated) -> None:
    for scheme in schemes(small, "pass_through"):
        pays = sorted(observed(small, scheme), key=lambda p: p["time"])
        assert len({p["currency"] for p in pays}) == 1
        for before, after in zip(pays, pays[1:], strict=False):
            assert before["dst"] == after["src"]
            assert after["amount"] <= before["amount"]
            assert (after["time"] - before["time"]).total_seconds() <= 48 * 3600
        assert len(pays) >= 3


def test_scatter_gather_meets_again(small: Generated) -> None:
    for scheme in schemes(small, "scatter_gather"):
        pays = observed(small, scheme)
        source, sink = scheme["accounts"][0], scheme["hub"]
        middles = {p["dst"] for p in pays if p["src"] == source}
        assert len(middles) >= 3
        assert {p["src"] for p in pays if p["dst"] == sink} == middles
