"""Options every command shares, so that they read and behave the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NodeOption = Annotated[
    Path | None,
    typer.Option(
        "--node",
        help="The node directory (default: $ACCORD_NODE).",
        file_okay=False,
        show_default=False,
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print exactly one JSON document on stdout, nothing else."),
]
