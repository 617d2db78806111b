"""The ``accord`` command.

Each command group lives in its own module with a ``typer.Typer()`` named
``app``; register it below with one line: ``app.add_typer(module.app)`` puts
its commands at the top level (``accord init``), ``app.add_typer(module.app,
name="user")`` makes a group (``accord user add``). Document every command in
docs/cli.md (a test checks).
"""

from __future__ import annotations

import typer

from accord.entrypoints.cli import (
    agreements,
    approvals,
    audit,
    data,
    deconflict,
    demo,
    dispatch,
    explain,
    explore,
    keys,
    network,
    node,
    partners,
    queries,
    resolve,
    schema,
    synth,
    tokens,
    users,
)
from accord.entrypoints.cli.group import AccordGroup

app = typer.Typer(
    cls=AccordGroup,
    name="accord",
    help="Accord: federated, agreement-enforced intelligence sharing. Docs: docs/cli.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(node.app)  # init, serve
app.add_typer(data.app)  # import, export
app.add_typer(explore.app)  # search, show
app.add_typer(schema.app)  # schema
app.add_typer(users.app, name="user", help="Users and their roles.")
app.add_typer(tokens.app, name="token", help="API tokens.")
app.add_typer(demo.app)  # demo
app.add_typer(partners.app, name="partner", help="Partner nodes and their pinned keys.")
app.add_typer(dispatch.app)  # dispatch
app.add_typer(synth.app)  # synth
app.add_typer(audit.app, name="audit", help="The auditor's view of the ledger.")
app.add_typer(agreements.app, name="agreement", help="Sharing agreements and their lifecycle.")
app.add_typer(approvals.app, name="approval", help="Four-eyes approval of held releases.")
app.add_typer(explain.app)  # explain
app.add_typer(resolve.app)  # resolve, judge, canonical
app.add_typer(queries.app, name="query", help="Hit/no-hit queries to partners, follow-ups.")
app.add_typer(deconflict.app, name="deconflict", help="Deconfliction of targets, operations.")
app.add_typer(network.app, name="network", help="Network analysis: key players, brokers, cells.")
app.add_typer(keys.app, name="key", help="This node's keys: show, rotate, revoke.")


if __name__ == "__main__":
    app()
