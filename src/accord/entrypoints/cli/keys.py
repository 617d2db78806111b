"""``accord key show|rotate|revoke``: this node's keys (and revoking a partner's key)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import keys as service
from accord.services import ledger

app = typer.Typer(no_args_is_help=True)


def _show(state: service.KeyState) -> Callable[[Console], None]:
    def human(console: Console) -> None:
        console.print(f"signing key    {state.signing_kid}")
        console.print(f"encryption key {state.encryption_kid}")
        for kid, at in state.retiring:
            console.print(f"retiring       {kid} (verifies until {at})")
        for kid in state.revoked:
            console.print(f"revoked        {kid}")
        console.print(f"fingerprint    [bold]{state.fingerprint}[/]")

    return human


@app.command("show")
def show(node: NodeOption = None, json_: JsonOption = False) -> None:
    """Show this node's active, retiring and revoked keys and its fingerprint."""
    with command(json_) as out:
        with open_node(node) as opened:
            state = service.key_state(opened)
        out.emit(state.to_dict(), _show(state))


@app.command("rotate")
def rotate(
    grace_days: Annotated[float, typer.Option(
        "--grace-days", min=0, help="How long the old keys keep verifying.")] = 7.0,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Make fresh keys active; the old ones keep verifying for the grace period."""
    with command(json_) as out:
        with open_node(node) as opened:
            state = service.rotate_keys(opened, actor=ledger.local_actor(),
                                        grace=timedelta(days=grace_days))
        out.emit(state.to_dict(), _show(state))


@app.command("revoke")
def revoke(
    kid: Annotated[str, typer.Argument(help="The key id (RFC 7638 thumbprint) to revoke.")],
    partner: Annotated[str | None, typer.Option(
        "--partner", help="Revoke this partner's key instead of one of ours.")] = None,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Revoke a key at once: it never verifies again (an active own key is replaced)."""
    with command(json_) as out:
        with open_node(node) as opened:
            if partner:
                service.revoke_partners_key(opened, partner, kid, actor=ledger.local_actor())
                out.emit({"partner": partner, "revoked": kid},
                         lambda c: c.print(f"revoked {partner}'s key {kid}"))
                return
            state = service.revoke_own_key(opened, kid, actor=ledger.local_actor())
        out.emit(state.to_dict(), _show(state))
