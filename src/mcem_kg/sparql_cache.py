"""Work done once per SPARQL text, not once per focus node.

pySHACL runs the text of every SPARQL-based constraint through ``Graph.query`` for every
focus node, and before that checks the text with regular expressions (no MINUS, VALUES or
SERVICE; pre-bound variables selected). Both depend on the text alone, yet were redone each
time: measured on one record, re-parsing made validation about 4.5x slower and the checks
about 3x slower for the handoff shapes. So:

- rdflib's SPARQL processor is replaced by one that keeps the translated query (what
  ``prepareQuery`` returns, which rdflib supports reusing with other initial bindings), keyed
  by its text, base and namespaces;
- pySHACL's check is remembered for each text it has passed (a text it rejects is checked,
  and rejected, every time).

The answers are the same; only repeated work is saved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
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


_CHECKED: set[tuple[str, bool, tuple[str, ...]]] = set()


def _remembering(check: Callable[..., bool]) -> Callable[..., bool]:
    @functools.wraps(check)
    def checked_once(
        helper: object, text: str, valuenode: object = None, extravars: object = None
    ) -> bool:
        key = (text, valuenode is not None, tuple(sorted(extravars or ())))  # type: ignore[call-overload]
        if key not in _CHECKED:
            check(helper, text, valuenode, extravars)  # raises when the text is not allowed
            _CHECKED.add(key)
        return True

    checked_once.original = check  # type: ignore[attr-defined]
    return checked_once


def install() -> None:
    """For this process: rdflib's default SPARQL processor ("sparql") becomes the caching
    one, and pySHACL's check of a SPARQL text is done once per text. Idempotent."""
    plugin.register("sparql", Processor, __name__, CachingSPARQLProcessor.__name__)
    check = SPARQLQueryHelper.check_invalid_sparql
    if not hasattr(check, "original"):
        SPARQLQueryHelper.check_invalid_sparql = _remembering(check)  # type: ignore[method-assign]


def uninstall() -> None:
    """Back to rdflib's and pySHACL's own behaviour (for measuring the difference)."""
    plugin.register("sparql", Processor, "rdflib.plugins.sparql.processor", "SPARQLProcessor")
    check = SPARQLQueryHelper.check_invalid_sparql
    SPARQLQueryHelper.check_invalid_sparql = getattr(check, "original", check)  # type: ignore[method-assign]
