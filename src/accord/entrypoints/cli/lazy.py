"""Command groups imported only when used, so ``accord schema`` does not load Splink.

Each command module pulls in its services and, through them, the heavy
libraries (SQLAlchemy, igraph, PyArrow, DuckDB, PSI ...). Importing all of
them for every ``accord ...`` and every ``accord serve`` cost about a second of
CPU per process. Instead the root group knows each top-level name from a small
static table (``Lazy`` entries in ``main.py``) and imports a module the first
time one of its commands is looked up. ``accord --help`` lists every name with
the table's help text and imports none of them.

A module's commands are built exactly as ``app.add_typer(module.app, ...)``
on the root would build them: through a one-off Typer holding just that
module, so options, help and exit codes are unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import MarkupMode, TyperCommand

PACKAGE = "accord.entrypoints.cli"


@dataclass(frozen=True)
class Lazy:
    """Where a top-level command lives, and its one-line help for ``accord --help``.

    ``group=True``: the module's Typer becomes the group ``accord NAME ...`` (and
    ``help`` is the group's help); otherwise NAME is one of the module's own
    commands put at the top level, and ``help`` must be its docstring's first
    paragraph with its line breaks as spaces (a test checks).
    """

    module: str  # under accord.entrypoints.cli
    help: str
    group: bool = False
    attribute: str = "app"

    def typer_app(self) -> typer.Typer:
        loaded = importlib.import_module(f"{PACKAGE}.{self.module}")
        app: typer.Typer = getattr(loaded, self.attribute)
        return app

    def placeholder(self, name: str) -> TyperCommand:
        """A stand-in carrying only the name and help, for listing in ``--help``."""
        return TyperCommand(name, help=self.help)


class LazyCommands(MutableMapping[str, Any]):
    """The root group's ``commands``: names known up front, commands built on first access.

    Keys, ``in`` and ``len`` never import; getting a value (``[name]``, ``get``,
    ``items()``, ``values()``) imports that command's module.
    """

    def __init__(self, table: Mapping[str, Lazy], *, rich_markup_mode: MarkupMode,
                 suggest_commands: bool) -> None:
        self.table = dict(table)
        self._markup = rich_markup_mode
        self._suggest = suggest_commands
        self._built: dict[str, Any] = {}  # name -> click command, once built or added

    def is_built(self, name: str) -> bool:
        return name in self._built

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built.update(self._build(name, self.table[name]))  # KeyError if unknown
        return self._built[name]

    def _build(self, name: str, entry: Lazy) -> dict[str, Any]:
        """Every top-level command ``entry``'s module contributes, built in one go."""
        holder = typer.Typer(rich_markup_mode=self._markup, suggest_commands=self._suggest)
        if entry.group:
            holder.add_typer(entry.typer_app(), name=name, help=entry.help)
        else:
            holder.add_typer(entry.typer_app())
        built = typer.main.get_group(holder).commands
        # Only names this table routes to this module (a module's other commands
        # stay unreachable, as they would be without an add_typer line).
        return {n: cmd for n, cmd in built.items()
                if n in self.table and self.table[n].module == entry.module}

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        self.table.setdefault(name, Lazy(module="", help=""))

    def __delitem__(self, name: str) -> None:
        del self.table[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, name: object) -> bool:
        return name in self.table
