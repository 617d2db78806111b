"""Every error the API returns has one shape::

    {"error": {"code": "<stable string>", "message": "<for humans>", "where": <str|null>, ...}}

``AccordError`` subclasses keep their ``code`` and ``status`` (and extras such
as ``problems``); FastAPI's request validation errors become ``invalid_request``
(422) with ``where`` naming the field path; HTTP errors (404 route, 405, 413)
get a code derived from their status.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
        where = ".".join(str(part) for part in err.get("loc", ()))
        problems.append({"where": where, "field": str(err.get("loc", ("",))[-1]),
                         "reason": str(err.get("msg", "invalid"))})
    first = problems[0] if problems else {"where": "", "reason": "invalid request"}
    message = f"{first['where']}: {first['reason']}" if first["where"] else first["reason"]
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s))"
    return error_response(422, {"code": "invalid_request", "message": message,
                                "where": first["where"] or None, "problems": problems})


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, {"code": code, "message": str(exc.detail)},
                          dict(exc.headers) if exc.headers else None)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, {"code": "internal_error",
                                "message": "internal error; the node's log has the details"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccordError, _accord_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
