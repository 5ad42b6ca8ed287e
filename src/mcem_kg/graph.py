"""The knowledge graph as a library: the methodology and its named queries, loaded once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib.query import Result

from mcem_kg.binding import run
from mcem_kg.methodology import Methodology, load_methodology
from mcem_kg.queries import QueryRegistry
from mcem_kg.settings import Settings
from mcem_kg.terms import TermIndex


@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """Everything a caller (CLI, service, notebook) needs to answer methodology questions.

    >>> kg = KnowledgeGraph.load(Settings.from_env())          # doctest: +SKIP
    >>> kg.query("role-activities", {"role": "CSAM", "stage": "2"})  # doctest: +SKIP
    """

    settings: Settings
    methodology: Methodology
    queries: QueryRegistry
    terms: TermIndex

    @classmethod
    def load(cls, settings: Settings) -> KnowledgeGraph:
        """Parse the ontology, reason over it and prepare the queries: once, at start-up."""
        methodology = load_methodology(settings.ontology_dir)
        return cls(
            settings=settings,
            methodology=methodology,
            queries=QueryRegistry.scan(settings.queries_dir),
            terms=TermIndex.build(methodology.dataset),
        )

    def query(self, name: str, params: Mapping[str, str] | None = None) -> Result:
        """Run the named query ``name`` with user-given parameter values."""
        return run(self.methodology.dataset, self.terms, self.queries.get(name), params or {})
