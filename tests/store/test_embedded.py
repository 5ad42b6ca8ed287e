"""The store contract, on the embedded store and through the process store alike.

The ``store`` fixture runs every test on each kind (see ``conftest.py``): what the service
relies on must not depend on which store it has. What only the process store does (timeouts,
restarts) is in ``test_process.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcem_kg.errors import (
    InvalidInputError,
    NotAcceptableError,
    NotFoundError,
    QuerySyntaxError,
    ResultTooLargeError,
)
from mcem_kg.media import OFFERS, RDF_INPUTS, AnswerKind, MediaType
from mcem_kg.store import Dataset, Store
from tests.store.stores import (
    EX,
    G1,
    G2,
    G3,
    NT,
    P,
    boolean,
    column,
    many,
    ntriples,
    open_kind,
    triples,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
SAMPLE = [
    ox.Triple(ox.NamedNode(f"{EX}a"), ox.NamedNode(P), ox.Literal("Alpha", language="en")),
    ox.Triple(
        ox.NamedNode(f"{EX}a"),
        ox.NamedNode(f"{EX}n"),
        ox.Literal("7", datatype=ox.NamedNode(f"{XSD}integer")),
    ),
    ox.Triple(ox.NamedNode(f"{EX}a"), ox.NamedNode(f"{EX}next"), ox.NamedNode(f"{EX}b")),
    ox.Triple(ox.NamedNode(f"{EX}b"), ox.NamedNode(P), ox.Literal('say "β"\n')),
]
A = ntriples([(f"{EX}a", P, '"a"')])
B = ntriples([(f"{EX}b", P, '"b"')])
C = ntriples([(f"{EX}c", P, '"c"')])

QUERIES = {
    AnswerKind.SOLUTIONS: f"SELECT ?s WHERE {{ ?s <{P}> ?o }}",
    AnswerKind.BOOLEAN: f"ASK {{ <{EX}a> <{P}> ?o }}",
    AnswerKind.GRAPH: f"CONSTRUCT WHERE {{ ?s <{P}> ?o }}",
}
ANSWER_TYPES = [(kind, media) for kind, row in OFFERS.items() for media in row]


def subjects(
    store: Store,
    sparql: str = QUERIES[AnswerKind.SOLUTIONS],
    *,
    dataset: Dataset | None = None,
    bindings: dict[str, str] | None = None,
) -> set[str]:
    """The values of ``?s`` in the answer to ``sparql``."""
    answer = store.query(sparql, dataset=dataset, bindings=bindings)
    return column(answer.body, answer.media_type, "s")


def graph_of(store: Store, graph: str | None) -> set[ox.Triple]:
    answer = store.read_graph(graph, accept=NT)
    return triples(answer.body, answer.media_type)


def ntriples_of(rows: list[ox.Triple]) -> bytes:
    body = ox.serialize(rows, format=ox.RdfFormat.N_TRIPLES)
    assert body is not None
    return body


# --- graphs -------------------------------------------------------------------------------


@pytest.mark.parametrize("media_type", RDF_INPUTS)
def test_a_graph_written_in_each_input_type_reads_back_the_same(
    store: Store, media_type: str
) -> None:
    body = ox.serialize(SAMPLE, format=RDF_INPUTS[media_type])
    assert body is not None
    assert store.write_graph(G1, body, media_type, replace=True) is True
    assert graph_of(store, G1) == set(SAMPLE)


@pytest.mark.parametrize("media", OFFERS[AnswerKind.GRAPH], ids=lambda m: m.name)
def test_a_graph_reads_in_each_offered_type(store: Store, media: MediaType) -> None:
    store.write_graph(G1, ntriples_of(SAMPLE), NT, replace=True)
    answer = store.read_graph(G1, accept=media.media_type)
    assert (answer.kind, answer.media_type) == (AnswerKind.GRAPH, media.media_type)
    assert triples(answer.body, answer.media_type) == set(SAMPLE)


def test_write_graph_adds_or_replaces_and_says_whether_it_created(store: Store) -> None:
    assert store.write_graph(G1, A, NT, replace=False) is True
    assert store.write_graph(G1, B, NT, replace=False) is False
    assert graph_of(store, G1) == triples(A + B)
    assert store.write_graph(G1, C, NT, replace=True) is False
    assert graph_of(store, G1) == triples(C)


def test_the_default_graph_is_written_read_and_emptied(store: Store) -> None:
    assert store.write_graph(None, A, NT, replace=False) is False
    store.write_graph(G1, B, NT, replace=True)
    assert graph_of(store, None) == triples(A)
    store.delete_graph(None)
    assert graph_of(store, None) == set()
    assert graph_of(store, G1) == triples(B)


@pytest.mark.parametrize(
    ("body", "media_type"),
    [(b"<urn:ex:a> <urn:ex:p> .", NT), (b"@prefix : <", "text/turtle"), (A, "text/html")],
    ids=["bad-ntriples", "bad-turtle", "not-rdf"],
)
def test_an_unusable_body_is_invalid_input_and_writes_nothing(
    store: Store, body: bytes, media_type: str
) -> None:
    with pytest.raises(InvalidInputError):
        store.write_graph(G1, body, media_type, replace=True)
    assert not store.has_graph(G1)


def test_replace_graphs_replaces_creates_and_deletes_in_one_step(store: Store) -> None:
    store.replace_graphs({G1: A, G2: B})
    store.replace_graphs({G1: C, G3: A}, delete=[G2])
    assert store.named_graphs() == [G1, G3]
    assert graph_of(store, G1) == triples(C)
    assert graph_of(store, G3) == triples(A)


@pytest.mark.parametrize(
    ("graphs", "delete"),
    [
        ({G2: C, "not an IRI": A}, []),
        ({G2: C, G3: b"<urn:ex:a> <urn:ex:p> ."}, []),
        ({G2: C}, ["not an IRI"]),
    ],
    ids=["invalid-graph-iri", "invalid-body", "invalid-deleted-iri"],
)
def test_replace_graphs_writes_nothing_if_a_part_fails(
    store: Store, graphs: dict[str, bytes], delete: list[str]
) -> None:
    store.replace_graphs({G1: A, G2: B})
    with pytest.raises(InvalidInputError):
        store.replace_graphs(graphs, delete=delete)
    assert store.named_graphs() == [G1, G2]
    assert graph_of(store, G2) == triples(B)


@pytest.mark.parametrize(
    "call",
    [lambda s: s.delete_graph(G3), lambda s: s.read_graph(G3)],
    ids=["delete", "read"],
)
def test_an_unknown_graph_is_not_found(store: Store, call: Callable[[Store], object]) -> None:
    store.write_graph(G1, A, NT, replace=True)
    with pytest.raises(NotFoundError, match=G3):
        call(store)


def test_graphs_are_listed_by_prefix_and_counted(store: Store) -> None:
    store.replace_graphs({G2: A, G1: B + C, "urn:other:g": A})
    assert store.named_graphs("https://example.org/") == [G1, G2]
    assert store.has_graph(G2)
    assert not store.has_graph(G3)
    assert store.triple_count() == 4
    store.ping()


# --- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer_kind", "media"), ANSWER_TYPES, ids=[f"{k}-{m.name}" for k, m in ANSWER_TYPES]
)
@pytest.mark.parametrize("by", ["accept", "format_name"])
def test_a_query_answers_in_each_type_offered_for_its_kind(
    store: Store, answer_kind: AnswerKind, media: MediaType, by: str
) -> None:
    store.write_graph(G1, A + B, NT, replace=True)
    if by == "accept":
        answer = store.query(QUERIES[answer_kind], accept=f"{media.media_type}, */*;q=0.1")
    else:
        answer = store.query(QUERIES[answer_kind], format_name=media.name)
    assert (answer.kind, answer.media_type) == (answer_kind, media.media_type)
    if answer_kind is AnswerKind.SOLUTIONS:
        assert column(answer.body, answer.media_type, "s") == {f"{EX}a", f"{EX}b"}
    elif answer_kind is AnswerKind.BOOLEAN:
        assert boolean(answer.body, answer.media_type) is True
    else:
        assert triples(answer.body, answer.media_type) == triples(A + B)


@pytest.mark.parametrize("answer_kind", list(AnswerKind))
def test_a_query_without_accept_answers_in_the_first_offer(
    store: Store, answer_kind: AnswerKind
) -> None:
    assert store.query(QUERIES[answer_kind]).media_type == OFFERS[answer_kind][0].media_type


@pytest.mark.parametrize(
    ("answer_kind", "accept"),
    [(AnswerKind.SOLUTIONS, "text/turtle"), (AnswerKind.GRAPH, "application/sparql-results+json")],
)
def test_a_query_with_no_acceptable_type_is_not_acceptable(
    store: Store, answer_kind: AnswerKind, accept: str
) -> None:
    with pytest.raises(NotAcceptableError):
        store.query(QUERIES[answer_kind], accept=accept)


def test_bindings_replace_variables(store: Store) -> None:
    store.write_graph(G1, A + B, NT, replace=True)
    query = f"SELECT ?s ?o WHERE {{ ?s <{P}> ?o }}"
    assert subjects(store, query, bindings={"o": '"b"'}) == {f"{EX}b"}
    with pytest.raises(InvalidInputError):
        store.query(query, bindings={"o": "not a term"})


def test_the_dataset_restricts_the_default_and_named_graphs(store: Store) -> None:
    store.replace_graphs({G1: A, G2: B, G3: C})
    assert subjects(store) == {f"{EX}a", f"{EX}b", f"{EX}c"}
    assert subjects(store, dataset=Dataset(default_graphs=[G1, G3])) == {f"{EX}a", f"{EX}c"}
    in_graphs = "SELECT ?s WHERE { GRAPH ?g { ?g0 ?p ?o } BIND(?g AS ?s) }"
    assert subjects(store, in_graphs) == {G1, G2, G3}
    assert subjects(store, in_graphs, dataset=Dataset(named_graphs=[G2])) == {G2}


def test_an_answer_over_the_limit_is_stopped(store: Store) -> None:
    store.write_graph(G1, many(200), NT, replace=True)
    query = "SELECT * WHERE { ?s ?p ?o }"
    with pytest.raises(ResultTooLargeError, match="limit of 1000 bytes"):
        store.query(query, limit=1000)
    assert len(store.query(query, limit=1 << 20).body) > 1000


@pytest.mark.parametrize(
    "call",
    [lambda s: s.query("SELECT ?s WHERE { ?s"), lambda s: s.update("INSERT DATA { <urn:a> }")],
    ids=["query", "update"],
)
def test_a_request_that_does_not_parse_is_a_syntax_error(
    store: Store, call: Callable[[Store], object]
) -> None:
    with pytest.raises(QuerySyntaxError, match="does not parse"):
        call(store)


def test_an_update_is_applied(store: Store) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{P}> "a" }} }}')
    assert graph_of(store, G1) == triples(A)
    store.update(f"DELETE WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert graph_of(store, G1) == set()


def test_data_survives_close_and_reopen(kind: str, tmp_path: Path) -> None:
    store = open_kind(kind, tmp_path / "store")
    store.replace_graphs({G1: many(50), G2: B})
    store.write_graph(None, A, NT, replace=True)
    store.close()
    store.close()
    reopened = open_kind(kind, tmp_path / "store")
    try:
        assert reopened.named_graphs() == [G1, G2]
        assert graph_of(reopened, G1) == triples(many(50))
        assert graph_of(reopened, None) == triples(A)
    finally:
        reopened.close()
