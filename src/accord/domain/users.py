"""Users, their roles and their API tokens.

Roles say what a person may do (see DESIGN.md, "Who uses it"); the checks
themselves live with the services and the API. A token's secret is shown once
at creation; the node keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from accord.domain.errors import InvalidValue

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class Role(Enum):
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    LIAISON = "liaison"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @classmethod
    def parse(cls, raw: str, *, where: str = "role") -> Role:
        try:
            return cls(raw.strip().lower())
        except ValueError:
            choices = ", ".join(r.value for r in cls)
            raise InvalidValue(f"{raw!r} is not a role (choose {choices})", where=where) from None


def check_user_name(name: str) -> str:
    """``name`` if it is a valid user name, else ``InvalidValue`` saying why."""
    if not _USER_NAME.match(name):
        raise InvalidValue(
            f"{name!r} is not a user name (letters, digits, '.', '_', '@', '-'; "
            "starting with a letter or digit; at most 100 characters)",
            where="name",
        )
    return name


def token_hash(plaintext: str) -> str:
    """What the node stores for a token: the hex SHA-256 of its secret."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    created: datetime


@dataclass(frozen=True)
class ApiToken:
    """A token's record (never its secret)."""

    id: int
    user: str
    label: str
    created: datetime
    last_used: datetime | None = None
    revoked: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None
