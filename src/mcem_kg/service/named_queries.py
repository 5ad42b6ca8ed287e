"""Named queries over HTTP: ``GET /queries`` lists them, ``GET /queries/{name}`` runs one.

Each ``queries/*.rq`` file becomes an OpenAPI operation of its own, with its declared
parameters as typed query parameters (an XSD-typed one as that type, a class-typed one as a
string naming an instance), so a new file is a new operation with no code. Values resolve as
on the command line (code, name or IRI); the query runs on the store, over the default
dataset (the union of all graphs), and its answer is negotiated like ``/sparql``.
"""

from __future__ import annotations

import inspect
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from rdflib.namespace import XSD

from mcem_kg.binding import bind_terms
from mcem_kg.errors import UnknownParameterError, UnknownQueryError
from mcem_kg.queries import NamedQuery, Parameter
from mcem_kg.service.state import Service
from mcem_kg.store import Answer

# The query parameter that picks an answer format instead of Accept (as on /sparql).
FORMAT = "format"

# Python types FastAPI checks an XSD-typed parameter against; anything else is a string.
_TYPES: dict[str, type] = {
    str(XSD.integer): int,
    str(XSD.boolean): bool,
    str(XSD.date): date,
}


def run_named(
    service: Service,
    query: NamedQuery,
    given: dict[str, str],
    *,
    accept: str | None = None,
    format_name: str | None = None,
) -> Answer:
    """Run a named query on the store with user-given parameter values."""
    kg = service.kg
    bindings = bind_terms(kg.methodology.dataset, kg.terms, query, given)
    return service.store.query(
        query.text,
        accept=accept,
        format_name=format_name,
        bindings=bindings,
        timeout=service.settings.query_timeout,
        limit=service.settings.result_limit,
    )


def describe(query: NamedQuery, base: str) -> dict[str, Any]:
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "url": f"{base}/queries/{query.name}",
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "required": p.required,
                "description": p.description,
                "default": p.default,
            }
            for p in query.parameters
        ],
    }


def _text(value: object) -> str:
    """A typed parameter value back as the text the binder reads."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _describe_parameter(service: Service, parameter: Parameter) -> str:
    if str(parameter.type_iri) in _TYPES or parameter.type_iri == XSD.string:
        return parameter.description
    choices = ", ".join(service.kg.terms.choices(parameter.type_iri))
    return f"{parameter.description} One of: {choices}."


def _operation(service: Service, query: NamedQuery) -> Any:
    """The endpoint of one named query, with a signature FastAPI reads its parameters from."""
    declared = [p.name for p in query.parameters]

    def endpoint(request: Request, **values: object) -> Response:
        unknown = sorted(set(request.query_params) - {*declared, FORMAT})
        if unknown:
            raise UnknownParameterError(query.name, unknown[0], declared)
        given = {
            parameter.name: _text(values[f"p{i}"])
            for i, parameter in enumerate(query.parameters)
            if values.get(f"p{i}") is not None
        }
        answer = run_named(
            service,
            query,
            given,
            accept=request.headers.get("accept"),
            format_name=request.query_params.get(FORMAT),
        )
        return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})

    parameters = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    for i, parameter in enumerate(query.parameters):
        kind = _TYPES.get(str(parameter.type_iri), str)
        spec = Query(alias=parameter.name, description=_describe_parameter(service, parameter))
        parameters.append(
            inspect.Parameter(
                f"p{i}",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[kind if parameter.required else kind | None, spec],
                default=inspect.Parameter.empty if parameter.required else parameter.default,
            )
        )
    format_spec = Query(
        alias=FORMAT, description="Answer format instead of Accept: json, xml, csv, tsv."
    )
    parameters.append(
        inspect.Parameter(
            "answer_format",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str | None, format_spec],
            default=None,
        )
    )
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = f"query_{query.name.replace('-', '_')}"
    return endpoint


def router(service: Service) -> APIRouter:
    routes = APIRouter(tags=["named queries"])

    @routes.get("/queries", summary="The named queries: names, summaries and parameters")
    def list_queries(request: Request) -> list[dict[str, Any]]:
        base = str(request.base_url).rstrip("/")
        return [describe(query, base) for query in service.kg.queries]

    for query in service.kg.queries:
        routes.add_api_route(
            f"/queries/{query.name}",
            _operation(service, query),
            methods=["GET"],
            summary=query.summary,
            description=query.description,
            response_class=Response,
            responses={
                200: {
                    "description": "The query's answer, in the negotiated format.",
                    "content": {
                        "application/sparql-results+json": {},
                        "application/sparql-results+xml": {},
                        "text/csv": {},
                        "text/tab-separated-values": {},
                    },
                }
            },
        )

    @routes.get("/queries/{name}", summary="An unknown named query", include_in_schema=False)
    def unknown_query(name: str) -> None:
        raise UnknownQueryError(name, service.kg.queries.names)

    return routes
