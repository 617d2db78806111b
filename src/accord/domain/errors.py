"""Errors that cross layers.

Every error names *where* (a file and line, an entity id, a field) and *why*,
so that an analyst or integrator can fix the input without reading code. The
``code`` is a stable machine-readable string used by the API's error body and
the CLI's ``--json`` output.
"""

from __future__ import annotations

from dataclasses import dataclass


class AccordError(Exception):
    """Base class: ``code`` is stable, ``str(error)`` is for humans."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.where:
            body["where"] = self.where
        return body


class InvalidValue(AccordError):
    """A single value failed normalisation (bad phone, IBAN, date, ...)."""

    code = "invalid_value"
    status = 422


class SchemaError(AccordError):
    """Unknown schema or property, missing required property, wrong range."""

    code = "schema_error"
    status = 422


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: ``file:line: field: reason``."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.reason}" if self.field else (
            f"{self.where}: {self.reason}"
        )

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "field": self.field, "reason": self.reason}


class InvalidInput(AccordError):
    """A whole input (file, request body) was rejected; ``problems`` lists why."""

    code = "invalid_input"
    status = 422

    def __init__(self, problems: list[Problem], *, truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        lines = [str(p) for p in problems]
        if truncated:
            lines.append("(more problems not shown)")
        super().__init__(
            f"{len(problems)} problem(s); nothing was written\n" + "\n".join(lines)
        )

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        body["problems"] = [p.to_dict() for p in self.problems]
        body["truncated"] = self.truncated
        return body


class NotFound(AccordError):
    code = "not_found"
    status = 404


class Conflict(AccordError):
    code = "conflict"
    status = 409


class Unauthorized(AccordError):
    code = "unauthorized"
    status = 401


class Forbidden(AccordError):
    code = "forbidden"
    status = 403


class StoreUnavailable(AccordError):
    code = "store_unavailable"
    status = 503
