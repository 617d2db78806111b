"""``accord network``: key players, brokers, cells, disruption, paths, ego networks, export.

``accord network --node DIR key-players|brokers|communities|disrupt|path|ego|export ...``
analyses the node's picture (``--scope own|shared``, ``--since``/``--until``, kinds of
tie and of entity). Each subcommand is one call to ``accord.services.network``; the
command line acts as ``local/<operating-system user>`` when partners' material is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accord.analytics.network.statements import parse_partial_date
from accord.bootstrap import open_node
from accord.domain.errors import InvalidValue
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import network as service
from accord.services.ledger import local_actor
from accord.services.network_load import NetworkOptions, Scope

app = typer.Typer(no_args_is_help=True,
                  help="Network analysis: key players, brokers, cells, disruption, paths.")

ScopeOption = Annotated[str, typer.Option(
    "--scope", help="own: this node's statements only; shared: with partners' releases.")]
Since = Annotated[str | None, typer.Option(
    "--since", help="Only ties seen on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).")]
Until = Annotated[str | None, typer.Option(
    "--until", help="Only ties seen on or before this date.")]
Kinds = Annotated[list[str] | None, typer.Option(
    "--kind", help="Only ties of this kind (Communication, Transaction, Associate, ..., "
                   "co-occurrence); repeatable.", show_default=False)]
Schemata = Annotated[list[str] | None, typer.Option(
    "--schema", help="Only entities of this schema (and narrower ones); repeatable.",
    show_default=False)]
Cooccurrence = Annotated[bool, typer.Option(
    "--cooccurrence", help="Add weak ties between entities named in the same report.")]
Subjects = Annotated[list[str] | None, typer.Option(
    "--subject", help="An entity under investigation (canonical or mention id); repeatable.",
    show_default=False)]
Focus = Annotated[str, typer.Option(
    "--focus", help="Without --subject: auto, members (of organisations) or core (2-core).")]
Top = Annotated[int, typer.Option("--top", help="How many to list.")]
Only = Annotated[list[str] | None, typer.Option(
    "--only", help="List only entities of this schema (e.g. Person); repeatable.",
    show_default=False)]


@app.callback()
def network(ctx: typer.Context, node: NodeOption = None) -> None:
    """Analyse the node's network of canonical entities (docs/network.md)."""
    ctx.obj = {"node": node}


def _request(opened: Any, *, scope: str,
             since: str | None, until: str | None, kind: list[str] | None,
             schema: list[str] | None, cooccurrence: bool,
             progress: Callable[[str], None] | None) -> service.Request:
    options = NetworkOptions(scope=Scope.parse(scope), since=_date(since, "--since"),
                             until=_date(until, "--until", end=True),
                             kinds=frozenset(kind) if kind else None,
                             schemata=frozenset(schema) if schema else None,
                             cooccurrence=cooccurrence)
    return service.Request(opened.store, opened.registry, opened.node_id, options,
                           reader=local_actor(), progress=progress)


def _node(ctx: typer.Context, node: Path | None) -> Path | None:
    return node if node is not None else (ctx.obj or {}).get("node")


def _date(value: str | None, where: str, *, end: bool = False) -> date | None:
    if value is None:
        return None
    try:
        return parse_partial_date(value, end=end)
    except InvalidValue as exc:
        raise InvalidValue(exc.message, where=where) from None


@contextmanager
def _progress(json_mode: bool) -> Iterator[Callable[[str], None] | None]:
    """A spinner with the current step on stderr when it is a terminal."""
    console = Console(stderr=True)
    if json_mode or not console.is_terminal:
        yield None
        return
    with console.status("reading the network") as status:
        yield lambda step: status.update(step)


@contextmanager
def _session(ctx: typer.Context, node: Path | None, json_: bool, **picture: Any
             ) -> Iterator[tuple[Any, service.Request]]:
    with command(json_) as out, open_node(_node(ctx, node)) as opened, \
            _progress(json_) as progress:
        yield out, _request(opened, progress=progress, **picture)


@app.command("key-players")
def key_players(
    ctx: typer.Context, node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False, subject: Subjects = None, focus: Focus = "auto",
    top: Top = 20, only: Only = None, json_: JsonOption = False,
) -> None:
    """Rank key players (betweenness and reach among the focus) and say why."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.key_players(req, subjects=subject, focus=focus, top=top,
                                   only=only).to_dict()
        out.emit(data, lambda c: _key_players(c, data))


@app.command("brokers")
def brokers(
    ctx: typer.Context, node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False, subject: Subjects = None, focus: Focus = "auto",
    top: Top = 20, only: Only = None, json_: JsonOption = False,
) -> None:
    """Rank brokers between organisations (or communities), with their brokerage roles."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.brokers(req, subjects=subject, focus=focus, top=top,
                               only=only).to_dict()
        out.emit(data, lambda c: _brokers(c, data))


@app.command("communities")
def communities(
    ctx: typer.Context, node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False,
    seed: Annotated[int, typer.Option("--seed", help="Leiden's seed.")] = 0,
    resolution: Annotated[float, typer.Option(
        "--resolution", help="Leiden's resolution (higher: smaller communities).")] = 1.0,
    controls: Annotated[int, typer.Option(
        "--controls", help="Random-graph control runs (0: no control).")] = 3,
    limit: Annotated[int, typer.Option("--limit", help="List the N largest.")] = 50,
    json_: JsonOption = False,
) -> None:
    """Find cells (Leiden communities), each tested against a random-graph control."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.communities(req, seed=seed, resolution=resolution,
                                   control_runs=controls, limit=limit).to_dict()
        out.emit(data, lambda c: _communities(c, data))


@app.command("disrupt")
def disrupt(
    ctx: typer.Context, node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False, subject: Subjects = None, focus: Focus = "auto",
    k: Annotated[int, typer.Option("--k", help="How many entities to remove.")] = 5,
    arrest: Annotated[list[str] | None, typer.Option(
        "--arrest", help="Measure the effect of removing this entity instead; repeatable.",
        show_default=False)] = None,
    candidates: Annotated[list[str] | None, typer.Option(
        "--candidates", help="Schemata that may be chosen (default Person; 'any': everyone); "
                             "repeatable.", show_default=False)] = None,
    json_: JsonOption = False,
) -> None:
    """Plan a disruption: the k whose removal fragments the network most (KPP-Neg),
    or the effect of a proposed set of arrests."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        allowed = None if candidates and "any" in candidates else (candidates or ["Person"])
        data = service.disrupt(req, k=k, arrest=arrest or (), subjects=subject, focus=focus,
                               candidates=allowed).to_dict()
        out.emit(data, lambda c: _disrupt(c, data))


@app.command("path")
def path(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="An entity (canonical or mention id).")],
    target: Annotated[str, typer.Argument(help="Another entity.")],
    node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False,
    k: Annotated[int, typer.Option("--k", help="How many shortest paths (1-50).")] = 1,
    cost: Annotated[str, typer.Option(
        "--cost", help="hops, or evidence (well-documented ties are shorter).")] = "hops",
    json_: JsonOption = False,
) -> None:
    """Trace how two entities are connected, with the evidence on every hop."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.path(req, source, target, k=k, cost=cost).to_dict()
        out.emit(data, lambda c: _paths(c, data))


@app.command("ego")
def ego(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="The centre (canonical or mention id).")],
    node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False,
    depth: Annotated[int, typer.Option("--depth", help="Hops from the centre (0-5).")] = 1,
    json_: JsonOption = False,
) -> None:
    """Everyone within a few hops of an entity, with the ties among them."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.ego(req, entity, depth=depth).to_dict()
        out.emit(data, lambda c: _ego(c, data))


@app.command("export")
def export(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Argument(help="The file to write (.graphml or .gexf).",
                                             dir_okay=False)],
    node: NodeOption = None, scope: ScopeOption = "shared",
    since: Since = None, until: Until = None, kind: Kinds = None, schema: Schemata = None,
    cooccurrence: Cooccurrence = False,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="graphml or gexf (default: from the file's suffix).")] = None,
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Add each entity's community and key-player score.")] = False,
    json_: JsonOption = False,
) -> None:
    """Export the network for Gephi or another link-chart tool (GraphML or GEXF)."""
    with _session(ctx, node, json_, scope=scope, since=since, until=until, kind=kind,
                  schema=schema, cooccurrence=cooccurrence) as (out, req):
        data = service.export(req, out_file, fmt=fmt, annotate=annotate).to_dict()
        out.emit(data, lambda c: c.print(
            f"Wrote {data['entities']:,} entities and {data['ties']:,} ties to "
            f"{data['path']} ({data['format']})", markup=False))


# -- human output ---------------------------------------------------------------------------


def _header(console: Console, data: dict[str, Any], what: str) -> None:
    n = data["network"]
    window = ""
    if n["since"] or n["until"]:
        window = f", {n['since'] or '…'} to {n['until'] or '…'}"
    console.print(f"[bold]{what}[/] — {n['scope']} picture of {n['home']}{window}: "
                  f"{n['entities']:,} entities, {n['ties']:,} ties "
                  f"({', '.join(f'{k} {v}' for k, v in n['ties_by_origin'].items()) or 'none'})"
                  f"; resolution: {n['resolution']}")
    if n["note"]:
        console.print(f"[yellow]note:[/] {n['note']}")


def _name(e: dict[str, Any]) -> str:
    return str(e["label"]) if e["label"] == e["id"] else f"{e['label']} ({e['id']})"


def _key_players(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, "Key players")
    console.print(f"focus: {data['focus_kind']} ({data['focus']}); {data['scored']} ranked")
    table = Table("#", "entity", "schema", "organisation", "score", "why")
    for p in data["players"]:
        e = p["entity"]
        table.add_row(str(p["rank"]), _name(e), e["schema"], e["organisation"] or "",
                      f"{p['score']:.3f}", "; ".join(p["reasons"]))
    console.print(table)


def _brokers(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, f"Brokers between {data['groups']}")
    table = Table("#", "entity", "group", "bridges", "score", "why")
    for b in data["brokers"]:
        table.add_row(str(b["rank"]), _name(b["entity"]), b["group"] or "",
                      str(b["groups_bridged"]), f"{b['score']:.3f}", "; ".join(b["reasons"]))
    console.print(table)


def _communities(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, "Communities")
    control = data["control"]
    vs = f" vs control {control['modularity_mean']} (z {control['z']})" if control else ""
    console.print(f"modularity {data['modularity']}{vs}: "
                  f"{'structured' if data['structured'] else 'NOT beyond chance'}; "
                  f"{data['cells']} cell(s) of {data['total']} communities")
    table = Table("id", "size", "cell", "embedded", "organisations", "countries", "members")
    for c in data["communities"]:
        orgs = ", ".join(f"{k} {v}" for k, v in list(c["organisations"].items())[:3])
        countries = ", ".join(f"{k} {v}" for k, v in list(c["countries"].items())[:4])
        members = ", ".join(list(c["labels"].values())[:5])
        table.add_row(str(c["id"]), str(c["size"]), "yes" if c["significant"] else "",
                      f"{c['embeddedness']:.2f}", orgs, countries, members)
    console.print(table)


def _disrupt(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, "Disruption")
    effect = data["effect"]
    chosen = data.get("entities") or data.get("removed") or []
    table = Table("#", "remove", "schema", "organisation")
    for i, e in enumerate(chosen, 1):
        table.add_row(str(i), _name(e), e["schema"], e["organisation"] or "")
    console.print(table)
    console.print(f"focus: {data['focus_kind']}; fragmentation "
                  f"{effect['fragmentation_before']:.3f} → {effect['fragmentation_after']:.3f}, "
                  f"distance-weighted {effect['distance_fragmentation_before']:.3f} → "
                  f"{effect['distance_fragmentation_after']:.3f}; components "
                  f"{effect['components_before']} → {effect['components_after']}, largest "
                  f"{effect['largest_before']} → {effect['largest_after']}")


def _paths(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, f"Paths {_name(data['source'])} → {_name(data['target'])}")
    if not data["connected"]:
        console.print("not connected in this picture")
    labels = {e["id"]: _name(e) for p in data["paths"] for e in p["entities"]}
    for i, p in enumerate(data["paths"], 1):
        console.print(f"[bold]path {i}[/]: {p['length']} hop(s), needs material of "
                      f"{', '.join(p['nations'])}")
        for h in p["hops"]:
            ev = h["evidence"]
            console.print(f"  {labels[h['source']]} — {labels[h['target']]}", markup=False)
            console.print(f"      {ev['count']}× {', '.join(ev['kinds'])}; reports "
                          f"{', '.join(ev['reports'][:5])}{' …' if len(ev['reports']) > 5 else ''}"
                          f"; from {', '.join(ev['nations'])}; {len(ev['statements'])} "
                          "statement(s)", markup=False)


def _ego(console: Console, data: dict[str, Any]) -> None:
    _header(console, data, f"Ego network of {_name(data['center'])}, depth {data['depth']}")
    table = Table("hops", "entity", "schema", "organisation")
    for e in data["entities"]:
        table.add_row(str(e["distance"]), _name(e), e["schema"], e["organisation"] or "")
    console.print(table)
    console.print(f"{len(data['ties'])} ties among them")
