"""``accord query``: hit/no-hit queries to a partner, and follow-up requests after a hit.

``accord query --partner ID --phone ... | --passport CC:NUM | --name ... --dob ...``
asks (identifiers by private set intersection, persons by CLK); ``accord query
follow-up REFERENCE --purpose P`` asks the owner of a hit for the material;
``accord query list`` and ``accord query follow-ups`` show what was asked.
The command line acts as ``local/<operating-system user>`` in the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.domain.errors import InvalidValue
from accord.domain.identifiers import IdentifierKind
from accord.domain.query_request import (
    Identifier,
    QueryRequest,
    identifier,
    parse_batch,
    person,
)
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.services import follow_ups, queries
from accord.services.ledger import local_actor

app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


Phones = Annotated[list[str] | None, typer.Option(
    "--phone", help="A phone number (E.164, or national with --country).", show_default=False)]
Passports = Annotated[list[str] | None, typer.Option(
    "--passport", help="A passport or ID document as COUNTRY:NUMBER.", show_default=False)]
Imos = Annotated[list[str] | None, typer.Option(
    "--imo", help="An IMO ship number.", show_default=False)]
Mmsis = Annotated[list[str] | None, typer.Option("--mmsi", help="An MMSI.", show_default=False)]
Ibans = Annotated[list[str] | None, typer.Option("--iban", help="An IBAN.", show_default=False)]
Emails = Annotated[list[str] | None, typer.Option(
    "--email", help="An e-mail address.", show_default=False)]
Plates = Annotated[list[str] | None, typer.Option(
    "--plate", help="A vehicle plate as COUNTRY:PLATE.", show_default=False)]
Cryptos = Annotated[list[str] | None, typer.Option(
    "--crypto", help="A crypto wallet address.", show_default=False)]
Country = Annotated[str | None, typer.Option(
    "--country", help="How to read national phone numbers (e.g. co).")]
Purpose = Annotated[str | None, typer.Option(
    "--purpose", help="Why (an agreement purpose); default: the only one allowed.")]


def identifiers_of(*, phone: list[str] | None, passport: list[str] | None,
                   imo: list[str] | None, mmsi: list[str] | None, iban: list[str] | None,
                   email: list[str] | None, plate: list[str] | None,
                   crypto: list[str] | None, country: str | None) -> list[Identifier]:
    """The identifiers given as options, in kind order, each checked for its shape."""
    given = [(IdentifierKind.PHONE, phone), (IdentifierKind.PASSPORT, passport),
             (IdentifierKind.IMO, imo), (IdentifierKind.MMSI, mmsi),
             (IdentifierKind.IBAN, iban), (IdentifierKind.EMAIL, email),
             (IdentifierKind.PLATE, plate), (IdentifierKind.CRYPTO, crypto)]
    out = []
    for kind, values in given:
        for value in values or ():
            hint = country if kind is IdentifierKind.PHONE else None
            out.append(identifier(kind, value, country=hint, where=f"--{kind.value}"))
    return out


@app.callback(invoke_without_command=True)
def query(
    ctx: typer.Context,
    partner: Annotated[str | None, typer.Option("--partner", help="The partner node to ask.")
                       ] = None,
    phone: Phones = None, passport: Passports = None, imo: Imos = None, mmsi: Mmsis = None,
    iban: Ibans = None, email: Emails = None, plate: Plates = None, crypto: Cryptos = None,
    country: Country = None,
    name: Annotated[str | None, typer.Option("--name", help="A person's name.")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="With --name: date of birth.")
                   ] = None,
    nationality: Annotated[str | None, typer.Option(
        "--nationality", help="With --name: nationality.")] = None,
    purpose: Purpose = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="A batch of items: CSV (kind,value,country / name,dob,nationality) "
                       "or JSONL.", exists=True, dir_okay=False, readable=True)] = None,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Ask a partner whether it holds identifiers or persons: hit or no hit, nothing else."""
    if ctx.invoked_subcommand is not None:
        return
    with command(json_) as out:
        if partner is None:
            raise InvalidValue("say which partner to ask (--partner ID)", where="--partner")
        request = QueryRequest(tuple(identifiers_of(
            phone=phone, passport=passport, imo=imo, mmsi=mmsi, iban=iban, email=email,
            plate=plate, crypto=crypto, country=country)))
        if name is not None:
            request = request + QueryRequest(persons=(person(name, dob, nationality,
                                                             where="--name"),))
        elif dob or nationality:
            raise InvalidValue("--dob and --nationality go with --name", where="--name")
        if file is not None:
            fmt = "jsonl" if file.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
            request = request + parse_batch(file.read_text(encoding="utf-8"), fmt=fmt,
                                            where=file.name)
        if not request:
            raise InvalidValue("nothing to ask: give --phone, --passport, ..., --name or "
                               "--file", where="query")
        with open_node(node) as opened:
            result = queries.ask_partner(opened, partner, request, purpose=purpose,
                                         actor=local_actor())
        out.emit(result.to_dict(), lambda console: _show_result(console, result.to_dict()))


def _show_result(console: Console, result: dict[str, Any]) -> None:
    console.print(f"Asked {result['partner']} about {result['asked']} item(s) for "
                  f"{result['purpose']!r} (agreement {result['agreement']}): "
                  f"{result['hit_count']} hit(s).", markup=False)
    if result["hits"]:
        table = Table("asked", "label", "reference", "contact")
        for h in result["hits"]:
            table.add_row(h["asked"], h["label"], h["reference"], h["contact"])
        console.print(table)
        console.print("Follow up with: accord query follow-up REFERENCE --purpose P",
                      markup=False)
    for p in result["problems"]:
        console.print(f"not asked: {p['where']}: {p['reason']}", markup=False)


@app.command("follow-up")
def follow_up(
    reference: Annotated[str, typer.Argument(help="A hit's reference (accord query list).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why (an agreement purpose).")],
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Ask the owner of a hit for the material behind it; its supervisor decides."""
    with command(json_) as out:
        with open_node(node) as opened:
            done = follow_ups.request_follow_up(opened, reference, purpose=purpose,
                                                actor=local_actor())
        out.emit(done.to_dict(), lambda console: console.print(
            f"Follow-up {done.id} to {done.partner}: {done.state} ({done.detail})",
            markup=False))


@app.command("list")
def list_(limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
          node: NodeOption = None, json_: JsonOption = False) -> None:
    """The queries this node asked (newest first) and their hits."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = queries.list_queries(opened, limit=limit)

        def human(console: Console) -> None:
            table = Table("query", "partner", "kind", "purpose", "asked", "hits", "refused",
                          "when")
            for q in found["queries"]:
                table.add_row(q["id"][:12], q["partner"], q["kind"], q["purpose"],
                              str(q["asked"]), str(q["hits"]), q["refused"] or "",
                              q["created"][:19])
            console.print(table)
            for q in found["queries"]:
                for h in q["hit_list"]:
                    console.print(f"  hit {h['reference']} ({h['label']}) {h['asked']} -> "
                                  f"{h['contact']}", markup=False)

        out.emit(found, human)


@app.command("follow-ups")
def list_follow_ups(
    direction: Annotated[str, typer.Option(
        "--direction", help="out (asked by this node), in (asked of it) or all.")] = "all",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    node: NodeOption = None,
    json_: JsonOption = False,
) -> None:
    """Follow-up requests made and received, and what became of them."""
    with command(json_) as out:
        if direction not in ("in", "out", "all"):
            raise InvalidValue(f"{direction!r} is not in, out or all", where="--direction")
        with open_node(node) as opened:
            found = follow_ups.list_follow_ups(
                opened, direction=None if direction == "all" else direction, limit=limit)

        def human(console: Console) -> None:
            table = Table("id", "direction", "partner", "reference", "purpose", "state")
            for f in found:
                table.add_row(f["id"][:12], f["direction"], f["partner"], f["reference"],
                              f["purpose"], f["state"])
            console.print(table)

        out.emit({"follow_ups": found}, human)
