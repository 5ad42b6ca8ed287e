"""The library call: validate() and OpportunityValidator, on records, graphs and gate checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph

from mcem_kg.errors import InvalidInputError
from mcem_kg.validation import OpportunityValidator, validate

FORMS = Path(__file__).parent / "data" / "forms"
AS_OF = date(2026, 11, 24)


def test_validate_accepts_the_three_shapes_of_a_document(validator: OpportunityValidator) -> None:
    records = json.loads((FORMS / "pipeline.json").read_text())
    as_list = validator.validate_records(records, AS_OF)
    wrapped = validator.validate_records({"opportunities": records}, AS_OF)
    single = validator.validate_records(records[0], AS_OF)
    assert as_list.to_json() == wrapped.to_json()
    assert single.opportunities == [records[0]["id"]]
    assert {r.opportunity for r in single.results} <= {records[0]["id"]}


def test_validate_a_graph(validator: OpportunityValidator) -> None:
    records = json.loads((FORMS / "pipeline.json").read_text())
    graph = validator.reader.read(records, "x").graph
    assert (
        validator.validate_records(graph, AS_OF).to_json()
        == validator.validate_records(records, AS_OF).to_json()
    )


def test_validation_leaves_no_trace_between_calls(validator: OpportunityValidator) -> None:
    records = json.loads((FORMS / "pipeline.json").read_text())
    first = validator.validate_records(records, AS_OF).to_json()
    validator.validate_records(records, date(2030, 1, 1), to_stage=5)
    assert validator.validate_records(records, AS_OF).to_json() == first


def test_the_json_report_has_the_documented_keys(validator: OpportunityValidator) -> None:
    report = validator.validate_records(json.loads((FORMS / "pipeline.json").read_text()), AS_OF)
    document = report.to_json()
    assert set(document) == {"conforms", "asOf", "opportunities", "results", "warnings"}
    assert document["asOf"] == "2026-11-24"
    assert document["results"]
    for result in document["results"]:
        assert set(result) == {
            "opportunity",
            "rule",
            "severity",
            "message",
            "focusNode",
            "path",
            "value",
            "stage",
            "accountableRole",
            "dueDate",
        }
        assert result["severity"] in {"Violation", "Warning", "Info"}
    assert document["conforms"] is False


def test_the_gate_stage_must_be_a_stage(validator: OpportunityValidator) -> None:
    with pytest.raises(InvalidInputError, match="unknown stage 'Closing'"):
        validator.validate_records({"id": "OPP-1", "stage": 1}, AS_OF, to_stage="Closing")


def test_the_gate_stage_may_be_a_label(validator: OpportunityValidator) -> None:
    report = validator.validate_records(
        {"id": "OPP-1", "stage": 1}, AS_OF, to_stage="Inspire & Design"
    )
    assert {r.stage for r in report.results} == {2}


def test_the_one_call_function_loads_its_own_validator() -> None:
    report = validate(
        {"id": "OPP-1", "stage": 1, "kind": "billed", "owner": {"id": "u", "role": "AE"}}, AS_OF
    )
    assert report.conforms
    assert report.results == []


def test_records_may_not_restate_the_methodology(validator: OpportunityValidator) -> None:
    graph = Graph().parse(
        format="turtle",
        data="""
        @prefix m: <https://w3id.org/mcem-kg/ontology#> .
        @prefix ex: <http://example.org/> .
        ex:o a m:BilledOpportunity ;
            m:currentStage <https://w3id.org/mcem-kg/id/stage/listen-consult> ;
            m:budgetValidatd true ;
            m:owner [ m:person ex:p ; m:inRole ex:Boss ] .
        ex:Boss a m:Role .
        <https://w3id.org/mcem-kg/id/stage/listen-consult> m:stageNumber 9 .
        """,
    )
    report = validator.validate_records(graph, AS_OF)
    assert [r.rule for r in report.results] == ["opportunity/owner"]
    assert any("2 statements about the methodology's own terms" in w for w in report.warnings)
    assert any("budgetValidatd" in w for w in report.warnings)
    assert validator.validate_records(graph, AS_OF).results  # the methodology is unchanged
