"""The ``accord`` command.

Each command group lives in its own module with a ``typer.Typer()`` named
``app``. Register it below with one line per top-level name; the module is
imported only when one of its commands runs (see ``lazy.py``), so a command
pays only for the libraries it uses:

- ``"init": Lazy("node", "<first paragraph of init's docstring, on one line>")``
  puts the module's command ``init`` at the top level (``accord init``);
- ``"user": Lazy("users", "Users and their roles.", group=True)`` makes the
  module a group (``accord user add``).

The help text is what ``accord --help`` shows without importing the module;
a test checks it matches the command. Document every command in docs/cli.md
(a test checks).
"""

from __future__ import annotations

import typer

from accord.entrypoints.cli.group import AccordGroup
from accord.entrypoints.cli.lazy import Lazy

COMMANDS: dict[str, Lazy] = {
    "init": Lazy("node", "Create a node: directory, node.yaml, keys, store and the first admin "
                         "token."),
    "serve": Lazy("node", "Serve the node's HTTP API (until Ctrl-C)."),
    "import": Lazy("data", "Import files as one input: all or nothing, unless --skip-invalid."),
    "export": Lazy("data", "Export every report and statement as JSONL (the import format)."),
    "search": Lazy("explore", "Search entities by name (accents, case, order, transliteration) "
                              "or identifier."),
    "show": Lazy("explore", "Show an entity: every value with its report, origin, markings and "
                            "grading, and its canonical entity: every mention with its "
                            "provenance and the evidence joining them."),
    "schema": Lazy("schema", "Print the JSON Schema of one import line (needs no node)."),
    "user": Lazy("users", "Users and their roles.", group=True),
    "token": Lazy("tokens", "API tokens.", group=True),
    "demo": Lazy("demo", "Run the multi-nation demo: nodes, agreements, releases flowing, what "
                         "was withheld."),
    "partner": Lazy("partners", "Partner nodes and their pinned keys.", group=True),
    "dispatch": Lazy("dispatch", "Push pending releases to partners, pull partners' feeds, purge "
                                 "expired material."),
    "synth": Lazy("synth", "Write a synthetic trafficking world: one import file per nation plus "
                           "truth.json."),
    "audit": Lazy("audit", "The auditor's view of the ledger.", group=True),
    "agreement": Lazy("agreements", "Sharing agreements and their lifecycle.", group=True),
    "approval": Lazy("approvals", "Four-eyes approval of held releases.", group=True),
    "explain": Lazy("explain", "Print the sharing decision for a report and a partner, and why."),
    "resolve": Lazy("resolve", "Resolve people, organisations, vessels, phones and accounts into "
                               "canonical entities."),
    "judge": Lazy("resolve", "Judge two entities the same, different, or unsure; overrides the "
                             "matcher, is ledgered."),
    "canonical": Lazy("resolve", "Show a canonical entity (its mentions, provenance and "
                                 "evidence) or list them."),
    "query": Lazy("queries", "Hit/no-hit queries to partners, follow-ups.", group=True),
    "deconflict": Lazy("deconflict", "Deconfliction of targets, operations.", group=True),
    "network": Lazy("network", "Network analysis: key players, brokers, cells.", group=True),
    "key": Lazy("keys", "This node's keys: show, rotate, revoke.", group=True),
}


class RootGroup(AccordGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    cls=RootGroup,
    name="accord",
    help="Accord: federated, agreement-enforced intelligence sharing. Docs: docs/cli.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    # Typer builds a group only for an app with a callback or registered
    # commands; ours are all in COMMANDS, so this no-op makes ``accord`` a group.
    pass


if __name__ == "__main__":
    app()
