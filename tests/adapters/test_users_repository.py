"""Users and API tokens in the store: only hashes are kept; revoked tokens stop working."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from accord.adapters.store import Store
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.users import Role


def test_add_get_and_list_users(store: Store) -> None:
    ana = store.add_user("ana", Role.ANALYST)
    store.add_user("admin", Role.ADMIN)
    assert store.get_user("ana") == ana
    assert store.get_user("nobody") is None
    assert [(u.name, u.role) for u in store.list_users()] == [
        ("admin", Role.ADMIN), ("ana", Role.ANALYST)]


def test_duplicate_and_invalid_user_names_are_refused(store: Store) -> None:
    store.add_user("ana", Role.ANALYST)
    with pytest.raises(Conflict, match="a user named 'ana' already exists"):
        store.add_user("ana", Role.AUDITOR)
    with pytest.raises(InvalidValue, match="is not a user name"):
        store.add_user("bad name", Role.AUDITOR)


def test_token_is_shown_once_and_stored_only_as_its_hash(store: Store) -> None:
    store.add_user("ana", Role.ANALYST)
    secret = store.create_token("ana", "laptop")
    assert secret.startswith("acc_") and len(secret) > 40
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT hash, label FROM tokens")).all()
    assert stored == [(hashlib.sha256(secret.encode()).hexdigest(), "laptop")]
    user = store.resolve_token(secret)
    assert user is not None and user.name == "ana"
    assert store.resolve_token(secret + "x") is None
    [token] = store.list_tokens("ana")
    assert token.last_used is not None and token.active


def test_revoked_tokens_resolve_to_nobody(store: Store) -> None:
    store.add_user("ana", Role.ANALYST)
    secret = store.create_token("ana")
    [token] = store.list_tokens()
    revoked = store.revoke_token(token.id)
    assert not revoked.active
    assert store.resolve_token(secret) is None
    with pytest.raises(NotFound, match="no token with id 999"):
        store.revoke_token(999)


def test_token_for_unknown_user_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no user named 'ghost'"):
        store.create_token("ghost")
