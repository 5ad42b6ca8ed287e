"""KnowledgeGraph: the library entry point, loaded once and reused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcem_kg import DataFileError, KnowledgeGraph, Settings, UnknownQueryError
from tests.helpers import as_rows


def test_load_prepares_every_query_once(kg: KnowledgeGraph) -> None:
    prepared = {query.name: query.prepared for query in kg.queries}
    kg.query("stages")
    assert {query.name: query.prepared for query in kg.queries} == prepared


def test_query_without_parameters(kg: KnowledgeGraph) -> None:
    assert len(as_rows(kg.query("stages"))) == len(as_rows(kg.query("stages", {})))


def test_unknown_query(kg: KnowledgeGraph) -> None:
    with pytest.raises(UnknownQueryError):
        kg.query("who-is-on-call")


def test_load_fails_on_a_missing_folder(tmp_path: Path) -> None:
    settings = replace(Settings.defaults(), ontology_dir=tmp_path / "none")
    with pytest.raises(DataFileError, match="no ontology files"):
        KnowledgeGraph.load(settings)
