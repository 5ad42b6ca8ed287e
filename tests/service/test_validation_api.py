"""Validation over HTTP (src/mcem_kg/service/validation.py), against the session's real
server: every input form gets the verdicts the validator (and so ``mcem validate``) gives,
report graphs by Accept, verdicts and refusals kept as data (tests/data/service/validation-
*.yaml), the stored pipeline's counts and pages, and stored validation equal to sent.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import RDF, SH

from mcem_kg.inputs import InputReader, Source
from mcem_kg.records import RecordBatch
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator
from tests.service.test_opportunities import check_problem, request

DATA = Path(__file__).resolve().parents[1] / "data"
FORMS = DATA / "forms"
AS_OF = date(2026, 11, 24)
# The single-file forms of the forms pipeline, with the Content-Type each is sent as.
FORM_TYPES = {
    "pipeline.json": "application/json",
    "pipeline.jsonld": "application/ld+json",
    "pipeline.ttl": "text/turtle",
    "pipeline.csv": "text/csv",
    "odata-expanded.json": "application/json",
}
ERRORS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "service" / "validation-errors.yaml").read_text(encoding="utf-8")
)
VERDICTS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "service" / "validation-verdicts.yaml").read_text(encoding="utf-8")
)

Verdict = tuple[str, str, str]


@pytest.fixture(scope="module")
def inputs(validator: OpportunityValidator, settings: Settings) -> InputReader:
    return InputReader.load(validator.reader, settings.mappings_dir)


def verdicts(report: dict[str, Any]) -> set[Verdict]:
    return {(r["opportunity"], r["rule"], r["severity"]) for r in report["results"]}


@pytest.mark.parametrize("form", FORM_TYPES)
def test_every_form_gets_the_validators_verdicts(
    client: httpx.Client, validator: OpportunityValidator, inputs: InputReader, form: str
) -> None:
    path = FORMS / form
    answer = client.post(
        "/validate",
        params={"asOf": AS_OF.isoformat()},
        content=path.read_bytes(),
        headers={"Content-Type": FORM_TYPES[form]},
    )
    assert answer.status_code == 200, answer.text
    expected = validator.validate(inputs.read([Source.from_path(path)]), AS_OF)
    assert verdicts(answer.json()) == verdicts(expected.to_json())
    assert len(verdicts(answer.json())) >= 3
    assert answer.json()["asOf"] == AS_OF.isoformat()


@pytest.mark.parametrize(
    ("accept", "rdf_format"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")]
)
def test_report_graph_by_accept(client: httpx.Client, accept: str, rdf_format: str) -> None:
    answer = client.post(
        "/validate",
        params={"asOf": AS_OF.isoformat()},
        content=(FORMS / "pipeline.json").read_bytes(),
        headers={"Content-Type": "application/json", "Accept": accept},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=answer.content, format=rdf_format)
    reports = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert graph.value(reports[0], SH.conforms).toPython() is False  # type: ignore[union-attr]
    assert len(list(graph.objects(reports[0], SH.result))) >= 3


@pytest.mark.parametrize("case", VERDICTS, ids=[c["name"] for c in VERDICTS])
def test_verdicts(client: httpx.Client, case: dict[str, Any]) -> None:
    answer = client.post("/validate", params=case.get("params", {}), json=case["json"])
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["conforms"] is case["conforms"]
    rules = {r["rule"] for r in report["results"]}
    assert set(case.get("rules", [])) <= rules
    assert not set(case.get("absent_rules", [])) & rules
    for fragment in case.get("warnings", []):
        assert any(fragment in w for w in report["warnings"]), report["warnings"]


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
def test_refused_requests(client: httpx.Client, case: dict[str, Any]) -> None:
    check_problem(request(client, case, token=None), case)


@pytest.mark.parametrize(
    ("opportunity", "params"),
    [
        ("OPP-2001", {"asOf": "2026-11-24"}),
        ("OPP-2030", {"asOf": "2026-12-24"}),
        ("OPP-2001", {"asOf": "2026-11-24", "toStage": "Inspire & Design"}),
    ],
)
def test_stored_validation_equals_sent_validation(
    client: httpx.Client, opportunity: str, params: dict[str, str]
) -> None:
    record = client.get(f"/opportunities/{opportunity}").json()
    stored = client.get(f"/opportunities/{opportunity}/validation", params=params)
    sent = client.post("/validate", params=params, json=record)
    assert stored.status_code == sent.status_code == 200
    assert stored.json() == sent.json()
    as_turtle = client.get(
        f"/opportunities/{opportunity}/validation", params=params, headers={"Accept": "text/turtle"}
    )
    assert "sh:ValidationReport" in as_turtle.text


def stored_pipeline(client: httpx.Client) -> Graph:
    """Every stored opportunity, fetched one by one as N-Triples."""
    graph = Graph()
    for opportunity in client.get("/opportunities", params={"limit": 10_000}).json()["ids"]:
        answer = client.get(
            f"/opportunities/{opportunity}", headers={"Accept": "application/n-triples"}
        )
        graph.parse(data=answer.content, format="nt")
    return graph


def test_the_whole_pipeline_counts_and_pages(
    client: httpx.Client, validator: OpportunityValidator
) -> None:
    expected = validator.validate(RecordBatch(graph=stored_pipeline(client)), AS_OF)
    answer = client.get("/validation", params={"asOf": AS_OF.isoformat(), "limit": 7})
    assert answer.status_code == 200
    summary = answer.json()
    assert summary["asOf"] == AS_OF.isoformat()
    assert summary["opportunities"] == len(expected.opportunities) >= 30
    assert summary["conforms"] is expected.conforms
    assert summary["total"] == len(expected.results)
    assert summary["counts"]["byRule"] == dict(Counter(r.rule for r in expected.results))
    stages = Counter(str(r.stage) if r.stage is not None else "unknown" for r in expected.results)
    assert summary["counts"]["byStage"] == dict(stages)
    for counts in summary["counts"].values():
        assert sum(counts.values()) >= summary["total"] > 0
    assert summary["results"] == [r.to_json() for r in expected.results[:7]]
    second = client.get("/validation", params={"asOf": AS_OF.isoformat(), "offset": 7, "limit": 7})
    assert second.json()["results"] == [r.to_json() for r in expected.results[7:14]]
    assert (second.json()["offset"], second.json()["limit"]) == (7, 7)


def test_units_and_roles_are_the_methodologys(
    client: httpx.Client, validator: OpportunityValidator
) -> None:
    counts = client.get("/validation", params={"asOf": AS_OF.isoformat()}).json()["counts"]
    terms = validator.context.terms
    known = {terms.code(t) for found in terms.members.values() for t in found} | {"unknown"}
    assert set(counts["byUnit"]) <= known
    assert set(counts["byRole"]) <= known
    assert len(set(counts["byUnit"]) - {"unknown"}) >= 2


def validations(client: httpx.Client) -> dict[str, float]:
    text = client.get("/metrics").text
    found = re.findall(r'^mcem_validations_total\{outcome="(\w+)"\} (\S+)$', text, re.M)
    return {outcome: float(value) for outcome, value in found}


def test_validations_are_counted_by_outcome(client: httpx.Client) -> None:
    before = validations(client)
    records = [{"id": "T-M1", "stage": 1}, {"id": "T-M2", "stage": 2}]
    assert client.post("/validate", json=records).status_code == 200
    after = validations(client)
    assert after.get("violations", 0) - before.get("violations", 0) == 2


def test_a_graph_store_write_to_an_opportunity_is_revalidated(
    client: httpx.Client, writer: httpx.Client, validator: OpportunityValidator
) -> None:
    """Written through the Graph Store, not /opportunities: the entailed graph is derived
    anew and the kept summary counts the new verdicts."""
    record = {"id": "GSP-1", "stage": 1, "owner": {"id": "u-1", "role": "AE"}}
    assert writer.put("/opportunities/GSP-1", json=record).status_code in {200, 201}

    def results() -> list[dict[str, Any]]:
        page = client.get("/validation", params={"limit": 1000})
        assert page.status_code == 200
        return [r for r in page.json()["results"] if r["opportunity"] == "GSP-1"]

    before = results()
    moved = validator.reader.read([{**record, "stage": 3}], "record.json").graph
    iri = validator.reader.iri("opportunity", "GSP-1")
    body = moved.serialize(format="nt")
    put = writer.put(
        "/graph-store",
        params={"graph": iri},
        content=body,
        headers={"Content-Type": "application/n-triples"},
    )
    assert put.status_code == 204
    after = results()
    assert {r["rule"] for r in after} > {r["rule"] for r in before}
    assert any(r["rule"].startswith("qualification/") for r in after)
    assert writer.delete("/opportunities/GSP-1").status_code == 204
    assert results() == []
