"""Benchmark: one record validated warm, in-process (issue: validation, speed target 5 ms).

Prints one table: median and p90 over N runs for each record of tests/data/forms/pipeline.json
and the examples, measured side by side in one run:

- read: plain JSON record -> RDF (schema check, references, JSON-LD context)
- validate: derived facts + pySHACL + report, with each SPARQL text prepared and checked once
  (src/mcem_kg/sparql_cache.py)
- validate, stock: the same with rdflib's and pySHACL's own behaviour (every query text parsed
  and checked anew for each focus node)

Run: make bench  (or .venv/bin/python bench/validate_one.py [RUNS])
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mcem_kg import sparql_cache
from mcem_kg.records import unwrap
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 24)


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    validator = OpportunityValidator.load(Settings.defaults())
    records = []
    for path in (ROOT / "tests/data/forms/pipeline.json", ROOT / "examples/pipeline.json"):
        records += unwrap(json.loads(path.read_text()), path.name)
    table = Table(
        "record",
        "stage",
        "triples",
        "read ms",
        "validate ms",
        "validate ms, stock",
        "stock / cached",
        title=f"One record, warm, in-process: median (p90) of {runs} runs, as of {AS_OF}",
    )
    medians: dict[str, list[float]] = {"read": [], "cached": [], "stock": []}
    for record in records:
        batch = validator.reader.read([record], "bench")
        read = timed(lambda r=record: validator.reader.read([r], "bench"), runs)
        sparql_cache.install()
        validator.validate(batch, AS_OF)
        cached = timed(lambda b=batch: validator.validate(b, AS_OF), runs)
        sparql_cache.uninstall()
        stock = timed(lambda b=batch: validator.validate(b, AS_OF), runs)
        sparql_cache.install()
        for key, value in (("read", read), ("cached", cached), ("stock", stock)):
            medians[key].append(value[0])
        table.add_row(
            str(record["id"]),
            str(record.get("stage", "?")),
            str(len(batch.graph)),
            f"{read[0]:.1f} ({read[1]:.1f})",
            f"{cached[0]:.1f} ({cached[1]:.1f})",
            f"{stock[0]:.1f} ({stock[1]:.1f})",
            f"{stock[0] / cached[0]:.2f}",
        )
    table.add_section()
    table.add_row(
        "median of records",
        "",
        "",
        f"{statistics.median(medians['read']):.1f}",
        f"{statistics.median(medians['cached']):.1f}",
        f"{statistics.median(medians['stock']):.1f}",
        f"{statistics.median(medians['stock']) / statistics.median(medians['cached']):.2f}",
    )
    console = Console(width=140)
    console.print(table)
    console.print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, {platform.system()}; target: validate <= 5 ms"
    )


if __name__ == "__main__":
    main()
