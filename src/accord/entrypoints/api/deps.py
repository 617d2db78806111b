"""What route handlers receive: the node, and the caller once authenticated and authorised.

Every route under ``/api/v1`` declares its ``Action``::

    @router.get("/things/{id}")
    def read_thing(id: str, node: NodeDep, user: Annotated[User, Depends(require(Action.READ))]):
        ...

``require`` answers 401 for a missing or unknown token and 403 for a role
without the right, in the API's error shape (see ``errors.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.bootstrap import Node
from accord.domain.errors import Unauthorized
from accord.domain.users import User
from accord.services.users import Action, authenticate, authorize

#: The largest id, index or offset a route accepts: the store's integers are 64-bit,
#: so a larger number is refused as the request's error (422), not the store's (500).
MAX_INT = 2**63 - 1

bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="An API token from 'accord user add' or 'accord token create'.")


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require(action: Action) -> Callable[..., User]:
    """A dependency giving the authenticated user, who must be allowed ``action``."""

    def dependency(request: Request, node: NodeDep, credentials: Credentials) -> User:
        return authorize(_authenticate(request, node, credentials), action)

    dependency.__name__ = f"require_{action.name.lower()}"
    return dependency


def current_user(request: Request, node: NodeDep, credentials: Credentials) -> User:
    """Any authenticated user, whatever the role."""
    return _authenticate(request, node, credentials)


def _authenticate(request: Request, node: Node,
                  credentials: HTTPAuthorizationCredentials | None) -> User:
    if credentials is None:
        header = request.headers.get("authorization", "").strip()
        scheme = header.split(maxsplit=1)[0] if header else ""
        if scheme and scheme.lower() != "bearer":  # a header, but not "Bearer <token>"
            raise Unauthorized(f"the Authorization header must be 'Bearer <token>', not "
                               f"{scheme[:20]!r} ...", where="Authorization")
    return authenticate(node.store, credentials.credentials if credentials else None)
