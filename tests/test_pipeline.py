"""The stored pipeline as a library (src/mcem_kg/pipeline.py): one graph per opportunity in
a real on-disk store, batches written whole or not at all, guard mode, stored validation and
the whole pipeline's counts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdflib.compare import isomorphic

from mcem_kg.errors import (
    GuardRefusedError,
    InputRecordError,
    InvalidInputError,
    NotFoundError,
    QueryTimeoutError,
)
from mcem_kg.inputs import InputReader, Source
from mcem_kg.pipeline import Pipeline
from mcem_kg.records import RecordBatch
from mcem_kg.settings import Settings
from mcem_kg.store import EmbeddedStore
from mcem_kg.validation import OpportunityValidator
from mcem_kg.vocabulary import MCEM
from mcem_kg.writer import RecordWriter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pipeline.json"
AS_OF = date(2026, 11, 24)
MILESTONE = {"id": "MS-1", "estDueDate": "2027-01-31", "estValue": 1000, "workloads": ["SQL"]}
CLEAN: dict[str, Any] = {
    "id": "T-P1",
    "stage": 1,
    "stageHistory": [{"stage": 1, "enteredOn": "2026-11-02"}],
    "owner": {"id": "u-1", "role": "AE"},
    "milestones": [MILESTONE],
}


@pytest.fixture(scope="module")
def inputs(validator: OpportunityValidator, settings: Settings) -> InputReader:
    return InputReader.load(validator.reader, settings.mappings_dir)


@pytest.fixture
def pipeline(
    tmp_path: Path, settings: Settings, validator: OpportunityValidator
) -> Iterator[Pipeline]:
    store = EmbeddedStore(tmp_path / "store")
    writer = RecordWriter.load(settings.ontology_dir, validator.reader, validator.context.terms)
    yield Pipeline(store, validator, writer)
    store.close()


def batch(validator: OpportunityValidator, *records: dict[str, Any]) -> RecordBatch:
    return validator.reader.read(list(records), "test")


def test_write_read_delete(pipeline: Pipeline, validator: OpportunityValidator) -> None:
    sent = batch(validator, CLEAN)
    assert pipeline.write(sent).created == ["T-P1"]
    assert pipeline.ids() == ["T-P1"]
    assert isomorphic(pipeline.read("T-P1"), sent.graph)
    assert pipeline.record("T-P1").record["owner"] == {"id": "u-1", "role": "AE"}
    assert pipeline.write(sent).created == []  # replaced, not new
    pipeline.delete("T-P1")
    assert pipeline.ids() == []
    with pytest.raises(NotFoundError, match="T-P1"):
        pipeline.read("T-P1")
    with pytest.raises(NotFoundError, match="T-P1"):
        pipeline.delete("T-P1")
    empty = pipeline.validate_all(AS_OF).to_json()
    assert (empty["opportunities"], empty["conforms"], empty["total"]) == (0, True, 0)


def test_a_batch_is_one_graph_per_opportunity(
    pipeline: Pipeline, validator: OpportunityValidator, inputs: InputReader
) -> None:
    written = pipeline.write(inputs.read([Source.from_path(EXAMPLES)]))
    records = json.loads(EXAMPLES.read_text(encoding="utf-8"))["opportunities"]
    assert sorted(written.ids) == sorted(r["id"] for r in records) == pipeline.ids()
    for record in records[:3]:
        assert isomorphic(pipeline.read(record["id"]), batch(validator, record).graph)


def test_a_write_replaces_the_whole_record(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    pipeline.write(batch(validator, CLEAN))
    pipeline.write(batch(validator, {**CLEAN, "milestones": []}))
    assert "milestones" not in pipeline.record("T-P1").record


def test_an_unreadable_record_stores_nothing(
    pipeline: Pipeline, validator: OpportunityValidator, inputs: InputReader
) -> None:
    records = [CLEAN, {"id": "T-P2", "ownerSince": "2026-13-01"}]
    with pytest.raises(InputRecordError) as caught:
        pipeline.write(inputs.read([Source("body", json.dumps(records))]))
    assert (caught.value.record, caught.value.field) == ("T-P2", "ownerSince")
    assert pipeline.ids() == []


def test_guard_refuses_a_batch_with_a_violation(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    broken = {"id": "T-P3", "stage": 2, "owner": {"id": "u-1", "role": "AE"}}
    with pytest.raises(GuardRefusedError) as caught:
        pipeline.write(batch(validator, CLEAN, broken), guard=True, as_of=AS_OF)
    report = caught.value.report
    assert isinstance(report, dict)
    assert report["conforms"] is False
    assert {r["opportunity"] for r in report["results"]} == {"T-P3"}
    assert pipeline.ids() == []
    pipeline.write(batch(validator, CLEAN), guard=True, as_of=AS_OF)
    assert pipeline.ids() == ["T-P1"]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{**CLEAN, "id": "T-OTHER"}], "'T-OTHER'; expected only 'T-P1'"),
        ([CLEAN, {**CLEAN, "id": "T-EXTRA"}], "'T-EXTRA'; expected only 'T-P1'"),
    ],
)
def test_put_takes_exactly_its_own_opportunity(
    pipeline: Pipeline,
    validator: OpportunityValidator,
    records: list[dict[str, Any]],
    message: str,
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        pipeline.put("T-P1", batch(validator, *records))
    assert pipeline.ids() == []
    assert pipeline.put("T-P1", batch(validator, CLEAN)) is True
    assert pipeline.put("T-P1", batch(validator, CLEAN)) is False


def test_methodology_statements_are_not_stored(
    pipeline: Pipeline, validator: OpportunityValidator, inputs: InputReader
) -> None:
    role = validator.context.terms.find(MCEM.Role, "AE")
    turtle = f"""
        @prefix mcem: <{MCEM}> .
        <urn:opp:1> a mcem:ConsumptionOpportunity ; mcem:owner [ mcem:inRole <{role}> ] .
        <{role}> mcem:inUnit <urn:unit:elsewhere> .
        """
    pipeline.write(inputs.read([Source("body.ttl", turtle)]))
    assert all(s != role for s in pipeline.read("urn:opp:1").subjects())


def test_stored_validation_is_the_validation_of_the_record(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    record = {"id": "T-P4", "stage": 2, "owner": {"id": "u-1", "role": "SSP"}}
    pipeline.write(batch(validator, record))
    stored = pipeline.validate_stored("T-P4", AS_OF, "3")
    sent = validator.validate(batch(validator, record), AS_OF, "3")
    assert stored.to_json() == sent.to_json()


def test_validate_all_counts(
    pipeline: Pipeline, validator: OpportunityValidator, inputs: InputReader
) -> None:
    sent = inputs.read([Source.from_path(EXAMPLES)])
    pipeline.write(sent)
    summary = pipeline.validate_all(AS_OF)
    expected = validator.validate(sent, AS_OF)
    assert summary.report.to_json() == expected.to_json()
    assert summary.by_rule == dict(sorted(Counter(r.rule for r in expected.results).items()))
    assert sum(summary.by_stage.values()) == len(expected.results)
    # Units and roles come from the methodology: every accountable role is counted.
    roles = Counter(
        role for r in expected.results for role in (r.accountable_role or "unknown").split("/")
    )
    assert summary.by_role == dict(sorted(roles.items()))
    units = {
        validator.context.terms.code(u)
        for u in validator.context.terms.members[MCEM.AccountableUnit]
    }
    assert set(summary.by_unit) <= units | {"unknown"}
    page = summary.to_json(offset=2, limit=3)
    assert page["results"] == [r.to_json() for r in expected.results[2:5]]
    assert (page["total"], page["opportunities"]) == (len(expected.results), len(sent.ids))


def test_validating_the_pipeline_stops_at_the_timeout(
    pipeline: Pipeline, inputs: InputReader
) -> None:
    pipeline.write(inputs.read([Source.from_path(EXAMPLES)]))
    with pytest.raises(QueryTimeoutError, match=r"timeout of 0\.01 s"):
        pipeline.validate_all(AS_OF, timeout=0.01)
