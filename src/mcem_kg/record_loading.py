"""Plain JSON records made ready for a store's bulk loader, fast enough for 100,000 of them.

:meth:`RecordReader.read <mcem_kg.records.RecordReader.read>` is the reference, but two of its
steps are too slow for a bulk import: the Python ``jsonschema`` check and rdflib's JSON-LD
parser. :class:`FastRecordReader` gives the same triples, errors and warnings by replacing
just those two:

1. Structure: the reader's own schema compiled with ``jsonschema_rs``, given the reader's own
   ``format`` checks (``jsonschema_rs``'s date check accepts year 0000, Python's does not). A
   record it accepts needs nothing more: ``tests/test_record_loading.py`` holds it to never
   accepting what the Python check rejects or warns about. Any other record goes through
   :meth:`RecordReader.check`, whose error or warnings are the contract.
2. Meaning: :meth:`RecordReader.normalize` as it is, the one definition of ids, references
   and defaults.
3. Triples: not parsed here. The records become one JSON-LD document, each in the named graph
   of its opportunity's IRI, which the store's own parser (pyoxigraph) reads to the same
   triples as rdflib. Where that parser would silently drop a node (an id kept as an IRI that
   is not a valid one), the record is refused instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
import orjson
import pyoxigraph

from mcem_kg.errors import InputRecordError
from mcem_kg.records import Record, RecordReader

# Where an id sits in a normalized record: keys and list indexes, e.g. ("owner", "id").
Where = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LoadableBatch:
    """Records ready for a store's bulk loader."""

    jsonld: bytes  # one JSON-LD document (UTF-8): each record in the graph named by its IRI
    ids: list[str]  # the records' ids, in input order
    iris: list[str]  # the opportunities' IRIs (their graphs' names), in the same order
    warnings: list[str]  # what RecordReader.read warns about (unknown fields ignored, ...)


def _conforms(checker: jsonschema.FormatChecker, name: str) -> Callable[[str], bool]:
    """The Python check of format ``name``, for jsonschema_rs to call."""

    def conforms(value: str) -> bool:
        return checker.conforms(value, name)

    return conforms


def _field(where: Where) -> str:
    """``("milestones", 0, "id")`` as the reference names it: ``milestones[0].id``."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _ids(node: Record) -> Iterator[tuple[str, Where]]:
    """Each IRI a normalized record holds as an id, and where: the ids
    :meth:`RecordReader.normalize` mints or keeps (every ``$defs/id`` of the schema)."""
    yield node["id"], ("id",)
    if "owner" in node:
        yield node["owner"]["id"], ("owner", "id")
    for index, milestone in enumerate(node["milestones"]):
        yield milestone["id"], ("milestones", index, "id")
        if "owner" in milestone:
            yield milestone["owner"]["id"], ("milestones", index, "owner", "id")
    for index, handoff in enumerate(node["handoffs"]):
        for number, person in enumerate(handoff["participants"]):
            yield person["id"], ("handoffs", index, "participants", number, "id")


class FastRecordReader:
    """:meth:`RecordReader.read` for bulk loading: the same checks, output for a store."""

    def __init__(self, reader: RecordReader) -> None:
        self._reader = reader
        checker = reader.format_checker
        self._validator = jsonschema_rs.Draft202012Validator(
            reader.schema,
            formats={name: _conforms(checker, name) for name in checker.checkers},
            validate_formats=True,
            offline=True,
        )
        self._context: Any = reader.context["@context"]

    def passes(self, record: Record) -> bool:
        """Whether ``record`` needs no further structure check (no error, no warning).
        A value jsonschema_rs cannot take (not plain JSON) leaves it to the Python check."""
        try:
            return self._validator.is_valid(record)
        except Exception:  # e.g. ValueError: Unsupported type; the reference check decides
            return False

    def read(
        self, records: list[Record], source: str, *, seen: set[str] | None = None, offset: int = 0
    ) -> LoadableBatch:
        """Check and normalize ``records`` as :meth:`RecordReader.read` does; raise
        :class:`InputRecordError` on the first unreadable one, so nothing is loaded then.

        For a big input read in chunks, ``offset`` is the position of ``records[0]`` in the
        whole input (records without an id are named by it) and ``seen`` the ids of the
        chunks before, which this batch's ids join once it is read."""
        earlier: set[str] = seen if seen is not None else set()
        read: set[str] = set()
        ids: list[str] = []
        iris: list[str] = []
        warnings: list[str] = []
        graphs: list[Record] = []
        for position, record in enumerate(records):
            if not self.passes(record):
                warnings += self._reader.check(record, source, offset + position)
            opportunity = record["id"]
            if opportunity in read or opportunity in earlier:
                raise InputRecordError(
                    "appears twice",
                    source=source,
                    record=opportunity,
                    field="id",
                    expected="one record per opportunity id",
                )
            read.add(opportunity)
            node = self._reader.normalize(record, source)
            self._check_iris(node, source, opportunity)
            ids.append(opportunity)
            iris.append(node["id"])
            graphs.append({"@id": node["id"], "@graph": [node]})
        jsonld = self._dumps(graphs, ids, source)
        if seen is not None:
            seen |= read
        return LoadableBatch(jsonld=jsonld, ids=ids, iris=iris, warnings=warnings)

    @staticmethod
    def _check_iris(node: Record, source: str, opportunity: str) -> None:
        """Refuse an id kept as an IRI (``https://``, ``urn:``) that is not a valid one:
        pyoxigraph's JSON-LD parser would silently drop its node, rdflib keeps it."""
        for iri, where in _ids(node):
            try:
                pyoxigraph.NamedNode(iri)
            except ValueError as exc:
                raise InputRecordError(
                    f"{json.dumps(iri)} is not valid ({exc})",
                    source=source,
                    record=opportunity,
                    field=_field(where),
                    expected="a valid IRI, as an id starting with http://, https:// or urn: "
                    "is the IRI itself",
                ) from exc

    def _dumps(self, graphs: list[Record], ids: list[str], source: str) -> bytes:
        """The document; a record orjson cannot write (text with a lone surrogate, which
        UTF-8 cannot hold) is named."""
        try:
            return orjson.dumps({"@context": self._context, "@graph": graphs})
        except orjson.JSONEncodeError:
            for opportunity, graph in zip(ids, graphs, strict=True):
                try:
                    orjson.dumps(graph)
                except orjson.JSONEncodeError as exc:
                    raise InputRecordError(
                        f"cannot be written as UTF-8 JSON: {exc}",
                        source=source,
                        record=opportunity,
                        expected="text of Unicode characters only",
                    ) from exc
            raise
