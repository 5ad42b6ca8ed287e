"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol, so that whole graphs can be
read and written with plain HTTP verbs, without writing SPARQL Update.

It implements `SPARQL 1.1 Graph Store HTTP Protocol
<https://www.w3.org/TR/sparql11-http-rdf-update/>`_ with indirect graph identification
(§4.2): ``?graph=IRI`` names a named graph, ``?default`` the store's default graph (the
real one, not the union queries see; it is normally empty). Exactly one of them is given.

- §5.2 GET (and HEAD): the graph in the RDF format ``Accept`` prefers; 404 for an unknown
  graph.
- §5.3 PUT: the body replaces the graph; §5.5 POST: the body is added to it. 201 when the
  graph was created, else 204.
- §5.4 DELETE: 204; 404 for an unknown graph.
- §5.1 status codes: a body of a type not in :data:`mcem_kg.media.RDF_INPUTS` is 415; a body
  that does not parse is 400 with the parser's message (line and column). Relative IRIs in
  a body resolve against the graph's IRI. Writes need the writer's token (401, 403).

Each write is one atomic step of the store.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from mcem_kg.errors import (
    InvalidParameterValueError,
    ProtocolParameterError,
    UnsupportedMediaTypeError,
)
from mcem_kg.media import RDF_INPUTS, rdf_input
from mcem_kg.service.deps import Body, Writer, content_type
from mcem_kg.service.sparql import Pairs, negotiated
from mcem_kg.service.state import Service

PATH = "/graph-store"


def target(pairs: Pairs) -> str | None:
    """The graph a request names: its IRI, or ``None`` for the default graph."""
    graphs = [value for name, value in pairs if name == "graph"]
    default = any(name == "default" for name, _ in pairs)
    if len(graphs) + default != 1:
        raise ProtocolParameterError(
            "graph", "name exactly one graph: '?graph=IRI' or '?default' (once)"
        )
    if default:
        return None
    try:
        return ox.NamedNode(graphs[0]).value
    except ValueError as exc:
        raise InvalidParameterValueError("graph", graphs[0], f"an absolute IRI ({exc})") from exc


def write(
    service: Service, graph: str | None, media_type: str, body: bytes, *, replace: bool
) -> int:
    """Replace or add to ``graph``; the status: 201 if it was created, else 204."""
    fmt = rdf_input(media_type)
    if fmt is None:
        raise UnsupportedMediaTypeError(media_type, list(RDF_INPUTS))
    service.graphs.check_writable({graph or ""})
    created = service.store.write_graph(graph, body, fmt.media_type, replace=replace)
    service.pipeline.changed([graph or ""])
    return HTTPStatus.CREATED if created else HTTPStatus.NO_CONTENT


def _parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "graph",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "The named graph's IRI (or give `default`).",
        },
        {
            "name": "default",
            "in": "query",
            "required": False,
            "allowEmptyValue": True,
            "schema": {"type": "string"},
            "description": "The default graph (or give `graph`).",
        },
    ]


RDF_BODY = {
    "required": True,
    "content": {media: {"schema": {"type": "string"}} for media in RDF_INPUTS},
}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}


WRITE_RESPONSES = _responses(201, 204, 400, 401, 403, 413, 415, 503)


def router(service: Service) -> APIRouter:
    api = APIRouter(tags=["Graph Store"])
    parameters = {"parameters": _parameters()}

    @api.get(
        PATH,
        summary="Read a graph",
        description="The graph in Turtle, N-Triples, JSON-LD or RDF/XML, by `Accept`.",
        response_class=Response,
        responses=_responses(200, 400, 404, 406, 503),
        openapi_extra=parameters,
    )
    def graph_get(request: Request) -> Response:
        graph = target(request.query_params.multi_items())
        return negotiated(service.store.read_graph(graph, accept=request.headers.get("accept")))

    api.add_api_route(
        PATH,
        graph_get,
        methods=["HEAD"],
        summary="A graph's headers",
        description="As GET, without the body.",
        response_class=Response,
        responses=_responses(200, 400, 404, 406, 503),
        openapi_extra=parameters,
    )

    @api.put(
        PATH,
        summary="Replace a graph",
        description="The body replaces the graph; 201 if it was created, else 204.",
        dependencies=[Writer],
        response_class=Response,
        responses=WRITE_RESPONSES,
        openapi_extra={**parameters, "requestBody": RDF_BODY},
    )
    def graph_put(request: Request, body: Body) -> Response:
        graph = target(request.query_params.multi_items())
        status = write(service, graph, content_type(request), body, replace=True)
        return Response(status_code=status)

    @api.post(
        PATH,
        summary="Add to a graph",
        description="The body's triples are added to the graph; 201 if it was created, else 204.",
        dependencies=[Writer],
        response_class=Response,
        responses=WRITE_RESPONSES,
        openapi_extra={**parameters, "requestBody": RDF_BODY},
    )
    def graph_post(request: Request, body: Body) -> Response:
        graph = target(request.query_params.multi_items())
        status = write(service, graph, content_type(request), body, replace=False)
        return Response(status_code=status)

    @api.delete(
        PATH,
        summary="Delete a graph",
        description="Removes a named graph (or empties the default graph); 204.",
        dependencies=[Writer],
        response_class=Response,
        responses=_responses(204, 400, 401, 403, 404, 503),
        openapi_extra=parameters,
    )
    def graph_delete(request: Request) -> Response:
        graph = target(request.query_params.multi_items())
        service.graphs.check_writable({graph or ""})
        service.store.delete_graph(graph)
        service.pipeline.changed([graph or ""])
        return Response(status_code=HTTPStatus.NO_CONTENT)

    return api
