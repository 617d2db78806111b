"""The docs cover every CLI command (with its options) and every API route.

A command, option or route added without documentation fails here, so
docs/cli.md and docs/api.md stay true as the node grows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from accord.entrypoints.cli.main import app as cli_app

DOCS = Path(__file__).resolve().parents[2] / "docs"


def cli_commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, names: list[str]) -> Iterator[tuple[str, Any]]:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                yield from walk(sub, [*names, name])
        else:
            yield " ".join(names), command

    yield from walk(typer.main.get_command(cli_app), ["accord"])


def cli_sections() -> dict[str, str]:
    """Each ``### `accord ...` `` section of docs/cli.md, by command name."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    parts = re.split(r"^### `(accord[^`]*)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


COMMANDS = dict(cli_commands())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_cli_command_and_option_is_documented(name: str) -> None:
    sections = cli_sections()
    assert name in sections, f"docs/cli.md has no '### `{name}`' section"
    section = sections[name]
    for param in COMMANDS[name].params:
        for flag in [*param.opts, *getattr(param, "secondary_opts", [])]:
            if flag.startswith("--") and flag != "--json":
                assert flag in section, f"docs/cli.md: {name} does not mention {flag}"


def test_docs_do_not_describe_commands_that_do_not_exist() -> None:
    assert set(cli_sections()) <= set(COMMANDS)


def api_routes(client: TestClient) -> list[str]:
    out = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute):
            out += [f"{method} {context.path}" for method in sorted(context.methods or ())]
    return out


def test_every_api_route_is_documented(client: TestClient) -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([A-Z]+ [^`]+)`", text, flags=re.MULTILINE))
    routes = set(api_routes(client))
    assert routes, "no routes found"
    assert routes - documented == set(), "routes missing from docs/api.md"
    assert documented - routes == set(), "docs/api.md documents routes that do not exist"
    assert "/openapi.json" in text


def test_readme_starts_with_make_demo_and_make_test() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    head = readme[:600]
    assert "make demo" in head and "make test" in head
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (DOCS.parent / link).exists(), f"README links to missing {link}"
