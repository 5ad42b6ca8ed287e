"""What the service holds while it runs, prepared once: the knowledge (ontology, closure,
shapes, queries, readers) at creation, the store at start-up."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from mcem_kg.graph import KnowledgeGraph
from mcem_kg.inputs import InputReader, Source
from mcem_kg.settings import Settings
from mcem_kg.store import Store, open_store
from mcem_kg.validation import OpportunityValidator, partition

log = logging.getLogger("mcem_kg.service")


@dataclass(frozen=True, slots=True)
class GraphNames:
    """The named graphs the service keeps (documented in the README)."""

    methodology: str
    inferred: str
    shapes: str

    @classmethod
    def under(cls, namespace: str) -> GraphNames:
        return cls(
            methodology=f"{namespace}methodology",
            inferred=f"{namespace}inferred",
            shapes=f"{namespace}shapes",
        )


@dataclass(slots=True)
class Service:
    """The loaded knowledge and, once started, the store."""

    settings: Settings
    kg: KnowledgeGraph
    validator: OpportunityValidator
    inputs: InputReader
    graphs: GraphNames
    _store: Store | None = None
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
            graphs=GraphNames.under(settings.graph_namespace),
        )

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the service has not been started")
        return self._store

    def start(self) -> None:
        """Open the store; write the methodology's graphs afresh (the files are the source of
        truth); on a store's first start, load the seed files too."""
        path = self.settings.store_dir
        if self.settings.memory:
            self._scratch = tempfile.TemporaryDirectory(prefix="mcem-kg-store-")
            path = Path(self._scratch.name)
        self._store = open_store(path, self.settings)
        first_start = not self._store.has_graph(self.graphs.methodology)
        self._store.replace_graphs(
            {
                self.graphs.methodology: _ntriples(self.kg.methodology.asserted),
                self.graphs.inferred: _ntriples(self.kg.methodology.inferred),
                self.graphs.shapes: _ntriples(self.validator.context.shapes.graph),
            }
        )
        if first_start and self.settings.seed_files:
            self.seed(self.settings.seed_files)

    def seed(self, files: tuple[Path, ...]) -> None:
        """Store the opportunities of ``files``, one graph each, in one step."""
        batch = self.inputs.read([Source.from_path(path) for path in files])
        opportunities = self.validator.context.deriver.opportunities(batch.graph)
        graphs = {
            str(opportunity): _ntriples(part)
            for opportunity, part in zip(
                opportunities, partition(batch.graph, opportunities), strict=True
            )
        }
        self.store.replace_graphs(graphs)
        log.info("loaded %d opportunities from %s", len(graphs), ", ".join(map(str, files)))

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt11", encoding="utf-8")
