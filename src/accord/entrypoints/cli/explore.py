"""``accord search`` and ``accord show``: find entities and read them with provenance."""

from __future__ import annotations

from typing import Annotated, Any

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
    """Search entities by name (accents, case, order, transliteration) or identifier.

    Hits are grouped by canonical entity (after ``accord resolve``)."""
    with command(json_) as out:
        from accord.services.search import search_canonical

        with open_node(node) as opened:
            found = search_canonical(opened.store, query, limit=limit, schema=schema,
                                     registry=opened.registry, country=opened.config.country,
                                     home=opened.node_id)

        def human(console: Console) -> None:
            if not found.hits:
                console.print(f"No entity matches {query!r}.")
                return
            hits, groups = len(found.hits), len(found.canonical)
            console.print(f"{hits} hit{'' if hits == 1 else 's'} for {query!r} in {groups} "
                          f"canonical entit{'y' if groups == 1 else 'ies'}", markup=False)
            for group in found.canonical:
                if group.resolved:
                    console.print(f"\n{group.canonical_id}  {group.caption}  ({group.family}, "
                                  f"{group.size} mention(s), confidence "
                                  f"{group.confidence:.2f})", markup=False, soft_wrap=True)
                else:
                    console.print(f"\n{group.canonical_id}  (not resolved)", markup=False,
                                  soft_wrap=True)
                table = Table("score", box=None, show_header=False)
                table.add_column("entity", no_wrap=True)
                for column in ("schema", "caption", "matched"):
                    table.add_column(column)
                for hit in group.hits:
                    table.add_row(f"{hit.score:.2f}", hit.entity_id, hit.schema, hit.caption,
                                  f"{hit.matched}: {hit.value}")
                console.print(table)

        out.emit(found.to_dict(), human)


@app.command("show")
def show(
    entity_id: Annotated[str, typer.Argument(help="The entity's id.")],
    node: NodeOption = None,
    include_retracted: Annotated[bool, typer.Option(
        "--include-retracted", help="Also show statements of retracted reports.")] = False,
    json_: JsonOption = False,
) -> None:
    """Show an entity: every value with its report, origin, markings and grading, and its
    canonical entity: every mention with its provenance and the evidence joining them."""
    with command(json_) as out:
        from accord.services import ledger
        from accord.services.canonical_view import entity_page

        with open_node(node) as opened:
            data = entity_page(opened.store, entity_id, registry=opened.registry,
                               include_retracted=include_retracted,
                               reader=ledger.local_actor(), home=opened.node_id)

        def human(console: Console) -> None:
            if data["kind"] == "entity":
                _mention(console, data)
            show_canonical(console, data["canonical"])

        out.emit(data, human)


def _mention(console: Console, data: dict[str, Any]) -> None:
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


def show_canonical(console: Console, page: dict[str, Any]) -> None:
    """A canonical entity as ``accord show`` and ``accord canonical`` print it."""
    if not page["resolved"]:
        console.print(f"Canonical entity: not resolved (run 'accord resolve'); "
                      f"{page['id']} stands alone.", markup=False)
        return
    console.print(f"\nCanonical entity [bold]{page['caption']}[/] ({page['family']} "
                  f"{page['id']}): {page['size']} mention(s), {page['own_mentions']} own, "
                  f"{page['received_mentions']} received, confidence "
                  f"{page['confidence']:.3f}")
    if page["hidden_mentions"]:
        console.print(f"  ({page['hidden_mentions']} mention(s) you may not see)")
    table = Table("entity", "caption", "own/received", "origin", "reports", "TLP", "handling",
                  "grading")
    for m in page["members"]:
        marks = m.get("markings") or {}
        reports = ", ".join(r["id"] + (f" [{r['agreement']}]" if r.get("agreement") else "")
                            for r in m["reports"])
        table.add_row(m["id"], m["caption"] + (" (stale)" if m["stale"] else ""),
                      "received" if m["received"] else "own", ", ".join(m["origins"]),
                      reports, str(marks.get("tlp", "")), ", ".join(marks.get("handling") or []),
                      ", ".join(m.get("gradings", [])))
    console.print(table)
    for link in page["links"]:
        why = "; ".join(f"{a['level']} ({a['weight']:+.1f})" for a in link.get("agreements", []))
        hard = "; ".join(link["hard_evidence"])
        console.print(f"  {link['left']} ~ {link['right']}: weight {link['weight']:+.1f}"
                      f"{' [' + hard + ']' if hard else ''}: {why}", markup=False)
    for j in page["judgements"]:
        console.print(f"  judged {j['judgement']}: {j['left']} / {j['right']} by {j['actor']}",
                      markup=False)
