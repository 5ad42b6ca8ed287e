"""Turning user-given parameter values into RDF terms, and running named queries with them.

A value for a class-typed parameter may be the IRI of an instance of that class or any of its
codes and names: ``skos:notation`` (an acronym, a stage number) or ``rdfs:label`` (which, in
the closure, includes ``skos:prefLabel``, ``skos:altLabel`` and ``skos:hiddenLabel``), compared
case-insensitively.
What the values can be is read from the graph, so a new stage or role needs no code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Identifier

from mcem_kg.errors import (
    InvalidParameterValueError,
    MissingParameterError,
    QueryExecutionError,
    UnknownParameterError,
)
from mcem_kg.queries import NamedQuery, Parameter
from mcem_kg.results import rows

_PREFIXES = """
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# Instances of ?class one of whose codes or names equals ?value, ignoring case.
_LOOKUP = prepareQuery(
    _PREFIXES
    + """
SELECT DISTINCT ?thing WHERE {
  ?thing rdf:type ?class .
  { ?thing skos:notation ?name } UNION { ?thing rdfs:label ?name }
  FILTER (LCASE(STR(?name)) = LCASE(STR(?value)))
}"""
)

# Every instance of ?class with its codes, to tell the user what is accepted.
_CHOICES = prepareQuery(
    _PREFIXES
    + """
SELECT ?thing (SAMPLE(?code) AS ?notation) (SAMPLE(?label) AS ?name) WHERE {
  ?thing rdf:type ?class .
  OPTIONAL { ?thing skos:notation ?code }
  OPTIONAL { ?thing skos:prefLabel|rdfs:label ?label }
} GROUP BY ?thing ORDER BY ?notation"""
)

_CLASS_LABEL = prepareQuery(_PREFIXES + "SELECT ?label WHERE { ?class rdfs:label ?label }")


def resolve(graph: Graph, parameter: Parameter, raw: str) -> Identifier:
    """The RDF term a user-given value stands for; an error says what was expected."""
    value = raw.strip()
    if parameter.type_iri in _PARSERS:
        return _literal(parameter, value)
    candidates: set[Identifier] = set()
    if value:
        lookup = {"class": parameter.type_iri, "value": Literal(value)}
        candidates.update(row[0] for row in rows(_select(graph, _LOOKUP, lookup)))
        iri = as_iri(graph, value)
        if iri is not None and (iri, RDF.type, parameter.type_iri) in graph:
            candidates.add(iri)
    if len(candidates) == 1:
        return candidates.pop()
    if len(candidates) > 1:
        label = _class_label(graph, parameter)
        raise InvalidParameterValueError(
            parameter.name, raw, f"a name of one {label}, not of {len(candidates)}; use an IRI"
        )
    raise InvalidParameterValueError(parameter.name, raw, _expectation(graph, parameter))


# RFC 3987: an IRI starts with a scheme and holds none of these characters.
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_NOT_IN_IRIS = frozenset(' <>"{}|^`\\')


def as_iri(graph: Graph, value: str) -> URIRef | None:
    """``value`` as an IRI: ``<IRI>``, an absolute IRI, or a name with a prefix of the graph."""
    text = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    if not _IRI_SCHEME.match(text) or _NOT_IN_IRIS & set(text):
        return None
    try:
        return graph.namespace_manager.expand_curie(text)
    except ValueError:
        return URIRef(text)


def bind(graph: Graph, query: NamedQuery, given: Mapping[str, str]) -> dict[str, Identifier]:
    """Check the given parameters against the query's declaration and resolve them."""
    declared = [p.name for p in query.parameters]
    for name in given:
        if query.parameter(name) is None:
            raise UnknownParameterError(query.name, name, declared)
    bindings: dict[str, Identifier] = {}
    for parameter in query.parameters:
        raw = given.get(parameter.name, parameter.default)
        if raw is None:
            if parameter.required:
                raise MissingParameterError(query.name, parameter.name, parameter.description)
            continue
        bindings[parameter.variable] = resolve(graph, parameter, raw)
    return bindings


def run(graph: Graph, query: NamedQuery, given: Mapping[str, str]) -> Result:
    """Run a named query with user-given parameter values."""
    return _select(graph, query.prepared, bind(graph, query, given), name=query.name)


def _select(
    graph: Graph, prepared: Query, bindings: Mapping[str, Identifier], name: str = "lookup"
) -> Result:
    try:
        result = graph.query(prepared, initBindings=bindings)
        # Evaluate now, so that a failure surfaces here and not while printing.
        result.bindings = list(result.bindings)
    except Exception as exc:
        raise QueryExecutionError(f"query {name!r} failed: {exc}") from exc
    return result


def _boolean(value: str) -> bool:
    if value.lower() not in {"true", "false"}:
        raise ValueError(value)
    return value.lower() == "true"


# Datatype parameters are parsed by Python first, so a bad value is one clear error.
_PARSERS: dict[URIRef, Callable[[str], object]] = {
    XSD.string: str,
    XSD.integer: int,
    XSD.boolean: _boolean,
    XSD.date: date.fromisoformat,
}


def _literal(parameter: Parameter, value: str) -> Literal:
    try:
        return Literal(_PARSERS[parameter.type_iri](value))
    except ValueError as exc:
        raise InvalidParameterValueError(
            parameter.name, value, f"a value of type {parameter.type}"
        ) from exc


def _class_label(graph: Graph, parameter: Parameter) -> str:
    labels = rows(_select(graph, _CLASS_LABEL, {"class": parameter.type_iri}))
    return next((str(row[0]) for row in labels), parameter.name)


def _expectation(graph: Graph, parameter: Parameter) -> str:
    label = _class_label(graph, parameter)
    choices = []
    for thing, notation, name in rows(_select(graph, _CHOICES, {"class": parameter.type_iri})):
        if notation is not None and name is not None and str(notation) != str(name):
            choices.append(f"{notation} ({name})")
        else:
            choices.append(str(notation or name or thing))
    return f"one {label} of: {', '.join(choices)} (by code or name in any case, or by IRI)"
