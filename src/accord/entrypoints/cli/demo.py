"""``accord demo``: several nations' nodes sharing under signed agreements (docs/demo.md).

The story and the summary live in ``accord.demo``; this command runs it,
tells the story to people (or prints one JSON summary with ``--json``) and
always ends by itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from accord.demo import DEFAULT_NATIONS, DEFAULT_SEED
from accord.domain.errors import AccordError
from accord.entrypoints.cli.options import JsonOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


class DemoFailed(AccordError):
    code = "demo_failed"
    status = 500


@app.command("demo")
def demo(
    headless: Annotated[bool, typer.Option(
        "--headless", help="No colours, fixed width (for CI); the demo always ends by itself.")
    ] = False,
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", help="Keep the nodes' directories in DIR (new or empty) for inspection.",
        file_okay=False)] = None,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the synthetic world.")] = DEFAULT_SEED,
    nations: Annotated[str, typer.Option(
        "--nations", help="Comma-separated nations, one node each.")] = ",".join(DEFAULT_NATIONS),
    json_: JsonOption = False,
) -> None:
    """Run the multi-nation demo: nodes, agreements, releases flowing, what was withheld."""
    from accord.demo.cluster import DemoError
    from accord.demo.render import next_steps, render
    from accord.demo.run import run_demo

    with command(json_) as out:
        console = Console(file=sys.stdout, quiet=json_, no_color=headless,
                          width=120 if headless else None)
        chosen = tuple(n.strip().upper() for n in nations.split(",") if n.strip())
        try:
            summary = run_demo(workdir=workdir, seed=seed, nations=chosen,
                               say=lambda line: console.print(line, highlight=False))
        except DemoError as exc:
            raise DemoFailed(str(exc), where="demo") from None

        def human(console: Console) -> None:
            render(console, summary)
            console.print("\nTry it yourself:", style=None if headless else "bold")
            for line in next_steps(summary):
                console.print(f"  {line}", markup=False, highlight=False)

        out.emit(summary, human)
