"""The ``mcem`` command line.

Every error mcem-kg raises on purpose, and every usage error (unknown command, bad option
value), ends the command with one line ``mcem: error: ...`` on stderr and exit status 2;
anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from mcem_kg.errors import InvalidInputError, McemError
from mcem_kg.graph import KnowledgeGraph
from mcem_kg.methodology import RdfFormat, load_methodology
from mcem_kg.queries import NamedQuery, QueryRegistry
from mcem_kg.results import ResultFormat, render, serialize
from mcem_kg.settings import Settings

USAGE_ERROR = 2


def _fail(message: str) -> None:
    typer.echo(f"mcem: error: {message}", err=True)


class _OneLineErrors(TyperGroup):
    """Reports typer's usage errors in one line, as mcem-kg's own errors are."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.TyperException as exc:
            _fail(f"{exc.format_message()} (see 'mcem --help')")
            code = USAGE_ERROR
        except typer.Abort:
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="mcem",
    help="The Microsoft Customer Engagement Methodology (MCEM) as a knowledge graph.",
    cls=_OneLineErrors,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn an mcem-kg error into one line on stderr and exit status 2."""
    try:
        yield
    except McemError as exc:
        _fail(str(exc))
        raise typer.Exit(USAGE_ERROR) from exc


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["stage=2", "role=AE"]`` as a mapping; each name at most once."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidInputError(f"--param {pair!r}: expected NAME=VALUE, e.g. --param stage=2")
        if name in params:
            raise InvalidInputError(f"--param {name!r} is given twice")
        params[name] = value
    return params


def _signature(query: NamedQuery) -> str:
    return (
        ", ".join(f"{p.name}{'' if p.required else '?'} ({p.type})" for p in query.parameters)
        or "-"
    )


@app.command("queries")
def list_queries() -> None:
    """List the named queries: names, summaries and parameters."""
    with _reported():
        registry = QueryRegistry.scan(Settings.from_env().queries_dir)
    queries = Table("query", "summary", "parameters", title="Named queries")
    parameters = Table("query", "parameter", "type", "required", "description", title="Parameters")
    for query in registry:
        queries.add_row(query.name, query.summary, _signature(query))
        for p in query.parameters:
            parameters.add_row(
                query.name, p.name, p.type, "yes" if p.required else "no", p.description
            )
    console = Console()
    console.print(queries)
    console.print(parameters)


@app.command("query")
def run_query(
    name: Annotated[str, typer.Argument(help="Name of the query (see `mcem queries`).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as NAME=VALUE; repeat for more."),
    ] = None,
    fmt: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ResultFormat.TABLE,
) -> None:
    """Run a named query and print its results."""
    with _reported():
        params = parse_params(param or [])
        kg = KnowledgeGraph.load(Settings.from_env())
        result = kg.query(name, params)
    if fmt is ResultFormat.TABLE:
        console = Console()
        namespaces = kg.methodology.asserted.namespace_manager
        summary = kg.queries.get(name).summary
        console.print(render(result, namespaces, console.width, title=summary))
        if not result.bindings:
            typer.echo("(no rows match)", err=True)
    else:
        typer.echo(serialize(result, fmt), nl=False)


@app.command("ontology")
def show_ontology(
    fmt: Annotated[
        RdfFormat, typer.Option("--format", "-f", help="RDF serialization.")
    ] = RdfFormat.TURTLE,
    inferred: Annotated[
        bool, typer.Option("--inferred", help="Include the OWL 2 RL closure.")
    ] = False,
) -> None:
    """Print the ontology (asserted triples; with --inferred, also the closure)."""
    with _reported():
        methodology = load_methodology(Settings.from_env().ontology_dir)
    typer.echo(methodology.serialize(fmt, include_inferred=inferred), nl=False)


def main() -> None:
    # rdflib logs, with tracebacks, what our own checks report as one-line errors
    # (ill-typed literals, malformed IRIs).
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    app()
