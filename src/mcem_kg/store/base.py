"""What every store offers the service: one interface, so handlers never see which store.

The embedded store (:mod:`mcem_kg.store.embedded`, pyoxigraph on disk) implements it; so does
the process store (:mod:`mcem_kg.store.process`), which runs the embedded one in a child
process so that a query past its time can really be stopped. A remote SPARQL 1.1 store
would implement it with the SPARQL Protocol and the Graph Store Protocol.

Everything crosses this interface as text or bytes (queries, N-Triples, serialized answers),
so that it can cross a process or a network. Graph names are IRIs as strings; ``None`` names
the default graph.

The dataset a query sees by default (no ``default-graph-uri``) has the union of all graphs
as its default graph and every named graph as a named graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from mcem_kg.media import AnswerKind


@dataclass(frozen=True, slots=True)
class Answer:
    """A query's answer, written in the media type negotiated for its kind."""

    kind: AnswerKind
    media_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Dataset:
    """The RDF dataset of one query (SPARQL 1.1 Protocol ``default-graph-uri`` and
    ``named-graph-uri``); empty sequences mean the store's default dataset."""

    default_graphs: Sequence[str] = ()
    named_graphs: Sequence[str] = ()


class Store(Protocol):
    """A quad store that answers SPARQL 1.1 and reads and writes whole graphs.

    Errors: a query or update that does not parse is a ``QuerySyntaxError``; an unknown
    graph a ``NotFoundError``; a query past ``timeout`` seconds a ``QueryTimeoutError``; an
    answer over ``limit`` bytes a ``ResultTooLargeError``; no accepted media type a
    ``NotAcceptableError``; a store that cannot be reached a ``StoreUnavailableError``.
    """

    def query(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        format_name: str | None = None,
        dataset: Dataset | None = None,
        bindings: Mapping[str, str] | None = None,
        timeout: float | None = None,
        limit: int | None = None,
    ) -> Answer:
        """Run a query; ``bindings`` map variable names (no ``?``) to N-Triples terms that
        replace them (SEP-0007). The answer's media type is negotiated from ``accept`` (or
        ``format_name``) once the query's kind is known."""
        ...

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        """Run a SPARQL 1.1 Update, atomically."""
        ...

    def read_graph(self, graph: str | None, *, accept: str | None = None) -> Answer:
        """A graph's triples, in the negotiated RDF format."""
        ...

    def write_graph(
        self, graph: str | None, data: bytes, media_type: str, *, replace: bool
    ) -> bool:
        """Replace (``replace``) or add to a graph, atomically; True if it did not exist."""
        ...

    def delete_graph(self, graph: str | None) -> None:
        """Remove a named graph (or empty the default graph)."""
        ...

    def replace_graphs(self, graphs: Mapping[str, bytes], *, delete: Sequence[str] = ()) -> None:
        """In one atomic step: each graph of ``graphs`` replaced by the given N-Triples, and
        each graph of ``delete`` removed. Nothing is written if any part fails."""
        ...

    def bulk_load(self, data: bytes, media_type: str) -> None:
        """Add a large amount of quads (N-Quads, TriG or JSON-LD) at a store's full speed.
        Not atomic: a failure part-way may leave part of the data written; callers check
        their input first and write quads that add to graphs holding nothing yet."""
        ...

    def has_graph(self, graph: str) -> bool: ...

    def named_graphs(self, prefix: str = "") -> list[str]:
        """The named graphs whose IRI starts with ``prefix``, sorted."""
        ...

    def triple_count(self) -> int: ...

    def ping(self) -> None:
        """Return if the store can answer, else raise ``StoreUnavailableError``."""
        ...

    def close(self) -> None: ...
