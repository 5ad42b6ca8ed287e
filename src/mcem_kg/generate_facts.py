"""What the pipeline generator knows of the methodology, read from the ontology and the shapes.

The generator (:mod:`mcem_kg.generate`) fabricates records that conform to every rule and
then breaks one rule in some of them. Everything it needs of the methodology is read here,
once, from the methodology and shapes an :class:`~mcem_kg.validation.OpportunityValidator`
has loaded: the stages; the accountable units and their roles, in the order the handoffs
pass an opportunity on; each handoff's code, required discussion and ownership deadline; and
for each rule the stage from which it applies and the plain JSON fields it checks. A change
of the methodology there needs no change of the generator.

The generator models a methodology of the shape MCEM has: two handoffs along a chain of three
units, the first handing over the uncommitted milestones within a time counted from its
discussion, the second handing over a consumption opportunity within a time counted from its
entry into a stage. Data of another shape is refused with a
:class:`~mcem_kg.errors.DataFileError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from mcem_kg.calendar import Calendar
from mcem_kg.derive import HandoffDeadline
from mcem_kg.errors import DataFileError
from mcem_kg.shapes import MCEMSH, Rule
from mcem_kg.vocabulary import MCEM

if TYPE_CHECKING:
    from mcem_kg.validation import OpportunityValidator

# Due dates without holidays: holidays only move a deadline later, so a record conforming
# under this calendar conforms under any holiday calendar (an injected late ownership may not).
WEEKENDS_ONLY = Calendar()


@dataclass(frozen=True, slots=True)
class HandoffFacts:
    """One handoff, as the generator needs it."""

    code: str  # what a record's discussion calls it (its skos:notation)
    position: int  # the index of its giving unit in PipelineFacts.units
    from_roles: tuple[str, ...]  # the roles of the giving unit
    to_roles: tuple[str, ...]  # the roles of the receiving unit
    to_stage: int  # the number of the stage it leads to
    required_roles: tuple[str, ...]  # each must take part in the discussion
    required_units: tuple[tuple[str, ...], ...]  # a role of each must take part
    deadline: HandoffDeadline
    discussion_rule: str  # the rule checking the discussion (from to_stage on)
    ownership_rule: str  # the rule checking the ownership deadline

    def due(self, start: date) -> date:
        """The ownership deadline, counted from ``start``."""
        return WEEKENDS_ONLY.add(start, self.deadline.amount, self.deadline.unit)


@dataclass(frozen=True, slots=True)
class FactRule:
    """A rule requiring plain JSON flags to be true from a stage on."""

    id: str
    gate: int | None  # the first stage it applies at; None: it applies to completed ones
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PipelineFacts:
    """The methodology, as the generator needs it; read once with :meth:`read`."""

    stages: tuple[int, ...]  # the stage numbers, first to last: 1, 2, ...
    units: tuple[tuple[str, ...], ...]  # each unit's roles, in the order handoffs pass on
    milestone_handoff: HandoffFacts  # hands the uncommitted milestones over
    opportunity_handoff: HandoffFacts  # hands a consumption opportunity over
    fact_rules: tuple[FactRule, ...]  # sorted by rule id
    commitment_rule: str  # requires a committed milestone ...
    commitment_gate: int  # ... from this stage on
    basic_rules: dict[str, str]  # plain JSON field -> the rule checking it at any stage
    nests: dict[str, str]  # plain JSON field -> the object it is nested in
    field_order: tuple[str, ...]  # the order of the contract's fields

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role of the units, unit by unit."""
        return tuple(role for roles in self.units for role in roles)

    @classmethod
    def read(cls, validator: OpportunityValidator) -> PipelineFacts:
        """The facts of the methodology and shapes ``validator`` has loaded."""
        return _Reader(validator).facts()


_Link = tuple[HandoffDeadline, URIRef, URIRef]  # a handoff's deadline, giving and taking unit


class _Reader:
    """Reads the facts from a validator's methodology, shapes and JSON context."""

    def __init__(self, validator: OpportunityValidator) -> None:
        context = validator.context
        self.knowledge = context.methodology.asserted + context.methodology.inferred
        self.derived = context.deriver.facts
        self.shapes = context.shapes.graph
        self.rules = sorted(context.shapes.rules.values(), key=lambda rule: rule.id)
        self.code = context.terms.code
        self.terms: dict[str, Any] = context.reader.context["@context"]
        self.names = context.reader.field_names
        self.ontology_dir = _folder(context.methodology.files)
        self.shapes_dir = _folder(context.shapes.files)
        # A rule targeting the opportunities past a stage applies from the next stage on.
        self.gates = {
            klass: self.derived.stage_numbers[stage] + 1
            for stage, klass in self.derived.past_stage_classes.items()
        }

    def refuse(self, message: str, *, shapes: bool = False) -> DataFileError:
        folder = self.shapes_dir if shapes else self.ontology_dir
        return DataFileError(folder, f"the pipeline generator cannot model this: {message}")

    def facts(self) -> PipelineFacts:
        stages = tuple(sorted(self.derived.stage_numbers.values()))
        if stages != tuple(range(1, len(stages) + 1)):
            raise self.refuse(f"stages numbered {stages}, not 1 to n")
        first, second = self.chain()
        units = tuple(self.roles(unit) for unit in (first[1], first[2], second[2]))
        commitment = [(rule.id, gate) for rule in self.rules if (gate := self.commitment(rule))]
        if len(commitment) != 1:
            raise self.refuse("no one rule requires a committed milestone", shapes=True)
        return PipelineFacts(
            stages=stages,
            units=units,
            milestone_handoff=self.handoff(first[0], 0, units),
            opportunity_handoff=self.handoff(second[0], 1, units),
            fact_rules=tuple(fact for rule in self.rules if (fact := self.fact_rule(rule))),
            commitment_rule=commitment[0][0],
            commitment_gate=commitment[0][1],
            basic_rules=self.basic_rules(),
            nests={
                name: spec["@nest"]
                for name, spec in self.terms.items()
                if isinstance(spec, dict) and isinstance(spec.get("@nest"), str)
            },
            field_order=tuple(self.terms),
        )

    # --- the methodology ---------------------------------------------------------------------

    def chain(self) -> tuple[_Link, _Link]:
        """The two handoffs, by the stage they lead to; the second takes over from the first."""
        links = sorted(
            (
                (d, self.unit(d.handoff, MCEM.fromUnit), self.unit(d.handoff, MCEM.toUnit))
                for d in self.derived.deadlines
            ),
            key=lambda link: self.derived.stage_numbers[link[0].to_stage],
        )
        if len(links) != 2 or links[0][2] != links[1][1]:
            raise self.refuse("not two handoffs, the second from the first one's receiving unit")
        first, second = links
        expected = (
            (first[0], MCEM.RequiredDiscussionHeld, MCEM.UncommittedMilestone),
            (second[0], MCEM.ToStageEntered, MCEM.ConsumptionOpportunity),
        )
        for deadline, counted_from, subject in expected:
            if (deadline.counted_from, deadline.subject_class) != (counted_from, subject):
                raise self.refuse(f"the ownership deadline of {deadline.handoff}")
        return first, second

    def unit(self, handoff: URIRef, predicate: URIRef) -> URIRef:
        value = self.knowledge.value(handoff, predicate)
        if isinstance(value, URIRef):
            return value
        raise self.refuse(f"{handoff} has no {predicate}")

    def roles(self, unit: Node | None) -> tuple[str, ...]:
        """The codes (acronyms) of a unit's roles, sorted."""
        return self.codes(self.knowledge.objects(unit, MCEM.hasRole))

    def codes(self, things: Iterable[Node]) -> tuple[str, ...]:
        return tuple(sorted(self.code(thing) for thing in things if isinstance(thing, URIRef)))

    def handoff(
        self, deadline: HandoffDeadline, position: int, units: tuple[tuple[str, ...], ...]
    ) -> HandoffFacts:
        handoff = deadline.handoff
        discussion = self.knowledge.value(handoff, MCEM.requiredDiscussion)
        required_units = sorted(
            u
            for u in self.knowledge.objects(discussion, MCEM.participantUnit)
            if isinstance(u, URIRef)
        )
        own = {self.unit(handoff, MCEM.fromUnit), self.unit(handoff, MCEM.toUnit)}
        if not set(required_units) <= own:
            raise self.refuse(f"the discussion of {handoff} needs a unit other than its own two")
        # The discussion rule implements a responsibility of the handoff, and checks no deadline.
        discussions = [
            rule
            for rule in self.rules
            if rule.handoff is None
            and (part := self.shapes.value(rule.shape, MCEMSH.implements)) is not None
            and (handoff, MCEM.responsibility, part) in self.knowledge
        ]
        owned = [rule.id for rule in self.rules if rule.handoff == handoff]
        if len(discussions) != 1 or len(owned) != 1:
            raise self.refuse(
                f"not one discussion and one ownership rule of {handoff}", shapes=True
            )
        number = self.derived.stage_numbers[deadline.to_stage]
        if self.gate(discussions[0]) != number:
            raise self.refuse(
                f"rule {discussions[0].id} does not apply from stage {number} on", shapes=True
            )
        return HandoffFacts(
            code=self.code(handoff),
            position=position,
            from_roles=units[position],
            to_roles=units[position + 1],
            to_stage=number,
            required_roles=self.codes(self.knowledge.objects(discussion, MCEM.participantRole)),
            required_units=tuple(self.roles(unit) for unit in required_units),
            deadline=deadline,
            discussion_rule=discussions[0].id,
            ownership_rule=owned[0],
        )

    # --- the shapes --------------------------------------------------------------------------

    def targets(self, rule: Rule) -> set[Node]:
        return set(self.shapes.objects(rule.shape, SH.targetClass))

    def gate(self, rule: Rule) -> int | None:
        """The stage from which a rule applies; None if it applies at any stage."""
        found = [
            self.gates[t] for t in self.targets(rule) if isinstance(t, URIRef) and t in self.gates
        ]
        return min(found) if found else None

    def properties(self, rule: Rule) -> list[tuple[str, Node]]:
        """The rule's property shapes with the plain JSON field of their path, by field."""
        found = []
        for prop in self.shapes.objects(rule.shape, SH.property):
            path = self.shapes.value(prop, SH.path)
            name = self.names.get(str(path), "") if isinstance(path, URIRef) else ""
            found.append((name, prop))
        return sorted(found, key=lambda pair: pair[0])

    def fact_rule(self, rule: Rule) -> FactRule | None:
        """The rule as flags that must be true, if it requires any."""
        fields = tuple(
            name
            for name, prop in self.properties(rule)
            if name and self.shapes.value(prop, SH.hasValue) == Literal(True)
        )
        if not fields:
            return None
        gate = self.gate(rule)
        if gate is None and MCEM.CompletedOpportunity not in self.targets(rule):
            raise self.refuse(f"when rule {rule.id} applies", shapes=True)
        return FactRule(rule.id, gate, fields)

    def commitment(self, rule: Rule) -> int | None:
        """The stage from which the rule requires a committed milestone, if it does."""
        for _name, prop in self.properties(rule):
            qualified = self.shapes.value(prop, SH.qualifiedValueShape)
            if qualified is not None and (
                (qualified, SH["class"], MCEM.CommittedMilestone) in self.shapes
            ):
                return self.gate(rule)
        return None

    def basic_rules(self) -> dict[str, str]:
        """Plain JSON field -> the one rule checking it at every stage, whatever the status."""
        found: dict[str, str] = {}
        for rule in self.rules:
            if self.gate(rule) is not None or MCEM.CompletedOpportunity in self.targets(rule):
                continue
            for name in {name for name, _prop in self.properties(rule)} - {""}:
                if found.setdefault(name, rule.id) != rule.id:
                    raise self.refuse(
                        f"rules {found[name]} and {rule.id} check {name}", shapes=True
                    )
        return found


def _folder(files: tuple[Path, ...]) -> Path:
    return files[0].parent if files else Path()
