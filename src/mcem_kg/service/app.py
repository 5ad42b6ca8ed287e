"""The HTTP service: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from mcem_kg.service import (
    graph_store,
    linked,
    named_queries,
    opportunities,
    ops,
    problems,
    sparql,
    validation,
)
from mcem_kg.service.state import Service
from mcem_kg.settings import Settings

DESCRIPTION = """\
The Microsoft Customer Engagement Methodology (MCEM) as a knowledge graph: a SPARQL 1.1
endpoint and Graph Store over a persistent store, named queries, and validation of
opportunity records against the methodology. Writes need `Authorization: Bearer <token>`.
"""


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """The service for ``settings``. The ontology, shapes and queries are parsed and reasoned
    over here, once; the store is opened when the app starts and closed when it stops.
    A loaded ``service`` may be passed in (tests share one)."""
    service = service or Service.load(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    # fastapi-offline serves Swagger UI and ReDoc from files installed with it, not a CDN.
    app = FastAPIOffline(
        title="mcem-kg",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.state.service = service
    app.state.metrics = ops.Metrics.create()
    problems.install(app)
    app.add_middleware(ops.Instrumented, metrics=app.state.metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    app.include_router(sparql.router(service))
    app.include_router(graph_store.router(service))
    app.include_router(named_queries.router(service))
    app.include_router(opportunities.router(service))
    app.include_router(validation.router(service))
    app.include_router(linked.router(service))
    app.include_router(ops.router)
    return app
