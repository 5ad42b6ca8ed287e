"""The embedded store: pyoxigraph (Oxigraph's RocksDB store) on disk, or in memory.

Every write is one Oxigraph transaction (a SPARQL Update or an atomic ``extend``), so a
crash leaves each write whole or absent; RocksDB's write-ahead log keeps what was
acknowledged. Oxigraph cannot interrupt a running query: the timeout is enforced around it,
by :class:`mcem_kg.store.process.ProcessStore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from mcem_kg.errors import (
    InvalidInputError,
    McemError,
    NotFoundError,
    QuerySyntaxError,
    ResultTooLargeError,
    StoreUnavailableError,
    UnsupportedMediaTypeError,
)
from mcem_kg.media import AnswerKind, negotiate
from mcem_kg.store.base import Answer, Dataset
from mcem_kg.store.checks import declares_dataset, refuse_remote


class _Capped:
    """A binary sink that refuses to grow past ``limit`` bytes, which stops the serializer
    (and with it the lazy query evaluation feeding it)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise ResultTooLargeError(self.limit)
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the parts are joined at the end."""

    def value(self) -> bytes:
        return b"".join(self.parts)

    def io(self) -> IO[bytes]:
        """This sink as the binary file pyoxigraph's serializers write to."""
        return cast(IO[bytes], self)


def _graph_name(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    if graph is None:
        return ox.DefaultGraph()
    try:
        return ox.NamedNode(graph)
    except ValueError as exc:
        raise InvalidInputError(f"{graph!r} is not an absolute IRI: {exc}") from exc


def parse_term(text: str) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """One RDF term written as in N-Triples (``<iri>``, ``"v"^^<dt>``, ``_:b``)."""
    try:
        quads = list(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as exc:
        raise InvalidInputError(f"{text!r} is not an RDF term in N-Triples syntax") from exc
    term = quads[0].object
    if not isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        raise InvalidInputError(f"{text!r}: a quoted triple cannot be bound")
    return term


def with_values(sparql: str, bindings: Mapping[str, str]) -> str:
    """``sparql`` with a trailing ``VALUES`` clause binding each variable to its term.

    The clause is joined with the query's pattern before grouping and projection (SPARQL 1.1
    §18.2.4.3), as rdflib's ``initBindings`` are, so a parameter may be a variable the query
    does not project; Oxigraph's substitutions would need it projected. Each term is parsed
    and written anew, so a value cannot inject syntax.
    """
    names = " ".join(f"?{ox.Variable(name).value}" for name in bindings)
    terms = " ".join(str(parse_term(term)) for term in bindings.values())
    return f"{sparql}\nVALUES ({names}) {{ ({terms}) }}\n"


def _sparql_graph(graph: str) -> str:
    try:
        return f"<{ox.NamedNode(graph).value}>"
    except ValueError as exc:
        raise InvalidInputError(f"{graph!r} is not an absolute IRI: {exc}") from exc


class EmbeddedStore:
    """A :class:`~mcem_kg.store.base.Store` on pyoxigraph, in this process."""

    def __init__(self, path: Path | None) -> None:
        """Open (or create) the store at ``path``; ``None`` keeps it in memory."""
        self.path = path
        self._open: ox.Store | None
        try:
            if path is None:
                self._open = ox.Store()
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._open = ox.Store(str(path))
        except OSError as exc:
            raise StoreUnavailableError(f"cannot open the store at {path}: {exc}") from exc

    @property
    def _store(self) -> ox.Store:
        if self._open is None:
            raise StoreUnavailableError("the store is closed")
        return self._open

    # --- queries ----------------------------------------------------------------------

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
        """See :meth:`Store.query`. ``timeout`` is not enforced here (see the module)."""
        del timeout
        options: dict[str, Any] = {}
        refuse_remote(sparql, update=False)
        if dataset is not None and (dataset.default_graphs or dataset.named_graphs):
            # The protocol's dataset replaces the default one whole (SPARQL 1.1 Protocol
            # §2.1.4): named graphs alone leave an empty default graph.
            options["default_graph"] = [_graph_name(g) for g in dataset.default_graphs]
        elif not declares_dataset(sparql):
            options["use_default_graph_as_union"] = True
        if dataset is not None and dataset.named_graphs:
            options["named_graphs"] = [_graph_name(g) for g in dataset.named_graphs]
        if bindings:
            sparql = with_values(sparql, bindings)
        try:
            result = self._store.query(sparql, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"the query does not parse: {exc}") from exc
        except OSError as exc:
            raise StoreUnavailableError(f"the store could not be read: {exc}") from exc
        failure: McemError | None = None
        try:
            return self._serialize(result, accept, format_name, limit)
        except McemError as exc:
            # pyoxigraph's lazy results may only be dropped on the thread that made them; the
            # error's traceback would keep them alive (in the frames above) into whichever
            # thread handles it, so it leaves without its traceback.
            failure = exc.with_traceback(None)
        del result
        raise failure

    def _serialize(
        self, result: object, accept: str | None, format_name: str | None, limit: int | None
    ) -> Answer:
        sink = _Capped(limit)
        if isinstance(result, ox.QueryBoolean):
            media = negotiate(accept, AnswerKind.BOOLEAN, format_name=format_name)
            result.serialize(sink.io(), format=media.results)
            return Answer(AnswerKind.BOOLEAN, media.media_type, sink.value())
        if isinstance(result, ox.QuerySolutions):
            media = negotiate(accept, AnswerKind.SOLUTIONS, format_name=format_name)
            _write(lambda: result.serialize(sink.io(), format=media.results))
            return Answer(AnswerKind.SOLUTIONS, media.media_type, sink.value())
        assert isinstance(result, ox.QueryTriples)
        media = negotiate(accept, AnswerKind.GRAPH, format_name=format_name)
        _write(lambda: result.serialize(sink.io(), format=media.rdf))
        return Answer(AnswerKind.GRAPH, media.media_type, sink.value())

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        del timeout
        refuse_remote(sparql, update=True)
        self._apply(sparql)

    def _apply(self, sparql: str) -> None:
        """Run an update this module wrote itself."""
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"the update does not parse: {exc}") from exc
        except OSError as exc:
            raise StoreUnavailableError(f"the update could not be written: {exc}") from exc

    # --- graphs -----------------------------------------------------------------------

    def read_graph(self, graph: str | None, *, accept: str | None = None) -> Answer:
        name = _graph_name(graph)
        if graph is not None and not self._store.contains_named_graph(name):
            raise NotFoundError(f"no graph {graph}")
        media = negotiate(accept, AnswerKind.GRAPH)
        body = self._store.dump(format=media.rdf, from_graph=name)
        assert body is not None
        return Answer(AnswerKind.GRAPH, media.media_type, body)

    def write_graph(
        self, graph: str | None, data: bytes, media_type: str, *, replace: bool
    ) -> bool:
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise InvalidInputError(f"{media_type!r} is not an RDF format")
        name = _graph_name(graph)
        try:
            triples = ox.serialize(
                (
                    ox.Triple(q.subject, q.predicate, q.object)
                    for q in ox.parse(data, format=fmt, base_iri=graph)
                ),
                format=ox.RdfFormat.N_TRIPLES,
            )
        except SyntaxError as exc:
            raise InvalidInputError(f"the {fmt.name} body does not parse: {exc}") from exc
        assert triples is not None
        created = graph is not None and not self._store.contains_named_graph(name)
        target = "DEFAULT" if graph is None else f"GRAPH {_sparql_graph(graph)}"
        steps = []
        if replace:
            steps.append(f"CLEAR SILENT {target}" if graph is None else f"DROP SILENT {target}")
        if graph is not None:
            steps.append(f"CREATE SILENT {target}")
        steps.append(_insert({graph: triples}))
        self._apply(" ;\n".join(s for s in steps if s))
        return created

    def delete_graph(self, graph: str | None) -> None:
        name = _graph_name(graph)
        if graph is None:
            self._store.clear_graph(name)
            return
        if not self._store.contains_named_graph(name):
            raise NotFoundError(f"no graph {graph}")
        self._store.remove_graph(name)

    def replace_graphs(self, graphs: Mapping[str, bytes], *, delete: Sequence[str] = ()) -> None:
        steps = [f"DROP SILENT GRAPH {_sparql_graph(g)}" for g in [*delete, *graphs]]
        steps += [f"CREATE SILENT GRAPH {_sparql_graph(g)}" for g in graphs]
        # One INSERT DATA for all graphs: a blank node label is one node within it.
        steps.append(_insert({**graphs}))
        if steps:
            self._apply(" ;\n".join(s for s in steps if s))

    def select(self, sparql: str) -> list[dict[str, Node]]:
        """A SELECT's solutions as rdflib terms, over the union of the graphs: for callers in
        this process that want rows, not a serialized answer (a few milliseconds count)."""
        try:
            solutions = self._store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise InvalidInputError("expected a SELECT query")
        names = [v.value for v in solutions.variables]
        return [
            {
                name: to_rdflib(term)
                for name, term in zip(names, row, strict=True)
                if term is not None
            }
            for row in solutions
        ]

    def optimize(self) -> None:
        """Compact the store after a bulk load, so that the queries after it do not pay for
        the compaction (Oxigraph's ``Store.optimize``)."""
        try:
            self._store.optimize()
        except OSError as exc:
            raise StoreUnavailableError(f"the store cannot be optimized: {exc}") from exc

    def bulk_load(self, data: bytes, media_type: str) -> None:
        kind = ox.RdfFormat.from_media_type(media_type)
        if kind is None or not kind.supports_datasets:
            raise UnsupportedMediaTypeError(media_type, [NQUADS_TYPE, TRIG_TYPE, JSONLD_TYPE])
        try:
            self._store.bulk_load(data, format=kind)
        except SyntaxError as exc:
            raise InvalidInputError(f"the data to load is not {kind.name}: {exc}") from exc
        except OSError as exc:
            raise StoreUnavailableError(f"the store cannot be written: {exc}") from exc

    def has_graph(self, graph: str) -> bool:
        return bool(self._store.contains_named_graph(_graph_name(graph)))

    def named_graphs(self, prefix: str = "") -> list[str]:
        return sorted(
            g.value
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)
        )

    def triple_count(self) -> int:
        return len(self._store)

    def load(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction (start-up loading)."""
        self._store.extend(quads)

    def ping(self) -> None:
        try:
            self._store.query("ASK {}")
        except OSError as exc:
            raise StoreUnavailableError(f"the store cannot be read: {exc}") from exc

    def close(self) -> None:
        """Flush the store and let it go, so that its directory (and lock) is free to be
        opened again; calls after this raise ``StoreUnavailableError``. Closing again does
        nothing."""
        if self._open is None:
            return
        if self.path is not None:
            self._open.flush()
        self._open = None


NT = ox.RdfFormat.N_TRIPLES
_STRING = "http://www.w3.org/2001/XMLSchema#string"
NQUADS_TYPE = ox.RdfFormat.N_QUADS.media_type
TRIG_TYPE = ox.RdfFormat.TRIG.media_type
JSONLD_TYPE = ox.RdfFormat.JSON_LD.media_type


def to_rdflib(term: object) -> Node:
    """An rdflib term for a pyoxigraph one (a plain literal without its xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _STRING else URIRef(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


def _insert(graphs: Mapping[str, bytes] | Mapping[str | None, bytes]) -> str:
    """One ``INSERT DATA`` of N-Triples (valid SPARQL triples as they are), or nothing.

    The triples are parsed and written anew first, so that bytes that are not N-Triples
    cannot add SPARQL of their own (blank node labels are kept: one label, one node)."""
    blocks = []
    for graph, triples in graphs.items():
        if not triples.strip():
            continue
        try:
            body = (ox.serialize(ox.parse(triples, format=NT), format=NT) or b"").decode()
        except SyntaxError as exc:
            raise InvalidInputError(f"graph {graph}: not N-Triples: {exc}") from exc
        blocks.append(body if graph is None else f"GRAPH {_sparql_graph(graph)} {{\n{body}}}")
    return f"INSERT DATA {{\n{chr(10).join(blocks)}}}" if blocks else ""


def _write(serialize: Any) -> None:
    """Run a serializer; the cap's error passes, a write failure becomes a store error."""
    try:
        serialize()
    except ResultTooLargeError:
        raise
    except OSError as exc:
        raise StoreUnavailableError(f"the answer could not be written: {exc}") from exc
