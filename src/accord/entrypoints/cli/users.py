"""``accord user add|list``: people and their roles (local admin; no token needed)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.domain.users import Role
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import ledger
from accord.services import users as service

app = typer.Typer(no_args_is_help=True)
ROLES = ", ".join(r.value for r in Role)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES}.")],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Add a user; prints their first API token once."""
    with command(json_) as out:
        parsed = Role.parse(role)
        with open_node(node) as opened:
            user, issued = service.add_user(opened.store, name, parsed,
                                            actor=ledger.local_actor())

        def human(console: Console) -> None:
            console.print(f"User [bold]{user.name}[/] ({user.role.value}) added. API token "
                          "(shown once, keep it safe):")
            console.print(issued.secret, markup=False, highlight=False)

        out.emit({"user": service.user_to_dict(user), "token": issued.secret,
                  "token_record": service.token_to_dict(issued.record)}, human)


@app.command("list")
def list_(node: NodeOption = None, json_: JsonOption = False) -> None:
    """List users and their roles."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = service.list_users(opened.store)

        def human(console: Console) -> None:
            table = Table("name", "role", "created")
            for user in found:
                table.add_row(user.name, user.role.value, user.created.isoformat(" ", "seconds"))
            console.print(table)

        out.emit({"users": [service.user_to_dict(u) for u in found]}, human)
