"""Shared fixtures: the real knowledge graph, loaded once per test session."""

from __future__ import annotations

import pytest

from mcem_kg import KnowledgeGraph, Settings
from mcem_kg.validation import OpportunityValidator
from tests.helpers import Ask, Row, as_rows


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.defaults()


@pytest.fixture(scope="session")
def kg(settings: Settings) -> KnowledgeGraph:
    return KnowledgeGraph.load(settings)


@pytest.fixture(scope="session")
def ask(kg: KnowledgeGraph) -> Ask:
    """``ask("role-activities", role="AE")``: a named query's rows."""

    def run(name: str, **params: str) -> list[Row]:
        return as_rows(kg.query(name, params))

    return run


@pytest.fixture(scope="session")
def validator(settings: Settings, kg: KnowledgeGraph) -> OpportunityValidator:
    """The opportunity validator, on the session's methodology."""
    return OpportunityValidator.load(settings, kg.methodology)
