"""Parameter values: resolution by code, name or IRI, clear errors, and safe binding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mcem_kg import (
    InvalidParameterValueError,
    KnowledgeGraph,
    MissingParameterError,
    Parameter,
    QueryRegistry,
    UnknownParameterError,
)
from mcem_kg.binding import bind, resolve, run
from tests.helpers import as_rows

DATA = Path(__file__).parent / "data"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "parameter-values.yaml").read_text())
PREFIXES = {"mcem": "https://w3id.org/mcem-kg/ontology#", "xsd": str(XSD)}


def parameter(type_name: str) -> Parameter:
    prefix, _, local = type_name.partition(":")
    return Parameter(
        name="p",
        type=type_name,
        type_iri=URIRef(PREFIXES[prefix] + local),
        required=False,
        description="test parameter",
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c['type']}={c['value']!r}" for c in CASES])
def test_resolve(kg: KnowledgeGraph, case: dict[str, Any]) -> None:
    param = parameter(case["type"])
    if "error" in case:
        with pytest.raises(InvalidParameterValueError, match="parameter 'p'") as info:
            resolve(kg.methodology.dataset, kg.terms, param, case["value"])
        assert case["error"] in str(info.value)
    elif "literal" in case:
        term = resolve(kg.methodology.dataset, kg.terms, param, case["value"])
        assert isinstance(term, Literal)
        assert str(term) == case["literal"]
    else:
        term = resolve(kg.methodology.dataset, kg.terms, param, case["value"])
        assert isinstance(term, URIRef)
        assert term.rsplit("/", 1)[-1] == case["resolves"]


def test_unknown_parameter_names_the_accepted_ones(kg: KnowledgeGraph) -> None:
    query = kg.queries.get("role-activities")
    with pytest.raises(UnknownParameterError, match="it accepts: role, stage"):
        bind(kg.methodology.dataset, kg.terms, query, {"role": "AE", "colour": "red"})


def test_missing_required_parameter(kg: KnowledgeGraph) -> None:
    with pytest.raises(MissingParameterError, match="needs parameter 'role'"):
        bind(kg.methodology.dataset, kg.terms, kg.queries.get("role-profile"), {})


def test_optional_parameter_left_out_binds_nothing(kg: KnowledgeGraph) -> None:
    assert bind(kg.methodology.dataset, kg.terms, kg.queries.get("stages"), {}) == {}


INJECTIONS = [
    'x" } UNION { ?s ?p ?o } #',
    "x' . ?s ?p ?o . FILTER('1'='1",
    "Listen & Consult> } UNION { ?s ?p ?o } #",
    "}} ; DROP ALL ; #",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_into_a_text_parameter_is_only_text(
    kg: KnowledgeGraph, tmp_path: Path, payload: str
) -> None:
    """A string parameter is bound as one literal: it can match a label, never change the query."""
    (tmp_path / "by-label.rq").write_text(
        "#+ summary: things with this exact label\n"
        "#+ params:\n"
        "#+   - name: label\n"
        "#+     type: xsd:string\n"
        "#+     required: true\n"
        "#+     description: a label\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT ?thing WHERE { ?thing rdfs:label ?label FILTER (STR(?label) = ?_label) }\n"
    )
    query = QueryRegistry.scan(tmp_path).get("by-label")
    graph = kg.methodology.dataset
    size = len(graph)
    assert len(as_rows(run(graph, kg.terms, query, {"label": "Listen & Consult"}))) == 1
    assert as_rows(run(graph, kg.terms, query, {"label": payload})) == []
    assert len(graph) == size


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_into_a_class_parameter_is_refused(kg: KnowledgeGraph, payload: str) -> None:
    with pytest.raises(InvalidParameterValueError, match="parameter 'stage'"):
        kg.query("stage-accountability", {"stage": payload})
