"""pySHACL for the shapes the compiler leaves aside, one opportunity at a time, on every core.

Each worker process holds the methodology as its data graph and a shapes graph in which only
the uncompiled shapes keep their targets; for each opportunity it adds the record and its
entailed graph, validates, and takes them out again (as :class:`~mcem_kg.validation.
OpportunityValidator` does). The records are read from the store a batch at a time, with one
query, and sent to the workers as N-Triples.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date

import pyshacl
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from mcem_kg.errors import QueryTimeoutError
from mcem_kg.report import path_label
from mcem_kg.store import Store, terms
from mcem_kg.store.layout import GraphNames

# Opportunities per batch sent to a worker.
BATCH = 200
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@dataclass(frozen=True, slots=True)
class Finding:
    """One SHACL result, before the report tells it in its own terms."""

    focus: Node
    source_shape: Node
    component: URIRef
    severity: URIRef
    message: str
    path: Node | None
    value: Node | None
    # The path as the report writes it, when it was read where the path's nodes are.
    path_text: str | None = None


class Fallback:
    """Validates stored opportunities against the shapes the compiler left aside."""

    def __init__(
        self,
        knowledge: Graph,
        *,
        shapes: Graph,
        uncompiled: Iterable[Node],
        names: GraphNames,
        field_names: dict[str, str],
        workers: int = 2,
    ) -> None:
        self.uncompiled = frozenset(uncompiled)
        self.names = names
        self.workers = workers
        self._knowledge = knowledge
        self._field_names = field_names
        # Only the uncompiled shapes keep their targets: pySHACL validates nothing else.
        self._shapes = Graph()
        for s, p, o in shapes:
            if p not in _TARGETS or s in self.uncompiled:
                self._shapes.add((s, p, o))

    def validate(
        self, store: Store, graphs: Sequence[str], as_of: date, timeout: float | None
    ) -> list[Finding]:
        """pySHACL's findings for the uncompiled shapes over these opportunities, whose
        entailed graphs are already as of ``as_of``."""
        if not self.uncompiled or not graphs:
            return []
        deadline = None if timeout is None else time.monotonic() + timeout
        batches = [graphs[i : i + BATCH] for i in range(0, len(graphs), BATCH)]
        found: list[Finding] = []
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start,
            initargs=(self._knowledge, self._shapes, self._field_names),
        ) as pool:
            pending = [pool.submit(_validate, self._records(store, batch)) for batch in batches]
            for future in pending:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    for other in pending:
                        other.cancel()
                    raise QueryTimeoutError(timeout or 0.0)
                found += future.result(timeout=left)
        return found

    def _records(self, store: Store, graphs: Sequence[str]) -> list[str]:
        """The N-Triples of each opportunity: its record and its entailed graph."""
        names = [*graphs, *(self.names.entailed(g) for g in graphs)]
        lines = terms.quads(store, names)
        return [
            "".join(f"{line} .\n" for line in [*lines[g], *lines[self.names.entailed(g)]])
            for g in graphs
        ]


# --- in a worker -----------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _start(knowledge: Graph, shapes: Graph, field_names: dict[str, str]) -> None:
    data = Graph()
    data += knowledge
    _WORKER["data"] = data
    _WORKER["shapes"] = shapes
    _WORKER["names"] = field_names
    _WORKER["engine"] = pyshacl.Validator(
        DataGraph.from_rdflib(data),
        shacl_graph=shapes,
        options={"inference": "none", "inplace": True, "allow_warnings": True, "allow_infos": True},
    )


def _validate(records: list[str]) -> list[Finding]:
    data: Graph = _WORKER["data"]  # type: ignore[assignment]
    engine = _WORKER["engine"]
    names: dict[str, str] = _WORKER["names"]  # type: ignore[assignment]
    found = []
    for text in records:
        record = Graph()
        record.parse(data=text, format="nt")
        added = [t for t in record if t not in data]
        for triple in added:
            data.add(triple)
        try:
            _conforms, results, _text = engine.run()  # type: ignore[attr-defined]
        finally:
            for triple in added:
                data.remove(triple)
        for result in results.objects(None, SH.result):
            value = results.value
            path = value(result, SH.resultPath)
            found.append(
                Finding(
                    focus=value(result, SH.focusNode),
                    source_shape=value(result, SH.sourceShape),
                    component=value(result, SH.sourceConstraintComponent),
                    severity=value(result, SH.resultSeverity),
                    message=str(value(result, SH.resultMessage) or ""),
                    path=path,
                    value=value(result, SH.value),
                    path_text=path_label(results, path, names),
                )
            )
    return found
