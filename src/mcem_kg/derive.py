"""Facts that follow from a record and the methodology, added when records are loaded.

The shapes stay standard SHACL that compares values and dates; nothing in them does date
arithmetic, which SPARQL engines do differently (or not at all). So before validation:

- an opportunity gets ``mcem:pastStage`` for every stage before its current one, and the class
  the ontology defines for each (``mcem:PastListenConsult`` ≡ ``pastStage hasValue
  listen-consult``: OWL 2 RL rule cls-hv2, applied for these classes only);
- an opportunity or milestone whose handoff deadline has started running gets an
  ``mcem:OwnershipDue`` with the due date (the duration and the event it counts from are read
  from the handoff in the ontology) and whether that date has passed as of the validation day.

A gate check ("as if it moved to stage N today") changes the current stage first, and records
entering it today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, TIME
from rdflib.term import Node

from mcem_kg.calendar import Calendar
from mcem_kg.errors import DataFileError
from mcem_kg.vocabulary import MCEM


@dataclass(frozen=True, slots=True)
class HandoffDeadline:
    """One handoff's ownership deadline, as the ontology states it."""

    handoff: URIRef
    to_stage: URIRef
    subject_class: URIRef
    amount: int
    unit: URIRef
    counted_from: URIRef


@dataclass(frozen=True, slots=True)
class MethodologyFacts:
    """What derivation needs from the methodology, read once."""

    stage_numbers: dict[URIRef, int]
    past_stage_classes: dict[URIRef, URIRef]
    deadlines: tuple[HandoffDeadline, ...]
    opportunity_classes: frozenset[URIRef]
    # Properties whose rdfs:domain is an opportunity class: their subjects are opportunities.
    opportunity_properties: frozenset[URIRef]

    @classmethod
    def read(cls, graph: Graph, source: Path) -> MethodologyFacts:
        stage_numbers = {
            s: int(n.toPython())
            for s, n in graph.subject_objects(MCEM.stageNumber)
            if isinstance(s, URIRef) and isinstance(n, Literal)
        }
        past_stage_classes = {}
        for restriction in graph.subjects(OWL.onProperty, MCEM.pastStage):
            stage = graph.value(restriction, OWL.hasValue)
            for klass in graph.subjects(OWL.equivalentClass, restriction):
                if isinstance(klass, URIRef) and isinstance(stage, URIRef):
                    past_stage_classes[stage] = klass
        deadlines = tuple(
            _deadline(graph, handoff, source) for handoff in graph.subjects(RDF.type, MCEM.Handoff)
        )
        opportunity_classes = frozenset(
            c
            for c in graph.transitive_subjects(RDFS.subClassOf, MCEM.Opportunity)
            if isinstance(c, URIRef)
        )
        opportunity_properties = frozenset(
            p
            for klass in opportunity_classes
            for p in graph.subjects(RDFS.domain, klass)
            if isinstance(p, URIRef)
        )
        return cls(
            stage_numbers,
            past_stage_classes,
            deadlines,
            opportunity_classes,
            opportunity_properties,
        )


def _deadline(graph: Graph, handoff: Node, source: Path) -> HandoffDeadline:
    def one(subject: Node | None, predicate: URIRef) -> Node:
        value = graph.value(subject, predicate) if subject is not None else None
        if value is None:
            raise DataFileError(source, f"handoff {handoff} has no {predicate} on its deadline")
        return value

    def iri(subject: Node | None, predicate: URIRef) -> URIRef:
        value = one(subject, predicate)
        if not isinstance(value, URIRef):
            raise DataFileError(source, f"handoff {handoff}: {predicate} must be an IRI")
        return value

    deadline = one(handoff, MCEM.ownershipDeadline)
    duration = one(deadline, MCEM.duration)
    unit = iri(duration, TIME.unitType)
    counted_from = iri(deadline, MCEM.countedFrom)
    if not Calendar.supports(unit):
        raise DataFileError(source, f"deadline of {handoff}: unsupported duration unit {unit}")
    if counted_from not in {MCEM.RequiredDiscussionHeld, MCEM.ToStageEntered}:
        raise DataFileError(source, f"deadline of {handoff}: cannot count from {counted_from}")
    amount = one(duration, TIME.numericDuration)
    if not isinstance(amount, Literal) or not isinstance(amount.toPython(), int):
        raise DataFileError(source, f"deadline of {handoff}: the duration must be an integer")
    return HandoffDeadline(
        handoff=URIRef(str(handoff)),
        to_stage=iri(handoff, MCEM.toStage),
        subject_class=iri(handoff, MCEM.transfersOwnershipOf),
        amount=int(amount.toPython()),
        unit=unit,
        counted_from=counted_from,
    )


def _dates(graph: Graph, node: Node, predicate: URIRef) -> list[date]:
    return [
        value.toPython()
        for value in graph.objects(node, predicate)
        if isinstance(value, Literal) and isinstance(value.toPython(), date)
    ]


@dataclass(frozen=True, slots=True)
class OpportunityFacts:
    """What derivation reads of one opportunity's record, wherever the record is kept (an
    rdflib graph here, a store's named graph in :mod:`mcem_kg.entailment`)."""

    opportunity: URIRef
    # Its mcem:currentStage values (one, if the record is sound).
    stages: tuple[Node, ...]
    # (entered stage, entered on) of each stage entry.
    entries: tuple[tuple[Node, date], ...]
    # (handoff, discussed on) of each handoff discussion.
    discussions: tuple[tuple[Node, date], ...]
    # The opportunity's milestones.
    milestones: tuple[Node, ...]
    # (subject, class) for the asserted types of the opportunity and of its milestones.
    types: frozenset[tuple[Node, Node]]

    @classmethod
    def of(cls, graph: Graph, opportunity: URIRef) -> OpportunityFacts:
        entries = []
        for entry in graph.objects(opportunity, MCEM.stageEntry):
            stage = graph.value(entry, MCEM.enteredStage)
            if stage is not None:
                entries += [(stage, day) for day in _dates(graph, entry, MCEM.enteredOn)]
        discussions = [
            (handoff, day)
            for held in graph.objects(opportunity, MCEM.handoffDiscussion)
            for handoff in graph.objects(held, MCEM.ofHandoff)
            for day in _dates(graph, held, MCEM.discussedOn)
        ]
        milestones = tuple(graph.objects(opportunity, MCEM.milestone))
        return cls(
            opportunity=opportunity,
            stages=tuple(graph.objects(opportunity, MCEM.currentStage)),
            entries=tuple(entries),
            discussions=tuple(discussions),
            milestones=milestones,
            types=frozenset(
                (subject, klass)
                for subject in (opportunity, *milestones)
                for klass in graph.objects(subject, RDF.type)
            ),
        )


Triple = tuple[Node, Node, Node]


class Deriver:
    """Derives the facts of opportunities: from their facts alone, so that one definition
    serves records in an rdflib graph and records in a store."""

    def __init__(self, facts: MethodologyFacts) -> None:
        self.facts = facts

    def opportunities(self, graph: Graph) -> list[URIRef]:
        """The opportunities of a records graph: instances of an opportunity class, and
        subjects of a property whose domain is one (RDFS rule rdfs2)."""
        typed = {s for k in self.facts.opportunity_classes for s in graph.subjects(RDF.type, k)}
        used = {s for p in self.facts.opportunity_properties for s in graph.subjects(p, None)}
        return sorted(s for s in typed | used if isinstance(s, URIRef))

    def derive(
        self,
        graph: Graph,
        as_of: date,
        calendar: Calendar,
        to_stage: URIRef | None = None,
    ) -> None:
        """Add the derived facts of every opportunity of ``graph`` as of ``as_of``."""
        for opportunity in self.opportunities(graph):
            if to_stage is not None:
                self._move(graph, opportunity, to_stage, as_of)
            facts = OpportunityFacts.of(graph, opportunity)
            for triple in self.entailed(facts, as_of, calendar):
                graph.add(triple)

    def entailed(self, facts: OpportunityFacts, as_of: date, calendar: Calendar) -> list[Triple]:
        """The derived facts of one opportunity as of ``as_of``: its class, the stages it is
        past and their classes, and its ownership deadlines (see the module's text)."""
        opportunity = facts.opportunity
        triples: list[Triple] = [(opportunity, RDF.type, MCEM.Opportunity)]
        number = self.number(facts.stages)
        if number is None:
            return triples
        for stage, stage_number in self.facts.stage_numbers.items():
            if stage_number < number:
                triples.append((opportunity, MCEM.pastStage, stage))
                if stage in self.facts.past_stage_classes:
                    triples.append((opportunity, RDF.type, self.facts.past_stage_classes[stage]))
        for deadline in self.facts.deadlines:
            triples += self._ownership_due(facts, number, deadline, as_of, calendar)
        return triples

    def number(self, stages: tuple[Node, ...] | list[Node]) -> int | None:
        """The number of an opportunity's one current stage; None if it has not exactly one
        stage of the methodology."""
        if len(stages) != 1 or not isinstance(stages[0], URIRef):
            return None
        return self.facts.stage_numbers.get(stages[0])

    def stage_number(self, graph: Graph, opportunity: URIRef) -> int | None:
        """The number of the opportunity's one current stage; None if it has not exactly one."""
        return self.number(list(graph.objects(opportunity, MCEM.currentStage)))

    def _move(self, graph: Graph, opportunity: URIRef, to_stage: URIRef, as_of: date) -> None:
        before = self.stage_number(graph, opportunity)
        graph.remove((opportunity, MCEM.currentStage, None))
        graph.add((opportunity, MCEM.currentStage, to_stage))
        if before is None or self.facts.stage_numbers[to_stage] > before:
            entry = BNode()
            graph.add((opportunity, MCEM.stageEntry, entry))
            graph.add((entry, MCEM.enteredStage, to_stage))
            graph.add((entry, MCEM.enteredOn, Literal(as_of)))

    def entered(self, facts: OpportunityFacts, stage: URIRef) -> date | None:
        """When the opportunity entered ``stage``: its latest entry into it, else its earliest
        entry into a later stage (it skipped ``stage``), else unknown."""
        target = self.facts.stage_numbers[stage]
        into: list[date] = []
        later: list[date] = []
        for entered, day in facts.entries:
            number = self.facts.stage_numbers.get(entered) if isinstance(entered, URIRef) else None
            if number == target:
                into.append(day)
            elif number is not None and number > target:
                later.append(day)
        if into:
            return max(into)
        return min(later) if later else None

    def _ownership_due(
        self,
        facts: OpportunityFacts,
        number: int,
        deadline: HandoffDeadline,
        as_of: date,
        calendar: Calendar,
    ) -> list[Triple]:
        if deadline.counted_from == MCEM.RequiredDiscussionHeld:
            held = [day for handoff, day in facts.discussions if handoff == deadline.handoff]
            if not held:
                return []  # the deadline has not started
            start: date | None = min(held)
        else:  # ToStageEntered
            if number < self.facts.stage_numbers[deadline.to_stage]:
                return []
            start = self.entered(facts, deadline.to_stage)
        due = None if start is None else calendar.add(start, deadline.amount, deadline.unit)
        triples: list[Triple] = []
        for subject in (facts.opportunity, *facts.milestones):
            if (subject, deadline.subject_class) not in facts.types:
                continue
            node = BNode()
            triples += [
                (subject, MCEM.ownershipDue, node),
                (node, RDF.type, MCEM.OwnershipDue),
                (node, MCEM.forHandoff, deadline.handoff),
            ]
            if due is not None:
                triples.append((node, MCEM.dueDate, Literal(due)))
            triples.append((node, MCEM.duePassed, Literal(due is None or as_of > due)))
        return triples
