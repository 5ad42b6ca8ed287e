"""The ``store`` fixture: each kind of store, empty, on disk.

An embedded store is opened afresh for each test. A process store takes a child process to
start, so one is shared by the contract tests and emptied before each; tests of its own life
(timeouts, kills, close) open their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcem_kg.store import ProcessStore, Store
from tests.store.stores import KINDS, open_kind


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def shared_process_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessStore]:
    opened = ProcessStore(tmp_path_factory.mktemp("shared") / "store", timeout=30, limit=1 << 20)
    yield opened
    opened.close()


@pytest.fixture
def store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store of ``kind``."""
    if kind == "process":
        shared: ProcessStore = request.getfixturevalue("shared_process_store")
        shared.update("DROP ALL")
        yield shared
        return
    opened = open_kind(kind, tmp_path / "store")
    yield opened
    opened.close()
