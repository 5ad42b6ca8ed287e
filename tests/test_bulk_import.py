"""Bulk import (src/mcem_kg/bulk_import.py): everything checked before anything is written,
records and entailed graphs loaded, a second import replacing, and `mcem import` itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mcem_kg.bulk_import import BulkImporter, import_files
from mcem_kg.errors import InputRecordError
from mcem_kg.pipeline import Pipeline
from mcem_kg.settings import Settings
from mcem_kg.store import EmbeddedStore
from mcem_kg.validation import OpportunityValidator

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "pipeline.json"


@pytest.fixture
def pipeline(tmp_path: Path, validator: OpportunityValidator) -> Iterator[Pipeline]:
    store = EmbeddedStore(tmp_path / "store")
    yield Pipeline(store, validator)
    store.close()


def records() -> list[dict[str, Any]]:
    document = json.loads(EXAMPLES.read_text())
    return list(document["opportunities"] if isinstance(document, dict) else document)


def test_import_stores_every_record_and_its_entailed_graph(pipeline: Pipeline) -> None:
    steps: list[tuple[str, int, int]] = []
    imported = BulkImporter(pipeline, chunk=7).import_records(
        records(), "pipeline.json", lambda *step: steps.append(step)
    )
    assert sorted(pipeline.ids()) == sorted(imported.ids)
    assert imported.replaced == 0
    for iri in imported.iris:
        assert pipeline.store.has_graph(pipeline.names.entailed(iri))
    assert steps[-1] == ("load", len(imported.ids), len(imported.ids))
    assert [s for s in steps if s[0] == "read"][-1][1] == len(imported.ids)


def test_the_imported_pipeline_validates_as_the_records_do(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    BulkImporter(pipeline).import_records(records(), "pipeline.json")
    reference = validator.validate(validator.reader.read(records(), "pipeline.json"))
    assert pipeline.validate_all().report.to_json() == reference.to_json()


def test_a_second_import_replaces(pipeline: Pipeline) -> None:
    importer = BulkImporter(pipeline)
    importer.import_records(records(), "pipeline.json")
    quads = pipeline.store.triple_count()
    again = importer.import_records(records(), "pipeline.json")
    assert again.replaced == len(again.ids)
    assert pipeline.store.triple_count() == quads


def test_one_bad_record_writes_nothing(pipeline: Pipeline) -> None:
    bad: list[dict[str, Any]] = [*records(), {"id": "OPP-BAD", "ownerSince": "soon"}]
    with pytest.raises(InputRecordError, match="OPP-BAD"):
        BulkImporter(pipeline, chunk=5).import_records(bad, "pipeline.json")
    assert pipeline.ids() == []
    assert pipeline.store.triple_count() == 0


def test_import_files_writes_the_methodology_too(tmp_path: Path, settings: Settings) -> None:
    configured = replace(settings, store_dir=tmp_path / "store")
    imported = import_files(configured, [EXAMPLES])
    store = EmbeddedStore(configured.store_dir)
    try:
        assert store.has_graph(f"{settings.graph_namespace}methodology")
        assert len(Pipeline(store, OpportunityValidator.load(settings)).ids()) == len(imported.ids)
    finally:
        store.close()


def test_mcem_import_command(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "OPP-1", "stage": [1, 2]}]))
    run = [sys.executable, "-m", "mcem_kg", "import", "--store", str(tmp_path / "s")]
    done = subprocess.run([*run, str(EXAMPLES)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"stored {len(records())} opportunities" in done.stdout
    failed = subprocess.run([*run, str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode == 2
    assert "field 'stage'" in failed.stderr
