"""Plain JSON records: structure errors name record and field; the context gives the meaning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph
from rdflib.compare import isomorphic

from mcem_kg.errors import InputRecordError
from mcem_kg.records import CONTEXT_FILE, SCHEMA_FILE, RecordReader, unwrap
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator

DATA = Path(__file__).parent / "data"
BAD: list[dict[str, Any]] = yaml.safe_load((DATA / "bad-records.yaml").read_text())


@pytest.fixture(scope="module")
def reader(validator: OpportunityValidator) -> RecordReader:
    return validator.reader


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_unreadable_records_name_the_record_and_field(
    reader: RecordReader, case: dict[str, Any]
) -> None:
    with pytest.raises(InputRecordError) as caught:
        reader.read(case["records"], "input.json")
    assert case["says"] in str(caught.value)
    assert str(caught.value).startswith("input.json: ")


def test_a_batch_with_one_bad_record_loads_nothing(reader: RecordReader) -> None:
    good = {"id": "OPP-1", "stage": 1}
    with pytest.raises(InputRecordError):
        reader.read([good, {"id": "OPP-2", "ownerSince": "soon"}], "input.json")


def test_unknown_fields_are_warnings_at_every_level(reader: RecordReader) -> None:
    batch = reader.read(
        [
            {
                "id": "OPP-1",
                "stge": 2,
                "qualification": {"budgetValidatd": True},
                "milestones": [{"id": "M-1", "estValu": 3}],
                "owner": {"id": "u1", "rol": "AE"},
            }
        ],
        "input.json",
    )
    fields = [w.split("unknown field ")[1].split(" ")[0] for w in batch.warnings]
    assert sorted(fields) == sorted(
        ["'stge'", "'qualification.budgetValidatd'", "'milestones[0].estValu'", "'owner.rol'"]
    )
    assert "budgetValidatd" not in batch.graph.serialize(format="nt")


def test_schema_and_context_name_the_same_fields(settings: Settings) -> None:
    schema = json.loads((settings.ontology_dir / SCHEMA_FILE).read_text())
    context = json.loads((settings.ontology_dir / CONTEXT_FILE).read_text())["@context"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def fields(node: dict[str, Any]) -> set[str]:
        node = resolve(node)
        if "items" in node:
            return fields(node["items"])
        found = set(node.get("properties", {}))
        for spec in node.get("properties", {}).values():
            found |= fields(spec)
        return found

    def terms(ctx: dict[str, Any]) -> set[str]:
        found = {t for t, v in ctx.items() if not t.startswith("@")}
        for spec in ctx.values():
            if isinstance(spec, dict) and isinstance(spec.get("@context"), dict):
                found |= terms(spec["@context"])
        return found

    values = {"consumption", "billed", "open", "completed", "lost", "uncommitted", "committed"}
    prefixes = {t for t, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    assert fields(schema) - {"@context"} == terms(context) - values - prefixes - {"opportunities"}


def test_plain_json_with_the_context_is_json_ld_with_the_same_triples(
    reader: RecordReader,
) -> None:
    """The context is what gives records their meaning: rdflib's own JSON-LD parser, given
    a normalized record and the published context, yields the reader's graph."""
    record = unwrap(json.loads((DATA / "forms" / "pipeline.json").read_text()), "x")[3]
    ours = reader.read([record], "x").graph
    document = {"@context": reader.context["@context"], **reader.normalize(record, "x")}
    theirs = Graph().parse(data=json.dumps(document), format="json-ld")
    assert len(ours) > 30
    assert isomorphic(ours, theirs)


def test_ids_become_iris_and_back(reader: RecordReader) -> None:
    iri = reader.iri("opportunity", "OPP 1/ä")
    assert iri.endswith("opportunity/OPP%201%2F%C3%A4")
    assert reader.record_id(iri) == "OPP 1/ä"
