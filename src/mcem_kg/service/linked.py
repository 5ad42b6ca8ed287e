"""Linked data: the ontology, the shapes and the JSON-LD context as documents, and the
methodology's own IRIs dereferenced, all with content negotiation (Turtle, N-Triples,
JSON-LD, RDF/XML).

The methodology's IRIs (``<base>id/stage/listen-consult``, ``<base>data/opportunity/OPP-1``)
sit under the base of the ontology's IRI (``<base>ontology``); a request for the same path
on this service (``/id/stage/listen-consult``) answers the IRI's description (``DESCRIBE``:
its concise bounded description in the store), so once the namespace redirects here the
IRIs resolve. The base and the paths are read from the ontology and the settings.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pyoxigraph import NamedNode
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from mcem_kg.errors import NotFoundError
from mcem_kg.media import AnswerKind, MediaType, negotiate
from mcem_kg.service.state import Service

CONTEXT_FILE = "context.jsonld"


class Documents:
    """Graphs served as documents, each serialized once per format and kept."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def render(self, name: str, graph: Graph, media: MediaType) -> bytes:
        key = (name, media.name)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = graph.serialize(format=media.serializer, encoding="utf-8")
            return self._cache[key]


def iri_base(ontology: Graph) -> str:
    """The namespace the methodology's IRIs sit in: the parent of the ontology IRIs (the
    shortest, when modules such as ``<base>ontology/alignment`` declare their own)."""
    parents = [
        str(s).rstrip("/").rsplit("/", 1)[0] + "/"
        for s in ontology.subjects(RDF.type, OWL.Ontology)
        if isinstance(s, URIRef)
    ]
    if not parents:
        raise NotFoundError("the ontology declares no owl:Ontology IRI")
    return min(parents, key=len)


def _graph_answer(body: bytes, media: MediaType) -> Response:
    return Response(body, media_type=media.media_type, headers={"Vary": "Accept"})


def router(service: Service) -> APIRouter:
    routes = APIRouter(tags=["linked data"])
    documents = Documents()
    methodology = service.kg.methodology
    with_closure = methodology.asserted + methodology.inferred
    with_closure.namespace_manager = methodology.asserted.namespace_manager
    shapes = service.validator.context.shapes.graph
    base = iri_base(methodology.asserted)

    @routes.get("/ontology", summary="The ontology (Turtle, N-Triples, JSON-LD, RDF/XML)")
    def ontology(
        request: Request,
        inferred: bool = Query(False, description="Include the OWL 2 RL closure."),
    ) -> Response:
        media = negotiate(request.headers.get("accept"), AnswerKind.GRAPH)
        graph, name = (with_closure, "closure") if inferred else (methodology.asserted, "ontology")
        return _graph_answer(documents.render(name, graph, media), media)

    @routes.get("/shapes", summary="The SHACL shapes (Turtle, N-Triples, JSON-LD, RDF/XML)")
    def shapes_document(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), AnswerKind.GRAPH)
        return _graph_answer(documents.render("shapes", shapes, media), media)

    context = (Path(service.settings.ontology_dir) / CONTEXT_FILE).read_bytes()

    @routes.get(f"/{CONTEXT_FILE}", summary="The JSON-LD context of the plain JSON record format")
    def json_ld_context() -> Response:
        return Response(context, media_type="application/ld+json")

    def describe(iri: str, request: Request) -> Response:
        try:
            node = str(NamedNode(iri))
        except ValueError as exc:
            raise NotFoundError(f"{iri!r} is not an IRI") from exc
        if not _mentioned(service, node):
            raise NotFoundError(f"nothing is known about {node}")
        answer = service.store.query(
            f"DESCRIBE {node}",
            accept=request.headers.get("accept"),
            timeout=service.settings.query_timeout,
            limit=service.settings.result_limit,
        )
        return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})

    def dereferencer(prefix: str) -> Any:
        def resolve(rest: str, request: Request) -> Response:
            return describe(prefix + rest, request)

        return resolve

    for prefix in sorted({f"{base}id/", service.settings.data_namespace}):
        if not prefix.startswith(base):
            continue
        path = prefix.removeprefix(base)
        routes.add_api_route(
            f"/{path}{{rest:path}}",
            dereferencer(prefix),
            methods=["GET"],
            summary=f"Dereference an IRI under {prefix}",
            response_class=Response,
            name=f"dereference {path}",
        )
    return routes


def _mentioned(service: Service, node: str) -> bool:
    """Whether the store says anything of ``node`` (an IRI in N-Triples form)."""
    answer = service.store.query(
        f"ASK {{ {node} ?p ?o }}", format_name="json", timeout=service.settings.query_timeout
    )
    return bool(json.loads(answer.body)["boolean"])
