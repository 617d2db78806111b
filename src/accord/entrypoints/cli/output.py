"""How every command talks: one JSON document with ``--json``, Rich text otherwise.

Use it as::

    @app.command("thing")
    def thing(node: NodeOption = None, json_: JsonOption = False) -> None:
        with command(json_) as out:
            result = some_service(...)
            out.emit({"thing": result}, human=lambda console: console.print(result))

Errors raised inside the block (any ``AccordError``) become: with ``--json``,
``{"error": {"code", "message", "where", ...}}`` on stdout; always a human
message on stderr; exit status 1. Progress and notes go to stderr, so stdout
stays one parseable document.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from typer.exceptions import Abort, Exit, TyperException

from accord.domain.errors import AccordError, InvalidValue

DEBUG_ENV = "ACCORD_DEBUG"


class Output:
    """Where a command writes: ``emit`` once for the result, ``note`` for stderr chatter."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self._emitted = False

    @property
    def console(self) -> Console:
        # Built on use, so that sys.stdout is whatever it is now (CliRunner swaps it).
        return Console(file=sys.stdout, soft_wrap=True)

    @property
    def stderr(self) -> Console:
        return Console(file=sys.stderr, soft_wrap=True)

    def emit(self, data: Any, human: Callable[[Console], None] | None = None) -> None:
        """The command's result: JSON with ``--json``, else ``human`` (or pretty JSON)."""
        if self._emitted:
            raise RuntimeError("a command emits its result once")
        self._emitted = True
        if self.json_mode:
            write_json(data)
        elif human is not None:
            human(self.console)
        else:
            self.console.print_json(data=data, default=str)

    def note(self, message: str) -> None:
        """A human remark on stderr (never pollutes --json stdout)."""
        self.stderr.print(message, markup=False, highlight=False)

    def fail(self, error: dict[str, Any], human: str) -> None:
        if self.json_mode and not self._emitted:
            write_json({"error": error})
        self.stderr.print(f"error: {human}", markup=False, highlight=False, style="red")


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


def error_body(exc: AccordError) -> dict[str, Any]:
    """The stable error shape shared with the API: code, message, where (maybe null), extras."""
    body = exc.to_dict()
    body.setdefault("where", None)
    return body


@contextmanager
def command(json_mode: bool) -> Iterator[Output]:
    """Run a command body, turning errors into the documented output and exit status 1."""
    out = Output(json_mode)
    try:
        yield out
    except (Exit, Abort, TyperException):
        raise
    except AccordError as exc:
        out.fail(error_body(exc), str(exc))
        raise typer.Exit(1) from None
    except BrokenPipeError:
        # The reader went away (``accord export | head``): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1) from None
    except OverflowError:  # a number beyond what the store (64-bit) or the clock holds
        message = "a number or date given is out of range"
        out.fail({"code": "invalid_value", "message": message, "where": None}, message)
        raise typer.Exit(1) from None
    except UnicodeDecodeError as exc:
        message = (f"not valid UTF-8: byte 0x{exc.object[exc.start]:02x} at byte "
                   f"{exc.start + 1} (save the file as UTF-8)")
        out.fail({"code": "invalid_input", "message": message, "where": None}, message)
        raise typer.Exit(1) from None
    except OSError as exc:
        if exc.filename is None:  # not about a file (a network error, ...): a bug to report
            _internal(out, exc)
        # A file named on the command line cannot be read or written.
        reason = exc.strerror or str(exc)
        out.fail({"code": "file_error", "message": reason, "where": str(exc.filename)},
                 f"{exc.filename}: {reason}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        out.fail({"code": "interrupted", "message": "interrupted", "where": None},
                 "interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:
        _internal(out, exc)


def _internal(out: Output, exc: Exception) -> NoReturn:
    if os.environ.get(DEBUG_ENV):
        raise exc
    message = f"{type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)"
    out.fail({"code": "internal_error", "message": message, "where": None}, message)
    raise typer.Exit(1) from None


def read_text(path: Path, *, where: str | None = None) -> str:
    """The UTF-8 text of a file named on the command line; ``InvalidValue`` naming it if not."""
    name = where or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidValue(f"cannot read: {exc.strerror or exc}", where=name) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidValue(f"not valid UTF-8: byte 0x{data[exc.start]:02x} on line {line} "
                           "(save the file as UTF-8)", where=name) from None
