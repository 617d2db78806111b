"""Start-up stays cheap: ``accord`` imports a command's module only when it runs.

The root group knows its commands from a static table (``main.COMMANDS``);
these tests keep that table true to the modules, keep ``accord --help``
identical to what registering every module eagerly would print, and catch an
import that drags the analytics libraries back into every process (each
check runs in a fresh interpreter, since this one has imported everything).
"""

from __future__ import annotations

import inspect
import json
import pkgutil
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import accord.entrypoints.cli as cli_package
from accord.entrypoints.cli.group import AccordGroup
from accord.entrypoints.cli.main import COMMANDS
from accord.entrypoints.cli.main import app as cli_app

# Libraries no command needs before it runs, and ``accord serve`` never needs
# before its first analysis request (resolution, network, PSI, geo cells).
ANALYTICS = ("splink", "duckdb", "pandas", "pyarrow", "igraph", "leidenalg", "numpy",
             "private_set_intersection", "h3")
# Also absent from a bare ``import accord.entrypoints.cli.main`` (``accord --help``).
SERVING = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "httpx", "cryptography", "joserfc")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a new interpreter."""
    probe = (f"{code}\nimport json, sys\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_command_module_nor_heavy_library() -> None:
    loaded = loaded_after("import accord.entrypoints.cli.main")
    assert loaded.isdisjoint(ANALYTICS + SERVING), sorted(loaded & set(ANALYTICS + SERVING))


def test_root_help_imports_no_command_module() -> None:
    loaded = loaded_after(
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from accord.entrypoints.cli.main import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "assert not [m for m in sys.modules if m.startswith('accord.entrypoints.cli.')\n"
        "            and m.rsplit('.', 1)[1] not in ('main', 'group', 'lazy', 'output')], "
        "sorted(sys.modules)")
    assert loaded.isdisjoint(ANALYTICS + SERVING), sorted(loaded & set(ANALYTICS + SERVING))


def test_one_command_imports_only_its_own_module() -> None:
    loaded = loaded_after(
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from accord.entrypoints.cli.main import app\n"
        "assert CliRunner().invoke(app, ['schema', '--help']).exit_code == 0\n"
        "assert 'accord.entrypoints.cli.schema' in sys.modules\n"
        "assert 'accord.entrypoints.cli.network' not in sys.modules")
    assert loaded.isdisjoint(ANALYTICS), sorted(loaded & set(ANALYTICS))


def test_the_api_app_imports_no_analytics_library() -> None:
    """``accord serve`` builds every route without loading what only analyses use."""
    loaded = loaded_after("import accord.entrypoints.cli.node\n"
                          "import accord.entrypoints.api.app")
    assert loaded.isdisjoint(ANALYTICS), sorted(loaded & set(ANALYTICS))


# -- the static table matches the modules ----------------------------------


def eager_app() -> typer.Typer:
    """The root as it was before lazy loading: every module registered up front."""
    app = typer.Typer(cls=AccordGroup, name="accord", help=cli_app.info.help,
                      no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    seen: set[str] = set()
    for name, entry in COMMANDS.items():
        if entry.group:
            app.add_typer(entry.typer_app(), name=name, help=entry.help)
        elif entry.module not in seen:
            app.add_typer(entry.typer_app())
        seen.add(entry.module)
    return app


def command_tree(command: Any, path: str = "accord") -> dict[str, list[str]]:
    """Every command path with its options, for comparing two roots."""
    out = {path: sorted(o for p in command.params for o in p.opts)}
    for name, sub in getattr(command, "commands", {}).items():
        out.update(command_tree(sub, f"{path} {name}"))
    return out


def test_the_table_has_every_command_each_module_registers() -> None:
    eager = typer.main.get_command(eager_app())
    assert list(eager.commands) == list(COMMANDS)  # type: ignore[attr-defined]
    lazy = typer.main.get_command(cli_app)
    assert command_tree(lazy) == command_tree(eager)


def test_every_command_module_is_in_the_table() -> None:
    modules = {m.name for m in pkgutil.iter_modules(cli_package.__path__)}
    with_app = {m for m in modules - {"main"}
                if isinstance(getattr(__import__(f"accord.entrypoints.cli.{m}",
                                                 fromlist=["app"]), "app", None), typer.Typer)}
    assert with_app == {entry.module for entry in COMMANDS.values()}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_table_help_is_the_commands_own(name: str) -> None:
    command = typer.main.get_command(cli_app).commands[name]  # type: ignore[attr-defined]
    own = " ".join(inspect.cleandoc(command.short_help or command.help or "")
                   .split("\n\n")[0].split())
    assert COMMANDS[name].help == own, (
        f"accord --help would show a stale summary: in src/accord/entrypoints/cli/main.py "
        f"set COMMANDS[{name!r}]'s help to {own!r}")


def words(text: str) -> str:
    """``text`` without layout: rich wraps a summary from the table where it likes."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("args", [["--help"], [], ["user", "--help"], ["serch"],
                                  ["serch", "--json"], ["network", "--help"],
                                  ["schema", "--help"]])
def test_output_is_what_eager_registration_printed(args: list[str]) -> None:
    runner = CliRunner()
    lazy, eager = runner.invoke(cli_app, args), runner.invoke(eager_app(), args)
    assert lazy.exit_code == eager.exit_code
    assert words(lazy.stdout) == words(eager.stdout)
    assert words(lazy.stderr) == words(eager.stderr)
    if not args or args == ["--help"]:
        for name in COMMANDS:
            assert f" {name} " in words(lazy.stdout)
