"""Media types of answers, chosen from a table once the kind of answer is known.

As in Oxigraph's HTTP layer, content negotiation happens after the query has been parsed:
a SELECT or ASK can be answered in the SPARQL result formats, a CONSTRUCT or DESCRIBE (or a
graph read) in the RDF formats, and the client's ``Accept`` header picks among those (its
q-values parsed by werkzeug). A short ``format=`` name (``json``, ``turtle``, ...), as many
SPARQL endpoints accept, may stand for a media type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pyoxigraph import QueryResultsFormat, RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from mcem_kg.errors import NotAcceptableError


class AnswerKind(StrEnum):
    """What a query gives: solutions (SELECT), a boolean (ASK) or a graph (CONSTRUCT,
    DESCRIBE, a graph read)."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"


@dataclass(frozen=True, slots=True)
class MediaType:
    """One way to write an answer: its media type, short name, pyoxigraph format and, for a
    graph, rdflib's serializer (for graphs held in rdflib)."""

    media_type: str
    name: str
    results: QueryResultsFormat | None = None
    rdf: RdfFormat | None = None
    rdflib: str | None = None

    @property
    def serializer(self) -> str:
        """rdflib's serializer of this graph format."""
        if self.rdflib is None:
            raise ValueError(f"{self.media_type} is not a graph format")
        return self.rdflib


SPARQL_JSON = MediaType("application/sparql-results+json", "json", QueryResultsFormat.JSON)
SPARQL_XML = MediaType("application/sparql-results+xml", "xml", QueryResultsFormat.XML)
SPARQL_CSV = MediaType("text/csv", "csv", QueryResultsFormat.CSV)
SPARQL_TSV = MediaType("text/tab-separated-values", "tsv", QueryResultsFormat.TSV)
TURTLE = MediaType("text/turtle", "turtle", rdf=RdfFormat.TURTLE, rdflib="turtle")
NTRIPLES = MediaType("application/n-triples", "nt", rdf=RdfFormat.N_TRIPLES, rdflib="nt11")
JSON_LD = MediaType("application/ld+json", "jsonld", rdf=RdfFormat.JSON_LD, rdflib="json-ld")
RDF_XML = MediaType("application/rdf+xml", "rdfxml", rdf=RdfFormat.RDF_XML, rdflib="xml")

# The first entry of each row is the default (for ``*/*`` or no Accept header).
OFFERS: dict[AnswerKind, tuple[MediaType, ...]] = {
    AnswerKind.SOLUTIONS: (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV),
    AnswerKind.BOOLEAN: (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV),
    AnswerKind.GRAPH: (TURTLE, NTRIPLES, JSON_LD, RDF_XML),
}

# Media types clients commonly send for these formats besides the registered ones.
_RESULT_ALIASES = {
    "application/json": SPARQL_JSON.media_type,
    "application/xml": SPARQL_XML.media_type,
    "text/xml": SPARQL_XML.media_type,
}
ALIASES: dict[AnswerKind, dict[str, str]] = {
    AnswerKind.SOLUTIONS: _RESULT_ALIASES,
    AnswerKind.BOOLEAN: _RESULT_ALIASES,
    AnswerKind.GRAPH: {
        "application/json": JSON_LD.media_type,
        "application/xml": RDF_XML.media_type,
        "text/xml": RDF_XML.media_type,
        "text/plain": NTRIPLES.media_type,
        "application/x-turtle": TURTLE.media_type,
    },
}

# Formats a graph can be sent in (Graph Store writes, opportunity writes).
RDF_INPUTS: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}


def negotiate(accept: str | None, kind: AnswerKind, *, format_name: str | None = None) -> MediaType:
    """The offer for ``kind`` the client prefers; :class:`NotAcceptableError` if none fits."""
    offers = OFFERS[kind]
    if format_name:
        for offer in offers:
            if format_name in {offer.name, offer.media_type}:
                return offer
        raise NotAcceptableError(
            f"{_WHAT[kind]} as format={format_name!r}", [o.name for o in offers]
        )
    if not accept or not accept.strip():
        return offers[0]
    parsed = parse_accept_header(_aliased(accept, ALIASES[kind]), MIMEAccept)
    best = parsed.best_match([o.media_type for o in offers])
    if best is None:
        raise NotAcceptableError(_WHAT[kind], [o.media_type for o in offers])
    return next(o for o in offers if o.media_type == best)


def _aliased(accept: str, aliases: dict[str, str]) -> str:
    """``accept`` with each item's parameters but its weight dropped (``charset=utf-8`` or a
    JSON-LD ``profile`` do not change the format chosen, and werkzeug would match them
    exactly), and common unregistered types also given as their registered type."""
    parts = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        weight = next((p for p in params if p.replace(" ", "").lower().startswith("q=")), None)
        suffix = f";{weight}" if weight else ""
        parts.append(media + suffix)
        alias = aliases.get(media.lower())
        if alias is not None:
            parts.append(alias + suffix)
    return ",".join(parts)


def rdf_input(content_type: str | None) -> RdfFormat | None:
    """The RDF format of a request body by its ``Content-Type`` (parameters ignored)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return RDF_INPUTS.get(media)


_WHAT = {
    AnswerKind.SOLUTIONS: "query solutions",
    AnswerKind.BOOLEAN: "a boolean answer",
    AnswerKind.GRAPH: "a graph",
}
