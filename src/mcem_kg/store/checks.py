"""What a query or update text declares, read before the store runs it.

Oxigraph parses queries itself but does not tell what it parsed; the few things the store
must know beforehand are read here. Only a text that holds the keyword at all is parsed (by
rdflib's SPARQL parser), to tell a clause from a string or an IRI that holds the word, so
most queries cost a regular-expression search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mcem_kg.errors import InvalidInputError

_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_REMOTE = re.compile(r"\b(SERVICE|LOAD)\b", re.IGNORECASE)

# Parse-tree nodes of rdflib's SPARQL grammar that make the store fetch a URL.
REMOTE_NODES = {"ServiceGraphPattern": "SERVICE (a federated query)", "Load": "LOAD"}


def declares_dataset(sparql: str) -> bool:
    """Whether a query names its own dataset (``FROM``, ``FROM NAMED``: SPARQL 1.1 §13.2),
    which the union default graph must not override."""
    if not _FROM.search(sparql):
        return False
    parsed = _parse(sparql, update=False)
    # rdflib's parse of a query: [prologue, query]; the query node holds the clauses.
    return parsed is not None and "datasetClause" in parsed[1]


def refuse_remote(sparql: str, *, update: bool) -> None:
    """Refuse ``SERVICE`` and ``LOAD``: the store fetches nothing from other hosts (a caller
    could otherwise make the service call any address it can reach)."""
    if not _REMOTE.search(sparql):
        return
    parsed = _parse(sparql, update=update)
    if parsed is None:
        raise InvalidInputError(
            "the text names SERVICE or LOAD and could not be checked; "
            "this endpoint does not fetch from other hosts"
        )
    for name in _names(parsed):
        if name in REMOTE_NODES:
            raise InvalidInputError(
                f"{REMOTE_NODES[name]} is off: this endpoint does not fetch from other hosts"
            )


def _parse(sparql: str, *, update: bool) -> Any:
    # Loaded here, not at the top: the store's child process needs rdflib only for this.
    from pyparsing import ParseException  # noqa: PLC0415
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate  # noqa: PLC0415

    try:
        return parseUpdate(sparql) if update else parseQuery(sparql)
    except ParseException:
        # Oxigraph's own parser reports the error, with its better message.
        return None


def _names(node: object) -> Iterator[str]:
    """The names of every parse-tree node under ``node``."""
    from pyparsing import ParseResults  # noqa: PLC0415
    from rdflib.plugins.sparql.parserutils import CompValue  # noqa: PLC0415

    if isinstance(node, CompValue):
        yield node.name
        for value in node.values():
            yield from _names(value)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            yield from _names(value)


ANY_GRAPH = "*"


def written_graphs(update: str) -> set[str] | None:
    """The graphs an update may write: their IRIs, ``""`` for the default graph, and
    :data:`ANY_GRAPH` when it may write any (``CLEAR ALL``, ``DROP NAMED``, a ``GRAPH ?g``
    template). ``None`` when rdflib cannot parse it: then Oxigraph's parser (which the
    grammar is the same for) refuses it with its own, better message."""
    from rdflib import URIRef, Variable  # noqa: PLC0415
    from rdflib.plugins.sparql.algebra import translateUpdate  # noqa: PLC0415

    parsed = _parse(update, update=True)
    if parsed is None:
        return None
    try:
        operations = translateUpdate(parsed).algebra
    except Exception:  # rdflib's translation raises many kinds; any means "cannot tell"
        return {ANY_GRAPH}
    graphs: set[str] = set()
    for operation in operations:
        target = _get(operation, "graphiri")
        if target in {"ALL", "NAMED"}:
            graphs.add(ANY_GRAPH)
        elif target == "DEFAULT":
            graphs.add("")
        # ADD, COPY and MOVE write their target (and MOVE empties its source).
        for key in ("graphiri", "withClause", "graph"):
            value = _get(operation, key)
            for graph in value if isinstance(value, list) else [value]:
                if isinstance(graph, URIRef):
                    graphs.add(str(graph))
        templates = [operation, _get(operation, "delete"), _get(operation, "insert")]
        for template in (t for t in templates if t is not None):
            for graph in _get(template, "quads") or {}:
                graphs.add(ANY_GRAPH if isinstance(graph, Variable) else str(graph))
            if _get(template, "triples"):
                graphs.add(str(_get(operation, "withClause") or ""))
    return graphs


def _get(node: Any, key: str) -> Any:
    """A part of a parse-tree node, or None (rdflib's own ``get`` answers the key itself)."""
    return node[key] if key in node else None  # noqa: SIM401 - see the docstring
