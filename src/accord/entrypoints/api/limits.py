"""Request body size limits, enforced before a handler sees the body.

A declared ``Content-Length`` above the limit is refused at once; a body sent
without one (chunked) is counted as it streams and refused as soon as it
passes the limit. Either way the client gets 413 in the API's error shape and
the handler never acts on a partial body.

(FastAPI's own ``max_body_size`` answers a too-large ``Content-Length`` in
plain text, outside the API's error shape; hence this middleware.)
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.entrypoints.api.errors import error_response


class BodySizeLimit:
    """ASGI middleware; ``limit_for(path)`` gives the byte limit for a request path."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = error_response(413, {"code": "payload_too_large",
                                            "message": _too_large(limit)})
            await response(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Starlette's HTTPException passes through FastAPI's body
                    # parsing untouched and reaches the error handlers.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limit: int) -> str:
    return f"request body is larger than this node accepts ({limit} bytes)"
