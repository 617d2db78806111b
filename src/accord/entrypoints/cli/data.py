"""``accord import`` and ``accord export``: bulk data in and out of a node."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from accord.bootstrap import open_node
from accord.domain.errors import InvalidValue
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command

app = typer.Typer()


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="JSONL (.jsonl) or CSV (.csv) files.")],
    node: NodeOption = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Write the good records; put bad ones in the rejects file.")
    ] = False,
    rejects: Annotated[Path | None, typer.Option(
        "--rejects", help="Where rejected records go (default: FIRST_FILE.rejects.jsonl).")
    ] = None,
    csv_mapping: Annotated[Path | None, typer.Option(
        "--csv-mapping", help="YAML mapping for CSV files (default: FILE.yaml next to each).")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Import files as one input: all or nothing, unless --skip-invalid."""
    with command(json_) as out:
        from accord.services import ledger
        from accord.services.ingest import import_files

        with open_node(node) as opened, _progress() as progress:
            result = import_files(
                opened.store, files, origin=opened.node_id, registry=opened.registry,
                country=opened.config.country, skip_invalid=skip_invalid,
                rejects_path=rejects, mapping=csv_mapping, progress=progress,
                actor=ledger.local_actor())
        data = result.to_dict()

        def human(console: Console) -> None:
            console.print(
                f"Imported {len(result.files)} file(s): {result.reports_new} new, "
                f"{result.reports_updated} updated, {result.reports_unchanged} unchanged "
                f"report(s); {result.entities} entities; {result.statements_new} new, "
                f"{result.statements_updated} updated, {result.statements_unchanged} "
                "unchanged statement(s).")
            if result.rejected:
                console.print(f"[yellow]{result.rejected} record(s) rejected[/]; see "
                              f"{result.rejects_path}")

        out.emit(data, human)


@app.command("export")
def export(
    node: NodeOption = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write to FILE (default: JSONL on stdout).", dir_okay=False)] = None,
    json_: JsonOption = False,
) -> None:
    """Export every report and statement as JSONL (the import format)."""
    with command(json_) as out:
        from accord.services.export import export_jsonl

        if json_ and out_file is None:
            raise InvalidValue("--json needs --out FILE: without --out the JSONL itself is "
                               "written to stdout", where="--out")
        with open_node(node) as opened:
            if out_file is None:
                result = export_jsonl(opened.store, sys.stdout)
                out.note(f"exported {result.reports} report(s), {result.statements} "
                         "statement(s)")
                return
            with _atomic_text(out_file) as handle:
                result = export_jsonl(opened.store, handle)
        summary = {"out": str(out_file), "reports": result.reports, "lines": result.lines,
                   "statements": result.statements}
        out.emit(summary, lambda console: console.print(
            f"Exported {result.reports} report(s), {result.statements} statement(s) "
            f"({result.lines} lines) to {out_file}"))


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr when stderr is a terminal; else no callback."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    bar = Progress(TextColumn("importing"), BarColumn(), DownloadColumn(),
                   TimeRemainingColumn(), console=console, transient=True)
    task = bar.add_task("import", total=None)

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield advance


@contextmanager
def _atomic_text(path: Path) -> Iterator[Any]:
    """Write to a temporary file beside ``path``, renamed into place only on success."""
    if not (path.parent or Path(".")).is_dir():
        raise InvalidValue(f"cannot write {str(path)!r}: no directory {str(path.parent)!r}",
                           where="--out")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
