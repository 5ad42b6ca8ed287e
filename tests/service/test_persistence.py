"""What the service stores survives it: an acknowledged write is there after a crash
(SIGKILL) and after a clean stop, and the seed files are loaded into a new store only, so a
restart does not bring back what was deleted. Runs ``mcem serve`` as a process of its own on
a store under tmp_path (tests/service/server.py); each start takes a few seconds, so one test
walks through all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.server import TOKEN, ServeProcess

RECORD = {"id": "T-DURABLE", "stage": 2, "owner": {"id": "u-1", "role": "SSP"}}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(tmp_path / "store")
    try:
        yield process
    finally:
        process.kill()


def opportunity(base: str, id_: str) -> httpx.Response:
    return httpx.get(f"{base}/opportunities/{id_}", timeout=30)


def test_writes_survive_a_crash_and_a_restart(serve: ServeProcess) -> None:
    base = serve.start().base
    seeded = httpx.get(f"{base}/opportunities", params={"limit": 1000}, timeout=30).json()
    assert "OPP-2001" in seeded["ids"]
    put = httpx.put(f"{base}/opportunities/T-DURABLE", json=RECORD, headers=AUTH, timeout=30)
    assert put.status_code == 201
    written = opportunity(base, "T-DURABLE").json()
    assert (
        httpx.delete(f"{base}/opportunities/OPP-2001", headers=AUTH, timeout=30).status_code == 204
    )

    serve.kill()  # no shutdown code runs
    serve.start()
    assert opportunity(base, "T-DURABLE").json() == written
    # The seed is for a new store: the deleted example stays deleted.
    assert opportunity(base, "OPP-2001").status_code == 404
    listed = httpx.get(f"{base}/opportunities", params={"limit": 1000}, timeout=30).json()
    assert listed["total"] == seeded["total"]  # one added, one deleted

    serve.stop()  # a clean shutdown
    serve.start()
    assert opportunity(base, "T-DURABLE").json() == written
    assert opportunity(base, "OPP-2001").status_code == 404
