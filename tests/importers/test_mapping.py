"""Mapping files: the shipped ones load and cover the contract; broken ones are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pytest
import yaml

from mcem_kg.errors import DataFileError
from mcem_kg.importers import Contract, load_csv_mapping, load_odata_mapping
from mcem_kg.importers.mapping import FieldSpec
from tests.importers import CONTRACT, IMPORTERS, MAPPINGS

BAD = IMPORTERS / "bad-mappings"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))


class Loader(Protocol):
    def __call__(self, path: Path, *, contract: Contract) -> object: ...


def targets(specs: tuple[FieldSpec, ...]) -> set[str]:
    return {spec.target for spec in specs}


def loader(name: str) -> Loader:
    return load_csv_mapping if name.startswith("csv-") else load_odata_mapping


def test_the_csv_mapping_has_a_column_for_every_contract_field() -> None:
    mapping = load_csv_mapping(MAPPINGS / "csv.yaml", contract=CONTRACT)
    assert targets(mapping.opportunity) == set(CONTRACT.opportunity)
    assert targets(mapping.milestone) == set(CONTRACT.milestone)
    assert mapping.handoffs
    for handoff in mapping.handoffs:
        assert targets(handoff.fields) == set(CONTRACT.handoff), handoff.kind


def test_the_odata_mapping_reads_every_contract_field() -> None:
    mapping = load_odata_mapping(MAPPINGS / "msx-odata.yaml", contract=CONTRACT)
    # The owner's role comes from the deal team, not from a property of the owner.
    assert targets(mapping.opportunities.fields) == set(CONTRACT.opportunity) - {"owner.role"}
    assert targets(mapping.milestones.fields) == set(CONTRACT.milestone) - {"owner.role"}
    assert targets(mapping.deal_team.fields) == {"user", "role"}
    for handoff in mapping.handoffs:
        assert targets(handoff.fields) == set(CONTRACT.handoff), handoff.kind


def test_both_mappings_record_the_same_handoff_kinds() -> None:
    csv_kinds = [
        h.kind for h in load_csv_mapping(MAPPINGS / "csv.yaml", contract=CONTRACT).handoffs
    ]
    odata_kinds = [
        h.kind for h in load_odata_mapping(MAPPINGS / "msx-odata.yaml", contract=CONTRACT).handoffs
    ]
    assert csv_kinds == odata_kinds
    assert len(csv_kinds) == 2


def test_the_odata_mapping_reads_dates_from_datetimes_and_csv_does_not() -> None:
    assert load_odata_mapping(MAPPINGS / "msx-odata.yaml", contract=CONTRACT).syntax.datetimes
    assert not load_csv_mapping(MAPPINGS / "csv.yaml", contract=CONTRACT).syntax.datetimes


def test_every_bad_mapping_fixture_has_an_expectation() -> None:
    assert set(EXPECTED) == {path.name for path in BAD.glob("*.yaml")} - {"expected.yaml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_mapping(name: str) -> None:
    path = BAD / name
    with pytest.raises(DataFileError) as info:
        loader(name)(path, contract=CONTRACT)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert EXPECTED[name] in str(info.value)


@pytest.mark.parametrize("load", [load_csv_mapping, load_odata_mapping])
def test_a_missing_mapping_file(load: Loader, tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot be read"):
        load(tmp_path / "nope.yaml", contract=CONTRACT)


@pytest.mark.parametrize("load", [load_csv_mapping, load_odata_mapping])
def test_a_mapping_file_that_is_not_utf8(load: Loader, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("opportunity: {id: N\xfamero}\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="is not UTF-8 text"):
        load(path, contract=CONTRACT)
