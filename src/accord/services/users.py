"""Who may do what: authentication by API token and the node's permission table.

Every API route (and every future service that acts for a person) names the
``Action`` it performs; ``authorize`` is the only place that decides, from
``PERMISSIONS``. Separation of duties is deliberate: an admin manages users
and tokens but reads no intelligence; an auditor reads the ledger and
metadata but no report content; a liaison officer handles agreements and
partners and may read, but writes no reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from accord.domain.errors import Forbidden, InvalidValue, NotFound, Unauthorized
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import LedgerEntry
from accord.domain.users import ApiToken, Role, User
from accord.domain.values.storable import string_problem
from accord.services import ledger
from accord.services.ledger import SYSTEM

if TYPE_CHECKING:
    from accord.adapters.store.store import Store


class Action(Enum):
    """What a caller wants to do; the value is the phrase used in error messages."""

    READ = "read reports and entities"
    SEARCH = "search"
    WRITE_REPORTS = "create, update or retract reports"
    IMPORT = "import data"
    EXPORT = "export the node's data"
    APPROVE = "approve releases and follow-up requests"
    QUERY = "ask partners hit/no-hit queries and register deconfliction"
    ANALYSE = "run network analysis on the node's material"
    MANAGE_AGREEMENTS = "manage sharing agreements"
    MANAGE_PARTNERS = "manage partners and their keys"
    READ_LEDGER = "read the ledger"
    READ_METADATA = "read metadata (users, node information)"
    MANAGE_USERS = "manage users and tokens"
    MANAGE_CONFIG = "change the node's configuration"


_ANALYST = frozenset({Action.READ, Action.SEARCH, Action.WRITE_REPORTS, Action.IMPORT,
                      Action.QUERY, Action.ANALYSE})

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ANALYST: _ANALYST,
    Role.SUPERVISOR: _ANALYST | {Action.APPROVE, Action.EXPORT},
    Role.LIAISON: frozenset({Action.READ, Action.SEARCH, Action.MANAGE_AGREEMENTS,
                             Action.MANAGE_PARTNERS}),
    Role.AUDITOR: frozenset({Action.READ_LEDGER, Action.READ_METADATA}),
    Role.ADMIN: frozenset({Action.MANAGE_USERS, Action.MANAGE_CONFIG, Action.READ_METADATA}),
}


class TokenResolver(Protocol):
    """What authentication needs from the store."""

    def resolve_token(self, plaintext: str) -> User | None: ...


def allowed(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def roles_allowed(action: Action) -> list[Role]:
    """The roles that may perform ``action``, in declaration order."""
    return [role for role in Role if action in PERMISSIONS[role]]


def authenticate(resolver: TokenResolver, token: str | None) -> User:
    """The user holding ``token``; ``Unauthorized`` if it is missing, unknown or revoked."""
    if token is None or not token.strip():
        raise Unauthorized("missing API token; send the header 'Authorization: Bearer <token>'",
                           where="Authorization")
    user = resolver.resolve_token(token.strip())
    if user is None:
        raise Unauthorized("the API token is not valid (unknown, revoked or mistyped); "
                           "ask an admin for a new one with 'accord token create'",
                           where="Authorization")
    return user


def authorize(user: User, action: Action) -> User:
    """``user`` if their role may perform ``action``; else ``Forbidden`` naming who may."""
    if not allowed(user.role, action):
        who = ", ".join(role.value for role in roles_allowed(action))
        raise Forbidden(f"user {user.name!r} has role {user.role.value!r}, which may not "
                        f"{action.value}; that needs one of the roles: {who}")
    return user


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored; ``record`` is what the node keeps."""

    secret: str
    record: ApiToken


def add_user(store: Store, name: str, role: Role, *, token_label: str = "",
             actor: str = SYSTEM) -> tuple[User, IssuedToken]:
    """Create a user and their first token in one transaction (both or neither), recorded in
    the ledger as done by ``actor`` (as every change here is)."""
    _check_label(token_label)
    with store.unit_of_work() as uow:
        user = uow.users.add_user(name, role)
        secret, record = uow.users.create_token(user.name, token_label or "first token")
        ledger.record_many(uow, [
            LedgerEntry(Act.USER_CREATED, actor=actor, subject=f"user/{user.name}",
                        details={"role": user.role.value}),
            _token_entry(Act.TOKEN_ISSUED, record, actor)])
    return user, IssuedToken(secret, record)


def create_token(store: Store, user: str, *, label: str = "",
                 actor: str = SYSTEM) -> IssuedToken:
    """A new token for ``user`` (``NotFound`` if there is no such user)."""
    _check_label(label)
    if string_problem(user) is not None:
        raise NotFound(f"no user named {user!r}", where="user")
    with store.unit_of_work() as uow:
        secret, record = uow.users.create_token(user, label)
        ledger.record(uow, _token_entry(Act.TOKEN_ISSUED, record, actor))
    return IssuedToken(secret, record)


def revoke_token(store: Store, token_id: int, *, actor: str = SYSTEM) -> ApiToken:
    """Revoke a token by id (idempotent; ``NotFound`` if there is none)."""
    if not 0 <= token_id < 2**63:  # beyond the store's integers: no such token
        raise NotFound(f"no token with id {token_id}", where="token")
    started = datetime.now(UTC)
    with store.unit_of_work() as uow:
        record = uow.users.revoke_token(token_id)
        if record.revoked is not None and record.revoked >= started:  # revoked just now
            ledger.record(uow, _token_entry(Act.TOKEN_REVOKED, record, actor))
    return record


def _check_label(label: str) -> None:
    problem = string_problem(label)
    if problem is not None:
        raise InvalidValue(problem, where="label")


def _token_entry(action: Act, token: ApiToken, actor: str) -> LedgerEntry:
    # The secret never reaches the ledger; the token's id and holder do.
    return LedgerEntry(action, actor=actor, subject=f"token/{token.id}",
                       details={"user": token.user})


def list_users(store: Store) -> list[User]:
    return store.list_users()


def list_tokens(store: Store, user: str | None = None) -> list[ApiToken]:
    if user is not None and (string_problem(user) is not None or store.get_user(user) is None):
        raise NotFound(f"no user named {user!r}", where="user")
    return store.list_tokens(user)


def user_to_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "role": user.role.value,
            "created": user.created.isoformat()}


def token_to_dict(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "user": token.user, "label": token.label,
            "created": token.created.isoformat(),
            "last_used": token.last_used.isoformat() if token.last_used else None,
            "revoked": token.revoked.isoformat() if token.revoked else None,
            "active": token.active}
