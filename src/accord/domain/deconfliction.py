"""Deconfliction: warn two agencies that they target the same thing or place and time.

Registrations are **targets** (identifier items: phones, plates, accounts ...) and
**operations** (an H3 cell set at the agreement's grid resolution plus a time
window). Every registration expires. A new registration is matched against each
partner's active registry by private set intersection, so neither registry is
disclosed:

* targets: the registry is an ordinary hit registry (``accord.domain.query``)
  of the active target items; a hit names the item the two agencies share,
  which is what both investigators need to talk about.
* operations: each operation becomes (cell, time-bucket) tokens; the asker
  expands its cells by ``grid.ring`` neighbouring rings (so operations in
  adjacent cells conflict too), the owner registers exact cells, and since grid
  distance is symmetric this finds every pair within ``ring`` cells whose
  windows share a time bucket. The owner's registry is *size-only* with one
  setup per operation under an opaque label: the asker learns that its
  operation conflicts with the owner's operation ``label`` — not where or when
  theirs is — and both sides are told by a ``ConflictNotice`` carrying contact
  points and nothing else.

Time buckets are ``grid.bucket`` long and aligned to the Unix epoch; windows are
half-open ``[start, end)``. Two windows in the same bucket conflict even if they
do not overlap within it: deconfliction errs on the side of a phone call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import h3

from accord.domain.errors import InvalidValue
from accord.domain.query import (
    AskState,
    HitAnswer,
    HitQuery,
    PreparedRegistry,
    PsiEngine,
    ask,
    prepare_registry,
    read_counts,
    reference,
    resolve_reference,
)

OPERATION_RATE_KIND = "operation"
TARGET_LABEL = "target"


@dataclass(frozen=True)
class Grid:
    """The space-time grid an agreement fixes for operations (both sides must agree)."""

    resolution: int = 8  # H3 res 8: cells ~0.74 km², edge ~530 m
    ring: int = 1  # cells this many rings apart still conflict
    bucket: timedelta = timedelta(hours=1)
    max_cells: int = 2_000
    max_window: timedelta = timedelta(days=90)

    def __post_init__(self) -> None:
        if not 0 <= self.resolution <= 15:
            raise InvalidValue(f"H3 resolution must be 0..15, not {self.resolution}",
                               where="deconfliction grid")
        if not 0 <= self.ring <= 10:
            raise InvalidValue(f"ring must be 0..10, not {self.ring}", where="deconfliction grid")
        if self.bucket < timedelta(minutes=1) or self.bucket.total_seconds() % 60:
            raise InvalidValue(f"bucket must be whole minutes, not {self.bucket}",
                               where="deconfliction grid")

    @property
    def id(self) -> str:
        """Part of every token, so registries on different grids never half-match."""
        return f"h3r{self.resolution}k{self.ring}b{int(self.bucket.total_seconds())}"

    @property
    def kind(self) -> str:
        """The registry kind of operations on this grid."""
        return f"operation/{self.id}"


@dataclass(frozen=True)
class Operation:
    """An operation: where (H3 cells at the grid's resolution) and when ``[start, end)``."""

    id: str
    cells: frozenset[str]
    start: datetime
    end: datetime
    expires: datetime  # when the registration stops matching

    def active(self, now: datetime) -> bool:
        return now < self.expires


@dataclass(frozen=True)
class Target:
    """A target: identifier items (``accord.domain.identifiers``) under one registration."""

    id: str
    items: frozenset[str]
    expires: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires


# -- building registrations ----------------------------------------------------


def cells_at(grid: Grid, cells: Iterable[str], *, where: str = "cells") -> frozenset[str]:
    """``cells`` (any resolution) as cells of the grid's resolution.

    Finer cells become their parent; coarser cells their children. Raises
    ``InvalidValue`` for an invalid cell or more than ``grid.max_cells`` cells.
    """
    out: set[str] = set()
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not h3.is_valid_cell(cell):
            raise InvalidValue(f"{cell!r} is not an H3 cell", where=f"{where}[{i}]")
        res = h3.get_resolution(cell)
        if res > grid.resolution:
            out.add(h3.cell_to_parent(cell, grid.resolution))
        elif res < grid.resolution:
            if h3.cell_to_children_size(cell, grid.resolution) > grid.max_cells:
                raise InvalidValue(f"{cell} covers more than {grid.max_cells} cells at "
                                   f"resolution {grid.resolution}", where=f"{where}[{i}]")
            out.update(h3.cell_to_children(cell, grid.resolution))
        else:
            out.add(cell)
        if len(out) > grid.max_cells:
            raise InvalidValue(f"more than {grid.max_cells} cells", where=where)
    if not out:
        raise InvalidValue("an operation needs at least one cell", where=where)
    return frozenset(out)


def cells_around(grid: Grid, lat: float, lng: float, radius_m: float) -> frozenset[str]:
    """The grid cells within about ``radius_m`` metres of a point (a disk of cells)."""
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidValue(f"({lat}, {lng}) is not a latitude, longitude", where="point")
    if radius_m < 0:
        raise InvalidValue(f"radius must not be negative, not {radius_m}", where="radius")
    centre = h3.latlng_to_cell(lat, lng, grid.resolution)
    # centre-to-centre distance between neighbours is sqrt(3) x edge length
    step = math.sqrt(3) * h3.average_hexagon_edge_length(grid.resolution, unit="m")
    return cells_at(grid, h3.grid_disk(centre, math.ceil(radius_m / step)), where="radius")


def make_operation(
    grid: Grid, id: str, cells: Iterable[str], start: datetime, end: datetime, *,
    expires: datetime | None = None,
) -> Operation:
    """A validated operation; the registration expires at ``expires`` (default: ``end``)."""
    where = f"operation {id}"
    for name, value in (("start", start), ("end", end), ("expires", expires)):
        if value is not None and value.tzinfo is None:
            raise InvalidValue(f"{name} needs a timezone (UTC offset)", where=where)
    if end <= start:
        raise InvalidValue(f"ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                           where=where)
    if end - start > grid.max_window:
        raise InvalidValue(f"a window of {end - start} is longer than the {grid.max_window} "
                           "allowed; register it in parts", where=where)
    return Operation(id, cells_at(grid, cells, where=f"{where}: cells"), start, end,
                     expires or end)


def make_target(id: str, items: Iterable[str], expires: datetime) -> Target:
    """A validated target registration."""
    found = frozenset(items)
    if not found:
        raise InvalidValue("a target needs at least one identifier", where=f"target {id}")
    if expires.tzinfo is None:
        raise InvalidValue("expires needs a timezone (UTC offset)", where=f"target {id}")
    return Target(id, found, expires)


# -- tokens ---------------------------------------------------------------------


def time_buckets(grid: Grid, start: datetime, end: datetime) -> range:
    """Indices of the buckets that ``[start, end)`` touches."""
    size = int(grid.bucket.total_seconds())
    first = math.floor(start.timestamp()) // size
    last = (math.ceil(end.timestamp()) - 1) // size
    return range(first, last + 1)


def operation_tokens(grid: Grid, op: Operation, *, expand: bool) -> list[str]:
    """The PSI items of ``op``; ``expand`` adds ``grid.ring`` rings of neighbours (asker side)."""
    cells = set(op.cells)
    if expand and grid.ring:
        for cell in op.cells:
            cells.update(h3.grid_disk(cell, grid.ring))
    return [f"op|{grid.id}|{cell}|{b}" for cell in sorted(cells)
            for b in time_buckets(grid, op.start, op.end)]


def conflicts_plain(grid: Grid, a: Operation, b: Operation) -> bool:
    """Whether two operations conflict, computed in the clear (the reference for tests)."""
    shared = set(time_buckets(grid, a.start, a.end)) & set(time_buckets(grid, b.start, b.end))
    if not shared:
        return False
    for x in a.cells:
        for y in b.cells:
            try:
                if h3.grid_distance(x, y) <= grid.ring:
                    return True
            except h3.H3BaseException:  # too far apart (or across a pentagon) to measure
                continue
    return False


# -- private matching -------------------------------------------------------------


def prepare_operations(
    engine: PsiEngine, grid: Grid, operations: Sequence[Operation], *, now: datetime,
    key: bytes, reference_key: bytes, epoch: str, valid_until: datetime,
    max_client_items: int,
) -> PreparedRegistry:
    """The owner's size-only registry of its *active* operations, one labelled setup each.

    The registry is valid until the first included registration expires (or
    ``valid_until``, if earlier), so an expired operation never answers. The
    number of labels is padded with empty ones so that it shows only roughly
    how many operations are active.
    """
    active = [op for op in operations if op.active(now)]
    labels: dict[str, list[str]] = {
        operation_label(reference_key, op.id): operation_tokens(grid, op, expand=False)
        for op in active}
    for n in range(len(labels), _padded_count(len(labels))):
        labels[reference(reference_key, f"operation-pad:{epoch}:{n}")] = []
    until = min([valid_until] + [op.expires for op in active])
    return prepare_registry(engine, grid.kind, labels, key=key, reference_key=reference_key,
                            epoch=epoch, valid_until=until, max_client_items=max_client_items,
                            reveal=False, rate_kind=OPERATION_RATE_KIND)


def ask_operation(
    engine: PsiEngine, grid: Grid, op: Operation, *, query_id: str,
    known_epoch: str | None = None,
) -> tuple[AskState, HitQuery]:
    """The asker's size-only query for its (expanded) operation."""
    return ask(engine, grid.kind, operation_tokens(grid, op, expand=True), query_id=query_id,
               reveal=False, known_epoch=known_epoch)


def conflicting_labels(
    engine: PsiEngine, state: AskState, reply: HitAnswer, *,
    cached_setups: Mapping[str, bytes] | None = None,
) -> list[str]:
    """The owner's operation labels that the asked operation conflicts with."""
    counts = read_counts(engine, state, reply, cached_setups=cached_setups)
    return sorted(label for label, n in counts.items() if n > 0)


def operation_label(reference_key: bytes, operation_id: str) -> str:
    """The opaque label an owner's operation is known by to askers."""
    return reference(reference_key, f"operation:{operation_id}")


def target_registry_items(targets: Iterable[Target], now: datetime) -> tuple[
        dict[str, list[str]], datetime | None]:
    """(``{TARGET_LABEL: active items}``, first expiry) for ``query.prepare_registry``."""
    active = [t for t in targets if t.active(now)]
    items = sorted({item for t in active for item in t.items})
    return {TARGET_LABEL: items}, min((t.expires for t in active), default=None)


# -- notices ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictNotice:
    """Asker → owner after a conflict: who to call, and which registrations conflict.

    ``owner_ref`` is the owner's operation label (operations) or the hit
    reference of the shared item (targets); ``asker_ref`` is the asker's own
    opaque reference for its registration, so that both can quote it.
    """

    notice_id: str
    kind: str  # "operation" | "target"
    owner_ref: str
    asker_ref: str
    contact: str
    details: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"notice_id": self.notice_id, "kind": self.kind, "owner_ref": self.owner_ref,
                "asker_ref": self.asker_ref, "contact": self.contact,
                "details": dict(self.details)}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> ConflictNotice:
        where = "conflict notice"
        values = {}
        for name in ("notice_id", "kind", "owner_ref", "asker_ref", "contact"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidValue(f"{name!r} must be a non-empty string", where=where)
            values[name] = value
        if values["kind"] not in ("operation", "target"):
            raise InvalidValue(f"kind must be 'operation' or 'target', not {values['kind']!r}",
                               where=where)
        details = body.get("details") or {}
        if not isinstance(details, Mapping):
            raise InvalidValue("'details' must be an object", where=where)
        return cls(values["notice_id"], values["kind"], values["owner_ref"],
                   values["asker_ref"], values["contact"],
                   {str(k): str(v) for k, v in details.items()})


def resolve_notice(
    notice: ConflictNotice, reference_key: bytes, *, operations: Sequence[Operation] = (),
    targets: Sequence[Target] = (), now: datetime,
) -> list[str]:
    """The owner's active registration ids a notice points at (empty: unknown or expired)."""
    if notice.kind == "operation":
        return [op.id for op in operations if op.active(now)
                and operation_label(reference_key, op.id) == notice.owner_ref]
    active = [t for t in targets if t.active(now)]
    item = resolve_reference(reference_key, notice.owner_ref,
                             sorted({i for t in active for i in t.items}))
    return [] if item is None else [t.id for t in active if item in t.items]


def _padded_count(n: int) -> int:
    """Label counts are padded to 4, 8, 16, ...: the asker sees the order of magnitude."""
    return max(4, 1 << max(0, n - 1).bit_length())
