"""mcem-kg: the Microsoft Customer Engagement Methodology (MCEM) as a knowledge graph.

The public surface: load the graph with :class:`KnowledgeGraph` from a :class:`Settings`, run
named queries; validate opportunity records with an :class:`OpportunityValidator` (or
:func:`validate`) into a :class:`Report`; catch :class:`McemError` (see :mod:`mcem_kg.errors`
for its branches).
"""

from mcem_kg.errors import (
    DataFileError,
    InconsistentOntologyError,
    InputRecordError,
    InvalidInputError,
    InvalidParameterValueError,
    McemError,
    MissingParameterError,
    NotFoundError,
    QueryExecutionError,
    UnknownParameterError,
    UnknownQueryError,
)
from mcem_kg.graph import KnowledgeGraph
from mcem_kg.methodology import Methodology, load_methodology
from mcem_kg.queries import NamedQuery, Parameter, QueryRegistry
from mcem_kg.report import Report, ValidationResult
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator, validate

__all__ = [
    "DataFileError",
    "InconsistentOntologyError",
    "InputRecordError",
    "InvalidInputError",
    "InvalidParameterValueError",
    "KnowledgeGraph",
    "McemError",
    "Methodology",
    "MissingParameterError",
    "NamedQuery",
    "NotFoundError",
    "OpportunityValidator",
    "Parameter",
    "QueryExecutionError",
    "QueryRegistry",
    "Report",
    "Settings",
    "UnknownParameterError",
    "UnknownQueryError",
    "ValidationResult",
    "load_methodology",
    "validate",
]
