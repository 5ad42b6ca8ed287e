"""Benchmark: a generated pipeline imported and validated in the store (issue: bulk validation).

For each size (1,000 / 10,000 / 100,000 opportunities by default), in this run:

1. ``mcem generate`` writes the records (cached under ``bench/.cache/pipeline/``, keyed by
   size, seed, share of violations and day; a cached file is said to be used);
2. ``mcem import`` stores them in a fresh, empty on-disk store: wall clock of the command;
3. bulk validation of every stored opportunity by the compiled shapes (the listing included):
   median of ``--runs`` runs, fewer when a run is long (``--budget``), the number of results,
   and the process's peak memory;
4. revalidation of one stored opportunity, as a write triggers it: p50 and p90 over
   ``--samples`` random opportunities, after 3 warm-ups;
5. on the 1,000 set only: stock pySHACL (rdflib's and pySHACL's own SPARQL handling, no
   caches) over one data graph of all the records, their derived facts and the methodology,
   and the reference path (``OpportunityValidator.validate``: pySHACL per opportunity, with
   the cached queries), so that the ratios to the store engine are measured side by side.

Each measurement runs in a process of its own; its peak memory is that process's maximum
resident set (``os.wait4``). The stores are kept under ``bench/.cache/`` for the validation
steps and built afresh by the next run; ``make clean`` removes them.

Run: ``make bench`` (or ``.venv/bin/python bench/pipeline.py [--sizes 1000] [--fresh]``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "pipeline"
AS_OF = date(2026, 11, 24)
SEED = 1
VIOLATIONS = 0.2
STOCK_SIZE = 1_000
WARM_UPS = 3

# The targets, printed beside the measures and never asserted.
TARGET_SIZE = 100_000
TARGET_IMPORT_S = 30.0
TARGET_BULK_S = 15.0
TARGET_PEAK_MB = 2_048.0
TARGET_REVALIDATE_MS = 5.0


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@dataclass(frozen=True, slots=True)
class Finished:
    """A child process's wall time, peak resident set and standard output."""

    seconds: float
    peak_mb: float
    stdout: str


def run_measured(command: list[str]) -> Finished:
    """Run ``command`` to its end; its wall clock, and its own peak memory from ``wait4``
    (not that of any other child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        sys.stderr.write(stderr)
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    # Linux reports ru_maxrss in KiB.
    return Finished(seconds, usage.ru_maxrss / 1024, stdout)


def child(kind: str, *arguments: str) -> dict[str, Any]:
    """One measurement in a process of its own; its answer is the last line it prints."""
    finished = run_measured([sys.executable, str(Path(__file__)), "--child", kind, *arguments])
    answer: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    answer["peak_mb"] = finished.peak_mb
    return answer


def mcem(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "mcem_kg", *arguments]


# --- the steps, in this process ----------------------------------------------------------------


def records_file(size: int, fresh: bool, console: Console) -> Path:
    """The generated records of ``size`` opportunities, from the cache unless ``fresh``."""
    path = CACHE / f"opportunities-{size}-seed{SEED}-v{VIOLATIONS}-{AS_OF}.json"
    if path.exists() and not fresh:
        console.print(f"{size:,}: using the cached records {path.relative_to(ROOT)}")
        return path
    partial = path.with_name(f"{path.stem}.partial.json")
    generated = run_measured(
        mcem(
            "generate",
            *("-n", str(size), "-o", str(partial), "--seed", str(SEED)),
            *("--violations", str(VIOLATIONS), "--as-of", AS_OF.isoformat()),
        )
    )
    partial.replace(path)
    console.print(
        f"{size:,}: generated {path.relative_to(ROOT)} in {generated.seconds:.1f} s "
        "(cached for the next runs)"
    )
    return path


def import_store(size: int, records: Path) -> tuple[Path, Finished]:
    """``mcem import`` of ``records`` into a fresh, empty store."""
    store = CACHE / f"store-{size}"
    shutil.rmtree(store, ignore_errors=True)
    return store, run_measured(mcem("import", str(records), "--store", str(store)))


@dataclass(slots=True)
class Row:
    size: int
    quads: int = 0
    import_s: float = 0.0
    import_mb: float = 0.0
    bulk: list[float] = field(default_factory=list)
    results: int = 0
    listed: int = 0
    bulk_mb: float = 0.0
    loaded_mb: float = 0.0
    revalidate: list[float] = field(default_factory=list)
    stock: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None

    @property
    def bulk_s(self) -> float:
        return statistics.median(self.bulk)


def measure(size: int, args: argparse.Namespace, console: Console) -> Row:
    row = Row(size)
    records = records_file(size, args.fresh, console)
    console.print(f"{size:,}: importing...")
    store, imported = import_store(size, records)
    row.import_s, row.import_mb = imported.seconds, imported.peak_mb
    console.print(f"{size:,}: imported in {imported.seconds:.1f} s; validating in bulk...")
    bulk = child("bulk", str(store), str(args.runs), str(args.budget))
    row.bulk, row.results, row.listed = bulk["seconds"], bulk["results"], bulk["opportunities"]
    row.quads, row.bulk_mb, row.loaded_mb = bulk["quads"], bulk["peak_mb"], bulk["loaded_mb"]
    console.print(f"{size:,}: revalidating single opportunities...")
    row.revalidate = child("revalidate", str(store), str(args.samples))["ms"]
    if size == STOCK_SIZE:
        console.print(f"{size:,}: stock pySHACL over the whole set...")
        row.stock = child("stock", str(records))
        console.print(f"{size:,}: the reference path, pySHACL per opportunity...")
        row.reference = child("reference", str(records))
    return row


def side_by_side(row: Row) -> tuple[str, str, str]:
    """The stock and reference cells of a row, and the ratios to the engine."""
    if row.stock is None or row.reference is None:
        return "", "", ""
    stock, reference = row.stock["seconds"], row.reference["seconds"]
    return (
        f"{stock:.1f} ({row.stock['results']}; {row.stock['peak_mb']:.0f} MB)",
        f"{reference:.1f} ({row.reference['results']}; {row.reference['peak_mb']:.0f} MB)",
        f"{stock / row.bulk_s:,.0f} / {reference / row.bulk_s:,.0f}",
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def targets_line(rows: list[Row]) -> str:
    """The targets, each with the verdict of the largest size measured (the import, bulk
    and memory targets are for 100,000 opportunities)."""
    largest = max(rows, key=lambda r: r.size)
    p50 = statistics.median(largest.revalidate)
    revalidate = (
        f"revalidating one opportunity p50 <= {TARGET_REVALIDATE_MS:.0f} ms "
        f"({largest.size:,}: {p50:.1f} ms, {verdict(p50 <= TARGET_REVALIDATE_MS)})"
    )
    if largest.size != TARGET_SIZE:
        return (
            f"targets (for {TARGET_SIZE:,}; not measured here): import <= "
            f"{TARGET_IMPORT_S:.0f} s, bulk validation <= {TARGET_BULK_S:.0f} s and <= "
            f"{TARGET_PEAK_MB / 1024:.0f} GB peak; {revalidate}"
        )
    return (
        f"targets for {TARGET_SIZE:,}: import <= {TARGET_IMPORT_S:.0f} s "
        f"({verdict(largest.import_s <= TARGET_IMPORT_S)}), bulk validation <= "
        f"{TARGET_BULK_S:.0f} s ({verdict(largest.bulk_s <= TARGET_BULK_S)}) and <= "
        f"{TARGET_PEAK_MB / 1024:.0f} GB peak ({verdict(largest.bulk_mb <= TARGET_PEAK_MB)}); "
        f"{revalidate}"
    )


def report(rows: list[Row], args: argparse.Namespace, console: Console) -> None:
    table = Table(
        "opportunities",
        "quads in store",
        "import s\n(peak MB)",
        "bulk validation s\nmedian (runs)",
        "results",
        "bulk peak MB\n(after load)",
        "revalidate 1\np50 ms (p90)",
        "stock pySHACL s\n(results; peak)",
        "reference s\n(results; peak)",
        "stock / engine\nreference / engine",
        title=f"Pipeline import and validation in the store, as of {AS_OF}",
    )
    for row in rows:
        stock, reference, ratios = side_by_side(row)
        table.add_row(
            f"{row.size:,}" + ("" if row.listed == row.size else f" ({row.listed:,} listed)"),
            f"{row.quads:,}",
            f"{row.import_s:.1f} ({row.import_mb:.0f})",
            f"{row.bulk_s:.2f} ({len(row.bulk)})",
            f"{row.results:,}",
            f"{row.bulk_mb:.0f} ({row.loaded_mb:.0f})",
            f"{statistics.median(row.revalidate):.1f} ({percentile(row.revalidate, 0.9):.1f})",
            stock,
            reference,
            ratios,
        )
    console.print(table)
    runs = "; ".join(
        f"{row.size:,}: " + ", ".join(f"{s:.2f}" for s in row.bulk) + " s" for row in rows
    )
    console.print(
        f"bulk runs in order ({args.runs} unless one run passes {args.budget:.0f} s): {runs}. "
        f"Revalidation: {args.samples} random opportunities, after {WARM_UPS} warm-ups."
    )
    console.print(
        "Import: the whole command's wall clock. Stock and reference: the validation only "
        "(records read and facts derived before)."
    )
    console.print(
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"pySHACL {version('pyshacl')}, rdflib {version('rdflib')}"
    )
    console.print(targets_line(rows))


# --- the children: one measurement each ---------------------------------------------------------


def _pipeline(store_dir: str) -> tuple[Any, Any, Any]:
    from mcem_kg.pipeline import Pipeline  # noqa: PLC0415
    from mcem_kg.settings import Settings  # noqa: PLC0415
    from mcem_kg.store import EmbeddedStore  # noqa: PLC0415
    from mcem_kg.store.layout import GraphNames  # noqa: PLC0415
    from mcem_kg.validation import OpportunityValidator  # noqa: PLC0415

    settings = Settings.from_env()
    validator = OpportunityValidator.load(settings)
    store = EmbeddedStore(Path(store_dir))
    pipeline = Pipeline(store, validator, names=GraphNames.under(settings.graph_namespace))
    return validator, store, pipeline


def child_bulk(store_dir: str, runs: str, budget: str) -> dict[str, Any]:
    """Every stored opportunity validated, ``runs`` times unless a run passes ``budget``
    seconds; the listing of the opportunities runs beside the checks, as the service does."""
    _validator, store, pipeline = _pipeline(store_dir)
    loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds: list[float] = []
    report = None
    for _ in range(int(runs)):
        started = time.perf_counter()
        report = pipeline.engine.validate(store, pipeline.stored_graphs, AS_OF)
        seconds.append(time.perf_counter() - started)
        if seconds[-1] > float(budget):
            break
    assert report is not None
    answer = {
        "seconds": seconds,
        "results": len(report.results),
        "opportunities": len(report.opportunities),
        "quads": store.triple_count(),
        "loaded_mb": loaded_mb,
    }
    store.close()
    return answer


def child_revalidate(store_dir: str, samples: str) -> dict[str, Any]:
    """One stored opportunity validated at a time, as a write triggers it."""
    _validator, store, pipeline = _pipeline(store_dir)
    graphs = pipeline.stored_graphs()
    chosen = random.Random(SEED).sample(graphs, min(len(graphs), WARM_UPS + int(samples)))
    ms = []
    for index, graph in enumerate(chosen):
        started = time.perf_counter()
        pipeline.engine.validate(store, [graph], AS_OF)
        if index >= WARM_UPS:
            ms.append((time.perf_counter() - started) * 1000)
    store.close()
    return {"ms": ms}


def _read(path: str) -> tuple[Any, Any]:
    from mcem_kg.records import unwrap  # noqa: PLC0415
    from mcem_kg.settings import Settings  # noqa: PLC0415
    from mcem_kg.validation import OpportunityValidator  # noqa: PLC0415

    validator = OpportunityValidator.load(Settings.from_env())
    records = unwrap(json.loads(Path(path).read_text()), Path(path).name)
    return validator, validator.reader.read(records, Path(path).name)


def child_stock(path: str) -> dict[str, Any]:
    """pySHACL as it comes, once over all the records, their derived facts and the
    methodology (with its closure), without this project's caches."""
    import pyshacl  # noqa: PLC0415
    from rdflib import Graph  # noqa: PLC0415
    from rdflib.namespace import SH  # noqa: PLC0415

    from mcem_kg import sparql_cache  # noqa: PLC0415

    validator, batch = _read(path)
    context = validator.context
    context.deriver.derive(batch.graph, AS_OF, context.calendar)
    data = Graph()
    data += batch.graph
    data += context.knowledge
    sparql_cache.uninstall()
    started = time.perf_counter()
    _conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=context.shapes.graph,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
    )
    seconds = time.perf_counter() - started
    # Top-level results only (those of sh:node are their sh:detail).
    return {"seconds": seconds, "results": sum(1 for _ in results.objects(None, SH.result))}


def child_reference(path: str) -> dict[str, Any]:
    """The reference path: ``OpportunityValidator.validate``, pySHACL per opportunity with
    the cached queries."""
    validator, batch = _read(path)
    started = time.perf_counter()
    report = validator.validate(batch, AS_OF)
    return {"seconds": time.perf_counter() - started, "results": len(report.results)}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "bulk": child_bulk,
    "revalidate": child_revalidate,
    "stock": child_stock,
    "reference": child_reference,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="comma-separated pipeline sizes (default: 1000,10000,100000)",
    )
    parser.add_argument("--fresh", action="store_true", help="generate the records anew")
    parser.add_argument("--runs", type=int, default=3, help="bulk validation runs (default 3)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="no further bulk run after one longer than this many seconds (default 60)",
    )
    parser.add_argument(
        "--samples", type=int, default=50, help="opportunities revalidated (default 50)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *arguments = args.child
        print(json.dumps(CHILDREN[kind](*arguments)))
        return
    sizes = sorted({int(size.replace("_", "")) for size in args.sizes.split(",")})
    console = Console(width=200)
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = [measure(size, args, console) for size in sizes]
    report(rows, args, console)


if __name__ == "__main__":
    main()
