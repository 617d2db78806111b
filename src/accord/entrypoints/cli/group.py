"""The root command class: makes usage errors honour ``--json`` too.

The command-line parser reports a bad or missing option itself, before any
command runs; with ``--json`` on the command line that report would be plain
text. This class turns it into the same ``{"error": {...}}`` document every
other error uses (and still prints the usual message on stderr).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, TyperException

from accord.entrypoints.cli.output import write_json


class AccordGroup(TyperGroup):
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv or not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        try:
            rv = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except TyperException as exc:
            write_json({"error": {"code": "usage_error", "message": exc.format_message(),
                                  "where": _where(exc)}})
            sys.stderr.write(f"error: {exc.format_message()}\n")
            sys.exit(exc.exit_code)
        except Abort:
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _where(exc: TyperException) -> str | None:
    param = getattr(exc, "param", None) if isinstance(exc, typer.BadParameter) else None
    if param is None:
        return None
    opts = getattr(param, "opts", None)
    return str(opts[0]) if opts else str(getattr(param, "name", "") or "") or None
