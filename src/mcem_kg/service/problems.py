"""Errors as HTTP answers: the one place where an exception becomes a status.

Every error is answered as an RFC 9457 problem document (``application/problem+json``):
``status``, ``title``, ``detail`` (the error's message, which says what was wrong and what was
expected), plus ``field``, ``record``, ``line`` or ``parameter`` when the error knows them.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mcem_kg.errors import (
    AuthenticationError,
    GuardRefusedError,
    InputRecordError,
    InvalidInputError,
    McemError,
    NotAcceptableError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    StoreUnavailableError,
    UnsupportedMediaTypeError,
)

PROBLEM = "application/problem+json"

log = logging.getLogger("mcem_kg.service")

# Most specific first: the first class an error is an instance of gives its status.
STATUS: tuple[tuple[type[McemError], HTTPStatus], ...] = (
    (PayloadTooLargeError, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (UnsupportedMediaTypeError, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
    (InvalidInputError, HTTPStatus.BAD_REQUEST),
    (NotFoundError, HTTPStatus.NOT_FOUND),
    (NotAcceptableError, HTTPStatus.NOT_ACCEPTABLE),
    (AuthenticationError, HTTPStatus.UNAUTHORIZED),
    (PermissionDeniedError, HTTPStatus.FORBIDDEN),
    (GuardRefusedError, HTTPStatus.UNPROCESSABLE_ENTITY),
    (StoreUnavailableError, HTTPStatus.SERVICE_UNAVAILABLE),
)


def status_of(error: McemError) -> HTTPStatus:
    """The HTTP status of an mcem-kg error; one that no branch claims is a server error."""
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return HTTPStatus.INTERNAL_SERVER_ERROR


def problem(status: HTTPStatus, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": status.phrase, "status": int(status), "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": 'Bearer realm="mcem-kg"'} if status == 401 else None
    return JSONResponse(body, status_code=int(status), media_type=PROBLEM, headers=headers)


def _mcem_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, McemError)
    extra: dict[str, Any] = {}
    if isinstance(exc, InputRecordError):
        extra = {"source": exc.source, "line": exc.line, "record": exc.record, "field": exc.field}
        extra["expected"] = exc.expected
    if isinstance(exc, NotAcceptableError):
        extra["offered"] = exc.offered
    if isinstance(exc, GuardRefusedError):
        extra["report"] = exc.report
    parameter = getattr(exc, "name", None)
    if isinstance(exc, InvalidInputError) and isinstance(parameter, str):
        extra["parameter"] = parameter
    return problem(status_of(exc), str(exc), **extra)


def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's checks of declared parameters, as one 400 naming each bad parameter."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"parameter": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"parameter {e['parameter']!r}: {e['problem']}" for e in errors)
    return problem(HTTPStatus.BAD_REQUEST, detail, errors=errors)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    response = problem(status, detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its traceback, answered without it."""
    log.error("unexpected error", exc_info=exc)
    return problem(
        HTTPStatus.INTERNAL_SERVER_ERROR, "an unexpected error; the service's log has the details"
    )


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem document."""
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(McemError, _mcem_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http_error)
