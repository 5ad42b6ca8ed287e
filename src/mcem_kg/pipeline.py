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
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from mcem_kg.errors import (
    GuardRefusedError,
    InvalidInputError,
    NotFoundError,
    QueryTimeoutError,
)
from mcem_kg.records import RecordBatch
from mcem_kg.report import Report, ValidationResult
from mcem_kg.store import Store
from mcem_kg.validation import OpportunityValidator, partition, today
from mcem_kg.vocabulary import MCEM
from mcem_kg.writer import RecordWriter, WrittenRecord

NTRIPLES = "application/n-triples"
# Counts of results whose stage, unit or role is not known.
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Written:
    """The opportunities a write stored, and which of them are new."""

    ids: list[str]
    created: list[str]


@dataclass(frozen=True, slots=True)
class PipelineSummary:
    """The whole stored pipeline's verdicts, counted, with the report they come from."""

    report: Report
    by_rule: dict[str, int]
    by_stage: dict[str, int]
    by_unit: dict[str, int]
    by_role: dict[str, int]

    def to_json(self, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
        """The summary with one page of results (``offset``, at most ``limit`` of them)."""
        results = self.report.results
        end = len(results) if limit is None else offset + limit
        return {
            "asOf": self.report.as_of.isoformat(),
            "opportunities": len(self.report.opportunities),
            "conforms": self.report.conforms,
            "counts": {
                "byRule": self.by_rule,
                "byStage": self.by_stage,
                "byUnit": self.by_unit,
                "byRole": self.by_role,
            },
            "results": [r.to_json() for r in results[offset:end]],
            "offset": offset,
            "limit": limit,
            "total": len(results),
        }


class Pipeline:
    """Opportunities in a store, one graph each; safe to share between threads."""

    def __init__(self, store: Store, validator: OpportunityValidator, writer: RecordWriter) -> None:
        self.store = store
        self.validator = validator
        self.writer = writer
        self._reader = validator.reader
        self._deriver = validator.context.deriver

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
        self.store.replace_graphs(
            {iri: part.serialize(format="nt11", encoding="utf-8") for iri, part in parts.items()}
        )
        ids = [self._reader.record_id(iri) for iri in parts]
        return Written(ids, [self._reader.record_id(i) for i in parts if i not in existing])

    def delete(self, opportunity: str) -> None:
        """Remove an opportunity's graph; :class:`NotFoundError` if there is none."""
        iri = self.iri(opportunity)
        if not self._stored(iri):
            raise NotFoundError(f"no opportunity {opportunity!r}")
        self.store.replace_graphs({}, delete=[iri])

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
        return self.writer.write(self.read(opportunity), URIRef(self.iri(opportunity)))

    def ids(self) -> list[str]:
        """The ids of every stored opportunity, sorted by IRI."""
        return [self._reader.record_id(iri) for iri in self._graphs()]

    # --- validating --------------------------------------------------------------------------

    def validate_stored(
        self, opportunity: str, as_of: date | None = None, to_stage: object | None = None
    ) -> Report:
        batch = RecordBatch(graph=self.read(opportunity), ids=[opportunity])
        return self.validator.validate(batch, as_of, to_stage)

    def validate_all(
        self,
        as_of: date | None = None,
        to_stage: object | None = None,
        timeout: float | None = None,
    ) -> PipelineSummary:
        """Every stored opportunity, validated as of ``as_of``, with its results counted by
        rule, stage, accountable unit and accountable role. Past ``timeout`` seconds the
        work stops with :class:`QueryTimeoutError` (this runs pySHACL one opportunity at a
        time, in this process, until the store-side engine of the bulk-validation issue)."""
        started = time.monotonic()
        graph = Graph()
        for iri in self._graphs():
            if timeout is not None and time.monotonic() - started > timeout:
                raise QueryTimeoutError(timeout)
            graph.parse(data=self.store.read_graph(iri, accept=NTRIPLES).body, format="nt")
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - started))
        report = self.validator.validate(
            RecordBatch(graph=graph), as_of or today(), to_stage, timeout=left
        )
        return self.summarize(report)

    def summarize(self, report: Report) -> PipelineSummary:
        units = self._units()
        by_rule: Counter[str] = Counter()
        by_stage: Counter[str] = Counter()
        by_unit: Counter[str] = Counter()
        by_role: Counter[str] = Counter()
        for result in report.results:
            by_rule[result.rule] += 1
            by_stage[UNKNOWN if result.stage is None else str(result.stage)] += 1
            roles = _roles(result)
            by_role.update(roles or [UNKNOWN])
            # A result is counted once for each unit its accountable roles belong to.
            by_unit.update(sorted({units.get(role, UNKNOWN) for role in roles} or {UNKNOWN}))
        return PipelineSummary(
            report=report,
            by_rule=dict(sorted(by_rule.items())),
            by_stage=dict(sorted(by_stage.items())),
            by_unit=dict(sorted(by_unit.items())),
            by_role=dict(sorted(by_role.items())),
        )

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
            f"{{ VALUES ?p {{ {properties} }} GRAPH ?g {{ ?g ?p ?o }} }} }} ORDER BY ?g"
        )
        answer = self.store.query(sparql, accept="application/sparql-results+json")
        rows = json.loads(answer.body)["results"]["bindings"]
        return [row["g"]["value"] for row in rows]

    def _units(self) -> dict[str, str]:
        """Each role's code -> the code of the unit it belongs to, from the methodology."""
        terms = self.validator.context.terms
        knowledge = self.validator.context.knowledge
        return {
            terms.code(role): terms.code(unit)
            for unit, role in knowledge.subject_objects(MCEM.hasRole)
            if isinstance(unit, URIRef) and isinstance(role, URIRef)
        }


def _roles(result: ValidationResult) -> list[str]:
    return [r for r in (result.accountable_role or "").split("/") if r]
