"""The contract fields an import fills, their types, and how one source value becomes one.

Both importers (CSV and OData) map source columns onto the same plain JSON record contract.
This module is the one place that knows the contract's field paths and value types, so that
a mapping file can be checked against them and a value is read the same way from any source.

:func:`convert` knows nothing of where a value came from: it raises :class:`ValueProblem`,
and the importer, which knows the source, line or entity, record and column, turns that into
an :class:`~mcem_kg.errors.InputRecordError`. Methodology facts (stage labels, role acronyms,
handoff kinds) are not here: they pass through as text or come from the mapping's tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final


class FieldType(StrEnum):
    """How a source value is read into a contract value."""

    TEXT = "text"
    TEXT_LIST = "text list"
    DATE = "date"
    BOOLEAN = "boolean"
    NUMBER = "number"
    STAGE = "stage"
    CHOICE = "choice"
    STAGE_HISTORY = "stage history"
    PARTICIPANTS = "participants"


@dataclass(frozen=True, slots=True)
class ContractField:
    """The type of one contract field; ``choices`` are the values a CHOICE field allows."""

    type: FieldType
    choices: tuple[str, ...] = ()


# The JSON Schema's named definitions that are read in a way of their own.
_DEFINITIONS: Final[Mapping[str, FieldType]] = {
    "id": FieldType.TEXT,
    "date": FieldType.DATE,
    "stage": FieldType.STAGE,
    "stageHistory": FieldType.STAGE_HISTORY,
    "participants": FieldType.PARTICIPANTS,
}
_TYPES: Final[Mapping[str, FieldType]] = {
    "string": FieldType.TEXT,
    "boolean": FieldType.BOOLEAN,
    "number": FieldType.NUMBER,
}


@dataclass(frozen=True, slots=True)
class Contract:
    """The fields of the plain JSON contract an import can fill, read from its JSON Schema
    (``ontology/opportunity.schema.json``), so that the schema stays the one definition.

    Dotted paths (``owner.role``) name fields of nested objects. Milestones and handoff
    discussions are tables of their own; a handoff's ``kind`` is not a field, because each
    group of handoff columns in a mapping names it.
    """

    opportunity: Mapping[str, ContractField]
    milestone: Mapping[str, ContractField]
    handoff: Mapping[str, ContractField]

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> Contract:
        definitions: Mapping[str, Any] = schema.get("$defs", {})
        properties: Mapping[str, Any] = schema["properties"]

        def items_of(name: str) -> Mapping[str, Any]:
            items = properties[name]["items"]
            result: Mapping[str, Any] = items.get("properties", {})
            return result

        def walk(fields: Mapping[str, Any], prefix: str = "") -> dict[str, ContractField]:
            found: dict[str, ContractField] = {}
            for name, given in fields.items():
                if name.startswith("@") or (not prefix and name in {"milestones", "handoffs"}):
                    continue
                reference = str(given.get("$ref", "")).rsplit("/", 1)[-1]
                if reference in _DEFINITIONS:
                    found[prefix + name] = ContractField(_DEFINITIONS[reference])
                    continue
                spec = definitions.get(reference, given)
                if "enum" in spec:
                    found[prefix + name] = ContractField(FieldType.CHOICE, tuple(spec["enum"]))
                elif spec.get("type") == "object":
                    found |= walk(spec.get("properties", {}), f"{prefix}{name}.")
                elif spec.get("type") == "array":
                    found[prefix + name] = ContractField(FieldType.TEXT_LIST)
                else:
                    found[prefix + name] = ContractField(_TYPES[spec["type"]])
            return found

        handoff = walk(items_of("handoffs"))
        handoff.pop("kind", None)
        return cls(walk(properties), walk(items_of("milestones")), handoff)


_DATE_TEXT = re.compile(r"(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?")
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"[+-]?\d+")


class ValueProblem(ValueError):
    """A value that cannot be read; the caller adds where it was (never escapes the package)."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


@dataclass(frozen=True, slots=True)
class Syntax:
    """How text encodes booleans, dates and multi-value cells (from the mapping file)."""

    list_separator: str = ";"
    participant_separator: str = ":"
    stage_date_separator: str = "@"
    true_words: frozenset[str] = frozenset({"true"})
    false_words: frozenset[str] = frozenset({"false"})
    datetimes: bool = False  # accept an ISO datetime for a date, keeping the date part

    @property
    def boolean_words(self) -> str:
        return " or ".join("/".join(sorted(words)) for words in (self.true_words, self.false_words))


TableKey = tuple[str, object]


def table_key(value: object) -> TableKey:
    """A lookup key: text ignores case and surrounding blanks; ``True`` is not ``1``."""
    if isinstance(value, str):
        return ("text", value.strip().casefold())
    return (type(value).__name__, value)


@dataclass(frozen=True, slots=True)
class ValueTable:
    """Source values (option-set codes, words of an export) and the contract value of each."""

    entries: Mapping[TableKey, object]
    shown: tuple[str, ...]  # "code (contract value)" of each entry, for messages

    def describe(self) -> str:
        return ", ".join(self.shown)


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def convert(
    raw: object, field: ContractField, syntax: Syntax, table: ValueTable | None = None
) -> Any:
    """The contract value of ``raw``, or None when it is empty (the field is then omitted)."""
    if is_empty(raw):
        return None
    if table is not None:
        return _look_up(raw, field, table)
    return _READERS[field.type](raw, field, syntax)


def _look_up(raw: object, field: ContractField, table: ValueTable) -> Any:
    key = table_key(raw)
    if key in table.entries:
        return table.entries[key]
    expected = table.describe()
    if field.choices and isinstance(raw, str):
        if key[1] in field.choices:
            return key[1]  # the contract's own word is always understood
        expected += ", or " + ", ".join(field.choices)
    what = "code" if isinstance(raw, int) else "value"
    raise ValueProblem(f"unknown {what} {raw!r}", f"one of {expected}")


def _text(raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise ValueProblem(f"{raw!r} is not text", "text")


def _items(text: str, syntax: Syntax) -> list[str]:
    return [item.strip() for item in text.split(syntax.list_separator) if item.strip()]


def read_date(raw: object, syntax: Syntax) -> str:
    """``YYYY-MM-DD`` (with ``syntax.datetimes``, also the date part of an ISO datetime)."""
    expected = "a date YYYY-MM-DD" + (" or an ISO datetime" if syntax.datetimes else "")
    text = _text(raw) if isinstance(raw, str) else None
    found = _DATE_TEXT.fullmatch(text) if text is not None else None
    if found is None or (found.group(2) and not syntax.datetimes):
        raise ValueProblem(f"{raw!r} is not a date", expected)
    try:
        return date.fromisoformat(found.group(1)).isoformat()
    except ValueError as exc:
        raise ValueProblem(f"{raw!r} is not a date ({exc})", expected) from exc


def _boolean(raw: object, syntax: Syntax) -> bool:
    if isinstance(raw, bool):
        return raw
    word = raw.strip().casefold() if isinstance(raw, str) else None
    if word in syntax.true_words:
        return True
    if word in syntax.false_words:
        return False
    raise ValueProblem(f"{raw!r} is not a boolean", syntax.boolean_words)


def _number(raw: object) -> int | float:
    value: int | float
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _NUMBER_TEXT.fullmatch(raw.strip()):
        text = raw.strip()
        value = int(text) if _INTEGER_TEXT.fullmatch(text) else float(text)
    else:
        raise ValueProblem(f"{raw!r} is not a number", "a number such as 1200 or 1200.50")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueProblem(f"{raw!r} is not a finite number", "a number")
        if value.is_integer():
            return int(value)
    return value


def _stage(raw: object) -> int | str:
    """A stage number as an int; any other text passes through as a stage label."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = _text(raw)
    return int(text) if _INTEGER_TEXT.fullmatch(text) else text


def _choice(raw: object, field: ContractField) -> str:
    text = _text(raw).casefold()
    if text in field.choices:
        return text
    raise ValueProblem(f"unknown value {raw!r}", "one of " + ", ".join(field.choices))


def _stage_history(text: str, syntax: Syntax) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for item in _items(text, syntax):
        stage, separator, entered = item.rpartition(syntax.stage_date_separator)
        if not separator or not stage.strip():
            raise ValueProblem(
                f"stage history item {item!r} is not STAGE{syntax.stage_date_separator}DATE",
                f"items like 2{syntax.stage_date_separator}2026-01-05 separated by "
                f"{syntax.list_separator!r}",
            )
        entries.append({"stage": _stage(stage), "enteredOn": read_date(entered, syntax)})
    return entries


def _participants(text: str, syntax: Syntax) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    for item in _items(text, syntax):
        parts = [part.strip() for part in item.split(syntax.participant_separator, 2)]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            sep = syntax.participant_separator
            raise ValueProblem(
                f"participant {item!r} is not ROLE{sep}PERSON-ID",
                f"items like SSP{sep}u-123 (or SSP{sep}u-123{sep}Name) separated by "
                f"{syntax.list_separator!r}",
            )
        person = {"id": parts[1], "role": parts[0]}
        if len(parts) == 3 and parts[2]:
            person["name"] = parts[2]
        people.append(person)
    return people


Reader = Callable[[object, ContractField, Syntax], Any]

_READERS: Final[Mapping[FieldType, Reader]] = {
    FieldType.TEXT: lambda raw, _field, _syntax: _text(raw),
    FieldType.TEXT_LIST: lambda raw, _field, syntax: _items(_text(raw), syntax) or None,
    FieldType.DATE: lambda raw, _field, syntax: read_date(raw, syntax),
    FieldType.BOOLEAN: lambda raw, _field, syntax: _boolean(raw, syntax),
    FieldType.NUMBER: lambda raw, _field, _syntax: _number(raw),
    FieldType.STAGE: lambda raw, _field, _syntax: _stage(raw),
    FieldType.CHOICE: lambda raw, field, _syntax: _choice(raw, field),
    FieldType.STAGE_HISTORY: lambda raw, _field, syntax: _stage_history(_text(raw), syntax) or None,
    FieldType.PARTICIPANTS: lambda raw, _field, syntax: _participants(_text(raw), syntax) or None,
}


def put(record: dict[str, Any], path: str, value: object) -> None:
    """Set a dotted path (``owner.role``), creating the nested objects on the way."""
    *parents, leaf = path.split(".")
    target = record
    for name in parents:
        target = target.setdefault(name, {})
    target[leaf] = value
