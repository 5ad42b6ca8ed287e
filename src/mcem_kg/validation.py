"""Validating opportunity records against the methodology with pySHACL.

``OpportunityValidator.load(settings)`` parses the ontology, the JSON context and schema and
the shapes, and computes the reasoning, once. Each ``validate`` call then loads the records
(already read into a :class:`~mcem_kg.records.RecordBatch`), derives their dated facts as of
a day, and runs the shapes over them together with the methodology, which the shapes consult
(a role's unit, a stage's number, who a discussion needs).

The methodology is not copied for every call: one data graph holds it, each call adds the
records' triples, validates, and takes them out again (under a lock, so calls do not see each
other's records).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyshacl
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from mcem_kg import sparql_cache
from mcem_kg.calendar import Calendar
from mcem_kg.derive import Deriver, MethodologyFacts
from mcem_kg.engine.compiler import CompiledShapes, compile_shapes
from mcem_kg.errors import InvalidInputError, QueryTimeoutError
from mcem_kg.methodology import Methodology, load_methodology
from mcem_kg.records import RecordBatch, RecordReader, unwrap
from mcem_kg.report import Report, build_report, merge_reports
from mcem_kg.settings import Settings
from mcem_kg.shapes import ShapeSet
from mcem_kg.terms import TermIndex
from mcem_kg.vocabulary import MCEM


def today() -> date:
    """Today in UTC: the default "as of" day."""
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Everything validation reads, prepared once."""

    methodology: Methodology
    terms: TermIndex
    reader: RecordReader
    shapes: ShapeSet
    deriver: Deriver
    calendar: Calendar
    # The methodology, asserted and inferred, in one graph (read at start-up).
    knowledge: Graph
    # The shapes compiled to SPARQL, for validating in a store (mcem_kg.engine).
    compiled: CompiledShapes


class OpportunityValidator:
    """Validates records; one per process (it is safe to share between threads)."""

    def __init__(self, context: ValidationContext) -> None:
        self.context = context
        # The data graph: the methodology, to which each call adds its records for the run.
        self._data = context.knowledge
        self._terms = frozenset(self._data.all_nodes())
        asserted = context.methodology.asserted
        self._individuals = frozenset(s for s in asserted.subjects() if isinstance(s, URIRef))
        # Classes of the methodology's individuals (Stage, Role, Handoff, ...): records may
        # not add members of their own.
        self._methodology_classes = frozenset(
            o
            for s, o in asserted.subject_objects(RDF.type)
            if s in self._individuals and str(o).startswith(str(MCEM))
        )
        self._lock = threading.Lock()
        sparql_cache.install()
        # One pySHACL validator for the process: it gathers the shapes once and validates the
        # data graph as it is at each run (in place: no copy, no inference).
        self._engine = pyshacl.Validator(
            DataGraph.from_rdflib(self._data),
            shacl_graph=context.shapes.graph,
            options={
                "inference": "none",
                "inplace": True,
                "allow_warnings": True,
                "allow_infos": True,
            },
        )

    @classmethod
    def load(
        cls, settings: Settings, methodology: Methodology | None = None
    ) -> OpportunityValidator:
        methodology = methodology or load_methodology(settings.ontology_dir)
        knowledge = methodology.asserted + methodology.inferred
        terms = TermIndex.build(knowledge)
        shapes = ShapeSet.load(settings.shapes_dir, knowledge, terms)
        context = ValidationContext(
            methodology=methodology,
            terms=terms,
            reader=RecordReader.load(settings.ontology_dir, terms, settings.data_namespace),
            shapes=shapes,
            compiled=compile_shapes(shapes.graph),
            deriver=Deriver(MethodologyFacts.read(knowledge, settings.ontology_dir)),
            calendar=Calendar.from_spec(settings.holidays),
            knowledge=knowledge,
        )
        return cls(context)

    @property
    def reader(self) -> RecordReader:
        return self.context.reader

    def stage(self, value: object) -> URIRef:
        """The stage a gate check names (number or label); an error lists the stages."""
        found = self.context.terms.find(MCEM.Stage, value)
        if found is None:
            stages = ", ".join(self.context.terms.all_codes(MCEM.Stage))
            raise InvalidInputError(
                f"unknown stage {value!r} for the gate check; expected one of {stages}"
            )
        return found

    def validate(
        self,
        batch: RecordBatch,
        as_of: date | None = None,
        to_stage: object | None = None,
        calendar: Calendar | None = None,
        timeout: float | None = None,
    ) -> Report:
        """Judge every record of ``batch`` as of ``as_of`` (default today, UTC).

        ``to_stage`` is the gate check: each record is judged as if it moved to that stage on
        ``as_of``, so the results list what is still missing to get there. ``calendar``
        overrides the holidays of the settings for this call. Past ``timeout`` seconds the
        work stops, between two opportunities, with :class:`QueryTimeoutError`.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        day = as_of or today()
        target = self.stage(to_stage) if to_stage is not None else None
        records = Graph()
        records += batch.graph
        warnings = [*batch.warnings, *self.screen(records)]
        self.context.deriver.derive(records, day, calendar or self.context.calendar, target)
        reports = []
        # One opportunity at a time: pySHACL's cost grows faster than the data graph, and a
        # record's rules only ever look at the record (and the methodology).
        opportunities = self.context.deriver.opportunities(records)
        parts = partition(records, opportunities) if len(opportunities) > 1 else [records]
        for part in parts:
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeoutError(timeout or 0.0)
            with self._lock, self._loaded(part):
                _conforms, results, _text = self._engine.run()  # type: ignore[no-untyped-call]
            reports.append(results)
        return build_report(self.context, records, merge_reports(reports), day, warnings)

    def screen(self, records: Graph) -> list[str]:
        """Records use the methodology's terms; they may not restate them. What a record says
        of a stage, role or handoff (a role of its own, another stage number) is dropped with
        a warning; a term of the ontology's namespace that the ontology lacks (a typo such as
        mcem:budgetValidatd) is warned about."""
        warnings = []
        restated = [
            t
            for t in records
            if t[0] in self._individuals or (t[1] == RDF.type and t[2] in self._methodology_classes)
        ]
        for triple in restated:
            records.remove(triple)
        if restated:
            warnings.append(
                f"{len(restated)} statements about the methodology's own terms were ignored "
                f"(e.g. {' '.join(t.n3() for t in restated[0])})"
            )
        used = set(records.predicates()) | set(records.objects(None, RDF.type))
        unknown = {t for t in used if isinstance(t, URIRef) and str(t).startswith(str(MCEM))}
        warnings += [
            f"{term.n3()} is not a term of the ontology" for term in sorted(unknown - self._terms)
        ]
        return warnings

    def validate_records(
        self,
        records: object,
        as_of: date | None = None,
        to_stage: object | None = None,
        source: str = "records",
    ) -> Report:
        """Validate plain JSON records (a record, a list, or ``{"opportunities": [...]}``)
        or an RDF graph of them."""
        if isinstance(records, Graph):
            batch = RecordBatch(graph=records)
        else:
            batch = self.reader.read(unwrap(records, source), source)
        return self.validate(batch, as_of, to_stage)

    @contextmanager
    def _loaded(self, records: Graph) -> Iterator[None]:
        added = [triple for triple in records if triple not in self._data]
        for triple in added:
            self._data.add(triple)
        try:
            yield
        finally:
            for triple in added:
                self._data.remove(triple)


def partition(records: Graph, opportunities: list[URIRef]) -> Iterator[Graph]:
    """Each opportunity's own triples: everything reachable from it through blank nodes and
    the record's other subjects (its milestones), with the derived facts among them."""
    roots = set(opportunities)
    for opportunity in opportunities:
        part = Graph()
        seen: set[Node] = set()
        todo: list[Node] = [opportunity]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for predicate, value in records.predicate_objects(node):
                part.add((node, predicate, value))
                if value not in roots and (value, None, None) in records:
                    todo.append(value)
        yield part


def validate(
    records: object,
    as_of: date | None = None,
    to_stage: object | None = None,
    *,
    validator: OpportunityValidator | None = None,
) -> Report:
    """Validate opportunity records against the methodology.

    ``records`` are plain JSON records (a dict, a list, or ``{"opportunities": [...]}``) or an
    RDF graph. Without a ``validator``, one is loaded from the environment's settings, which
    takes about a second: keep an :class:`OpportunityValidator` to validate many times.
    """
    validator = validator or OpportunityValidator.load(Settings.from_env())
    return validator.validate_records(records, as_of, to_stage)
