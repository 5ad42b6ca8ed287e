"""The ``mcem`` command line, run in-process through typer's test runner."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph
from typer.testing import CliRunner

from mcem_kg import InvalidInputError, KnowledgeGraph
from mcem_kg.cli import app, parse_params
from tests.helpers import as_rows

DATA = Path(__file__).parent / "data"
ERRORS: list[dict[str, Any]] = yaml.safe_load((DATA / "cli-errors.yaml").read_text())
runner = CliRunner()


@pytest.mark.parametrize("case", ERRORS, ids=[" ".join(c["args"]) for c in ERRORS])
def test_bad_command_line(case: dict[str, Any]) -> None:
    result = runner.invoke(app, case["args"])
    assert result.exit_code == 2
    assert case["says"] in result.stderr
    assert result.stderr.startswith("mcem: error: ")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_queries_lists_every_named_query(kg: KnowledgeGraph) -> None:
    result = runner.invoke(app, ["queries"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    for query in kg.queries:
        assert query.name in result.stdout
        assert query.summary in result.stdout


def test_query_json_is_sparql_results_json(kg: KnowledgeGraph) -> None:
    result = runner.invoke(
        app, ["query", "role-activities", "-p", "role=CSAM", "-p", "stage=2", "-f", "json"]
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["head"]["vars"] == ["role", "stageNumber", "stageLabel", "activity"]
    (binding,) = document["results"]["bindings"]
    assert binding["role"] == {"type": "literal", "value": "CSAM"}
    assert binding["stageNumber"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    expected = as_rows(kg.query("role-activities", {"role": "CSAM", "stage": "2"}))
    assert [binding["activity"]["value"]] == [row["activity"] for row in expected]


def test_query_csv_has_a_header_and_the_rows(kg: KnowledgeGraph) -> None:
    result = runner.invoke(
        app,
        ["query", "stage-accountability", "--param", "stage=Empower & Achieve", "--format", "csv"],
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(kg.query("stage-accountability", {"stage": "3"}))
    assert {r["stageNumber"] for r in rows} == {"3"}
    assert {r["involvement"] for r in rows} == {"lead", "supporting"}


def test_query_table_shows_the_summary_and_values() -> None:
    result = runner.invoke(app, ["query", "glossary", "-p", "term=macc"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "The methodology's acronyms" in result.stdout
    assert "Microsoft Azure Consumption Commitment" in result.stdout


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("turtle", "turtle"), ("json-ld", "json-ld"), ("nt", "nt")]
)
def test_ontology_prints_the_asserted_graph(
    kg: KnowledgeGraph, fmt: str, rdflib_format: str
) -> None:
    result = runner.invoke(app, ["ontology", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    assert len(Graph().parse(data=result.stdout, format=rdflib_format)) == len(
        kg.methodology.asserted
    )


def test_ontology_with_closure() -> None:
    plain = runner.invoke(app, ["ontology", "-f", "nt"]).stdout
    closed = runner.invoke(app, ["ontology", "-f", "nt", "--inferred"]).stdout
    assert len(closed.splitlines()) > len(plain.splitlines())


def test_a_broken_ontology_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text("this is not turtle")
    result = runner.invoke(app, ["ontology"], env={"MCEM_ONTOLOGY_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert result.stderr.startswith("mcem: error: ")
    assert "broken.ttl: not valid Turtle" in result.stderr


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], {}),
        (["stage=2"], {"stage": "2"}),
        (["role = AE"], {"role": " AE"}),
        (["a=b=c"], {"a": "b=c"}),
    ],
)
def test_parse_params(pairs: list[str], expected: dict[str, str]) -> None:
    assert parse_params(pairs) == expected


def test_parse_params_needs_a_name() -> None:
    with pytest.raises(InvalidInputError, match="expected NAME=VALUE"):
        parse_params(["=2"])


def test_console_script_runs_as_a_process() -> None:
    """The installed entry point (`python -m mcem_kg`, as `mcem` does) in a real process."""
    done = subprocess.run(
        [sys.executable, "-m", "mcem_kg", "query", "glossary", "-p", "term=CSP", "-f", "csv"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["term,expansion", "CSP,Customer Success Plan"]
