"""Mapping files: which source column or property fills which contract field, and how.

A mapping is data an organization edits (``mappings/csv.yaml``, ``mappings/msx-odata.yaml``
at the top of the repository): its exports name columns their own way, its option sets have
their own codes. Loading checks the file completely, against the contract fields of
:mod:`mcem_kg.importers.fields`, so that a mistake in it is reported once, as a
:class:`~mcem_kg.errors.DataFileError` naming the file and the entry, and never shows up later
as a puzzling error about an input record.

A field entry is either the source name (``name: opportunity_name``) or a mapping with the
source name and options (``status: {column: status, values: {won: completed}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, NoReturn

import yaml

from mcem_kg.errors import DataFileError
from mcem_kg.importers.fields import (
    Contract,
    ContractField,
    FieldType,
    Syntax,
    ValueTable,
    table_key,
)

# A deal team row is no contract record: it only tells an owner's role on an opportunity.
DEAL_TEAM_FIELDS: Final[Mapping[str, ContractField]] = {
    "user": ContractField(FieldType.TEXT),
    "role": ContractField(FieldType.TEXT),
}

_TYPE_NAMES: Final[Mapping[type, str]] = {str: "text", int: "a whole number", bool: "true/false"}

# Contract value types a value table may produce, for each field type that allows tables.
_TABLE_VALUES: Final[Mapping[FieldType, tuple[type, ...]]] = {
    FieldType.TEXT: (str,),
    FieldType.CHOICE: (str,),
    FieldType.STAGE: (int, str),
    FieldType.BOOLEAN: (bool,),
}


class Formatted(StrEnum):
    """Whether an OData value is read from its ``FormattedValue`` annotation."""

    NO = "no"
    PREFER = "prefer"  # the annotation when the export has it, else the value
    ONLY = "only"  # only the annotation (e.g. a lookup's display name); absent -> omitted


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One contract field and the source column or property it is read from."""

    target: str
    source: str
    field: ContractField
    values: ValueTable | None = None
    formatted: Formatted = Formatted.NO


@dataclass(frozen=True, slots=True)
class HandoffSpec:
    """The columns or properties of the handoff discussion of one kind."""

    kind: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Header names of a CSV export: one row per milestone, opportunity cells repeated."""

    path: Path
    syntax: Syntax
    opportunity: tuple[FieldSpec, ...]
    milestone: tuple[FieldSpec, ...]
    handoffs: tuple[HandoffSpec, ...]

    @property
    def repeated(self) -> tuple[FieldSpec, ...]:
        """Opportunity-level columns, handoff columns included: equal on all of its rows."""
        return self.opportunity + tuple(spec for h in self.handoffs for spec in h.fields)

    def source_of(self, specs: tuple[FieldSpec, ...], target: str) -> str:
        return next(spec.source for spec in specs if spec.target == target)


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """An OData entity set and the properties read from its entities."""

    entity_set: str
    key: str  # the property that identifies an entity (its GUID)
    fields: tuple[FieldSpec, ...]
    opportunity: str = ""  # children: the lookup property naming their opportunity
    expanded_as: str = ""  # children: the navigation property on an expanded opportunity


@dataclass(frozen=True, slots=True)
class ODataMapping:
    """Dataverse (MSX) entity sets, properties and option-set codes."""

    path: Path
    syntax: Syntax
    opportunities: EntitySpec
    milestones: EntitySpec
    deal_team: EntitySpec
    handoffs: tuple[HandoffSpec, ...]

    @property
    def entities(self) -> tuple[EntitySpec, ...]:
        return (self.opportunities, self.milestones, self.deal_team)


def load_csv_mapping(path: Path, *, contract: Contract) -> CsvMapping:
    """Read and check a CSV mapping file against the contract's fields."""
    document = _Document(path, _load_yaml(path))
    data = document.section(
        document.data, "", {"separators", "booleans", "opportunity", "milestone", "handoffs"}
    )
    opportunity = document.fields(
        data.get("opportunity"), "opportunity", contract.opportunity, "column"
    )
    milestone = document.fields(data.get("milestone"), "milestone", contract.milestone, "column")
    handoffs = document.handoffs(data.get("handoffs", []), "column", contract.handoff)
    mapping = CsvMapping(
        path=path,
        syntax=document.syntax(data, datetimes=False),
        opportunity=opportunity,
        milestone=milestone,
        handoffs=handoffs,
    )
    document.require(mapping.opportunity, "opportunity", "id")
    document.require(mapping.milestone, "milestone", "id")
    scopes = [("opportunity", mapping.opportunity), ("milestone", mapping.milestone)] + [
        (f"handoff {handoff.kind}", handoff.fields) for handoff in mapping.handoffs
    ]
    seen: dict[str, str] = {}
    for scope, specs in scopes:
        for spec in specs:
            here = f"{scope} {spec.target}"
            if spec.source in seen:
                document.fail(
                    f"column {spec.source!r} is mapped twice ({seen[spec.source]}, {here})"
                )
            seen[spec.source] = here
    return mapping


def load_odata_mapping(path: Path, *, contract: Contract) -> ODataMapping:
    """Read and check an OData mapping file against the contract's fields."""
    document = _Document(path, _load_yaml(path))
    data = document.section(
        document.data,
        "",
        {"separators", "booleans", "opportunities", "milestones", "deal_team", "handoffs"},
    )
    mapping = ODataMapping(
        path=path,
        syntax=document.syntax(data, datetimes=True),
        opportunities=document.entity(data, "opportunities", contract.opportunity, child=False),
        milestones=document.entity(data, "milestones", contract.milestone, child=True),
        deal_team=document.entity(data, "deal_team", DEAL_TEAM_FIELDS, child=True),
        handoffs=document.handoffs(data.get("handoffs", []), "property", contract.handoff),
    )
    document.require(mapping.opportunities.fields, "opportunities", "id")
    document.require(mapping.milestones.fields, "milestones", "id")
    document.require(mapping.deal_team.fields, "deal_team", "user")
    document.require(mapping.deal_team.fields, "deal_team", "role")
    sets = [entity.entity_set for entity in mapping.entities]
    if len(set(sets)) != len(sets):
        document.fail(f"entity sets must differ: {sets}")
    return mapping


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(path, f"cannot be read: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(path, f"is not valid YAML: {exc}") from exc


class _Document:
    """A mapping file being checked; every complaint names the file and the entry."""

    def __init__(self, path: Path, data: object) -> None:
        self.path = path
        self.data = data

    def fail(self, message: str) -> NoReturn:
        raise DataFileError(self.path, message)

    def section(self, value: object, where: str, allowed: set[str]) -> dict[str, Any]:
        name = where or "the file"
        if value is None and where:
            self.fail(f"{where} is missing: a mapping of {sorted(allowed)}")
        if not isinstance(value, dict):
            self.fail(f"{name} must be a mapping of {sorted(allowed)}")
        unknown = sorted(str(key) for key in set(value) - allowed)
        if unknown:
            self.fail(f"{name}: unknown keys {unknown}; allowed: {sorted(allowed)}")
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where} must be a non-empty text")
        return value.strip()

    def syntax(self, data: Mapping[str, Any], *, datetimes: bool) -> Syntax:
        default = Syntax()
        seps = self.section(
            data.get("separators", {}), "separators", {"list", "participant", "stage_date"}
        )
        separators = {key: self.text(value, f"separators.{key}") for key, value in seps.items()}
        if len(set(separators.values())) != len(separators):
            self.fail(f"separators must differ from each other: {separators}")
        words = self.section(data.get("booleans", {}), "booleans", {"true_words", "false_words"})
        true_words = self.words(words, "true_words", default.true_words)
        false_words = self.words(words, "false_words", default.false_words)
        if true_words & false_words:
            self.fail(f"booleans: words both true and false: {sorted(true_words & false_words)}")
        return Syntax(
            list_separator=separators.get("list", default.list_separator),
            participant_separator=separators.get("participant", default.participant_separator),
            stage_date_separator=separators.get("stage_date", default.stage_date_separator),
            true_words=true_words,
            false_words=false_words,
            datetimes=datetimes,
        )

    def words(self, data: Mapping[str, Any], key: str, default: frozenset[str]) -> frozenset[str]:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            self.fail(f'booleans.{key} must be a list of quoted words, e.g. ["true", "yes"]')
        return frozenset(self.text(word, f"booleans.{key}").casefold() for word in value)

    def fields(
        self, value: object, where: str, schema: Mapping[str, ContractField], source_key: str
    ) -> tuple[FieldSpec, ...]:
        data = self.section(value, where, set(schema))
        return tuple(
            self.field_spec(spec, f"{where}.{target}", target, schema[target], source_key)
            for target, spec in data.items()
        )

    def field_spec(
        self, value: object, where: str, target: str, field: ContractField, source_key: str
    ) -> FieldSpec:
        if isinstance(value, str):
            return FieldSpec(target, self.text(value, where), field)
        options = {source_key, "values"} | ({"formatted"} if source_key == "property" else set())
        data = self.section(value, where, options)
        table = (
            None
            if data.get("values") is None
            else self.table(data["values"], where, field, source_key)
        )
        formatted = data.get("formatted", Formatted.NO.value)
        if formatted not in {f.value for f in Formatted}:
            self.fail(f"{where}.formatted must be one of {[f.value for f in Formatted]}")
        if table is not None and formatted != Formatted.NO.value:
            self.fail(f"{where}: use either 'values' (codes) or 'formatted' (labels), not both")
        source = self.text(data.get(source_key), f"{where}.{source_key}")
        return FieldSpec(target, source, field, table, Formatted(formatted))

    def table(self, value: object, where: str, field: ContractField, source_key: str) -> ValueTable:
        allowed = _TABLE_VALUES.get(field.type)
        if allowed is None:
            self.fail(f"{where}: a {field.type} field takes no 'values' table")
        if not isinstance(value, dict) or not value:
            self.fail(f"{where}.values must be a non-empty mapping")
        key_types: tuple[type, ...] = (str,) if source_key == "column" else (str, int, bool)
        entries: dict[Any, object] = {}
        for key, result in value.items():
            if not isinstance(key, key_types):
                types = " or ".join(_TYPE_NAMES[t] for t in key_types)
                self.fail(
                    f"{where}.values: key {key!r} must be {types} "
                    "(quote it: YAML reads yes, no, on, off as booleans and digits as numbers)"
                )
            ok = isinstance(result, allowed) and (isinstance(result, bool) == (bool in allowed))
            if not ok or (field.choices and result not in field.choices) or result == "":
                expected = ", ".join(field.choices) or " or ".join(_TYPE_NAMES[t] for t in allowed)
                self.fail(f"{where}.values: {key!r} maps to {result!r}; expected {expected}")
            if table_key(key) in entries:
                self.fail(f"{where}.values: key {key!r} appears twice")
            entries[table_key(key)] = result
        return ValueTable(entries, tuple(f"{key} ({result})" for key, result in value.items()))

    def handoffs(
        self, value: object, source_key: str, fields: Mapping[str, ContractField]
    ) -> tuple[HandoffSpec, ...]:
        if not isinstance(value, list):
            self.fail("handoffs must be a list of {kind, fields}")
        specs: list[HandoffSpec] = []
        for index, item in enumerate(value):
            where = f"handoffs[{index}]"
            data = self.section(item, where, {"kind", "fields"})
            kind = self.text(data.get("kind"), f"{where}.kind")
            specs.append(
                HandoffSpec(
                    kind,
                    self.fields(data.get("fields"), f"{where}.fields", fields, source_key),
                )
            )
        kinds = [spec.kind for spec in specs]
        if len(set(kinds)) != len(kinds):
            self.fail(f"handoffs: each kind may appear once: {kinds}")
        return tuple(specs)

    def entity(
        self,
        data: Mapping[str, Any],
        name: str,
        schema: Mapping[str, ContractField],
        *,
        child: bool,
    ) -> EntitySpec:
        keys = {"entity_set", "key", "fields"} | (
            {"opportunity", "expanded_as"} if child else set()
        )
        section = self.section(data.get(name), name, keys)
        return EntitySpec(
            entity_set=self.text(section.get("entity_set"), f"{name}.entity_set"),
            key=self.text(section.get("key"), f"{name}.key"),
            fields=self.fields(section.get("fields"), f"{name}.fields", schema, "property"),
            opportunity=self.text(section.get("opportunity"), f"{name}.opportunity")
            if child
            else "",
            expanded_as=self.text(section.get("expanded_as"), f"{name}.expanded_as")
            if child
            else "",
        )

    def require(self, specs: tuple[FieldSpec, ...], where: str, target: str) -> None:
        if not any(spec.target == target for spec in specs):
            self.fail(f"{where} must map the field {target!r}")
