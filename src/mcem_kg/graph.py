"""The knowledge graph as a library: the methodology and its named queries, loaded once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib.query import Result

from mcem_kg.binding import run
from mcem_kg.methodology import Methodology, load_methodology
from mcem_kg.queries import QueryRegistry
from mcem_kg.settings import Settings


@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """Everything a caller (CLI, service, notebook) needs to answer methodology questions.

    >>> kg = KnowledgeGraph.load(Settings.from_env())          # doctest: +SKIP
    >>> kg.query("role-activities", {"role": "CSAM", "stage": "2"})  # doctest: +SKIP
    """

    settings: Settings
    methodology: Methodology
    queries: QueryRegistry

    @classmethod
    def load(cls, settings: Settings) -> KnowledgeGraph:
        """Parse the ontology, reason over it and prepare the queries: once, at start-up."""
        return cls(
            settings=settings,
            methodology=load_methodology(settings.ontology_dir),
            queries=QueryRegistry.scan(settings.queries_dir),
        )

    def query(self, name: str, params: Mapping[str, str] | None = None) -> Result:
        """Run the named query ``name`` with user-given parameter values."""
        return run(self.methodology.dataset, self.queries.get(name), params or {})
