"""Every table row and list item of MCEM.md is answered by the named queries.

The expected facts are read from the document itself, never typed here, so the test proves
the graph says what the methodology says and catches a fact dropped or mistyped in Turtle.
Where a section is checked with set equality, the graph may hold no more than the document.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import Ask
from tests.mcem_document import Block, parse, source_path

SOURCE = source_path()
pytestmark = pytest.mark.skipif(
    not SOURCE.is_file(),
    reason=f"the methodology source text is not at {SOURCE} (set MCEM_SOURCE to its path)",
)
BLOCKS: list[Block] = parse(SOURCE.read_text(encoding="utf-8")) if SOURCE.is_file() else []


def blocks(kind: str, *headings: str) -> list[Block]:
    return [b for b in BLOCKS if b.kind == kind and b.under(*headings)]


def table_rows(*headings: str) -> list[dict[str, str]]:
    return [row for b in blocks("table", *headings) for row in b.rows]


def split_roles(cell: str) -> set[str]:
    """'SSP, CSAM, PSS/PDM' -> {'SSP', 'CSAM', 'PSS', 'PDM'}."""
    return {part.strip() for part in re.split(r"[,/]", cell) if part.strip()}


def key_value(item: str) -> tuple[str, str]:
    """'Focus: Owns ...' -> ('Focus', 'Owns ...')."""
    key, _, value = item.partition(":")
    return key.strip(), value.strip()


def ids(rows: list[dict[str, str]], column: str) -> list[str]:
    return [row[column] for row in rows]


# The one reading this test makes of the text: the handoff sections' "Specialist" is the
# SSP (ontology/roles.ttl says why). Every other role is named by its acronym.
READING = {"Specialist": "SSP"}


def role_code(name: str) -> str:
    return READING.get(name, name)


def participants(ask: Ask, side: str) -> set[str]:
    """'ATU' -> the ATU's roles; 'SSP' -> {'SSP'}; 'CSU (CSAM/CSA)' -> {'CSAM', 'CSA'};
    'STU (Specialist)' -> the STU's roles."""
    named = re.fullmatch(r"(\w+) \(([^)]+)\)", side)
    if named and named.group(2) == "Specialist":
        # A discussion side "STU (Specialist)" is any role of the unit (SSP or SE): the
        # reading of validation rule handoff/stu-csu-discussion (ontology/handoffs.ttl).
        return participants(ask, named.group(1))
    if named:
        return {role_code(name) for name in named.group(2).split("/")}
    unit_roles = {str(r["role"]) for r in ask("unit-accountability") if r["unit"] == side}
    return unit_roles or {role_code(side)}


# --- The Five MCEM Stages ------------------------------------------------------------------

STAGES = table_rows("The Five MCEM Stages")


@pytest.mark.parametrize("row", STAGES, ids=ids(STAGES, "Stage"))
def test_stage_table_row(ask: Ask, row: dict[str, str]) -> None:
    number = STAGES.index(row) + 1  # the table lists the stages in journey order
    (stage,) = ask("stages", stage=row["Stage"])
    assert stage["stageNumber"] == str(number)
    assert stage["stageLabel"] == row["Stage"]
    assert stage["purpose"] == row["Purpose"]
    assert stage["exitCriterion"] == row["Exit Criteria"]


def test_stages_are_the_five_of_the_table(ask: Ask) -> None:
    assert [r["stageLabel"] for r in ask("stages")] == ids(STAGES, "Stage")
    chain = [(r["stageNumber"], r["nextStageNumber"]) for r in ask("stages")]
    assert chain == [
        (str(n), str(n + 1) if n < len(STAGES) else None) for n in range(1, len(STAGES) + 1)
    ]


def test_stage_symbols(ask: Ask) -> None:
    source = SOURCE.read_text(encoding="utf-8")
    for stage in ask("stages"):
        assert f"**{stage['symbol']} {stage['stageLabel']}**" in source


# --- Stage Accountability Matrix -----------------------------------------------------------

MATRIX = table_rows("Stage Accountability Matrix", "Lead and Supporting Roles by Stage")


@pytest.mark.parametrize("row", MATRIX, ids=ids(MATRIX, "Stage"))
def test_accountability_matrix_row(ask: Ask, row: dict[str, str]) -> None:
    answered = ask("stage-accountability", stage=row["Stage"])
    expected = {(role, "lead") for role in split_roles(row["Lead Role"])}
    expected |= {(role, "supporting") for role in split_roles(row["Supporting Roles"])}
    assert {(r["role"], r["involvement"]) for r in answered} == expected
    assert {r["unit"] for r in answered} == {row["Accountable Unit"]}


# --- Accountable Units ---------------------------------------------------------------------

UNITS = blocks("bullets", "Accountable Units")


@pytest.mark.parametrize("block", UNITS, ids=[b.headings[-1] for b in UNITS])
def test_accountable_unit(ask: Ask, block: Block) -> None:
    code, label = re.fullmatch(r"(\w+) \((.+)\)", block.headings[-1]).groups()  # type: ignore[union-attr]
    facts = dict(key_value(item) for item in block.items)
    roles = dict(re.findall(r"(\w+) \(([^)]+)\)", facts["Roles"]))
    answered = ask("unit-accountability", unit=code)
    assert {r["unitLabel"] for r in answered} == {label}
    assert {r["role"] for r in answered} == set(roles)
    assert {r["accountableFor"] for r in answered} == {
        a.strip() for a in facts["Accountable for"].split(",")
    }
    for role, expansion in roles.items():
        assert ask("role-profile", role=role)[0]["label"] == expansion


# --- Handoff responsibilities --------------------------------------------------------------

RESPONSIBILITIES = blocks("ordered")


@pytest.mark.parametrize("block", RESPONSIBILITIES, ids=[b.headings[-1] for b in RESPONSIBILITIES])
def test_handoff_responsibilities(ask: Ask, block: Block) -> None:
    transition, side = block.headings[-2], block.headings[-1]
    unit, roles = re.fullmatch(r"(\w+) \(([^)]+)\) Responsibilities", side).groups()  # type: ignore[union-attr]
    codes = {role_code(name) for name in roles.split("/")}
    (summary,) = [h for h in ask("handoff-summary") if h["label"] == transition]
    rows = [
        r
        for r in ask("handoffs")
        if r["handoff"] == summary["handoff"] and r["responsibleUnit"] == unit
    ]
    answered = {(r["ordinal"], r["responsibility"]) for r in rows}
    assert answered == {(str(n), item) for n, item in enumerate(block.items, start=1)}
    assert {r["responsibleRole"] for r in rows} == codes


# --- Criteria ------------------------------------------------------------------------------


def _criteria_lists(kind_title: str) -> list[Block]:
    return [b for b in blocks("bullets") if kind_title in b.headings[-1] or kind_title in b.intro]


CRITERIA_LISTS = [
    ("qualification", block) for block in _criteria_lists("Qualification Criteria")
] + [("milestone", block) for block in _criteria_lists("Milestone Criteria")]


@pytest.mark.parametrize(
    ("kind", "block"), CRITERIA_LISTS, ids=[f"{k}:{b.headings[-1]}" for k, b in CRITERIA_LISTS]
)
def test_stage1_criteria_list(ask: Ask, kind: str, block: Block) -> None:
    answered = [r for r in ask("stage-criteria", stage="1") if r["kind"] == kind]
    wordings = {r["criterion"] for r in answered} | {r["alternativeWording"] for r in answered}
    assert set(block.items) <= wordings
    assert len({r["criterion"] for r in answered}) == len(block.items)


def _outcome_blocks() -> list[Block]:
    return [b for b in blocks("paragraph", "Stage Outcomes and Activities") if len(b.items) == 2]


OUTCOMES = _outcome_blocks()


@pytest.mark.parametrize("block", OUTCOMES, ids=[b.headings[-1] for b in OUTCOMES])
def test_stage_outcome_and_exit(ask: Ask, block: Block) -> None:
    facts = dict(key_value(item) for item in block.items)
    answered = ask("stage-criteria", stage=block.headings[-1])
    outcomes = {r["criterion"] for r in answered if r["kind"] == "customer-outcome"}
    exits = [r for r in answered if r["kind"] == "exit"]
    assert outcomes == {facts["Customer Outcome"]}
    assert facts["Exit Criteria"] in {exits[0]["criterion"], exits[0]["alternativeWording"]}


STAGE_ACTIVITIES = blocks("bullets", "Stage Outcomes and Activities")


@pytest.mark.parametrize("block", STAGE_ACTIVITIES, ids=[b.headings[-1] for b in STAGE_ACTIVITIES])
def test_stage_activities(ask: Ask, block: Block) -> None:
    answered = ask("stage-activities", stage=block.headings[-1])
    assert {r["activity"] for r in answered} == set(block.items)


# --- Detailed Role Activities by Stage -----------------------------------------------------

DETAILED = blocks("table", "Detailed Role Activities by Stage")


@pytest.mark.parametrize("block", DETAILED, ids=[b.headings[-1] for b in DETAILED])
def test_detailed_role_activities(ask: Ask, block: Block) -> None:
    number, label = re.fullmatch(r"Stage (\d): (.+)", block.headings[-1]).groups()  # type: ignore[union-attr]
    expected = {
        (role, row["Activities"]) for row in block.rows for role in split_roles(row["Role"])
    }
    answered = set()
    for role in {role for role, _ in expected}:
        for r in ask("role-activities", role=role, stage=number):
            assert r["stageLabel"] == label
            answered.add((r["role"], r["activity"]))
    assert answered == expected


STAGE_HEADERS = [
    b
    for b in blocks("paragraph", "Detailed Role Activities by Stage")
    if b.text.startswith("Lead:")
]


@pytest.mark.parametrize("block", STAGE_HEADERS, ids=[b.headings[-1] for b in STAGE_HEADERS])
def test_detailed_stage_lead_and_unit(ask: Ask, block: Block) -> None:
    lead, unit = re.fullmatch(r"Lead: (\S+) \| Unit: (\w+)", block.text).groups()  # type: ignore[union-attr]
    number = block.headings[-1].split(":")[0].removeprefix("Stage ")
    answered = ask("stage-accountability", stage=number)
    assert {r["role"] for r in answered if r["involvement"] == "lead"} == split_roles(lead)
    assert {r["unit"] for r in answered} == {unit}


STAGE_EXITS = [
    b
    for b in blocks("paragraph", "Detailed Role Activities by Stage")
    if b.text.startswith("Exit Criteria:")
]


@pytest.mark.parametrize("block", STAGE_EXITS, ids=[b.headings[-1] for b in STAGE_EXITS])
def test_detailed_stage_exit(ask: Ask, block: Block) -> None:
    number = block.headings[-1].split(":")[0].removeprefix("Stage ")
    (stage,) = ask("stages", stage=number)
    assert stage["exitCriterion"] == key_value(block.text)[1]


TRANSITIONS = sorted(
    {
        b.headings[1]
        for b in BLOCKS
        if len(b.headings) > 1 and "Ownership Transition" in b.headings[1]
    }
)


@pytest.mark.parametrize("heading", TRANSITIONS)
def test_handoff_units_and_stage_boundary(ask: Ask, heading: str) -> None:
    giver, taker = re.match(r"(\w+) to (\w+) ", heading).groups()  # type: ignore[union-attr]
    (handoff,) = [h for h in ask("handoff-summary") if h["label"] == heading]
    assert (handoff["fromUnit"], handoff["toUnit"]) == (giver, taker)
    # The boundary is where the matrix's accountable unit changes from giver to taker.
    units = {r["stageNumber"]: r["unit"] for r in ask("stages")}
    before, after = str(handoff["fromStageNumber"]), str(handoff["toStageNumber"])
    assert (units[before], units[after]) == (giver, taker)
    assert int(after) == int(before) + 1


# --- Required handoff discussions ----------------------------------------------------------

REQUIREMENT = re.compile(
    r"(?P<a>.+?) & (?P<b>.+?) (?:to|should|must) (?:meet and )?(?P<verb>agree on|validate) "
    r"(?P<what>.+?) before (?P<before>.+)"
)

QUOTES = blocks("quote")


@pytest.mark.parametrize("block", QUOTES, ids=[b.headings[-2] for b in QUOTES])
def test_required_discussion(ask: Ask, block: Block) -> None:
    heading = key_value(block.items[0])
    assert heading[0] == "REQUIRED"
    rows = ask("handoff-discussions")

    def names(r: dict[str, str | None]) -> set[str | None]:
        scoped = f"{r['requiredDiscussion']} ({r['scope']})" if r["scope"] else None
        return {r["requiredDiscussion"], r["alternativeName"], scoped}

    if len(block.items) == 2:  # name, then the requirement
        name, statement = heading[1], block.items[1]
    else:  # "name - requirement" in one line
        name, _, statement = heading[1].partition(" - ")
    (handoff,) = {r["handoff"] for r in rows if name in names(r)}
    assert statement in {r["statement"] for r in rows if r["handoff"] == handoff}
    parts = REQUIREMENT.fullmatch(statement)
    assert parts is not None, statement
    handoff_rows = [r for r in ask("handoffs") if r["handoff"] == handoff]
    expected = participants(ask, parts["a"]) | participants(ask, parts["b"])
    assert {r["participantRole"] for r in handoff_rows} == expected
    requirements = {r["requirement"] for r in rows if r["handoff"] == handoff}
    assert requirements == set(parts["what"].split(" and "))
    before = parts["before"]
    (required_before,) = {r["requiredBefore"] for r in rows if r["handoff"] == handoff}
    stage = re.search(r"Stage (\d)", before)
    if stage:
        assert required_before == "to-stage entered"
        assert {r["toStageNumber"] for r in handoff_rows} == {stage.group(1)}
    else:
        unit = re.fullmatch(r"Opportunity ownership transferred to (\w+)", before)
        assert unit is not None, before
        assert required_before == "ownership transferred"
        assert {r["toUnit"] for r in handoff_rows} == {unit.group(1)}


# --- Transition timeline and owner lookup --------------------------------------------------

UNITS_OF_TIME = {"business days": "business-days", "days": "days"}


def test_transition_timeline(ask: Ask) -> None:
    (timeline,) = blocks("bullets", "Transition Timeline")
    deadline, notification = timeline.items
    (handoff,) = [h for h in ask("handoff-summary") if h["deadlineStatement"] == deadline]
    assert handoff["notification"] == notification


@pytest.mark.parametrize("handoff", ["ATU-STU", "STU-CSU"])
def test_deadline_numbers_match_the_words(ask: Ask, handoff: str) -> None:
    (row,) = [h for h in ask("handoff-summary") if h["handoff"] == handoff]
    statement = str(row["deadlineStatement"])
    assert statement in SOURCE.read_text(encoding="utf-8")
    amount, unit = re.search(r"(\d+) (business days|days)", statement).groups()  # type: ignore[union-attr]
    assert (row["deadline"], row["deadlineUnit"]) == (amount, UNITS_OF_TIME[unit])


def test_owner_lookup_resources(ask: Ask) -> None:
    (resources,) = blocks("bullets", "Resources to Identify Opportunity Owners for Handoff")
    expected = set()
    for item in resources.items:
        scoped = re.fullmatch(r"For ([^:]+): (.+)", item)
        expected.add(scoped.groups() if scoped else (None, item))
    assert {(r["accountScope"], r["resource"]) for r in ask("owner-lookup")} == expected


# --- Executive categories, roles, acronyms, collaborations, purpose ------------------------

CATEGORIES = blocks("paragraph", "Executive Categories")


@pytest.mark.parametrize("block", CATEGORIES, ids=[b.headings[-1] for b in CATEGORIES])
def test_executive_category(ask: Ask, block: Block) -> None:
    category, role = re.fullmatch(r"(.+) \((\w+)\)", block.headings[-1]).groups()  # type: ignore[union-attr]
    assert {"category": category, "role": role, "drives": block.text} in ask("executive-categories")


DEFINITIONS = blocks("bullets", "Role Definitions")


@pytest.mark.parametrize("block", DEFINITIONS, ids=[b.headings[-1] for b in DEFINITIONS])
def test_role_definition(ask: Ask, block: Block) -> None:
    codes, names = re.fullmatch(r"(\S+) \((.+)\)", block.headings[-1]).groups()  # type: ignore[union-attr]
    focus = key_value(block.items[0])
    assert focus[0] == "Focus"
    for code, name in zip(codes.split("/"), names.split(" / "), strict=True):
        profile = ask("role-profile", role=code)
        assert {r["label"] for r in profile} == {name}
        assert {r["focus"] for r in profile} == {focus[1]}
        assert {r["duty"] for r in profile} == set(block.items[1:])


ACRONYMS = table_rows("Key Acronyms")


def test_glossary_is_the_acronym_table(ask: Ask) -> None:
    answered = {(r["term"], r["expansion"]) for r in ask("glossary")}
    assert answered == {(row["Acronym"], row["Full Name"]) for row in ACRONYMS}


COLLABORATIONS = table_rows("How Roles Work Together")


def test_collaborations_are_the_table(ask: Ask) -> None:
    answered = {(r["roles"], r["purpose"]) for r in ask("collaborations")}
    assert answered == {(row["Collaboration"], row["Purpose"]) for row in COLLABORATIONS}


def aspect(ask: Ask, name: str) -> set[str]:
    return {str(r["value"]) for r in ask("methodology") if r["aspect"] == name}


def test_purpose(ask: Ask) -> None:
    (aims,) = blocks("bullets", "Purpose")
    assert aspect(ask, "aim") == set(aims.items)
    (purpose,) = aspect(ask, "purpose")
    assert aims.intro == f"{purpose} to:"


def test_what_is_mcem(ask: Ask) -> None:
    paragraphs = [b.text for b in blocks("paragraph", "What is MCEM?")]
    (name,) = {r["name"] for r in ask("methodology")}
    assert paragraphs[0] == f"MCEM stands for {name}."
    (description,), (goal,) = aspect(ask, "description"), aspect(ask, "goal")
    assert paragraphs[1] == f"It is {description} The goal is to {goal}."
    (motions,) = aspect(ask, "central-to-motions-of")
    supported = sorted(aspect(ask, "supported-by"), key=paragraphs[2].index)
    assert paragraphs[2] == (
        f"MCEM is central to MCAPS ({motions}) motions and is supported by "
        f"{', '.join(supported[:-1])}, and {supported[-1]}."
    )


def test_stages_map_to(ask: Ask) -> None:
    (intro,) = [b.text for b in blocks("paragraph", "The Five MCEM Stages")]
    (journey,) = aspect(ask, "stages-map-to")
    assert intro == f"MCEM comprises five stages that map to {journey}:"


def test_the_document_was_read() -> None:
    """Guards the parametrized tests above against silently collecting nothing."""
    counts = {
        "stages": len(STAGES),
        "matrix": len(MATRIX),
        "units": len(UNITS),
        "responsibility lists": len(RESPONSIBILITIES),
        "outcomes": len(OUTCOMES),
        "stage activity lists": len(STAGE_ACTIVITIES),
        "role activity tables": len(DETAILED),
        "quotes": len(QUOTES),
        "categories": len(CATEGORIES),
        "definitions": len(DEFINITIONS),
        "acronyms": len(ACRONYMS),
        "collaborations": len(COLLABORATIONS),
        "transitions": len(TRANSITIONS),
        "criteria lists": len(CRITERIA_LISTS),
    }
    assert counts == {
        "stages": 5,
        "matrix": 5,
        "units": 3,
        "responsibility lists": 4,
        "outcomes": 5,
        "stage activity lists": 5,
        "role activity tables": 5,
        "quotes": 3,
        "categories": 2,
        "definitions": 9,
        "acronyms": 24,
        "collaborations": 4,
        "transitions": 2,
        "criteria lists": 4,
    }
