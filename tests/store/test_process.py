"""What only the process store does: stop a call past its timeout by killing its child,
answer again from a fresh child with everything written before, survive a child that dies,
serve many threads at once, and carry errors across the process boundary unchanged.

(The store contract itself runs on the process store in ``test_embedded.py``.)
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mcem_kg import errors
from mcem_kg.errors import (
    McemError,
    QueryTimeoutError,
    StoreUnavailableError,
)
from mcem_kg.store import EmbeddedStore, ProcessStore, Store
from tests.store.stores import (
    ENDLESS_QUERY,
    ENDLESS_UPDATE,
    EX,
    G1,
    G2,
    NT,
    SLOW_QUERY,
    P,
    column,
    gone,
    many,
    wait_gone,
)


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[ProcessStore]:
    """A process store with a one-second timeout, holding ``many(200)`` in G1 and one triple
    in G2: enough for ``ENDLESS_QUERY`` to run for hours."""
    store = ProcessStore(tmp_path / "store", timeout=1, limit=1 << 20)
    store.replace_graphs({G1: many(200)})
    store.write_graph(G2, many(1, "t"), NT, replace=True)
    yield store
    store.close()


def contents(store: Store) -> tuple[list[str], bytes, bytes]:
    return (
        store.named_graphs(),
        store.read_graph(G1, accept=NT).body,
        store.read_graph(G2, accept=NT).body,
    )


def test_a_query_past_the_timeout_is_stopped_and_the_store_answers_again(
    timed: ProcessStore,
) -> None:
    before = contents(timed)
    old = timed.pid
    assert old is not None
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="timeout of 1 s") as caught:
        timed.query(ENDLESS_QUERY)
    assert 1 <= time.monotonic() - started < 3
    assert caught.value.seconds == 1
    assert gone(old)
    assert timed.pid != old
    assert contents(timed) == before


def test_a_call_may_set_its_own_timeout(timed: ProcessStore) -> None:
    with pytest.raises(QueryTimeoutError) as caught:
        timed.query(ENDLESS_QUERY, timeout=0.3)
    assert caught.value.seconds == 0.3
    assert timed.triple_count() == 201


def test_an_update_past_the_timeout_is_stopped_and_applied_not_at_all(
    timed: ProcessStore,
) -> None:
    before = contents(timed)
    with pytest.raises(QueryTimeoutError):
        timed.update(ENDLESS_UPDATE)
    assert contents(timed) == before


def test_reads_in_flight_on_a_killed_child_are_answered_by_the_next(
    timed: ProcessStore,
) -> None:
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(timed.query, SLOW_QUERY, timeout=20)
        endless = pool.submit(timed.query, ENDLESS_QUERY, timeout=0.5)
        with pytest.raises(QueryTimeoutError):
            endless.result()
        answer = slow.result()
    assert column(answer.body, answer.media_type, "n") == {str(201**3)}


def test_writes_in_flight_are_not_lost_to_a_kill(timed: ProcessStore) -> None:
    stop = threading.Event()
    written: list[str] = []

    def write() -> None:
        while not stop.is_set():
            graph = f"{EX}graph/{len(written)}"
            timed.write_graph(graph, many(20), NT, replace=True)
            written.append(graph)

    with ThreadPoolExecutor(2) as pool:
        writer = pool.submit(write)
        with pytest.raises(QueryTimeoutError):
            timed.query(ENDLESS_QUERY, timeout=0.5)
        time.sleep(0.2)
        stop.set()
        writer.result()
    assert written
    assert set(written) <= set(timed.named_graphs(f"{EX}graph/"))


@pytest.mark.parametrize(
    "first_call",
    [
        lambda s: s.ping(),
        lambda s: s.triple_count(),
        lambda s: s.write_graph(G1, many(1, "x"), NT, replace=False),
    ],
    ids=["ping", "read", "write"],
)
def test_a_child_that_died_is_replaced_by_the_next_call(
    timed: ProcessStore, first_call: Callable[[Store], object]
) -> None:
    old = timed.pid
    assert old is not None
    # An earlier test may have left this child dead already (its replacement starts on the
    # next call): the state this test sets up either way.
    with contextlib.suppress(ProcessLookupError):
        os.kill(old, signal.SIGKILL)
    wait_gone(old)
    first_call(timed)
    assert timed.pid != old
    assert len(timed.read_graph(G1, accept=NT).body.splitlines()) in {200, 201}


def test_concurrent_queries_get_their_own_answers(timed: ProcessStore) -> None:
    query = f"SELECT ?o WHERE {{ ?s <{P}> ?o }}"

    def ask(i: int) -> set[str]:
        answer = timed.query(query, bindings={"s": f"<{EX}s{i}>"}, accept="text/csv")
        return column(answer.body, answer.media_type, "o")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, [i % 200 for i in range(400)]))
    assert answers == [{str(i % 200)} for i in range(400)]


ERRING_CALLS: dict[str, Callable[[Store], object]] = {
    "query-syntax": lambda s: s.query("SELECT"),
    "update-syntax": lambda s: s.update("INSERT { }"),
    "unknown-graph": lambda s: s.read_graph(f"{EX}nowhere"),
    "delete-unknown": lambda s: s.delete_graph(f"{EX}nowhere"),
    "not-acceptable": lambda s: s.query("ASK {}", accept="text/turtle"),
    "too-large": lambda s: s.query("SELECT * { ?s ?p ?o }", limit=100),
    "bad-binding": lambda s: s.query("SELECT * { ?s ?p ?o }", bindings={"s": "<a b>"}),
    "bad-iri": lambda s: s.write_graph("no IRI", b"", NT, replace=True),
    "bad-body": lambda s: s.write_graph(G1, b"<a>", NT, replace=True),
    "bad-type": lambda s: s.write_graph(G1, b"", "text/html", replace=True),
}


@pytest.mark.parametrize("call", ERRING_CALLS.values(), ids=ERRING_CALLS.keys())
def test_errors_keep_their_class_and_message(
    shared_process_store: ProcessStore, tmp_path: Path, call: Callable[[Store], object]
) -> None:
    embedded = EmbeddedStore(tmp_path / "embedded")
    for store in (embedded, shared_process_store):
        store.update("DROP ALL")
        store.write_graph(G1, many(5), NT, replace=True)
    try:
        with pytest.raises(McemError) as here:
            call(embedded)
        with pytest.raises(McemError) as there:
            call(shared_process_store)
    finally:
        embedded.close()
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value)
    assert vars(there.value) == vars(here.value)


PICKLED_ERRORS: list[McemError] = [
    errors.NotAcceptableError("a graph", ["text/turtle"]),
    errors.UnsupportedMediaTypeError("text/html", ["text/turtle"]),
    errors.PayloadTooLargeError(10),
    errors.ResultTooLargeError(10),
    errors.QueryTimeoutError(1.5),
    errors.InputRecordError("bad", source="a.csv", line=3, record="OPP-1", field="stage"),
    errors.DataFileError(Path("queries/x.rq"), "bad header"),
    errors.InconsistentOntologyError(["a", "b"]),
    errors.UnknownQueryError("x", ["y"]),
    errors.InvalidParameterValueError("stage", "9", "a stage"),
    errors.QuerySyntaxError("the query does not parse"),
]


@pytest.mark.parametrize("error", PICKLED_ERRORS, ids=lambda e: type(e).__name__)
def test_errors_pickle_as_the_same_class_message_and_attributes(error: McemError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_close_stops_the_child_and_is_idempotent(tmp_path: Path) -> None:
    store = ProcessStore(tmp_path / "store", timeout=5, limit=1000)
    pid = store.pid
    assert pid is not None
    store.close()
    store.close()
    assert gone(pid)
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.ping()


def test_a_store_that_cannot_open_is_unavailable(tmp_path: Path) -> None:
    holder = EmbeddedStore(tmp_path / "store")
    try:
        with pytest.raises(StoreUnavailableError, match="cannot open the store"):
            ProcessStore(tmp_path / "store", timeout=5, limit=1000)
    finally:
        holder.close()
