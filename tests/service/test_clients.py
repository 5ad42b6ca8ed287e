"""Real SPARQL clients against the running endpoint: SPARQLWrapper, and rdflib's
``SPARQLStore`` and ``SPARQLUpdateStore``. What they send (their parameters, Accept headers,
``format=`` values) is theirs, not ours: the endpoint has to understand it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.dom.minidom import Document

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, JSONLD, TURTLE, XML, SPARQLWrapper

from tests.service.server import TOKEN

MCEM = rdflib.Namespace("https://w3id.org/mcem-kg/ontology#")
STAGES = f"""PREFIX mcem: <{MCEM}>
SELECT ?stage ?number WHERE {{ ?stage a mcem:Stage ; mcem:stageNumber ?number }}
ORDER BY ?number"""
GRAPH = rdflib.URIRef("urn:test:clients")


@pytest.fixture
def endpoint(base_url: str) -> str:
    return f"{base_url}/sparql"


def wrapper(endpoint: str, query: str, fmt: str) -> Any:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client.query().convert()


def test_sparqlwrapper_select_as_json(endpoint: str) -> None:
    result = wrapper(endpoint, STAGES, JSON)
    numbers = [int(b["number"]["value"]) for b in result["results"]["bindings"]]
    assert numbers == [1, 2, 3, 4, 5]


def test_sparqlwrapper_select_as_xml(endpoint: str) -> None:
    document = wrapper(endpoint, STAGES, XML)
    assert isinstance(document, Document)
    assert len(document.getElementsByTagName("result")) == 5


def test_sparqlwrapper_ask(endpoint: str) -> None:
    result = wrapper(endpoint, f"ASK {{ ?s a <{MCEM}Stage> }}", JSON)
    assert result["boolean"] is True


def test_sparqlwrapper_construct_as_turtle(endpoint: str) -> None:
    query = f"CONSTRUCT {{ ?s a <{MCEM}Stage> }} WHERE {{ ?s a <{MCEM}Stage> }}"
    body = wrapper(endpoint, query, TURTLE)
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert len(set(graph.subjects(rdflib.RDF.type, MCEM.Stage))) == 5


def test_sparqlwrapper_construct_as_json_ld(endpoint: str) -> None:
    """SPARQLWrapper sends ``format=application/ld+json,application/x-json+ld``."""
    query = f"CONSTRUCT {{ ?s a <{MCEM}Stage> }} WHERE {{ ?s a <{MCEM}Stage> }}"
    graph = wrapper(endpoint, query, JSONLD)
    assert isinstance(graph, rdflib.Graph)
    assert len(set(graph.subjects(rdflib.RDF.type, MCEM.Stage))) == 5


def test_sparqlwrapper_construct_by_default_is_rdf_xml(endpoint: str) -> None:
    """SPARQLWrapper's default for CONSTRUCT sends ``format=xml``, meaning RDF/XML."""
    graph = wrapper(endpoint, f"CONSTRUCT WHERE {{ ?s a <{MCEM}Stage> }}", XML)
    assert isinstance(graph, rdflib.Graph)
    assert len(graph) == 5


def test_sparqlstore_answers_select_and_triple_patterns(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=endpoint))
    rows = list(graph.query(STAGES))
    assert [int(row.number) for row in rows] == [1, 2, 3, 4, 5]  # type: ignore[union-attr]
    stages = set(graph.subjects(rdflib.RDF.type, MCEM.Stage))
    assert len(stages) == 5
    first = rdflib.URIRef("https://w3id.org/mcem-kg/id/stage/listen-consult")
    assert (first, MCEM.stageNumber, rdflib.Literal(1)) in graph


@pytest.fixture
def scratch(base_url: str) -> Iterator[rdflib.URIRef]:
    yield GRAPH
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        http.delete("/graph-store", params={"graph": str(GRAPH)})


def test_sparqlupdatestore_writes_with_the_token(endpoint: str, scratch: rdflib.URIRef) -> None:
    store = SPARQLUpdateStore(
        query_endpoint=endpoint,
        update_endpoint=endpoint,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    graph = rdflib.Graph(store=store, identifier=scratch)
    triple = (rdflib.URIRef("urn:test:s"), rdflib.URIRef("urn:test:p"), rdflib.Literal("o"))
    graph.add(triple)
    assert triple in graph
    assert len(graph) == 1
    graph.remove(triple)
    assert triple not in graph


def test_sparqlupdatestore_without_the_token_is_refused(endpoint: str) -> None:
    graph = rdflib.Graph(
        store=SPARQLUpdateStore(query_endpoint=endpoint, update_endpoint=endpoint),
        identifier=GRAPH,
    )
    with pytest.raises(OSError, match="401"):
        graph.add((rdflib.URIRef("urn:test:s"), rdflib.URIRef("urn:test:p"), rdflib.Literal(1)))
