"""What the service holds while it runs, prepared once: the knowledge (ontology, closure,
shapes, queries, readers) at creation, the store at start-up."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from mcem_kg.graph import KnowledgeGraph
from mcem_kg.inputs import InputReader, Source
from mcem_kg.pipeline import Pipeline
from mcem_kg.settings import Settings
from mcem_kg.store import Store, open_store
from mcem_kg.store.layout import GraphNames
from mcem_kg.validation import OpportunityValidator
from mcem_kg.writer import RecordWriter

log = logging.getLogger("mcem_kg.service")


@dataclass(slots=True)
class Service:
    """The loaded knowledge and, once started, the store."""

    settings: Settings
    kg: KnowledgeGraph
    validator: OpportunityValidator
    inputs: InputReader
    writer: RecordWriter
    graphs: GraphNames
    _pipeline: Pipeline | None = None
    _scratch: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, settings: Settings) -> Service:
        """Parse, reason and prepare everything that does not need the store."""
        kg = KnowledgeGraph.load(settings)
        validator = OpportunityValidator.load(settings, kg.methodology)
        return cls(
            settings=settings,
            kg=kg,
            validator=validator,
            inputs=InputReader.load(validator.reader, settings.mappings_dir),
            writer=RecordWriter.load(
                settings.ontology_dir, validator.reader, validator.context.terms
            ),
            graphs=GraphNames.under(settings.graph_namespace),
        )

    def configured(self, settings: Settings) -> Service:
        """This service's loaded knowledge under other service settings (store, timeouts,
        token), not started. The data folders must be the same."""
        return replace(self, settings=settings, _pipeline=None, _scratch=None)

    @property
    def pipeline(self) -> Pipeline:
        """The stored opportunities (once started)."""
        if self._pipeline is None:
            raise RuntimeError("the service has not been started")
        return self._pipeline

    @property
    def store(self) -> Store:
        return self.pipeline.store

    def start(self) -> None:
        """Open the store; write the methodology's graphs afresh (the files are the source of
        truth); on a store's first start, load the seed files too."""
        path = self.settings.store_dir
        if self.settings.memory:
            self._scratch = tempfile.TemporaryDirectory(prefix="mcem-kg-store-")
            path = Path(self._scratch.name)
        store = open_store(path, self.settings)
        self._pipeline = Pipeline(store, self.validator, self.writer, self.graphs)
        first_start = self._pipeline.install_methodology()
        entailed = self._pipeline.entail_missing()
        if entailed:
            log.info("derived the entailed graphs of %d stored opportunities", entailed)
        if first_start and self.settings.seed_files:
            self.seed(self.settings.seed_files)

    def seed(self, files: tuple[Path, ...]) -> None:
        """Store the opportunities of ``files``, one graph each, in one step (the same path
        as an opportunity write)."""
        batch = self.inputs.read([Source.from_path(path) for path in files])
        written = self.pipeline.write(batch)
        log.info("loaded %d opportunities from %s", len(written.ids), ", ".join(map(str, files)))

    def close(self) -> None:
        if self._pipeline is not None:
            self._pipeline.store.close()
            self._pipeline = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
