"""Synthetic opportunity pipelines with a known answer, for testing the rules at scale.

The validation engine needs realistic, reproducible input whose correct findings are known in
advance. :func:`generate` first builds every record so that it conforms to every rule (with
safe margins around each deadline), then breaks a chosen fraction of them in exactly one rule
each (:mod:`mcem_kg.generate_violations`) and says which in ``injected``. Everything is drawn
from one ``random.Random(seed)`` and dated relative to ``as_of``: the same arguments give
byte-identical records.

What the records must satisfy (the stages, units and roles, the handoffs and their deadlines,
which rule checks what from which stage on) is not written here: it comes from a
:class:`~mcem_kg.generate_facts.PipelineFacts`, read once from the methodology and shapes a
validator has loaded. What is here is realism: accounts, names, workloads, proportions.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from mcem_kg.generate_facts import HandoffFacts, PipelineFacts
from mcem_kg.generate_violations import Record, inject

# --- Realism: proportions and names, none of them the methodology ------------------------------
STAGE_WEIGHTS = (30, 25, 20, 15, 10)  # by position of the stage, first to last (the last repeats)
STATUS_WEIGHTS = {False: (94, 0, 6), True: (60, 40, 0)}  # open, completed, lost; in the last stage
LEAD_DAYS = 10  # a handoff discussion is held up to this many days before the move it prepares
MAX_AGE_DAYS = 120  # how long an opportunity has been in its current stage, at most
ACCOUNTS = (
    "Contoso", "Fabrikam", "Northwind Traders", "Adventure Works", "Tailspin Toys",
    "Woodgrove Bank", "Litware", "Proseware", "Wide World Importers", "Alpine Ski House",
    "Blue Yonder Airlines", "Coho Winery", "Fourth Coffee", "Humongous Insurance",
    "Lamna Healthcare", "Margie's Travel", "Relecloud", "Trey Research", "VanArsdel",
    "Wingtip Toys", "Lucerne Publishing", "A. Datum Corporation", "City Power & Light",
    "Consolidated Messenger",
)  # fmt: skip
CONSUMPTION_TOPICS = (
    ("Azure migration", ("Azure Virtual Machines", "Azure Migrate", "Azure Backup")),
    ("Data modernization", ("Azure SQL Database", "Microsoft Fabric", "Azure Data Factory")),
    ("Generative AI assistant", ("Azure OpenAI", "Azure AI Search", "Azure App Service")),
    ("App modernization", ("Azure Kubernetes Service", "Azure Container Apps", "Azure Cosmos DB")),
    ("SAP on Azure", ("Azure Virtual Machines", "Azure NetApp Files", "Azure Monitor")),
    ("Analytics with Fabric", ("Microsoft Fabric", "Power BI Premium", "Azure Databricks")),
    ("Datacenter exit", ("Azure Virtual Machines", "Azure VMware Solution", "Azure Site Recovery")),
    ("Virtual desktops", ("Azure Virtual Desktop", "Azure Files")),
    ("Contact center AI", ("Azure AI Speech", "Azure OpenAI", "Azure Communication Services")),
    ("Security operations", ("Microsoft Sentinel", "Microsoft Defender for Cloud")),
)  # fmt: skip
BILLED_TOPICS = (
    ("Microsoft 365 E5 upgrade", ("Microsoft 365 E5",)),
    ("Copilot rollout", ("Microsoft 365 Copilot",)),
    ("Dynamics 365 Sales", ("Dynamics 365 Sales", "Power Apps")),
    ("GitHub Enterprise", ("GitHub Enterprise", "GitHub Copilot")),
    ("Azure savings plan", ("Azure Virtual Machines", "Azure SQL Database")),
)
FIRST_NAMES = (
    "Adele", "Alex", "Christie", "Debra", "Diego", "Enrico", "Grady", "Henrietta", "Irvin",
    "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti",
    "Pradeep", "Aiko", "Bruno", "Chidi", "Sofia", "Tomasz", "Yara", "Kenji", "Leila", "Mateo",
)  # fmt: skip
LAST_NAMES = (
    "Vance", "Wilber", "Cline", "Berger", "Siciliani", "Cattaneo", "Archie", "Mueller", "Sayers",
    "Langer", "Lorenz", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke",
    "Fernandez", "Gupta", "Okafor", "Lindqvist",
)  # fmt: skip
POOL_SIZE = 12  # people per role
PHASES = ("pilot", "production rollout", "expansion")


@dataclass(frozen=True)
class GeneratedPipeline:
    """Records in canonical contract form, and the rule ids deliberately broken in each."""

    records: list[Record]
    injected: dict[str, list[str]]


def generate(
    count: int, *, seed: int, violation_rate: float, as_of: date, facts: PipelineFacts
) -> GeneratedPipeline:
    """``count`` records dated on or before ``as_of``; each breaks, with probability
    ``violation_rate``, exactly one rule drawn uniformly from those it can break alone.
    ``facts`` is the methodology, read once: ``PipelineFacts.read(validator)``."""
    if count < 0 or not 0.0 <= violation_rate <= 1.0:
        raise ValueError("count must be >= 0 and violation_rate within [0, 1]")
    rng = random.Random(seed)
    names: dict[str, int] = {}
    records: list[Record] = []
    injected: dict[str, list[str]] = {}
    for number in range(1, count + 1):
        plan = _plan(rng, facts, number, as_of)
        record = _conforming(rng, number, plan, names)
        injected[record["id"]] = []
        if rng.random() < violation_rate:
            injected[record["id"]].append(inject(rng, record, plan))
        records.append({key: record[key] for key in facts.field_order if key in record})
    return GeneratedPipeline(records=records, injected=injected)


def write_pipeline(pipeline: GeneratedPipeline, out: Path) -> None:
    """``{"opportunities": [...]}`` as UTF-8 JSON, compact when large."""
    _write_json({"opportunities": pipeline.records}, out, compact=len(pipeline.records) > 1000)


def write_manifest(pipeline: GeneratedPipeline, out: Path) -> None:
    """The injected rule ids per record id, as UTF-8 JSON."""
    _write_json(pipeline.injected, out, compact=len(pipeline.injected) > 1000)


def _write_json(data: object, out: Path, *, compact: bool) -> None:
    indent, separators = (None, (",", ":")) if compact else (2, None)
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=separators)
    out.write_text(text + "\n", encoding="utf-8")


# --- Conforming records ------------------------------------------------------------------------


def _person(facts: PipelineFacts, role: str, index: int) -> Record:
    """Person ``index`` (1-based) of a role's pool: the same id and name on every run."""
    r = facts.roles.index(role)
    first = FIRST_NAMES[(index + 5 * r) % len(FIRST_NAMES)]
    last = LAST_NAMES[(3 * index + 7 * r) % len(LAST_NAMES)]
    return {"id": f"u-{role.lower()}-{index:04d}", "name": f"{first} {last}", "role": role}


def _iso(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class Plan:
    """What one record is built from, and what decides how it can break exactly one rule."""

    facts: PipelineFacts
    as_of: date
    stage: int
    consumption: bool
    account: int
    entered: list[date]  # entered[i]: when stage i + 1 was entered
    discussed: date | None  # the milestone handoff's discussion, if held
    transferred: bool  # the milestone handoff's receiving unit owns the uncommitted milestones
    taken_over: date  # since when it does
    team: dict[str, Record]  # role -> person
    workers: tuple[Record, ...]  # per unit of facts.units, its person working on the record
    outsider: Record  # a person of no role pool, named after the record

    def giver(self, handoff: HandoffFacts) -> Record:
        """The person of the unit that hands the opportunity over."""
        return self.workers[handoff.position]

    def taker(self, handoff: HandoffFacts) -> Record:
        """The person of the unit that takes the opportunity over."""
        return self.workers[handoff.position + 1]

    def entered_on(self, stage: int) -> date:
        return self.entered[stage - 1]

    @property
    def milestone_due(self) -> date | None:
        """The milestone handoff's ownership deadline, if it has passed."""
        if self.discussed is None:
            return None
        due = self.facts.milestone_handoff.due(self.discussed)
        return due if self.as_of > due else None

    @property
    def opportunity_due(self) -> date | None:
        """The ownership deadline of a consumption opportunity, if it has passed."""
        handoff = self.facts.opportunity_handoff
        if self.stage < handoff.to_stage or not self.consumption:
            return None
        due = handoff.due(self.entered_on(handoff.to_stage))
        return due if self.as_of > due else None


def _plan(rng: random.Random, facts: PipelineFacts, number: int, as_of: date) -> Plan:
    first, second = facts.milestone_handoff, facts.opportunity_handoff
    weights = [STAGE_WEIGHTS[min(i, len(STAGE_WEIGHTS) - 1)] for i in range(len(facts.stages))]
    stage = rng.choices(facts.stages, weights=weights)[0]
    consumption, account = rng.random() < 0.8, rng.randrange(len(ACCOUNTS))
    # A quarter entered their stage so recently that a deadline counted from it may not be due.
    recent = (second.due(as_of) - as_of).days
    oldest = max(recent + 1, MAX_AGE_DAYS)
    age = rng.randint(0, recent) if rng.random() < 0.25 else rng.randint(recent + 1, oldest)
    entered = [as_of - timedelta(days=age)]
    for _ in range(stage - 1):
        entered.insert(0, entered[0] - timedelta(days=rng.randint(10, 75)))
    discussed = None
    if stage >= first.to_stage:  # held before entering the stage the handoff leads to
        before = entered[first.to_stage - 1] - timedelta(days=rng.randint(0, LEAD_DAYS))
        discussed = max(entered[first.to_stage - 2], before)
    elif stage == first.to_stage - 1 and rng.random() < 0.35:  # held recently, the move is near
        discussed = max(entered[-1], as_of - timedelta(days=rng.randint(0, 25)))
    transferred, taken_over = False, entered[0]
    if discussed is not None:  # the receiving unit takes over, by the deadline
        due = first.due(discussed)
        transferred = as_of > due or rng.random() < 0.5
        taken_over = min(as_of, discussed + timedelta(days=rng.randint(0, (due - discussed).days)))
    # The first unit's people (the account team) are stable per account; the others are drawn
    # per opportunity.
    team: dict[str, Record] = {}
    for unit, roles in enumerate(facts.units):
        for i, role in enumerate(roles):
            if unit == 0:
                index = account * (4 * i + 1) % POOL_SIZE + 1
            else:
                index = rng.randint(1, POOL_SIZE)
            team[role] = _person(facts, role, index)
    workers = tuple(team[rng.choice(roles)] for roles in facts.units)
    name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[7 * number % len(LAST_NAMES)]}"
    outsider = {"id": f"u-ext-{number:06d}", "name": name}
    return Plan(
        facts,
        as_of,
        stage,
        consumption,
        account,
        entered,
        discussed,
        transferred,
        taken_over,
        team,
        workers,
        outsider,
    )


def _conforming(rng: random.Random, number: int, plan: Plan, names: dict[str, int]) -> Record:
    facts, stage, account, as_of = plan.facts, plan.stage, ACCOUNTS[plan.account], plan.as_of
    first, second = facts.milestone_handoff, facts.opportunity_handoff
    weights = STATUS_WEIGHTS[stage == facts.stages[-1]]
    status = rng.choices(("open", "completed", "lost"), weights=weights)[0]
    topic, workloads = rng.choice(CONSUMPTION_TOPICS if plan.consumption else BILLED_TOPICS)
    name = f"{account} - {topic}"
    names[name] = names.get(name, 0) + 1
    record: Record = {
        "id": f"OPP-{number:06d}",
        "name": name if names[name] == 1 else f"{name} - phase {names[name]}",
        "account": account,
        "kind": "consumption" if plan.consumption else "billed",
        "status": status,
        "stage": stage,
        "stageHistory": [
            {"stage": i + 1, "enteredOn": _iso(d)} for i, d in enumerate(plan.entered)
        ],
    }
    owner, since = plan.giver(first), plan.entered[0]
    if stage >= first.to_stage and plan.transferred:
        owner, since = plan.taker(first), plan.taken_over
    if (
        stage >= second.to_stage
        and plan.consumption
        and (plan.opportunity_due or rng.random() < 0.5)
    ):  # taken over at least a day before the deadline
        entered = plan.entered_on(second.to_stage)
        margin = max(0, (second.due(entered) - entered).days - 1)
        owner = plan.taker(second)
        since = min(as_of, entered + timedelta(days=rng.randint(0, margin)))
    record |= {"owner": dict(owner), "ownerSince": _iso(since)}
    _flags(rng, record, plan)
    if milestones := _milestones(rng, record, plan, workloads):
        record["milestones"] = milestones
    if handoffs := _handoffs(rng, plan, milestones):
        record["handoffs"] = handoffs
    return record


def _flags(rng: random.Random, record: Record, plan: Plan) -> None:
    """The flags the rules require to be true, by the stage (or status) they are needed at."""
    facts, stage = plan.facts, plan.stage
    nests = sorted(set(facts.nests.values()))
    for nest in nests:
        record[nest] = {}
    for rule in facts.fact_rules:
        for key in rule.fields:
            needed = record["status"] == "completed" if rule.gate is None else stage >= rule.gate
            held = record[facts.nests[key]] if key in facts.nests else None
            if held is not None and not needed:  # still being qualified: partly, maybe not
                if (roll := rng.random()) < 0.75:
                    held[key] = roll < 0.55
            elif held is not None:
                held[key] = True
            elif needed:
                record[key] = True
            elif rule.gate is not None and stage == rule.gate - 1 and rng.random() < 0.3:
                record[key] = True  # already true one stage early
            elif rule.gate is None and stage == facts.stages[-1] and rng.random() < 0.5:
                record[key] = True  # true before the opportunity is completed
    for nest in nests:
        record[nest] = {k: record[nest][k] for k in facts.field_order if k in record[nest]}


def _milestones(
    rng: random.Random, record: Record, plan: Plan, workloads: tuple[str, ...]
) -> list[Record]:
    """Uncommitted ones are owned by the giving unit of the milestone handoff until its
    receiving unit takes them over; from the stage before the commitment gate some are
    committed (from the gate at least one), and may be owned by the record's owner by then."""
    facts, stage, owner = plan.facts, plan.stage, record["owner"]
    first, second, gate = facts.milestone_handoff, facts.opportunity_handoff, facts.commitment_gate
    if not plan.consumption and stage < gate and rng.random() < 0.4:
        return []
    count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
    committed_count = 0  # the earliest phases get committed first
    if stage >= gate:
        committed_count = rng.randint(1, count)
    elif stage == gate - 1:
        committed_count = rng.randint(0, 1)
    milestones: list[Record] = []
    due = plan.entered[0]
    for j in range(count):
        committed = j < committed_count
        start = plan.entered_on(gate) if committed and stage >= gate else plan.as_of
        due = max(due, start) + timedelta(days=rng.randint(15, 120))
        chosen = rng.sample(workloads, rng.randint(1, min(3, len(workloads))))
        milestone: Record = {
            "id": f"MS-{record['id'][4:]}-{j + 1}",
            "name": f"{chosen[0]} {PHASES[j]}",
            "commitment": "committed" if committed else "uncommitted",
        }
        roll = rng.random()
        if committed and stage == facts.stages[-1]:
            milestone["status"] = "Completed"
        elif roll < 0.9:
            milestone["status"] = "On Track" if roll < 0.7 else "At Risk"
        milestone |= {"estDueDate": _iso(due), "estValue": rng.randrange(10, 800) * 500}
        holder, since = plan.giver(first), _iso(plan.entered[0])
        if committed and owner["role"] in second.to_roles and rng.random() < 0.5:
            holder, since = owner, record["ownerSince"]
        elif committed or plan.transferred:
            holder, since = plan.taker(first), _iso(plan.taken_over)
        milestone |= {"workloads": chosen, "owner": dict(holder), "ownerSince": since}
        milestones.append(milestone)
    return milestones


def _handoffs(rng: random.Random, plan: Plan, milestones: list[Record]) -> list[Record]:
    first, second = plan.facts.milestone_handoff, plan.facts.opportunity_handoff
    handoffs: list[Record] = []
    if plan.discussed is not None:
        value = sum(m["estValue"] for m in milestones) or rng.randrange(20, 400) * 500
        later = _iso(plan.as_of + timedelta(days=90))
        due = min((m["estDueDate"] for m in milestones), default=later)
        people = _attending(rng, plan, first)
        handoffs.append(
            {"kind": first.code, "discussedOn": _iso(plan.discussed), "participants": people}
            | {"agreedMilestoneValue": value, "agreedDueDate": due}
        )
    to = second.to_stage
    if plan.stage >= to or (plan.stage == to - 1 and rng.random() < 0.2):
        latest = plan.entered_on(to) if plan.stage >= to else plan.as_of  # before the move
        earliest = plan.entered_on(to - 1)
        held = latest - timedelta(days=rng.randint(0, min(LEAD_DAYS, (latest - earliest).days)))
        people = _attending(rng, plan, second)
        handoffs.append(
            {"kind": second.code, "discussedOn": _iso(held), "participants": people}
            | {"validatedDetails": True}
        )
    return handoffs


def _attending(rng: random.Random, plan: Plan, handoff: HandoffFacts) -> list[Record]:
    """The giver and the taker (so a role of each unit), every role the discussion requires,
    and each other role of the two units half of the time."""
    roles = {plan.giver(handoff)["role"], plan.taker(handoff)["role"], *handoff.required_roles}
    roles |= {role for role in handoff.from_roles + handoff.to_roles if rng.random() < 0.5}
    return [dict(person) for role, person in plan.team.items() if role in roles]
