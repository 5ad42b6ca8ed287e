"""Opportunities over HTTP (src/mcem_kg/service/opportunities.py), against the session's real
server: round trips in JSON and Turtle, bulk writes, batches refused whole, content
negotiation, and the refusals of tests/data/service/opportunities-*.yaml.

The server is shared with other modules: every id written here starts with ``T-`` and is
removed again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rdflib import Graph
from rdflib.compare import isomorphic

from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator
from tests.service.server import TOKEN

DATA = Path(__file__).resolve().parents[1] / "data"
ERRORS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "service" / "opportunities-errors.yaml").read_text(encoding="utf-8")
)
ACCEPTS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "service" / "opportunities-accept.yaml").read_text(encoding="utf-8")
)

# A record with every kind of field, written as the service writes it back: defaults given,
# lists in the writer's order (by id, else by date).
RECORD: dict[str, Any] = {
    "id": "T-RT1",
    "name": "Round trip",
    "account": "Tailspin",
    "kind": "consumption",
    "status": "open",
    "stage": 2,
    "stageHistory": [
        {"stage": 1, "enteredOn": "2026-09-01"},
        {"stage": 2, "enteredOn": "2026-10-01"},
    ],
    "owner": {"id": "u-ssp-9", "name": "Sam", "role": "SSP"},
    "ownerSince": "2026-10-01",
    "qualification": {"customerOutcomes": True, "budgetValidated": False},
    "milestones": [
        {
            "id": "MS-1",
            "name": "Pilot",
            "commitment": "uncommitted",
            "status": "On Track",
            "estDueDate": "2027-01-31",
            "estValue": 1500.5,
            "workloads": ["Azure SQL Database", "Microsoft Fabric"],
            "owner": {"id": "u-ssp-9", "role": "SSP"},
            "ownerSince": "2026-10-01",
        }
    ],
    "handoffs": [
        {
            "kind": "ATU-STU",
            "discussedOn": "2026-09-28",
            "participants": [{"id": "u-ae-9", "role": "AE"}, {"id": "u-ssp-9", "role": "SSP"}],
            "agreedMilestoneValue": 1500.5,
            "agreedDueDate": "2027-01-31",
        }
    ],
    "customerAligned": True,
}


def request(
    client: httpx.Client, case: dict[str, Any], token: str | None = TOKEN
) -> httpx.Response:
    """Send a case of the YAML files (keys described at the top of each file)."""
    headers: dict[str, str] = {}
    auth = case.get("auth", "token")
    if auth == "token" and token is not None:
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "wrong":
        headers["Authorization"] = "Bearer not-the-token"
    if case.get("accept"):
        headers["Accept"] = case["accept"]
    content: bytes | None = None
    if "json" in case:
        content = json.dumps(case["json"]).encode()
        headers["Content-Type"] = "application/json"
    elif "text" in case:
        content = case["text"].encode()
    elif "hex" in case:
        content = bytes.fromhex(case["hex"])
    if "content_type" in case:
        headers["Content-Type"] = case["content_type"]
    return client.request(case["method"], case["path"], content=content, headers=headers)


def check_problem(answer: httpx.Response, case: dict[str, Any]) -> None:
    assert answer.status_code == case["status"], answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    for fragment in case.get("detail", []):
        assert fragment in problem["detail"]
    for key, value in case.get("problem", {}).items():
        assert contains(problem[key], value), (key, problem[key])


def contains(found: Any, expected: Any) -> bool:
    """``expected`` is part of ``found`` (dict members, list items in order, equal values)."""
    if isinstance(expected, dict):
        return isinstance(found, dict) and all(
            k in found and contains(found[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(found, list) and all(
            contains(f, e) for f, e in zip(found, expected, strict=False)
        )
    return bool(found == expected)


@pytest.fixture
def cleanup(writer: httpx.Client) -> Iterator[list[str]]:
    """Ids to delete after the test, whatever it did."""
    ids: list[str] = []
    yield ids
    for opportunity in ids:
        writer.delete(f"/opportunities/{opportunity}")


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
def test_refused_requests(client: httpx.Client, case: dict[str, Any]) -> None:
    check_problem(request(client, case), case)
    for opportunity in case.get("absent", []):
        assert client.get(f"/opportunities/{opportunity}").status_code == 404


def test_put_get_delete_json(
    client: httpx.Client, writer: httpx.Client, cleanup: list[str]
) -> None:
    cleanup.append("T-RT1")
    created = writer.put("/opportunities/T-RT1", json=RECORD)
    assert created.status_code == 201
    assert created.json() == {"id": "T-RT1", "created": True}
    assert created.headers["location"] == "/opportunities/T-RT1"
    assert client.get("/opportunities/T-RT1").json() == RECORD
    assert writer.put("/opportunities/T-RT1", json=RECORD).status_code == 200
    assert writer.delete("/opportunities/T-RT1").status_code == 204
    assert client.get("/opportunities/T-RT1").status_code == 404


def test_defaults_the_contract_adds_come_back(
    client: httpx.Client, writer: httpx.Client, cleanup: list[str]
) -> None:
    cleanup.append("T-RT2")
    sent = {"id": "T-RT2", "stage": "Listen & Consult", "milestones": [{"id": "M"}]}
    assert writer.put("/opportunities/T-RT2", json=sent).status_code == 201
    assert client.get("/opportunities/T-RT2").json() == {
        "id": "T-RT2",
        "kind": "consumption",
        "status": "open",
        "stage": 1,
        "milestones": [{"id": "M", "commitment": "uncommitted"}],
    }


def test_put_turtle_get_json_and_turtle(
    client: httpx.Client,
    writer: httpx.Client,
    validator: OpportunityValidator,
    cleanup: list[str],
) -> None:
    record = {**copy.deepcopy(RECORD), "id": "T-RT3"}
    cleanup.append("T-RT3")
    graph = validator.reader.read([record], "test").graph
    turtle = graph.serialize(format="turtle")
    answer = writer.put(
        "/opportunities/T-RT3", content=turtle, headers={"Content-Type": "text/turtle"}
    )
    assert answer.status_code == 201, answer.text
    assert client.get("/opportunities/T-RT3").json() == record
    stored = client.get("/opportunities/T-RT3", headers={"Accept": "text/turtle"})
    assert stored.headers["content-type"].startswith("text/turtle")
    assert isomorphic(Graph().parse(data=stored.text, format="turtle"), graph)


@pytest.mark.parametrize("case", ACCEPTS, ids=[str(c["accept"]) for c in ACCEPTS])
def test_content_negotiation(client: httpx.Client, case: dict[str, Any]) -> None:
    headers = {"Accept": case["accept"]} if case["accept"] else {}
    answer = client.get("/opportunities/OPP-2001", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == case["answer"]
    if case["answer"] == "application/json":
        assert answer.json()["id"] == "OPP-2001"
    else:
        parsed = Graph().parse(data=answer.content, format=case["answer"])
        assert len(parsed) > 10


def test_bulk_post_csv(
    client: httpx.Client, writer: httpx.Client, settings: Settings, cleanup: list[str]
) -> None:
    csv = (DATA / "forms" / "pipeline.csv").read_text(encoding="utf-8").replace("7-OPP", "T-CSV")
    ids = sorted({line.split(",", 1)[0] for line in csv.splitlines()[1:]})
    cleanup.extend(ids)
    answer = writer.post("/opportunities", content=csv, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 201, answer.text
    assert sorted(answer.json()["ids"]) == sorted(answer.json()["created"]) == ids
    listed = client.get("/opportunities", params={"limit": 10_000}).json()["ids"]
    assert set(ids) <= set(listed)
    again = writer.post("/opportunities", content=csv, headers={"Content-Type": "text/csv"})
    assert (again.status_code, again.json()["created"]) == (200, [])


def test_bulk_post_json(client: httpx.Client, writer: httpx.Client, cleanup: list[str]) -> None:
    ids = [f"T-B{n}" for n in range(3)]
    cleanup.extend(ids)
    records = [{"id": opportunity, "stage": 1} for opportunity in ids]
    answer = writer.post("/opportunities", json={"opportunities": records})
    assert answer.status_code == 201
    assert answer.json()["ids"] == ["T-B0", "T-B1", "T-B2"]
    for opportunity in ids:
        assert client.get(f"/opportunities/{opportunity}").json()["stage"] == 1


def test_list_is_paginated(client: httpx.Client) -> None:
    everything = client.get("/opportunities", params={"limit": 10_000}).json()
    assert everything["total"] == len(everything["ids"]) >= 30
    assert everything["ids"] == sorted(everything["ids"])
    first = client.get("/opportunities", params={"limit": 5}).json()
    second = client.get("/opportunities", params={"offset": 5, "limit": 5}).json()
    assert first["ids"] + second["ids"] == everything["ids"][:10]
    assert (second["offset"], second["limit"], second["total"]) == (5, 5, everything["total"])


def test_guard_lets_a_conforming_record_through(
    client: httpx.Client, writer: httpx.Client, cleanup: list[str]
) -> None:
    cleanup.append("T-G1")
    record = {
        "id": "T-G1",
        "stage": 1,
        "owner": {"id": "u-1", "role": "AE"},
        "milestones": [{"id": "M", "estDueDate": "2030-01-31", "estValue": 1, "workloads": ["x"]}],
    }
    answer = writer.put("/opportunities/T-G1", params={"guard": "true"}, json=record)
    assert answer.status_code == 201, answer.text
    assert client.get("/opportunities/T-G1").status_code == 200


def test_openapi_documents_the_operations(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    put = paths["/opportunities/{id}"]["put"]
    assert put["summary"]
    assert {"text/turtle", "text/csv", "application/json"} <= set(put["requestBody"]["content"])
    listing = {p["name"]: p for p in paths["/opportunities"]["get"]["parameters"]}
    assert listing["limit"]["schema"]["type"] == "integer"
    assert listing["offset"]["description"]
