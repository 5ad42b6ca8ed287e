"""Validation over HTTP: records sent in a request, one stored opportunity, the whole pipeline.

Implements the README's "Validating opportunities" and "The JSON report" as service
operations: the same :class:`~mcem_kg.validation.OpportunityValidator` as ``mcem validate``,
so a body gets the verdicts the command gives for the same file. A record that breaks rules
is an answer (200, ``conforms: false``), not an error; unreadable input is a 400 naming
record and field, a format the service cannot read a 415. The JSON report is the default;
``Accept: text/turtle`` or ``application/ld+json`` (also N-Triples, RDF/XML) gives the W3C
SHACL validation report graph (https://www.w3.org/TR/shacl/#validation-report).

Each validated opportunity is counted in the ``mcem_validations`` metric by its outcome.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mcem_kg.errors import InvalidInputError, InvalidParameterValueError
from mcem_kg.pipeline import Pipeline
from mcem_kg.report import Report
from mcem_kg.service.deps import Body, content_type
from mcem_kg.service.opportunities import (
    GRAPH_MEDIA_TYPES,
    PLAIN_JSON,
    REQUEST_BODY,
    AsOf,
    OpportunityId,
    graph_response,
    negotiate_plain,
    read_records,
)
from mcem_kg.service.state import Service
from mcem_kg.shapes import MCEMSH
from mcem_kg.vocabulary import MCEM

TO_STAGE_DOC = (
    "Gate check: judge each record as if it moved to this stage (number or label) on the "
    "asOf day; the results list what is missing to get there."
)
ToStage = Annotated[str | None, Query(alias="toStage", description=TO_STAGE_DOC)]

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The JSON report by default; the W3C SHACL report graph by Accept.",
        "content": {media: {} for media in [PLAIN_JSON, *GRAPH_MEDIA_TYPES]},
    }
}


def count(request: Request, report: Report) -> None:
    """Count each opportunity of ``report`` by its outcome (``mcem_validations``)."""
    failing = {r.opportunity for r in report.results if r.severity == "Violation"}
    metrics = request.app.state.metrics
    metrics.count_validation(True, len(report.opportunities) - len(failing))
    metrics.count_validation(False, len(failing))


def router(service: Service) -> APIRouter:
    api = APIRouter(tags=["validation"])
    validator = service.validator
    prefixes = {"sh": "http://www.w3.org/ns/shacl#", "mcem": str(MCEM), "mcemsh": str(MCEMSH)}

    def pipeline() -> Pipeline:
        return service.pipeline

    def stage(to_stage: str | None) -> str | None:
        """The gate stage, checked before any work; a bad one names the parameter."""
        if to_stage is not None:
            try:
                validator.stage(to_stage)
            except InvalidInputError:
                stages = ", ".join(validator.context.terms.all_codes(MCEM.Stage))
                raise InvalidParameterValueError(
                    "toStage", to_stage, f"a stage number or label ({stages})"
                ) from None
        return to_stage

    async def answer(request: Request, report: Report) -> Response:
        media = negotiate_plain(request.headers.get("accept"), "a validation report")
        count(request, report)
        if media is None:
            response: Response = JSONResponse(report.to_json())
        else:
            response = await run_in_threadpool(graph_response, report.graph, media, prefixes)
        response.headers["Vary"] = "Accept"
        return response

    @api.post(
        "/validate",
        summary="Validate records sent in the body (nothing is stored)",
        openapi_extra=REQUEST_BODY,
        responses=REPORT_RESPONSES,
    )
    async def validate_body(
        request: Request, body: Body, as_of: AsOf = None, to_stage: ToStage = None
    ) -> Response:
        """200 with the report, also when records break rules (``conforms`` says so)."""
        negotiate_plain(request.headers.get("accept"), "a validation report")
        gate = stage(to_stage)

        def run() -> Report:
            batch = read_records(service, body, content_type(request))
            return pipeline().validate_batch(batch, as_of, gate)

        return await answer(request, await run_in_threadpool(run))

    @api.get(
        "/opportunities/{id}/validation",
        summary="Validate one stored opportunity",
        tags=["opportunities"],
        responses=REPORT_RESPONSES,
    )
    async def validate_stored(
        request: Request, opportunity: OpportunityId, as_of: AsOf = None, to_stage: ToStage = None
    ) -> Response:
        negotiate_plain(request.headers.get("accept"), "a validation report")
        gate = stage(to_stage)
        report = await run_in_threadpool(pipeline().validate_stored, opportunity, as_of, gate)
        return await answer(request, report)

    @api.get(
        "/validation",
        summary="Validate the whole stored pipeline: counts and one page of results",
    )
    async def validate_all(
        request: Request,
        as_of: AsOf = None,
        to_stage: ToStage = None,
        offset: Annotated[int, Query(ge=0, description="Results to skip.")] = 0,
        limit: Annotated[
            int, Query(ge=1, le=10_000, description="Results to return at most.")
        ] = 100,
    ) -> dict[str, Any]:
        """Counts by rule, stage, accountable unit and accountable role (a result counts
        for each of its accountable roles, and once for each of their units); ``results``
        is the page ``offset`` .. ``offset + limit`` of ``total``."""
        gate = stage(to_stage)
        summary = await run_in_threadpool(
            pipeline().validate_all, as_of, gate, service.settings.query_timeout
        )
        count(request, summary.report)
        return summary.to_json(offset, limit)

    return api
