"""Validating the opportunities of a store with the compiled checks, in the store.

A run brings the day-dependent entailments to the validation day, sends every check's query
to the store (two at a time: the machines this serves have two cores), hands the shapes the
compiler left aside to pySHACL, and tells each result in the report's terms with three more
queries: which opportunity each focus node belongs to, the opportunities' current stages, and
the due dates of the deadline results. The report is the one pySHACL's results give
(:func:`mcem_kg.report.build_report`); the equivalence tests hold the two to that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import orjson
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from mcem_kg.engine.compiler import Check, CompiledShapes
from mcem_kg.engine.fallback import Fallback, Finding
from mcem_kg.entailment import StoreEntailer
from mcem_kg.errors import QueryTimeoutError
from mcem_kg.report import Report, describe, in_order, path_label
from mcem_kg.shapes import MCEMSH
from mcem_kg.store import EmbeddedStore, Store, terms
from mcem_kg.validation import ValidationContext
from mcem_kg.vocabulary import MCEM

JSON = "application/sparql-results+json"
NQUADS = "application/n-quads"
_TYPE = f"<{RDF.type}>"
# Graphs per lookup query (a VALUES block of this many IRIs).
BATCH = 5000


@dataclass(frozen=True, slots=True)
class _Plan:
    graphs: list[str]
    timeout: float | None
    started: float

    def left(self) -> float | None:
        """The seconds left; :class:`QueryTimeoutError` when there are none."""
        if self.timeout is None:
            return None
        left = self.timeout - (time.monotonic() - self.started)
        if left <= 0:
            raise QueryTimeoutError(self.timeout)
        return left


class BulkValidator:
    """Validates stored opportunities with compiled shapes; safe to share between threads
    when each run's store calls are (they are for both stores)."""

    def __init__(
        self,
        context: ValidationContext,
        compiled: CompiledShapes,
        entailer: StoreEntailer,
        fallback: Fallback,
        workers: int = 2,
    ) -> None:
        self.context = context
        self.compiled = compiled
        self.entailer = entailer
        self.fallback = fallback
        self.workers = workers
        self._scratch_store: EmbeddedStore | None = None
        self._scratch_lock = threading.Lock()
        # Seconds each check took in the last run.
        self._costs: dict[Check, float] = {}
        self._supers: dict[URIRef, frozenset[Node]] = {}

    def validate(
        self,
        store: Store,
        graphs: Sequence[str] | Callable[[], Sequence[str]],
        as_of: date,
        timeout: float | None = None,
        *,
        started: float | None = None,
    ) -> Report:
        """Validate opportunities as of ``as_of``. ``graphs`` names their graphs, or is a
        function listing all of the store's opportunities: then the checks run in the store,
        all at once, while the listing runs beside them. Named graphs are copied into a
        scratch store that holds only the methodology, and the checks run there, which for a
        few opportunities costs milliseconds whatever the size of the store. Past
        ``timeout`` seconds (counted from ``started``, a ``time.monotonic()``, by default
        now) the run stops with :class:`QueryTimeoutError`."""
        begun = time.monotonic() if started is None else started
        if callable(graphs):
            return self._validate(store, graphs, as_of, _Plan([], timeout, begun))
        plan = _Plan(list(graphs), timeout, begun)
        if not plan.graphs:
            return Report(as_of=as_of, results=[], opportunities=[])
        names = self.entailer.names
        copied = [*plan.graphs, *(names.entailed(g) for g in plan.graphs)]
        return self._in_scratch(terms.nquads(store, copied), plan, as_of)

    def validate_data(self, nquads: bytes, graphs: Sequence[str], as_of: date) -> Report:
        """Validate opportunities that are not stored: ``nquads`` holds their graphs and
        their entailed graphs (as the pipeline writes them), ``graphs`` their names."""
        plan = _Plan(list(graphs), None, time.monotonic())
        if not plan.graphs:
            return Report(as_of=as_of, results=[], opportunities=[])
        return self._in_scratch(nquads, plan, as_of)

    def _in_scratch(self, data: bytes, plan: _Plan, as_of: date) -> Report:
        names = self.entailer.names
        copied = [*plan.graphs, *(names.entailed(g) for g in plan.graphs)]
        checks = self._reaching(data)
        with self._scratch_lock:
            scratch = self._scratch()
            scratch.bulk_load(data, NQUADS)
            try:
                return self._validate(scratch, lambda: plan.graphs, as_of, plan, checks)
            finally:
                scratch.replace_graphs({}, delete=copied)

    def _reaching(self, nquads: bytes) -> tuple[Check, ...]:
        """The checks whose targets can select a node of these few opportunities' graphs:
        the others find nothing there (a check whose focus nodes are the methodology's own
        finds nothing that belongs to an opportunity), and skipping them saves a query."""
        predicates: set[str] = set()
        classes: set[str] = set()
        for line in nquads.decode("utf-8").splitlines():
            _subject, predicate, rest = line.split(" ", 2)
            predicates.add(predicate[1:-1])
            if predicate == _TYPE:
                classes.add(rest.split(" ", 1)[0][1:-1])
        known = {str(c) for klass in classes for c in self._superclasses(URIRef(klass))}
        return tuple(
            check
            for check in self.compiled.checks
            if check.reach is None
            or any(str(c) in known for c in check.reach.classes)
            or any(str(p) in predicates for p in check.reach.predicates)
        )

    def _superclasses(self, klass: URIRef) -> frozenset[Node]:
        if klass not in self._supers:
            knowledge = self.context.knowledge
            found = knowledge.transitive_objects(klass, RDFS.subClassOf)
            self._supers[klass] = frozenset(c for c in found if c is not None)
        return self._supers[klass]

    def _scratch(self) -> EmbeddedStore:
        """The scratch store: in memory, with the methodology's graphs."""
        if self._scratch_store is None:
            context, names = self.context, self.entailer.names
            store = EmbeddedStore(None)
            store.replace_graphs(
                {
                    names.methodology: _ntriples(context.methodology.asserted),
                    names.inferred: _ntriples(context.methodology.inferred),
                    names.shapes: _ntriples(context.shapes.graph),
                }
            )
            self._scratch_store = store
        return self._scratch_store

    def _validate(
        self,
        store: Store,
        listing: Callable[[], Sequence[str]],
        as_of: date,
        plan: _Plan,
        checks: tuple[Check, ...] | None = None,
    ) -> Report:
        self.entailer.refresh(store, as_of)
        # Longest first, as the last run measured them (SPARQL-based ones before the rest
        # until then): the two workers then finish together.
        order = sorted(
            self.compiled.checks if checks is None else checks,
            key=lambda c: -self._costs.get(c, 1.0 if c.value_is_focus else 0.0),
        )
        if checks is not None:  # a few opportunities, in the scratch store: one at a time
            findings = [f for check in order for f in self._run(store, check, plan)]
            graphs, stages = list(listing()), self._stages(store, plan)
        else:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="mcem-check") as pool:
                runs = [pool.submit(self._run, store, check, plan) for check in order]
                listed = pool.submit(listing)
                staged = pool.submit(self._stages, store, plan)
                findings = [f for run in runs for f in run.result()]
                graphs = list(listed.result())
                stages = staged.result()
        plan = _Plan(graphs, plan.timeout, plan.started)
        if self.compiled.uncompiled:
            findings += self.fallback.validate(store, plan.graphs, as_of, plan.left())
        return self._report(store, plan, findings, stages, as_of)

    def _run(self, store: Store, check: Check, plan: _Plan) -> list[Finding]:
        began = time.monotonic()
        rows = [(row["this"], row.get("value")) for row in self._select(store, check.query(), plan)]
        self._costs[check] = time.monotonic() - began
        message = str(check.messages[0]) if check.messages else _default_message(check)
        found = []
        for focus, bound in rows:
            value = focus if bound is None and check.value_is_focus else bound
            found.append(
                Finding(
                    focus=focus,
                    source_shape=check.source_shape,
                    component=check.component,
                    severity=check.severity,
                    message=message,
                    path=check.path,
                    value=value,
                )
            )
        return found

    # --- the report --------------------------------------------------------------------------

    def _report(
        self,
        store: Store,
        plan: _Plan,
        findings: list[Finding],
        stages: dict[URIRef, list[Node]],
        as_of: date,
    ) -> Report:
        context = self.context
        shapes = context.shapes
        focus_nodes = {f.focus for f in findings}
        owner = self._owners(store, plan, focus_nodes)
        handoff_focus = {
            f.focus for f in findings if shapes.rule_of_shape[f.source_shape].handoff is not None
        }
        dues = self._dues(store, handoff_focus, plan)
        results = []
        told: list[tuple[Finding, URIRef, date | None]] = []
        for finding in findings:
            rule = shapes.rule_of_shape.get(finding.source_shape)
            opportunity = owner.get(finding.focus)
            if opportunity is None:
                continue  # a node of a graph that is not one of these opportunities'
            if rule is None:
                raise AssertionError(f"a result of a shape outside the rules: {finding.focus}")
            due = dues.get((finding.focus, rule.handoff)) if rule.handoff is not None else None
            told.append((finding, opportunity, due))
            results.append(
                describe(
                    context,
                    rule,
                    opportunity,
                    stages.get(opportunity, []),
                    focus=finding.focus,
                    severity=finding.severity,
                    message=finding.message,
                    path=finding.path_text
                    or path_label(shapes.graph, finding.path, context.reader.field_names),
                    value=finding.value,
                    due=due,
                )
            )
        return Report(
            as_of=as_of,
            results=in_order(results),
            opportunities=[context.reader.record_id(g) for g in sorted(plan.graphs)],
            build_graph=lambda: self._graph(told),
        )

    def _select(self, store: Store, sparql: str, plan: _Plan) -> list[dict[str, Node]]:
        """A SELECT's rows as rdflib terms (straight from the scratch store)."""
        if isinstance(store, EmbeddedStore) and store.path is None:
            return store.select(sparql)
        answer = store.query(sparql, accept=JSON, timeout=plan.left())
        rows = orjson.loads(answer.body)["results"]["bindings"]
        return [{name: terms.node(term) for name, term in row.items()} for row in rows]

    def _owners(self, store: Store, plan: _Plan, focus_nodes: Iterable[Node]) -> dict[Node, URIRef]:
        """Each focus node -> the opportunity whose graph (or entailed graph) it is in."""
        graphs = set(plan.graphs)
        owner: dict[Node, URIRef] = {f: f for f in focus_nodes if str(f) in graphs}  # type: ignore[misc]
        rest = [f for f in focus_nodes if f not in owner and isinstance(f, URIRef)]
        for batch in _batches(rest):
            listed = " ".join(f"<{f}>" for f in batch)
            sparql = (
                f"SELECT DISTINCT ?f ?g WHERE {{ VALUES ?f {{ {listed} }} "
                "{ GRAPH ?g { ?f ?p ?o } } UNION { GRAPH ?g { ?s ?p ?f } } }"
            )
            for row in self._select(store, sparql, plan):
                graph = str(row["g"])
                graph = self.entailer.names.entailed_of(graph) or graph
                if graph in graphs:
                    owner.setdefault(row["f"], URIRef(graph))
        return owner

    def _stages(self, store: Store, plan: _Plan) -> dict[URIRef, list[Node]]:
        """Each opportunity's current stages (mcem:currentStage in its own graph)."""
        stages: dict[URIRef, list[Node]] = {}
        sparql = f"SELECT ?g ?stage WHERE {{ GRAPH ?g {{ ?g <{MCEM.currentStage}> ?stage }} }}"
        for row in self._select(store, sparql, plan):
            stages.setdefault(URIRef(str(row["g"])), []).append(row["stage"])
        return stages

    def _dues(
        self, store: Store, focus_nodes: Iterable[Node], plan: _Plan
    ) -> dict[tuple[Node, Node], date]:
        dues: dict[tuple[Node, Node], date] = {}
        for batch in _batches(sorted(f for f in focus_nodes if isinstance(f, URIRef))):
            listed = " ".join(f"<{f}>" for f in batch)
            sparql = (
                f"SELECT ?f ?h ?date WHERE {{ VALUES ?f {{ {listed} }} "
                f"?f <{MCEM.ownershipDue}> ?d . ?d <{MCEM.forHandoff}> ?h ; "
                f"<{MCEM.dueDate}> ?date }}"
            )
            for row in self._select(store, sparql, plan):
                day = row["date"]
                if isinstance(day, Literal) and isinstance(day.toPython(), date):
                    key = (row["f"], row["h"])
                    dues.setdefault(key, day.toPython())
        return dues

    def _graph(self, told: list[tuple[Finding, URIRef, date | None]]) -> Graph:
        """The W3C validation report of the findings, tagged as pySHACL's are
        (:func:`mcem_kg.report.build_report`)."""
        shapes = self.context.shapes
        graph = Graph()
        report = BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
        conforms = True
        for finding, opportunity, due in told:
            result = BNode()
            conforms = conforms and finding.severity != SH.Violation
            graph.add((report, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            graph.add((result, SH.focusNode, finding.focus))
            graph.add((result, SH.sourceShape, finding.source_shape))
            graph.add((result, SH.sourceConstraintComponent, finding.component))
            graph.add((result, SH.resultSeverity, finding.severity))
            graph.add((result, SH.resultMessage, Literal(finding.message)))
            if finding.value is not None:
                graph.add((result, SH.value, finding.value))
            if finding.path is not None:
                graph.add((result, SH.resultPath, finding.path))
                _copy_list(shapes.graph, graph, finding.path)
            rule = shapes.rule_of_shape[finding.source_shape]
            graph.add((result, MCEMSH.rule, Literal(rule.id)))
            graph.add((result, MCEMSH.opportunity, opportunity))
            if due is not None:
                graph.add((result, MCEMSH.dueDate, Literal(due)))
        graph.add((report, SH.conforms, Literal(conforms)))
        return graph


def _copy_list(source: Graph, target: Graph, node: Node) -> None:
    """Copy a path's blank-node structure (an RDF list, an inverse path) along with it."""
    if not isinstance(node, BNode):
        return
    for predicate, value in source.predicate_objects(node):
        target.add((node, predicate, value))
        _copy_list(source, target, value)


def _default_message(check: Check) -> str:
    return f"The constraint {check.component.n3()} is not met."


def _ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt11", encoding="utf-8")


def _batches(items: Sequence[Node] | list[Node]) -> Iterable[Sequence[Node]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
