"""One real service for the session: uvicorn on loopback, a store in a temporary folder,
the methodology and the example pipeline loaded, writes allowed with the test token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from mcem_kg.service.state import Service
from mcem_kg.settings import Settings
from tests.service.server import EXAMPLES, TOKEN, threaded_server


@pytest.fixture(scope="session")
def service_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return replace(
        Settings.defaults(),
        store_dir=tmp_path_factory.mktemp("store") / "store",
        seed_files=(EXAMPLES,),
        token=TOKEN,
        query_timeout=5.0,
    )


@pytest.fixture(scope="session")
def loaded_service(service_settings: Settings) -> Service:
    """The knowledge, parsed and reasoned over once for every app the tests build."""
    return Service.load(service_settings)


@pytest.fixture(scope="session")
def base_url(service_settings: Settings) -> Iterator[str]:
    with threaded_server(service_settings) as base:
        yield base


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        yield http


@pytest.fixture
def writer(base_url: str) -> Iterator[httpx.Client]:
    """A client that sends the write token."""
    with httpx.Client(
        base_url=base_url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as http:
        yield http


@pytest.fixture
def scratch_store(tmp_path: Path) -> Path:
    return tmp_path / "store"
