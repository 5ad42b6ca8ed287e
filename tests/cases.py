"""Rule cases kept as data files (tests/data/rules/*.yaml, tests/data/deadlines.yaml).

A case is a record (a base record with a JSON merge patch, RFC 7386), the day it is judged
as of, optional holidays and gate stage, and what one rule must do with it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    rule: str
    record: dict[str, Any]
    as_of: date
    expect: str
    count: int | None = None
    to_stage: int | None = None
    holidays: tuple[date, ...] = ()
    due_date: date | None = None
    checks_due_date: bool = False

    @property
    def id(self) -> str:
        return f"{self.rule}: {self.name}"


def load_cases(path: Path) -> tuple[list[Case], dict[str, dict[str, Any]]]:
    """The cases of one file, and its base records by name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bases = data.get("bases", {})
    cases = []
    for raw in data["cases"]:
        record = raw.get("record") or merge_patch(bases[raw["base"]], raw.get("patch", {}))
        cases.append(
            Case(
                file=path.name,
                name=raw["name"],
                rule=raw.get("rule", data.get("rule")),
                record=record,
                as_of=raw.get("asOf", data["asOf"]),
                expect=raw["expect"],
                count=raw.get("count"),
                to_stage=raw.get("toStage"),
                holidays=tuple(raw.get("holidays", ())),
                due_date=raw.get("dueDate"),
                checks_due_date="dueDate" in raw,
            )
        )
    return cases, bases


RULE_FILES = sorted((DATA / "rules").glob("*.yaml"))
DEADLINE_FILE = DATA / "deadlines.yaml"
