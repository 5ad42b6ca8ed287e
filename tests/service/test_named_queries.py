"""Named queries over HTTP: one OpenAPI operation per query file, answers equal to the
in-memory methodology's, negotiated formats, and clear 4xx answers."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mcem_kg import KnowledgeGraph, Settings
from tests.helpers import Row, as_rows
from tests.service.server import EXAMPLES

DATA = Path(__file__).resolve().parents[1] / "data" / "service"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "named-queries.yaml").read_text())
ERRORS: list[dict[str, Any]] = yaml.safe_load((DATA / "named-query-errors.yaml").read_text())


def _case_id(case: dict[str, Any]) -> str:
    params = "&".join(f"{k}={v}" for k, v in (case.get("params") or {}).items())
    return f"{case['query']}?{params}" if params else case["query"]


def json_rows(body: bytes) -> list[Row]:
    """SPARQL 1.1 JSON results as rows of plain strings (None where unbound)."""
    document = json.loads(body)
    names = document["head"]["vars"]
    return [
        {n: b[n]["value"] if n in b else None for n in names}
        for b in document["results"]["bindings"]
    ]


def _multiset(
    rows: list[Row], unordered: dict[str, str] | None = None
) -> Counter[tuple[tuple[str, str | None], ...]]:
    """Rows as a multiset; ``unordered`` columns (GROUP_CONCAT) with their parts sorted."""
    normal = []
    for row in rows:
        values = dict(row)
        for column, separator in (unordered or {}).items():
            if values.get(column):
                values[column] = separator.join(sorted(str(values[column]).split(separator)))
        normal.append(tuple(sorted(values.items())))
    return Counter(normal)


def test_every_query_file_has_a_case(settings: Settings) -> None:
    assert {c["query"] for c in CASES} == {p.stem for p in settings.queries_dir.glob("*.rq")}


def test_each_query_is_an_operation_with_its_parameters(
    client: httpx.Client, kg: KnowledgeGraph
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operations = {p.removeprefix("/queries/") for p in paths if p.startswith("/queries/")}
    assert operations == set(kg.queries.names)
    for query in kg.queries:
        declared = paths[f"/queries/{query.name}"]["get"]["parameters"]
        expected = {(p.name, p.required) for p in query.parameters} | {("format", False)}
        assert {(p["name"], p["required"]) for p in declared} == expected


def test_listing_names_summaries_and_parameters(client: httpx.Client, kg: KnowledgeGraph) -> None:
    listing = client.get("/queries").json()
    assert [q["name"] for q in listing] == kg.queries.names
    first = kg.queries.get(listing[0]["name"])
    assert listing[0]["summary"] == first.summary
    assert listing[0]["url"].endswith(f"/queries/{first.name}")


@pytest.mark.parametrize("case", [c for c in CASES if not c.get("pipeline")], ids=_case_id)
def test_store_answers_as_the_methodology_graph_does(
    client: httpx.Client, kg: KnowledgeGraph, case: dict[str, Any]
) -> None:
    params = case.get("params") or {}
    answer = client.get(f"/queries/{case['query']}", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/sparql-results+json")
    expected = as_rows(kg.query(case["query"], params))
    assert expected, "a case should have rows to compare"
    unordered = case.get("unordered")
    assert _multiset(json_rows(answer.content), unordered) == _multiset(expected, unordered)


def _stages_of_examples() -> Counter[str]:
    records = json.loads(EXAMPLES.read_text())
    records = records["opportunities"] if isinstance(records, dict) else records
    # A record without a stage is not in any stage's count.
    return Counter(str(r["stage"]) for r in records if "stage" in r)


@pytest.mark.parametrize("case", [c for c in CASES if c.get("pipeline")], ids=_case_id)
def test_pipeline_aggregate_counts_the_stored_examples(
    client: httpx.Client, case: dict[str, Any]
) -> None:
    answer = client.get(f"/queries/{case['query']}", params=case.get("params") or {})
    assert answer.status_code == 200, answer.text
    rows = json_rows(answer.content)
    counted = {r["stageNumber"]: int(r["opportunities"] or 0) for r in rows}
    expected = _stages_of_examples()
    unit = (case.get("params") or {}).get("unit")
    assert rows
    for stage, count in counted.items():
        assert count == expected[str(stage)]
    if unit is None:
        assert sum(counted.values()) == sum(expected.values())
    else:
        assert {r["unit"] for r in rows} == {unit.upper()}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("application/sparql-results+json; charset=utf-8", "application/sparql-results+json"),
    ],
)
def test_answers_are_negotiated(client: httpx.Client, accept: str, media_type: str) -> None:
    answer = client.get("/queries/stages", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media_type)
    assert "Accept" in answer.headers["vary"]


def test_csv_by_format_parameter(client: httpx.Client) -> None:
    answer = client.get("/queries/stages", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sorted(r["stageNumber"] for r in rows) == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: f"{c['status']}-{c['path']}")
def test_bad_requests_are_4xx_with_a_useful_detail(
    client: httpx.Client, case: dict[str, Any]
) -> None:
    headers = {"Accept": case["accept"]} if "accept" in case else {}
    answer = client.get(case["path"], headers=headers)
    assert answer.status_code == case["status"]
    assert answer.headers["content-type"] == "application/problem+json"
    assert case["detail"] in answer.json()["detail"]
