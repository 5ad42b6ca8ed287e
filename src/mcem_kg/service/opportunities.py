"""Opportunity records over HTTP: one named graph per opportunity, written in any input format.

Implements the service's ``/opportunities`` operations on :class:`mcem_kg.pipeline.Pipeline`
(README, "The plain JSON format" for the record contract and "Other formats" for the rest).
A body's ``Content-Type`` says how to read it; ``application/json`` is plain JSON, JSON-LD
under the published context or an MSX OData export, told apart by content. A batch is
written whole or not at all: one unreadable record refuses it with a 400 naming the record
and field. Writes need the bearer token; in guard mode (``?guard=true`` or the ``guard``
setting) a write whose data has Violations is refused with 422 and the JSON report.

``GET /opportunities/{id}`` answers the plain JSON record (:mod:`mcem_kg.writer`) unless the
``Accept`` header prefers an RDF format; handlers parse, call the pipeline in a threadpool
(the store and rdflib block) and serialize.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mcem_kg.errors import InputRecordError, NotAcceptableError, UnsupportedMediaTypeError
from mcem_kg.inputs import InputFormat, Source
from mcem_kg.media import OFFERS, AnswerKind, MediaType, negotiate
from mcem_kg.pipeline import Pipeline
from mcem_kg.records import RecordBatch
from mcem_kg.service.deps import Body, Writer, content_type
from mcem_kg.service.state import Service

PLAIN_JSON = "application/json"
BODY_SOURCE = "request body"

# Content-Type -> how the body is read (README, "Other formats").
INPUTS: dict[str, InputFormat] = {
    "application/json": InputFormat.JSON,
    "application/ld+json": InputFormat.JSONLD,
    "text/turtle": InputFormat.TURTLE,
    "application/n-triples": InputFormat.NTRIPLES,
    "application/rdf+xml": InputFormat.RDFXML,
    "text/csv": InputFormat.CSV,
}
# The RDF media types the service answers records and reports in.
GRAPH_MEDIA_TYPES = [media.media_type for media in OFFERS[AnswerKind.GRAPH]]

_TEXT = {"type": "string"}
REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Opportunity records in any supported format, told by Content-Type: "
        "plain JSON (a record, an array or {opportunities: [...]}), JSON-LD, MSX OData JSON, "
        "Turtle, N-Triples, RDF/XML, or CSV (one row per milestone).",
        "content": {
            media: {"schema": {"type": "object"} if "json" in media else _TEXT} for media in INPUTS
        },
    }
}

AS_OF_DOC = "The day the rules are judged as of, YYYY-MM-DD (default: today, UTC)."
AsOf = Annotated[date | None, Query(alias="asOf", description=AS_OF_DOC)]
Guard = Annotated[
    bool | None,
    Query(
        description="Refuse the write (422, with the JSON report) if the data has Violations; "
        "always on when the service runs in guard mode."
    ),
]
OpportunityId = Annotated[str, Path(alias="id", description="The opportunity's id.")]


def read_records(service: Service, body: bytes, media_type: str) -> RecordBatch:
    """The records of a request body; unreadable input is an :class:`InputRecordError`."""
    kind = INPUTS.get(media_type)
    if kind is None:
        raise UnsupportedMediaTypeError(media_type, list(INPUTS))
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputRecordError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=BODY_SOURCE
        ) from exc
    if not text.strip():
        raise InputRecordError("the body is empty", source=BODY_SOURCE, expected="records")
    return service.inputs.read([Source(BODY_SOURCE, text, kind)])


def negotiate_plain(accept: str | None, what: str) -> MediaType | None:
    """``None`` for the plain JSON form (the default, and the choice on a tie), else the RDF
    format the client prefers; :class:`NotAcceptableError` when neither fits."""
    if not accept or not accept.strip():
        return None
    plain = parse_accept_header(accept, MIMEAccept).quality(PLAIN_JSON)
    try:
        graph = negotiate(accept, AnswerKind.GRAPH)
    except NotAcceptableError:
        if plain > 0:
            return None
        offered = [PLAIN_JSON, *(o.media_type for o in OFFERS[AnswerKind.GRAPH])]
        raise NotAcceptableError(what, offered) from None
    if plain == 0:
        return graph
    # application/json is also an alias of JSON-LD for graphs: it means the plain form here,
    # so the graph wins only when its own media type is preferred.
    return (
        graph if parse_accept_header(accept, MIMEAccept).quality(graph.media_type) > plain else None
    )


def graph_response(graph: Graph, media: MediaType, prefixes: dict[str, str]) -> Response:
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    body = graph.serialize(format=media.serializer, encoding="utf-8")
    return Response(body, media_type=media.media_type)


def router(service: Service) -> APIRouter:
    api = APIRouter(tags=["opportunities"])
    reader = service.validator.reader
    top = reader.context["@context"]
    prefixes = {k: v for k, v in top.items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def pipeline() -> Pipeline:
        return service.pipeline

    def guarded(guard: bool | None) -> bool:
        # The setting is the service's policy: a client may ask for more, not for less.
        return service.settings.guard or bool(guard)

    @api.put(
        "/opportunities/{id}",
        summary="Store one opportunity (replacing it if it exists)",
        status_code=201,
        dependencies=[Writer],
        openapi_extra=REQUEST_BODY,
        responses={200: {"description": "Replaced"}, 201: {"description": "Created"}},
    )
    async def put_opportunity(
        request: Request,
        opportunity: OpportunityId,
        body: Body,
        as_of: AsOf = None,
        guard: Guard = None,
    ) -> Response:
        """The body holds exactly this opportunity (another or an extra id is a 400)."""

        def run() -> bool:
            batch = read_records(service, body, content_type(request))
            return pipeline().put(opportunity, batch, guard=guarded(guard), as_of=as_of)

        created = await run_in_threadpool(run)
        location = str(request.url_for("get_opportunity", id=opportunity).path)
        return JSONResponse(
            {"id": opportunity, "created": created},
            status_code=201 if created else 200,
            headers={"Location": location},
        )

    @api.post(
        "/opportunities",
        summary="Store a batch of opportunities, all or none",
        status_code=201,
        dependencies=[Writer],
        openapi_extra=REQUEST_BODY,
        responses={200: {"description": "All replaced"}, 201: {"description": "Some created"}},
    )
    async def post_opportunities(
        request: Request,
        body: Body,
        as_of: AsOf = None,
        guard: Guard = None,
    ) -> Response:
        """Each opportunity of the body replaces its stored graph, in one atomic step."""

        def run() -> tuple[list[str], list[str]]:
            batch = read_records(service, body, content_type(request))
            written = pipeline().write(batch, guard=guarded(guard), as_of=as_of)
            return written.ids, written.created

        ids, created = await run_in_threadpool(run)
        return JSONResponse({"ids": ids, "created": created}, status_code=201 if created else 200)

    @api.get(
        "/opportunities",
        summary="The ids of the stored opportunities",
    )
    async def list_opportunities(
        offset: Annotated[int, Query(ge=0, description="Ids to skip.")] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000, description="Ids to return at most.")] = 100,
    ) -> dict[str, Any]:
        ids = await run_in_threadpool(lambda: pipeline().ids())
        return {
            "ids": ids[offset : offset + limit],
            "offset": offset,
            "limit": limit,
            "total": len(ids),
        }

    @api.get(
        "/opportunities/{id}",
        summary="One opportunity: the plain JSON record, or its graph",
        responses={
            200: {
                "description": "The plain JSON record by default; the graph in Turtle, "
                "N-Triples, JSON-LD or RDF/XML by Accept.",
                "content": {media: {} for media in [PLAIN_JSON, *GRAPH_MEDIA_TYPES]},
            }
        },
    )
    async def get_opportunity(request: Request, opportunity: OpportunityId) -> Response:
        media = negotiate_plain(request.headers.get("accept"), "an opportunity")
        if media is None:
            written = await run_in_threadpool(pipeline().record, opportunity)
            headers = {"Vary": "Accept"}
            if written.unwritten:
                # Triples no field of the contract holds (RDF input may say more).
                headers["Mcem-Unwritten-Triples"] = str(len(written.unwritten))
            return JSONResponse(written.record, headers=headers)
        response = await run_in_threadpool(
            lambda: graph_response(pipeline().read(opportunity), media, prefixes)
        )
        response.headers["Vary"] = "Accept"
        return response

    @api.delete(
        "/opportunities/{id}",
        summary="Remove one opportunity",
        status_code=204,
        dependencies=[Writer],
    )
    async def delete_opportunity(opportunity: OpportunityId) -> Response:
        await run_in_threadpool(pipeline().delete, opportunity)
        return Response(status_code=204)

    return api
