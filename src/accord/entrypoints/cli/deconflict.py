"""``accord deconflict register-target|register-operation|list|expire``: deconfliction.

A registration stays on this node; it is checked at once against every
partner this node shares an agreement in force with, and a conflict is
reported to both (stored, and an alert on each node's live stream) with each
other's point of contact. The command line acts as ``local/<OS user>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import open_node
from accord.domain.errors import InvalidValue
from accord.entrypoints.cli.options import JsonOption, NodeOption
from accord.entrypoints.cli.output import command
from accord.entrypoints.cli.queries import (
    Country,
    Cryptos,
    Emails,
    Ibans,
    Imos,
    Mmsis,
    Passports,
    Phones,
    Plates,
    identifiers_of,
)
from accord.services import deconfliction as service
from accord.services.ledger import local_actor

app = typer.Typer(no_args_is_help=True)
Title = Annotated[str, typer.Option("--title", help="Your own label (stays on this node).")]
Expires = Annotated[str | None, typer.Option(
    "--expires", help="When it stops matching (ISO 8601 with offset).")]


def _time(raw: str | None, flag: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValue(f"{raw!r} is not an ISO 8601 time", where=flag) from None
    if value.tzinfo is None:
        raise InvalidValue(f"{raw!r} needs a UTC offset (e.g. 2026-03-01T18:00:00Z)",
                           where=flag)
    return value


@app.command("register-target")
def register_target(
    phone: Phones = None, passport: Passports = None, imo: Imos = None, mmsi: Mmsis = None,
    iban: Ibans = None, email: Emails = None, plate: Plates = None, crypto: Cryptos = None,
    country: Country = None, title: Title = "", expires: Expires = None,
    node: NodeOption = None, json_: JsonOption = False,
) -> None:
    """Register a target (phones, documents, plates, accounts ...) and check it now."""
    with command(json_) as out:
        found = identifiers_of(phone=phone, passport=passport, imo=imo, mmsi=mmsi, iban=iban,
                               email=email, plate=plate, crypto=crypto, country=country)
        if not found:
            raise InvalidValue("a target needs at least one identifier (--phone, --plate ...)",
                               where="target")
        with open_node(node) as opened:
            done = service.register_target(opened, found, title=title,
                                           expires=_time(expires, "--expires"),
                                           actor=local_actor())
        out.emit(done.to_dict(), lambda console: _show(console, done.to_dict()))


@app.command("register-operation")
def register_operation(
    start: Annotated[str, typer.Option("--start", help="Start (ISO 8601 with offset).")],
    end: Annotated[str, typer.Option("--end", help="End (ISO 8601 with offset).")],
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude of the place.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude of the place.")] = None,
    radius: Annotated[float, typer.Option("--radius", help="Metres around --lat/--lon.")
                      ] = 250.0,
    cell: Annotated[list[str] | None, typer.Option(
        "--cell", help="An H3 cell (repeat; instead of --lat/--lon).", show_default=False)
                    ] = None,
    title: Title = "", expires: Expires = None,
    node: NodeOption = None, json_: JsonOption = False,
) -> None:
    """Register an operation (a place and a time window) and check it now."""
    with command(json_) as out:
        if (lat is None) != (lon is None):
            raise InvalidValue("give --lat and --lon together", where="--lat")
        begin, finish = _time(start, "--start"), _time(end, "--end")
        assert begin is not None and finish is not None
        with open_node(node) as opened:
            done = service.register_operation(
                opened, start=begin, end=finish, cells=cell or (),
                point=None if lat is None or lon is None else (lat, lon), radius_m=radius,
                expires=_time(expires, "--expires"), title=title, actor=local_actor())
        out.emit(done.to_dict(), lambda console: _show(console, done.to_dict()))


def _show(console: Console, done: dict[str, Any]) -> None:
    reg = done["registration"]
    console.print(f"Registered {reg['kind']} {reg['id']} until {reg['expires']}; checked "
                  f"against {', '.join(done['checked']) or 'no partner'}.", markup=False)
    for c in done["conflicts"]:
        console.print(f"CONFLICT with {c['partner']}: call {c['contact']} (their reference "
                      f"{c['their_ref']})", markup=False)
    for u in done["unreachable"]:
        console.print(f"not checked: {u['partner']}: {u['message']}", markup=False)


@app.command("list")
def list_(limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
          node: NodeOption = None, json_: JsonOption = False) -> None:
    """This node's registrations (active or not) and the conflicts found."""
    with command(json_) as out:
        with open_node(node) as opened:
            found = service.list_deconfliction(opened, limit=limit)

        def human(console: Console) -> None:
            table = Table("id", "kind", "title", "expires", "active")
            for r in found["registrations"]:
                table.add_row(r["id"], r["kind"], r["title"], r["expires"][:19],
                              "yes" if r["active"] else "no")
            console.print(table)
            for c in found["conflicts"]:
                console.print(f"conflict: {c['registration']} with {c['partner']}: call "
                              f"{c['contact']}", markup=False)

        out.emit(found, human)


@app.command("expire")
def expire(registration_id: Annotated[str, typer.Argument(help="The registration's id.")],
           node: NodeOption = None, json_: JsonOption = False) -> None:
    """End a registration now: it stops matching at once."""
    with command(json_) as out:
        with open_node(node) as opened:
            done = service.expire_registration(opened, registration_id, actor=local_actor())
        out.emit(done.to_dict(), lambda console: console.print(
            f"Registration {done.id} expired at {done.expires.isoformat()}.", markup=False))
