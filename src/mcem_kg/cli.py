"""The ``mcem`` command line.

Every error mcem-kg raises on purpose, and every usage error (unknown command, bad option
value), ends the command with one line ``mcem: error: ...`` on stderr and exit status 2;
anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import progress
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from mcem_kg.bulk_import import Progress, import_files
from mcem_kg.errors import InputRecordError, InvalidInputError, McemError
from mcem_kg.generate import generate, write_manifest, write_pipeline
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.graph import KnowledgeGraph
from mcem_kg.inputs import InputReader, Source
from mcem_kg.methodology import RdfFormat, load_methodology
from mcem_kg.queries import NamedQuery, QueryRegistry
from mcem_kg.report import render_text
from mcem_kg.results import ResultFormat, render, serialize
from mcem_kg.scratch import validate_sources
from mcem_kg.settings import Settings
from mcem_kg.store.layout import GraphNames
from mcem_kg.validation import OpportunityValidator, today

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


class Engine(StrEnum):
    AUTO = "auto"
    STORE = "store"
    PYSHACL = "pyshacl"


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    TURTLE = "turtle"


@app.command("validate")
def validate_files(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Opportunity data: .json, .jsonld, .ttl, .nt, .rdf, .csv, OData .json."
        ),
    ],
    *,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Judge as of this day, YYYY-MM-DD (default: today, UTC)."),
    ] = None,
    to_stage: Annotated[
        str | None,
        typer.Option("--to-stage", help="Gate check: judge as if moved to this stage today."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Report format.")
    ] = ReportFormat.TEXT,
    holidays: Annotated[
        str | None,
        typer.Option(
            "--holidays",
            help="Holidays for business days: a country code (US, DE) or a file of dates.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="store: the shapes compiled to SPARQL, in an in-memory store (fast, for "
            "large files); pyshacl: pySHACL, the reference; auto: store, but pySHACL for a "
            "gate check.",
        ),
    ] = Engine.AUTO,
) -> None:
    """Validate opportunity records against the methodology.

    Exit status: 0 no violation, 1 violations found, 2 unreadable input.
    """
    with _reported():
        day = _date(as_of) if as_of is not None else None
        settings = Settings.from_env()
        if holidays is not None:
            settings = replace(settings, holidays=holidays)
        validator = OpportunityValidator.load(settings)
        inputs = InputReader.load(validator.reader, settings.mappings_dir)
        sources = [Source.from_path(path) for path in files]
        if engine is Engine.STORE and to_stage is not None:
            raise InvalidInputError("--to-stage needs --engine pyshacl (or auto)")
        if engine is Engine.PYSHACL or to_stage is not None:
            report = validator.validate(inputs.read(sources), day, to_stage)
        else:
            names = GraphNames.under(settings.graph_namespace)
            report = validate_sources(validator, inputs, sources, day, names=names)
        if not report.opportunities:
            raise InputRecordError(
                "no opportunity found",
                source=", ".join(map(str, files)),
                expected="at least one record (in RDF: a subject of mcem:currentStage, or an "
                "instance of mcem:Opportunity or a subclass)",
            )
    for warning in report.warnings:
        typer.echo(f"mcem: warning: {warning}", err=True)
    if fmt is ReportFormat.JSON:
        typer.echo(json.dumps(report.to_json(), indent=2))
    elif fmt is ReportFormat.TURTLE:
        typer.echo(report.graph.serialize(format="turtle"), nl=False)
    else:
        typer.echo(render_text(report), nl=False)
    raise typer.Exit(0 if report.conforms else 1)


@app.command("generate")
def generate_pipeline(
    *,
    opportunities: Annotated[
        int, typer.Option("--opportunities", "-n", min=1, help="How many records.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON file to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same file.")] = 1,
    violations: Annotated[
        float,
        typer.Option(
            "--violations", min=0.0, max=1.0, help="Share of records with one injected violation."
        ),
    ] = 0.2,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The day the pipeline is current on (default: today, UTC)."),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Also write which rule each record breaks.")
    ] = None,
) -> None:
    """Write a realistic, reproducible pipeline in the plain JSON format."""
    with _reported():
        pipeline = generate(
            opportunities,
            seed=seed,
            violation_rate=violations,
            as_of=_date(as_of) if as_of is not None else today(),
            facts=PipelineFacts.read(OpportunityValidator.load(Settings.from_env())),
        )
        try:
            write_pipeline(pipeline, out)
            if manifest is not None:
                write_manifest(pipeline, manifest)
        except OSError as exc:
            raise InvalidInputError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    broken = sum(1 for rules in pipeline.injected.values() if rules)
    written = len(pipeline.records)
    typer.echo(f"wrote {written} opportunities to {out} ({broken} with an injected violation)")


@app.command("import")
def import_records(
    files: Annotated[list[Path], typer.Argument(help="Plain JSON records (.json) to store.")],
    store: Annotated[
        Path,
        typer.Option("--store", help="Folder of the on-disk store [default: var/store]."),
    ] = Path("var/store"),
) -> None:
    """Store many records at once, at the store's bulk speed (see the README, "Bulk import").

    Every record is checked before anything is written; an unreadable one writes nothing.
    The service must not be running on the same store.
    """
    with _reported(), _progress_bar() as progress:
        settings = replace(Settings.from_env(), store_dir=store)
        imported = import_files(settings, files, progress)
    for warning in imported.warnings:
        typer.echo(f"mcem: warning: {warning}", err=True)
    typer.echo(
        f"stored {len(imported.ids)} opportunities in {store} "
        f"({imported.replaced} replaced, {len(imported.ids) - imported.replaced} new)"
    )


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on [default: 8000].")
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Folder of the on-disk store [default: var/store]."),
    ] = None,
    memory: Annotated[
        bool, typer.Option("--memory", help="Keep the store only while the service runs.")
    ] = False,
    seed: Annotated[
        list[Path] | None,
        typer.Option("--seed", help="Records to load into a new store; repeat for more."),
    ] = None,
) -> None:
    """Serve the SPARQL endpoint, Graph Store, named queries and validation over HTTP.

    Every setting can also come from the environment (MCEM_TOKEN, MCEM_QUERY_TIMEOUT, ...;
    see the README); options given here win.
    """
    # The service's modules load only for this command, so the others start fast.
    import uvicorn  # noqa: PLC0415

    from mcem_kg.service import create_app  # noqa: PLC0415

    with _reported():
        if store is not None and memory:
            raise InvalidInputError("--store and --memory exclude each other; give one")
        settings = Settings.from_env()
        overrides: dict[str, Any] = {"host": host, "port": port, "store_dir": store}
        overrides["seed_files"] = tuple(seed) if seed else None
        overrides["memory"] = True if memory else None
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
        application = create_app(settings)
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="info")


@contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A progress bar on stderr for each step (reading, loading), shown on a terminal only."""
    console = Console(stderr=True)
    with progress.Progress(
        progress.TextColumn("{task.description:<8}"),
        progress.BarColumn(),
        progress.MofNCompleteColumn(),
        progress.TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, progress.TaskID] = {}

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield advance


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"--as-of {value!r}: expected a date YYYY-MM-DD") from exc


def main() -> None:
    # rdflib logs, with tracebacks, what our own checks report as one-line errors
    # (ill-typed literals, malformed IRIs).
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    app()
