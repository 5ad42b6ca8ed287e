"""OData import: every OData form gives exactly its JSON records; bad exports are named.

Forms: ``forms/odata/`` (one document per entity set) and ``forms/odata-expanded.json`` (the
milestones and deal teams expanded into the opportunities) hold the shared pipeline;
``importers/odata/NAME/`` adds OData details (no annotations, no ``@odata.context``, pages,
datetimes with offsets, ids in other letter case, owners not on the deal team).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcem_kg.errors import InputRecordError
from mcem_kg.importers import ODataMapping, is_odata, load_odata_mapping, read_odata
from tests.importers import CONTRACT, FORMS, IMPORTERS, MAPPINGS, canonical, expected_records

BAD = IMPORTERS / "bad-odata"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
CASES = sorted(path for path in (IMPORTERS / "odata").iterdir() if path.is_dir())


@pytest.fixture(scope="module")
def mapping() -> ODataMapping:
    return load_odata_mapping(MAPPINGS / "msx-odata.yaml", contract=CONTRACT)


def documents(folder: Path) -> list[tuple[str, object]]:
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.json"))
        if path.name != "expected.json"
    ]


def test_one_document_per_entity_set(mapping: ODataMapping) -> None:
    records = read_odata(documents(FORMS / "odata"), mapping=mapping)
    assert canonical(records) == expected_records(FORMS / "pipeline.json")


def test_documents_in_any_order(mapping: ODataMapping) -> None:
    records = read_odata(documents(FORMS / "odata")[::-1], mapping=mapping)
    assert canonical(records) == expected_records(FORMS / "pipeline.json")


def test_one_document_with_expanded_milestones_and_deal_team(mapping: ODataMapping) -> None:
    path = FORMS / "odata-expanded.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    records = read_odata([(path.name, document)], mapping=mapping)
    assert canonical(records) == expected_records(FORMS / "pipeline.json")


@pytest.mark.parametrize("folder", CASES, ids=lambda path: path.name)
def test_odata_form_gives_the_records(folder: Path, mapping: ODataMapping) -> None:
    records = read_odata(documents(folder), mapping=mapping)
    assert canonical(records) == expected_records(folder / "expected.json")


def test_every_bad_odata_fixture_has_an_expectation() -> None:
    assert set(EXPECTED) == {path.name for path in BAD.iterdir() if path.is_dir()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_odata(name: str, mapping: ODataMapping) -> None:
    with pytest.raises(InputRecordError) as info:
        read_odata(documents(BAD / name), mapping=mapping)
    assert info.value.source in {path.name for path in (BAD / name).glob("*.json")}
    assert EXPECTED[name] in str(info.value)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


ODATA = [
    *(FORMS / "odata").glob("*.json"),
    FORMS / "odata-expanded.json",
    *(IMPORTERS / "odata").glob("*/page*.json"),  # no @odata.context: known by @odata.etag
]
NOT_ODATA: dict[str, object] = {
    "records": load(FORMS / "pipeline.json"),
    "opportunities-object": {"opportunities": load(FORMS / "pipeline.json")},
    "value-not-a-list": {"value": "7-OPP1"},
    "context-value-not-a-list": {"@odata.context": "x", "value": {}},
    "unknown-entities": {"value": [{"id": "7-OPP1"}]},
    "text": "value",
}


@pytest.mark.parametrize("path", ODATA, ids=lambda path: path.name)
def test_is_odata(path: Path, mapping: ODataMapping) -> None:
    assert is_odata(load(path))
    assert is_odata(load(path), mapping)


@pytest.mark.parametrize("name", sorted(NOT_ODATA))
def test_is_not_odata(name: str, mapping: ODataMapping) -> None:
    document = NOT_ODATA[name]
    assert not is_odata(document)
    assert not is_odata(document, mapping)


def test_is_odata_by_the_mapping_keys_alone(mapping: ODataMapping) -> None:
    document = {"value": [{"opportunityid": "b0000000-0000-4000-8000-000000000001"}]}
    assert is_odata(document, mapping)
    assert not is_odata(document)
