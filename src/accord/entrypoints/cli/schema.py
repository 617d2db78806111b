"""``accord schema``: the JSON Schema of the import format, generated from the registry."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from accord.entrypoints.cli.options import JsonOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


@app.command("schema")
def schema(json_: JsonOption = False) -> None:
    """Print the JSON Schema of one import line (needs no node)."""
    with command(json_) as out:
        from accord.domain.registry import load_registry

        document = load_registry().json_schema()

        def human(console: Console) -> None:
            # Plain JSON either way: the schema is meant for tools.
            console.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False,
                          highlight=False, soft_wrap=True)

        out.emit(document, human)
