"""``accord explain REPORT_ID --to PARTNER``: would this report go to that partner, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services.explain import explain_release

app = typer.Typer()


@app.command("explain")
def explain(
    report_id: Annotated[str, typer.Argument(help="The report's id.")],
    to: Annotated[str, typer.Option("--to", help="The partner's node id.")],
    purpose: Annotated[str | None, typer.Option(
        "--purpose", help="The sharing purpose (default: the report's own).")] = None,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Print the sharing decision for a report and a partner, and why."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = explain_release(opened, report_id, to, purpose=purpose)
        out.emit(found.to_dict(),
                 lambda console: console.print(found.text, markup=False, highlight=False))
