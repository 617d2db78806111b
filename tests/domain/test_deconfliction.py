"""Deconfliction: overlapping operations and shared targets conflict, nothing else does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import h3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.adapters.psi import OpenMinedPsi, new_key
from accord.domain.deconfliction import (
    ConflictNotice,
    Grid,
    Operation,
    ask_operation,
    cells_around,
    cells_at,
    conflicting_labels,
    conflicts_plain,
    make_operation,
    make_target,
    operation_label,
    operation_tokens,
    prepare_operations,
    resolve_notice,
    target_registry_items,
    time_buckets,
)
from accord.domain.errors import InvalidValue
from accord.domain.query import (
    PreparedRegistry,
    StaleRegistry,
    answer,
    ask,
    prepare_registry,
    read_hits,
)
from accord.domain.ratelimit import RateLimiter

ENGINE = OpenMinedPsi()
GRID = Grid()
NOW = datetime(2025, 3, 1, 8, tzinfo=UTC)
BUENAVENTURA = (3.8801, -77.0312)
CONTACT_CO = "CO DIJIN ops desk +57 601 000 0001"
CONTACT_MX = "MX FGR ops desk +52 55 0000 0001"
REF_KEY = b"o" * 32


def op(id: str, lat: float, lng: float, start_h: float, hours: float, *, radius: float = 300,
       expires: datetime | None = None) -> Operation:
    start = NOW + timedelta(hours=start_h)
    return make_operation(GRID, id, cells_around(GRID, lat, lng, radius), start,
                          start + timedelta(hours=hours), expires=expires)


def owner_registry(ops: list[Operation], now: datetime = NOW) -> PreparedRegistry:
    return prepare_operations(ENGINE, GRID, ops, now=now, key=new_key(), reference_key=REF_KEY,
                              epoch="e1", valid_until=now + timedelta(days=30),
                              max_client_items=100_000)


def private_conflicts(mine: Operation, registry: PreparedRegistry, now: datetime = NOW,
                      ) -> list[str]:
    state, query = ask_operation(ENGINE, GRID, mine, query_id="d1")
    reply = answer(ENGINE, query, registry, partner="co", limiter=RateLimiter(clock=lambda: now),
                   contact=CONTACT_MX, now=now)
    return conflicting_labels(ENGINE, state, reply)


def test_overlapping_operations_conflict_and_only_the_label_is_learnt() -> None:
    theirs = op("MX-OP-7", *BUENAVENTURA, start_h=2, hours=6)
    elsewhere = op("MX-OP-8", 19.05, -104.31, start_h=2, hours=6)  # Manzanillo
    registry = owner_registry([theirs, elsewhere])
    mine = op("CO-OP-1", BUENAVENTURA[0] + 0.001, BUENAVENTURA[1], start_h=4, hours=2)
    assert private_conflicts(mine, registry) == [operation_label(REF_KEY, "MX-OP-7")]
    assert conflicts_plain(GRID, mine, theirs) and not conflicts_plain(GRID, mine, elsewhere)


def test_disjoint_in_space_or_in_time_do_not_conflict() -> None:
    registry = owner_registry([op("MX-OP-7", *BUENAVENTURA, start_h=2, hours=6)])
    far = op("CO-OP-2", BUENAVENTURA[0] + 0.05, BUENAVENTURA[1], start_h=2, hours=6)  # ~5.5 km
    later = op("CO-OP-3", *BUENAVENTURA, start_h=8, hours=3)  # starts when theirs ends
    assert private_conflicts(far, registry) == []
    assert private_conflicts(later, registry) == []


def test_neighbouring_cells_conflict_within_the_ring() -> None:
    centre = h3.latlng_to_cell(*BUENAVENTURA, GRID.resolution)
    ring1 = sorted(h3.grid_ring(centre, 1))[0]
    ring2 = sorted(h3.grid_ring(centre, 2))[0]
    start, end = NOW, NOW + timedelta(hours=1)
    theirs = make_operation(GRID, "MX", [centre], start, end)
    near = make_operation(GRID, "CO-near", [ring1], start, end)
    beyond = make_operation(GRID, "CO-far", [ring2], start, end)
    registry = owner_registry([theirs])
    assert private_conflicts(near, registry) != []
    assert private_conflicts(beyond, registry) == []
    strict = Grid(ring=0)
    assert not conflicts_plain(strict, near, theirs)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.integers(-4, 4), st.integers(1, 4),
       st.integers(-4, 4), st.integers(1, 4))
def test_private_matching_agrees_with_the_plain_rule(
        dx: int, dy: int, start_a: int, len_a: int, start_b: int, len_b: int) -> None:
    centre = h3.latlng_to_cell(*BUENAVENTURA, GRID.resolution)
    i, j = h3.cell_to_local_ij(centre, centre)
    other = h3.local_ij_to_cell(centre, i + dx, j + dy)
    a = make_operation(GRID, "a", [centre], NOW + timedelta(hours=start_a),
                       NOW + timedelta(hours=start_a + len_a))
    b = make_operation(GRID, "b", [other], NOW + timedelta(hours=start_b),
                       NOW + timedelta(hours=start_b + len_b), expires=NOW + timedelta(days=1))
    assert bool(private_conflicts(a, owner_registry([b]))) == conflicts_plain(GRID, a, b)


def test_expired_operations_stop_matching() -> None:
    theirs = op("MX-OP-7", *BUENAVENTURA, start_h=2, hours=240, expires=NOW + timedelta(days=1))
    mine = op("CO-OP-1", *BUENAVENTURA, start_h=48, hours=2)
    registry = owner_registry([theirs])
    assert registry.valid_until == NOW + timedelta(days=1)
    later = NOW + timedelta(days=2)
    with pytest.raises(StaleRegistry, match="prepare it again"):
        private_conflicts(mine, registry, now=later)
    assert private_conflicts(mine, owner_registry([theirs], now=later), now=later) == []


def test_the_label_count_is_padded() -> None:
    ops = [op(f"MX-{i}", *BUENAVENTURA, start_h=i, hours=1) for i in range(5)]
    assert len(owner_registry(ops[:1]).setups) == 4
    assert len(owner_registry(ops).setups) == 8


def test_shared_targets_hit_and_both_sides_can_name_the_registration() -> None:
    phone, plate = "phone:+573001234567", "plate:co:ABC123"
    theirs = [make_target("MX-T-1", [phone, "imo:9074729"], NOW + timedelta(days=30)),
              make_target("MX-T-2", [plate], NOW - timedelta(days=1))]  # expired
    items, first_expiry = target_registry_items(theirs, NOW)
    assert items == {"target": ["imo:9074729", phone]} and first_expiry is not None
    registry = prepare_registry(ENGINE, "target", items, key=new_key(), reference_key=REF_KEY,
                                epoch="e1", valid_until=first_expiry, max_client_items=100)
    state, query = ask(ENGINE, "target", [phone, plate], query_id="t1")
    reply = answer(ENGINE, query, registry, partner="co", limiter=RateLimiter(
        {"target": RateLimiter().limits["phone"]}, lambda: NOW), contact=CONTACT_MX, now=NOW)
    [hit] = read_hits(ENGINE, state, reply)
    assert hit.item == phone and hit.contact == CONTACT_MX
    notice = ConflictNotice("n1", "target", hit.reference, "co-ref-1", CONTACT_CO)
    wire = ConflictNotice.from_dict(json.loads(json.dumps(notice.to_dict())))
    assert resolve_notice(wire, REF_KEY, targets=theirs, now=NOW) == ["MX-T-1"]


def test_an_operation_notice_resolves_to_the_owners_operation_until_it_expires() -> None:
    theirs = op("MX-OP-7", *BUENAVENTURA, start_h=2, hours=6)
    notice = ConflictNotice("n2", "operation", operation_label(REF_KEY, "MX-OP-7"), "co-ref",
                            CONTACT_CO)
    assert resolve_notice(notice, REF_KEY, operations=[theirs], now=NOW) == ["MX-OP-7"]
    assert resolve_notice(notice, REF_KEY, operations=[theirs],
                          now=NOW + timedelta(hours=9)) == []


def test_tokens_carry_the_grid_and_buckets_are_half_open() -> None:
    centre = h3.latlng_to_cell(*BUENAVENTURA, GRID.resolution)
    one = make_operation(GRID, "x", [centre], NOW, NOW + timedelta(hours=1))
    assert operation_tokens(GRID, one, expand=False) == [
        f"op|h3r8k1b3600|{centre}|{int(NOW.timestamp()) // 3600}"]
    assert len(operation_tokens(GRID, one, expand=True)) == 7
    assert len(time_buckets(GRID, NOW + timedelta(minutes=30), NOW + timedelta(hours=2))) == 2


def test_cells_are_brought_to_the_grid_resolution() -> None:
    fine = h3.latlng_to_cell(*BUENAVENTURA, 10)
    coarse = h3.latlng_to_cell(*BUENAVENTURA, 7)
    assert cells_at(GRID, [fine]) == {h3.cell_to_parent(fine, 8)}
    assert len(cells_at(GRID, [coarse])) == 7


def test_bad_registrations_say_why() -> None:
    cell = h3.latlng_to_cell(*BUENAVENTURA, 8)
    with pytest.raises(InvalidValue, match=r"operation x: cells\[0\]: 'nope' is not an H3 cell"):
        make_operation(GRID, "x", ["nope"], NOW, NOW + timedelta(hours=1))
    with pytest.raises(InvalidValue, match="operation x: ends .* before it starts"):
        make_operation(GRID, "x", [cell], NOW, NOW)
    with pytest.raises(InvalidValue, match="operation x: start needs a timezone"):
        make_operation(GRID, "x", [cell], datetime(2025, 1, 1), NOW)
    with pytest.raises(InvalidValue, match="longer than the 90 days, 0:00:00 allowed"):
        make_operation(GRID, "x", [cell], NOW, NOW + timedelta(days=91))
    with pytest.raises(InvalidValue, match=r"covers more than 2000 cells"):
        cells_at(GRID, [h3.latlng_to_cell(*BUENAVENTURA, 3)])
    with pytest.raises(InvalidValue, match="conflict notice: kind must be 'operation' or"):
        ConflictNotice.from_dict({"notice_id": "n", "kind": "x", "owner_ref": "r",
                                  "asker_ref": "a", "contact": "c"})
