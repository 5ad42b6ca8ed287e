"""Caching SPARQL work per text changes no answer and lets no invalid constraint through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyshacl.errors import ValidationFailure
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, Literal, URIRef

from mcem_kg import sparql_cache
from mcem_kg.graph import KnowledgeGraph
from tests.helpers import as_rows


@pytest.fixture
def installed() -> Iterator[None]:
    sparql_cache.install()
    yield
    sparql_cache.install()  # the validator fixtures expect it


@pytest.mark.parametrize("name", ["stage-accountability", "handoffs", "glossary", "roles"])
def test_named_queries_give_the_same_rows_with_and_without_the_cache(
    kg: KnowledgeGraph, installed: None, name: str
) -> None:
    text = kg.queries.get(name).text
    sparql_cache.uninstall()
    stock = [as_rows(kg.methodology.dataset.query(text, initBindings={})) for _ in range(2)]
    sparql_cache.install()
    cached = [as_rows(kg.methodology.dataset.query(text, initBindings={})) for _ in range(2)]
    assert stock[0] == stock[1] == cached[0] == cached[1]
    assert stock[0]


def test_a_prepared_query_is_reused_with_other_bindings(installed: None) -> None:
    graph = Graph()
    graph.add((URIRef("urn:a"), URIRef("urn:p"), Literal(1)))
    graph.add((URIRef("urn:b"), URIRef("urn:p"), Literal(2)))
    text = "SELECT ?v WHERE { ?s <urn:p> ?v }"
    first = as_rows(graph.query(text, initBindings={"s": URIRef("urn:a")}))
    second = as_rows(graph.query(text, initBindings={"s": URIRef("urn:b")}))
    assert (first, second) == ([{"v": "1"}], [{"v": "2"}])


@pytest.mark.parametrize("clause", ["MINUS { $this ?p ?o }", "VALUES ?x { 1 }"])
def test_a_forbidden_constraint_text_is_refused_every_time(installed: None, clause: str) -> None:
    text = f"SELECT $this WHERE {{ $this ?p ?o . {clause} }}"
    helper = SPARQLQueryHelper.__new__(SPARQLQueryHelper)
    for _ in range(2):
        with pytest.raises(ValidationFailure):
            SPARQLQueryHelper.check_invalid_sparql(helper, text)  # type: ignore[no-untyped-call]
