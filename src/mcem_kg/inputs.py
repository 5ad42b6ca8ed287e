"""Reading opportunity data in any supported format into one batch of records.

The format is told by the file's extension, else by its content:

============  ==========================================================================
plain JSON    ``.json``: one record, an array, or ``{"opportunities": [...]}``
OData JSON    ``.json`` with ``{"value": [...]}`` (a Dynamics 365 / MSX export; the files of
              one export are read together, so milestones find their opportunities)
JSON-LD       ``.jsonld``, or JSON with an ``@context`` other than the published one
Turtle        ``.ttl``; N-Triples ``.nt``; RDF/XML ``.rdf``, ``.owl``, ``.xml``
CSV           ``.csv``: one row per milestone (``mappings/csv.yaml`` names the columns)
============  ==========================================================================

Every format ends as RDF in the ontology's terms, so the shapes judge them all alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from rdflib import Graph

from mcem_kg.errors import InputRecordError
from mcem_kg.importers import (
    CsvMapping,
    ODataMapping,
    is_odata,
    load_csv_mapping,
    load_odata_mapping,
    read_csv,
    read_odata,
)
from mcem_kg.records import RecordBatch, RecordReader, unwrap

CONTEXT_URL = "https://w3id.org/mcem-kg/ontology/context.jsonld"


class InputFormat(StrEnum):
    JSON = "json"
    JSONLD = "jsonld"
    TURTLE = "turtle"
    NTRIPLES = "nt"
    RDFXML = "xml"
    CSV = "csv"


EXTENSIONS = {
    ".json": InputFormat.JSON,
    ".jsonld": InputFormat.JSONLD,
    ".ttl": InputFormat.TURTLE,
    ".nt": InputFormat.NTRIPLES,
    ".rdf": InputFormat.RDFXML,
    ".owl": InputFormat.RDFXML,
    ".xml": InputFormat.RDFXML,
    ".csv": InputFormat.CSV,
}

RDF_PARSERS = {
    InputFormat.JSONLD: "json-ld",
    InputFormat.TURTLE: "turtle",
    InputFormat.NTRIPLES: "nt",
    InputFormat.RDFXML: "xml",
}


def sniff(text: str) -> InputFormat:
    """A format told from content alone (no extension, or an unknown one)."""
    start = text.lstrip()[:200]
    if start.startswith(("{", "[")):
        return InputFormat.JSON
    if start.startswith("<?xml") or start.startswith("<rdf:RDF"):
        return InputFormat.RDFXML
    if start.startswith(("@prefix", "PREFIX", "@base", "BASE")):
        return InputFormat.TURTLE
    if start.startswith("<") and start.split("\n", 1)[0].rstrip().endswith("."):
        return InputFormat.NTRIPLES
    return InputFormat.CSV


@dataclass(frozen=True, slots=True)
class Source:
    """One input: its name (for messages), its text, and its format if known."""

    name: str
    text: str
    format: InputFormat | None = None

    @classmethod
    def from_path(cls, path: Path) -> Source:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputRecordError(f"not UTF-8 text ({exc.reason})", source=str(path)) from exc
        except OSError as exc:
            raise InputRecordError(f"cannot be read: {exc.strerror}", source=str(path)) from exc
        return cls(str(path), text, EXTENSIONS.get(path.suffix.lower()))


class InputReader:
    """Reads sources of any supported format; built once with the mappings."""

    def __init__(self, records: RecordReader, csv: CsvMapping, odata: ODataMapping) -> None:
        self.records = records
        self.csv = csv
        self.odata = odata

    @classmethod
    def load(cls, records: RecordReader, mappings_dir: Path) -> InputReader:
        return cls(
            records,
            load_csv_mapping(mappings_dir / "csv.yaml", contract=records.contract),
            load_odata_mapping(mappings_dir / "msx-odata.yaml", contract=records.contract),
        )

    def read(self, sources: Sequence[Source]) -> RecordBatch:
        """All sources as one batch; nothing is returned if one of them is unreadable."""
        plain: list[tuple[str, list[dict[str, Any]]]] = []
        odata: list[tuple[str, object]] = []
        rdf = Graph()
        for source in sources:
            kind = source.format or sniff(source.text)
            if kind == InputFormat.CSV:
                plain.append(
                    (source.name, read_csv(source.text, source=source.name, mapping=self.csv))
                )
                continue
            if kind == InputFormat.JSON:
                document = _json(source)
                if is_odata(document, self.odata):
                    odata.append((source.name, document))
                elif _is_jsonld(document):
                    self._parse_jsonld(rdf, source, document)
                else:
                    plain.append((source.name, unwrap(document, source.name)))
                continue
            if kind == InputFormat.JSONLD:
                self._parse_jsonld(rdf, source, _json(source))
            else:
                _parse_rdf(rdf, source, kind)
        if odata:
            names = ", ".join(name for name, _ in odata)
            plain.append((names, read_odata(odata, mapping=self.odata)))
        return self._merge(plain, rdf)

    def _parse_jsonld(self, graph: Graph, source: Source, document: object) -> None:
        """JSON-LD, with the published context put in place; other remote contexts are
        refused, because nothing is downloaded while reading."""

        def local(context: object) -> object:
            if context == CONTEXT_URL:
                return self.records.context["@context"]
            if isinstance(context, list):
                return [local(c) for c in context]
            if isinstance(context, str):
                raise InputRecordError(
                    f"remote @context {context!r} is not fetched",
                    source=source.name,
                    expected=f"an inline context, or {CONTEXT_URL}",
                )
            return context

        if isinstance(document, dict) and "@context" in document:
            document = {**document, "@context": local(document["@context"])}
        _parse_rdf(graph, Source(source.name, json.dumps(document)), InputFormat.JSONLD)

    def _merge(self, plain: list[tuple[str, list[dict[str, Any]]]], rdf: Graph) -> RecordBatch:
        batch = RecordBatch(graph=rdf)
        seen: dict[str, str] = {}
        for name, records in plain:
            part = self.records.read(records, name)
            for record_id in part.ids:
                if record_id in seen:
                    raise InputRecordError(
                        f"appears in {seen[record_id]} too",
                        source=name,
                        record=record_id,
                        field="id",
                        expected="one record per opportunity id",
                    )
                seen[record_id] = name
            batch.graph += part.graph
            batch.ids += part.ids
            batch.warnings += part.warnings
        return batch


def _json(source: Source) -> object:
    try:
        return json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise InputRecordError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", source=source.name, line=exc.lineno
        ) from exc


def _is_jsonld(document: object) -> bool:
    """JSON-LD unless its only context is the published one (plain JSON may name it)."""
    if not isinstance(document, dict) or "@context" not in document:
        return isinstance(document, dict) and "@graph" in document
    return bool(document["@context"] != CONTEXT_URL)


def _parse_rdf(graph: Graph, source: Source, kind: InputFormat) -> None:
    try:
        graph.parse(data=source.text, format=RDF_PARSERS[kind])
    except Exception as exc:  # rdflib's parsers raise many kinds; each names the place
        raise InputRecordError(
            f"not valid {kind.value.upper()}: {exc}", source=source.name
        ) from exc
