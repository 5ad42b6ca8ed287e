"""``mcem validate`` and ``mcem generate``: exit statuses, formats, and the examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import SH
from typer.testing import CliRunner

from mcem_kg.cli import app
from mcem_kg.shapes import MCEMSH

EXAMPLES = Path(__file__).parents[1] / "examples"
DATA = Path(__file__).parent / "data"
FORMS = DATA / "forms"
runner = CliRunner()


def test_examples_give_the_expected_rules_per_record() -> None:
    expected = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())
    as_of = str(expected["asOf"])
    result = runner.invoke(
        app, ["validate", str(EXAMPLES / "pipeline.json"), "--as-of", as_of, "-f", "json"]
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    found: dict[str, set[str]] = {record: set() for record in expected["records"]}
    for r in report["results"]:
        found[r["opportunity"]].add(r["rule"])
    assert {k: sorted(v) for k, v in found.items()} == {
        k: sorted(v or []) for k, v in expected["records"].items()
    }


def test_examples_cover_every_stage_and_conforming_and_violating_records() -> None:
    records = json.loads((EXAMPLES / "pipeline.json").read_text())["opportunities"]
    expected = yaml.safe_load((EXAMPLES / "expected.yaml").read_text())["records"]
    assert len(records) >= 20
    assert {r.get("stage") for r in records} >= {1, 2, 3, 4, 5}
    assert any(not rules for rules in expected.values())
    assert any(rules for rules in expected.values())


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--as-of", "2026-11-24"], 1),
        (["--as-of", "2026-11-24", "--format", "json"], 1),
        (["--as-of", "2026-11-24", "--format", "turtle"], 1),
    ],
)
def test_violations_exit_1(args: list[str], code: int) -> None:
    result = runner.invoke(app, ["validate", str(FORMS / "pipeline.json"), *args])
    assert result.exit_code == code, result.stderr


def test_text_groups_results_by_opportunity() -> None:
    result = runner.invoke(app, ["validate", str(FORMS / "pipeline.json"), "--as-of", "2026-11-24"])
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("6 opportunities as of 2026-11-24:")
    headers = [line for line in lines if line and not line.startswith(" ")][:-1]
    assert headers == sorted(headers)
    assert all("(stage " in header for header in headers)


def test_turtle_is_a_w3c_validation_report_tagged_like_the_json() -> None:
    args = ["validate", str(FORMS / "pipeline.ttl"), "--as-of", "2026-11-24"]
    graph = Graph().parse(data=runner.invoke(app, [*args, "-f", "turtle"]).stdout)
    (report,) = graph.subjects(predicate=SH.conforms)
    results = list(graph.objects(report, SH.result))
    tagged = sorted(
        (str(graph.value(r, MCEMSH.rule)), str(graph.value(r, SH.focusNode))) for r in results
    )
    document = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    assert len(results) >= 3
    assert tagged == sorted((r["rule"], r["focusNode"]) for r in document["results"])
    assert all(graph.value(r, MCEMSH.opportunity) is not None for r in results)


def base_record_file(folder: Path, name: str) -> Path:
    """A file holding one base record of the rule cases (each conforms to every rule)."""
    bases = yaml.safe_load((DATA / "rules" / "qualification--budget.yaml").read_text())["bases"]
    path = folder / "one.json"
    path.write_text(json.dumps(bases[name]))
    return path


def test_a_conforming_record_exits_0(tmp_path: Path) -> None:
    path = base_record_file(tmp_path, "stage2")
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-24"])
    assert result.exit_code == 0, result.stdout


def test_unknown_fields_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "typo.json"
    path.write_text(
        json.dumps({"id": "OPP-1", "stage": 1, "qualification": {"budgetValidatd": True}})
    )
    result = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-24"])
    assert "mcem: warning: " in result.stderr
    assert "unknown field 'qualification.budgetValidatd'" in result.stderr


def test_gate_check_lists_what_is_missing_for_the_next_stage(tmp_path: Path) -> None:
    path = base_record_file(tmp_path, "stage1")
    now = runner.invoke(app, ["validate", str(path), "--as-of", "2026-11-24", "-f", "json"])
    gate = runner.invoke(
        app, ["validate", str(path), "--as-of", "2026-11-24", "--to-stage", "2", "-f", "json"]
    )
    assert now.exit_code == 0
    assert gate.exit_code == 1
    rules = {r["rule"] for r in json.loads(gate.stdout)["results"]}
    assert {"qualification/budget", "handoff/atu-stu-discussion"} <= rules


def test_generate_then_validate_finds_exactly_the_injected_rules(tmp_path: Path) -> None:
    out, manifest = tmp_path / "pipeline.json", tmp_path / "injected.json"
    made = runner.invoke(
        app,
        [
            "generate",
            "-n",
            "60",
            "--seed",
            "7",
            "--violations",
            "0.5",
            "--as-of",
            "2026-11-24",
            "--out",
            str(out),
            "--manifest",
            str(manifest),
        ],
    )
    assert made.exit_code == 0, made.stderr
    result = runner.invoke(app, ["validate", str(out), "--as-of", "2026-11-24", "-f", "json"])
    injected: dict[str, list[str]] = json.loads(manifest.read_text())
    found: dict[str, set[str]] = {record: set() for record in injected}
    for r in json.loads(result.stdout)["results"]:
        found[r["opportunity"]].add(r["rule"])
    assert {k: sorted(v) for k, v in found.items()} == {k: sorted(v) for k, v in injected.items()}
    assert any(injected.values())
