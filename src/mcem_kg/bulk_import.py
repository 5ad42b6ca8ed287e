"""Importing many plain JSON records into a store at the store's speed.

Every record is checked and read before anything is written, so unreadable input writes
nothing. The records then go to the store's bulk loader (JSON-LD, one named graph per
opportunity, parsed by the store itself), in chunks, and their entailed graphs are derived
from what was stored and bulk loaded beside them. Opportunities already stored are removed
first, in one step, and written anew.

A bulk load is not a transaction: if the process dies part-way, the chunks loaded so far are
stored and the rest is not; importing the same file again completes it (every record
replaces its graph), and a record stored without its entailed graph gets one at the next
start of the service (:meth:`Pipeline.entail_missing`). Writes of single records stay atomic
(:class:`~mcem_kg.pipeline.Pipeline`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from mcem_kg.errors import InputRecordError
from mcem_kg.pipeline import Pipeline
from mcem_kg.record_loading import FastRecordReader, LoadableBatch
from mcem_kg.records import Record, unwrap
from mcem_kg.settings import Settings
from mcem_kg.store import EmbeddedStore
from mcem_kg.store.layout import GraphNames
from mcem_kg.validation import OpportunityValidator, today

JSONLD = "application/ld+json"
NQUADS = "application/n-quads"
# Records per bulk load: large enough for the loader's speed, small enough for a progress bar.
CHUNK = 10_000

# Told how many records are done and how many there are, after each step.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored."""

    ids: list[str]
    iris: list[str]
    replaced: int
    warnings: list[str]


class BulkImporter:
    """Imports records into a pipeline's store, in bulk."""

    def __init__(self, pipeline: Pipeline, chunk: int = CHUNK) -> None:
        self.pipeline = pipeline
        self.chunk = chunk
        self.reader = FastRecordReader(pipeline.validator.reader)

    def read(
        self,
        records: Sequence[Record],
        source: str,
        progress: Progress | None = None,
        *,
        seen: set[str] | None = None,
    ) -> list[LoadableBatch]:
        """Check and read every record; :class:`InputRecordError` on the first unreadable.
        ``seen``: the ids read from other sources before (an id twice is an error)."""
        seen = set() if seen is None else seen
        batches = []
        for start in range(0, len(records), self.chunk):
            part = list(records[start : start + self.chunk])
            batches.append(self.reader.read(part, source, seen=seen, offset=start))
            if progress is not None:
                progress("read", start + len(part), len(records))
        return batches

    def load(
        self,
        batches: Sequence[LoadableBatch],
        progress: Progress | None = None,
        as_of: date | None = None,
    ) -> Imported:
        """Write read batches: remove the opportunities already stored, then bulk load each
        batch and its entailed graphs."""
        store = self.pipeline.store
        names = self.pipeline.names
        iris = [iri for batch in batches for iri in batch.iris]
        stored = set(self.pipeline.stored_graphs())
        replaced = [iri for iri in iris if iri in stored]
        if replaced:
            store.replace_graphs({}, delete=[*replaced, *(names.entailed(i) for i in replaced)])
        total, done = len(iris), 0
        day = as_of or today()
        for batch in batches:
            store.bulk_load(batch.jsonld, JSONLD)
            store.bulk_load(self.pipeline.entailer.quads(store, batch.iris, day), NQUADS)
            done += len(batch.iris)
            if progress is not None:
                progress("load", done, total)
        self.pipeline.current_results_forget()
        return Imported(
            ids=[i for batch in batches for i in batch.ids],
            iris=iris,
            replaced=len(replaced),
            warnings=[w for batch in batches for w in batch.warnings],
        )

    def import_records(
        self, records: Sequence[Record], source: str, progress: Progress | None = None
    ) -> Imported:
        """Read every record, then load them all."""
        return self.load(self.read(records, source, progress), progress)


def read_files(paths: Sequence[Path]) -> list[tuple[str, list[Record]]]:
    """The plain JSON records of each file (a record, an array, or ``{"opportunities":
    [...]}``), by file name."""
    found = []
    for path in paths:
        try:
            document = orjson.loads(path.read_bytes())
        except OSError as exc:
            raise InputRecordError(f"cannot be read: {exc.strerror}", source=str(path)) from exc
        except orjson.JSONDecodeError as exc:
            raise InputRecordError(
                f"not JSON ({exc})", source=str(path), expected="plain JSON records"
            ) from exc
        found.append((str(path), unwrap(document, str(path))))
    return found


def import_files(
    settings: Settings, paths: Sequence[Path], progress: Progress | None = None
) -> Imported:
    """Import the records of ``paths`` into the on-disk store of ``settings`` (writing the
    methodology's graphs too, as a service's start does)."""
    validator = OpportunityValidator.load(settings)
    store = EmbeddedStore(settings.store_dir)
    try:
        pipeline = Pipeline(store, validator, names=GraphNames.under(settings.graph_namespace))
        pipeline.install_methodology()
        importer = BulkImporter(pipeline)
        seen: set[str] = set()
        batches = [
            batch
            for name, records in read_files(paths)
            for batch in importer.read(records, name, progress, seen=seen)
        ]
        imported = importer.load(batches, progress)
        store.optimize()
        return imported
    finally:
        store.close()
