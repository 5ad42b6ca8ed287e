"""What handlers take from a request: the service, the body (within the limit), the
writer's token. Handlers stay thin: parse with these, call a plain function, serialize."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request

from mcem_kg.errors import AuthenticationError, PayloadTooLargeError, PermissionDeniedError
from mcem_kg.service.state import Service


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit (a lying or missing
    ``Content-Length`` does not get past it: the stream itself is counted)."""
    limit = get_service(request).settings.body_limit
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(limit)
        chunks.append(chunk)
    return b"".join(chunks)


Body = Annotated[bytes, Depends(read_body)]


def content_type(request: Request) -> str:
    """The body's media type, lower case, without parameters ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_writer(request: Request) -> None:
    """Writes need ``Authorization: Bearer <token>`` with the configured token; without a
    configured token the service is read-only."""
    token = get_service(request).settings.token
    if not token:
        raise PermissionDeniedError(
            "writes are off: the service has no token configured (set MCEM_TOKEN)"
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise AuthenticationError("this write needs an 'Authorization: Bearer <token>' header")
    if not secrets.compare_digest(given.strip().encode(), token.encode()):
        raise PermissionDeniedError("the bearer token is not the service's token")


Writer = Depends(require_writer)
