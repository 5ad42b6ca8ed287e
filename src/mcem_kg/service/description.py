"""The SPARQL 1.1 Service Description of ``/sparql``: what a client learns from a plain GET.

A generic client (a query editor, a federation engine) asks the endpoint itself what it
speaks instead of being configured by hand: the languages, the result formats, and that the
default graph is the union of the named graphs (which changes what a query without
``GRAPH`` sees). The vocabulary is
`SPARQL 1.1 Service Description <https://www.w3.org/TR/sparql11-service-description/>`_
(§3, the ``sd:`` terms); formats are named by their
`W3C format IRIs <https://www.w3.org/ns/formats/>`_. The description is built from the
media-type table (:mod:`mcem_kg.media`), so a format added there is described here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox

from mcem_kg.media import OFFERS, RDF_INPUTS, AnswerKind, negotiate
from mcem_kg.store.base import Answer

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
PREFIXES = {"sd": SD, "formats": FORMATS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}

# The W3C name of each media type the service reads or writes.
FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
}

UNION_COMMENT = (
    "The default graph of a query without default-graph-uri is the union of all named "
    "graphs: the methodology, its OWL 2 RL closure, the shapes and one graph per opportunity."
)


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _formats(media_types: Iterable[str]) -> Iterator[ox.NamedNode]:
    """The format IRIs of ``media_types``, once each, in table order."""
    seen: set[str] = set()
    for media_type in media_types:
        name = FORMAT_IRIS.get(media_type)
        if name is not None and name not in seen:
            seen.add(name)
            yield ox.NamedNode(FORMATS + name)


def service_description(endpoint: str, named_graphs: Sequence[str]) -> list[ox.Triple]:
    """The description of the endpoint at ``endpoint``, listing ``named_graphs`` (the
    service's own graphs) in its default dataset."""
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("feature"), _sd("EmptyGraphs")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
        ox.Triple(default, RDFS_COMMENT, ox.Literal(UNION_COMMENT)),
    ]
    offered = [offer.media_type for kind in AnswerKind for offer in OFFERS[kind]]
    triples += [ox.Triple(service, _sd("resultFormat"), f) for f in _formats(offered)]
    triples += [ox.Triple(service, _sd("inputFormat"), f) for f in _formats(RDF_INPUTS)]
    for name in named_graphs:
        graph = ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(graph, _sd("name"), ox.NamedNode(name)),
        ]
    return triples


def describe(endpoint: str, named_graphs: Sequence[str], accept: str | None) -> Answer:
    """The description, written in the RDF format ``accept`` prefers."""
    media = negotiate(accept, AnswerKind.GRAPH)
    assert media.rdf is not None
    body = ox.serialize(
        service_description(endpoint, named_graphs), format=media.rdf, prefixes=PREFIXES
    )
    assert body is not None
    return Answer(AnswerKind.GRAPH, media.media_type, body)
