"""Entailed graphs (src/mcem_kg/entailment.py): the store's reading of a record gives the
facts the rdflib reading gives, and the validation day's refresh rewrites only what changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rdflib import URIRef

from mcem_kg.derive import OpportunityFacts
from mcem_kg.generate import generate
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.pipeline import Pipeline
from mcem_kg.store import EmbeddedStore
from mcem_kg.validation import OpportunityValidator
from mcem_kg.vocabulary import MCEM

AS_OF = date(2026, 11, 24)


@pytest.fixture
def pipeline(tmp_path: Path, validator: OpportunityValidator) -> Iterator[Pipeline]:
    store = EmbeddedStore(tmp_path / "store")
    yield Pipeline(store, validator)
    store.close()


def canonical(facts: OpportunityFacts) -> tuple[object, ...]:
    return (
        facts.opportunity,
        sorted(map(str, facts.stages)),
        sorted(facts.entries),
        sorted(facts.discussions),
        sorted(map(str, facts.milestones)),
        facts.types,
    )


def test_the_store_reads_the_facts_rdflib_reads(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    facts = PipelineFacts.read(validator)
    records = generate(80, seed=3, violation_rate=0.5, as_of=AS_OF, facts=facts).records
    batch = validator.reader.read(list(records), "records.json")
    pipeline.write(batch)
    graphs = pipeline.stored_graphs()
    stored = pipeline.entailer.facts(pipeline.store, graphs)
    for iri in graphs:
        expected = OpportunityFacts.of(batch.graph, URIRef(iri))
        assert canonical(stored[iri]) == canonical(expected)


def test_the_refresh_follows_the_day(pipeline: Pipeline, validator: OpportunityValidator) -> None:
    record = {
        "id": "OPP-1",
        "stage": 2,
        "stageHistory": [{"stage": 1, "enteredOn": "2026-01-05"}],
        "handoffs": [{"kind": "ATU-STU", "discussedOn": "2026-01-02"}],
        "milestones": [{"id": "M-1", "commitment": "uncommitted"}],
    }
    pipeline.write(validator.reader.read([record], "records.json"))
    store, entailer = pipeline.store, pipeline.entailer
    ask = f"ASK {{ GRAPH ?e {{ ?d <{MCEM.dueDate}> ?date ; <{MCEM.duePassed}> %s }} }}"

    def passed(value: str) -> bool:
        answer = store.query(ask % value, accept="application/sparql-results+json")
        return bool(json.loads(answer.body)["boolean"])

    assert entailer.refresh(store, date(2026, 1, 5)) == 1  # written as of today: due 2026-01-13
    assert passed("false")
    assert not passed("true")
    assert entailer.refresh(store, date(2026, 1, 5)) == 0
    assert entailer.refresh(store, date(2026, 1, 14)) == 1
    assert passed("true")


def test_missing_entailed_graphs_are_derived(
    pipeline: Pipeline, validator: OpportunityValidator
) -> None:
    """A store written before entailed graphs existed gets them (the service does this at
    every start)."""
    pipeline.write(validator.reader.read([{"id": "OPP-1", "stage": 3}], "records.json"))
    iri = pipeline.iri("OPP-1")
    entailed = pipeline.names.entailed(iri)
    pipeline.store.delete_graph(entailed)
    assert pipeline.entail_missing() == 1
    assert pipeline.store.has_graph(entailed)
    assert pipeline.entail_missing() == 0
