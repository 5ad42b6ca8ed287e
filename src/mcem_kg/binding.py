"""Turning user-given parameter values into RDF terms, and running named queries with them.

A value for a class-typed parameter may be the IRI of an instance of that class or any of its
codes and names: ``skos:notation`` (an acronym, a stage number) or ``rdfs:label`` (which, in
the closure, includes ``skos:prefLabel``, ``skos:altLabel`` and ``skos:hiddenLabel``), compared
case-insensitively.
What the values can be is read from the graph (a :class:`~mcem_kg.terms.TermIndex` built once
at load), so a new stage or role needs no code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
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
from mcem_kg.terms import TermIndex


def resolve(graph: Graph, terms: TermIndex, parameter: Parameter, raw: str) -> Identifier:
    """The RDF term a user-given value stands for; an error says what was expected."""
    value = raw.strip()
    if parameter.type_iri in _PARSERS:
        return _literal(parameter, value)
    candidates: set[URIRef] = set(terms.matches(parameter.type_iri, value)) if value else set()
    iri = as_iri(graph, value)
    if iri is not None and iri in terms.members.get(parameter.type_iri, frozenset()):
        candidates.add(iri)
    label = terms.label(parameter.type_iri, parameter.name)
    if len(candidates) == 1:
        return candidates.pop()
    if len(candidates) > 1:
        raise InvalidParameterValueError(
            parameter.name, raw, f"a name of one {label}, not of {len(candidates)}; use an IRI"
        )
    choices = ", ".join(terms.choices(parameter.type_iri))
    raise InvalidParameterValueError(
        parameter.name,
        raw,
        f"one {label} of: {choices} (by code or name in any case, or by IRI)",
    )


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


def bind(
    graph: Graph, terms: TermIndex, query: NamedQuery, given: Mapping[str, str]
) -> dict[str, Identifier]:
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
        bindings[parameter.variable] = resolve(graph, terms, parameter, raw)
    return bindings


def bind_terms(
    graph: Graph, terms: TermIndex, query: NamedQuery, given: Mapping[str, str]
) -> dict[str, str]:
    """:func:`bind`, as variable names (no ``?``) to N-Triples terms: what a
    :class:`~mcem_kg.store.Store` takes, across a process or a network."""
    return {str(variable): term.n3() for variable, term in bind(graph, terms, query, given).items()}


def run(graph: Graph, terms: TermIndex, query: NamedQuery, given: Mapping[str, str]) -> Result:
    """Run a named query with user-given parameter values."""
    return _select(graph, query.prepared, bind(graph, terms, query, given), name=query.name)


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
