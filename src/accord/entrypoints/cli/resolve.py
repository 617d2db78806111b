"""``accord resolve``, ``accord judge`` and ``accord canonical``: entity resolution."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


@app.command("resolve")
def resolve(
    node: NodeOption = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Match every entity again (keeps the trained models).")] = False,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train the models again, then match everything.")] = False,
    json_: JsonOption = False,
) -> None:
    """Resolve people, organisations, vessels, phones and accounts into canonical entities.

    Incremental by default: only new, changed and retracted entities are matched.
    """
    with command(json_) as out:
        from accord.services.resolve import resolve as run

        with open_node(node) as opened:
            result = run(opened.store, opened.registry, full=full or retrain, retrain=retrain)
        data = result.to_dict()

        def human(console: Console) -> None:
            table = Table("family", "run", "entities", "canonical", "merged", "+new ~chg -gone",
                          title=f"resolution ({data['seconds']} s)")
            for family, f in data["families"].items():
                changes = f"+{f.get('new', 0)} ~{f.get('changed', 0)} -{f.get('removed', 0)}"
                table.add_row(family, f.get("mode", ""), str(f.get("mentions", 0)),
                              str(f.get("canonical_entities", 0)),
                              str(f.get("merged_mentions", 0)), changes)
            console.print(table)

        out.emit(data, human)


@app.command("judge")
def judge(
    a: Annotated[str, typer.Argument(help="An entity id.")],
    b: Annotated[str, typer.Argument(help="Another entity id.")],
    judgement: Annotated[str, typer.Argument(help="same | different | unsure")],
    node: NodeOption = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept on this node; "
                                        "the ledger records only its hash).")] = "",
    json_: JsonOption = False,
) -> None:
    """Judge two entities the same, different, or unsure; overrides the matcher, is ledgered."""
    with command(json_) as out:
        from accord.services.ledger import local_actor
        from accord.services.resolve import judge as run

        with open_node(node) as opened:
            result = run(opened.store, a, b, judgement, actor=local_actor(), reason=reason)
        data = result.to_dict()

        def human(console: Console) -> None:
            j = data["judgement"]
            console.print(f"{j['left']} and {j['right']}: {j['judgement']} "
                          f"(ledger #{data['ledger_index']})")
            for c in data["canonical_entities"]:
                console.print(f"  {c['id']} ({c['family']}, {c['size']}): "
                              f"{', '.join(c['members'])}")

        out.emit(data, human)


@app.command("canonical")
def canonical(
    entity: Annotated[str | None, typer.Argument(
        help="A canonical id or any entity id; none lists the largest canonical entities.")]
    = None,
    node: NodeOption = None,
    family: Annotated[str | None, typer.Option(
        "--family", help="Only Person, Organization, Vessel, Phone or Account.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 20,
    json_: JsonOption = False,
) -> None:
    """Show a canonical entity (its mentions, provenance and evidence) or list them."""
    with command(json_) as out:
        from accord.services import resolve as service
        from accord.services.ledger import local_actor

        with open_node(node) as opened:
            if entity is None:
                listed = service.canonical_entities(opened.store, family=family, limit=limit)
                out.emit({"canonical_entities": listed}, lambda c: _listing(c, listed))
                return
            view = service.canonical_entity(opened.store, entity, registry=opened.registry,
                                            reader=local_actor(), home=opened.node_id)
        data = view.to_dict()
        out.emit(data, lambda c: _entity(c, data))


def _listing(console: Console, listed: list[dict[str, Any]]) -> None:
    if not listed:
        console.print("No canonical entity joins two or more entities yet.")
        return
    table = Table("canonical id", "family", "size", "confidence", "caption")
    for c in listed:
        table.add_row(c["id"], c["family"], str(c["size"]), f"{c['confidence']:.3f}",
                      c["caption"])
    console.print(table)


def _entity(console: Console, data: dict[str, Any]) -> None:
    from accord.entrypoints.cli.explore import show_canonical

    show_canonical(console, data)
