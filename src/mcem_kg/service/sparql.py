"""``/sparql``: the SPARQL 1.1 Protocol endpoint, so that any SPARQL client (SPARQLWrapper,
rdflib's ``SPARQLStore``, Jena, a query editor) can ask the store anything, not only the
named queries.

What it implements, by section of the `SPARQL 1.1 Protocol
<https://www.w3.org/TR/sparql11-protocol/>`_:

- §2.1 the query operation, all three ways: GET with ``query=``, POST of an
  ``application/x-www-form-urlencoded`` form, POST of an ``application/sparql-query`` body;
  §2.1.4 the dataset from ``default-graph-uri`` and ``named-graph-uri`` (repeatable; they
  override the query's ``FROM``). Without them the default graph is the union of all graphs.
- §2.2 the update operation: a form with ``update=`` or an ``application/sparql-update``
  body, only with the writer's token. §2.2.3's ``using-graph-uri`` and
  ``using-named-graph-uri`` are refused with 400: the store cannot set an update's dataset
  (write ``USING <iri>`` in the update instead).
- §2.1.5, §2.2.4: answers in the media type negotiated once the query's form is known
  (:mod:`mcem_kg.media`); a ``format=`` parameter (``json``, ``xml``, ``csv``, ``tsv``,
  ``turtle``, ``nt``, ``jsonld``, ``rdfxml``, the aliases SPARQLWrapper sends, or a media
  type) replaces ``Accept``; failures are problem documents (:mod:`.problems`).
- `Service Description §2 <https://www.w3.org/TR/sparql11-service-description/#accessing>`_:
  a GET without ``query`` answers the description (:mod:`.description`).

Handlers only parse (``parse_get``, ``parse_post``), call the store (blocking, so they are
plain ``def`` run in the thread pool) and write the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from mcem_kg.errors import InvalidInputError, ProtocolParameterError, UnsupportedMediaTypeError
from mcem_kg.media import JSON_LD, NTRIPLES, OFFERS, RDF_XML, TURTLE
from mcem_kg.service.deps import Body, content_type, require_writer
from mcem_kg.service.description import describe
from mcem_kg.service.state import Service
from mcem_kg.store.base import Answer, Dataset
from mcem_kg.store.checks import written_graphs

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
BODY_TYPES = [FORM, SPARQL_QUERY, SPARQL_UPDATE]

DATASET = ("default-graph-uri", "named-graph-uri")
USING = ("using-graph-uri", "using-named-graph-uri")

# ``format=`` values: each media type's short name, the media type itself, and the names
# SPARQLWrapper and other clients send. ``json`` and ``xml`` go through the media table's
# aliases, so they mean the results format for SELECT/ASK and JSON-LD or RDF/XML for graphs.
FORMAT_NAMES: dict[str, str] = {
    **{offer.name: offer.media_type for offers in OFFERS.values() for offer in offers},
    "json": "application/json",
    "xml": "application/xml",
    "ttl": TURTLE.media_type,
    "n3": TURTLE.media_type,
    "ntriples": NTRIPLES.media_type,
    "n-triples": NTRIPLES.media_type,
    "json-ld": JSON_LD.media_type,
    "rdf": RDF_XML.media_type,
    "rdf+xml": RDF_XML.media_type,
    "application/x-json+ld": JSON_LD.media_type,
}
MEDIA_TYPES = {offer.media_type for offers in OFFERS.values() for offer in offers}


class Operation(StrEnum):
    QUERY = "query"
    UPDATE = "update"
    DESCRIPTION = "description"


@dataclass(frozen=True, slots=True)
class ProtocolRequest:
    """One request to the endpoint, parsed: what to do, the SPARQL text, the dataset, and
    the ``Accept`` value ``format=`` stands for (``None``: the request's own header)."""

    operation: Operation
    text: str = ""
    dataset: Dataset = field(default_factory=Dataset)
    accept: str | None = None


Pairs = Sequence[tuple[str, str]]


def parse_get(pairs: Pairs) -> ProtocolRequest:
    """A GET's query string: a query, or (without ``query``) the service description."""
    names = {name for name, _ in pairs}
    if "update" in names:
        raise ProtocolParameterError("update", "an update must be POSTed (SPARQL 1.1 §2.2)")
    if "query" not in names:
        if names & {*DATASET, *USING}:
            raise ProtocolParameterError("query", "missing: the dataset parameters need a query")
        return ProtocolRequest(Operation.DESCRIPTION, accept=_format_accept(pairs))
    return _parsed(pairs)


def parse_post(media_type: str, body: bytes, query_string: Pairs) -> ProtocolRequest:
    """A POST: a form (its parameters and the query string's), or a query or update body
    with its parameters in the query string."""
    if media_type == FORM:
        try:
            form = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
            )
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"the form body is not URL-encoded UTF-8: {exc}") from exc
        return _parsed([*query_string, *form])
    if media_type in (SPARQL_QUERY, SPARQL_UPDATE):
        operation = Operation.QUERY if media_type == SPARQL_QUERY else Operation.UPDATE
        for name in ("query", "update"):
            if any(given == name for given, _ in query_string):
                raise ProtocolParameterError(
                    name, f"not allowed with a {media_type} body, which is the {operation}"
                )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"the {operation} body is not UTF-8: {exc}") from exc
        return _parsed([*query_string, (operation.value, text)])
    raise UnsupportedMediaTypeError(media_type, BODY_TYPES)


def _parsed(pairs: Pairs) -> ProtocolRequest:
    counts = Counter(name for name, _ in pairs)
    if counts["query"] and counts["update"]:
        raise ProtocolParameterError("update", "give either 'query' or 'update', not both")
    if not counts["query"] and not counts["update"]:
        raise ProtocolParameterError("query", "missing: give 'query' or 'update'")
    operation = Operation.QUERY if counts["query"] else Operation.UPDATE
    if counts[operation.value] > 1:
        raise ProtocolParameterError(operation.value, f"given {counts[operation.value]} times")
    text = next(value for name, value in pairs if name == operation.value)
    if not text.strip():
        raise ProtocolParameterError(operation.value, f"the {operation} is empty")
    refused, only = (USING, "updates") if operation is Operation.QUERY else (DATASET, "queries")
    for name in refused:
        if counts[name]:
            raise ProtocolParameterError(name, f"applies to {only} only")
    if operation is Operation.UPDATE:
        for name in USING:
            if counts[name]:
                raise ProtocolParameterError(
                    name,
                    "not supported: the store cannot set an update's dataset; "
                    "write USING <iri> in the update instead",
                )
    dataset = Dataset(
        default_graphs=tuple(v for n, v in pairs if n == DATASET[0]),
        named_graphs=tuple(v for n, v in pairs if n == DATASET[1]),
    )
    return ProtocolRequest(operation, text, dataset, _format_accept(pairs))


def _format_accept(pairs: Pairs) -> str | None:
    """The ``Accept`` value the ``format=`` values stand for (several, repeated or comma-
    separated as SPARQLWrapper sends them, are alternatives; unknown ones are skipped when a
    known one is given)."""
    accepted: list[str] = []
    unknown: list[str] = []
    for name, value in pairs:
        if name != "format":
            continue
        for item in value.split(","):
            key = item.strip().lower()
            if not key:
                continue
            media = FORMAT_NAMES.get(key) or (key if key in MEDIA_TYPES else None)
            if media is None:
                unknown.append(item.strip())
            else:
                accepted.append(media)
    if unknown and not accepted:
        known = ", ".join(sorted({n for n in FORMAT_NAMES if "/" not in n}))
        raise ProtocolParameterError(
            "format", f"unknown format {unknown[0]!r}; use one of: {known}, or a media type"
        )
    return ", ".join(accepted) if accepted else None


def run(service: Service, request: ProtocolRequest, accept: str | None) -> Answer | None:
    """Run a query (its answer) or an update (``None``) in the store."""
    settings = service.settings
    if request.operation is Operation.UPDATE:
        written = written_graphs(request.text)
        if written is not None:
            service.graphs.check_writable(written)
        service.store.update(request.text, timeout=settings.query_timeout)
        service.pipeline.changed(None if written is None else sorted(written))
        return None
    return service.store.query(
        request.text,
        accept=request.accept or accept,
        dataset=request.dataset,
        timeout=settings.query_timeout,
        limit=settings.result_limit,
    )


def endpoint_url(service: Service, request: Request) -> str:
    """The endpoint's IRI: under the configured public base, else as this request reached it."""
    base = service.settings.public_base
    if base:
        return base.rstrip("/") + "/sparql"
    return str(request.url.replace(query="", fragment=""))


def negotiated(answer: Answer) -> Response:
    """An answer whose type followed ``Accept``, marked so for caches."""
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


def _parameter(name: str, description: str, *, many: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if many:
        schema = {"type": "array", "items": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


QUERY_PARAMETER = _parameter("query", "The SPARQL 1.1 query. Without it: the service description.")
DATASET_PARAMETERS = [
    _parameter("default-graph-uri", "A graph of the query's default graph.", many=True),
    _parameter("named-graph-uri", "A named graph the query may use.", many=True),
]
FORMAT_PARAMETER = _parameter(
    "format", "Answer format, instead of Accept: " + ", ".join(sorted(FORMAT_NAMES)) + "."
)
ANSWER_TYPES: dict[str, dict[str, Any]] = {media: {} for media in sorted(MEDIA_TYPES)}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The answer, negotiated by its kind", "content": ANSWER_TYPES},
    204: {"description": "The update was applied"},
    **{
        int(status): {"description": status.phrase}
        for status in map(HTTPStatus, (400, 401, 403, 406, 413, 415, 503))
    },
}
POST_BODY = {
    "required": True,
    "content": {
        FORM: {
            "schema": {
                "type": "object",
                "properties": {
                    name: {"type": "string"} for name in ("query", "update", *DATASET, "format")
                },
            }
        },
        SPARQL_QUERY: {"schema": {"type": "string"}},
        SPARQL_UPDATE: {"schema": {"type": "string"}},
    },
}


def router(service: Service) -> APIRouter:
    api = APIRouter(tags=["SPARQL"])

    @api.get(
        "/sparql",
        summary="SPARQL 1.1 query by GET, or the service description",
        description="With `query=`: its answer, negotiated by `Accept` or `format=`. "
        "Without: the SPARQL 1.1 Service Description (Turtle, N-Triples, JSON-LD, RDF/XML).",
        response_class=Response,
        responses=RESPONSES,
        openapi_extra={"parameters": [QUERY_PARAMETER, *DATASET_PARAMETERS, FORMAT_PARAMETER]},
    )
    def sparql_get(request: Request) -> Response:
        parsed = parse_get(request.query_params.multi_items())
        accept = request.headers.get("accept")
        if parsed.operation is Operation.DESCRIPTION:
            graphs = [service.graphs.methodology, service.graphs.inferred, service.graphs.shapes]
            url = endpoint_url(service, request)
            return negotiated(describe(url, graphs, parsed.accept or accept))
        answer = run(service, parsed, accept)
        assert answer is not None
        return negotiated(answer)

    @api.post(
        "/sparql",
        summary="SPARQL 1.1 query or update by POST",
        description="A form (`query=` or `update=`), an `application/sparql-query` or an "
        "`application/sparql-update` body. Updates need `Authorization: Bearer <token>` and "
        "answer 204.",
        response_class=Response,
        responses=RESPONSES,
        openapi_extra={
            "parameters": [*DATASET_PARAMETERS, FORMAT_PARAMETER],
            "requestBody": POST_BODY,
        },
    )
    def sparql_post(request: Request, body: Body) -> Response:
        parsed = parse_post(content_type(request), body, request.query_params.multi_items())
        if parsed.operation is Operation.UPDATE:
            require_writer(request)
        answer = run(service, parsed, request.headers.get("accept"))
        if answer is None:
            return Response(status_code=HTTPStatus.NO_CONTENT)
        return negotiated(answer)

    return api
