"""The pipeline generator: deterministic, sized as asked, in canonical contract form, realistic.

Whether the generated records break exactly the rules named in ``injected`` is checked against
the validation engine elsewhere; these tests hold the generator to its own promises.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mcem_kg.generate import GeneratedPipeline, generate, write_manifest, write_pipeline
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.validation import OpportunityValidator

AS_OF = date(2026, 11, 24)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def facts(validator: OpportunityValidator) -> PipelineFacts:
    """The methodology as the generator needs it, read once."""
    return PipelineFacts.read(validator)


@pytest.fixture(scope="module")
def rule_ids(validator: OpportunityValidator) -> set[str]:
    """Every rule of the shapes."""
    return set(validator.context.shapes.rules)


# The plain JSON record contract: per kind of object, its known fields and their types.
DATE, NUMBER, TEXT, FLAG, INT = "date", "number", "text", "boolean", "int"
PERSON = {"id": TEXT, "name": TEXT, "role": TEXT}
SHAPES: dict[str, dict[str, Any]] = {
    "record": {
        "id": TEXT,
        "name": TEXT,
        "account": TEXT,
        "kind": {"consumption", "billed"},
        "status": {"open", "completed", "lost"},
        "stage": INT,
        "stageHistory": ["entry"],
        "owner": "person",
        "ownerSince": DATE,
        "qualification": "qualification",
        "milestones": ["milestone"],
        "handoffs": ["handoff"],
        **dict.fromkeys(
            [
                "customerAligned",
                "customerSuccessPlan",
                "customerAgreement",
                "revenueConfirmed",
                "outcomesMet",
                "baselineMetrics",
                "nextStepsIdentified",
            ],
            FLAG,
        ),
    },
    "entry": {"stage": INT, "enteredOn": DATE},
    "person": PERSON,
    "qualification": dict.fromkeys(
        [
            "customerOutcomes",
            "businessDecisionMaker",
            "technicalDecisionMaker",
            "technicalBlockersIdentified",
            "blockerResolutionPlan",
            "approvalProcess",
            "budgetValidated",
            "timingConfirmed",
        ],
        FLAG,
    ),
    "milestone": {
        "id": TEXT,
        "name": TEXT,
        "commitment": {"uncommitted", "committed"},
        "status": TEXT,
        "estDueDate": DATE,
        "estValue": NUMBER,
        "workloads": [TEXT],
        "owner": "person",
        "ownerSince": DATE,
    },
    "handoff": {
        "kind": {"ATU-STU", "STU-CSU"},
        "discussedOn": DATE,
        "participants": ["person"],
        "agreedMilestoneValue": NUMBER,
        "agreedDueDate": DATE,
        "validatedDetails": FLAG,
    },
}

# (count, seed, violation rate)
CASES = [(0, 1, 0.5), (1, 2, 0.0), (50, 3, 0.2), (300, 4, 0.5), (1200, 5, 1.0)]
RATES = [(2000, 0.0), (2000, 0.1), (2000, 0.5), (1000, 0.9), (500, 1.0)]
AS_OF_DATES = [AS_OF, date(2020, 2, 29), date(2031, 1, 4)]


def shape_problems(value: object, shape: object, where: str) -> list[str]:
    """Where ``value`` strays from the contract ``shape``; an empty list if it does not."""
    if isinstance(shape, set):
        return [] if value in shape else [f"{where}: {value!r} not one of {sorted(shape)}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in shape_problems(item, shape[0], where + f"[{i}]")
        ]
    if shape in SHAPES:
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        known = SHAPES[str(shape)]
        unknown = [f"{where}.{key}: unknown field" for key in value if key not in known]
        return unknown + [
            p
            for key, item in value.items()
            if key in known
            for p in shape_problems(item, known[key], f"{where}.{key}")
        ]
    ok = {
        TEXT: isinstance(value, str) and value != "",
        FLAG: isinstance(value, bool),
        INT: isinstance(value, int) and not isinstance(value, bool),
        NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
        DATE: isinstance(value, str) and bool(ISO_DATE.match(value)),
    }[str(shape)]
    if ok and shape == DATE:
        date.fromisoformat(str(value))
    return [] if ok else [f"{where}: {value!r} is not a {shape}"]


def events(record: dict[str, Any]) -> list[date]:
    """Every date of something that has happened: stage entries, ownerships, discussions."""
    found = [entry["enteredOn"] for entry in record.get("stageHistory", [])]
    found += [record["ownerSince"]] if "ownerSince" in record else []
    found += [m["ownerSince"] for m in record.get("milestones", []) if "ownerSince" in m]
    found += [h["discussedOn"] for h in record.get("handoffs", []) if "discussedOn" in h]
    return [date.fromisoformat(day) for day in found]


def dump(pipeline: GeneratedPipeline) -> str:
    return json.dumps({"records": pipeline.records, "injected": pipeline.injected})


@pytest.mark.parametrize(("count", "seed", "rate"), CASES)
def test_same_arguments_give_identical_records(
    facts: PipelineFacts, count: int, seed: int, rate: float
) -> None:
    first = generate(count, seed=seed, violation_rate=rate, as_of=AS_OF, facts=facts)
    random.seed(12345)  # the global random state must not matter
    random.random()
    again = generate(count, seed=seed, violation_rate=rate, as_of=AS_OF, facts=facts)
    assert dump(again) == dump(first)


@pytest.mark.parametrize(("count", "seed", "rate"), [c for c in CASES if c[0] > 0])
def test_another_seed_gives_other_records(
    facts: PipelineFacts, count: int, seed: int, rate: float
) -> None:
    first = generate(count, seed=seed, violation_rate=rate, as_of=AS_OF, facts=facts)
    other = generate(count, seed=seed + 1, violation_rate=rate, as_of=AS_OF, facts=facts)
    assert first.records != other.records


@pytest.mark.parametrize(("count", "seed", "rate"), CASES)
def test_count_and_ids(facts: PipelineFacts, count: int, seed: int, rate: float) -> None:
    pipeline = generate(count, seed=seed, violation_rate=rate, as_of=AS_OF, facts=facts)
    ids = [record["id"] for record in pipeline.records]
    assert ids == [f"OPP-{n:06d}" for n in range(1, count + 1)]
    assert list(pipeline.injected) == ids


@pytest.mark.parametrize(("count", "seed", "rate"), CASES)
@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_records_are_in_canonical_form(
    facts: PipelineFacts, count: int, seed: int, rate: float, as_of: date
) -> None:
    pipeline = generate(count, seed=seed, violation_rate=rate, as_of=as_of, facts=facts)
    problems = [p for r in pipeline.records for p in shape_problems(r, "record", r["id"])]
    assert problems == []
    for record in pipeline.records:
        assert "stage" not in record or 1 <= record["stage"] <= 5
        assert list(record) == [key for key in SHAPES["record"] if key in record]
        assert json.loads(json.dumps(record)) == record  # plain JSON values, no None


@pytest.mark.parametrize(("count", "rate"), RATES)
def test_violation_rate_is_honoured(
    facts: PipelineFacts, rule_ids: set[str], count: int, rate: float
) -> None:
    pipeline = generate(count, seed=count, violation_rate=rate, as_of=AS_OF, facts=facts)
    broken = [rules for rules in pipeline.injected.values() if rules]
    tolerance = 4 * (rate * (1 - rate) / count) ** 0.5
    assert abs(len(broken) / count - rate) <= tolerance
    assert all(len(rules) == 1 and rules[0] in rule_ids for rules in broken)


def test_every_rule_gets_injected(facts: PipelineFacts, rule_ids: set[str]) -> None:
    pipeline = generate(5000, seed=1, violation_rate=1.0, as_of=AS_OF, facts=facts)
    assert {rule for rules in pipeline.injected.values() for rule in rules} == rule_ids


@pytest.mark.parametrize("count", [50, 120, 1000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_stage_kind_and_status_present(facts: PipelineFacts, count: int, seed: int) -> None:
    records = generate(count, seed=seed, violation_rate=0.2, as_of=AS_OF, facts=facts).records
    assert {r["stage"] for r in records if "stage" in r} == {1, 2, 3, 4, 5}
    kinds = Counter(r["kind"] for r in records)
    assert set(kinds) == {"consumption", "billed"}
    assert kinds["consumption"] > kinds["billed"]
    assert {r["status"] for r in records if r.get("stage") == 5} <= {"open", "completed"}
    assert {r["status"] for r in records if r.get("stage", 1) < 5} <= {"open", "lost"}


@pytest.mark.parametrize(("count", "seed", "rate"), CASES)
@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_histories_are_ordered_and_nothing_happens_after_as_of(
    facts: PipelineFacts, count: int, seed: int, rate: float, as_of: date
) -> None:
    for record in generate(count, seed=seed, violation_rate=rate, as_of=as_of, facts=facts).records:
        history = record["stageHistory"]
        assert [entry["stage"] for entry in history] == list(range(1, len(history) + 1))
        entered = [entry["enteredOn"] for entry in history]
        assert entered == sorted(entered)
        assert record.get("stage", 1) == history[-1]["stage"]
        assert max(events(record)) <= as_of


def people(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = [record["owner"]] if "owner" in record else []
    found += [m["owner"] for m in record.get("milestones", []) if "owner" in m]
    return found + [p for h in record.get("handoffs", []) for p in h["participants"]]


@pytest.mark.parametrize(("count", "seed", "rate"), CASES)
def test_a_person_id_is_one_person_everywhere(
    facts: PipelineFacts, count: int, seed: int, rate: float
) -> None:
    """Records are merged into one graph, where a person's id stands for one name and role."""
    seen: dict[str, tuple[str, str | None]] = {}
    for record in generate(count, seed=seed, violation_rate=rate, as_of=AS_OF, facts=facts).records:
        for person in people(record):
            identity = (person["name"], person.get("role"))
            assert seen.setdefault(person["id"], identity) == identity, person


def test_conforming_records_carry_what_their_stage_needs(facts: PipelineFacts) -> None:
    for record in generate(500, seed=9, violation_rate=0.0, as_of=AS_OF, facts=facts).records:
        if record["kind"] == "consumption":
            assert record["milestones"]
        if record["stage"] >= 2:
            assert all(record["qualification"].values())
            assert len(record["qualification"]) == 8
        if record["stage"] >= 4:
            assert any(m["commitment"] == "committed" for m in record["milestones"])
            assert {h["kind"] for h in record["handoffs"]} == {"ATU-STU", "STU-CSU"}
        if record["status"] == "completed":
            assert record["stage"] == 5
            assert record["nextStepsIdentified"] is True


@pytest.mark.parametrize(("count", "compact"), [(5, False), (1001, True)])
def test_written_files_read_back(
    facts: PipelineFacts, tmp_path: Path, count: int, compact: bool
) -> None:
    pipeline = generate(count, seed=7, violation_rate=0.3, as_of=AS_OF, facts=facts)
    write_pipeline(pipeline, tmp_path / "pipeline.json")
    write_manifest(pipeline, tmp_path / "manifest.json")
    text = (tmp_path / "pipeline.json").read_text(encoding="utf-8")
    assert json.loads(text) == {"opportunities": pipeline.records}
    loaded = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert loaded == pipeline.injected
    assert text.endswith("\n")
    assert (text.count("\n") == 1) is compact


@pytest.mark.parametrize(("count", "rate"), [(-1, 0.5), (10, -0.1), (10, 1.5)])
def test_bad_arguments_are_refused(facts: PipelineFacts, count: int, rate: float) -> None:
    with pytest.raises(ValueError, match="violation_rate"):
        generate(count, seed=1, violation_rate=rate, as_of=AS_OF, facts=facts)
