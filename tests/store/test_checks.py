"""What the store reads from a text before running it: a query's own FROM / FROM NAMED is
its dataset (without one, the default graph is the union of all graphs: SPARQL 1.1 §13.2);
SERVICE and LOAD are refused, as nothing is fetched from other hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcem_kg.errors import InvalidInputError
from mcem_kg.store import EmbeddedStore
from mcem_kg.store.checks import declares_dataset, refuse_remote


@pytest.mark.parametrize(
    ("query", "declares"),
    [
        ("SELECT * { ?s ?p ?o }", False),
        ("SELECT * FROM <urn:g:a> { ?s ?p ?o }", True),
        ("select * from named <urn:g:a> { GRAPH ?g { ?s ?p ?o } }", True),
        ('SELECT * { ?s ?p "FROM here" }', False),
        ("SELECT * { ?s ?p ?o } # from a comment", False),
        ("DESCRIBE <urn:from>", False),
        ("SELECT * FROM", False),
    ],
)
def test_dataset_clause_is_told_from_the_word(query: str, declares: bool) -> None:
    assert declares_dataset(query) is declares


def test_from_restricts_and_no_from_is_the_union(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.write_graph("urn:g:a", b"<urn:s> <urn:p> 1 .", "text/turtle", replace=True)
    store.write_graph("urn:g:b", b"<urn:s> <urn:p> 2 .", "text/turtle", replace=True)
    count = "SELECT (COUNT(*) AS ?n) {from} {{ ?s ?p ?o }}"
    union = store.query(count.format(**{"from": ""}), format_name="csv").body
    only_a = store.query(count.format(**{"from": "FROM <urn:g:a>"}), format_name="csv").body
    assert union.split() == [b"n", b"2"]
    assert only_a.split() == [b"n", b"1"]
    store.close()


@pytest.mark.parametrize(
    ("text", "update", "refused"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", False, "SERVICE"),
        ("SELECT * { SERVICE SILENT <file:///etc/hostname> { ?s ?p ?o } }", False, "SERVICE"),
        ('SELECT * { ?s ?p "service and load" }', False, None),
        ("LOAD <http://127.0.0.1:9/data.ttl>", True, "LOAD"),
        (
            "INSERT { <urn:a> <urn:b> ?o } WHERE { SERVICE <http://x.example/> { ?s ?p ?o } }",
            True,
            "SERVICE",
        ),
        ('INSERT DATA { <urn:a> <urn:b> "LOAD" }', True, None),
        ("SELECT * { SERVICE <http://x.example/> { ?s ?p ", False, "could not be checked"),
    ],
)
def test_nothing_is_fetched_from_other_hosts(text: str, update: bool, refused: str | None) -> None:
    if refused is None:
        refuse_remote(text, update=update)
    else:
        with pytest.raises(InvalidInputError, match=refused):
            refuse_remote(text, update=update)


def test_the_store_refuses_service_before_running(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    with pytest.raises(InvalidInputError, match="SERVICE"):
        store.query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(InvalidInputError, match="LOAD"):
        store.update("LOAD <http://127.0.0.1:9/x.ttl>")
    store.close()
