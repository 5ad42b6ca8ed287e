"""The named graphs of a pipeline store (README, "Graphs"), named under one namespace.

- the methodology, its inferred closure and the shapes: written from ``ontology/`` and
  ``shapes/`` at every start, never by clients;
- one graph per opportunity, named by the opportunity's IRI, holding its record;
- beside each, the opportunity's entailed graph: what derivation adds to the record (its
  class, the stages it is past, its ownership deadlines), kept by the service, never by
  clients, and rewritten whenever the record is.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from mcem_kg.errors import PermissionDeniedError
from mcem_kg.store.checks import ANY_GRAPH


@dataclass(frozen=True, slots=True)
class GraphNames:
    """The graph names a store's pipeline uses."""

    methodology: str
    inferred: str
    shapes: str
    # Entailed graphs are named by this prefix and their opportunity's IRI, percent-encoded.
    entailed_prefix: str

    @classmethod
    def under(cls, namespace: str) -> GraphNames:
        return cls(
            methodology=f"{namespace}methodology",
            inferred=f"{namespace}inferred",
            shapes=f"{namespace}shapes",
            entailed_prefix=f"{namespace}entailed/",
        )

    @property
    def own(self) -> frozenset[str]:
        """The graphs written from the data files at every start, not by clients."""
        return frozenset({self.methodology, self.inferred, self.shapes})

    def entailed(self, opportunity: str) -> str:
        """The name of the entailed graph of the opportunity whose graph is ``opportunity``."""
        return self.entailed_prefix + quote(opportunity, safe="")

    def entailed_of(self, graph: str) -> str | None:
        """The opportunity graph an entailed graph belongs to; None if ``graph`` is none."""
        if not graph.startswith(self.entailed_prefix):
            return None
        return unquote(graph[len(self.entailed_prefix) :])

    def check_writable(self, graphs: set[str]) -> None:
        """Refuse a write to the service's own graphs: the methodology's would be undone at
        the next start (``ontology/`` and ``shapes/`` are the source of truth), an entailed
        one at the next write of its record."""
        if ANY_GRAPH in graphs:
            raise PermissionDeniedError(
                "this update may write any graph (ALL, NAMED or GRAPH ?g), the methodology's "
                "own among them; name the graphs it writes"
            )
        own = sorted(graphs & self.own)
        if own:
            raise PermissionDeniedError(
                f"{', '.join(own)} is written from ontology/ and shapes/ at every start and "
                "cannot be changed here; edit those files, or write to a graph of your own"
            )
        entailed = sorted(g for g in graphs if self.entailed_of(g) is not None)
        if entailed:
            raise PermissionDeniedError(
                f"{', '.join(entailed)} is derived from its opportunity's record and cannot "
                "be written; write the opportunity instead"
            )
