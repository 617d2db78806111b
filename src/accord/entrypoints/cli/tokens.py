"""``accord token create|list|revoke``: API tokens (local admin; no token needed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import ledger
from accord.services import users as service

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    user: Annotated[str, typer.Argument(help="Whose token.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Create an API token for a user; prints it once."""
    with command(json_) as out:
        with open_node(node) as opened:
            issued = service.create_token(opened.store, user, label=label,
                                          actor=ledger.local_actor())

        def human(console: Console) -> None:
            console.print(f"Token {issued.record.id} for [bold]{user}[/] (shown once, keep it "
                          "safe):")
            console.print(issued.secret, markup=False, highlight=False)

        out.emit({"token": issued.secret, "token_record": service.token_to_dict(issued.record)},
                 human)


@app.command("list")
def list_(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """List tokens (ids, owners, labels, state; never the secrets)."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = service.list_tokens(opened.store, user)

        def human(console: Console) -> None:
            table = Table("id", "user", "label", "created", "last used", "state")
            for token in found:
                table.add_row(str(token.id), token.user, token.label,
                              token.created.isoformat(" ", "seconds"),
                              token.last_used.isoformat(" ", "seconds") if token.last_used
                              else "", "active" if token.active else "revoked")
            console.print(table)

        out.emit({"tokens": [service.token_to_dict(t) for t in found]}, human)


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'accord token list').")],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Revoke a token by id; it stops working at once."""
    with command(json_) as out:
        with open_node(node) as opened:
            record = service.revoke_token(opened.store, token_id, actor=ledger.local_actor())
        out.emit({"token_record": service.token_to_dict(record)},
                 lambda console: console.print(f"Token {record.id} of {record.user} revoked."))
