"""``accord demo``: placeholder until the import and search services land."""

from __future__ import annotations

import typer

app = typer.Typer()
