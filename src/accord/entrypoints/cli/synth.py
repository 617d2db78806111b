"""``accord synth``: write a synthetic multi-nation world and its answer key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.entrypoints.cli.options import JsonOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Argument(help="Directory for <NATION>.jsonl and truth.json.",
                                        file_okay=False)],
    nations: Annotated[str, typer.Option(
        "--nations", help="Comma-separated nations (CO, MX, US, PA, ES, EC, GT, NL).")
    ] = "CO,MX,US,PA,ES",
    scale: Annotated[str, typer.Option(
        "--scale", help="small (~35k statements), medium (~1M) or large (~9.5M).")
    ] = "small",
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
    organisations: Annotated[int | None, typer.Option(
        "--organisations", help="Trafficking organisations (default by scale).")] = None,
    noise: Annotated[float | None, typer.Option(
        "--noise", help="0..1: spelling variants, missing fields, duplicates (default 0.5).")
    ] = None,
    benign_ratio: Annotated[float | None, typer.Option(
        "--benign-ratio", help="Benign statements per illicit one (default: fill the scale).")
    ] = None,
    days: Annotated[int | None, typer.Option(
        "--days", help="Days the scenario covers (default by scale).")] = None,
    json_: JsonOption = False,
) -> None:
    """Write a synthetic trafficking world: one import file per nation plus truth.json."""
    with command(json_) as output:
        from accord.synth import generate

        with Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("statements"), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("synth", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = generate(out, nations=nations, scale=scale, seed=seed,
                               progress=progress, organisations=organisations, noise=noise,
                               benign_ratio=benign_ratio, days=days)
        data = summary.to_dict()

        def human(console: Console) -> None:
            table = Table(title=f"synthetic world (seed {seed}, {scale}) in {out}")
            for column in ("nation", "file", "node", "reports", "lines", "statements"):
                table.add_column(column, justify="right" if column in (
                    "reports", "lines", "statements") else "left")
            for code, f in summary.files.items():
                table.add_row(code, f.path.name, f.node, str(f.reports), str(f.lines),
                              str(f.statements))
            console.print(table)
            console.print(f"{summary.statements} statements; answer key: {out / 'truth.json'} "
                          "(never import it)")

        output.emit(data, human)
