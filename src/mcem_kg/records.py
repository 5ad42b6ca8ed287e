"""Plain JSON opportunity records (the README's contract) to RDF.

Reading takes three steps, each with its own kind of trouble:

1. Structure, checked against ``ontology/opportunity.schema.json``: a wrong type or a bad date
   is an :class:`InputRecordError` naming the record and field; an unknown field (a typo such
   as ``budgetValidatd``) is a warning, and the field is left out.
2. References: a stage, role or handoff named by number, code or label becomes the IRI of the
   methodology's individual. An unknown stage or role stays a plain value, which the shapes
   report as a rule result; an unknown handoff kind is unreadable input.
3. Meaning: the record, with ids made IRIs and references resolved, plus
   ``ontology/context.jsonld``, is JSON-LD; rdflib turns it into triples. The context is
   therefore the one place that says which field is which property.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jsonschema
from rdflib import Graph, URIRef

from mcem_kg.errors import DataFileError, InputRecordError
from mcem_kg.importers.fields import Contract
from mcem_kg.terms import TermIndex
from mcem_kg.vocabulary import MCEM

CONTEXT_FILE = "context.jsonld"
SCHEMA_FILE = "opportunity.schema.json"

Record = dict[str, Any]

_ABSOLUTE = re.compile(r"(https?://|urn:)[^\s<>\"{}|\\^`]+\Z")
# What ``quote(part, safe="")`` leaves as it is: a part made only of these needs no quoting.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")
# The classes records refer to, looked up once: ``MCEM.Role`` mints a new URIRef on every use.
_STAGE, _ROLE, _HANDOFF = MCEM.Stage, MCEM.Role, MCEM.Handoff
# How many distinct (class, name) lookups a reader remembers (records repeat a few names).
_REMEMBERED = 4096


def _decimal(value: object) -> object:
    """A JSON number as an xsd:decimal lexical form ("0.0000001", not "1e-07")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format(Decimal(str(value)), "f")


@dataclass(slots=True)
class RecordBatch:
    """Records read into one graph, with the warnings reading them gave."""

    graph: Graph
    ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(path, f"cannot be read as JSON: {exc}") from exc


def unwrap(document: object, source: str) -> list[Record]:
    """The records of a document: one record, an array, or ``{"opportunities": [...]}``
    (or ``{"@context": ..., "@graph": [...]}``, the same under the published context)."""
    if isinstance(document, dict) and "@graph" in document and "id" not in document:
        document = {"opportunities": document["@graph"], "@context": document.get("@context")}
    if isinstance(document, dict) and "opportunities" in document:
        extra = sorted(set(document) - {"opportunities", "@context"})
        if extra:
            raise InputRecordError(
                f"a document with 'opportunities' also has {', '.join(map(repr, extra))}",
                source=source,
                expected='a record, an array of records, or {"opportunities": [...]} alone',
            )
        document = document["opportunities"]
    elif isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise InputRecordError(
            f"found {type(document).__name__}",
            source=source,
            expected='a record, an array of records, or {"opportunities": [...]}',
        )
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise InputRecordError(
                f"found {type(item).__name__}",
                source=source,
                record=f"#{index + 1}",
                expected="a JSON object",
            )
    return document


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _expected(error: jsonschema.ValidationError) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "format":
        return str(schema.get("description", f"a {error.validator_value}"))
    if error.validator == "type":
        kinds = error.validator_value
        names = kinds if isinstance(kinds, list) else [kinds]
        return " or ".join(f"{'an' if str(k)[0] in 'aeiou' else 'a'} {k}" for k in names)
    if error.validator == "enum":
        return "one of " + ", ".join(str(v) for v in error.validator_value)  # type: ignore[union-attr]
    return None


def _defaults(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        name: spec["default"]
        for name, spec in properties.items()
        if isinstance(spec, dict) and "default" in spec
    }


def field_names(context: dict[str, Any]) -> dict[str, str]:
    """Property IRI -> the plain JSON field that holds it, read from the JSON-LD context."""
    top = context["@context"]
    prefixes = {k: v for k, v in top.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    names: dict[str, str] = {}

    def walk(terms: dict[str, Any]) -> None:
        for term, spec in terms.items():
            iri = spec.get("@id") if isinstance(spec, dict) else spec
            if term in prefixes or not isinstance(iri, str) or iri.startswith("@"):
                continue
            prefix, _, local = iri.partition(":")
            names.setdefault(prefixes[prefix] + local if prefix in prefixes else iri, term)
            if isinstance(spec, dict) and isinstance(spec.get("@context"), dict):
                walk(spec["@context"])

    walk(top)
    return names


class RecordReader:
    """Reads plain JSON records into RDF; built once from the data files and the methodology."""

    def __init__(
        self, schema: dict[str, Any], context: dict[str, Any], terms: TermIndex, namespace: str
    ) -> None:
        jsonschema.Draft202012Validator.check_schema(schema)
        self._validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.FormatChecker()
        )
        self.context = context
        self._schema = schema
        # (class, name) -> the individual it names, or None: see _reference.
        self._found: dict[tuple[URIRef, str | int], URIRef | None] = {}
        # Property IRI -> the JSON field holding it, for reports.
        self.field_names = field_names(context)
        # The fields an importer (CSV, OData) may fill, read from the same schema.
        self.contract = Contract.from_schema(schema)
        self._terms = terms
        self.namespace = namespace
        self._defaults = _defaults(schema["properties"])
        self._milestone_defaults = _defaults(
            schema["properties"]["milestones"]["items"]["properties"]
        )

    @classmethod
    def load(cls, ontology_dir: Path, terms: TermIndex, namespace: str) -> RecordReader:
        schema_path = ontology_dir / SCHEMA_FILE
        schema = _load_json(schema_path)
        context = _load_json(ontology_dir / CONTEXT_FILE)
        try:
            return cls(schema, context, terms, namespace)
        except jsonschema.SchemaError as exc:
            raise DataFileError(schema_path, f"not a valid JSON Schema: {exc.message}") from exc

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON Schema records are checked against (for readers that compile it again)."""
        return self._schema

    @property
    def format_checker(self) -> jsonschema.FormatChecker:
        """The checks of ``format`` (dates) :meth:`check` applies: the contract for formats."""
        checker = self._validator.format_checker
        assert checker is not None  # given in __init__
        return checker

    # --- step 1: structure -----------------------------------------------------------------

    def check(self, record: Record, source: str, index: int) -> list[str]:
        """Raise on the first structural error of ``record``; return its warnings."""
        label = record.get("id") if isinstance(record.get("id"), str) else f"#{index + 1}"
        warnings = []
        errors = sorted(self._validator.iter_errors(record), key=lambda e: list(e.path))
        for error in errors:
            where = _path(error.absolute_path)
            if error.validator == "additionalProperties":
                known = (
                    set(error.schema.get("properties", {}))
                    if isinstance(error.schema, dict)
                    else set()
                )
                for name in sorted(set(error.instance) - known):
                    name_path = f"{where}.{name}" if where else name
                    warnings.append(
                        f"{source}: record {label!r}: unknown field {name_path!r} was ignored"
                    )
                continue
            found = json.dumps(error.instance) if error.validator != "required" else None
            raise InputRecordError(
                f"{found} is not valid" if found is not None else error.message,
                source=source,
                record=str(label),
                field=where or None,
                expected=_expected(error),
            )
        return warnings

    # --- step 2: references ----------------------------------------------------------------

    def iri(self, *path: str) -> str:
        """The IRI minted for a record's id: ``<namespace>opportunity/OPP-1`` and so on. An
        id that is already an http(s) or urn IRI (JSON-LD written under the published
        context) is kept as it is."""
        if path and _ABSOLUTE.match(path[-1]):
            return path[-1]
        return self.namespace + "/".join(
            part if isinstance(part, str) and _UNQUOTED.fullmatch(part) else quote(part, safe="")
            for part in path
        )

    def record_id(self, node: object) -> str:
        """The id a record was given, read back from its IRI (or the IRI itself)."""
        text = str(node)
        prefix = self.iri("opportunity", "")
        return unquote(text[len(prefix) :]) if text.startswith(prefix) else text

    def _reference(self, klass: URIRef, value: object) -> object:
        # Records name the same few stages and roles over and over: each lookup is made once.
        # Only str and int names are remembered (True and 1.0 equal 1 but name no stage).
        key = (klass, value) if type(value) is str or type(value) is int else None
        if key is not None and key in self._found:
            found = self._found[key]
        else:
            found = self._terms.find(klass, value)
            if key is not None and len(self._found) < _REMEMBERED:
                self._found[key] = found
        # Unknown: kept as a plain value, for the shapes to report.
        return str(found) if found is not None else {"@value": str(value)}

    def _person(self, person: Record) -> Record:
        node: Record = {"id": self.iri("person", person["id"])}
        if "name" in person:
            node["name"] = person["name"]
        if "role" in person:
            node["role"] = self._reference(_ROLE, person["role"])
        return node

    def _known(self, record: Record, keys: Iterable[str]) -> Record:
        return {key: record[key] for key in keys if key in record}

    def normalize(self, record: Record, source: str) -> Record:
        """The record as a JSON-LD node (under the published context)."""
        props: dict[str, Any] = self._schema["properties"]
        node: Record = {**self._defaults, **self._known(record, props)}
        node.pop("@context", None)
        if "qualification" in record:
            node["qualification"] = self._known(
                record["qualification"], props["qualification"]["properties"]
            )
        opportunity = record["id"]
        node["id"] = self.iri("opportunity", opportunity)
        if "stage" in record:
            node["stage"] = self._reference(_STAGE, record["stage"])
        if "stageHistory" in record:
            node["stageHistory"] = [
                {"stage": self._reference(_STAGE, e["stage"]), "enteredOn": e["enteredOn"]}
                for e in record["stageHistory"]
            ]
        if "owner" in record:
            node["owner"] = self._person(record["owner"])
        milestone_keys = props["milestones"]["items"]["properties"]
        node["milestones"] = []
        seen: set[str] = set()
        for index, milestone in enumerate(record.get("milestones", [])):
            if milestone["id"] in seen:
                raise InputRecordError(
                    f"milestone {milestone['id']!r} appears twice",
                    source=source,
                    record=opportunity,
                    field=f"milestones[{index}].id",
                    expected="one entry per milestone id",
                )
            seen.add(milestone["id"])
            item = {**self._milestone_defaults, **self._known(milestone, milestone_keys)}
            if "estValue" in item:
                item["estValue"] = _decimal(item["estValue"])
            item["id"] = self.iri("opportunity", opportunity, "milestone", milestone["id"])
            if "owner" in milestone:
                item["owner"] = self._person(milestone["owner"])
            node["milestones"].append(item)
        handoff_keys = props["handoffs"]["items"]["properties"]
        node["handoffs"] = []
        for index, handoff in enumerate(record.get("handoffs", [])):
            item = self._known(handoff, handoff_keys)
            found = self._terms.find(_HANDOFF, handoff["kind"])
            if found is None:
                raise InputRecordError(
                    f"unknown handoff kind {handoff['kind']!r}",
                    source=source,
                    record=opportunity,
                    field=f"handoffs[{index}].kind",
                    expected="one of " + ", ".join(self._terms.all_codes(_HANDOFF)),
                )
            item["kind"] = str(found)
            if "agreedMilestoneValue" in item:
                item["agreedMilestoneValue"] = _decimal(item["agreedMilestoneValue"])
            item["participants"] = [self._person(p) for p in handoff.get("participants", [])]
            node["handoffs"].append(item)
        return node

    # --- step 3: meaning -------------------------------------------------------------------

    def read(self, records: list[Record], source: str) -> RecordBatch:
        """Check and load ``records`` into one graph; nothing is loaded if one is unreadable."""
        batch = RecordBatch(graph=Graph())
        nodes = []
        seen: set[str] = set()
        for index, record in enumerate(records):
            batch.warnings += self.check(record, source, index)
            if record["id"] in seen:
                raise InputRecordError(
                    "appears twice",
                    source=source,
                    record=record["id"],
                    field="id",
                    expected="one record per opportunity id",
                )
            seen.add(record["id"])
            batch.ids.append(record["id"])
            nodes.append(self.normalize(record, source))
        document = {"@context": self.context["@context"], "@graph": nodes}
        batch.graph.parse(data=json.dumps(document), format="json-ld")
        return batch
