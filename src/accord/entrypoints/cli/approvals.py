"""``accord approval list|approve|refuse``: four-eyes approval of held releases.

Without ``--as`` the command line acts as ``local/<operating-system user>``;
with ``--as NAME`` it acts as that user, who must hold a role that may
approve (supervisor). Either way, who caused a release cannot approve it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.adapters.store.approvals import Approval
from accord.bootstrap import Node, open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import approvals as service
from accord.services.ledger import local_actor

app = typer.Typer(no_args_is_help=True)
ApprovalId = Annotated[int, typer.Argument(help="The held release's id (accord approval list).")]
AsUser = Annotated[str | None, typer.Option(
    "--as", help="Act as this user (a supervisor); default: local/<OS user>.")]
Note = Annotated[str, typer.Option("--note", help="Why (kept in the ledger).")]


@app.command("list")
def list_(
    state: Annotated[str, typer.Option(
        "--state", help="held, approved, refused, cancelled or all.")] = "held",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """List releases held for a supervisor (oldest first)."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = service.list_approvals(opened.store, limit=limit,
                                           state=None if state == "all" else state)

        def human(console: Console) -> None:
            table = Table("id", "report", "version", "to", "agreement", "clause", "caused by",
                          "held at", "state")
            for a in found:
                table.add_row(str(a.id), a.report_id, str(a.report_version), a.partner,
                              a.agreement_id or "-", a.clause_id or "-", a.caused_by,
                              a.held_at.isoformat(timespec="seconds"), a.state)
            console.print(table)

        out.emit({"approvals": [a.to_dict() for a in found]}, human)


@app.command("approve")
def approve(approval_id: ApprovalId, as_: AsUser = None, note: Note = "",
            node: NodeOption = None, json_: JsonOption = False) -> None:
    """Approve a held release: it is sent in turn (not by whoever caused it)."""
    with command(json_) as out:
        with open_node(node) as opened:
            done = service.approve_release(opened, approval_id, note=note,
                                           approver=_approver(opened, as_))
        out.emit(done.to_dict(), lambda console: _said(console, done))


@app.command("refuse")
def refuse(approval_id: ApprovalId, as_: AsUser = None, note: Note = "",
           node: NodeOption = None, json_: JsonOption = False) -> None:
    """Refuse a held release: it never leaves this node."""
    with command(json_) as out:
        with open_node(node) as opened:
            done = service.refuse_release(opened, approval_id, note=note,
                                          approver=_approver(opened, as_))
        out.emit(done.to_dict(), lambda console: _said(console, done))


def _approver(node: Node, name: str | None) -> str:
    return local_actor() if name is None else service.approver_named(node.store, name)


def _said(console: Console, done: Approval) -> None:
    console.print(f"Release {done.id} ({done.report_id} v{done.report_version} to "
                  f"{done.partner}) {done.state} by {done.decided_by}.", markup=False)
