"""Breaking a conforming generated record in exactly one rule, for :mod:`mcem_kg.generate`.

:func:`inject` lists, per rule id, the ways of breaking that rule and no other rule in one
conforming record, draws a rule uniformly and one of its ways, and applies it. Each way is
offered only where it cannot break a second rule as a side effect, so a test can compare the
engine's findings with the injected rule exactly. Which rules exist, from which stage they
apply, which fields they check and which roles a handoff involves are read from the record's
plan (its :class:`~mcem_kg.generate_facts.PipelineFacts`), not written here.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcem_kg.generate import Plan
    from mcem_kg.generate_facts import HandoffFacts

# Roles no methodology has, for owners whose role is wrong: generator configuration.
NOT_A_ROLE = ("XYZ", "Sales Manager")

Record = dict[str, Any]
Mutation = Callable[[random.Random], None]


def inject(rng: random.Random, record: Record, plan: Plan) -> str:
    """Break one rule in the conforming ``record``, drawn uniformly; its id."""
    options = _Options()
    for breaker in (_break_basics, _break_flags, _break_milestone_handoff, _break_opportunity):
        breaker(record, plan, options)
    rule = rng.choice(list(options))
    rng.choice(options[rule])(rng)
    return rule


class _Options(dict[str, list[Mutation]]):
    """Per rule id, the ways of breaking that rule and no other rule in one conforming record."""

    def add(self, rule: str | None, *mutations: Mutation) -> None:
        """Offer ``mutations`` for ``rule``; none if the shapes have no such rule."""
        if rule is not None and mutations:
            self.setdefault(rule, []).extend(mutations)


def _discussion(record: Record, handoff: HandoffFacts) -> Record | None:
    return next((h for h in record.get("handoffs", []) if h["kind"] == handoff.code), None)


def _with_commitment(record: Record, commitment: str) -> list[Record]:
    return [m for m in record.get("milestones", []) if m["commitment"] == commitment]


def _break_basics(record: Record, plan: Plan, options: _Options) -> None:
    """The rules on every record, whatever its stage, found by the field they check."""
    rule, milestones = plan.facts.basic_rules.get, record.get("milestones", [])
    if plan.stage == plan.facts.stages[0]:  # later, no stage would also silence the stage rules
        options.add(rule("stage"), _drop(record, "stage"))
    if plan.opportunity_due is None:  # else the opportunity's ownership rule would fire too
        # Someone new: a person's role is the same in every record that names them.
        outsider = plan.outsider
        wrong_role = _set(record, "owner", lambda rng: outsider | {"role": rng.choice(NOT_A_ROLE)})
        no_role = _set(record, "owner", outsider)
        options.add(rule("owner"), _drop(record, "owner", "ownerSince"), wrong_role, no_role)
    if plan.consumption and milestones and plan.stage < plan.facts.commitment_gate:
        options.add(rule("milestones"), _drop(record, "milestones"))  # later: none committed
    if milestones:  # each of these changes one milestone drawn at random
        options.add(rule("estDueDate"), _drop(milestones, "estDueDate"))
        negative = _set(milestones, "estValue", lambda rng: -rng.randrange(1, 99) * 500)
        zero = _set(milestones, "estValue", 0)
        options.add(rule("estValue"), _drop(milestones, "estValue"), zero, negative)
        empty = _set(milestones, "workloads", [])
        options.add(rule("workloads"), _drop(milestones, "workloads"), empty)


def _break_flags(record: Record, plan: Plan, options: _Options) -> None:
    """The rules requiring flags to be true from a stage on, or of a completed record."""
    facts, stage = plan.facts, plan.stage
    for rule in facts.fact_rules:
        if (record["status"] == "completed") if rule.gate is None else (stage >= rule.gate):
            for key in rule.fields:
                nest = facts.nests.get(key)
                options.add(rule.id, _falsify(record[nest] if nest else record, key))
    if stage >= facts.commitment_gate:
        committed = _with_commitment(record, "committed")
        # Uncommitted, each must still meet the milestone handoff's deadline if it has passed.
        if all(_meets(m, plan) for m in committed):
            options.add(facts.commitment_rule, _each(committed, "commitment", "uncommitted"))


def _break_milestone_handoff(record: Record, plan: Plan, options: _Options) -> None:
    handoff = plan.facts.milestone_handoff
    held, rule = _discussion(record, handoff), handoff.discussion_rule
    if held is None:
        return
    if plan.stage >= handoff.to_stage:
        options.add(rule, _remove(record, held), _drop(held, "discussedOn"))
        options.add(rule, *_without_required(held, handoff))
        options.add(rule, _drop(held, "agreedMilestoneValue"), _drop(held, "agreedDueDate"))
        entered = plan.entered_on(handoff.to_stage)
        if entered < plan.as_of:  # held after entering the stage: its deadline moves later
            options.add(rule, _set(held, "discussedOn", _later(entered, plan.as_of)))
    uncommitted, due = _with_commitment(record, "uncommitted"), plan.milestone_due
    if due is not None and uncommitted:  # one milestone drawn at random is not taken over
        giver = next(p for p in held["participants"] if p["role"] in handoff.from_roles)
        rule = handoff.ownership_rule
        options.add(
            rule, _set(uncommitted, "owner", giver), _drop(uncommitted, "owner", "ownerSince")
        )
        options.add(rule, _set(uncommitted, "ownerSince", _later(due, plan.as_of)))


def _break_opportunity(record: Record, plan: Plan, options: _Options) -> None:
    """The handoff of a consumption opportunity: its discussion and ownership deadline."""
    handoff = plan.facts.opportunity_handoff
    held, rule = _discussion(record, handoff), handoff.discussion_rule
    if held is None or plan.stage < handoff.to_stage:
        return
    options.add(rule, _remove(record, held), _falsify(held, "validatedDetails"))
    options.add(rule, *_without_required(held, handoff))
    if plan.opportunity_due is not None:  # never handed over, or handed over late
        giver = next(p for p in held["participants"] if p["role"] in handoff.from_roles)
        late = _set(record, "ownerSince", _later(plan.opportunity_due, plan.as_of))
        options.add(handoff.ownership_rule, _set(record, "owner", giver), late)


def _meets(milestone: Record, plan: Plan) -> bool:
    """Whether ``milestone``, if uncommitted, would meet the milestone handoff's deadline (if
    it has passed)."""
    due, handoff = plan.milestone_due, plan.facts.milestone_handoff
    since = date.fromisoformat(milestone["ownerSince"])
    return due is None or (milestone["owner"]["role"] in handoff.to_roles and since <= due)


def _without_required(held: Record, handoff: HandoffFacts) -> list[Mutation]:
    """The discussion without a role it requires, or without every role of a unit it
    requires: one mutation each."""
    missing = [(role,) for role in handoff.required_roles] + list(handoff.required_units)
    return [_without(held, roles) for roles in missing]


Target = Record | list[Record]  # a list: one of its records, drawn when the mutation applies


def _pick(rng: random.Random, target: Target) -> Record:
    return rng.choice(target) if isinstance(target, list) else target


def _drop(target: Target, *keys: str) -> Mutation:
    def apply(rng: random.Random) -> None:
        chosen = _pick(rng, target)
        for key in keys:
            chosen.pop(key, None)

    return apply


def _set(target: Target, key: str, value: object) -> Mutation:
    """``value``, or if callable what it returns for the generator's random source (a copy)."""

    def apply(rng: random.Random) -> None:
        chosen = _pick(rng, target)
        chosen[key] = copy.deepcopy(value(rng) if callable(value) else value)

    return apply


def _each(targets: list[Record], key: str, value: object) -> Mutation:
    def apply(rng: random.Random) -> None:
        for target in targets:
            _set(target, key, value)(rng)

    return apply


def _falsify(target: Target, key: str) -> Mutation:
    """Make a fact "not true": recorded as false, or not recorded at all."""

    def apply(rng: random.Random) -> None:
        (_set(target, key, False) if rng.random() < 0.5 else _drop(target, key))(rng)

    return apply


def _without(held: Record, roles: tuple[str, ...]) -> Mutation:
    """The discussion without the participants of ``roles``."""
    kept = [p for p in held["participants"] if p["role"] not in roles]
    return _set(held, "participants", kept)


def _remove(record: Record, held: Record) -> Mutation:
    """The record without the discussion ``held`` (and without handoffs if none remains)."""
    kept = [h for h in record["handoffs"] if h is not held]
    return _set(record, "handoffs", kept) if kept else _drop(record, "handoffs")


def _later(since: date, until: date) -> Callable[[random.Random], str]:
    """An ISO date 1 to 10 days after ``since``, and not after ``until``."""
    days = min(10, (until - since).days)
    return lambda rng: (since + timedelta(days=rng.randint(1, days))).isoformat()
