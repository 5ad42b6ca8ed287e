"""Dynamics 365 (MSX) OData exports: opportunities, their milestones and their deal teams.

An export is one or more Web API responses (``{"@odata.context": ..., "value": [...]}``),
one per entity set, joined here by their ids: a milestone names its opportunity in a lookup
property, and so does a deal team row. One opportunities response with the milestones and
the deal team expanded (``$expand``) as navigation arrays works too, and so do several pages
of one entity set. Which entity set a response holds is read from ``@odata.context``, or
else from the key property its entities carry. The property names, option-set codes and
navigation names come from an :class:`~mcem_kg.importers.mapping.ODataMapping`.

The owner of an opportunity or milestone is a user id (``_ownerid_value``); the owner's MCEM
role is the role of that user on the opportunity's deal team, and is omitted when the user
is not on it. Dates may be ISO datetimes: the date part is kept as written, without a time
zone conversion (MSX stores date-only fields as midnight UTC).

Entities carry many properties the mapping does not name; they are ignored (Dataverse
returns every column unless asked with ``$select``), and so are deal team rows of
opportunities the export does not hold. Milestones of such opportunities are errors: their
record is missing. Values that cannot be read, unknown option-set codes among them, raise an
:class:`~mcem_kg.errors.InputRecordError` naming the document, the entity (its position and
key), the property and the expected values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcem_kg.errors import InputRecordError
from mcem_kg.importers.fields import ValueProblem, convert, put
from mcem_kg.importers.mapping import EntitySpec, FieldSpec, Formatted, ODataMapping

CONTEXT = "@odata.context"
FORMATTED = "@OData.Community.Display.V1.FormattedValue"


def is_odata(document: object, mapping: ODataMapping | None = None) -> bool:
    """Whether a parsed JSON document looks like an OData response of entities.

    It must be an object with a ``value`` list, and either have ``@odata.context`` or hold
    entities that carry a key property of the mapping (without a mapping: OData annotations
    such as ``@odata.etag``, which Dataverse puts on every entity).
    """
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        return False
    if CONTEXT in document:
        return True
    entities = [entity for entity in document["value"] if isinstance(entity, dict)]
    if mapping is not None:
        keys = {spec.key for spec in mapping.entities}
        return any(keys & set(entity) for entity in entities)
    return any("@odata." in key or "@OData." in key for entity in entities for key in entity)


@dataclass(frozen=True, slots=True)
class _Entity:
    """One entity of a document, and where it is (for messages)."""

    source: str
    position: str  # value[3], or value[0].navigation[2] for an expanded child
    data: Mapping[str, Any]
    parent: str | None = None  # the key of the opportunity it was expanded from

    def where(self, key: str) -> str:
        value = self.data.get(key)
        return f"{self.position} ({value})" if isinstance(value, str) else self.position


def read_odata(
    documents: Sequence[tuple[str, object]], *, mapping: ODataMapping
) -> list[dict[str, Any]]:
    """The records of an OData export, in the order of its opportunities."""
    join = _Join(mapping)
    for source, document in documents:
        join.add_document(source, document)
    return join.records()


class _Join:
    """Collects the entities of all documents, then joins them into records."""

    def __init__(self, mapping: ODataMapping) -> None:
        self.mapping = mapping
        self.found: dict[str, list[_Entity]] = {spec.entity_set: [] for spec in mapping.entities}

    def add_document(self, source: str, document: object) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("value"), list):
            raise InputRecordError(
                "not an OData response", source=source, expected='an object with a "value" list'
            )
        entities = document["value"]
        spec = self._entity_set(source, document, entities)
        for index, data in enumerate(entities):
            entity = self._entity(source, f"value[{index}]", data)
            self.found[spec.entity_set].append(entity)
            if spec is self.mapping.opportunities:
                self._add_expanded(entity)

    def _entity_set(self, source: str, document: dict[str, Any], entities: list[Any]) -> EntitySpec:
        specs = self.mapping.entities
        context = document.get(CONTEXT)
        if isinstance(context, str) and "#" in context:
            name = context.split("#", 1)[1].split("(", 1)[0].split("/", 1)[0]
            for spec in specs:
                if spec.entity_set == name:
                    return spec
            raise InputRecordError(
                f"entities of the set {name!r}",
                source=source,
                field=CONTEXT,
                expected="one of " + ", ".join(spec.entity_set for spec in specs),
            )
        first = next((entity for entity in entities if isinstance(entity, dict)), {})
        for spec in specs:
            if spec.key in first or not entities:
                return spec
        raise InputRecordError(
            "cannot tell which entity set the document holds",
            source=source,
            expected=f"{CONTEXT}, or entities with one of the key properties "
            + ", ".join(spec.key for spec in specs),
        )

    def _entity(
        self, source: str, position: str, data: object, parent: str | None = None
    ) -> _Entity:
        if not isinstance(data, dict):
            raise InputRecordError(
                f"{position} is not an entity", source=source, expected="a JSON object"
            )
        return _Entity(source, position, data, parent)

    def _add_expanded(self, opportunity: _Entity) -> None:
        parent = self._key(opportunity, self.mapping.opportunities)
        for spec in (self.mapping.milestones, self.mapping.deal_team):
            children = opportunity.data.get(spec.expanded_as)
            if children is None:
                continue
            if not isinstance(children, list):
                raise self._error(
                    opportunity,
                    self.mapping.opportunities,
                    spec.expanded_as,
                    "the expanded navigation property is not a list",
                    "a list of entities",
                )
            for index, data in enumerate(children):
                position = f"{opportunity.position}.{spec.expanded_as}[{index}]"
                self.found[spec.entity_set].append(
                    self._entity(opportunity.source, position, data, parent)
                )

    def _error(
        self, entity: _Entity, spec: EntitySpec, field: str, message: str, expected: str
    ) -> InputRecordError:
        return InputRecordError(
            message,
            source=entity.source,
            record=entity.where(spec.key),
            field=field,
            expected=expected,
        )

    def _key(self, entity: _Entity, spec: EntitySpec) -> str:
        key = entity.data.get(spec.key)
        if not isinstance(key, str) or not key.strip():
            raise self._error(entity, spec, spec.key, "missing key", "the entity's id")
        return key.strip().lower()

    def _value(self, entity: _Entity, spec: EntitySpec, field: FieldSpec) -> Any:
        raw = entity.data.get(field.source)
        annotation = entity.data.get(field.source + FORMATTED)
        if field.formatted is Formatted.ONLY or (
            field.formatted is Formatted.PREFER and annotation is not None
        ):
            raw = annotation
        try:
            return convert(raw, field.field, self.mapping.syntax, field.values)
        except ValueProblem as problem:
            raise self._error(
                entity, spec, field.source, problem.message, problem.expected
            ) from None

    def _read(self, entity: _Entity, spec: EntitySpec) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in spec.fields:
            value = self._value(entity, spec, field)
            if value is not None:
                put(values, field.target, value)
        if "id" in {field.target for field in spec.fields} and "id" not in values:
            source = next(field.source for field in spec.fields if field.target == "id")
            raise self._error(entity, spec, source, "missing id", "the record's id")
        return values

    def _parent(self, entity: _Entity, spec: EntitySpec) -> str:
        if entity.parent is not None:
            return entity.parent
        parent = entity.data.get(spec.opportunity)
        if not isinstance(parent, str) or not parent.strip():
            raise self._error(entity, spec, spec.opportunity, "missing opportunity", "its id")
        return parent.strip().lower()

    def records(self) -> list[dict[str, Any]]:
        mapping = self.mapping
        records: dict[str, dict[str, Any]] = {}
        for entity in self.found[mapping.opportunities.entity_set]:
            key = self._key(entity, mapping.opportunities)
            if key in records:
                raise self._error(
                    entity,
                    mapping.opportunities,
                    mapping.opportunities.key,
                    "the opportunity appears twice",
                    "each opportunity once",
                )
            records[key] = self._opportunity(entity)
        roles = self._roles(records)
        self._add_milestones(records, roles)
        for key, record in records.items():
            _add_owner_role(record, key, roles)
        return list(records.values())

    def _opportunity(self, entity: _Entity) -> dict[str, Any]:
        spec = self.mapping.opportunities
        record = self._read(entity, spec)
        handoffs = []
        for handoff in self.mapping.handoffs:
            values = self._read(entity, EntitySpec(spec.entity_set, spec.key, handoff.fields))
            if values:
                handoffs.append({"kind": handoff.kind, **values})
        if handoffs:
            record["handoffs"] = handoffs
        return record

    def _roles(self, records: Mapping[str, Any]) -> dict[tuple[str, str], str]:
        """(opportunity key, user id) -> MCEM role, from the deal team rows."""
        spec = self.mapping.deal_team
        roles: dict[tuple[str, str], str] = {}
        for entity in self.found[spec.entity_set]:
            parent = self._parent(entity, spec)
            if parent not in records:
                continue  # a deal team of an opportunity outside the export
            member = self._read(entity, spec)
            if "user" not in member or "role" not in member:
                continue
            pair = (parent, str(member["user"]).lower())
            if roles.setdefault(pair, member["role"]) != member["role"]:
                raise self._error(
                    entity,
                    spec,
                    next(field.source for field in spec.fields if field.target == "role"),
                    f"the user has two roles on the deal team: {roles[pair]}, {member['role']}",
                    "one role per user and opportunity",
                )
        return roles

    def _add_milestones(
        self, records: Mapping[str, dict[str, Any]], roles: Mapping[tuple[str, str], str]
    ) -> None:
        spec = self.mapping.milestones
        seen: set[str] = set()
        for entity in self.found[spec.entity_set]:
            key = self._key(entity, spec)
            if key in seen:
                raise self._error(entity, spec, spec.key, "the milestone appears twice", "once")
            seen.add(key)
            parent = self._parent(entity, spec)
            if parent not in records:
                raise self._error(
                    entity,
                    spec,
                    spec.opportunity,
                    f"opportunity {parent!r} is in none of the documents",
                    "the opportunities of all milestones",
                )
            milestone = self._read(entity, spec)
            _add_owner_role(milestone, parent, roles)
            records[parent].setdefault("milestones", []).append(milestone)


def _add_owner_role(
    holder: dict[str, Any], opportunity: str, roles: Mapping[tuple[str, str], str]
) -> None:
    """The owner's role from the deal team, unless the mapping gave it directly."""
    owner = holder.get("owner")
    if isinstance(owner, dict) and "role" not in owner and "id" in owner:
        role = roles.get((opportunity, str(owner["id"]).lower()))
        if role is not None:
            owner["role"] = role
