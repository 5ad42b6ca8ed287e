"""Every rule against its cases: records that must and must not trigger it (data files).

The shapes in shapes/ are the rules; tests/data/rules/ holds one file of cases per rule, and
tests/data/deadlines.yaml the deadline boundaries (Fridays, weekends, holidays, not yet due).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from mcem_kg.calendar import Calendar
from mcem_kg.report import Report
from mcem_kg.validation import OpportunityValidator
from tests.cases import DEADLINE_FILE, RULE_FILES, Case, load_cases

CASES = [case for path in [*RULE_FILES, DEADLINE_FILE] for case in load_cases(path)[0]]
BASES = [
    (path.name, name, record, load_cases(path)[0][0].as_of)
    for path in [*RULE_FILES, DEADLINE_FILE]
    for name, record in load_cases(path)[1].items()
]


def judge(validator: OpportunityValidator, case: Case) -> Report:
    batch = validator.reader.read([case.record], case.file)
    calendar = Calendar(holidays=frozenset(case.holidays)) if case.holidays else None
    return validator.validate(batch, case.as_of, case.to_stage, calendar)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(validator: OpportunityValidator, case: Case) -> None:
    report = judge(validator, case)
    found = [r for r in report.results if r.rule == case.rule]
    if case.expect == "pass":
        assert found == [], [r.message for r in found]
        return
    assert found, f"{case.rule} did not trigger; results: {[r.rule for r in report.results]}"
    if case.count is not None:
        assert len(found) == case.count
    if case.checks_due_date:
        assert {r.due_date for r in found} == {case.due_date}
    rule = validator.context.shapes.rules[case.rule]
    assert {r.severity for r in found} == {rule.severity}
    assert all(r.message and r.opportunity == case.record["id"] for r in found)


@pytest.mark.parametrize(
    ("file", "name", "record", "as_of"), BASES, ids=[f"{b[0]}:{b[1]}" for b in BASES]
)
def test_base_records_break_no_rule(
    validator: OpportunityValidator, file: str, name: str, record: dict[str, Any], as_of: date
) -> None:
    report = validator.validate(validator.reader.read([record], file), as_of)
    assert report.results == []
    assert report.conforms


def test_every_rule_has_a_case_file_and_every_file_a_rule(
    validator: OpportunityValidator,
) -> None:
    on_disk = {path.stem.replace("--", "/") for path in RULE_FILES}
    assert on_disk == set(validator.context.shapes.rules)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_each_rule_file_has_cases_both_ways(path: Any) -> None:
    cases, _ = load_cases(path)
    assert {c.expect for c in cases} == {"trigger", "pass"}
