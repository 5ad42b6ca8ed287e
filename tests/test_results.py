"""Result formats."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from mcem_kg import KnowledgeGraph
from mcem_kg.results import ResultFormat, serialize, to_table


def test_table_shortens_iris_with_the_ontology_prefixes(kg: KnowledgeGraph) -> None:
    result = kg.query("stage-accountability", {"stage": "1"})
    console = Console(width=200, record=True)
    console.print(to_table(result, kg.methodology.asserted.namespace_manager))
    text = console.export_text()
    assert "stage:listen-consult" in text
    assert "https://" not in text


def test_json_and_csv(kg: KnowledgeGraph) -> None:
    result = kg.query("glossary", {"term": "CSP"})
    assert json.loads(serialize(result, ResultFormat.JSON))["head"]["vars"] == ["term", "expansion"]
    assert serialize(result, ResultFormat.CSV).splitlines()[1] == "CSP,Customer Success Plan"


def test_a_table_is_not_serialized(kg: KnowledgeGraph) -> None:
    with pytest.raises(ValueError, match="to_table"):
        serialize(kg.query("glossary"), ResultFormat.TABLE)
