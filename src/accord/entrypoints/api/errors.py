"""Every error the API returns has one shape::

    {"error": {"code": "<stable string>", "message": "<for humans>", "where": <str|null>, ...}}

``AccordError`` subclasses keep their ``code`` and ``status`` (and extras such
as ``problems``); FastAPI's request validation errors become ``invalid_request``
(422) with ``where`` naming the field path; HTTP errors (404 route, 405, 413)
get a code derived from their status.

A value the store cannot hold (a number beyond 64 bits, text with a NUL
character on PostgreSQL, a lone surrogate) is the request's fault, not the
node's: it becomes ``invalid_request`` (422) rather than a 500, and the unit
of work it came from has rolled back, so nothing was written.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from accord.domain.errors import AccordError, Unauthorized

log = logging.getLogger("accord.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}


def error_response(status: int, body: dict[str, Any],
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body.setdefault("where", None)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _accord_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccordError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return error_response(exc.status, exc.to_dict(), headers)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        reason = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would be.
            detail = (err.get("ctx") or {}).get("error", "")
            at = f" at character {loc[1]}" if len(loc) > 1 else ""
            loc, reason = ("body",), f"the body is not valid JSON: {detail or 'invalid'}{at}"
        elif err.get("type") == "extra_forbidden":
            reason = f"unknown field {str(loc[-1])!r}" if loc else "unknown field"
        where = ".".join(str(part) for part in loc)
        problems.append({"where": where, "field": str(loc[-1]) if loc else "",
                         "reason": reason})
    first = problems[0] if problems else {"where": "", "reason": "invalid request"}
    message = f"{first['where']}: {first['reason']}" if first["where"] else first["reason"]
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s))"
    return error_response(422, {"code": "invalid_request", "message": message,
                                "where": first["where"] or None, "problems": problems})


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    body: dict[str, Any] = {"code": code, "message": _http_message(request, exc)}
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 400 and exc.detail == _UNPARSED:
        body["where"] = "body"
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:  # Starlette names only the first matching route's methods
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = ", ".join(allowed)
            body["message"] = (f"{request.method} is not allowed on {request.url.path} "
                               f"(allowed: {', '.join(allowed)})")
    return error_response(exc.status_code, body, headers or None)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (only asked on a 405)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        if context.path and context.methods and compile_path(context.path)[0].match(path):
            methods.update(context.methods)
    return sorted(methods)


# Starlette's and FastAPI's own words, said more usefully.
_UNPARSED = "There was an error parsing the body"


def _http_message(request: Request, exc: StarletteHTTPException) -> str:
    route = f"{request.method} {request.url.path}"
    if exc.status_code == 404 and exc.detail == "Not Found":
        return f"no such route: {route} (the routes are listed at /docs and in docs/api.md)"
    if exc.status_code == 405 and exc.detail == "Method Not Allowed":
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        return (f"{request.method} is not allowed on {request.url.path}"
                + (f" (allowed: {allowed})" if allowed else ""))
    if exc.status_code == 400 and exc.detail == _UNPARSED:
        return ("the body could not be parsed: not JSON the node can read "
                "(nested too deeply, or not the declared Content-Type)")
    return str(exc.detail)


def _unstorable(request: Request, exc: Exception) -> JSONResponse:
    """A value in the request that the store or the clock cannot represent."""
    cause = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
    log.warning("refused an unstorable value on %s %s: %s: %s", request.method,
                request.url.path, type(exc).__name__, cause)
    if isinstance(exc, OverflowError):
        reason = "a number or date in the request is out of range"
    elif isinstance(exc, UnicodeEncodeError):
        reason = ("a string in the request holds a lone surrogate (such as \\ud800), "
                  "which has no UTF-8 form")
    else:
        reason = f"a value in the request cannot be stored ({cause})" if cause else (
            "a value in the request cannot be stored")
    if request.method not in ("GET", "HEAD"):
        reason += "; nothing was written"
    return error_response(422, {"code": "invalid_request", "message": reason})


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, {"code": "internal_error",
                                "message": "internal error; the node's log has the details"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccordError, _accord_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unstorable in (OverflowError, UnicodeEncodeError, DataError):
        app.add_exception_handler(unstorable, _unstorable)
    app.add_exception_handler(Exception, _internal_error)
