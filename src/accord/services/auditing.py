"""The auditor's view of a node's ledger: full verification, proofs and the filtered log,
each in one read-only unit of work (the CLI's ``accord audit`` and the API's
``/api/v1/audit`` both call these)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from accord.adapters.ledger import LeafFilter
from accord.domain.signed_note import NoteVerifier
from accord.services import ledger
from accord.services.checkpointing import node_verifier, retired_verifiers, witness_keys
from accord.services.ledger_verify import VerifyReport, verify_all

if TYPE_CHECKING:
    from accord.bootstrap import Node


def verify_node(node: Node, witnesses: Sequence[NoteVerifier] = ()) -> VerifyReport:
    """Recompute the whole log; co-signatures are checked against the partners' pinned
    keys and ``witnesses`` (verifier keys given by hand)."""
    known = [*witness_keys(node.store), *witnesses]
    with node.store.unit_of_work(write=False) as uow:
        return verify_all(uow, node_verifier(node), known, retired_verifiers(node))


def prove(node: Node, index: int, size: int | None = None) -> ledger.InclusionProof:
    """The inclusion proof of leaf ``index`` (checked before it is returned)."""
    with node.store.unit_of_work(write=False) as uow:
        found = ledger.prove_inclusion(uow, index, size)
    found.verify()
    return found


def audit_log(node: Node, where: LeafFilter) -> list[ledger.LoggedEntry]:
    with node.store.unit_of_work(write=False) as uow:
        return ledger.audit_log(uow, where)
