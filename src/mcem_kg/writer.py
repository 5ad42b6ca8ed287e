"""Stored opportunity graphs back to plain JSON records: the inverse of the record reader.

The service answers ``GET /opportunities/{id}`` in the README's plain JSON format ("The
plain JSON format": ids rather than IRIs, a stage by its number, roles by their code, dates
as ``YYYY-MM-DD``, milestones and handoff discussions nested). Nothing here lists the fields:

- ``ontology/opportunity.schema.json`` gives the fields, their order, nesting and value kinds;
- ``ontology/context.jsonld`` gives the property (or ``@id``, ``@type``, ``@nest``) each field
  stands for, with the scoped contexts of nested objects, exactly as the reader uses it;
- the methodology's :class:`~mcem_kg.terms.TermIndex` names a stage, role or handoff by code.

A record id is the last segment of its IRI; the reader itself then checks each id by minting
it again (:meth:`RecordReader.normalize`), and an IRI it would not mint back (RDF input with
IRIs of its own) is given whole, which the reader keeps as it is. Triples the contract has no
field for (RDF input may say more) are returned as ``unwritten``, not silently lost. RDF is
unordered: lists come back sorted (by id, else by their first date, else by value).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from mcem_kg.errors import DataFileError, McemError
from mcem_kg.records import SCHEMA_FILE, Record, RecordReader
from mcem_kg.terms import TermIndex

Triple = tuple[Node, Node, Node]
# Where an id sits in a record: keys and list indexes, e.g. ("milestones", 0, "owner", "id").
IdPath = tuple[str | int, ...]


@dataclass(slots=True)
class WrittenRecord:
    """A record, and the triples of the opportunity's graph that no contract field holds."""

    record: Record
    unwritten: list[Triple] = field(default_factory=list)


@dataclass(slots=True)
class _Run:
    """What one write collects: the triples used and where each id came from."""

    graph: Graph
    used: set[Triple] = field(default_factory=set)
    ids: list[tuple[IdPath, str]] = field(default_factory=list)


class RecordWriter:
    """Writes opportunity graphs as plain JSON records; built once, safe to share."""

    def __init__(self, schema: Mapping[str, Any], reader: RecordReader, terms: TermIndex) -> None:
        self._schema = schema
        self._reader = reader
        self._terms = terms
        top: dict[str, Any] = reader.context["@context"]
        self._prefixes = {
            k: v for k, v in top.items() if isinstance(v, str) and v.endswith(("#", "/"))
        }
        self._context = top

    @classmethod
    def load(cls, ontology_dir: Path, reader: RecordReader, terms: TermIndex) -> RecordWriter:
        path = ontology_dir / SCHEMA_FILE
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataFileError(path, f"cannot be read as JSON: {exc}") from exc
        return cls(schema, reader, terms)

    def write(self, graph: Graph, opportunity: URIRef) -> WrittenRecord:
        """The record of ``opportunity`` in ``graph`` (its own graph, as stored)."""
        run = _Run(graph)
        record = self._object(run, opportunity, self._schema, self._context, ())
        self._check_ids(record, run.ids)
        subjects = self._reachable(graph, opportunity)
        unwritten = sorted((t for t in graph if t[0] in subjects and t not in run.used), key=str)
        return WrittenRecord(record, unwritten)

    # --- the schema, walked with the context -------------------------------------------------

    def _resolve(self, spec: Mapping[str, Any]) -> Mapping[str, Any]:
        """A schema node with its local ``$ref`` (``#/$defs/...``) followed."""
        while "$ref" in spec:
            target: Any = self._schema
            for part in str(spec["$ref"]).removeprefix("#/").split("/"):
                target = target[part]
            spec = {**target, **{k: v for k, v in spec.items() if k != "$ref"}}
        return spec

    def _expand(self, value: str) -> str:
        prefix, colon, local = value.partition(":")
        return self._prefixes[prefix] + local if colon and prefix in self._prefixes else value

    def _object(
        self,
        run: _Run,
        node: Node,
        spec: Mapping[str, Any],
        context: Mapping[str, Any],
        path: IdPath,
    ) -> Record:
        """The fields of ``spec`` (an object schema) read from ``node`` under ``context``."""
        record: Record = {}
        for name, raw in spec.get("properties", {}).items():
            field_spec = self._resolve(raw)
            definition = context.get(name)
            keyword = definition if isinstance(definition, str) else None
            if isinstance(definition, dict):
                keyword = definition.get("@id")
            if keyword is None:
                continue  # no meaning in the context (e.g. "@context" itself)
            if keyword == "@nest":
                nested = self._object(run, node, field_spec, context, (*path, name))
                if nested:
                    record[name] = nested
            elif keyword == "@id":
                if isinstance(node, URIRef):
                    record[name] = self._id(run, node, (*path, name))
            elif keyword == "@type":
                value = self._type(run, node, field_spec, context)
                if value is not None:
                    record[name] = value
            else:
                scoped = definition.get("@context") if isinstance(definition, dict) else None
                inner = {**context, **scoped} if isinstance(scoped, dict) else context
                predicate = URIRef(self._expand(keyword))
                value = self._values(run, node, predicate, field_spec, inner, path=(*path, name))
                if value is not None:
                    record[name] = value
        return record

    def _type(
        self, run: _Run, node: Node, spec: Mapping[str, Any], context: Mapping[str, Any]
    ) -> str | None:
        """An ``@type`` field: the enum value whose term names one of the node's classes."""
        for value in spec.get("enum", []):
            term = context.get(value)
            if not isinstance(term, str):
                continue
            triple = (node, RDF.type, URIRef(self._expand(term)))
            if triple in run.graph:
                run.used.add(triple)
                return str(value)
        return None

    def _values(
        self,
        run: _Run,
        node: Node,
        predicate: URIRef,
        spec: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        path: IdPath,
    ) -> Any:
        """A property's value(s) as the field's schema has them: a list, an object or a
        scalar. A field of one value given several keeps the first; the rest are unwritten."""
        objects = sorted(run.graph.objects(node, predicate), key=str)
        if not objects:
            return None
        if spec.get("type") == "array":
            run.used.update((node, predicate, value) for value in objects)
            return self._list(run, objects, self._resolve(spec.get("items", {})), context, path)
        run.used.add((node, predicate, objects[0]))
        if spec.get("type") == "object":
            return self._object(run, objects[0], spec, context, path)
        return self._scalar(run, objects[0], spec, path)

    def _list(
        self,
        run: _Run,
        objects: list[Node],
        items: Mapping[str, Any],
        context: Mapping[str, Any],
        path: IdPath,
    ) -> list[Any]:
        if items.get("type") != "object":
            return sorted((self._scalar(run, v, items, path) for v in objects), key=_json)
        # Written once to find the order, then again at their places for the ids' paths.
        drafts = [(self._object(_Run(run.graph), v, items, context, ()), v) for v in objects]
        keys = _sort_fields(items, self._resolve)
        drafts.sort(key=lambda draft: _item_key(draft[0], keys))
        return [
            self._object(run, value, items, context, (*path, index))
            for index, (_draft, value) in enumerate(drafts)
        ]

    def _scalar(self, run: _Run, value: Node, spec: Mapping[str, Any], path: IdPath) -> Any:
        if isinstance(value, URIRef):
            if value in self._terms.codes or value in self._terms.names:
                code = self._terms.code(value)
                allowed = spec.get("type")
                numeric = allowed == "integer" or (
                    isinstance(allowed, list) and "integer" in allowed
                )
                return int(code) if numeric and code.isdigit() else code
            return self._id(run, value, path)
        if isinstance(value, Literal):
            return _plain(value)
        return None

    def _id(self, run: _Run, node: URIRef, path: IdPath) -> str:
        """The id an IRI was minted from (checked in :meth:`_check_ids`)."""
        iri = str(node)
        run.ids.append((path, iri))
        last = iri.rsplit("/", 1)[-1]
        if iri.startswith(self._reader.namespace) and quote(unquote(last), safe="") == last:
            return unquote(last)
        return iri

    def _check_ids(self, record: Record, ids: list[tuple[IdPath, str]]) -> None:
        """Each id as the reader mints it again; where that is not the stored IRI, the IRI
        itself. The opportunity's id goes first: the others are minted under it."""
        for _round in range(2):
            try:
                minted = self._reader.normalize(record, "stored")
            except (KeyError, TypeError, McemError):
                return  # a record the contract cannot hold (a milestone without id): as is
            changed = False
            for path, iri in ids:
                if _get(minted, path) != iri and _get(record, path) != iri:
                    _set(record, path, iri)
                    changed = True
            if not changed:
                return

    @staticmethod
    def _reachable(graph: Graph, root: URIRef) -> set[Node]:
        seen: set[Node] = set()
        todo: list[Node] = [root]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += [o for o in graph.objects(node, None) if (o, None, None) in graph]
        return seen


def _plain(value: Literal) -> Any:
    """A literal as JSON: booleans, numbers (whole ones as integers), dates as ISO text."""
    python = value.toPython()
    if isinstance(python, bool):
        return python
    if isinstance(python, date):
        return python.isoformat()
    if isinstance(python, int | float | Decimal) and math.isfinite(python):
        return int(python) if python == int(python) else float(python)
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _sort_fields(items: Mapping[str, Any], resolve: Any) -> list[str]:
    """How a list of objects is ordered: by id if they have one, else by their dates."""
    properties: Mapping[str, Any] = items.get("properties", {})
    if "id" in properties:
        return ["id"]
    return [
        name
        for name, spec in properties.items()
        if resolve(spec).get("format") == "date" and resolve(spec).get("type") == "string"
    ]


def _item_key(item: Record, fields: list[str]) -> tuple[str, ...]:
    return (*(_json(item.get(name)) for name in fields), _json(item))


def _get(record: Any, path: IdPath) -> Any:
    for step in path:
        if isinstance(step, int):
            record = record[step] if isinstance(record, list) and step < len(record) else None
        else:
            record = record.get(step) if isinstance(record, dict) else None
    return record


def _set(record: Any, path: IdPath, value: str) -> None:
    target = _get(record, path[:-1])
    target[path[-1]] = value
