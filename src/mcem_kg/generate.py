"""Synthetic opportunity pipelines with a known answer, for testing the rules at scale.

The validation engine needs realistic, reproducible input whose correct findings are known in
advance. :func:`generate` first builds every record so that it conforms to every rule (with
safe margins around each deadline), then breaks a chosen fraction of them in exactly one rule
each and says which in ``injected``. Each way of breaking a rule is offered only where it
cannot break a second rule as a side effect, so a test can compare the engine's findings with
``injected`` exactly. Everything is drawn from one ``random.Random(seed)`` and dated relative
to ``as_of``: the same arguments give byte-identical records.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# --- Test-data table ---------------------------------------------------------------------------
# Only what this generator needs to fabricate plausible records with known answers. The
# methodology itself (stages, units, roles, deadlines) lives in ontology/; the engine reads it.
ATU_ROLES = ("AE", "ATS")
STU_ROLES = ("SSP", "SE")
CSU_ROLES = ("CSAM", "CSA")
NOT_A_ROLE = ("XYZ", "Sales Manager")
STAGE_WEIGHTS = {1: 30, 2: 25, 3: 20, 4: 15, 5: 10}
STATUS_WEIGHTS = {False: (94, 0, 6), True: (60, 40, 0)}  # open, completed, lost; by "in stage 5"
ATU_STU_DEADLINE_BUSINESS_DAYS = 7  # after the ATU-STU discussion
STU_CSU_DEADLINE_DAYS = 7  # after entering stage 4
EXIT_FACTS = {  # the stage from which each exit fact must be true
    "customerAligned": 3, "customerSuccessPlan": 3, "customerAgreement": 4,
    "revenueConfirmed": 4, "outcomesMet": 5, "baselineMetrics": 5,
}  # fmt: skip
QUALIFICATION_RULES = {  # from stage 2 on
    "qualification/customer-outcomes": ("customerOutcomes",),
    "qualification/decision-makers": ("businessDecisionMaker", "technicalDecisionMaker"),
    "qualification/technical-blockers": ("technicalBlockersIdentified", "blockerResolutionPlan"),
    "qualification/approval-process": ("approvalProcess",),
    "qualification/budget": ("budgetValidated",),
    "qualification/timing": ("timingConfirmed",),
}
# -----------------------------------------------------------------------------------------------

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
FIELD_ORDER = (
    "id", "name", "account", "kind", "status", "stage", "stageHistory", "owner", "ownerSince",
    "qualification", "milestones", "handoffs", *EXIT_FACTS, "nextStepsIdentified",
)  # fmt: skip

Record = dict[str, Any]
Mutation = Callable[[random.Random], None]


@dataclass(frozen=True)
class GeneratedPipeline:
    """Records in canonical contract form, and the rule ids deliberately broken in each."""

    records: list[Record]
    injected: dict[str, list[str]]


def generate(count: int, *, seed: int, violation_rate: float, as_of: date) -> GeneratedPipeline:
    """``count`` records dated on or before ``as_of``; each breaks, with probability
    ``violation_rate``, exactly one rule drawn uniformly from those it can break alone."""
    if count < 0 or not 0.0 <= violation_rate <= 1.0:
        raise ValueError("count must be >= 0 and violation_rate within [0, 1]")
    rng = random.Random(seed)
    names: dict[str, int] = {}
    records: list[Record] = []
    injected: dict[str, list[str]] = {}
    for number in range(1, count + 1):
        plan = _plan(rng, as_of)
        record = _conforming(rng, number, plan, names)
        injected[record["id"]] = []
        if rng.random() < violation_rate:
            options = _Options()
            for breaker in (_break_basics, _break_facts, _break_atu_stu, _break_stu_csu):
                breaker(record, plan, options)
            rule = rng.choice(list(options))
            rng.choice(options[rule])(rng)
            injected[record["id"]].append(rule)
        records.append({key: record[key] for key in FIELD_ORDER if key in record})
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


def _person(role: str, index: int) -> Record:
    """Person ``index`` (1-based) of a role's pool: the same id and name on every run."""
    r = (*ATU_ROLES, *STU_ROLES, *CSU_ROLES).index(role)
    first = FIRST_NAMES[(index + 5 * r) % len(FIRST_NAMES)]
    last = LAST_NAMES[(3 * index + 7 * r) % len(LAST_NAMES)]
    return {"id": f"u-{role.lower()}-{index:04d}", "name": f"{first} {last}", "role": role}


def _iso(day: date) -> str:
    return day.isoformat()


def _add_business_days(start: date, days: int) -> date:
    """Mon-Fri, without holidays: holidays only move a deadline later, so a record conforming
    here conforms under any holiday calendar (an injected late ownership may not)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@dataclass(frozen=True)
class _Plan:
    """What one record is built from, and what decides how it can break exactly one rule."""

    as_of: date
    stage: int
    consumption: bool
    account: int
    entered: list[date]  # entered[i]: when stage i + 1 was entered
    discussed: date | None  # the ATU-STU discussion, if held
    transferred: bool  # the STU owns the uncommitted milestones
    stu_since: date
    team: dict[str, Record]  # role -> person
    atu: Record  # the ATU person (AE or ATS) who owned the opportunity first
    stu: Record  # the STU person (SSP or SE) who took it over

    @property
    def atu_due(self) -> date | None:
        """The ATU-STU ownership deadline, if it has passed."""
        if self.discussed is None:
            return None
        due = _add_business_days(self.discussed, ATU_STU_DEADLINE_BUSINESS_DAYS)
        return due if self.as_of > due else None

    @property
    def csu_due(self) -> date | None:
        """The STU-CSU ownership deadline of a consumption opportunity, if it has passed."""
        if self.stage < 4 or not self.consumption:
            return None
        due = self.entered[3] + timedelta(days=STU_CSU_DEADLINE_DAYS)
        return due if self.as_of > due else None


def _plan(rng: random.Random, as_of: date) -> _Plan:
    stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
    consumption, account = rng.random() < 0.8, rng.randrange(len(ACCOUNTS))
    age = rng.randint(0, 7) if rng.random() < 0.25 else rng.randint(8, 120)
    entered = [as_of - timedelta(days=age)]
    for _ in range(stage - 1):
        entered.insert(0, entered[0] - timedelta(days=rng.randint(10, 75)))
    discussed = None
    if stage >= 2:  # held before entering stage 2
        discussed = max(entered[0], entered[1] - timedelta(days=rng.randint(0, 10)))
    elif rng.random() < 0.35:  # held recently, the move to stage 2 is near
        discussed = max(entered[0], as_of - timedelta(days=rng.randint(0, 25)))
    transferred, stu_since = False, entered[0]
    if discussed is not None:  # the STU takes over 0-5 days after, safely before the deadline
        due = _add_business_days(discussed, ATU_STU_DEADLINE_BUSINESS_DAYS)
        transferred = as_of > due or rng.random() < 0.5
        stu_since = min(as_of, discussed + timedelta(days=rng.randint(0, 5)))
    # The account team is stable per account; specialists are drawn per opportunity.
    ids = {"AE": account % POOL_SIZE + 1, "ATS": account * 5 % POOL_SIZE + 1}
    ids |= {"SSP": rng.randint(1, POOL_SIZE), "SE": rng.randint(1, POOL_SIZE)}
    ids |= {"CSAM": account * 7 % POOL_SIZE + 1, "CSA": rng.randint(1, POOL_SIZE)}
    team = {role: _person(role, index) for role, index in ids.items()}
    atu, stu = team[rng.choice(ATU_ROLES)], team[rng.choice(STU_ROLES)]
    return _Plan(
        as_of,
        stage,
        consumption,
        account,
        entered,
        discussed,
        transferred,
        stu_since,
        team,
        atu,
        stu,
    )


def _conforming(rng: random.Random, number: int, plan: _Plan, names: dict[str, int]) -> Record:
    stage, account, as_of = plan.stage, ACCOUNTS[plan.account], plan.as_of
    status = rng.choices(("open", "completed", "lost"), weights=STATUS_WEIGHTS[stage == 5])[0]
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
    owner, since = plan.atu, plan.entered[0]
    if stage >= 2 and plan.transferred:
        owner, since = plan.stu, plan.stu_since
    if stage >= 4 and plan.consumption and (plan.csu_due or rng.random() < 0.5):
        owner = plan.team[rng.choice(CSU_ROLES)]  # within 0-6 days of entering stage 4
        since = min(as_of, plan.entered[3] + timedelta(days=rng.randint(0, 6)))
    record |= {"owner": dict(owner), "ownerSince": _iso(since)}
    record["qualification"] = _qualification(rng, stage)
    if milestones := _milestones(rng, record, plan, workloads):
        record["milestones"] = milestones
    if handoffs := _handoffs(rng, plan, milestones):
        record["handoffs"] = handoffs
    for key, needed_from in EXIT_FACTS.items():  # sometimes already true one stage early
        if stage >= needed_from or (stage == needed_from - 1 and rng.random() < 0.3):
            record[key] = True
    if status == "completed" or (stage == 5 and rng.random() < 0.5):
        record["nextStepsIdentified"] = True
    return record


def _qualification(rng: random.Random, stage: int) -> Record:
    keys = [key for keys in QUALIFICATION_RULES.values() for key in keys]
    if stage >= 2:
        return dict.fromkeys(keys, True)
    rolls = {key: rng.random() for key in keys}  # stage 1: still being qualified
    return {key: roll < 0.55 for key, roll in rolls.items() if roll < 0.75}


def _milestones(
    rng: random.Random, record: Record, plan: _Plan, workloads: tuple[str, ...]
) -> list[Record]:
    """Uncommitted ones are owned by the ATU until the STU takes them over; from stage 3 some
    are committed (from stage 4 at least one), and may be owned by the CSU owner by then."""
    stage, owner = plan.stage, record["owner"]
    if not plan.consumption and stage < 4 and rng.random() < 0.4:
        return []
    count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
    committed_count = 0  # the earliest phases get committed first
    if stage >= 4:
        committed_count = rng.randint(1, count)
    elif stage == 3:
        committed_count = rng.randint(0, 1)
    milestones: list[Record] = []
    due = plan.entered[0]
    for j in range(count):
        committed = j < committed_count
        start = plan.entered[3] if committed and stage >= 4 else plan.as_of
        due = max(due, start) + timedelta(days=rng.randint(15, 120))
        chosen = rng.sample(workloads, rng.randint(1, min(3, len(workloads))))
        milestone: Record = {
            "id": f"MS-{record['id'][4:]}-{j + 1}",
            "name": f"{chosen[0]} {PHASES[j]}",
            "commitment": "committed" if committed else "uncommitted",
        }
        roll = rng.random()
        if committed and stage == 5:
            milestone["status"] = "Completed"
        elif roll < 0.9:
            milestone["status"] = "On Track" if roll < 0.7 else "At Risk"
        milestone |= {"estDueDate": _iso(due), "estValue": rng.randrange(10, 800) * 500}
        holder, since = plan.atu, _iso(plan.entered[0])
        if committed and owner["role"] in CSU_ROLES and rng.random() < 0.5:
            holder, since = owner, record["ownerSince"]
        elif committed or plan.transferred:
            holder, since = plan.stu, _iso(plan.stu_since)
        milestone |= {"workloads": chosen, "owner": dict(holder), "ownerSince": since}
        milestones.append(milestone)
    return milestones


def _handoffs(rng: random.Random, plan: _Plan, milestones: list[Record]) -> list[Record]:
    def attending(always: tuple[str, ...], maybe: tuple[str, ...]) -> list[Record]:
        roles = always + tuple(role for role in maybe if rng.random() < 0.5)
        return [dict(person) for role, person in plan.team.items() if role in roles]

    handoffs: list[Record] = []
    if plan.discussed is not None:
        value = sum(m["estValue"] for m in milestones) or rng.randrange(20, 400) * 500
        later = _iso(plan.as_of + timedelta(days=90))
        due = min((m["estDueDate"] for m in milestones), default=later)
        people = attending((plan.atu["role"], "SSP", plan.stu["role"]), ("AE", "SE"))
        handoffs.append(
            {"kind": "ATU-STU", "discussedOn": _iso(plan.discussed), "participants": people}
            | {"agreedMilestoneValue": value, "agreedDueDate": due}
        )
    if plan.stage >= 4 or (plan.stage == 3 and rng.random() < 0.2):
        latest = plan.entered[3] if plan.stage >= 4 else plan.as_of  # before entering stage 4
        held = latest - timedelta(days=rng.randint(0, min(7, (latest - plan.entered[2]).days)))
        people = attending((plan.stu["role"], "CSAM"), ("SSP", "CSA"))
        handoffs.append(
            {"kind": "STU-CSU", "discussedOn": _iso(held), "participants": people}
            | {"validatedDetails": True}
        )
    return handoffs


# --- Injected violations -----------------------------------------------------------------------


class _Options(dict[str, list[Mutation]]):
    """Per rule id, the ways of breaking that rule and no other rule in one conforming record."""

    def add(self, rule: str, *mutations: Mutation) -> None:
        self.setdefault(rule, []).extend(mutations)


def _handoff(record: Record, kind: str) -> Record | None:
    return next((h for h in record.get("handoffs", []) if h["kind"] == kind), None)


def _with_commitment(record: Record, commitment: str) -> list[Record]:
    return [m for m in record.get("milestones", []) if m["commitment"] == commitment]


def _break_basics(record: Record, plan: _Plan, options: _Options) -> None:
    milestones = record.get("milestones", [])
    if plan.stage == 1:  # at later stages no stage would also silence the stage rules
        options.add("opportunity/stage", _drop(record, "stage"))
    if plan.csu_due is None:  # else the STU-CSU ownership rule would fire too
        # Someone new: a person's role is the same in every record that names them.
        wrong_role = _set(record, "owner", lambda rng: _outsider(record, rng.choice(NOT_A_ROLE)))
        no_role = _set(record, "owner", _outsider(record, None))
        options.add("opportunity/owner", _drop(record, "owner", "ownerSince"), wrong_role, no_role)
    if plan.consumption and milestones and plan.stage < 4:  # 4+ needs a committed one
        options.add("milestone/initial-uncommitted", _drop(record, "milestones"))
    if milestones:  # each of these changes one milestone drawn at random
        options.add("milestone/est-due-date", _drop(milestones, "estDueDate"))
        negative = _set(milestones, "estValue", lambda rng: -rng.randrange(1, 99) * 500)
        zero = _set(milestones, "estValue", 0)
        options.add("milestone/est-value", _drop(milestones, "estValue"), zero, negative)
        empty = _set(milestones, "workloads", [])
        options.add("milestone/workloads", _drop(milestones, "workloads"), empty)


def _break_facts(record: Record, plan: _Plan, options: _Options) -> None:
    stage = plan.stage
    if stage >= 2:
        for rule, keys in QUALIFICATION_RULES.items():
            options.add(rule, *(_falsify(record["qualification"], key) for key in keys))
    if stage >= 3:
        options.add("stage/customer-aligned", _falsify(record, "customerAligned"))
        options.add("stage/success-plan", _falsify(record, "customerSuccessPlan"))
    if stage >= 4:
        rule = "stage/customer-agreement"
        options.add(
            rule, _falsify(record, "customerAgreement"), _falsify(record, "revenueConfirmed")
        )
        committed = _with_commitment(record, "committed")
        # Uncommitted, each must still meet the ATU-STU ownership deadline if it has passed.
        if all(_meets(m, plan.atu_due) for m in committed):
            options.add(rule, _each(committed, "commitment", "uncommitted"))
    if stage == 5:
        for key in ("outcomesMet", "baselineMetrics"):
            options.add("stage/outcomes-met", _falsify(record, key))
    if record["status"] == "completed":
        options.add("stage/completed-next-steps", _falsify(record, "nextStepsIdentified"))


def _break_atu_stu(record: Record, plan: _Plan, options: _Options) -> None:
    handoff, rule = _handoff(record, "ATU-STU"), "handoff/atu-stu-discussion"
    if handoff is None:
        return
    if plan.stage >= 2:
        options.add(rule, _remove(record, handoff), _drop(handoff, "discussedOn"))
        options.add(rule, _without(handoff, ("SSP",)), _without(handoff, ATU_ROLES))
        options.add(rule, _drop(handoff, "agreedMilestoneValue"), _drop(handoff, "agreedDueDate"))
        if plan.entered[1] < plan.as_of:  # held after entering stage 2: its deadline moves later
            options.add(rule, _set(handoff, "discussedOn", _later(plan.entered[1], plan.as_of)))
    uncommitted, due = _with_commitment(record, "uncommitted"), plan.atu_due
    if due is not None and uncommitted:  # one milestone drawn at random is not taken over
        atu = next(p for p in handoff["participants"] if p["role"] in ATU_ROLES)
        rule = "handoff/atu-stu-ownership"
        options.add(
            rule, _set(uncommitted, "owner", atu), _drop(uncommitted, "owner", "ownerSince")
        )
        options.add(rule, _set(uncommitted, "ownerSince", _later(due, plan.as_of)))


def _break_stu_csu(record: Record, plan: _Plan, options: _Options) -> None:
    handoff, rule = _handoff(record, "STU-CSU"), "handoff/stu-csu-discussion"
    if handoff is None or plan.stage < 4:
        return
    options.add(rule, _remove(record, handoff), _falsify(handoff, "validatedDetails"))
    options.add(rule, _without(handoff, STU_ROLES), _without(handoff, CSU_ROLES))
    if plan.csu_due is not None:  # the STU never handed over, or handed over late
        stu = next(p for p in handoff["participants"] if p["role"] in STU_ROLES)
        late = _set(record, "ownerSince", _later(plan.csu_due, plan.as_of))
        options.add("handoff/stu-csu-ownership", _set(record, "owner", stu), late)


def _outsider(record: Record, role: str | None) -> Record:
    """A person of no role pool, named after the record, with ``role`` if given."""
    n = int(record["id"].removeprefix("OPP-"))
    name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[7 * n % len(LAST_NAMES)]}"
    return {"id": f"u-ext-{n:06d}", "name": name} | ({"role": role} if role else {})


def _meets(milestone: Record, due: date | None) -> bool:
    """Whether ``milestone``, if uncommitted, would meet a passed ATU-STU deadline ``due``."""
    since = date.fromisoformat(milestone["ownerSince"])
    return due is None or (milestone["owner"]["role"] in STU_ROLES and since <= due)


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


def _without(handoff: Record, roles: tuple[str, ...]) -> Mutation:
    """The discussion without the participants of ``roles``."""
    kept = [p for p in handoff["participants"] if p["role"] not in roles]
    return _set(handoff, "participants", kept)


def _remove(record: Record, handoff: Record) -> Mutation:
    """The record without the ``handoff`` (and without handoffs if none remains)."""
    kept = [h for h in record["handoffs"] if h is not handoff]
    return _set(record, "handoffs", kept) if kept else _drop(record, "handoffs")


def _later(since: date, until: date) -> Callable[[random.Random], str]:
    """An ISO date 1 to 10 days after ``since``, and not after ``until``."""
    return lambda rng: _iso(since + timedelta(days=rng.randint(1, min(10, (until - since).days))))
