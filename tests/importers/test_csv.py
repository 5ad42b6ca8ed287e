"""CSV import: every CSV form gives exactly its JSON records; unreadable exports are named.

Forms: ``forms/pipeline.csv`` is the shared pipeline; ``importers/csv/NAME.csv`` adds CSV
details (byte order mark, CRLF, blank lines, a quoted cell over two lines, columns in another
order and only some of them, stage labels, list cells with blanks, 1/0/Yes booleans, rows
without and with milestones for one opportunity); ``importers/csv-custom`` is an export with
its own mapping.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mcem_kg.errors import InputRecordError
from mcem_kg.importers import CsvMapping, load_csv_mapping, read_csv
from tests.importers import CONTRACT, FORMS, IMPORTERS, MAPPINGS, canonical, expected_records

BAD = IMPORTERS / "bad-csv"
EXPECTED: dict[str, str] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mapping() -> CsvMapping:
    return load_csv_mapping(MAPPINGS / "csv.yaml", contract=CONTRACT)


def read(path: Path, mapping: CsvMapping) -> list[dict[str, object]]:
    # newline="" keeps line ends as they are: CRLF and quoted line breaks reach the reader.
    with path.open(encoding="utf-8", newline="") as file:
        return read_csv(file.read(), source=path.name, mapping=mapping)


@pytest.mark.parametrize(
    ("export", "expected"),
    [(FORMS / "pipeline.csv", FORMS / "pipeline.json")]
    + [(path, path.with_suffix(".json")) for path in sorted((IMPORTERS / "csv").glob("*.csv"))],
    ids=lambda path: path.name,
)
def test_csv_form_gives_the_records(export: Path, expected: Path, mapping: CsvMapping) -> None:
    assert canonical(read(export, mapping)) == expected_records(expected)


def test_an_export_with_its_own_mapping() -> None:
    folder = IMPORTERS / "csv-custom"
    records = read(
        folder / "export.csv", load_csv_mapping(folder / "mapping.yaml", contract=CONTRACT)
    )
    assert canonical(records) == expected_records(folder / "expected.json")


def test_records_come_in_the_order_of_their_first_row(mapping: CsvMapping) -> None:
    records = read(FORMS / "pipeline.csv", mapping)
    assert [record["id"] for record in records] == [f"7-OPP000000{n}" for n in range(1, 7)]


def test_every_bad_csv_fixture_has_an_expectation() -> None:
    assert set(EXPECTED) == {path.name for path in BAD.glob("*.csv")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_csv(name: str, mapping: CsvMapping) -> None:
    with pytest.raises(InputRecordError) as info:
        read(BAD / name, mapping)
    assert info.value.source == name
    assert EXPECTED[name] in str(info.value)
