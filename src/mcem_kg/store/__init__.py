"""Stores: one interface (:class:`Store`), an embedded implementation, and a process wrapper
that enforces query timeouts."""

from __future__ import annotations

from pathlib import Path

from mcem_kg.settings import Settings
from mcem_kg.store.base import Answer, Dataset, Store
from mcem_kg.store.embedded import EmbeddedStore
from mcem_kg.store.process import ProcessStore

__all__ = ["Answer", "Dataset", "EmbeddedStore", "ProcessStore", "Store", "open_store"]


def open_store(path: Path, settings: Settings) -> Store:
    """The store the service uses, at ``path``: in a child process, so that the query timeout
    (``settings.query_timeout``) really stops the work."""
    return ProcessStore(path, timeout=settings.query_timeout, limit=settings.result_limit)
