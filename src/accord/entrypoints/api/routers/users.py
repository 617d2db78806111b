"""Users and API tokens (admin), and ``/me`` for any authenticated caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from accord.domain.users import Role, User
from accord.entrypoints.api.deps import MAX_INT, NodeDep, current_user, require
from accord.services import users as service
from accord.services.users import PERMISSIONS, Action

router = APIRouter(tags=["users"])
Admin = Annotated[User, Depends(require(Action.MANAGE_USERS))]
MetadataReader = Annotated[User, Depends(require(Action.READ_METADATA))]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422

    name: str = Field(min_length=1, max_length=100, description="letters, digits, . _ @ -")
    role: Role


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422

    label: str = Field(default="", max_length=200)


@router.get("/me", summary="Who the token belongs to and what they may do")
def me(user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {"user": service.user_to_dict(user),
            "actions": sorted(action.name.lower() for action in PERMISSIONS[user.role])}


@router.get("/users", summary="List users")
def list_users(node: NodeDep, _user: MetadataReader) -> dict[str, Any]:
    return {"users": [service.user_to_dict(u) for u in service.list_users(node.store)]}


@router.post("/users", status_code=201, summary="Add a user; returns their first token once")
def add_user(body: NewUser, node: NodeDep, admin: Admin) -> dict[str, Any]:
    user, issued = service.add_user(node.store, body.name, body.role, actor=admin.name)
    return {"user": service.user_to_dict(user), "token": issued.secret,
            "token_record": service.token_to_dict(issued.record)}


@router.get("/tokens", summary="List tokens (never their secrets)")
def list_tokens(node: NodeDep, _user: Admin,
                user: Annotated[str | None, Query(description="only this user's")] = None,
                ) -> dict[str, Any]:
    return {"tokens": [service.token_to_dict(t) for t in service.list_tokens(node.store, user)]}


@router.post("/users/{name}/tokens", status_code=201,
             summary="Create a token for a user; the secret is returned once")
def create_token(name: str, node: NodeDep, admin: Admin,
                 body: NewToken | None = None) -> dict[str, Any]:
    issued = service.create_token(node.store, name, label=body.label if body else "",
                                  actor=admin.name)
    return {"token": issued.secret, "token_record": service.token_to_dict(issued.record)}


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token (idempotent)")
def revoke_token(token_id: Annotated[int, Path(ge=0, le=MAX_INT)], node: NodeDep,
                 admin: Admin) -> dict[str, Any]:
    record = service.revoke_token(node.store, token_id, actor=admin.name)
    return {"token_record": service.token_to_dict(record)}
