"""``accord import`` and ``accord export``: bulk data in and out of a node."""

from __future__ import annotations

import typer

app = typer.Typer()
