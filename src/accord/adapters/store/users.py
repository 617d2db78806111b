"""The user and token repository (the auth service sits on top of it).

A token's secret is ``acc_`` followed by 32 random bytes (URL-safe base64);
only its SHA-256 is stored, so a stolen database yields no usable token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.adapters.store.codec import from_store
from accord.adapters.store.models import TokenRow, UserRow
from accord.domain.errors import Conflict, NotFound
from accord.domain.users import ApiToken, Role, User, check_user_name, token_hash

TOKEN_PREFIX = "acc_"


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_user(self, name: str, role: Role) -> User:
        """A new user; ``Conflict`` if the name is taken."""
        check_user_name(name)
        if self._row(name) is not None:
            raise Conflict(f"a user named {name!r} already exists", where="name")
        row = UserRow(name=name, role=role.value, created=datetime.now(UTC))
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def get_user(self, name: str) -> User | None:
        row = self._row(name)
        return None if row is None else _user(row)

    def list_users(self) -> list[User]:
        return [_user(r) for r in self.session.scalars(select(UserRow).order_by(UserRow.name))]

    def set_role(self, name: str, role: Role) -> User:
        row = self._require(name)
        row.role = role.value
        self.session.flush()
        return _user(row)

    def create_token(self, user: str, label: str = "") -> tuple[str, ApiToken]:
        """A new token for ``user``: ``(secret, record)``. The secret is not kept: show it once."""
        row = self._require(user)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = TokenRow(user_id=row.id, label=label, hash=token_hash(secret),
                         created=datetime.now(UTC))
        self.session.add(token)
        self.session.flush()
        return secret, _token(token, row.name)

    def resolve_token(self, secret: str, *, touch: bool = True) -> User | None:
        """The user holding this active token, or None; records its use when ``touch``."""
        stmt = (select(TokenRow, UserRow).join(UserRow, UserRow.id == TokenRow.user_id)
                .where(TokenRow.hash == token_hash(secret), TokenRow.revoked.is_(None)))
        found = self.session.execute(stmt).first()
        if found is None:
            return None
        token, user = found
        if touch:
            token.last_used = datetime.now(UTC)
            self.session.flush()
        return _user(user)

    def token_use_is_stale(self, secret: str, *, every: timedelta = timedelta(minutes=1)) -> bool:
        """True when the token's last use was recorded more than ``every`` ago (or never)."""
        last = self.session.execute(
            select(TokenRow.last_used).where(TokenRow.hash == token_hash(secret))
        ).scalar_one_or_none()
        seen = from_store(last)
        return seen is None or datetime.now(UTC) - seen > every

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        stmt = select(TokenRow, UserRow.name).join(UserRow, UserRow.id == TokenRow.user_id)
        if user is not None:
            stmt = stmt.where(UserRow.name == user)
        return [_token(t, name) for t, name in self.session.execute(stmt.order_by(TokenRow.id))]

    def revoke_token(self, token_id: int) -> ApiToken:
        """Revoke a token (idempotent); ``NotFound`` if there is no such token."""
        found = self.session.execute(
            select(TokenRow, UserRow.name).join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.id == token_id)).first()
        if found is None:
            raise NotFound(f"no token with id {token_id}", where="token")
        token, name = found
        if token.revoked is None:
            token.revoked = datetime.now(UTC)
            self.session.flush()
        return _token(token, name)

    def _row(self, name: str) -> UserRow | None:
        return self.session.scalars(select(UserRow).where(UserRow.name == name)).first()

    def _require(self, name: str) -> UserRow:
        row = self._row(name)
        if row is None:
            raise NotFound(f"no user named {name!r}", where="user")
        return row


def _user(row: UserRow) -> User:
    created = from_store(row.created)
    assert created is not None
    return User(id=row.id, name=row.name, role=Role(row.role), created=created)


def _token(row: TokenRow, user: str) -> ApiToken:
    created = from_store(row.created)
    assert created is not None
    return ApiToken(id=row.id, user=user, label=row.label, created=created,
                    last_used=from_store(row.last_used), revoked=from_store(row.revoked))
