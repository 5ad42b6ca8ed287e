"""Result formats."""

from __future__ import annotations

import json

import pytest
from rich.console import Console, Group
from rich.table import Table

from mcem_kg import KnowledgeGraph
from mcem_kg.results import ResultFormat, render, serialize, to_records, to_table


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
    with pytest.raises(ValueError, match="not serialized"):
        serialize(kg.query("glossary"), ResultFormat.TABLE)


@pytest.mark.parametrize(("width", "layout"), [(300, Table), (80, Group)])
def test_wide_results_become_one_block_per_row(
    kg: KnowledgeGraph, width: int, layout: type
) -> None:
    result = kg.query("handoff-summary")
    assert isinstance(render(result, kg.methodology.asserted.namespace_manager, width), layout)


def test_records_hold_every_value(kg: KnowledgeGraph) -> None:
    result = kg.query("handoff-summary")
    console = Console(width=100, record=True)
    console.print(to_records(result, kg.methodology.asserted.namespace_manager))
    text = console.export_text()
    assert text.count("deadlineUnit") == 2
    assert "business-days" in text
