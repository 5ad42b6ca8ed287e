"""The Graph Store HTTP Protocol over real HTTP: round trips in every RDF media type
(tests/data/service/graph-store-bodies.yaml), status codes, the token, and bad requests
(tests/data/service/graph-store-errors.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "service"
BODIES: list[dict[str, Any]] = yaml.safe_load((DATA / "graph-store-bodies.yaml").read_text())
ERRORS: list[dict[str, Any]] = yaml.safe_load((DATA / "graph-store-errors.yaml").read_text())
PREFIX = "urn:test:graph-store:"
READ_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
NT = "application/n-triples"
EXTRA = b'<urn:test:ex#extra> <urn:test:ex#label> "added" .\n'


def parsed(body: bytes, media_type: str) -> set[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    return {q.triple for q in ox.parse(body, format=fmt)}


def read(client: httpx.Client, graph: str, media_type: str = NT) -> set[ox.Triple]:
    answer = client.get("/graph-store", params={"graph": graph}, headers={"Accept": media_type})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].split(";")[0] == media_type
    return parsed(answer.content, media_type)


@pytest.fixture
def graph(writer: httpx.Client, request: pytest.FixtureRequest) -> Iterator[str]:
    """A graph IRI of the test's own, deleted afterwards."""
    name = PREFIX + re.sub(r"[^A-Za-z0-9_]+", "-", request.node.name).strip("-")
    yield name
    writer.delete("/graph-store", params={"graph": name})


@pytest.mark.parametrize("case", BODIES, ids=[case["name"] for case in BODIES])
def test_round_trip(
    client: httpx.Client, writer: httpx.Client, graph: str, case: dict[str, Any]
) -> None:
    headers = {"Content-Type": case["contentType"]}
    expected = parsed(case["triples"].replace("{graph}", graph).encode(), NT)
    body = case["body"].encode()

    created = writer.put("/graph-store", params={"graph": graph}, content=body, headers=headers)
    assert created.status_code == 201, created.text
    assert read(client, graph) == expected
    for media_type in READ_TYPES:
        assert read(client, graph, media_type) == expected

    replaced = writer.put("/graph-store", params={"graph": graph}, content=body, headers=headers)
    assert replaced.status_code == 204, replaced.text
    assert read(client, graph) == expected

    added = writer.post(
        "/graph-store", params={"graph": graph}, content=EXTRA, headers={"Content-Type": NT}
    )
    assert added.status_code == 204, added.text
    assert read(client, graph) == expected | parsed(EXTRA, NT)

    deleted = writer.delete("/graph-store", params={"graph": graph})
    assert deleted.status_code == 204, deleted.text
    assert client.get("/graph-store", params={"graph": graph}).status_code == 404
    assert writer.delete("/graph-store", params={"graph": graph}).status_code == 404


def test_post_creates_a_missing_graph(
    client: httpx.Client, writer: httpx.Client, graph: str
) -> None:
    answer = writer.post(
        "/graph-store", params={"graph": graph}, content=EXTRA, headers={"Content-Type": NT}
    )
    assert answer.status_code == 201, answer.text
    assert read(client, graph) == parsed(EXTRA, NT)


def test_put_replaces(client: httpx.Client, writer: httpx.Client, graph: str) -> None:
    first = b"<urn:test:a> <urn:test:p> 1 .\n"
    writer.put("/graph-store", params={"graph": graph}, content=first, headers={"Content-Type": NT})
    writer.put("/graph-store", params={"graph": graph}, content=EXTRA, headers={"Content-Type": NT})
    assert read(client, graph) == parsed(EXTRA, NT)


def test_a_graph_written_is_seen_by_queries(
    client: httpx.Client, writer: httpx.Client, graph: str
) -> None:
    writer.put("/graph-store", params={"graph": graph}, content=EXTRA, headers={"Content-Type": NT})
    query = f'ASK {{ GRAPH <{graph}> {{ ?s ?p "added" }} }}'
    answer = client.get("/sparql", params={"query": query})
    assert answer.json()["boolean"] is True


def test_reads_need_no_token_and_negotiate(client: httpx.Client) -> None:
    methodology = "https://w3id.org/mcem-kg/graph/methodology"
    answer = client.get("/graph-store", params={"graph": methodology})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/turtle")
    assert answer.headers["vary"] == "Accept"
    head = client.head("/graph-store", params={"graph": methodology})
    assert head.status_code == 200
    assert head.content == b""
    assert client.get("/graph-store?default").status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403)],
    ids=["no token", "wrong token"],
)
@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_writes_need_the_token(
    client: httpx.Client, graph: str, method: str, headers: dict[str, str], status: int
) -> None:
    answer = client.request(
        method,
        "/graph-store",
        params={"graph": graph},
        content=EXTRA if method != "DELETE" else None,
        headers={**headers, "Content-Type": NT},
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/graph-store", params={"graph": graph}).status_code == 404


@pytest.mark.parametrize("case", ERRORS, ids=[case["name"] for case in ERRORS])
def test_bad_requests_are_4xx_problems(writer: httpx.Client, case: dict[str, Any]) -> None:
    headers = {"Accept": case["accept"]} if "accept" in case else {}
    if "contentType" in case:
        headers["Content-Type"] = case["contentType"]
    body = case["body"].encode() if "body" in case else None
    url = f"/graph-store?{case['query']}" if case["query"] else "/graph-store"
    answer = writer.request(case["method"], url, content=body, headers=headers)
    assert answer.status_code == case["status"], answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert case.get("detail", "") in problem["detail"]
    assert problem.get("parameter") == case.get("parameter")
    assert writer.get("/graph-store", params={"graph": PREFIX + "never"}).status_code == 404
