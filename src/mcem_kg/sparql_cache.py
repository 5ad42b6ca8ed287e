"""Parse each SPARQL text once: rdflib's query processor, with prepared queries cached.

pySHACL runs the text of every SPARQL-based constraint through ``Graph.query`` for every
focus node, and rdflib parses and translates that text anew each time; measured on one record,
that re-parsing was about two thirds of the validation time. This processor keeps the
translated query (what ``prepareQuery`` returns, which rdflib supports reusing with other
initial bindings) keyed by its text, base and namespaces, so the result is the same and only
the work is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rdflib import plugin
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor
from rdflib.term import Identifier

# Queries of the shapes and the named queries: a few dozen texts.
CACHE_SIZE = 512


@lru_cache(maxsize=CACHE_SIZE)
def _prepared(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces))


class CachingSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, preparing each distinct query text once."""

    def query(  # type: ignore[override]
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Identifier] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((initNs or {}).items()))
            strOrQuery = _prepared(strOrQuery, base, namespaces)
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


def install() -> None:
    """Make rdflib's default SPARQL processor ("sparql") the caching one, for this process."""
    plugin.register("sparql", Processor, __name__, CachingSPARQLProcessor.__name__)
