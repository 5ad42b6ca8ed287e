"""The stored pipeline: opportunities written, read, deleted and validated in a store.

What the HTTP service's ``/opportunities`` and ``/validation`` operations do, as a library
with no HTTP in it (README, "Validating opportunities" and "The JSON report"). Each
opportunity is one named graph whose IRI is the opportunity's own IRI (as the service's seed
loading stores them), so a record is replaced or removed whole. A batch of records is written
in one atomic ``Store.replace_graphs`` step: all of it or nothing. In guard mode the batch is
validated first and a Violation refuses the whole write (:class:`GuardRefusedError`).

Stored graphs are read through the store as N-Triples and judged by the same
:class:`~mcem_kg.validation.OpportunityValidator` as any input, so a stored record gets the
verdicts it got when it was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from mcem_kg.derive import OpportunityFacts
from mcem_kg.engine.fallback import Fallback
from mcem_kg.engine.run import BulkValidator
from mcem_kg.entailment import StoreEntailer
from mcem_kg.errors import (
    GuardRefusedError,
    InvalidInputError,
    NotFoundError,
    QueryTimeoutError,
)
from mcem_kg.records import RecordBatch
from mcem_kg.report import Report
from mcem_kg.settings import DEFAULT_GRAPH_NAMESPACE
from mcem_kg.store import Store
from mcem_kg.store.layout import GraphNames
from mcem_kg.summary import CurrentResults, PipelineSummary, summarize
from mcem_kg.validation import OpportunityValidator, partition, today
from mcem_kg.writer import RecordWriter, WrittenRecord

NTRIPLES = "application/n-triples"


@dataclass(frozen=True, slots=True)
class Written:
    """The opportunities a write stored, and which of them are new."""

    ids: list[str]
    created: list[str]


class Pipeline:
    """Opportunities in a store, one graph each; safe to share between threads."""

    def __init__(
        self,
        store: Store,
        validator: OpportunityValidator,
        writer: RecordWriter | None = None,
        names: GraphNames | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.writer = writer
        self.names = names or GraphNames.under(DEFAULT_GRAPH_NAMESPACE)
        context = validator.context
        self._reader = validator.reader
        self._deriver = context.deriver
        self.entailer = StoreEntailer(context.deriver, context.calendar, self.names)
        self.engine = BulkValidator(
            context,
            context.compiled,
            self.entailer,
            Fallback(
                context.knowledge,
                shapes=context.shapes.graph,
                uncompiled=context.compiled.uncompiled,
                names=self.names,
                field_names=context.reader.field_names,
            ),
        )
        # Validation runs bring the store's day-dependent facts to their day: one at a time.
        self._validating = threading.Lock()
        self._current = CurrentResults(self.iri)

    def _ready(self) -> None:
        """The store validates with the methodology in it: write it if it is missing."""
        if not self.store.has_graph(self.names.methodology):
            self.install_methodology()

    def entail_missing(self) -> int:
        """Derive the entailed graphs the store lacks (a store written before they existed,
        or by a process that died between a bulk load's records and their entailments);
        returns how many were written."""
        have = set(self.store.named_graphs(self.names.entailed_prefix))
        missing = [g for g in self._graphs() if self.names.entailed(g) not in have]
        for start in range(0, len(missing), 1000):
            self.entailer.write(self.store, missing[start : start + 1000], today())
        return len(missing)

    def install_methodology(self) -> bool:
        """Write the methodology's graphs (asserted, inferred) and the shapes afresh, in one
        step; True if the store had none (its first start)."""
        context = self.validator.context
        first = not self.store.has_graph(self.names.methodology)
        self.store.replace_graphs(
            {
                self.names.methodology: _ntriples(context.methodology.asserted),
                self.names.inferred: _ntriples(context.methodology.inferred),
                self.names.shapes: _ntriples(context.shapes.graph),
            }
        )
        return first

    # --- writing -----------------------------------------------------------------------------

    def write(
        self, batch: RecordBatch, *, guard: bool = False, as_of: date | None = None
    ) -> Written:
        """Store every opportunity of ``batch`` (each replacing its graph), in one step.

        With ``guard``, the batch is validated as of ``as_of`` first; any Violation refuses
        it whole with :class:`GuardRefusedError`, whose report is the JSON report."""
        parts = self._parts(batch.graph)
        if not parts:
            raise InvalidInputError("the body holds no opportunity; expected at least one record")
        return self._commit(parts, batch, guard, as_of)

    def put(
        self,
        opportunity: str,
        batch: RecordBatch,
        *,
        guard: bool = False,
        as_of: date | None = None,
    ) -> bool:
        """Store ``batch`` as opportunity ``opportunity``: the batch must hold that one
        opportunity and no other. True if it is new."""
        expected = self.iri(opportunity)
        parts = self._parts(batch.graph)
        found = [self._reader.record_id(iri) for iri in parts if iri != expected]
        if found:
            raise InvalidInputError(
                f"the body holds opportunit{'ies' if len(found) > 1 else 'y'} "
                f"{', '.join(map(repr, found))}; expected only {opportunity!r}, the id of the URL"
            )
        if not parts:
            raise InvalidInputError(f"the body holds no opportunity; expected {opportunity!r}")
        return bool(self._commit(parts, batch, guard, as_of).created)

    def _commit(
        self, parts: dict[str, Graph], batch: RecordBatch, guard: bool, as_of: date | None
    ) -> Written:
        if guard:
            report = self.validator.validate(batch, as_of)
            violations = sum(r.severity == "Violation" for r in report.results)
            if violations:
                raise GuardRefusedError(report.to_json(), violations)
        existing = {iri for iri in parts if self.store.has_graph(iri)}
        day = today()
        graphs = {}
        for iri, part in parts.items():
            graphs[iri] = part.serialize(format="nt11", encoding="utf-8")
            facts = OpportunityFacts.of(part, URIRef(iri))
            graphs[self.names.entailed(iri)] = self.entailer.entailed(facts, day)
        self.store.replace_graphs(graphs)
        self._revalidate(list(parts))
        ids = [self._reader.record_id(iri) for iri in parts]
        return Written(ids, [self._reader.record_id(i) for i in parts if i not in existing])

    def delete(self, opportunity: str) -> None:
        """Remove an opportunity's graph; :class:`NotFoundError` if there is none."""
        iri = self.iri(opportunity)
        if not self._stored(iri):
            raise NotFoundError(f"no opportunity {opportunity!r}")
        self.store.replace_graphs({}, delete=[iri, self.names.entailed(iri)])
        with self._validating:
            self._current.remove([opportunity])

    # --- reading -----------------------------------------------------------------------------

    def iri(self, opportunity: str) -> str:
        return self._reader.iri("opportunity", opportunity)

    def read(self, opportunity: str) -> Graph:
        """The opportunity's stored graph; :class:`NotFoundError` if there is none."""
        iri = self.iri(opportunity)
        if not self._stored(iri):
            raise NotFoundError(f"no opportunity {opportunity!r}")
        graph = Graph()
        graph.parse(data=self.store.read_graph(iri, accept=NTRIPLES).body, format="nt")
        return graph

    def record(self, opportunity: str) -> WrittenRecord:
        """The opportunity as a plain JSON record (:mod:`mcem_kg.writer`)."""
        if self.writer is None:
            raise RuntimeError("this pipeline was made without a record writer")
        return self.writer.write(self.read(opportunity), URIRef(self.iri(opportunity)))

    def ids(self) -> list[str]:
        """The ids of every stored opportunity, sorted by IRI."""
        return [self._reader.record_id(iri) for iri in self._graphs()]

    # --- validating --------------------------------------------------------------------------

    def validate_batch(
        self, batch: RecordBatch, as_of: date | None = None, to_stage: object | None = None
    ) -> Report:
        """Records that are not stored, judged as stored ones are (by the compiled shapes, in
        a scratch store); the report is :meth:`OpportunityValidator.validate`'s, which judges
        a gate check (``to_stage``)."""
        if to_stage is not None:
            return self.validator.validate(batch, as_of, to_stage)
        day = as_of or today()
        records = Graph()
        records += batch.graph
        warnings = [*batch.warnings, *self.validator.screen(records)]
        parts = self._parts(records)
        lines = []
        for iri, part in parts.items():
            facts = OpportunityFacts.of(part, URIRef(iri))
            entailed = self.names.entailed(iri)
            for name, data in (
                (iri, _ntriples(part)),
                (entailed, self.entailer.entailed(facts, day)),
            ):
                lines += [
                    f"{line[:-2]} <{name}> .\n" for line in data.decode().splitlines() if line
                ]
        report = self.engine.validate_data("".join(lines).encode(), sorted(parts), day)
        return replace(report, warnings=warnings)

    def validate_stored(
        self, opportunity: str, as_of: date | None = None, to_stage: object | None = None
    ) -> Report:
        """One stored opportunity's report: in the store, by the compiled shapes; a gate
        check (``to_stage``) by pySHACL over the record read back."""
        if to_stage is not None:
            batch = RecordBatch(graph=self.read(opportunity), ids=[opportunity])
            return self.validator.validate(batch, as_of, to_stage)
        iri = self.iri(opportunity)
        if not self._stored(iri):
            raise NotFoundError(f"no opportunity {opportunity!r}")
        self._ready()
        with self._validating:
            return self.engine.validate(self.store, [iri], as_of or today())

    def validate_all(
        self,
        as_of: date | None = None,
        to_stage: object | None = None,
        timeout: float | None = None,
    ) -> PipelineSummary:
        """Every stored opportunity, validated as of ``as_of``, with its results counted by
        rule, stage, accountable unit and accountable role, in the store by the compiled
        shapes. A gate check (``to_stage``) reads the records back and runs pySHACL. Past
        ``timeout`` seconds the work stops with :class:`QueryTimeoutError`."""
        started = time.monotonic()
        day = as_of or today()
        if to_stage is None:
            self._ready()
            with self._validating:
                report = self._current.report(day)
                if report is None:
                    report = self.engine.validate(
                        self.store, self._graphs, day, timeout, started=started
                    )
                    self._current.keep(report)
            return self.summarize(report)
        graphs = self._graphs()
        graph = Graph()
        for iri in graphs:
            if timeout is not None and time.monotonic() - started > timeout:
                raise QueryTimeoutError(timeout)
            graph.parse(data=self.store.read_graph(iri, accept=NTRIPLES).body, format="nt")
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        report = self.validator.validate(
            RecordBatch(graph=graph), as_of or today(), to_stage, timeout=left
        )
        return self.summarize(report)

    def summarize(self, report: Report) -> PipelineSummary:
        return summarize(self.validator.context, report)

    def changed(self, graphs: Iterable[str] | None) -> None:
        """Graphs were written other than through this pipeline (SPARQL Update, the Graph
        Store Protocol): derive the entailed graphs of those that hold opportunities anew,
        drop those of graphs that no longer do, and bring the kept results up to date
        (``None``: any graph may have changed)."""
        stored = set(self._graphs())
        if graphs is not None and "" in graphs:  # the default graph: no record's, but seen
            self.current_results_forget()
            graphs = [g for g in graphs if g]
        if graphs is None:
            self.entailer.write(self.store, sorted(stored), today())
            self.current_results_forget()
            return
        written = sorted(set(graphs) & stored)
        gone = [g for g in set(graphs) - stored if self.store.has_graph(self.names.entailed(g))]
        if written:
            self.entailer.write(self.store, written, today())
        if gone:
            self.store.replace_graphs({}, delete=[self.names.entailed(g) for g in gone])
        with self._validating:
            self._current.remove(self._reader.record_id(g) for g in gone)
        self._revalidate(written)

    def current_results_forget(self) -> None:
        """Forget the kept whole-pipeline results (after a bulk import)."""
        with self._validating:
            self._current.forget()

    def _revalidate(self, graphs: Sequence[str]) -> None:
        """Revalidate written opportunities into the kept results, if there are any."""
        if not graphs:
            return
        with self._validating:
            if self._current.day is not None:
                self._current.update(self.engine.validate(self.store, graphs, self._current.day))

    # --- helpers -----------------------------------------------------------------------------

    def _parts(self, graph: Graph) -> dict[str, Graph]:
        """Each opportunity's own triples, by the opportunity's IRI (its graph's name).

        What RDF input says about the methodology's own terms (a role's unit) is not stored:
        validation ignores it, and in the store it would join the methodology in every
        query over the union of the graphs."""
        knowledge = self.validator.context.knowledge
        records = Graph()
        for triple in graph:
            if (triple[0], None, None) not in knowledge:
                records.add(triple)
        graph = records
        opportunities = self._deriver.opportunities(graph)
        return {
            str(iri): part
            for iri, part in zip(opportunities, partition(graph, opportunities), strict=True)
        }

    def _stored(self, iri: str) -> bool:
        """Whether a graph of this name holds that opportunity (not another kind of graph)."""
        if not self.store.has_graph(iri):
            return False
        return iri in self._graphs(only=iri)

    def stored_graphs(self) -> list[str]:
        """The graph names (= IRIs) of every stored opportunity, sorted."""
        return self._graphs()

    def _graphs(self, only: str | None = None) -> list[str]:
        """The names of the graphs that hold the opportunity they are named after: one of
        an opportunity class, or the subject of a property only opportunities have."""
        facts = self._deriver.facts
        classes = " ".join(f"<{c}>" for c in sorted(facts.opportunity_classes))
        properties = " ".join(f"<{p}>" for p in sorted(facts.opportunity_properties))
        where = f"VALUES ?g {{ <{only}> }}" if only else ""
        sparql = (
            f"SELECT DISTINCT ?g WHERE {{ {where} "
            f"{{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?g <{RDF.type}> ?c }} }} UNION "
            f"{{ VALUES ?p {{ {properties} }} GRAPH ?g {{ ?g ?p ?o }} }} }}"
        )
        answer = self.store.query(sparql, accept="application/sparql-results+json")
        rows = json.loads(answer.body)["results"]["bindings"]
        # Sorted here: the store's ORDER BY over 100,000 IRIs took a minute (it compares
        # the strings, looked up for every comparison).
        return sorted(row["g"]["value"] for row in rows)


def _ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt11", encoding="utf-8")
