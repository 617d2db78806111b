"""``accord search`` and ``accord show``."""

from __future__ import annotations

import typer

app = typer.Typer()
