"""Query results in the formats users ask for.

``json`` is SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/) and
``csv`` SPARQL 1.1 Query Results CSV (https://www.w3.org/TR/sparql11-results-csv-tsv/), both
written by rdflib; ``table`` is for a person at a terminal.
"""

from __future__ import annotations

from enum import StrEnum

from rdflib import URIRef
from rdflib.namespace import NamespaceManager
from rdflib.query import Result
from rich.table import Table


class ResultFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def serialize(result: Result, fmt: ResultFormat) -> str:
    """The result as text in a machine-readable format (not ``table``)."""
    if fmt is ResultFormat.TABLE:
        raise ValueError("a table is rendered with to_table, not serialized")
    data = result.serialize(format=fmt.value)
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def to_table(result: Result, namespaces: NamespaceManager, title: str | None = None) -> Table:
    """The result as a rich table; IRIs are shortened with the ontology's prefixes."""
    variables = result.vars or []
    table = Table(title=title, show_lines=False)
    for variable in variables:
        table.add_column(str(variable), overflow="fold")
    for row in result:
        cells = []
        for value in row:  # type: ignore[union-attr]
            if value is None:
                cells.append("")
            elif isinstance(value, URIRef):
                cells.append(value.n3(namespaces))
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table
