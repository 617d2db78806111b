"""The auditor's full check: recompute the whole log and every checkpoint from stored data.

``verify_all`` reads every leaf once, in index order, and checks that

- indices run 0, 1, 2, ... up to the head size with no gap, overlap or extra leaf
  (leaves are stored in bundles, one row per appended batch: a damaged bundle
  gives its leaves no hash, so it is named at its first leaf);
- each leaf's data is canonical JSON that names its own index and its stored
  hash is the hash of its data;
- the auditor's index (``ledger_index``) has a row for every leaf it claims to
  cover, each agreeing with the leaf's data, and none beyond the log (an
  altered or deleted row could hide an act from a filtered view);
- every stored tile (cached subtree hash) equals the recomputed one;
- every stored checkpoint is signed by the node, its co-signatures by known
  witnesses verify, and its root is the recomputed root at its size;
- every ``checkpoint.signed`` / ``checkpoint.witnessed`` leaf still has its
  checkpoint / co-signature stored, and every checkpoint has its leaf.

Problems name the first bad index where one exists: exactly for changed data or
query columns and for moved, inserted or deleted leaves; to within a tile (16
leaves) when data and hash were changed together; to the range since the last
good checkpoint when the rewrite was made fully consistent (data, hashes and
tiles all recomputed), which only a signed checkpoint can catch. A problem known
only as a range is reported without an index when a precise one lies inside it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from accord.adapters.ledger.notes import StoredCheckpoint
from accord.adapters.ledger.tables import TILE_STRIDE
from accord.adapters.ledger.tree import INDEXED, LeafRow
from accord.domain.checkpoint import SignedCheckpoint
from accord.domain.errors import AccordError
from accord.domain.ledger_entry import Action, LedgerEntry, decode_leaf
from accord.domain.merkle import fold, leaf_hash, node_hash
from accord.domain.signed_note import NoteVerifier
from accord.services.ledger_ports import LedgerUnitOfWork, TreePort

MAX_PROBLEMS = 100
CHUNK = 20_000


@dataclass(frozen=True)
class LedgerProblem:
    """One finding: ``index`` is the leaf concerned (``None`` for a checkpoint-only problem)."""

    kind: str
    message: str
    index: int | None = None
    checkpoint: int | None = None  # size of the checkpoint concerned
    span: tuple[int, int] | None = None  # leaves the problem lies somewhere in

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "index": self.index,
                "checkpoint": self.checkpoint, "span": list(self.span) if self.span else None}


@dataclass
class VerifyReport:
    """What ``audit verify`` prints. ``ok`` is true only when there is no problem."""

    size: int = 0
    root: str = ""
    leaves_checked: int = 0
    checkpoints_checked: int = 0
    latest_checkpoint: int | None = None
    witnesses: dict[str, int] = field(default_factory=dict)  # name -> checkpoints co-signed
    unknown_signers: list[str] = field(default_factory=list)
    problems: list[LedgerProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        indices = [p.index for p in self.problems if p.index is not None]
        return min(indices) if indices else None

    def add(self, problem: LedgerProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "size": self.size, "root": self.root,
                "leaves_checked": self.leaves_checked,
                "checkpoints_checked": self.checkpoints_checked,
                "latest_checkpoint": self.latest_checkpoint,
                "first_bad_index": self.first_bad_index, "witnesses": self.witnesses,
                "unknown_signers": self.unknown_signers,
                "problems": [p.to_dict() for p in self.problems]}


def verify_all(uow: LedgerUnitOfWork, node_key: NoteVerifier,
               witnesses: Sequence[NoteVerifier] = (),
               earlier_keys: Sequence[NoteVerifier] = ()) -> VerifyReport:
    """Recompute the log from its stored leaves and check everything stored against it.

    Checkpoints are signed by ``node_key`` or, before a key rotation, by one of
    ``earlier_keys`` (the node's retired signing keys, under the same name)."""
    tree = uow.ledger.tree
    report = VerifyReport(size=tree.size())
    stored = uow.ledger.checkpoints.all()
    roots = _check_checkpoints(stored, report, [node_key, *earlier_keys], witnesses)
    walk = _Walk(report, roots, tree)
    for n, row in enumerate(tree.leaves(0, report.size, CHUNK), 1):
        walk.leaf(row)
        if n % CHUNK == 0:
            walk.tiles(uow)
    walk.tiles(uow)
    if walk.count < report.size:
        report.add(LedgerProblem("missing", f"leaves {walk.count}..{report.size - 1} are "
                                 "missing", walk.count))
    indexed = tree.indexed_size()
    if indexed > report.size:
        report.add(LedgerProblem("index", f"the auditor's index has rows up to leaf "
                                 f"{indexed - 1}, beyond the log's size {report.size}",
                                 report.size))
    extra = tree.count_from(report.size)
    if extra:
        report.add(LedgerProblem("extra", f"{extra} leaf row(s) at or beyond the head size "
                                 f"{report.size}", report.size))
    for level, count in sorted(tree.tile_counts().items()):
        expected = report.size >> level if level % TILE_STRIDE == 0 else 0
        if count != expected:
            report.add(LedgerProblem("tiles", f"{count} stored subtree hashes at level {level}, "
                                     f"expected {expected}"))
    report.leaves_checked = walk.count
    report.root = base64.b64encode(fold(walk.peaks())).decode()
    _check_records(walk, stored, report)
    report.problems = _explained(report.problems)
    return report


def _explained(problems: list[LedgerProblem]) -> list[LedgerProblem]:
    """Problems known only as a span (a tile, a checkpoint's range) keep their index only
    if no more precise problem lies in that span; otherwise they are its consequence."""
    exact = [p.index for p in problems if p.index is not None and p.span is None]
    tiles = [p.index for p in problems if p.index is not None and p.kind == "tiles"]
    out = []
    for p in problems:
        if p.span is not None and p.index is not None:
            a, b = p.span
            inside = exact + (tiles if p.kind == "checkpoint" else [])
            if any(a <= i < b for i in inside):
                p = replace(p, index=None)
        out.append(p)
    return out


def _check_checkpoints(stored: list[StoredCheckpoint], report: VerifyReport,
                       node_keys: Sequence[NoteVerifier],
                       witnesses: Sequence[NoteVerifier]) -> dict[int, bytes]:
    """Check signatures and columns; returns ``size -> root`` of checkpoints to recompute."""
    roots: dict[int, bytes] = {}
    known = {(w.name, w.key_id) for w in (*node_keys, *witnesses)}
    for cp in stored:
        report.checkpoints_checked += 1
        try:
            signed = SignedCheckpoint.parse(cp.note, where=f"checkpoint {cp.size}")
            first = signed.note.signatures[0] if signed.note.signatures else None
            node_key = next((k for k in node_keys if first is not None and k.matches(first)),
                            node_keys[0])
            cosigners = signed.verify(node_key, witnesses)
        except AccordError as exc:
            report.add(LedgerProblem("checkpoint", str(exc), checkpoint=cp.size))
            continue
        body = signed.checkpoint
        if (body.size, body.root) != (cp.size, cp.root):
            report.add(LedgerProblem("checkpoint", f"stored as size {cp.size} but the signed "
                                     f"note says size {body.size} (or another root)",
                                     checkpoint=cp.size))
            continue
        if body.size > report.size:
            report.add(LedgerProblem("checkpoint", f"checkpoint of size {body.size} is beyond "
                                     f"the log's size {report.size}", report.size, cp.size))
            continue
        roots[body.size] = body.root
        report.latest_checkpoint = body.size
        for w in cosigners:
            report.witnesses[w.name] = report.witnesses.get(w.name, 0) + 1
        for sig in signed.note.signatures:
            if (sig.name, sig.key_id) not in known and sig.name not in report.unknown_signers:
                report.unknown_signers.append(sig.name)
    return roots


class _Walk:
    """Streams leaves: checks each, keeps the compact range for roots and tiles."""

    def __init__(self, report: VerifyReport, roots: dict[int, bytes], tree: TreePort) -> None:
        self.report = report
        self.roots = roots
        self.tree = tree
        self.indexed = tree.indexed_size()
        self.window = (0, 0)  # the range of index rows held in ``self.index``
        self.index: dict[int, tuple[Any, ...]] = {}
        self.last_good = 0  # size of the last checkpoint whose root matched
        self.count = 0
        self.stack: list[tuple[int, bytes]] = []  # (level, hash) of the perfect peaks
        self.made: dict[tuple[int, int], bytes] = {}  # tiles recomputed, not yet compared
        self.signed: list[tuple[int, LedgerEntry]] = []  # checkpoint bookkeeping leaves

    def leaf(self, row: LeafRow) -> None:
        if row.index > self.count:
            self.report.add(LedgerProblem("missing", f"leaf {self.count} is missing (the next "
                                          f"stored leaf is {row.index})", self.count))
            while self.count < row.index:  # keep the tree shape; the gaps cannot match
                self._push(_GAP)
        elif row.index < self.count:
            # Overlapping bundles: a leaf index stored twice. It is checked at the place
            # it takes in the walk, where its own index names the disturbance.
            self.report.add(LedgerProblem("extra", f"leaf {row.index} is stored twice "
                                          "(overlapping bundles)", row.index))
        index = self.count
        if leaf_hash(row.data) != row.leaf_hash:
            self.report.add(LedgerProblem("leaf", f"leaf {index}: stored hash is not the hash "
                                          "of its data", index))
        self._entry(row, index)
        # The stored hash goes on: a leaf whose data alone changed is named exactly
        # above, and one whose hash changed too shows up in its tile and checkpoint.
        self._push(row.leaf_hash)

    def _entry(self, row: LeafRow, index: int) -> None:
        # The fast path every leaf takes: canonical JSON that names its own index and
        # agrees with the query columns. Entry rules were checked when it was written;
        # only checkpoint bookkeeping leaves, which verify_all reads, are decoded in full.
        try:
            raw = orjson.loads(row.data)
            if not isinstance(raw, dict) or orjson.dumps(raw, option=orjson.OPT_SORT_KEYS) \
                    != row.data:
                raise ValueError("not canonical JSON")
        except (ValueError, TypeError) as exc:
            self.report.add(LedgerProblem("leaf", f"leaf {index}: not a canonical leaf: {exc}",
                                          index))
            return
        claimed = raw.get("index")
        if claimed != index:
            # Moved, inserted or deleted leaves: the disturbance is at the lower of the two.
            at = min(index, claimed) if isinstance(claimed, int) else index
            self.report.add(LedgerProblem("leaf", f"leaf {index} says it is leaf {claimed} "
                                          "(moved, inserted or deleted leaves)", at))
        if index < self.indexed:
            self._check_index(index, raw)
        if raw.get("action") in _BOOKKEEPING:
            try:
                self.signed.append((index, decode_leaf(row.data, where=f"leaf {index}")[1]))
            except AccordError as exc:
                self.report.add(LedgerProblem("leaf", str(exc), index))

    def _check_index(self, index: int, raw: dict[str, Any]) -> None:
        if not self.window[0] <= index < self.window[1]:
            self.window = (index, index + CHUNK)
            self.index = self.tree.index_rows(*self.window)
        stored = self.index.get(index)
        if stored is None:
            self.report.add(LedgerProblem("index", f"leaf {index} is missing from the "
                                          "auditor's index", index))
            return
        for name, value in zip(INDEXED, stored, strict=True):
            actual = raw.get(name, "" if name == "subject" else None)
            if value != actual:
                self.report.add(LedgerProblem("index", f"leaf {index}: the auditor's index "
                                              f"says {name} {value!r}, the leaf {actual!r}",
                                              index))

    def _push(self, h: bytes) -> None:
        level, index = 0, self.count
        while self.stack and self.stack[-1][0] == level:
            h = node_hash(self.stack.pop()[1], h)
            level += 1
            index >>= 1
            if level % TILE_STRIDE == 0:
                self.made[(level, index)] = h
        self.stack.append((level, h))
        self.count += 1
        root = self.roots.get(self.count)
        if root is not None:
            if fold(self.peaks()) == root:
                self.last_good = self.count
            else:
                self.report.add(LedgerProblem(
                    "checkpoint", f"leaves {self.last_good}..{self.count - 1} differ from what "
                    f"checkpoint {self.count} signed", self.last_good, self.count,
                    (self.last_good, self.count)))

    def peaks(self) -> list[bytes]:
        return [h for _, h in self.stack]

    def tiles(self, uow: LedgerUnitOfWork) -> None:
        """Compare the tiles completed since the last call with the stored ones."""
        by_level: dict[int, dict[int, bytes]] = {}
        for (level, index), h in self.made.items():
            by_level.setdefault(level, {})[index] = h
        self.made = {}
        for level, made in sorted(by_level.items()):
            stored = uow.ledger.tree.tiles(level, min(made), max(made) + 1)
            for index, h in sorted(made.items()):
                if stored.get(index) != h:
                    first, stop = index << level, (index + 1) << level
                    self.report.add(LedgerProblem(
                        "tiles", f"stored hash of leaves {first}..{stop - 1} (level {level}) "
                        "is missing or wrong", first, span=(first, stop)))
                    break


_GAP = bytes(32)
_BOOKKEEPING = {Action.CHECKPOINT_SIGNED.value, Action.CHECKPOINT_WITNESSED.value}


def _check_records(walk: _Walk, stored: list[StoredCheckpoint], report: VerifyReport) -> None:
    """Checkpoints and co-signatures recorded in the log must still be stored, and back."""
    by_size = {cp.size: cp for cp in stored}
    recorded: set[int] = set()
    for index, entry in walk.signed:
        size = entry.details.get("size")
        cp = by_size.get(size) if isinstance(size, int) else None
        root = entry.details.get("root")
        if cp is None or base64.b64encode(cp.root).decode() != root:
            report.add(LedgerProblem("checkpoint", f"checkpoint {size} recorded at leaf {index} "
                                     "is missing or altered", index, size
                                     if isinstance(size, int) else None))
            continue
        if entry.action is Action.CHECKPOINT_SIGNED:
            recorded.add(cp.size)
            continue
        key_id = entry.details.get("key_id")
        witness = entry.details.get("witness")
        try:
            sigs = SignedCheckpoint.parse(cp.note).note.signatures
        except AccordError:
            continue  # already reported by _check_checkpoints
        if not any(s.name == witness and s.key_id.hex() == key_id for s in sigs):
            report.add(LedgerProblem("checkpoint", f"co-signature by {witness} on checkpoint "
                                     f"{cp.size} (recorded at leaf {index}) is missing",
                                     index, cp.size))
    for cp in stored:
        if cp.size not in recorded and cp.size <= report.size:
            report.add(LedgerProblem("checkpoint", f"checkpoint {cp.size} has no "
                                     "checkpoint.signed leaf: not issued by this log",
                                     checkpoint=cp.size))
