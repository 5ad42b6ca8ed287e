"""Helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Callable

from rdflib.query import Result

Row = dict[str, str | None]
Ask = Callable[..., list[Row]]


def as_rows(result: Result) -> list[Row]:
    """Result rows as dicts of plain strings (None where unbound)."""
    names = [str(v) for v in result.vars or []]
    rows: list[Row] = []
    for row in result:
        values = list(row)  # type: ignore[arg-type]
        rows.append({n: None if v is None else str(v) for n, v in zip(names, values, strict=True)})
    return rows
