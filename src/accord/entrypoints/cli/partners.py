"""``accord partner add|list|remove``: pin partner nodes' keys (checked by fingerprint)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.adapters.transport import HttpTransport
from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import partners as service

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    url: Annotated[str, typer.Option("--url", help="The partner node's base URL.")],
    fingerprint: Annotated[str | None, typer.Option(
        "--fingerprint", help="The fingerprint the partner gave you out of band; anything "
                              "else is refused.")] = None,
    pull: Annotated[bool, typer.Option(
        "--pull", help="Also pull this partner's feed (when it cannot reach us).")] = False,
    push: Annotated[bool, typer.Option(
        "--push/--no-push", help="Push releases to this partner (off: it pulls them).")] = True,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Fetch a partner's keys from URL, show the fingerprint and pin them."""
    with command(json_) as out:
        with open_node(node) as opened:
            transport = HttpTransport(timeout=opened.config.federation.timeout_seconds)
            try:
                pinned = service.add_partner(opened.store, url, me=opened.node_id,
                                             transport=transport, fingerprint=fingerprint,
                                             push=push, pull=pull)
            finally:
                transport.close()
        partner = pinned.partner

        def human(console: Console) -> None:
            verb = "Pinned" if pinned.created else "Updated"
            console.print(f"{verb} partner [bold]{partner.node_id}[/] ({partner.country}) at "
                          f"{partner.url}")
            console.print(f"Fingerprint: {partner.fingerprint}", markup=False)
            if not partner.fingerprint_checked:
                console.print("Not checked: compare it with the partner out of band, then "
                              "run this again with --fingerprint.")

        out.emit(pinned.to_dict(), human)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include removed partners.")] = False,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """List partners with their fingerprints and delivery state."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = service.list_partners(opened.store, include_removed=all_)

        def human(console: Console) -> None:
            table = Table("node", "country", "url", "fingerprint", "checked", "status",
                          "failures")
            for p in found:
                table.add_row(p.node_id, p.country, p.url, p.fingerprint,
                              "yes" if p.fingerprint_checked else "no", p.status,
                              str(p.failures))
            console.print(table)

        out.emit({"partners": [p.to_dict() for p in found]}, human)


@app.command("remove")
def remove(
    node_id: Annotated[str, typer.Argument(help="The partner's node id.")],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Stop trusting and sending to a partner (history is kept)."""
    with command(json_) as out:
        with open_node(node) as opened:
            partner = service.remove_partner(opened.store, node_id)
        out.emit({"partner": partner.to_dict()},
                 lambda console: console.print(f"Partner {node_id} removed."))
