"""CSV exports: one row per milestone, the opportunity's cells repeated on each of its rows.

The header names come from a :class:`~mcem_kg.importers.mapping.CsvMapping`. The rows of one
opportunity (same opportunity id, in any order) must agree on every opportunity-level cell,
handoff cells included; a row with an empty milestone id carries only opportunity cells, so
an opportunity without milestones is one such row.

Nothing is dropped silently: a header the mapping does not know is an error (a misspelt
column would otherwise read as "not recorded"), and so is any cell that cannot be read. Every
error is an :class:`~mcem_kg.errors.InputRecordError` naming the source, the physical line
(the header is line 1; a row's first line when a quoted cell spans lines), the opportunity
id, the column and what was expected. Empty cells mean "unknown": the field is omitted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mcem_kg.errors import InputRecordError
from mcem_kg.importers.fields import ValueProblem, convert, is_empty, put
from mcem_kg.importers.mapping import CsvMapping, FieldSpec


def read_csv(text: str, *, source: str, mapping: CsvMapping) -> list[dict[str, Any]]:
    """The records of a CSV export, in the order their opportunities first appear."""
    rows = _rows(text, source)
    first = next(rows, None)
    if first is None:
        raise InputRecordError("no header row", source=source, expected="a CSV export")
    reader = _Reader(source, mapping, first[0], first[1])
    for line, cells in rows:
        reader.add(line, cells)
    return [reader.record(group) for group in reader.groups.values()]


def _rows(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the physical line each starts on."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputRecordError(f"not valid CSV: {exc}", source=source, line=start) from exc


@dataclass(slots=True)
class _Group:
    """The rows of one opportunity read so far."""

    line: int
    cells: dict[str, tuple[str, Any]]  # opportunity-level column -> (cell, value)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    milestone_lines: dict[str, int] = field(default_factory=dict)


class _Reader:
    """Checks the header once, then reads rows into opportunity groups."""

    def __init__(self, source: str, mapping: CsvMapping, line: int, header: list[str]) -> None:
        self.source = source
        self.mapping = mapping
        self.header = [name.strip() for name in header]
        self.groups: dict[str, _Group] = {}
        self._check_header(line)
        present = set(self.header)
        self.repeated = [spec for spec in mapping.repeated if spec.source in present]
        self.milestone = [spec for spec in mapping.milestone if spec.source in present]
        self.id_column = mapping.source_of(mapping.opportunity, "id")
        self.milestone_id = mapping.source_of(mapping.milestone, "id")

    def _check_header(self, line: int) -> None:
        mapping = self.mapping
        known = [spec.source for spec in mapping.repeated + mapping.milestone]
        seen: set[str] = set()
        for name in self.header:
            if name in seen:
                raise self.error(line, None, name, "column appears twice", "unique header names")
            seen.add(name)
            if name not in known:
                raise self.error(
                    line,
                    None,
                    name,
                    "unknown column",
                    f"a column of the mapping {mapping.path.name}: {', '.join(known)}",
                )
        id_column = mapping.source_of(mapping.opportunity, "id")
        if id_column not in seen:
            raise self.error(
                line, None, id_column, "no opportunity id column", f"a column {id_column!r}"
            )
        milestone_columns = seen & {spec.source for spec in mapping.milestone}
        milestone_id = mapping.source_of(mapping.milestone, "id")
        if milestone_columns and milestone_id not in seen:
            raise self.error(
                line,
                None,
                milestone_id,
                f"milestone columns {sorted(milestone_columns)} but no milestone id column",
                f"a column {milestone_id!r}",
            )

    def error(
        self, line: int, record: str | None, column: str, message: str, expected: str
    ) -> InputRecordError:
        return InputRecordError(
            message,
            source=self.source,
            line=line,
            record=record,
            field=column,
            expected=expected,
        )

    def value(self, line: int, record: str, spec: FieldSpec, cell: str) -> Any:
        try:
            return convert(cell, spec.field, self.mapping.syntax, spec.values)
        except ValueProblem as problem:
            raise self.error(line, record, spec.source, problem.message, problem.expected) from None

    def add(self, line: int, cells: list[str]) -> None:
        if len(cells) != len(self.header):
            raise InputRecordError(
                f"the row has {len(cells)} cells",
                source=self.source,
                line=line,
                expected=f"{len(self.header)}, one for each header column",
            )
        row = dict(zip(self.header, cells, strict=True))
        record = row[self.id_column].strip()
        if not record:
            raise self.error(
                line, None, self.id_column, "missing opportunity id", "an id on every row"
            )
        group = self.groups.get(record)
        if group is None:
            group = self.groups[record] = _Group(line, {})
        for spec in self.repeated:
            cell = row[spec.source]
            value = self.value(line, record, spec, cell)
            if spec.source not in group.cells:
                group.cells[spec.source] = (cell.strip(), value)
            elif group.cells[spec.source][1] != value:
                raise self.error(
                    line,
                    record,
                    spec.source,
                    f"{cell.strip()!r} differs from {group.cells[spec.source][0]!r} "
                    f"on line {group.line}",
                    "the same opportunity-level value on every row of an opportunity",
                )
        self._add_milestone(line, record, row, group)

    def _add_milestone(self, line: int, record: str, row: dict[str, str], group: _Group) -> None:
        if is_empty(row.get(self.milestone_id)):
            filled = [spec.source for spec in self.milestone if not is_empty(row[spec.source])]
            if filled:
                raise self.error(
                    line,
                    record,
                    filled[0],
                    "a milestone cell on a row without a milestone id",
                    f"a {self.milestone_id} on rows with milestone cells",
                )
            return
        milestone: dict[str, Any] = {}
        for spec in self.milestone:
            value = self.value(line, record, spec, row[spec.source])
            if value is not None:
                put(milestone, spec.target, value)
        first = group.milestone_lines.setdefault(milestone["id"], line)
        if first != line:
            raise self.error(
                line,
                record,
                self.milestone_id,
                f"milestone {milestone['id']!r} is already on line {first}",
                "one row per milestone",
            )
        group.milestones.append(milestone)

    def record(self, group: _Group) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for spec in self.mapping.opportunity:
            value = group.cells.get(spec.source, ("", None))[1]
            if value is not None:
                put(record, spec.target, value)
        handoffs = []
        for handoff in self.mapping.handoffs:
            values = {
                spec.target: group.cells[spec.source][1]
                for spec in handoff.fields
                if group.cells.get(spec.source, ("", None))[1] is not None
            }
            if values:
                handoffs.append({"kind": handoff.kind, **values})
        if handoffs:
            record["handoffs"] = handoffs
        if group.milestones:
            record["milestones"] = group.milestones
        return record
