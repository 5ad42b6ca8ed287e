"""Every input format of the same pipeline gets the same verdicts.

tests/data/forms/ holds one pipeline as plain JSON, Turtle, JSON-LD (naming the published
context by URL), CSV and a Dynamics 365 (MSX) OData export (one file per entity set, and one
with expanded navigation properties). The Turtle and JSON-LD files were written once from
the JSON by the reader and are kept as fixtures.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from mcem_kg.errors import InputRecordError
from mcem_kg.inputs import EXTENSIONS, InputFormat, InputReader, Source, sniff
from mcem_kg.scratch import validate_sources
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator

FORMS = Path(__file__).parent / "data" / "forms"
AS_OF = date(2026, 11, 24)

VARIANTS = {
    "json": [FORMS / "pipeline.json"],
    "turtle": [FORMS / "pipeline.ttl"],
    "json-ld": [FORMS / "pipeline.jsonld"],
    "csv": [FORMS / "pipeline.csv"],
    "odata": sorted((FORMS / "odata").glob("*.json")),
    "odata-expanded": [FORMS / "odata-expanded.json"],
}


@pytest.fixture(scope="module")
def inputs(validator: OpportunityValidator, settings: Settings) -> InputReader:
    return InputReader.load(validator.reader, settings.mappings_dir)


def verdicts(
    validator: OpportunityValidator, inputs: InputReader, files: list[Path]
) -> set[tuple[str, str, str, str | None, str | None]]:
    report = validator.validate(inputs.read([Source.from_path(p) for p in files]), AS_OF)
    return {(r.opportunity, r.rule, r.severity, r.path, str(r.due_date)) for r in report.results}


def test_the_forms_pipeline_breaks_rules(
    validator: OpportunityValidator, inputs: InputReader
) -> None:
    # Otherwise equal verdicts would prove little.
    assert len(verdicts(validator, inputs, VARIANTS["json"])) >= 3


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "json"])
def test_every_form_gets_the_verdicts_of_plain_json(
    validator: OpportunityValidator, inputs: InputReader, variant: str
) -> None:
    expected = verdicts(validator, inputs, VARIANTS["json"])
    assert verdicts(validator, inputs, VARIANTS[variant]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"id": "x"}', InputFormat.JSON),
        ("[]", InputFormat.JSON),
        ("@prefix m: <urn:m#> .", InputFormat.TURTLE),
        ('<?xml version="1.0"?><rdf:RDF/>', InputFormat.RDFXML),
        ("<urn:a> <urn:b> <urn:c> .\n", InputFormat.NTRIPLES),
        ("id,name\nOPP-1,x\n", InputFormat.CSV),
        ("# a comment\n@prefix m: <urn:m#> .", InputFormat.TURTLE),
        ("_:b <urn:p> <urn:o> .\n", InputFormat.NTRIPLES),
    ],
)
def test_format_is_told_by_content(text: str, expected: InputFormat) -> None:
    assert sniff(text) == expected


UNREADABLE = [
    ("bad.json", '{"id": "OPP-1", ', "bad.json:1: not valid JSON"),
    ("bad.ttl", "@prefix m: <urn:m#> .\nm:a m:b", "bad.ttl: not valid TURTLE"),
    (
        "remote.jsonld",
        '{"@context": "https://example.org/c.jsonld", "@id": "urn:x"}',
        "remote @context",
    ),
    ("shape.json", '"just a string"', "expected a record, an array of records"),
    ("twice.json", '[{"id": "A"}, {"id": "A"}]', "record 'A': field 'id': appears twice"),
    ("nan.json", '{"id": "A", "milestones": [{"id": "M", "estValue": NaN}]}', "NaN is not"),
    ("big.json", '{"id": "A", "milestones": [{"id": "M", "estValue": 1e400}]}', "too large"),
    ("deep.json", "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("extra.json", '{"id": "A", "opportunities": []}', "also has 'id'"),
    (
        "nested.jsonld",
        '[{"@context": "https://example.org/c", "@id": "urn:x"}]',
        "remote @context",
    ),
    (
        "import.jsonld",
        '{"@context": {"@import": "http://127.0.0.1:9/c.json"}, "@id": "urn:x"}',
        "@import 'http://127.0.0.1:9/c.json' is not fetched",
    ),
    (
        "file.jsonld",
        '{"@context": [{"@import": "file:///etc/hostname"}], "@id": "urn:x"}',
        "@import 'file:///etc/hostname' is not fetched",
    ),
    (
        "scoped.jsonld",
        '{"@context": {"m": {"@id": "urn:m", "@context": "file:///etc/hostname"}},'
        ' "@id": "urn:x", "m": {"urn:p": 1}}',
        "remote @context 'file:///etc/hostname'",
    ),
    ("deep-record.json", '{"id": "A", "x": ' + "[" * 600 + "]" * 600 + "}", "too deeply"),
]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    UNREADABLE,
)
def test_unreadable_input_names_the_place(
    inputs: InputReader, name: str, text: str, message: str
) -> None:
    with pytest.raises(InputRecordError, match=message.replace("(", r"\(")):
        inputs.read([Source(name, text, EXTENSIONS.get(Path(name).suffix))])


@pytest.mark.parametrize(("name", "text", "message"), UNREADABLE)
def test_unreadable_input_is_unreadable_to_the_store_engine_too(
    validator: OpportunityValidator, inputs: InputReader, name: str, text: str, message: str
) -> None:
    """``mcem validate``'s default path reads plain records its own, faster way."""
    with pytest.raises(InputRecordError, match=message.replace("(", r"\(")):
        validate_sources(validator, inputs, [Source(name, text, EXTENSIONS.get(Path(name).suffix))])


def test_the_same_record_in_two_files_is_refused(inputs: InputReader) -> None:
    sources = [
        Source.from_path(FORMS / "pipeline.ttl"),
        Source.from_path(FORMS / "pipeline.jsonld"),
    ]
    with pytest.raises(InputRecordError, match=r"'7-OPP0000001' appears in .*pipeline\.\w+ too"):
        inputs.read(sources)


def test_json_ld_under_the_published_context_may_use_plain_ids(
    validator: OpportunityValidator, inputs: InputReader
) -> None:
    text = (
        '{"@context": "https://w3id.org/mcem-kg/ontology/context.jsonld",'
        ' "id": "OPP-1", "stage": 2, "budgetValidatd": true}'
    )
    batch = inputs.read([Source("a.jsonld", text, InputFormat.JSONLD)])
    report = validator.validate(batch, AS_OF)
    assert report.opportunities == ["OPP-1"]
    assert "file:" not in batch.graph.serialize(format="nt")
    assert any("budgetValidatd" in w for w in report.warnings)


def test_expanded_json_ld_reads_back_as_the_same_graph(inputs: InputReader) -> None:
    """Expanded JSON-LD (no context), as the service answers ``application/ld+json``."""
    batch = inputs.read([Source.from_path(FORMS / "pipeline.json")])
    expanded = batch.graph.serialize(format="json-ld")
    again = inputs.read([Source("expanded.jsonld", expanded, InputFormat.JSONLD)])
    assert isomorphic(again.graph, batch.graph)
