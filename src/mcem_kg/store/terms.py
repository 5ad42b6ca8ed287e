"""RDF terms as a store's SPARQL JSON results give them (SPARQL 1.1 Query Results JSON
Format, section 3.2.2), and graphs copied out of a store as N-Quads through them.

JSON results, unlike TSV ones, write every literal whole (TSV may write ``24000`` or
``true`` as bare Turtle numbers and booleans), so they convert exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from mcem_kg.store.base import Store

JSON = "application/sparql-results+json"
# Graphs per query (a VALUES block of this many IRIs).
BATCH = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})

Binding = dict[str, str]


def node(binding: Binding) -> Node:
    """An rdflib term."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


def ntriples(binding: Binding) -> str:
    """The term in N-Triples (and N-Quads) syntax."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = f'"{value.translate(_ESCAPES)}"'
    if "xml:lang" in binding:
        return f"{text}@{binding['xml:lang']}"
    datatype = binding.get("datatype")
    return f"{text}^^<{datatype}>" if datatype else text


def quads(store: Store, graphs: Sequence[str]) -> dict[str, list[str]]:
    """The N-Triples lines of each of ``graphs`` (an empty list for a graph that is not
    there). Blank nodes keep the store's labels: one node, one label, across the graphs."""
    found: dict[str, list[str]] = {g: [] for g in graphs}
    for start in range(0, len(graphs), BATCH):
        listed = " ".join(f"<{g}>" for g in graphs[start : start + BATCH])
        sparql = f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {listed} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        rows = orjson.loads(store.query(sparql, accept=JSON).body)["results"]["bindings"]
        for row in rows:
            line = f"{ntriples(row['s'])} {ntriples(row['p'])} {ntriples(row['o'])}"
            found[row["g"]["value"]].append(line)
    return found


def nquads(store: Store, graphs: Sequence[str]) -> bytes:
    """``graphs`` copied out of ``store`` as N-Quads."""
    return "".join(
        f"{line} <{graph}> .\n" for graph, lines in quads(store, graphs).items() for line in lines
    ).encode("utf-8")
