"""``accord search`` and ``accord show``: find entities and read them with provenance."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Names (any spelling or script) or an identifier.")],
    node: NodeOption = None,
    schema: Annotated[str | None, typer.Option(
        "--schema", help="Only this schema and its descendants, e.g. Person.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many hits.")] = 20,
    json_: JsonOption = False,
) -> None:
    """Search entities by name (accents, case, order, transliteration) or identifier."""
    with command(json_) as out:
        from accord.services.search import search as run_search

        with open_node(node) as opened:
            hits = run_search(opened.store, query, limit=limit, schema=schema,
                              registry=opened.registry, country=opened.config.country)

        def human(console: Console) -> None:
            if not hits:
                console.print(f"No entity matches {query!r}.")
                return
            table = Table("score", "entity", "schema", "caption", "matched", title=query)
            for hit in hits:
                table.add_row(f"{hit.score:.2f}", hit.entity_id, hit.schema, hit.caption,
                              f"{hit.matched}: {hit.value}")
            console.print(table)

        out.emit({"query": query, "hits": [hit.to_dict() for hit in hits]}, human)


@app.command("show")
def show(
    entity_id: Annotated[str, typer.Argument(help="The entity's id.")],
    node: NodeOption = None,
    include_retracted: Annotated[bool, typer.Option(
        "--include-retracted", help="Also show statements of retracted reports.")] = False,
    json_: JsonOption = False,
) -> None:
    """Show an entity: every value with its report, origin, markings and grading."""
    with command(json_) as out:
        from accord.services import ledger
        from accord.services.entities import get_entity

        with open_node(node) as opened:
            view = get_entity(opened.store, entity_id, registry=opened.registry,
                              include_retracted=include_retracted,
                              reader=ledger.local_actor(), home=opened.node_id)
        data = view.to_dict()

        def human(console: Console) -> None:
            console.print(f"[bold]{data['caption']}[/] ({data['schema']} {data['id']}) "
                          f"TLP:{data['markings'].get('tlp', '?')}")
            table = Table("property", "value")
            table.add_column("report", overflow="fold")
            for column in ("origin", "TLP", "grading", "first seen"):
                table.add_column(column)
            for stmt in data["statements"]:
                grading = stmt["grading"] or {}
                table.add_row(stmt["prop"], stmt["value"], stmt["report_id"], stmt["origin"],
                              str(stmt["markings"].get("tlp", "")),
                              f"{grading.get('source', '')}{grading.get('information', '')}",
                              (stmt["first_seen"] or "")[:10])
            console.print(table)
            for report in data["reports"]:
                console.print(f"  {report['id']} v{report['version']} ({report['status']}, "
                              f"{report['origin']}): {report['title']}", markup=False)

        out.emit(data, human)
