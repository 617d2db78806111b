"""``accord demo``: one node, a sample import, searches across spellings, the API served.

The demo is a list of steps (``STEPS``); each takes the ``Demo`` state, does
one thing through the same services the CLI and API use, and returns a JSON-able
section for the ``--json`` report while printing its story for humans. Later
demos (several nations, agreements, releases) add steps. It always ends by
itself: the API is served on a free loopback port only while the demo calls it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import Node, init_node
from accord.domain.users import Role
from accord.entrypoints.cli.options import JsonOption
from accord.entrypoints.cli.output import command

app = typer.Typer()

SEARCHES: list[tuple[str, str]] = [
    ("Joaquin Zambrano", "no accents, different case"),
    ("zambrano iturbe joaquín", "words in another order"),
    ("Хоакин Замбрано", "Cyrillic script"),
    ("Ivan Sokolov", "Latin query, Cyrillic record"),
    ("+52 (667) 555-0142", "phone, any formatting"),
    ("GB82WEST12345698765432", "IBAN without spaces"),
    ("IMO 9321483", "vessel IMO number"),
]


@dataclass
class Demo:
    workdir: Path
    console: Console
    serve: bool
    node: Node | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def say(self, message: str) -> None:
        self.console.print(message)


def step_node(demo: Demo) -> dict[str, Any]:
    made = init_node(demo.workdir / "mx", node_id="mx-demo", country="MX",
                     name="Demo agency (fictional)", contact="desk@example.org")
    demo.node = made.node
    demo.tokens["admin"] = made.admin_token
    _user, issued = _add_analyst(made.node)
    demo.tokens["analyst"] = issued
    demo.say(f"[bold]1. Node[/] mx-demo (MX) created in {made.node.path}")
    return {"path": str(made.node.path), **made.node.info()}


def _add_analyst(node: Node) -> tuple[str, str]:
    from accord.services.users import add_user

    user, issued = add_user(node.store, "analyst", Role.ANALYST)
    return user.name, issued.secret


def step_import(demo: Demo) -> dict[str, Any]:
    from accord.services.ingest import import_files

    node = _node(demo)
    sample = demo.workdir / "sample.jsonl"
    sample.write_bytes((resources.files("accord") / "data" / "sample.jsonl").read_bytes())
    result = import_files(node.store, [sample], origin=node.node_id, registry=node.registry,
                          country=node.config.country)
    demo.say(f"[bold]2. Import[/] {sample.name}: {result.reports_new} reports, "
             f"{result.entities} entities, {result.statements_new} statements "
             "(fictional people, names in Latin and Cyrillic script)")
    return result.to_dict()


def step_search(demo: Demo) -> list[dict[str, Any]]:
    from accord.services.search import search

    node = _node(demo)
    table = Table("query", "why it is hard", "found", "matched value", title="3. Search")
    out = []
    for query, note in SEARCHES:
        hits = search(node.store, query, limit=3, registry=node.registry,
                      country=node.config.country)
        best = hits[0] if hits else None
        table.add_row(query, note, f"{best.caption} ({best.entity_id})" if best else "-",
                      best.value if best else "")
        out.append({"query": query, "note": note, "hits": [h.to_dict() for h in hits]})
    demo.console.print(table)
    return out


def step_api(demo: Demo) -> dict[str, Any]:
    if not demo.serve:
        return {"served": False}
    import httpx

    from accord.entrypoints.api.app import create_app
    from accord.entrypoints.api.server import serving

    node = _node(demo)
    headers = {"Authorization": f"Bearer {demo.tokens['analyst']}"}
    with serving(create_app(node)) as url, httpx.Client(base_url=url, timeout=30) as http:
        health = http.get("/healthz").json()
        hits = http.get("/api/v1/search", params={"q": "Хоакин"}, headers=headers).json()
        entity = http.get("/api/v1/entities/mx-per-0001", headers=headers).json()
        denied = http.get("/api/v1/search", params={"q": "x"}).status_code
    demo.say(f"[bold]4. API[/] served on {url} for the demo: /healthz ok, "
             f"/api/v1/search?q=Хоакин → {hits['hits'][0]['entity_id']}, "
             f"/api/v1/entities/mx-per-0001 → {len(entity['statements'])} statements "
             f"from {len(entity['reports'])} reports; no token → {denied}")
    return {"served": True, "url": url, "healthz": health, "search_hits": len(hits["hits"]),
            "entity_statements": len(entity["statements"]), "without_token": denied}


def step_ledger(demo: Demo) -> dict[str, Any]:
    """Every node signs a checkpoint of its ledger and its auditor verifies it."""
    from accord.services.auditing import verify_node
    from accord.services.checkpointing import sign_checkpoint

    nodes = [_node(demo)]
    out: dict[str, Any] = {}
    for node in nodes:
        signed = sign_checkpoint(node)
        report = verify_node(node)
        out[node.node_id] = {"size": report.size, "checkpoint": signed.checkpoint.size,
                             "verified": report.ok, "witnesses": sorted(report.witnesses)}
        demo.say(f"[bold]5. Ledger[/] of {node.node_id}: {report.size} acts recorded "
                 f"(imports, reads, users, tokens), checkpoint {signed.checkpoint.size} "
                 f"signed; accord audit verify: {'OK' if report.ok else 'TAMPERED'}")
    return out


STEPS: list[tuple[str, Callable[[Demo], Any]]] = [
    ("node", step_node),
    ("import", step_import),
    ("search", step_search),
    ("api", step_api),
    ("ledger", step_ledger),
]


def _node(demo: Demo) -> Node:
    assert demo.node is not None, "the node step runs first"
    return demo.node


@app.command("demo")
def demo(
    keep: Annotated[Path | None, typer.Option(
        "--keep", help="Build the demo node in this new directory and keep it.",
        file_okay=False)] = None,
    serve: Annotated[bool, typer.Option(
        "--serve/--no-serve", help="Serve the API briefly and call it.")] = True,
    headless: Annotated[bool, typer.Option(
        "--headless", help="No decorations (for CI); the demo always ends by itself.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Run the demo: a node, a sample import, searches across spellings, the API."""
    with command(json_) as out:
        workdir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="accord-demo-"))
        workdir.mkdir(parents=True, exist_ok=True)
        quiet = json_ or headless
        # The story goes to stdout for people; with --json stdout is the report alone.
        console = Console(file=sys.stdout, quiet=json_, no_color=headless,
                          width=120 if headless else None)
        state = Demo(workdir=workdir, console=console, serve=serve)
        report: dict[str, Any] = {}
        try:
            for name, step in STEPS:
                report[name] = step(state)
        finally:
            if state.node is not None:
                state.node.close()
            if keep is None:
                shutil.rmtree(workdir, ignore_errors=True)
        report["kept"] = str(keep) if keep is not None else None

        def human(console: Console) -> None:
            node_dir = keep / "mx" if keep is not None else Path("my-node")
            console.print("\n[bold]Try it yourself:[/]" if not quiet else "Try it yourself:")
            for line in _next_steps(node_dir, existing=keep is not None):
                console.print(f"  {line}", markup=False, highlight=False)

        out.emit(report, human)


def _next_steps(node_dir: Path, *, existing: bool) -> list[str]:
    lines = [] if existing else [
        f"accord init --node {node_dir} --node-id mx-1 --country MX   # prints an admin token",
        f"accord user add analyst --role analyst --node {node_dir}      # prints a token",
        f"accord import --node {node_dir} src/accord/data/sample.jsonl",
    ]
    return lines + [
        f"accord search --node {node_dir} 'Хоакин Замбрано'",
        f"accord serve --node {node_dir}                               # API on :8740",
        "curl -H 'Authorization: Bearer TOKEN' 'http://127.0.0.1:8740/api/v1/search?q=Joaquin'",
    ]
