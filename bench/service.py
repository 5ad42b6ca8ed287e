"""Benchmark: the service through HTTP on loopback (issue: the service, speed targets).

Prints one table, every row measured in this run:

1. ``POST /validate`` of one record (each record of the examples in turn), sequential: median
   and p90 latency; target p50 <= 5 ms.
2. ``POST /validate`` throughput with 8 concurrent clients on one uvicorn worker; target
   >= 200 calls/s. The clients run on the same 2 cores as the server, so this is a floor.
3. The named aggregate query ``pipeline-by-stage`` over a pipeline of 100,000 opportunities
   (100 renamed copies of 1,000 generated ones, one named graph each): through
   ``GET /queries/pipeline-by-stage``, then (the server stopped, as RocksDB admits one
   writer) the same query run directly on a pyoxigraph store of the same folder; medians of
   the runs after a first warm-up run of each; target ratio <= 1.2.

The 100,000-opportunity store is built once under ``bench/.cache/`` (about a minute) and
reused. Run: ``make bench`` (or ``.venv/bin/python bench/service.py [RUNS]``).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from mcem_kg.generate import generate
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.queries import QueryRegistry
from mcem_kg.records import RecordBatch
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator, partition

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
AS_OF = date(2026, 11, 24)
COPIES = 100
GENERATED = 1_000
AGGREGATE = "pipeline-by-stage"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def serve(store: Path, port: int) -> subprocess.Popen[bytes]:
    """``mcem serve`` on ``store``, one worker, waited for until healthy."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mcem_kg", "serve", "--port", str(port), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MCEM_QUERY_TIMEOUT": "120"},
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the service did not start")


def example_records() -> list[bytes]:
    document = json.loads((ROOT / "examples" / "pipeline.json").read_text())
    return [json.dumps(record).encode() for record in document["opportunities"]]


def validate_latency(base: str, records: list[bytes], runs: int) -> list[float]:
    samples = []
    with httpx.Client(base_url=base) as client:
        for _ in range(runs):
            for body in records:
                started = time.perf_counter()
                answer = client.post(
                    f"/validate?asOf={AS_OF}",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                samples.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
    return samples


async def _throughput(base: str, records: list[bytes], seconds: float, clients: int) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def client_loop(index: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base) as client:
            i = index
            while time.perf_counter() < stop:
                answer = await client.post(
                    f"/validate?asOf={AS_OF}",
                    content=records[i % len(records)],
                    headers={"Content-Type": "application/json"},
                )
                answer.raise_for_status()
                done += 1
                i += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    return done / (time.perf_counter() - started)


def build_pipeline_store(target: Path) -> int:
    """An on-disk store with the methodology (via the service's first start, later) and
    100,000 opportunities: 1,000 generated records, read as the service reads them, then
    copied 100 times under renamed IRIs and blank nodes."""
    settings = Settings.defaults()
    validator = OpportunityValidator.load(settings)
    pipeline = generate(
        GENERATED,
        seed=7,
        violation_rate=0.2,
        as_of=AS_OF,
        facts=PipelineFacts.read(validator),
    )
    batch: RecordBatch = validator.reader.read(pipeline.records, "generated")
    opportunities = validator.context.deriver.opportunities(batch.graph)
    quads = []
    for opportunity, part in zip(opportunities, partition(batch.graph, opportunities), strict=True):
        for line in part.serialize(format="nt11").splitlines():
            if line.strip():
                quads.append(f"{line.rstrip().removesuffix('.')} <{opportunity}> .")
    template = "\n".join(quads) + "\n"
    namespace = settings.data_namespace
    blank = re.compile(r"_:(\w+)")
    if target.exists():
        shutil.rmtree(target)
    store = ox.Store(str(target))
    for copy in range(COPIES):
        text = template.replace(namespace, f"{namespace}c{copy}/")
        text = blank.sub(rf"_:c{copy}x\1", text)
        store.bulk_load(text.encode(), format=ox.RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    return count


def direct_runs(path: Path, query: str, runs: int) -> tuple[list[float], int]:
    """The query run ``runs`` times on pyoxigraph itself, answers written as SPARQL JSON
    (as the service writes them); and the number of named graphs."""
    store = ox.Store(str(path))

    def run() -> None:
        store.query(query, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON
        )

    samples = [timed(run) for _ in range(runs)]
    return samples, sum(1 for _ in store.named_graphs())


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    console = Console()
    table = Table("measure", "median", "p90 / detail", "target", title="mcem-kg service, HTTP")
    records = example_records()

    scratch = CACHE / "validate-store"
    shutil.rmtree(scratch, ignore_errors=True)
    port = 18765
    server = serve(scratch, port)
    base = f"http://127.0.0.1:{port}"
    try:
        validate_latency(base, records, 1)
        latency = validate_latency(base, records, runs)
        rate = asyncio.run(_throughput(base, records, seconds=10.0, clients=8))
    finally:
        server.terminate()
        server.wait()
    table.add_row(
        f"POST /validate, 1 record ({len(latency)} calls)",
        f"{statistics.median(latency):.1f} ms",
        f"{percentile(latency, 0.9):.1f} ms",
        "p50 <= 5 ms",
    )
    table.add_row("POST /validate, 8 clients, 10 s", f"{rate:.0f} calls/s", "", ">= 200 calls/s")

    big = CACHE / "pipeline-100k"
    marker = big / ".built"
    if not marker.exists():
        console.print("building the 100,000-opportunity store (once)...")
        started = time.perf_counter()
        triples = build_pipeline_store(big)
        marker.write_text(f"{triples}\n")
        console.print(f"built: {triples:,} quads in {time.perf_counter() - started:.0f} s")
    query = QueryRegistry.scan(Settings.defaults().queries_dir).get(AGGREGATE)
    server = serve(big, port)
    http_ms: list[float] = []
    try:
        with httpx.Client(base_url=base, timeout=300) as client:
            for _ in range(runs + 1):
                http_ms.append(
                    timed(lambda: client.get(f"/queries/{AGGREGATE}").raise_for_status())
                )
    finally:
        server.terminate()
        server.wait()
    direct_ms, opportunities = direct_runs(big, query.text, runs + 1)
    http_median = statistics.median(http_ms[1:])
    direct_median = statistics.median(direct_ms[1:])
    table.add_row(
        f"GET /queries/{AGGREGATE}, {opportunities:,} graphs",
        f"{http_median:.0f} ms",
        f"direct on pyoxigraph: {direct_median:.0f} ms; ratio {http_median / direct_median:.2f}",
        "ratio <= 1.2",
    )
    console.print(table)
    console.print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '?'}; {runs} runs"
    )


if __name__ == "__main__":
    main()
