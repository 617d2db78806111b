"""Authentication and the permission table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.domain.errors import Forbidden, Unauthorized
from accord.domain.users import Role, User
from accord.services.users import (
    PERMISSIONS,
    Action,
    allowed,
    authenticate,
    authorize,
    roles_allowed,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Tokens:
    """A token table the way the store answers it: plaintext in, user or None out."""

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users

    def resolve_token(self, plaintext: str) -> User | None:
        return self.users.get(plaintext)


def user(role: Role, name: str = "ana") -> User:
    return User(id=1, name=name, role=role, created=NOW)


def test_authenticate_returns_the_tokens_user() -> None:
    ana = user(Role.ANALYST)
    assert authenticate(Tokens({"s3cret": ana}), "s3cret") == ana
    assert authenticate(Tokens({"s3cret": ana}), "  s3cret\n") == ana


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_unauthorized_and_says_how_to_send_one(token: str | None) -> None:
    with pytest.raises(Unauthorized, match="missing API token.*Authorization: Bearer"):
        authenticate(Tokens({}), token)


def test_unknown_token_is_unauthorized() -> None:
    with pytest.raises(Unauthorized, match="not valid \\(unknown, revoked or mistyped\\)"):
        authenticate(Tokens({"good": user(Role.ADMIN)}), "bad")


def test_forbidden_names_the_user_the_role_and_who_may() -> None:
    with pytest.raises(Forbidden) as caught:
        authorize(user(Role.AUDITOR, "audrey"), Action.WRITE_REPORTS)
    assert caught.value.message == (
        "user 'audrey' has role 'auditor', which may not create, update or retract reports; "
        "that needs one of the roles: analyst, supervisor"
    )
    assert caught.value.status == 403


def test_every_role_has_an_entry_and_admin_reads_no_intelligence() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert not allowed(Role.ADMIN, Action.READ)
    assert not allowed(Role.ADMIN, Action.SEARCH)
    assert not allowed(Role.AUDITOR, Action.READ)


def test_supervisor_can_do_everything_an_analyst_can_and_approve() -> None:
    assert PERMISSIONS[Role.ANALYST] < PERMISSIONS[Role.SUPERVISOR]
    assert allowed(Role.SUPERVISOR, Action.APPROVE)
    assert not allowed(Role.ANALYST, Action.APPROVE)


def test_liaison_reads_and_manages_agreements_but_writes_no_reports() -> None:
    assert allowed(Role.LIAISON, Action.READ)
    assert allowed(Role.LIAISON, Action.MANAGE_AGREEMENTS)
    assert not allowed(Role.LIAISON, Action.WRITE_REPORTS)
    assert not allowed(Role.LIAISON, Action.IMPORT)


def test_only_admin_manages_users_and_only_auditor_reads_the_ledger() -> None:
    assert roles_allowed(Action.MANAGE_USERS) == [Role.ADMIN]
    assert roles_allowed(Action.READ_LEDGER) == [Role.AUDITOR]


def test_every_action_is_granted_to_some_role() -> None:
    for action in Action:
        assert roles_allowed(action), action
