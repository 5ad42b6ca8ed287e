"""Tests of the CSV and OData importers, and what they share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcem_kg.importers import Contract
from mcem_kg.settings import default_data_root

DATA = Path(__file__).resolve().parents[1] / "data"
FORMS = DATA / "forms"
IMPORTERS = DATA / "importers"
MAPPINGS = default_data_root() / "mappings"
# The record contract's fields, as the importers get them: from the JSON Schema.
CONTRACT = Contract.from_schema(
    json.loads((default_data_root() / "ontology" / "opportunity.schema.json").read_text())
)


def canonical(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records sorted by id, each one's milestones sorted by id: order carries no meaning."""
    ordered = sorted(records, key=lambda record: str(record["id"]))
    return [
        {**record, "milestones": sorted(record["milestones"], key=lambda m: str(m["id"]))}
        if "milestones" in record
        else record
        for record in ordered
    ]


def expected_records(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return canonical(records)
