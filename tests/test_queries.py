"""The named-query registry: discovered by scanning, agreeing with the folder, well declared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from rdflib import Graph

from mcem_kg import DataFileError, KnowledgeGraph, QueryRegistry, Settings, UnknownQueryError
from mcem_kg.binding import run
from mcem_kg.queries import load_query
from mcem_kg.records import unwrap
from mcem_kg.validation import OpportunityValidator
from tests.helpers import as_rows

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pipeline.json"
QUERY_FILES = sorted(Settings.defaults().queries_dir.glob("*.rq"))

# The queries the methodology-graph issue asks for: parameters (? = optional) and the
# columns each must have at least.
REQUIRED = {
    "stage-accountability": (
        ["stage?"],
        ["stage", "stageNumber", "stageLabel", "unit", "role", "involvement"],
    ),
    "role-activities": (["role", "stage?"], ["role", "stageNumber", "stageLabel", "activity"]),
    "unit-accountability": (["unit?"], ["unit", "role", "stageNumber", "stageLabel"]),
    "stage-criteria": (["stage?"], ["stageNumber", "kind", "criterion"]),
    "handoffs": (
        [],
        [
            "handoff",
            "fromUnit",
            "toUnit",
            "fromStageNumber",
            "toStageNumber",
            "deadline",
            "deadlineUnit",
            "requiredDiscussion",
            "participantRole",
            "responsibleRole",
            "responsibility",
        ],
    ),
    "role-profile": (["role"], ["role", "label", "unit", "focus", "duty"]),
    "glossary": (["term?"], ["term", "expansion"]),
    "collaborations": ([], ["roles", "purpose"]),
}
EXAMPLE_PARAMS = {"role-activities": {"role": "AE"}, "role-profile": {"role": "AE"}}


def test_registry_and_folder_agree_both_ways(settings: Settings) -> None:
    registry = QueryRegistry.scan(settings.queries_dir)
    on_disk = {path.stem for path in settings.queries_dir.glob("*.rq")}
    assert set(registry.names) == on_disk
    for query in registry:
        assert query.path.parent == settings.queries_dir
        assert query.path.is_file()


def test_a_new_file_is_discovered(settings: Settings, tmp_path: Path) -> None:
    for path in settings.queries_dir.glob("*.rq"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "extra.rq").write_text("#+ summary: one more\nSELECT * WHERE { ?s ?p ?o }\n")
    registry = QueryRegistry.scan(tmp_path)
    assert "extra" in registry
    assert len(registry) == len(QUERY_FILES) + 1


@pytest.fixture(scope="module")
def with_examples(kg: KnowledgeGraph, validator: OpportunityValidator) -> Graph:
    """The methodology and its closure with the example pipeline, for the queries about
    stored opportunities."""
    graph = kg.methodology.asserted + kg.methodology.inferred
    document = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    graph += validator.reader.read(unwrap(document, EXAMPLES.name), EXAMPLES.name).graph
    return graph


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_every_query_file_loads_and_answers(
    path: Path, kg: KnowledgeGraph, with_examples: Graph
) -> None:
    query = load_query(path)
    assert query.summary
    params = EXAMPLE_PARAMS.get(query.name, {})
    answer = run(with_examples, kg.terms, kg.queries.get(query.name), params)
    assert as_rows(answer), f"{query.name} answered nothing"


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_required_query_contract(kg: KnowledgeGraph, name: str) -> None:
    params, columns = REQUIRED[name]
    query = kg.queries.get(name)
    declared = [p.name + ("" if p.required else "?") for p in query.parameters]
    assert declared == params
    result = kg.query(name, EXAMPLE_PARAMS.get(name, {}))
    assert set(columns) <= {str(v) for v in result.vars or []}


def test_unknown_query_lists_the_known(kg: KnowledgeGraph) -> None:
    with pytest.raises(UnknownQueryError, match="known queries: collaborations"):
        kg.queries.get("no-such-query")


BAD = yaml.safe_load((DATA / "bad-queries" / "expected.yaml").read_text())


def test_every_bad_query_fixture_has_an_expectation() -> None:
    assert set(BAD) == {p.name for p in (DATA / "bad-queries").glob("*.rq")}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_query_definition(name: str) -> None:
    path = DATA / "bad-queries" / name
    with pytest.raises(DataFileError) as info:
        load_query(path)
    assert str(path) in str(info.value)
    assert BAD[name] in str(info.value)


def test_a_query_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.rq"
    path.write_bytes("#+ summary: caf\u00e9\nSELECT * WHERE { ?s ?p ?o }\n".encode("latin-1"))
    with pytest.raises(DataFileError, match=r"latin1\.rq: is not UTF-8 text"):
        load_query(path)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no named queries"):
        QueryRegistry.scan(tmp_path)
