"""``accord init`` and ``accord serve``: create a node, serve its API."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from accord.bootstrap import Node, init_node, open_node
from accord.config import node_path
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command

if TYPE_CHECKING:
    from accord.services.checkpointing import LedgerKeeper

app = typer.Typer()


@app.command("init")
def init(
    node_id: Annotated[str, typer.Option("--node-id", help="This node's id, e.g. mx-fgr.")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2, e.g. MX.")],
    node: NodeOption = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: SQLite file accord.db in the node directory).")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="The agency's name.")] = "",
    contact: Annotated[str, typer.Option(
        "--contact", help="Contact point partners see (e-mail or phone).")] = "",
    json_: JsonOption = False,
) -> None:
    """Create a node: directory, node.yaml, keys, store and the first admin token."""
    with command(json_) as out:
        path = node_path(node)
        made = init_node(path, node_id=node_id, country=country, db_url=db, name=name,
                         contact=contact)
        with made.node as created:
            data: dict[str, Any] = {
                "node": {**created.info(), "path": str(created.path.resolve()),
                         "database": created.store.description},
                "admin": {"name": made.admin.name, "token": made.admin_token},
                "keys": {"signing_kid": created.keys.signing_kid,
                         "encryption_kid": created.keys.encryption_kid},
            }

        def human(console: Console) -> None:
            console.print(f"Node [bold]{data['node']['node_id']}[/] ({data['node']['country']}) "
                          f"created in {data['node']['path']}")
            console.print(f"Store: {data['node']['database']}")
            console.print(f"Admin token for [bold]{made.admin.name}[/] (shown once, keep it "
                          "safe):")
            console.print(made.admin_token, markup=False, highlight=False)

        out.emit(data, human)


@app.command("serve")
def serve(
    node: NodeOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8740,
    dispatch: Annotated[bool, typer.Option(
        "--dispatch", help="Also run the dispatcher (delivery to partners) in this process."
    )] = False,
    bus: Annotated[str | None, typer.Option(
        "--bus", help="Live events through NATS JetStream at this URL (nats://HOST:PORT), "
                      "shared by every process serving the node; 'memory' for in-process.")
    ] = None,
    resolve_: Annotated[bool, typer.Option(
        "--resolve/--no-resolve",
        help="Resolve new and received entities in the background (incremental).")] = True,
    json_: JsonOption = False,
) -> None:
    """Serve the node's HTTP API (until Ctrl-C)."""
    with command(json_) as out:
        from accord.adapters.bus_config import select_bus
        from accord.entrypoints.api.app import create_app
        from accord.entrypoints.api.server import serve_forever

        with open_node(node) as opened:
            select_bus(opened, bus)
            app_ = create_app(opened)
            url = f"http://{host}:{port}"
            out.emit({"serving": {"url": url, "api": f"{url}/api/v1",
                                  "openapi": f"{url}/openapi.json", "node": opened.info()}},
                     lambda console: console.print(
                         f"Serving node {opened.node_id} on {url} (API {url}/api/v1, "
                         f"OpenAPI {url}/openapi.json); Ctrl-C to stop"))
            stop = threading.Event()
            workers = [threading.Thread(target=_ledger_keeper(opened).run_forever, args=(stop,),
                                        name="accord-ledger", daemon=True)]
            dispatcher = opened.dispatcher() if dispatch else None
            if dispatcher is not None:
                workers.append(threading.Thread(target=dispatcher.run_forever, args=(stop,),
                                                name="accord-dispatch", daemon=True))
            if resolve_:
                from accord.services.resolution_worker import worker_thread

                workers.append(worker_thread(opened, stop))
            for worker in workers:
                worker.start()
            try:
                serve_forever(app_, host, port)
            finally:
                stop.set()
                if dispatcher is not None:
                    dispatcher.notify()
                for worker in workers:
                    worker.join(10)


def _ledger_keeper(node: Node) -> LedgerKeeper:
    """Checkpoints on a timer, and witnessing rounds with the node's partners."""
    from accord.adapters.ledger_transport import HttpLedgerTransport
    from accord.services.checkpointing import LedgerKeeper
    from accord.services.witnessing import witness_partners

    settings = node.config.federation
    transport = HttpLedgerTransport(timeout=settings.timeout_seconds)
    return LedgerKeeper(node, checkpoint_seconds=settings.checkpoint_seconds,
                        witness_seconds=settings.witness_seconds,
                        witness=lambda: witness_partners(node, transport))
