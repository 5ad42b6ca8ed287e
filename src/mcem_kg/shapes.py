"""The shapes graph and its rules, read from ``shapes/*.ttl`` once.

A rule is a node shape with an ``mcemsh:rule`` id. Its severity, the methodology part it
implements (and so who is accountable) and the handoff whose deadline it checks are read
from the shapes and the ontology; a new rule is a new shape, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from mcem_kg.errors import DataFileError
from mcem_kg.methodology import parse_files
from mcem_kg.terms import TermIndex
from mcem_kg.vocabulary import MCEM

MCEMSH = Namespace("https://w3id.org/mcem-kg/shapes#")

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One validation rule: a node shape of the shapes graph."""

    id: str
    shape: URIRef
    severity: str
    # Roles accountable for what the rule checks; empty: the current stage's lead roles.
    accountable: tuple[str, ...]
    # The handoff whose ownership deadline the rule checks, if any (for the due date).
    handoff: URIRef | None
    source: str


@dataclass(frozen=True, slots=True)
class ShapeSet:
    """The shapes graph, its rules, and which rule each shape belongs to."""

    graph: Graph
    rules: dict[str, Rule]
    rule_of_shape: dict[Node, Rule]
    files: tuple[Path, ...]

    @classmethod
    def load(cls, shapes_dir: Path, methodology: Graph, terms: TermIndex) -> ShapeSet:
        files = tuple(sorted(shapes_dir.glob("*.ttl")))
        if not files:
            raise DataFileError(shapes_dir, "no shapes files (*.ttl) found")
        graph = parse_files(files)
        rules: dict[str, Rule] = {}
        rule_of_shape: dict[Node, Rule] = {}
        for shape, rule_id in sorted(graph.subject_objects(MCEMSH.rule)):
            if not isinstance(shape, URIRef):
                raise DataFileError(shapes_dir, f"rule {rule_id} is not a named node shape")
            if str(rule_id) in rules:
                raise DataFileError(shapes_dir, f"rule {rule_id} is defined twice")
            rule = Rule(
                id=str(rule_id),
                shape=shape,
                severity=SEVERITIES[graph.value(shape, SH.severity) or SH.Violation],  # type: ignore[index]
                accountable=_accountable(graph.value(shape, MCEMSH.implements), methodology, terms),
                handoff=_uri(graph.value(shape, MCEMSH.ownedInTimeAfter)),
                source=str(graph.value(shape, URIRef("http://purl.org/dc/terms/source")) or ""),
            )
            rules[rule.id] = rule
            rule_of_shape[shape] = rule
            for part in graph.objects(shape, SH.property):
                rule_of_shape[part] = rule
        return cls(graph=graph, rules=rules, rule_of_shape=rule_of_shape, files=files)


def _uri(node: Node | None) -> URIRef | None:
    return node if isinstance(node, URIRef) else None


def _accountable(thing: Node | None, methodology: Graph, terms: TermIndex) -> tuple[str, ...]:
    """Who is accountable for a criterion (its stage's lead roles), a role activity (its role)
    or a handoff responsibility (its responsible roles)."""
    if thing is None:
        return ()
    roles = set(methodology.objects(thing, MCEM.performedBy))
    roles |= set(methodology.objects(thing, MCEM.responsibleRole))
    for stage in methodology.objects(thing, MCEM.inStage):
        if not roles:
            roles |= set(methodology.objects(stage, MCEM.leadRole))
    return tuple(sorted(terms.code(r) for r in roles if isinstance(r, URIRef)))
