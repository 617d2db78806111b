"""``accord agreement draft|propose|sign|revoke|send|show|list``: sharing agreements.

The command line acts as ``local/<operating-system user>`` in the ledger (it
has no API token). Propose, sign, revoke and send reach every other party's
node at once and say what each made of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.domain.agreement import AgreementStatus
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command, read_text
from accord.services import agreements as service
from accord.services.agreements import AgreementView, Step
from accord.services.ledger import local_actor

app = typer.Typer(no_args_is_help=True)
AgreementId = Annotated[str, typer.Argument(help="The agreement's id.")]


@app.command("draft")
def draft(
    file: Annotated[Path, typer.Argument(
        help="The agreement document (YAML or JSON; docs/agreements.md).", exists=True,
        dir_okay=False, readable=True)],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Keep an agreement document as a draft (this node must be a party)."""
    with command(json_) as out:
        with open_node(node) as opened:
            view = service.draft_agreement(opened, read_text(file, where=file.name),
                                           actor=local_actor(), where=file.name)
        out.emit(view.to_dict(), lambda console: show_view(console, view))


@app.command("propose")
def propose(agreement_id: AgreementId, node: NodeOption = None, json_: JsonOption = False
            ) -> None:
    """Propose a draft: it is sent to every other party's node."""
    with command(json_) as out:
        with open_node(node) as opened:
            step = service.propose_agreement(opened, agreement_id, actor=local_actor())
        out.emit(step.to_dict(), lambda console: show_step(console, step))


@app.command("sign")
def sign(agreement_id: AgreementId, node: NodeOption = None, json_: JsonOption = False) -> None:
    """Sign a proposed agreement with this node's key; the signature goes to every party."""
    with command(json_) as out:
        with open_node(node) as opened:
            step = service.sign_agreement(opened, agreement_id, actor=local_actor())
        out.emit(step.to_dict(), lambda console: show_step(console, step))


@app.command("revoke")
def revoke(
    agreement_id: AgreementId,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the revocation).")],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Revoke an agreement here and at every other party: nothing more moves under it."""
    with command(json_) as out:
        with open_node(node) as opened:
            step = service.revoke_agreement(opened, agreement_id, actor=local_actor(),
                                            reason=reason)
        out.emit(step.to_dict(), lambda console: show_step(console, step))


@app.command("send")
def send(agreement_id: AgreementId, node: NodeOption = None, json_: JsonOption = False) -> None:
    """Send the agreement as held here to every other party again (catches up both ways)."""
    with command(json_) as out:
        with open_node(node) as opened:
            step = service.send_agreement(opened, agreement_id)
        out.emit(step.to_dict(), lambda console: show_step(console, step))


@app.command("show")
def show(agreement_id: AgreementId, node: NodeOption = None, json_: JsonOption = False) -> None:
    """Show an agreement, its signatures and whether it is in force here (and why not)."""
    with command(json_) as out:
        with open_node(node) as opened:
            view = service.agreement_view(opened, agreement_id)
        out.emit(view.to_dict(), lambda console: show_view(console, view))


@app.command("list")
def list_(
    status: Annotated[AgreementStatus | None, typer.Option(
        "--status", help="Only agreements in this state.")] = None,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """List the agreements this node holds, with whether each is in force here."""
    with command(json_) as out:
        with open_node(node) as opened:
            views = service.agreement_views(opened, status=status)

        def human(console: Console) -> None:
            table = Table("id", "version", "title", "parties", "status", "signed by",
                          "in force")
            for v in views:
                a = v.agreement
                table.add_row(a.id, str(a.version), a.title, ", ".join(a.parties),
                              a.status.value, ", ".join(sorted(a.signatures)) or "-",
                              "yes" if v.in_force else f"no: {v.reason}")
            console.print(table)

        out.emit({"agreements": [v.to_dict() for v in views]}, human)


def show_view(console: Console, view: AgreementView) -> None:
    a = view.agreement
    console.print(f"[bold]{a.id}[/] v{a.version}: {a.title}", highlight=False)
    console.print(f"  status {a.status.value}; in force here: "
                  + ("yes" if view.in_force else f"no ({view.reason})"), markup=False)
    console.print(f"  parties {', '.join(a.parties)}; signed by "
                  f"{', '.join(sorted(a.signatures)) or 'nobody yet'}", markup=False)
    console.print(f"  valid {a.valid_from.isoformat()} to {a.valid_until.isoformat()}",
                  markup=False)
    if a.revocation is not None:
        console.print(f"  revoked by {a.revocation.party} at {a.revocation.at.isoformat()}: "
                      f"{a.revocation.reason}", markup=False)
    if view.unpinned:
        console.print(f"  parties not pinned here: {', '.join(view.unpinned)}", markup=False)
    table = Table("clause", "from", "to", "schemas", "max TLP", "mode", "four-eyes")
    for c in a.clauses:
        table.add_row(c.id, ", ".join(sorted(c.senders)) if c.senders else "all",
                      ", ".join(sorted(c.recipients)) if c.recipients else "all",
                      ", ".join(sorted(c.schemas)), c.max_tlp.value, c.mode.value,
                      "yes" if c.four_eyes else "no")
    console.print(table)


def show_step(console: Console, step: Step) -> None:
    show_view(console, step.view)
    if step.deliveries:
        table = Table("party", "answer", "reason", "their copy")
        for d in step.deliveries:
            table.add_row(d.party, d.status, d.reason or d.detail or "", d.their_status or "-")
        console.print(table)
