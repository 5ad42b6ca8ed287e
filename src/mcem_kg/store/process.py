"""The process store: the embedded store in a child process, so that a call past its time can
really be stopped.

pyoxigraph cannot cancel a running query: it runs in Rust, without the GIL, deaf to signals.
The only way to stop one is to stop the process running it. :class:`ProcessStore` runs an
:class:`~mcem_kg.store.embedded.EmbeddedStore` in a child process (``spawn``: the parent is a
threaded server, where ``fork`` is unsafe) and, when a call passes its timeout, kills the child
(SIGKILL), starts a fresh one on the same directory (RocksDB recovers from its write-ahead log)
and raises :class:`~mcem_kg.errors.QueryTimeoutError`.

How calls travel: the child listens on a Unix socket in a private temporary directory, with a
random authentication key. The parent keeps a pool of client connections, each used by one
thread at a time; the child serves each connection in its own thread (pyoxigraph releases the
GIL, so calls run in parallel). A request is ``(method, args, kwargs)`` and a reply
``(True, result)`` or ``(False, error)``, all plain picklable values; an
:class:`~mcem_kg.errors.McemError` raised in the child is raised in the parent as the same class
with the same message. A control pipe tells the child to stop; it also stops when the parent
goes away, so no child outlives its parent.

The rules of a kill:

- Reads (``query``, graph reads, ``ping``) and ``update`` have a deadline: the given timeout,
  else the store's. The other writes have none: they are short transactions, never killed.
- A kill first waits for the writes in flight (a gate that writes share and a restart takes
  alone), so a read's timeout never stops a write: a write's outcome is never ambiguous, except
  that of an ``update`` stopped by its own timeout, which is wholly applied or not at all.
- Reads in flight on a killed child, or on a child that died, are retried once on the new child,
  within what is left of their own timeout; a second loss is a ``StoreUnavailableError``.
- A child found dead when a call reaches it (the request could not be sent) is replaced and the
  call made on the new child, so a crash costs the next caller one restart, ``ping`` included.
  A write whose child dies after receiving it raises ``StoreUnavailableError``: being one
  transaction it was applied wholly or not at all, but which cannot be known.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Client, Connection, Listener
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

from mcem_kg.errors import McemError, QueryTimeoutError, StoreUnavailableError
from mcem_kg.store.base import Answer, Dataset, Store
from mcem_kg.store.embedded import EmbeddedStore

_CONTEXT = multiprocessing.get_context("spawn")
# What the child will run: the calls of the Store interface, but ``close``, which the parent
# does through the control pipe.
_METHODS = frozenset(name for name in vars(Store) if not name.startswith("_")) - {"close"}
# Opening a large store replays its write-ahead log; closing one flushes its memtables.
_START_SECONDS = 60.0
_STOP_SECONDS = 60.0
_IDLE_CONNECTIONS = 32
# Threads of the parent that connect at once (multiprocessing's default backlog is 1).
_BACKLOG = 128

_WRITE_LOST = (
    "the store process died during the write, which was applied wholly or not at all; "
    "read the graph to know which"
)
_LOST_TWICE = "the store process stopped twice during the call"

_Request = tuple[str, tuple[object, ...], dict[str, object]]
_Reply = tuple[bool, object]


class _Lost(Exception):
    """The connection to the child broke: it was killed or died. ``delivered``: the request
    had been sent whole, so the child may have acted on it."""

    def __init__(self, *, delivered: bool) -> None:
        super().__init__("the store process is gone")
        self.delivered = delivered


class _Late(Exception):
    """No reply before the deadline."""


class _Gate:
    """Many holders of the shared side (writes in flight, connection checkouts) or one of the
    exclusive side (a restart, the close). A waiting exclusive holder keeps new shared holders
    out, so a restart waits only for what is in flight."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._waiting:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._exclusive or self._shared:
                self._cond.wait()
            self._waiting -= 1
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


@dataclass(eq=False)
class _Child:
    """One child process: its socket address, control pipe and idle connections."""

    process: BaseProcess
    address: str
    control: Connection
    idle: list[Connection] = field(default_factory=list)
    stopped: bool = False


class ProcessStore:
    """A :class:`~mcem_kg.store.base.Store` whose calls run in a child process that is killed
    when one passes its timeout (see the module for the rules)."""

    def __init__(self, path: Path, *, timeout: float, limit: int) -> None:
        """Start the child on the store at ``path``; ``timeout`` (seconds) and ``limit``
        (bytes of an answer) apply to calls that do not give their own."""
        self.path = path
        self.timeout = timeout
        self.limit = limit
        self._authkey = os.urandom(32)
        self._dir = tempfile.mkdtemp(prefix="mcem-store-")
        # Removed on close, else when the store is collected or the interpreter exits.
        self._remove_dir = weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self._gate = _Gate()
        self._pool = threading.Lock()
        self._closed = False
        self._starts = 0
        try:
            self._child = self._start()
        except BaseException:
            self._remove_dir()
            raise

    @property
    def pid(self) -> int | None:
        """The current child's process id."""
        return self._child.process.pid

    # --- the Store interface ----------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        accept: str | None = None,
        format_name: str | None = None,
        dataset: Dataset | None = None,
        bindings: Mapping[str, str] | None = None,
        timeout: float | None = None,
        limit: int | None = None,
    ) -> Answer:
        options: dict[str, object] = {
            "accept": accept,
            "format_name": format_name,
            "dataset": dataset,
            "bindings": None if bindings is None else dict(bindings),
            "limit": self.limit if limit is None else limit,
        }
        return cast(Answer, self._read("query", (sparql,), options, timeout))

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        """Run a SPARQL 1.1 Update, atomically. Past ``timeout`` (else the store's) the child
        is killed and ``QueryTimeoutError`` raised: the update, one transaction, is then
        wholly applied or not at all."""
        self._call("update", (sparql,), {}, write=True, timeout=self._seconds(timeout))

    def read_graph(self, graph: str | None, *, accept: str | None = None) -> Answer:
        return cast(Answer, self._read("read_graph", (graph,), {"accept": accept}))

    def write_graph(
        self, graph: str | None, data: bytes, media_type: str, *, replace: bool
    ) -> bool:
        options: dict[str, object] = {"replace": replace}
        return cast(bool, self._write("write_graph", (graph, data, media_type), options))

    def delete_graph(self, graph: str | None) -> None:
        self._write("delete_graph", (graph,), {})

    def replace_graphs(self, graphs: Mapping[str, bytes], *, delete: Sequence[str] = ()) -> None:
        self._write("replace_graphs", (dict(graphs),), {"delete": list(delete)})

    def bulk_load(self, data: bytes, media_type: str) -> None:
        self._write("bulk_load", (data, media_type), {})

    def has_graph(self, graph: str) -> bool:
        return cast(bool, self._read("has_graph", (graph,)))

    def named_graphs(self, prefix: str = "") -> list[str]:
        return cast(list[str], self._read("named_graphs", (prefix,)))

    def triple_count(self) -> int:
        return cast(int, self._read("triple_count", ()))

    def ping(self) -> None:
        """Return if the store answers; a dead child is replaced first (see the module)."""
        self._read("ping", ())

    def close(self) -> None:
        """Wait for the writes in flight, then stop the child (it flushes the store) and wait
        for it. Calls after this raise ``StoreUnavailableError``; closing again does nothing."""
        with self._gate.exclusive():
            if self._closed:
                return
            self._closed = True
        self._stop(self._child, kill=False)
        self._remove_dir()

    # --- calls ------------------------------------------------------------------------

    def _seconds(self, timeout: float | None) -> float:
        return self.timeout if timeout is None else timeout

    def _read(
        self,
        method: str,
        args: tuple[object, ...],
        kwargs: dict[str, object] | None = None,
        timeout: float | None = None,
    ) -> object:
        return self._call(method, args, kwargs or {}, write=False, timeout=self._seconds(timeout))

    def _write(self, method: str, args: tuple[object, ...], kwargs: dict[str, object]) -> object:
        return self._call(method, args, kwargs, write=True, timeout=None)

    def _call(
        self,
        method: str,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        *,
        write: bool,
        timeout: float | None,
    ) -> object:
        """Make one call on the child, replacing it on a timeout or a loss (module rules)."""
        request: _Request = (method, args, kwargs)
        deadline = None if timeout is None else time.monotonic() + timeout
        for attempt in (1, 2):
            with self._gate.shared():
                child, conn = self._checkout()
            try:
                with self._gate.shared() if write else nullcontext():
                    ok, value = _exchange(conn, request, deadline)
            except _Late:
                self._replace(child, conn)
                raise QueryTimeoutError(cast(float, timeout)) from None
            except _Lost as lost:
                self._replace(child, conn)
                if write and lost.delivered:
                    raise StoreUnavailableError(_WRITE_LOST) from None
                if attempt == 2:
                    raise StoreUnavailableError(_LOST_TWICE) from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise QueryTimeoutError(cast(float, timeout)) from None
                continue
            self._checkin(child, cast(Connection, conn))
            if ok:
                return value
            assert isinstance(value, BaseException)
            raise value
        raise AssertionError("unreachable")

    def _checkout(self) -> tuple[_Child, Connection | None]:
        """A connection to the current child (``None`` if it does not accept one, as when it
        is dead); the caller holds the gate shared."""
        if self._closed:
            raise StoreUnavailableError("the store is closed")
        child = self._child
        with self._pool:
            if child.idle:
                return child, child.idle.pop()
        try:
            return child, Client(child.address, family="AF_UNIX", authkey=self._authkey)
        except (OSError, EOFError, multiprocessing.AuthenticationError):
            return child, None

    def _checkin(self, child: _Child, conn: Connection) -> None:
        with self._pool:
            if not child.stopped and len(child.idle) < _IDLE_CONNECTIONS:
                child.idle.append(conn)
                return
        conn.close()

    # --- the child's life -------------------------------------------------------------

    def _replace(self, child: _Child, conn: Connection | None) -> None:
        """Kill ``child`` if it is still the current one, once the writes in flight are done,
        and start a fresh one; a caller that finds it already replaced does nothing."""
        if conn is not None:
            conn.close()
        with self._gate.exclusive():
            if child is not self._child or self._closed:
                return
            self._stop(child, kill=True)
            self._child = self._start()

    def _start(self) -> _Child:
        self._starts += 1
        address = os.path.join(self._dir, f"store-{self._starts}.sock")
        ours, theirs = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_serve,
            args=(str(self.path), address, self._authkey, theirs),
            name=f"mcem-store-{self._starts}",
            daemon=True,
        )
        process.start()
        theirs.close()
        child = _Child(process, address, ours)
        try:
            ready = ours.recv() if ours.poll(_START_SECONDS) else None
        except (EOFError, OSError):
            ready = None
        if ready is not True:
            self._stop(child, kill=True)
            if isinstance(ready, McemError):
                raise ready
            raise StoreUnavailableError(f"the store process for {self.path} did not start")
        return child

    def _stop(self, child: _Child, *, kill: bool) -> None:
        """Stop ``child``: SIGKILL, or ask it to flush and exit (killed if it does not)."""
        with self._pool:
            idle, child.idle, child.stopped = child.idle, [], True
        for conn in idle:
            conn.close()
        if not kill:
            with suppress(OSError):
                child.control.send("stop")
            child.process.join(_STOP_SECONDS)
        if child.process.exitcode is None:
            child.process.kill()
            child.process.join()
        child.control.close()
        Path(child.address).unlink(missing_ok=True)


def _exchange(conn: Connection | None, request: _Request, deadline: float | None) -> _Reply:
    if conn is None:
        raise _Lost(delivered=False)
    try:
        conn.send(request)
    except OSError as exc:
        raise _Lost(delivered=False) from exc
    try:
        if deadline is not None and not conn.poll(max(0.0, deadline - time.monotonic())):
            raise _Late
        return cast(_Reply, conn.recv())
    except (EOFError, OSError) as exc:
        raise _Lost(delivered=True) from exc


# --- in the child ---------------------------------------------------------------------------


def _serve(path: str, address: str, authkey: bytes, control: Connection) -> None:
    """The child's main: open the store, listen, serve, and on ``stop`` from the parent (or
    when the parent is gone) flush the store and exit."""
    try:
        store = EmbeddedStore(Path(path))
        listener = Listener(address, family="AF_UNIX", backlog=_BACKLOG, authkey=authkey)
    except McemError as exc:
        control.send(exc)
        return
    except OSError as exc:
        control.send(StoreUnavailableError(f"the store process cannot listen: {exc}"))
        return
    threading.Thread(target=_accept, args=(listener, store), daemon=True).start()
    control.send(True)
    # Any message says stop; so does the end of the pipe, when the parent is gone.
    with suppress(EOFError, OSError):
        control.recv()
    store.close()
    # Reads may still run in serving threads: exit without unwinding the interpreter under them.
    os._exit(0)


def _accept(listener: Listener, store: EmbeddedStore) -> None:
    while True:
        try:
            conn = listener.accept()
        except (EOFError, ConnectionError, multiprocessing.AuthenticationError):
            continue
        except OSError:
            return
        threading.Thread(target=_handle, args=(conn, store), daemon=True).start()


def _handle(conn: Connection, store: EmbeddedStore) -> None:
    with conn:
        while True:
            try:
                method, args, kwargs = conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(_run(store, method, args, kwargs))
            except OSError:
                return
            except Exception as exc:  # the reply does not pickle: say so rather than hang
                conn.send((False, StoreUnavailableError(f"the answer cannot be sent: {exc!r}")))


def _run(
    store: EmbeddedStore, method: str, args: tuple[object, ...], kwargs: dict[str, object]
) -> _Reply:
    if method not in _METHODS:
        return False, StoreUnavailableError(f"the store has no call {method!r}")
    try:
        return True, getattr(store, method)(*args, **kwargs)
    except McemError as exc:
        return False, exc
    except Exception as exc:  # an unforeseen failure still answers, as the store's own error
        return False, StoreUnavailableError(f"the store failed: {exc!r}")
