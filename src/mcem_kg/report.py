"""The validation report: the W3C SHACL report graph, and its plain JSON form.

Each SHACL result is tagged with the rule of the shape that gave it, the opportunity it is
about (a milestone's results belong to its opportunity), the opportunity's current stage, the
role accountable, and, for a handoff deadline, the due date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import BNode, Node

from mcem_kg.shapes import MCEMSH, SEVERITIES, Rule
from mcem_kg.vocabulary import MCEM

if TYPE_CHECKING:
    from mcem_kg.validation import ValidationContext


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """One broken rule, for one opportunity (or one of its milestones)."""

    opportunity: str
    rule: str
    severity: str
    message: str
    focus_node: str
    path: str | None
    value: str | None
    stage: int | None
    accountable_role: str | None
    due_date: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "opportunity": self.opportunity,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "focusNode": self.focus_node,
            "path": self.path,
            "value": self.value,
            "stage": self.stage,
            "accountableRole": self.accountable_role,
            "dueDate": self.due_date.isoformat() if self.due_date else None,
        }


@dataclass(frozen=True)
class Report:
    """What validating a batch of records found."""

    as_of: date
    results: list[ValidationResult]
    opportunities: list[str]
    warnings: list[str] = field(default_factory=list)
    # Builds the W3C report graph, when asked for it: a bulk validation's results are many,
    # and most callers want only the JSON.
    build_graph: Callable[[], Graph] = field(default=Graph, repr=False, compare=False)

    @cached_property
    def graph(self) -> Graph:
        """The W3C SHACL validation report (https://www.w3.org/TR/shacl/#validation-report)."""
        return self.build_graph()

    @property
    def conforms(self) -> bool:
        """True when no result is a Violation (Warnings and Infos do not fail a record)."""
        return not any(r.severity == "Violation" for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "asOf": self.as_of.isoformat(),
            "opportunities": len(self.opportunities),
            "results": [r.to_json() for r in self.results],
            "warnings": self.warnings,
        }


def render_text(report: Report) -> str:
    """The report for a person: results grouped by opportunity, then a summary line."""
    lines = []
    by_opportunity: dict[str, list[ValidationResult]] = {}
    for result in report.results:
        by_opportunity.setdefault(result.opportunity, []).append(result)
    for opportunity in sorted(by_opportunity):
        results = by_opportunity[opportunity]
        stage = results[0].stage
        lines.append(f"{opportunity} (stage {stage if stage is not None else '?'})")
        for r in results:
            extra = [f"field {r.path}"] if r.path else []
            if r.value is not None and r.value != r.focus_node:
                extra.append(f"value {r.value}")
            if r.accountable_role:
                extra.append(f"accountable {r.accountable_role}")
            if r.due_date:
                extra.append(f"due {r.due_date.isoformat()}")
            lines.append(f"  {r.severity:<9} {r.rule}: {r.message}")
            if extra:
                lines.append(f"            ({'; '.join(extra)})")
    violations = sum(r.severity == "Violation" for r in report.results)
    others = len(report.results) - violations
    clean = len(report.opportunities) - len(by_opportunity)
    lines.append(
        f"{len(report.opportunities)} opportunities as of {report.as_of.isoformat()}: "
        f"{violations} violations, {others} warnings or notes, {clean} opportunities clean"
    )
    return "\n".join(lines) + "\n"


def path_label(graph: Graph, path: Node | None, names: dict[str, str]) -> str | None:
    if path is None:
        return None
    if isinstance(path, BNode) and (path, RDF.first, None) in graph:
        return ".".join(path_label(graph, step, names) or "" for step in Collection(graph, path))
    return names.get(str(path), str(path))


def merge_reports(reports: list[Graph]) -> Graph:
    """One W3C validation report holding the results of several."""
    if len(reports) == 1:
        return reports[0]
    merged = Graph()
    report = BNode()
    merged.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    for graph in reports:
        for prefix, namespace in graph.namespaces():
            merged.bind(prefix, namespace, override=False)
        parts = set(graph.subjects(RDF.type, SH.ValidationReport))
        for s, p, o in graph:
            if s not in parts:
                merged.add((s, p, o))
            elif p == SH.result:
                merged.add((report, p, o))
            elif p == SH.conforms:
                conforms = conforms and bool(o.toPython()) if isinstance(o, Literal) else conforms
    merged.add((report, SH.conforms, Literal(conforms)))
    return merged


def build_report(
    context: ValidationContext,
    records: Graph,
    results: Graph,
    as_of: date,
    warnings: list[str],
) -> Report:
    """The report of a pySHACL run over ``records`` (with their derived facts)."""
    deriver, reader = context.deriver, context.reader
    names = reader.field_names
    opportunities = deriver.opportunities(records)
    owner_of = _belonging(records, opportunities)
    found = []
    # Top-level results only: pySHACL adds those of sh:node as sh:detail of these.
    for result in results.objects(None, SH.result):
        focus = results.value(result, SH.focusNode)
        opportunity = owner_of.get(focus)  # type: ignore[arg-type]
        rule = context.shapes.rule_of_shape.get(results.value(result, SH.sourceShape))  # type: ignore[arg-type]
        if rule is None or opportunity is None:
            raise AssertionError(f"a result outside the rules or the records: {focus}")
        assert isinstance(opportunity, URIRef)
        due = _due(records, focus, rule.handoff)
        _annotate(results, result, rule.id, opportunity, due)
        found.append(
            describe(
                context,
                rule,
                opportunity,
                list(records.objects(opportunity, MCEM.currentStage)),
                focus=focus,
                severity=results.value(result, SH.resultSeverity),  # type: ignore[arg-type]
                message=str(results.value(result, SH.resultMessage) or ""),
                path=path_label(results, results.value(result, SH.resultPath), names),
                value=results.value(result, SH.value),
                due=due,
            )
        )
    return Report(
        as_of=as_of,
        results=in_order(found),
        build_graph=lambda: results,
        opportunities=[reader.record_id(o) for o in opportunities],
        warnings=warnings,
    )


def describe(
    context: ValidationContext,
    rule: Rule,
    opportunity: URIRef,
    stages: Sequence[Node],
    *,
    focus: Node | None,
    severity: URIRef,
    message: str,
    path: str | None,
    value: Node | None,
    due: date | None,
) -> ValidationResult:
    """One SHACL result told in the report's terms: the record's id, its current stage (from
    ``stages``, the opportunity's mcem:currentStage values) and who is accountable."""
    accountable = rule.accountable or _leads(context, stages)
    return ValidationResult(
        opportunity=context.reader.record_id(opportunity),
        rule=rule.id,
        severity=SEVERITIES[severity],
        message=message,
        focus_node=str(focus),
        path=path,
        value=None if value is None else _value(value, context.terms.code),
        stage=context.deriver.number(list(stages)),
        accountable_role="/".join(accountable) or None,
        due_date=due,
    )


def in_order(results: list[ValidationResult]) -> list[ValidationResult]:
    """Results in the report's order: by opportunity, rule, focus node, path, value."""
    return sorted(
        results, key=lambda r: (r.opportunity, r.rule, r.focus_node, r.path or "", r.value or "")
    )


def _annotate(
    results: Graph, result: Node, rule: str, opportunity: URIRef, due: date | None
) -> None:
    """Tag the W3C result itself, so the report graph alone tells the rule and the record
    (SHACL allows results to carry more properties: https://www.w3.org/TR/shacl/#results)."""
    results.add((result, MCEMSH.rule, Literal(rule)))
    results.add((result, MCEMSH.opportunity, opportunity))
    if due is not None:
        results.add((result, MCEMSH.dueDate, Literal(due)))


def _belonging(records: Graph, opportunities: list[URIRef]) -> dict[Node, URIRef]:
    """Each node of a record (its milestones, their parts) -> the opportunity it belongs to."""
    owner: dict[Node, URIRef] = {}
    for opportunity in opportunities:
        todo: list[Node] = [opportunity]
        while todo:
            node = todo.pop()
            if node in owner:
                continue
            owner[node] = opportunity
            todo += [o for o in records.objects(node, None) if not isinstance(o, Literal)]
    return owner


def _value(value: Node, code: Any) -> str | None:
    if isinstance(value, URIRef):
        return str(code(value))
    if isinstance(value, Literal):
        return str(value)
    return None  # a blank node: its label means nothing to a reader


def _leads(context: ValidationContext, stages: Sequence[Node]) -> tuple[str, ...]:
    """The lead roles of the opportunity's one current stage."""
    if len(stages) != 1:
        return ()
    leads = context.methodology.asserted.objects(stages[0], MCEM.leadRole)
    return tuple(sorted(context.terms.code(r) for r in leads if isinstance(r, URIRef)))


def _due(records: Graph, focus: Node | None, handoff: URIRef | None) -> date | None:
    if handoff is None or focus is None:
        return None
    for due in records.objects(focus, MCEM.ownershipDue):
        if (due, MCEM.forHandoff, handoff) in records:
            day = records.value(due, MCEM.dueDate)
            return day.toPython() if isinstance(day, Literal) else None
    return None
