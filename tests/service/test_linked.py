"""Linked data: documents and dereferenced IRIs, negotiated, parsed back as RDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rdflib import Graph, URIRef

from mcem_kg import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "service"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "linked-data.yaml").read_text())

# rdflib's parser for each media type the service answers graphs in.
PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['path']} {c['accept']}")
def test_documents_and_iris(client: httpx.Client, case: dict[str, Any]) -> None:
    answer = client.get(case["path"], headers={"Accept": case["accept"]})
    assert answer.status_code == case.get("status", 200), answer.text
    if "media" not in case:
        assert answer.headers["content-type"] == "application/problem+json"
        return
    media = answer.headers["content-type"].split(";")[0]
    assert media == case["media"]
    graph = Graph().parse(data=answer.content, format=PARSERS[media])
    iri = URIRef(case["mentions"])
    assert (iri, None, None) in graph or (None, None, iri) in graph


def test_context_is_the_published_file(client: httpx.Client, settings: Settings) -> None:
    answer = client.get("/context.jsonld")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/ld+json"
    assert answer.json() == json.loads((settings.ontology_dir / "context.jsonld").read_text())
