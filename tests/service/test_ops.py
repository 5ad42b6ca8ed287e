"""Operations: health, metrics, errors as problem documents, body limit, CORS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from mcem_kg.service.state import Service
from mcem_kg.settings import Settings
from tests.service.server import TOKEN, threaded_server


def test_health_reports_the_store_ready(client: httpx.Client) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "store": "ready"}


def test_metrics_count_requests_by_route_template(client: httpx.Client) -> None:
    client.get("/health")
    text = client.get("/metrics").text
    assert 'mcem_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert "mcem_http_request_duration_seconds_bucket" in text


def test_unknown_route_is_a_problem_document(client: httpx.Client) -> None:
    answer = client.get("/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 404


def test_openapi_and_docs_are_served_without_a_cdn(client: httpx.Client) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "mcem-kg"
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert scripts, page
        assert all(s.startswith("/") for s in scripts), scripts
        for asset in scripts:
            assert client.get(asset).status_code == 200, asset


@pytest.fixture(scope="module")
def limited(
    loaded_service: Service, service_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second service with a small body limit and one CORS origin."""
    settings = replace(
        service_settings,
        store_dir=tmp_path_factory.mktemp("limited") / "store",
        seed_files=(),
        body_limit=1000,
        cors_origins=("https://analyst.example",),
    )
    with threaded_server(settings, loaded_service.configured(settings)) as base:
        yield base


BIG = b'{"id": "T-BIG", "name": "' + b"x" * 2000 + b'"}'


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/validate", "application/json"),
        ("POST", "/sparql", "application/sparql-query"),
        ("PUT", "/opportunities/T-BIG", "application/json"),
        ("PUT", "/graph-store?graph=urn:test:big", "text/turtle"),
    ],
)
def test_a_body_over_the_limit_is_413(
    limited: str, method: str, path: str, content_type: str
) -> None:
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"}
    answer = httpx.request(method, limited + path, content=BIG, headers=headers)
    assert answer.status_code == 413
    assert "over the limit of 1000 bytes" in answer.json()["detail"]


def test_a_streamed_body_without_length_is_counted(limited: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 100

    answer = httpx.post(
        f"{limited}/validate", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413


def test_cors_admits_the_configured_origin_only(limited: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = httpx.options(
        f"{limited}/sparql", headers={"Origin": "https://analyst.example", **preflight}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://analyst.example"
    other = httpx.options(
        f"{limited}/sparql", headers={"Origin": "https://other.example", **preflight}
    )
    assert "access-control-allow-origin" not in other.headers
    simple = httpx.get(f"{limited}/health", headers={"Origin": "https://analyst.example"})
    assert simple.headers["access-control-allow-origin"] == "https://analyst.example"
