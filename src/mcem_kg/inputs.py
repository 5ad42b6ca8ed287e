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
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

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
    lines = [line for line in text.lstrip().splitlines() if not line.startswith("#")]
    start = "\n".join(lines).lstrip()[:200]
    if start.startswith(("{", "[")):
        return InputFormat.JSON
    if start.startswith("<?xml") or start.startswith("<rdf:RDF"):
        return InputFormat.RDFXML
    if start.startswith(("@prefix", "PREFIX", "@base", "BASE")):
        return InputFormat.TURTLE
    if start.startswith(("<", "_:")) and start.split("\n", 1)[0].rstrip().endswith("."):
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
        with too_deep(sources):
            return self.merge(*self.split(sources))

    def split(
        self, sources: Sequence[Source]
    ) -> tuple[list[tuple[str, list[dict[str, Any]]]], list[tuple[str, Graph]]]:
        """The sources as plain records (JSON, CSV and OData, mapped) and RDF graphs, by
        source name, not yet read into RDF."""
        plain: list[tuple[str, list[dict[str, Any]]]] = []
        odata: list[tuple[str, object]] = []
        rdf: list[tuple[str, Graph]] = []
        for source in sources:
            kind = source.format or sniff(source.text)
            if kind == InputFormat.CSV:
                records = read_csv(source.text, source=source.name, mapping=self.csv)
                plain.append((source.name, records))
            elif kind in {InputFormat.JSON, InputFormat.JSONLD}:
                document = _json(source)
                if is_odata(document, self.odata):
                    odata.append((source.name, document))
                elif self._is_plain(document) and not _expanded(source, document):
                    plain.append((source.name, unwrap(document, source.name)))
                else:
                    rdf.append((source.name, self._parse_jsonld(source, document)))
            else:
                rdf.append((source.name, self._parse_rdf(source, kind)))
        if odata:
            names = ", ".join(name for name, _ in odata)
            plain.append((names, read_odata(odata, mapping=self.odata)))
        return plain, rdf

    def _is_plain(self, document: object) -> bool:
        """Plain JSON (the README's format): no JSON-LD context but the published one."""
        published = (CONTEXT_URL, self.records.context, self.records.context["@context"])
        return all(context in published for context in _contexts(document))

    def _parse_jsonld(self, source: Source, document: object) -> Graph:
        """JSON-LD, with the published context put in place wherever it is named; any other
        remote context is refused, because nothing is downloaded while reading."""

        def local(node: object) -> object:
            if isinstance(node, list):
                return [local(item) for item in node]
            if not isinstance(node, dict):
                return node
            result = {key: local(value) for key, value in node.items() if key != "@context"}
            if "@context" in node:
                result["@context"] = context(node["@context"])
            return result

        def refuse(what: str) -> InputRecordError:
            return InputRecordError(
                f"{what} is not fetched: nothing is downloaded or read from disk",
                source=source.name,
                expected=f"inline contexts, or {CONTEXT_URL}",
            )

        def context(value: object) -> object:
            if value == CONTEXT_URL:
                return self.records.context["@context"]
            if isinstance(value, list):
                return [context(item) for item in value]
            if isinstance(value, str):
                raise refuse(f"remote @context {value!r}")
            if isinstance(value, dict):
                if "@import" in value:
                    raise refuse(f"@import {value['@import']!r}")
                # A term's scoped context may name a remote context too.
                return {key: term(definition) for key, definition in value.items()}
            return value

        def term(definition: object) -> object:
            if isinstance(definition, dict) and "@context" in definition:
                return {**definition, "@context": context(definition["@context"])}
            return definition

        text = json.dumps(local(document))
        return self._parse_rdf(Source(source.name, text), InputFormat.JSONLD)

    def _parse_rdf(self, source: Source, kind: InputFormat) -> Graph:
        """RDF; relative IRIs resolve against the data namespace, never a local path."""
        graph = Graph()
        try:
            graph.parse(data=source.text, format=RDF_PARSERS[kind], publicID=self.records.namespace)
        except Exception as exc:  # rdflib's parsers raise many kinds; each names the place
            # One line, without the parser's echo of the raw input.
            message = " ".join(str(exc).split()).split(" at ^ in:")[0]
            raise InputRecordError(
                f"not valid {kind.value.upper()}: {message}", source=source.name
            ) from exc
        return graph

    def merge(
        self, plain: list[tuple[str, list[dict[str, Any]]]], rdf: list[tuple[str, Graph]]
    ) -> RecordBatch:
        batch = RecordBatch(graph=Graph())
        parts = [(name, self.records.read(records, name)) for name, records in plain]
        graphs = [(name, part.graph) for name, part in parts] + rdf
        seen: dict[str, str] = {}
        for name, graph in graphs:
            # The same record twice (two files, two forms) would be judged as one record
            # with two owners; it is refused instead.
            for subject in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}):
                if str(subject) in seen:
                    raise InputRecordError(
                        f"{self.records.record_id(subject)!r} appears in {seen[str(subject)]} too",
                        source=name,
                        expected="each record once",
                    )
                seen[str(subject)] = name
            batch.graph += graph
        for _name, part in parts:
            batch.ids += part.ids
            batch.warnings += part.warnings
        return batch


@contextmanager
def too_deep(sources: Sequence[Source]) -> Iterator[None]:
    """JSON that json.loads still takes (up to ~990 levels) can be too deep for the walks
    after it; no record is that deep, and the input is refused as unreadable."""
    try:
        yield
    except RecursionError as exc:
        names = ", ".join(source.name for source in sources)
        raise InputRecordError("not readable: nested too deeply", source=names) from exc


def _expanded(source: Source, document: object) -> bool:
    """Declared JSON-LD without any context: expanded JSON-LD (what the service answers for
    ``application/ld+json``), read as JSON-LD rather than as plain records."""
    return source.format == InputFormat.JSONLD and not _contexts(document)


def _contexts(node: object) -> list[object]:
    """Every @context value of a JSON document, at any depth."""
    if isinstance(node, list):
        return [c for item in node for c in _contexts(item)]
    if not isinstance(node, dict):
        return []
    found = [node["@context"]] if "@context" in node else []
    return found + [c for key, value in node.items() if key != "@context" for c in _contexts(value)]


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def _json(source: Source) -> object:
    try:
        return json.loads(source.text, parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise InputRecordError(
            f"not valid JSON: {exc.msg} (column {exc.colno})", source=source.name, line=exc.lineno
        ) from exc
    except ValueError as exc:
        raise InputRecordError(f"not valid JSON: {exc}", source=source.name) from exc
    except RecursionError as exc:
        raise InputRecordError("not readable JSON: nested too deeply", source=source.name) from exc
