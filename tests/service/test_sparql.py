"""The SPARQL 1.1 Protocol endpoint over real HTTP: every query form in every media type of
its kind, the three ways to send a query, the protocol dataset, updates and their token, the
service description, bad requests (tests/data/service/sparql-*.yaml) and the timeout."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import yaml

from mcem_kg.service.state import Service
from mcem_kg.settings import Settings
from tests.service.server import TOKEN, threaded_server

DATA = Path(__file__).resolve().parents[1] / "data" / "service"
ANSWERS: dict[str, Any] = yaml.safe_load((DATA / "sparql-answers.yaml").read_text())
ERRORS: list[dict[str, Any]] = yaml.safe_load((DATA / "sparql-errors.yaml").read_text())
QUERIES = {query["name"]: query for query in ANSWERS["queries"]}

MCEM = "https://w3id.org/mcem-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
GRAPHS = "https://w3id.org/mcem-kg/graph/"
METHODOLOGY = GRAPHS + "methodology"
SCRATCH = "urn:test:sparql-update"

MATRIX = [
    pytest.param(query, media, id=f"{query['name']}-{media}")
    for query in ANSWERS["queries"]
    for media in ANSWERS["mediaTypes"][query["kind"]]
]


def media_type(answer: httpx.Response) -> str:
    return answer.headers["content-type"].split(";")[0].strip()


def solutions(answer: httpx.Response) -> list[dict[str, str]]:
    """A SELECT answer in any results format as rows of term values (IRIs without <>)."""
    if media_type(answer) == "text/csv":
        return list(csv.DictReader(io.StringIO(answer.text)))
    fmt = ox.QueryResultsFormat.from_media_type(media_type(answer))
    assert fmt is not None
    parsed = ox.parse_query_results(answer.content, format=fmt)
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in parsed]


def boolean(answer: httpx.Response) -> bool:
    if media_type(answer) == "text/csv":
        return answer.text.strip() == "true"
    fmt = ox.QueryResultsFormat.from_media_type(media_type(answer))
    assert fmt is not None
    parsed = ox.parse_query_results(answer.content, format=fmt)
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


def triples(answer: httpx.Response) -> list[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(media_type(answer))
    assert fmt is not None
    return [q.triple for q in ox.parse(answer.content, format=fmt)]


def stage_count(answer: httpx.Response, kind: str) -> int:
    if kind == "solutions":
        return len({row["stage"] for row in solutions(answer)})
    return len(
        {
            t.subject
            for t in triples(answer)
            if t.predicate.value == RDF_TYPE and t.object == ox.NamedNode(MCEM + "Stage")
        }
    )


def count(client: httpx.Client, **params: str | list[str]) -> int:
    """``?n`` of a counting query, sent by GET."""
    answer = client.get("/sparql", params=params)
    assert answer.status_code == 200, answer.text
    return int(solutions(answer)[0]["n"])


# --- every query form in every media type -----------------------------------------------


@pytest.mark.parametrize(("query", "media"), MATRIX)
def test_each_form_in_each_media_type(
    client: httpx.Client, query: dict[str, Any], media: str
) -> None:
    answer = client.get("/sparql", params={"query": query["query"]}, headers={"Accept": media})
    assert answer.status_code == 200, answer.text
    assert media_type(answer) == media
    assert answer.headers["vary"] == "Accept"
    if query["kind"] == "boolean":
        assert boolean(answer) is query["boolean"]
    else:
        assert stage_count(answer, query["kind"]) == query["stages"]


@pytest.mark.parametrize(
    ("name", "fmt", "media"),
    [
        ("select-stages", "json", "application/sparql-results+json"),
        ("select-stages", "xml", "application/sparql-results+xml"),
        ("select-stages", "tsv", "text/tab-separated-values"),
        ("construct-stages", "json", "application/ld+json"),
        ("construct-stages", "xml", "application/rdf+xml"),
        ("construct-stages", "nt", "application/n-triples"),
        ("construct-stages", "rdfxml", "application/rdf+xml"),
        ("construct-stages", "text/turtle", "text/turtle"),
    ],
)
def test_format_parameter_overrides_accept(
    client: httpx.Client, name: str, fmt: str, media: str
) -> None:
    answer = client.get(
        "/sparql",
        params={"query": QUERIES[name]["query"], "format": fmt},
        headers={"Accept": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert media_type(answer) == media


def test_no_accept_header_gives_each_kinds_default(client: httpx.Client) -> None:
    for name, media in [
        ("select-stages", "application/sparql-results+json"),
        ("ask-stage", "application/sparql-results+json"),
        ("construct-stages", "text/turtle"),
    ]:
        answer = client.get("/sparql", params={"query": QUERIES[name]["query"]})
        assert media_type(answer) == media


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_get_form_and_direct_post_answer_alike(client: httpx.Client, name: str) -> None:
    text = QUERIES[name]["query"]
    by_get = client.get("/sparql", params={"query": text})
    by_form = client.post("/sparql", data={"query": text})
    by_body = client.post(
        "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    for answer in (by_get, by_form, by_body):
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == by_get.headers["content-type"]
    if QUERIES[name]["kind"] == "graph":
        assert set(triples(by_form)) == set(triples(by_body)) == set(triples(by_get))
    else:
        assert by_form.content == by_body.content == by_get.content


# --- the dataset --------------------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
OPPORTUNITY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    f"ASK {{ ?o a/rdfs:subClassOf* <{MCEM}Opportunity> }}"
)


def test_default_graph_uri_restricts_the_default_graph(client: httpx.Client) -> None:
    union = count(client, query=COUNT)
    asserted = count(client, query=COUNT, **{"default-graph-uri": METHODOLOGY})
    with_closure = count(
        client, query=COUNT, **{"default-graph-uri": [METHODOLOGY, GRAPHS + "inferred"]}
    )
    stored = client.get(
        "/graph-store", params={"graph": METHODOLOGY}, headers={"Accept": "application/n-triples"}
    )
    assert asserted == len(stored.text.splitlines())
    assert asserted < with_closure < union
    assert boolean(client.get("/sparql", params={"query": OPPORTUNITY})) is True
    only = client.get("/sparql", params={"query": OPPORTUNITY, "default-graph-uri": METHODOLOGY})
    assert boolean(only) is False


def test_default_graph_uri_overrides_from(client: httpx.Client) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS}shapes> WHERE {{ ?s ?p ?o }}"
    assert count(client, query=query, **{"default-graph-uri": METHODOLOGY}) == count(
        client, query=COUNT, **{"default-graph-uri": METHODOLOGY}
    )


def test_named_graph_uri_limits_the_named_graphs(client: httpx.Client) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    every = {row["g"] for row in solutions(client.get("/sparql", params={"query": query}))}
    assert {METHODOLOGY, GRAPHS + "inferred", GRAPHS + "shapes"} < every
    chosen = [METHODOLOGY, GRAPHS + "shapes"]
    for answer in (
        client.get("/sparql", params={"query": query, "named-graph-uri": chosen}),
        client.post("/sparql", data={"query": query, "named-graph-uri": chosen}),
    ):
        assert {row["g"] for row in solutions(answer)} == set(chosen)


# --- bad requests -------------------------------------------------------------------------


def send(client: httpx.Client, case: dict[str, Any]) -> httpx.Response:
    """The request a case of tests/data/service/sparql-errors.yaml describes."""
    headers = {"Accept": case["accept"]} if "accept" in case else {}
    content: bytes | None = None
    if "form" in case:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        content = urlencode(case["form"], doseq=True).encode()
    elif "body" in case:
        content = case["body"].encode(case.get("encoding", "utf-8"))
        if "contentType" in case:
            headers["Content-Type"] = case["contentType"]
    return client.request(
        case.get("method", "GET"),
        "/sparql",
        params=case.get("params"),
        content=content,
        headers=headers,
    )


@pytest.mark.parametrize("case", ERRORS, ids=[case["name"] for case in ERRORS])
def test_bad_requests_are_4xx_problems(client: httpx.Client, case: dict[str, Any]) -> None:
    answer = send(client, case)
    assert answer.status_code == case["status"], answer.text
    assert media_type(answer) == "application/problem+json"
    problem = answer.json()
    assert case.get("detail", "") in problem["detail"]
    assert problem.get("parameter") == case.get("parameter")


# --- updates ------------------------------------------------------------------------------

INSERT = f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <urn:test:s> <urn:test:p> "o" }} }}'
ASK_SCRATCH = f'ASK {{ GRAPH <{SCRATCH}> {{ <urn:test:s> <urn:test:p> "o" }} }}'
UPDATE_BODY = {"Content-Type": "application/sparql-update"}


@pytest.fixture
def scratch(writer: httpx.Client) -> Iterator[str]:
    """The test's own graph, dropped afterwards whatever happened."""
    yield SCRATCH
    writer.post("/sparql", data={"update": f"DROP SILENT GRAPH <{SCRATCH}>"})


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": TOKEN}, 401)],
    ids=["no token", "wrong token", "not bearer"],
)
def test_updates_need_the_token(
    client: httpx.Client, scratch: str, headers: dict[str, str], status: int
) -> None:
    for answer in (
        client.post("/sparql", content=INSERT.encode(), headers={**UPDATE_BODY, **headers}),
        client.post("/sparql", data={"update": INSERT}, headers=headers),
    ):
        assert answer.status_code == status, answer.text
        assert media_type(answer) == "application/problem+json"
    assert boolean(client.get("/sparql", params={"query": ASK_SCRATCH})) is False


def test_updates_with_the_token_are_visible(
    client: httpx.Client, writer: httpx.Client, scratch: str
) -> None:
    answer = writer.post("/sparql", content=INSERT.encode(), headers=UPDATE_BODY)
    assert answer.status_code == 204, answer.text
    assert boolean(client.get("/sparql", params={"query": ASK_SCRATCH})) is True
    answer = writer.post("/sparql", data={"update": f"DROP GRAPH <{scratch}>"})
    assert answer.status_code == 204, answer.text
    assert boolean(client.get("/sparql", params={"query": ASK_SCRATCH})) is False


def test_update_syntax_error_is_400_with_the_parsers_message(writer: httpx.Client) -> None:
    answer = writer.post("/sparql", content=b"INSERT DATA { <urn:a> }", headers=UPDATE_BODY)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("the update does not parse: error at 1:")


# --- the service description --------------------------------------------------------------


@pytest.mark.parametrize(
    "media", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_plain_get_is_the_service_description(
    client: httpx.Client, base_url: str, media: str
) -> None:
    answer = client.get("/sparql", headers={"Accept": media})
    assert answer.status_code == 200, answer.text
    assert media_type(answer) == media
    assert answer.headers["vary"] == "Accept"
    graph = rdflib.Graph().parse(data=answer.content, format=media)
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef(f"{base_url}/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {
        SD.SPARQL11Query,
        SD.SPARQL11Update,
    }
    assert SD.UnionDefaultGraph in set(graph.objects(service, SD.feature))
    formats = {str(f) for f in graph.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    names = set(graph.objects(predicate=SD.name))
    assert rdflib.URIRef(METHODOLOGY) in names


def test_service_description_by_format(client: httpx.Client) -> None:
    answer = client.get("/sparql", params={"format": "nt"})
    assert media_type(answer) == "application/n-triples"
    assert client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


def test_openapi_documents_the_operations(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    get, post = paths["/sparql"]["get"], paths["/sparql"]["post"]
    assert get["summary"]
    assert post["summary"]
    assert {p["name"] for p in get["parameters"]} >= {
        "query",
        "default-graph-uri",
        "named-graph-uri",
        "format",
    }
    assert set(post["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
        "application/sparql-update",
    }


# --- the timeout --------------------------------------------------------------------------

# About 60 million solutions to count: several seconds in Oxigraph, well past the 1 s allowed
# (finite, so that a store that cannot stop it still answers in the end).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . VALUES ?k { 1 2 3 } }"


def test_a_query_past_the_timeout_is_503(
    loaded_service: Service, service_settings: Settings, tmp_path: Path
) -> None:
    settings = replace(service_settings, query_timeout=1.0, store_dir=tmp_path / "store")
    service = loaded_service.configured(settings)
    with threaded_server(settings, service) as base, httpx.Client(base_url=base) as http:
        answer = http.get("/sparql", params={"query": SLOW}, timeout=120)
        assert answer.status_code == 503, answer.text[:200]
        assert "timeout of 1 s" in answer.json()["detail"]
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# Updates that would touch the graphs written from ontology/ and shapes/ at every start.
PROTECTED = [
    f"INSERT DATA {{ GRAPH <{METHODOLOGY}> {{ <urn:a> <urn:b> 1 }} }}",
    f"PREFIX g: <{GRAPHS}> DROP GRAPH g:shapes",
    "CLEAR ALL",
    "DROP SILENT NAMED",
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"COPY <urn:test:x> TO <{GRAPHS}inferred>",
]


@pytest.mark.parametrize("update", PROTECTED)
def test_updates_to_the_service_graphs_are_refused(writer: httpx.Client, update: str) -> None:
    before = writer.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    answer = writer.post("/sparql", data={"update": update})
    assert answer.status_code == 403, answer.text
    after = writer.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert after.json() == before.json()


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_graph_store_writes_to_the_service_graphs_are_refused(
    writer: httpx.Client, method: str
) -> None:
    answer = writer.request(
        method,
        "/graph-store",
        params={"graph": METHODOLOGY},
        content=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Content-Type": "text/turtle"},
    )
    assert answer.status_code == 403
    assert "ontology/ and shapes/" in answer.json()["detail"]
