"""The record writer is the reader's inverse (src/mcem_kg/writer.py; README, "The plain JSON
format"): every example record, read, written back and read again, gives the same graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator
from mcem_kg.writer import RecordWriter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pipeline.json"
RECORDS: list[dict[str, Any]] = json.loads(EXAMPLES.read_text(encoding="utf-8"))["opportunities"]


@pytest.fixture(scope="module")
def writer(settings: Settings, validator: OpportunityValidator) -> RecordWriter:
    return RecordWriter.load(settings.ontology_dir, validator.reader, validator.context.terms)


def read(validator: OpportunityValidator, record: dict[str, Any]) -> Graph:
    return validator.reader.read([record], "test").graph


def iri(validator: OpportunityValidator, opportunity: str) -> URIRef:
    return URIRef(validator.reader.iri("opportunity", opportunity))


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_written_record_reads_back_to_the_same_graph(
    validator: OpportunityValidator, writer: RecordWriter, record: dict[str, Any]
) -> None:
    graph = read(validator, record)
    written = writer.write(graph, iri(validator, record["id"]))
    assert written.unwritten == []
    assert isomorphic(read(validator, written.record), graph)


def test_record_has_the_contract_shapes(
    validator: OpportunityValidator, writer: RecordWriter
) -> None:
    record = next(r for r in RECORDS if r.get("handoffs") and r.get("stageHistory"))
    out = writer.write(read(validator, record), iri(validator, record["id"])).record
    assert list(out) == [k for k in record if k in out]  # the schema's field order
    assert out["id"] == record["id"]
    assert out["stage"] == record["stage"]  # the number, not the stage's IRI
    assert out["owner"] == record["owner"]  # ids and role codes, not IRIs
    assert out["stageHistory"] == sorted(record["stageHistory"], key=lambda e: e["enteredOn"])
    assert out["handoffs"][0]["kind"] == record["handoffs"][0]["kind"]


def test_defaults_are_written_and_empty_lists_left_out(
    validator: OpportunityValidator, writer: RecordWriter
) -> None:
    record = {"id": "T-W1", "milestones": []}
    graph = validator.reader.read([record], "test").graph
    out = writer.write(graph, iri(validator, "T-W1")).record
    assert out == {"id": "T-W1", "kind": "consumption", "status": "open"}


def test_unknown_stage_and_role_stay_plain_values(
    validator: OpportunityValidator, writer: RecordWriter
) -> None:
    record = {"id": "T-W2", "stage": "Stage 9", "owner": {"id": "u 1/2", "role": "XYZ"}}
    graph = read(validator, record)
    out = writer.write(graph, iri(validator, "T-W2")).record
    assert out["stage"] == "Stage 9"
    assert out["owner"] == {"id": "u 1/2", "role": "XYZ"}
    assert isomorphic(read(validator, out), graph)


def test_iris_of_rdf_input_are_kept_and_extra_triples_reported(
    validator: OpportunityValidator, writer: RecordWriter
) -> None:
    graph = Graph().parse(
        format="turtle",
        data="""
        @prefix mcem: <https://w3id.org/mcem-kg/ontology#> .
        <http://example.org/opp/1> a mcem:ConsumptionOpportunity, mcem:OpenOpportunity ;
            mcem:milestone <http://example.org/ms/1> ;
            mcem:owner [ mcem:person <http://example.org/people/7> ] ;
            mcem:note "not in the contract" .
        <http://example.org/ms/1> a mcem:UncommittedMilestone ; mcem:estValue 1.5 .
        """,
    )
    written = writer.write(graph, URIRef("http://example.org/opp/1"))
    assert written.record["id"] == "http://example.org/opp/1"
    assert written.record["milestones"] == [
        {"id": "http://example.org/ms/1", "commitment": "uncommitted", "estValue": 1.5}
    ]
    assert written.record["owner"] == {"id": "http://example.org/people/7"}
    assert [str(t[1]) for t in written.unwritten] == ["https://w3id.org/mcem-kg/ontology#note"]
    # Without the triple no field holds, the record reads back to the same graph.
    kept = Graph()
    for triple in graph:
        if triple not in written.unwritten:
            kept.add(triple)
    assert isomorphic(read(validator, written.record), kept)
