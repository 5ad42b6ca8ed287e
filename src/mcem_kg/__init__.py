"""mcem-kg: the Microsoft Customer Engagement Methodology (MCEM) as a knowledge graph.

The public surface: load the graph with :class:`KnowledgeGraph` from a :class:`Settings`, run
named queries; validate opportunity records with an :class:`OpportunityValidator` (or
:func:`validate`) into a :class:`Report`; keep opportunities in a :class:`Pipeline` over a
:class:`Store`; serve it all with :func:`create_app`; catch :class:`McemError` (see
:mod:`mcem_kg.errors` for its branches).

Names load on first use (PEP 562), so that a part (the store's child process, the CLI's
quick commands) does not pay for the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each public name and the module that defines it.
_EXPORTS = {
    "AuthenticationError": "mcem_kg.errors",
    "DataFileError": "mcem_kg.errors",
    "GuardRefusedError": "mcem_kg.errors",
    "InconsistentOntologyError": "mcem_kg.errors",
    "InputRecordError": "mcem_kg.errors",
    "InvalidInputError": "mcem_kg.errors",
    "InvalidParameterValueError": "mcem_kg.errors",
    "McemError": "mcem_kg.errors",
    "MissingParameterError": "mcem_kg.errors",
    "NotAcceptableError": "mcem_kg.errors",
    "NotFoundError": "mcem_kg.errors",
    "PayloadTooLargeError": "mcem_kg.errors",
    "PermissionDeniedError": "mcem_kg.errors",
    "ProtocolParameterError": "mcem_kg.errors",
    "QueryExecutionError": "mcem_kg.errors",
    "QuerySyntaxError": "mcem_kg.errors",
    "QueryTimeoutError": "mcem_kg.errors",
    "ResultTooLargeError": "mcem_kg.errors",
    "StoreUnavailableError": "mcem_kg.errors",
    "UnknownParameterError": "mcem_kg.errors",
    "UnknownQueryError": "mcem_kg.errors",
    "UnsupportedMediaTypeError": "mcem_kg.errors",
    "KnowledgeGraph": "mcem_kg.graph",
    "Methodology": "mcem_kg.methodology",
    "load_methodology": "mcem_kg.methodology",
    "NamedQuery": "mcem_kg.queries",
    "Parameter": "mcem_kg.queries",
    "QueryRegistry": "mcem_kg.queries",
    "Report": "mcem_kg.report",
    "ValidationResult": "mcem_kg.report",
    "Settings": "mcem_kg.settings",
    "OpportunityValidator": "mcem_kg.validation",
    "validate": "mcem_kg.validation",
    "Pipeline": "mcem_kg.pipeline",
    "Store": "mcem_kg.store",
    "EmbeddedStore": "mcem_kg.store",
    "ProcessStore": "mcem_kg.store",
    "create_app": "mcem_kg.service",
}

__all__ = [
    "AuthenticationError",
    "DataFileError",
    "EmbeddedStore",
    "GuardRefusedError",
    "InconsistentOntologyError",
    "InputRecordError",
    "InvalidInputError",
    "InvalidParameterValueError",
    "KnowledgeGraph",
    "McemError",
    "Methodology",
    "MissingParameterError",
    "NamedQuery",
    "NotAcceptableError",
    "NotFoundError",
    "OpportunityValidator",
    "Parameter",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "Pipeline",
    "ProcessStore",
    "ProtocolParameterError",
    "QueryExecutionError",
    "QueryRegistry",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "Report",
    "ResultTooLargeError",
    "Settings",
    "Store",
    "StoreUnavailableError",
    "UnknownParameterError",
    "UnknownQueryError",
    "UnsupportedMediaTypeError",
    "ValidationResult",
    "create_app",
    "load_methodology",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcem_kg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from mcem_kg.errors import (
        AuthenticationError,
        DataFileError,
        GuardRefusedError,
        InconsistentOntologyError,
        InputRecordError,
        InvalidInputError,
        InvalidParameterValueError,
        McemError,
        MissingParameterError,
        NotAcceptableError,
        NotFoundError,
        PayloadTooLargeError,
        PermissionDeniedError,
        ProtocolParameterError,
        QueryExecutionError,
        QuerySyntaxError,
        QueryTimeoutError,
        ResultTooLargeError,
        StoreUnavailableError,
        UnknownParameterError,
        UnknownQueryError,
        UnsupportedMediaTypeError,
    )
    from mcem_kg.graph import KnowledgeGraph
    from mcem_kg.methodology import Methodology, load_methodology
    from mcem_kg.pipeline import Pipeline
    from mcem_kg.queries import NamedQuery, Parameter, QueryRegistry
    from mcem_kg.report import Report, ValidationResult
    from mcem_kg.service import create_app
    from mcem_kg.settings import Settings
    from mcem_kg.store import EmbeddedStore, ProcessStore, Store
    from mcem_kg.validation import OpportunityValidator, validate
