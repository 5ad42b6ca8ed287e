"""Operations: liveness and readiness, and Prometheus metrics (one registry per app)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcem_kg.errors import StoreUnavailableError
from mcem_kg.service.deps import ServiceDep

# Seconds: from a 1 ms validation to a query at the default 30 s timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True, slots=True)
class Metrics:
    """The service's metrics, in a registry of its own (no process-global state)."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    validations: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "mcem_http_requests",
                "HTTP requests answered, by route template, method and status.",
                ["route", "method", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "mcem_http_request_duration_seconds",
                "Time to answer an HTTP request, by route template.",
                ["route"],
                registry=registry,
                buckets=(
                    0.001,
                    0.0025,
                    0.005,
                    0.01,
                    0.025,
                    0.05,
                    0.1,
                    0.25,
                    0.5,
                    1,
                    2.5,
                    5,
                    10,
                    30,
                ),
            ),
            validations=Counter(
                "mcem_validations",
                "Opportunities validated, by outcome (conforms, violations).",
                ["outcome"],
                registry=registry,
            ),
        )

    def count_validation(self, conforms: bool, opportunities: int = 1) -> None:
        self.validations.labels("conforms" if conforms else "violations").inc(opportunities)


class Instrumented:
    """ASGI middleware counting and timing every request by its route template (not its raw
    path, so that ids make no new series); unrouted requests count as ``unmatched``. Plain
    ASGI rather than ``BaseHTTPMiddleware``, which costs a task per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(template).observe(time.perf_counter() - started)
            self.metrics.requests.labels(template, scope["method"], str(status)).inc()


router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness and store readiness")
def health(service: ServiceDep) -> Response:
    """200 with ``{"status": "ok"}`` when the store answers; 503 when it does not."""
    try:
        service.store.ping()
    except StoreUnavailableError as exc:
        return JSONResponse({"status": "unavailable", "store": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "store": "ready"})


@router.get("/metrics", summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
