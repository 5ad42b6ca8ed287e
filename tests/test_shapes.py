"""The shapes graph: found by scanning, every rule tagged and worded, every term it names real.

A misspelt property in a shape would make its rule pass silently; so every ``mcem:`` term and
every methodology individual the shapes name must exist in the ontology.
"""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF, SH

from mcem_kg.graph import KnowledgeGraph
from mcem_kg.settings import Settings
from mcem_kg.shapes import MCEMSH
from mcem_kg.validation import OpportunityValidator
from mcem_kg.vocabulary import MCEM

ID = "https://w3id.org/mcem-kg/id/"


def test_every_shapes_file_is_loaded(validator: OpportunityValidator, settings: Settings) -> None:
    assert validator.context.shapes.files == tuple(sorted(settings.shapes_dir.glob("*.ttl")))


def test_every_targeted_shape_is_a_rule(validator: OpportunityValidator) -> None:
    graph = validator.context.shapes.graph
    targets = [SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf]
    targeted = {s for t in targets for s in graph.subjects(t, None)}
    assert targeted == {rule.shape for rule in validator.context.shapes.rules.values()}


def test_every_rule_says_what_is_wrong_in_plain_language(validator: OpportunityValidator) -> None:
    graph = validator.context.shapes.graph
    for rule in validator.context.shapes.rules.values():
        parts = [*graph.objects(rule.shape, SH.property), *graph.objects(rule.shape, SH.sparql)]
        worded = [p for p in parts if graph.value(p, SH.message) is not None]
        assert graph.value(rule.shape, SH.message) is not None or worded == parts, rule.id
        assert rule.source.startswith("MCEM.md: "), rule.id


def test_every_term_the_shapes_name_is_in_the_ontology(
    validator: OpportunityValidator, kg: KnowledgeGraph
) -> None:
    known = set(kg.methodology.asserted.all_nodes()) | set(kg.methodology.inferred.all_nodes())
    named = {
        node
        for triple in validator.context.shapes.graph
        for node in triple
        if isinstance(node, URIRef) and (str(node).startswith((str(MCEM), ID)))
    }
    assert named
    assert sorted(named - known) == []


@pytest.mark.parametrize("severity", [SH.Warning])
def test_warning_rules_warn_in_every_part(
    validator: OpportunityValidator, severity: URIRef
) -> None:
    graph = validator.context.shapes.graph
    for rule in validator.context.shapes.rules.values():
        if graph.value(rule.shape, SH.severity) != severity:
            continue
        for part in graph.objects(rule.shape, SH.property):
            assert graph.value(part, SH.severity) == severity, rule.id


def test_every_rule_names_the_methodology_part_it_implements_when_it_has_one(
    validator: OpportunityValidator, kg: KnowledgeGraph
) -> None:
    graph = validator.context.shapes.graph
    for shape, thing in graph.subject_objects(MCEMSH.implements):
        assert (thing, RDF.type, None) in kg.methodology.asserted, (shape, thing)
    unaccountable = {r.id for r in validator.context.shapes.rules.values() if not r.accountable}
    # These hold the lead roles of the opportunity's current stage accountable.
    assert unaccountable == {"opportunity/stage", "opportunity/owner"}
