"""``accord audit verify|proof|log``: the auditor's view of the node's ledger (read-only);
``accord audit checkpoint|witness``: sign a checkpoint now, run one witnessing round."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.adapters.ledger import LeafFilter
from accord.bootstrap import open_node
from accord.domain.errors import InvalidValue
from accord.domain.signed_note import NoteVerifier
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import auditing, checkpointing, ledger

app = typer.Typer(no_args_is_help=True)

WitnessOption = Annotated[
    list[str] | None,
    typer.Option("--witness-key", help="A partner's verifier key (name+keyid+base64), to check "
                 "its co-signatures; repeatable."),
]


@app.command("verify")
def verify(node: NodeOption = None, witness_key: WitnessOption = None,
           json_: JsonOption = False) -> None:
    """Recompute the whole log; check every checkpoint and co-signature (partners' pinned
    keys and any --witness-key). Exit 1 if anything is wrong, naming the first bad index."""
    with command(json_) as out:
        witnesses = [NoteVerifier.from_vkey(k, where="--witness-key") for k in witness_key or []]
        with open_node(node) as opened:
            report = auditing.verify_node(opened, witnesses)

        def human(console: Console) -> None:
            verdict = "[green]OK[/]" if report.ok else "[red]TAMPERED[/]"
            console.print(f"{verdict}: {report.leaves_checked} of {report.size} leaves, "
                          f"{report.checkpoints_checked} checkpoints, root {report.root}")
            if report.witnesses:
                console.print("witnessed by: " + ", ".join(
                    f"{name} ({count})" for name, count in sorted(report.witnesses.items())))
            if report.first_bad_index is not None:
                console.print(f"first bad index: {report.first_bad_index}")
            for problem in report.problems:
                console.print(f"- {problem.kind}: {problem.message}", markup=False)

        out.emit(report.to_dict(), human)
    if not report.ok:
        raise typer.Exit(1)


@app.command("proof")
def proof(index: Annotated[int, typer.Argument(help="The leaf index.")],
          size: Annotated[int | None, typer.Option(
              "--size", help="Tree size to prove against (default: the latest checkpoint "
              "covering INDEX, else the current size).")] = None,
          node: NodeOption = None, json_: JsonOption = False) -> None:
    """Print the inclusion proof of leaf INDEX (checked before it is printed)."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = auditing.prove(opened, index, size)

        def human(console: Console) -> None:
            console.print(f"leaf {found.index} of {found.size}: "
                          f"{found.leaf.decode('utf-8')}", markup=False)
            console.print(f"root {ledger.b64(found.root)}")
            for i, h in enumerate(found.path):
                console.print(f"  {i}: {ledger.b64(h)}")
            if found.checkpoint:
                console.print(found.checkpoint, markup=False)

        out.emit(found.to_dict(), human)


@app.command("log")
def log(node: NodeOption = None,
        actor: Annotated[str | None, typer.Option("--actor", help="Who acted.")] = None,
        action: Annotated[str | None, typer.Option(
            "--action", help="An action name such as material.read.")] = None,
        agreement: Annotated[str | None, typer.Option(
            "--agreement", help="Under this agreement.")] = None,
        since: Annotated[str | None, typer.Option(
            "--since", help="From this UTC time (ISO 8601, e.g. 2026-03-01T00:00).")] = None,
        after: Annotated[int, typer.Option("--after", help="Only leaves after this index "
                                           "(to page).")] = -1,
        limit: Annotated[int, typer.Option("--limit", help="At most this many (1-10000).")] = 100,
        json_: JsonOption = False) -> None:
    """List ledger entries, oldest first, read from the leaves themselves."""
    with command(json_) as out:
        if not 1 <= limit <= 10_000:
            raise InvalidValue(f"{limit} is not between 1 and 10000", where="--limit")
        where = LeafFilter(actor=actor, action=action, agreement=agreement,
                           since=_time(since), after_index=after, limit=limit)
        with open_node(node) as opened:
            found = auditing.audit_log(opened, where)

        def human(console: Console) -> None:
            table = Table("index", "at", "actor", "action", "subject", "agreement", "partner")
            for item in found:
                e = item.entry
                table.add_row(str(item.index), e.at.isoformat(" ", "seconds"), e.actor,
                              e.action.value, e.subject, e.agreement or "", e.partner or "")
            console.print(table)

        out.emit({"entries": [item.to_dict() for item in found]}, human)


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not an ISO 8601 time", where="--since") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed



@app.command("checkpoint")
def checkpoint(node: NodeOption = None,
               force: Annotated[bool, typer.Option(
                   "--force", help="Sign even if only checkpoint bookkeeping happened since "
                   "the last one.")] = False,
               json_: JsonOption = False) -> None:
    """Sign a checkpoint of the ledger now (accord serve also does so on a timer)."""
    with command(json_) as out:
        with open_node(node) as opened:
            signed = checkpointing.sign_checkpoint(opened, force=force)
        cp = signed.checkpoint
        out.emit({"size": cp.size, "root": ledger.b64(cp.root), "checkpoint": signed.format(),
                  "cosigners": signed.cosigners()},
                 lambda console: console.print(signed.format(), markup=False))


@app.command("witness")
def witness(node: NodeOption = None,
            partner: Annotated[str | None, typer.Option(
                "--partner", help="Only this partner (default: every active partner).")] = None,
            json_: JsonOption = False) -> None:
    """Run one witnessing round: fetch each partner's checkpoint, check it extends the last
    one co-signed, co-sign it and hand the co-signature back. Exit 1 on an alert."""
    with command(json_) as out:
        from accord.adapters.ledger_transport import HttpLedgerTransport
        from accord.services.witnessing import ALERT, witness_partners

        with open_node(node) as opened:
            transport = HttpLedgerTransport(timeout=opened.config.federation.timeout_seconds)
            try:
                outcomes = witness_partners(opened, transport, partner)
            finally:
                transport.close()

        def human(console: Console) -> None:
            table = Table("partner", "status", "size", "detail")
            for o in outcomes:
                table.add_row(o.partner, o.status, "" if o.size is None else str(o.size),
                              o.detail)
            console.print(table)

        out.emit({"partners": [o.to_dict() for o in outcomes]}, human)
    if any(o.status == ALERT for o in outcomes):
        raise typer.Exit(1)
