"""Drug shipments follow their routes in the files, and routes shift after seizures."""

from __future__ import annotations

from .conftest import Generated


def locode(small: Generated, nation: str, location_id: str) -> str:
    return small.props(nation, location_id)["locode"][0].replace(" ", "")


def test_illicit_shipments_are_seen_along_their_route(small: Generated) -> None:
    shipments = small.truth.raw["shipments"]
    assert len(shipments) >= 4
    routes = {r["id"]: r for r in small.truth.raw["routes"]}
    for ship in shipments.values():
        assert ship["drug"] == "cocaine" and ship["drug_kg"] > 0
        assert ship["ports"] == routes[ship["route"]]["ports"]
        for m in ship["mentions"]:
            props = small.props(m["nation"], m["id"])
            assert props["containerNumber"][0].replace(" ", "") == ship["container"]
            assert locode(small, m["nation"], props["portOfLoading"][0]) == ship["ports"][0]
            assert locode(small, m["nation"], props["portOfDischarge"][0]) == ship["ports"][-1]
            shipper = small.truth.true_id(m["nation"], props["shipper"][0])
            assert shipper == ship["shipper"]


def test_routes_shift_after_seizures(small: Generated) -> None:
    raw = small.truth.raw
    routes = {r["id"]: r for r in raw["routes"]}
    shifts = raw["route_shifts"]
    assert shifts
    for shift in shifts:
        old, new = routes[shift["from"]], routes[shift["to"]]
        seizure = raw["seizures"][shift["after_seizure"]]
        assert old["ended_by"] == shift["after_seizure"]
        assert old["end"] == new["start"] == seizure["time"][:10] == shift["date"]
        assert old["ports"] != new["ports"]
        assert old["mode"] == new["mode"]
        later = [s for s in raw["shipments"].values()
                 if s["organisation"] == shift["organisation"] and s["depart"][:10] > shift["date"]
                 and old["mode"] == "container"]
        assert all(s["ports"] != old["ports"] for s in later)


def test_seizures_are_reported_by_the_seizing_nation(small: Generated) -> None:
    raw = small.truth.raw
    assert raw["seizures"]
    for sid, seizure in raw["seizures"].items():
        assert seizure["mentions"], sid
        for m in seizure["mentions"]:
            assert m["nation"] == seizure["nation"]
            props = small.props(m["nation"], m["id"])
            assert props["quantity"][0].split(" ")[0] == str(seizure["kg"])
            arrested = {small.truth.true_id(m["nation"], p) for p in props.get("arrested", [])}
            assert arrested == set(seizure["arrested"])
            if seizure["shipment"]:
                shipment_mentions = {(x["nation"], x["id"]) for x in
                                     raw["shipments"][seizure["shipment"]]["mentions"]}
                assert (m["nation"], props["shipment"][0]) in shipment_mentions
