"""Importers: CSV and Dynamics 365 (MSX) OData exports turned into plain JSON records.

Each importer reads its source through a mapping file (``mappings/csv.yaml``,
``mappings/msx-odata.yaml``) that an organization edits to match its own export, and returns
records in the canonical form of the record contract: fields omitted when unknown, no nulls.
"""

from mcem_kg.importers.csv import read_csv
from mcem_kg.importers.fields import Contract
from mcem_kg.importers.mapping import (
    CsvMapping,
    EntitySpec,
    FieldSpec,
    Formatted,
    HandoffSpec,
    ODataMapping,
    load_csv_mapping,
    load_odata_mapping,
)
from mcem_kg.importers.odata import is_odata, read_odata

__all__ = [
    "Contract",
    "CsvMapping",
    "EntitySpec",
    "FieldSpec",
    "Formatted",
    "HandoffSpec",
    "ODataMapping",
    "is_odata",
    "load_csv_mapping",
    "load_odata_mapping",
    "read_csv",
    "read_odata",
]
