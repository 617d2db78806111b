"""The root command class: usage errors that honour ``--json``, and lazy command groups.

The command-line parser reports a bad or missing option itself, before any
command runs; with ``--json`` on the command line that report would be plain
text. This class turns it into the same ``{"error": {...}}`` document every
other error uses (and still prints the usual message on stderr).

A subclass that sets ``lazy_commands`` (a table of ``Lazy`` entries, see
``lazy.py``) imports a command's module only when that command is looked up;
its own ``--help`` lists the table without importing anything.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, TyperException

from accord.entrypoints.cli.lazy import Lazy, LazyCommands
from accord.entrypoints.cli.output import write_json


class AccordGroup(TyperGroup):
    lazy_commands: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False  # True while formatting this group's own --help
        if self.lazy_commands:
            lazy = LazyCommands(self.lazy_commands, rich_markup_mode=self.rich_markup_mode,
                                suggest_commands=self.suggest_commands)
            for name, cmd in self.commands.items():  # any registered the usual way
                lazy[name] = cmd
            self.commands = lazy

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: builds nothing

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        commands = self.commands
        if (self._listing and isinstance(commands, LazyCommands) and cmd_name in commands
                and not commands.is_built(cmd_name)):
            return commands.table[cmd_name].placeholder(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

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
