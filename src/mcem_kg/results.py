"""Query results in the formats users ask for.

``json`` is SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/) and
``csv`` SPARQL 1.1 Query Results CSV (https://www.w3.org/TR/sparql11-results-csv-tsv/), both
written by rdflib; ``table`` is for a person at a terminal.
"""

from __future__ import annotations

from enum import StrEnum

from rdflib import URIRef
from rdflib.namespace import NamespaceManager
from rdflib.query import Result, ResultRow
from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text


class ResultFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def serialize(result: Result, fmt: ResultFormat) -> str:
    """The result as text in a machine-readable format (not ``table``)."""
    if fmt is ResultFormat.TABLE:
        raise ValueError("a table is rendered (see render), not serialized")
    data = result.serialize(format=fmt.value)
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


# Narrower than this per column, a table folds every word; one block per row reads better.
MIN_COLUMN_WIDTH = 12


def rows(result: Result) -> list[ResultRow]:
    """The rows of a SELECT result (iterating a Result is typed for every query form)."""
    return [row for row in result if isinstance(row, ResultRow)]


def cells(result: Result, namespaces: NamespaceManager) -> list[list[str]]:
    """Result values as text; IRIs shortened with the ontology's prefixes."""
    return [
        ["" if v is None else v.n3(namespaces) if isinstance(v, URIRef) else str(v) for v in row]
        for row in rows(result)
    ]


def to_table(result: Result, namespaces: NamespaceManager, title: str | None = None) -> Table:
    """The result as a rich table, one row per solution."""
    table = Table(title=title)
    for variable in result.vars or []:
        table.add_column(str(variable), overflow="fold")
    for row in cells(result, namespaces):
        table.add_row(*row)
    return table


def to_records(result: Result, namespaces: NamespaceManager, title: str | None = None) -> Group:
    """The result as one block of ``name  value`` lines per solution, for wide results."""
    names = [str(v) for v in result.vars or []]
    blocks: list[RenderableType] = [Rule(title or "")]
    for number, row in enumerate(cells(result, namespaces), start=1):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(overflow="fold")
        for name, value in zip(names, row, strict=True):
            if value:
                grid.add_row(name, value)
        blocks += [Text(f"#{number}", style="dim"), grid]
    return Group(*blocks)


def render(
    result: Result, namespaces: NamespaceManager, width: int, title: str | None = None
) -> RenderableType:
    """A table when its columns fit in ``width``, else one block per solution."""
    if len(result.vars or []) * MIN_COLUMN_WIDTH <= width:
        return to_table(result, namespaces, title)
    return to_records(result, namespaces, title)
