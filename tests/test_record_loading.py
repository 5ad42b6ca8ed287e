"""The fast record reader gives what the reference reader gives.

:class:`FastRecordReader` replaces two steps of :meth:`RecordReader.read`: the Python
``jsonschema`` check (by ``jsonschema_rs``, whose acceptance must imply the Python check's) and
rdflib's JSON-LD parser (by pyoxigraph's, in the store). Each record's named graph, as
pyoxigraph reads the batch, must be isomorphic to the graph rdflib reads from the same record,
with the same literals; ids, warnings and errors must be the reference's.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from mcem_kg.errors import InputRecordError
from mcem_kg.generate import generate
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.record_loading import FastRecordReader, LoadableBatch
from mcem_kg.records import Record, RecordBatch, RecordReader, unwrap
from mcem_kg.store.embedded import to_rdflib
from mcem_kg.validation import OpportunityValidator

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
RECORD_FILES = [*sorted((ROOT / "examples").rglob("*.json")), DATA / "forms" / "pipeline.json"]
BAD: list[dict[str, Any]] = yaml.safe_load((DATA / "bad-records.yaml").read_text())
SOURCE = "input.json"
AS_OF = date(2026, 11, 24)
BROKEN_IRI = "https://example.org/a%zz"  # looks absolute, so kept as it is; not a valid IRI

# Valid records at the edges of the contract: numbers, dates, plain values, ids, text.
EDGE_RECORDS: list[Record] = [
    {
        "id": "OPP-decimals",
        "stage": 3,
        "milestones": [
            {"id": "M-1", "estValue": 24000},
            {"id": "M-2", "estValue": 0.1},
            {"id": "M-3", "estValue": 1e-7},
            {"id": "M-4", "estValue": 24000.0},
            {"id": "M-5", "estValue": -0.0},
            {"id": "M-6", "estValue": 12345678901234567890123},
            {"id": "M-7", "estValue": 1.5e300},
        ],
        "handoffs": [{"kind": "ATU-STU", "agreedMilestoneValue": 1e-7}],
    },
    {
        "id": "OPP-dates-and-flags",
        "ownerSince": "2024-02-29",
        "stageHistory": [{"stage": 1, "enteredOn": "2000-02-29"}],
        "qualification": {"budgetValidated": True, "timingConfirmed": False},
        "customerAligned": True,
        "outcomesMet": False,
        "milestones": [{"id": "M-1", "estDueDate": "9999-12-31", "commitment": "committed"}],
        "handoffs": [{"kind": "STU-CSU", "discussedOn": "0001-01-01", "validatedDetails": True}],
    },
    {
        "id": "OPP-unknown-references",
        "stage": "nine",
        "stageHistory": [
            {"stage": 99, "enteredOn": "2026-01-05"},
            {"stage": 1.0, "enteredOn": "2026-01-06"},
        ],
        "owner": {"id": "u-1", "role": "Sales Manager"},
        "milestones": [{"id": "M-1", "owner": {"id": "u-2", "role": "ZZZ"}}],
        "handoffs": [{"kind": "atu-stu", "participants": [{"id": "u-3", "role": "@id"}]}],
    },
    {"id": "OPP-label", "stage": "inspire & design", "owner": {"id": "u-1", "role": "ae"}},
    {"id": "https://example.org/opp/1", "stage": 2, "milestones": [{"id": "M-1"}]},
    {"id": "urn:x:1", "milestones": [{"id": "urn:x:1:m"}], "owner": {"id": "https://e.org/p"}},
    {"id": "https://example.org/opp/../x/./y?q=1#f"},
    {"id": "OPP 1/2", "milestones": [{"id": "M 1/ä"}], "owner": {"id": "p q/r"}},
    {"id": "ä/ö 名前", "name": 'Ünïcødé 名前 🚀 "quoted" \\ \n\t', "account": "Café\u0000"},
    {"id": "OPP-empty", "milestones": [], "handoffs": [], "stageHistory": []},
    {"id": "OPP-context", "@context": "https://w3id.org/mcem-kg/context.jsonld", "name": ""},
    {"id": "OPP-terms", "name": "@id", "account": "mcem:account", "kind": "billed"},
    {
        "id": "OPP-participants",
        "status": "completed",
        "handoffs": [
            {"kind": "ATU-STU", "participants": [{"id": "u-1", "role": "SSP"}, {"id": "u-1"}]},
            {"kind": "ATU-STU", "participants": []},
        ],
    },
]
# Records with unknown fields at every level: read, with a warning per field.
UNKNOWN_FIELDS: list[Record] = [
    {"id": "OPP-1", "stge": 2},
    {"id": "OPP-2", "qualification": {"budgetValidatd": True}},
    {
        "id": "OPP-3",
        "milestones": [{"id": "M-1", "estValu": 3}],
        "owner": {"id": "u1", "rol": "AE"},
    },
    {"id": "OPP-4", "extra": {"nested": {"deeper": [1, {"id": "x"}]}}},
    {"id": "OPP-5", "handoffs": [{"kind": "ATU-STU", "participants": [{"id": "u", "x": 1}]}]},
    {"id": "OPP-6", "stageHistory": [{"stage": 1, "enteredOn": "2026-01-05", "by": "me"}]},
    {"id": "OPP-7", "milestones": [{"id": "M-1", "owner": {"id": "u", "unit": "ATU"}}], "z": None},
]
DATES = [
    "2026-02-30", "2026-1-05", " 2026-01-05", "2026-01-05 ", "2026-01-05\n", "2024-02-29",
    "2025-02-29", "1900-02-29", "2000-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
    "2026-01-00", "0000-01-01", "9999-12-31", "+2026-01-05", "20260105", "2026-W01-1", "2026-001",
    "2026/01/05", "2026-01-05T10:00:00Z", "2026-01-05T10:00:00", "2026-01-05Z", "",
    "\uff12\uff10\uff12\uff16-01-05", "2026-01-0\u0665",
]  # fmt: skip
DATE_FIELDS: list[tuple[str, ...]] = [
    ("ownerSince",),
    ("stageHistory", "enteredOn"),
    ("milestones", "estDueDate"),
    ("milestones", "ownerSince"),
    ("handoffs", "discussedOn"),
    ("handoffs", "agreedDueDate"),
]
# Values of the wrong kind (numbers and booleans as text, and the reverse).
WRONG_KINDS: list[Record] = [
    {"id": "OPP-1", "milestones": [{"id": "M-1", "estValue": "24000"}]},
    {"id": "OPP-1", "handoffs": [{"kind": "ATU-STU", "agreedMilestoneValue": "1e-7"}]},
    {"id": "OPP-1", "milestones": [{"id": "M-1", "estValue": True}]},
    {"id": "OPP-1", "qualification": {"budgetValidated": "true"}},
    {"id": "OPP-1", "customerAligned": "false"},
    {"id": "OPP-1", "customerAligned": 1},
    {"id": "OPP-1", "handoffs": [{"kind": "ATU-STU", "validatedDetails": 0}]},
    {"id": "OPP-1", "stage": True},
    {"id": "OPP-1", "stage": 1.5},
    {"id": "OPP-1", "stage": None},
    {"id": 1},
    {"id": ""},
    {"id": "OPP-1", "name": 7},
    {"id": "OPP-1", "kind": "Consumption"},
    {"id": "OPP-1", "milestones": {}},
    {"id": "OPP-1", "milestones": [{"id": "M-1", "workloads": "Azure"}]},
    {"id": "OPP-1", "stageHistory": [{"stage": 1}]},
    {"id": "OPP-1", "qualification": []},
    {"id": "OPP-1", "ownerSince": date(2026, 1, 5)},  # not JSON: jsonschema_rs cannot take it
    {"id": "OPP-1", "milestones": [{"id": "M-1", "estValue": float("nan")}]},  # Python's NaN
]


LIST_ITEMS: dict[str, Record] = {
    "stageHistory": {"stage": 1, "enteredOn": "2026-01-05"},
    "milestones": {"id": "M-1"},
    "handoffs": {"kind": "ATU-STU"},
}


def _dated(where: tuple[str, ...], value: str) -> Record:
    """A record with ``value`` in the date field ``where`` (of the first list item)."""
    if len(where) == 1:
        return {"id": "OPP-1", where[0]: value}
    return {"id": "OPP-1", where[0]: [{**LIST_ITEMS[where[0]], where[1]: value}]}


STRUCTURE_CASES: list[Record] = [
    *(record for case in BAD for record in case["records"]),
    *UNKNOWN_FIELDS,
    *(_dated(where, value) for where in DATE_FIELDS for value in DATES),
    *WRONG_KINDS,
    *EDGE_RECORDS,
]


@pytest.fixture(scope="module")
def reader(validator: OpportunityValidator) -> RecordReader:
    return validator.reader


@pytest.fixture(scope="module")
def fast(reader: RecordReader) -> FastRecordReader:
    return FastRecordReader(reader)


@pytest.fixture(scope="module")
def facts(validator: OpportunityValidator) -> PipelineFacts:
    return PipelineFacts.read(validator)


# --- comparing with the reference ----------------------------------------------------------------


def _graphs(batch: LoadableBatch) -> dict[str | None, list[pyoxigraph.Quad]]:
    """The batch as pyoxigraph's JSON-LD parser reads it, by graph name (None: default)."""
    graphs: dict[str | None, list[pyoxigraph.Quad]] = defaultdict(list)
    for quad in pyoxigraph.parse(batch.jsonld, format=pyoxigraph.RdfFormat.JSON_LD):
        name = quad.graph_name
        graphs[name.value if isinstance(name, pyoxigraph.NamedNode) else None].append(quad)
    return graphs


def _literals(quads: list[pyoxigraph.Quad]) -> Counter[tuple[str, str]]:
    """The literals' lexical forms and datatypes, exactly as pyoxigraph gives them."""
    return Counter(
        (q.object.value, q.object.datatype.value)
        for q in quads
        if isinstance(q.object, pyoxigraph.Literal)
    )


def _reference_literals(graph: Graph) -> Counter[tuple[str, str]]:
    return Counter(
        (str(o), str(o.datatype or XSD.string)) for _, _, o in graph if isinstance(o, Literal)
    )


def _assert_same(reader: RecordReader, fast: FastRecordReader, records: list[Record]) -> None:
    """The batch is the reference's, record by record."""
    batch = fast.read(records, SOURCE)
    reference = reader.read(records, SOURCE)
    assert batch.ids == reference.ids
    assert batch.warnings == reference.warnings
    assert batch.iris == [reader.iri("opportunity", i) for i in reference.ids]
    graphs = _graphs(batch)
    assert set(graphs) == set(batch.iris)  # every triple in its record's graph
    for record, iri in zip(records, batch.iris, strict=True):
        expected = reader.read([record], SOURCE).graph
        quads = graphs[iri]
        ours = Graph()
        for quad in quads:
            ours.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        assert len(ours) == len(quads) == len(expected), record["id"]
        assert isomorphic(ours, expected), record["id"]
        assert (URIRef(iri), None, None) in expected
        assert _literals(quads) == _reference_literals(expected), record["id"]


def _outcome(read: Callable[[], RecordBatch | LoadableBatch]) -> tuple[str, object]:
    """What reading gives: the ids and warnings, or the error (the reference's check raises
    TypeError on a value that is not JSON, e.g. a Python date, when it quotes it)."""
    try:
        batch = read()
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return "read", (batch.ids, batch.warnings)


# --- triples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_record_files_give_the_reference_triples(
    reader: RecordReader, fast: FastRecordReader, path: Path
) -> None:
    records = unwrap(json.loads(path.read_text(encoding="utf-8")), path.name)
    assert records
    _assert_same(reader, fast, records)


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_pipelines_give_the_reference_triples(
    reader: RecordReader, fast: FastRecordReader, facts: PipelineFacts, seed: int
) -> None:
    records = generate(300, seed=seed, violation_rate=0.2, as_of=AS_OF, facts=facts).records
    assert all(fast.passes(r) for r in records)  # conforming records take the fast path
    _assert_same(reader, fast, records)


@pytest.mark.parametrize("record", EDGE_RECORDS, ids=lambda r: str(r["id"]))
def test_edge_records_give_the_reference_triples(
    reader: RecordReader, fast: FastRecordReader, record: Record
) -> None:
    _assert_same(reader, fast, [record])


def test_unknown_fields_are_the_reference_warnings(
    reader: RecordReader, fast: FastRecordReader
) -> None:
    assert not any(fast.passes(r) for r in UNKNOWN_FIELDS)
    _assert_same(reader, fast, UNKNOWN_FIELDS)
    assert len(fast.read(UNKNOWN_FIELDS, SOURCE).warnings) == 9


def test_the_batch_loads_into_a_store(
    reader: RecordReader, fast: FastRecordReader, facts: PipelineFacts
) -> None:
    records = generate(50, seed=3, violation_rate=0.2, as_of=AS_OF, facts=facts).records
    batch = fast.read(records + EDGE_RECORDS, SOURCE)
    store = pyoxigraph.Store()
    store.bulk_load(batch.jsonld, format=pyoxigraph.RdfFormat.JSON_LD)
    assert len(store) == sum(len(quads) for quads in _graphs(batch).values())
    names = [g.value for g in store.named_graphs() if isinstance(g, pyoxigraph.NamedNode)]
    assert sorted(names) == sorted(batch.iris)


# --- structure -------------------------------------------------------------------------------


@pytest.mark.parametrize("record", STRUCTURE_CASES, ids=lambda r: repr(r)[:80])
def test_jsonschema_rs_accepts_only_what_the_python_check_accepts_silently(
    reader: RecordReader, fast: FastRecordReader, record: Record
) -> None:
    if fast.passes(record):
        assert reader.check(record, SOURCE, 0) == []
    assert _outcome(lambda: fast.read([record], SOURCE)) == _outcome(
        lambda: reader.read([record], SOURCE)
    )


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_unreadable_records_give_the_reference_error(
    reader: RecordReader, fast: FastRecordReader, case: dict[str, Any]
) -> None:
    with pytest.raises(InputRecordError) as expected:
        reader.read(case["records"], SOURCE)
    with pytest.raises(InputRecordError) as caught:
        fast.read(case["records"], SOURCE)
    assert str(caught.value) == str(expected.value)
    assert case["says"] in str(caught.value)


# --- chunks ----------------------------------------------------------------------------------


def _chunked(fast: FastRecordReader, records: list[Record], size: int) -> list[LoadableBatch]:
    seen: set[str] = set()
    return [
        fast.read(records[start : start + size], SOURCE, seen=seen, offset=start)
        for start in range(0, len(records), size)
    ]


def test_chunks_read_as_the_whole(fast: FastRecordReader, facts: PipelineFacts) -> None:
    records = generate(40, seed=4, violation_rate=0.2, as_of=AS_OF, facts=facts).records
    records[5]["typo"] = 1
    whole = fast.read(records, SOURCE)
    batches = _chunked(fast, records, 7)
    assert [i for b in batches for i in b.ids] == whole.ids
    assert [i for b in batches for i in b.iris] == whole.iris
    assert [w for b in batches for w in b.warnings] == whole.warnings


@pytest.mark.parametrize(
    ("position", "bad"),
    [(12, {"stage": 1}), (16, {"id": "OPP-000003"}), (9, {"id": "OPP-X", "ownerSince": "soon"})],
    ids=["no id", "an id of an earlier chunk", "a bad date"],
)
def test_chunks_give_the_errors_of_the_whole(
    reader: RecordReader,
    fast: FastRecordReader,
    facts: PipelineFacts,
    position: int,
    bad: Record,
) -> None:
    records = generate(20, seed=5, violation_rate=0.2, as_of=AS_OF, facts=facts).records
    records.insert(position, bad)
    with pytest.raises(InputRecordError) as expected:
        reader.read(records, SOURCE)
    with pytest.raises(InputRecordError) as caught:
        _chunked(fast, records, 7)
    assert str(caught.value) == str(expected.value)


def test_seen_takes_the_ids_of_a_read_batch_only(fast: FastRecordReader) -> None:
    seen = {"OPP-0"}
    fast.read([{"id": "OPP-1"}], SOURCE, seen=seen)
    with pytest.raises(InputRecordError):
        fast.read([{"id": "OPP-2"}, {"id": "OPP-3", "kind": "other"}], SOURCE, seen=seen)
    assert seen == {"OPP-0", "OPP-1"}


# --- where the fast reader refuses what the reference reads ----------------------------------


def _id_places(schema: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Every place the schema puts an id (``$defs/id``), list items as index 0."""
    places: list[tuple[str | int, ...]] = []

    def walk(node: dict[str, Any], where: tuple[str | int, ...]) -> None:
        ref = node.get("$ref", "")
        if ref == "#/$defs/id":
            places.append(where)
        elif ref:
            walk(schema["$defs"][ref.rsplit("/", 1)[1]], where)
        for name, spec in node.get("properties", {}).items():
            walk(spec, (*where, name))
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*where, 0))

    walk(schema, ())
    return places


# Each place of an id, a record with an id there that looks absolute but is no IRI, the field.
BROKEN_IDS: dict[tuple[str | int, ...], tuple[Record, str]] = {
    ("id",): ({"id": BROKEN_IRI}, "id"),
    ("owner", "id"): ({"id": "OPP-1", "owner": {"id": BROKEN_IRI}}, "owner.id"),
    ("milestones", 0, "id"): (
        {"id": "OPP-1", "milestones": [{"id": BROKEN_IRI}]},
        "milestones[0].id",
    ),
    ("milestones", 0, "owner", "id"): (
        {"id": "OPP-1", "milestones": [{"id": "M-1", "owner": {"id": BROKEN_IRI}}]},
        "milestones[0].owner.id",
    ),
    ("handoffs", 0, "participants", 0, "id"): (
        {"id": "OPP-1", "handoffs": [{"kind": "ATU-STU", "participants": [{"id": BROKEN_IRI}]}]},
        "handoffs[0].participants[0].id",
    ),
}


def test_every_place_of_an_id_is_checked(reader: RecordReader) -> None:
    assert sorted(map(str, _id_places(reader.schema))) == sorted(map(str, BROKEN_IDS))


@pytest.mark.parametrize(("record", "field"), BROKEN_IDS.values(), ids=lambda v: str(v)[:40])
def test_an_id_kept_as_an_invalid_iri_is_refused(
    reader: RecordReader, fast: FastRecordReader, record: Record, field: str
) -> None:
    """pyoxigraph's JSON-LD parser drops a node whose id is not a valid IRI, silently;
    rdflib keeps it. The fast reader refuses the record instead, naming the field."""
    assert len(reader.read([record], SOURCE).graph) > 0  # the reference reads it
    with pytest.raises(InputRecordError) as caught:
        fast.read([{"id": "OPP-0"}, record], SOURCE)
    assert caught.value.record == record["id"]
    assert caught.value.field == field
    assert f'"{BROKEN_IRI}" is not valid' in str(caught.value)


@pytest.mark.parametrize(
    "iri", [BROKEN_IRI, "https://example.org/[x]", "urn:x:1%", "https://e.org/a#b#c"]
)
def test_pyoxigraph_drops_nodes_with_invalid_iris(reader: RecordReader, iri: str) -> None:
    """Why the fast reader checks ids: without the check, the record would vanish."""
    node = reader.normalize({"id": iri, "name": "x"}, SOURCE)
    assert node["id"] == iri
    document = {"@context": reader.context["@context"], "@graph": [node]}
    quads = list(pyoxigraph.parse(json.dumps(document), format=pyoxigraph.RdfFormat.JSON_LD))
    assert quads == []
    assert len(reader.read([{"id": iri, "name": "x"}], SOURCE).graph) == 3


def test_text_utf_8_cannot_hold_is_refused(reader: RecordReader, fast: FastRecordReader) -> None:
    """A lone surrogate (JSON's "\\ud800" read by Python's json) has no UTF-8 form. The
    reference fails too, in rdflib's parser (orjson's JSONDecodeError), naming nothing."""
    records: list[Record] = [{"id": "OPP-1"}, {"id": "OPP-2", "name": "\ud800"}]
    with pytest.raises(ValueError, match="surrogate"):
        reader.read(copy.deepcopy(records), SOURCE)
    with pytest.raises(InputRecordError) as caught:
        fast.read(records, SOURCE)
    assert caught.value.record == "OPP-2"
