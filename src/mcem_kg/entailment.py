"""Derived facts kept in the store: each opportunity's entailed graph.

The shapes judge a record together with what follows from it (:mod:`mcem_kg.derive`): its
class, the stages it is past and the classes the ontology defines for them, its ownership
deadlines. In a store these are materialized per opportunity, in the opportunity's entailed
graph (:class:`~mcem_kg.store.layout.GraphNames`), whenever its record is written: never by a
closure over the whole pipeline, whose cost grows faster than the data.

The one fact that depends on the day of validation, whether a deadline has passed
(``mcem:duePassed``), is brought up to that day by one update before a validation
(:meth:`StoreEntailer.refresh`), which rewrites only the values that change.

The facts derivation reads are selected from the store in one query, as text, so the same
code serves an embedded store and one behind a process or a network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from mcem_kg.calendar import Calendar
from mcem_kg.derive import Deriver, OpportunityFacts, Triple
from mcem_kg.store import Store
from mcem_kg.store.layout import GraphNames
from mcem_kg.vocabulary import MCEM

TSV = "text/tab-separated-values"
# Graphs per facts query (a VALUES block of this many IRIs).
BATCH = 5000
_DATE = re.compile(r'"(\d{4}-\d{2}-\d{2})"\^\^<http://www\.w3\.org/2001/XMLSchema#date>\Z')
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"(?:\^\^<([^>]*)>|@([A-Za-z0-9-]+))?\Z')

# Every fact of an opportunity's graph that derivation reads (OpportunityFacts), one row each.
_FACTS = f"""
PREFIX mcem: <{MCEM}>
SELECT ?g ?kind ?s ?o WHERE {{
  %s
  {{ GRAPH ?g {{ ?g mcem:currentStage ?o }} BIND("stage" AS ?kind) }}
  UNION {{ GRAPH ?g {{ ?g mcem:stageEntry ?e . ?e mcem:enteredStage ?s ; mcem:enteredOn ?o }}
          BIND("entry" AS ?kind) }}
  UNION {{ GRAPH ?g {{ ?g mcem:handoffDiscussion ?d . ?d mcem:ofHandoff ?s ; mcem:discussedOn ?o }}
          BIND("discussion" AS ?kind) }}
  UNION {{ GRAPH ?g {{ ?g mcem:milestone ?s }} BIND("milestone" AS ?kind) }}
  UNION {{ GRAPH ?g {{ ?s a ?o }} BIND("type" AS ?kind) }}
}}
"""


class StoreEntailer:
    """Writes and refreshes the entailed graphs of a store's opportunities."""

    def __init__(self, deriver: Deriver, calendar: Calendar, names: GraphNames) -> None:
        self.deriver = deriver
        self.calendar = calendar
        self.names = names

    # --- writing -----------------------------------------------------------------------------

    def entailed(self, facts: OpportunityFacts, as_of: date) -> bytes:
        """The entailed graph of one opportunity, as N-Triples."""
        graph = self.names.entailed(str(facts.opportunity))
        return ntriples(self.deriver.entailed(facts, as_of, self.calendar), graph)

    def facts(self, store: Store, graphs: Sequence[str]) -> dict[str, OpportunityFacts]:
        """What derivation reads of each of ``graphs`` (opportunity graphs), from the store."""
        rows: dict[str, _Rows] = {g: _Rows() for g in graphs}
        for start in range(0, len(graphs), BATCH):
            listed = " ".join(f"<{g}>" for g in graphs[start : start + BATCH])
            body = store.query(_FACTS % f"VALUES ?g {{ {listed} }}", accept=TSV).body
            for line in body.decode("utf-8").splitlines()[1:]:
                g, kind, s, o = line.split("\t")
                rows[g[1:-1]].add(kind.strip('"'), s, o)
        return {g: rows[g].facts(URIRef(g)) for g in graphs}

    def write(self, store: Store, graphs: Sequence[str], as_of: date) -> None:
        """Derive anew, from the store, the entailed graphs of ``graphs`` (one step)."""
        facts = self.facts(store, graphs)
        store.replace_graphs(
            {self.names.entailed(g): self.entailed(facts[g], as_of) for g in graphs}
        )

    def quads(self, store: Store, graphs: Sequence[str], as_of: date) -> bytes:
        """The entailed graphs of ``graphs``, derived from the store, as N-Quads for a bulk
        load (of graphs that hold nothing yet)."""
        facts = self.facts(store, graphs)
        lines = []
        for graph in graphs:
            name = self.names.entailed(graph)
            triples = ntriples(self.deriver.entailed(facts[graph], as_of, self.calendar), name)
            lines += [f"{line[:-2]} <{name}> .\n" for line in triples.decode().splitlines()]
        return "".join(lines).encode("utf-8")

    # --- the day of validation ---------------------------------------------------------------

    def refresh(self, store: Store, as_of: date) -> int:
        """Bring ``mcem:duePassed`` of every entailed graph to ``as_of``: a deadline has
        passed when its due date is before that day (a deadline without a due date has
        always passed, and is left as it is). The deadlines whose value changes are selected
        first, so that a day that changes nothing writes nothing; returns how many changed."""
        day = f'"{as_of.isoformat()}"^^<{XSD.date}>'
        body = store.query(
            f"""PREFIX mcem: <{MCEM}>
            SELECT ?e ?due ?was ?now WHERE {{
              {{ SELECT ?e ?due ?date WHERE {{ GRAPH ?e {{ ?due mcem:dueDate ?date }} }} }}
              {{ SELECT ?e ?due ?was WHERE {{ GRAPH ?e {{ ?due mcem:duePassed ?was }} }} }}
              BIND (?date < {day} AS ?now)
              FILTER (?now != ?was)
            }}""",
            accept=TSV,
        ).body.decode("utf-8")
        changes = [row.split("\t") for row in body.splitlines()[1:]]
        changes = [c for c in changes if self.names.entailed_of(c[0][1:-1]) is not None]
        for start in range(0, len(changes), BATCH):
            part = changes[start : start + BATCH]
            old = " ".join(f"GRAPH {e} {{ {d} mcem:duePassed {w} }}" for e, d, w, _n in part)
            new = " ".join(f"GRAPH {e} {{ {d} mcem:duePassed {n} }}" for e, d, _w, n in part)
            store.update(f"PREFIX mcem: <{MCEM}> DELETE DATA {{ {old} }} ; INSERT DATA {{ {new} }}")
        return len(changes)


class _Rows:
    """The facts rows of one graph, gathered."""

    __slots__ = ("discussions", "entries", "milestones", "stages", "types")

    def __init__(self) -> None:
        self.stages: list[Node] = []
        self.entries: list[tuple[Node, date]] = []
        self.discussions: list[tuple[Node, date]] = []
        self.milestones: list[Node] = []
        self.types: list[tuple[Node, Node]] = []

    def add(self, kind: str, s: str, o: str) -> None:
        if kind == "stage":
            self.stages.append(parse_term(o))
        elif kind in {"entry", "discussion"}:
            day = parse_date(o)
            if day is not None:
                target = self.entries if kind == "entry" else self.discussions
                target.append((parse_term(s), day))
        elif kind == "milestone":
            self.milestones.append(parse_term(s))
        else:
            self.types.append((parse_term(s), parse_term(o)))

    def facts(self, opportunity: URIRef) -> OpportunityFacts:
        subjects = {opportunity, *self.milestones}
        return OpportunityFacts(
            opportunity=opportunity,
            stages=tuple(self.stages),
            entries=tuple(self.entries),
            discussions=tuple(self.discussions),
            milestones=tuple(self.milestones),
            types=frozenset(t for t in self.types if t[0] in subjects),
        )


def parse_term(text: str) -> Node:
    """An RDF term written as SPARQL TSV results write it (N-Triples syntax)."""
    if text.startswith("<"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    match = _LITERAL.match(text)
    if match is None:  # a bare number or boolean, TSV's short forms
        return Literal(text, datatype=_short_datatype(text))
    value = _ESCAPE.sub(_unescape, match.group(1))
    if match.group(3):
        return Literal(value, lang=match.group(3))
    return Literal(value, datatype=URIRef(match.group(2)) if match.group(2) else None)


def parse_date(text: str) -> date | None:
    """The day an xsd:date term stands for; None for any other term or an ill-formed date."""
    match = _DATE.match(text)
    if match is not None:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    term = parse_term(text)
    value = term.toPython() if isinstance(term, Literal) else None
    return value if isinstance(value, date) else None


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _ESCAPES.get(code, code)


def _short_datatype(text: str) -> URIRef:
    if text in ("true", "false"):
        return XSD.boolean
    if re.fullmatch(r"[+-]?\d+", text):
        return XSD.integer
    return XSD.decimal if "." in text and "e" not in text.lower() else XSD.double


def ntriples(triples: Iterable[Triple], graph: str) -> bytes:
    """The triples of the entailed graph ``graph`` as N-Triples. Its blank nodes (the
    deadlines) are named with IRIs of the graph's own (``graph#due1``, ...), so that an update
    can name them; nothing else uses these IRIs."""
    names: dict[Node, str] = {}
    lines = []
    for triple in triples:
        terms = []
        for node in triple:
            if isinstance(node, BNode):
                terms.append(names.setdefault(node, f"<{graph}#due{len(names) + 1}>"))
            else:
                terms.append(node.n3())
        lines.append(" ".join(terms) + " .\n")
    return "".join(lines).encode("utf-8")
