"""The whole pipeline's verdicts, counted, and kept current as records are written.

A summary counts the results of a report by rule, stage, accountable unit and accountable
role (README, "GET /validation"). :class:`CurrentResults` keeps the last whole-pipeline
report, by opportunity, so that a write revalidates only the opportunities written and the
summary is current without validating the pipeline again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import URIRef

from mcem_kg.report import Report, ValidationResult, in_order
from mcem_kg.validation import ValidationContext
from mcem_kg.vocabulary import MCEM

# Counts of results whose stage, unit or role is not known.
UNKNOWN = "unknown"


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


def summarize(context: ValidationContext, report: Report) -> PipelineSummary:
    """A report's results counted by rule, stage, unit and role."""
    units = {
        context.terms.code(role): context.terms.code(unit)
        for unit, role in context.knowledge.subject_objects(MCEM.hasRole)
        if isinstance(unit, URIRef) and isinstance(role, URIRef)
    }
    by_rule: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    for result in report.results:
        by_rule[result.rule] += 1
        by_stage[UNKNOWN if result.stage is None else str(result.stage)] += 1
        roles = [r for r in (result.accountable_role or "").split("/") if r]
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


class CurrentResults:
    """The results of the last whole-pipeline validation, by opportunity id, for its day;
    callers hold the pipeline's validation lock."""

    def __init__(self, iri: Callable[[str], str]) -> None:
        # Opportunities are listed in the order of their IRIs, as every report lists them.
        self._iri = iri
        self.day: date | None = None
        self._results: dict[str, list[ValidationResult]] = {}

    def report(self, day: date) -> Report | None:
        """The kept report if it is of ``day``."""
        if self.day != day:
            return None
        return Report(
            as_of=day,
            results=in_order([r for results in self._results.values() for r in results]),
            opportunities=sorted(self._results, key=self._iri),
        )

    def keep(self, report: Report) -> None:
        """Keep a whole-pipeline report."""
        self.day = report.as_of
        self._results = {opportunity: [] for opportunity in report.opportunities}
        for result in report.results:
            self._results[result.opportunity].append(result)

    def update(self, report: Report) -> None:
        """Replace the kept results of the opportunities ``report`` validated."""
        for opportunity in report.opportunities:
            self._results[opportunity] = []
        for result in report.results:
            self._results[result.opportunity].append(result)

    def remove(self, opportunities: Iterable[str]) -> None:
        for opportunity in opportunities:
            self._results.pop(opportunity, None)

    def forget(self) -> None:
        self.day = None
        self._results = {}
