"""``accord dispatch``: deliver the outbox to partners (once, or as a loop)."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from accord.bootstrap import open_node
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services.dispatch import DispatchStats

app = typer.Typer()


@app.command("dispatch")
def dispatch(
    loop: Annotated[bool, typer.Option(
        "--loop", help="Keep dispatching until Ctrl-C (default: one round).")] = False,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Push pending releases to partners, pull partners' feeds, purge expired material."""
    with command(json_) as out:
        from accord.adapters.bus_config import select_bus

        with open_node(node) as opened:
            select_bus(opened, None)  # with NATS configured, this process's alerts go live too
            dispatcher = opened.dispatcher()
            if loop:
                stop = threading.Event()
                out.note(f"dispatching for {opened.node_id}; Ctrl-C to stop")
                try:
                    dispatcher.run_forever(stop)
                except KeyboardInterrupt:
                    stop.set()
                stats = DispatchStats()
            else:
                try:
                    stats = dispatcher.run_once(force=True)
                finally:
                    dispatcher.close()
        out.emit({"dispatch": stats.to_dict()},
                 lambda console: console.print(
                     ", ".join(f"{k} {v}" for k, v in stats.to_dict().items())))
