"""A restart after a crash loses no acknowledged write, and leaves no write in part.

A writer process writes small graphs one by one through the embedded store on disk, printing
each index once its write has returned; it is SIGKILLed mid-way. Reopening the store must show
every acknowledged graph, and every graph there whole.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mcem_kg.store import EmbeddedStore
from tests.store.stores import NT, many

TRIPLES = 30
WRITES = 100_000
KILL_AFTER = 40

WRITER = """
import sys
from pathlib import Path

from mcem_kg.store.embedded import EmbeddedStore
from tests.store.stores import NT, many

path, how, writes, triples = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = EmbeddedStore(path)
for i in range(writes):
    graph, body = f"urn:ex:graph:{i}", many(triples, f"g{i}-")
    if how == "write_graph":
        store.write_graph(graph, body, NT, replace=True)
    elif how == "replace_graphs":
        store.replace_graphs({graph: body})
    else:
        store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {body.decode()} }} }}")
    print(i, flush=True)
"""


@pytest.mark.parametrize("how", ["write_graph", "replace_graphs", "update"])
def test_a_restart_after_a_crash_loses_no_acknowledged_write(tmp_path: Path, how: str) -> None:
    path = tmp_path / "store"
    root = Path(__file__).resolve().parents[2]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), how, str(WRITES), str(TRIPLES)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    assert writer.stdout is not None
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) == KILL_AFTER:
            writer.send_signal(signal.SIGKILL)
            break
    acknowledged += [int(line) for line in writer.stdout]
    writer.stdout.close()
    assert writer.wait() == -signal.SIGKILL
    assert KILL_AFTER <= len(acknowledged) < WRITES

    store = EmbeddedStore(path)
    try:
        present = store.named_graphs("urn:ex:graph:")
        assert {f"urn:ex:graph:{i}" for i in acknowledged} <= set(present)
        for graph in present:
            i = int(graph.rpartition(":")[2])
            body = store.read_graph(graph, accept=NT).body
            assert sorted(body.splitlines()) == sorted(many(TRIPLES, f"g{i}-").splitlines())
    finally:
        store.close()
