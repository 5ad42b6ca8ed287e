"""Operations: health, metrics, errors as problem documents, body limit, CORS."""

from __future__ import annotations

import re

import httpx


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
