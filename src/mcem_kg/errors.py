"""The one exception tree of mcem-kg.

Every error the library raises on purpose is a :class:`McemError`. Callers choose what to do
by the branch, not the leaf:

- :class:`InvalidInputError`: the caller's input is wrong (a CLI exit 2, an HTTP 400).
- :class:`NotFoundError`: the caller named something that does not exist (exit 2, HTTP 404).
- :class:`DataFileError`: a file of the project's own data (ontology, queries) is unusable.
- :class:`QueryExecutionError`: a well-formed query failed while running.
- :class:`NotAcceptableError`: no accepted media type fits the answer (HTTP 406).
- :class:`AuthenticationError`, :class:`PermissionDeniedError`: a write without or with a
  wrong token (HTTP 401, 403).
- :class:`GuardRefusedError`: guard mode refused data with Violations (HTTP 422).
- :class:`StoreUnavailableError`: the store cannot answer now, e.g. a query stopped by the
  timeout (:class:`QueryTimeoutError`) (HTTP 503).

Within :class:`InvalidInputError`, :class:`PayloadTooLargeError` is HTTP 413 and
:class:`UnsupportedMediaTypeError` 415; the service maps statuses in one place
(``mcem_kg.service.problems``).

Errors of the libraries underneath (rdflib, PyYAML) are converted where they are caught,
with the original kept as ``__cause__``.
"""

from __future__ import annotations

from pathlib import Path


class McemError(Exception):
    """Base of every error mcem-kg raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as the message and the attributes, not by calling ``__init__`` again: many
        subclasses' constructors take other arguments than the message, and errors must cross
        the process boundary of :mod:`mcem_kg.store.process` as the same class and message."""
        return (BaseException.__new__, (type(self), *self.args), self.__dict__)


class InvalidInputError(McemError):
    """The caller's input cannot be used."""


class InputRecordError(InvalidInputError):
    """Input data (a file or request body of records) that cannot be read, and where.

    The message names the source, the line or record, and the field, then says what was
    found and what was expected, e.g. ``pipeline.csv:7: record 'OPP-1': field 'stage':
    'Stage 9' is not a stage; expected 1-5 or a stage label``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        where = source or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        parts = [where] if where else []
        if record is not None:
            parts.append(f"record {record!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        text = message if expected is None else f"{message}; expected {expected}"
        super().__init__(": ".join([*parts, text]))
        self.source = source
        self.line = line
        self.record = record
        self.field = field
        self.expected = expected
        self.detail = message


class NotFoundError(McemError):
    """The caller named something that does not exist."""


class DataFileError(McemError):
    """A data file (ontology, named query) cannot be read, parsed or used."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class InconsistentOntologyError(McemError):
    """The OWL 2 RL closure of the ontology holds a contradiction."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the ontology is inconsistent: " + "; ".join(problems))
        self.problems = problems


class QueryExecutionError(McemError):
    """A query failed while it ran."""


class UnknownQueryError(NotFoundError):
    """No named query has this name."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown query {name!r}; known queries: {', '.join(known)}")
        self.name = name


class UnknownParameterError(InvalidInputError):
    """A parameter the query does not declare."""

    def __init__(self, query: str, name: str, known: list[str]) -> None:
        accepted = ", ".join(known) if known else "none"
        super().__init__(f"query {query!r} has no parameter {name!r}; it accepts: {accepted}")
        self.name = name


class MissingParameterError(InvalidInputError):
    """A required parameter was not given."""

    def __init__(self, query: str, name: str, description: str) -> None:
        super().__init__(f"query {query!r} needs parameter {name!r}: {description}")
        self.name = name


class InvalidParameterValueError(InvalidInputError):
    """A parameter value that does not denote anything of the expected kind."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"parameter {name!r}: unusable value {value!r}; expected {expected}")
        self.name = name
        self.value = value


# --- the store and the service ------------------------------------------------------------


class QuerySyntaxError(InvalidInputError):
    """A SPARQL query or update that does not parse; the message is the parser's."""


class ProtocolParameterError(InvalidInputError):
    """An HTTP protocol parameter that is missing, repeated, empty, out of place or in
    conflict with another; ``name`` is the parameter (the problem document names it)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameter {name!r}: {message}")
        self.name = name


class UnsupportedMediaTypeError(InvalidInputError):
    """A request body in a format the operation cannot read."""

    def __init__(self, media_type: str, accepted: list[str]) -> None:
        super().__init__(
            f"cannot read a body of type {media_type or '(none)'!r}; "
            f"send one of: {', '.join(accepted)}"
        )
        self.media_type = media_type
        self.accepted = accepted


class PayloadTooLargeError(InvalidInputError):
    """A request body over the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is over the limit of {limit} bytes")
        self.limit = limit


class ResultTooLargeError(InvalidInputError):
    """A query result over the configured limit: the query was stopped."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the query result is over the limit of {limit} bytes and was stopped; "
            "narrow the query or add LIMIT"
        )
        self.limit = limit


class NotAcceptableError(McemError):
    """None of the media types the client accepts fits what the operation returns."""

    def __init__(self, what: str, offered: list[str]) -> None:
        super().__init__(
            f"cannot answer {what} in any accepted type; offered: {', '.join(offered)}"
        )
        self.offered = offered


class AuthenticationError(McemError):
    """A write without the bearer token (HTTP 401)."""


class PermissionDeniedError(McemError):
    """A write with a wrong token, or while writes are off (HTTP 403)."""


class GuardRefusedError(McemError):
    """Guard mode refused a write whose data has Violations; ``report`` says which."""

    def __init__(self, report: object, violations: int) -> None:
        super().__init__(f"write refused: the data has {violations} Violation(s)")
        self.report = report


class StoreUnavailableError(McemError):
    """The store cannot answer now (HTTP 503)."""


class QueryTimeoutError(StoreUnavailableError):
    """A query ran past the timeout and was stopped (HTTP 503)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query ran past the timeout of {seconds:g} s and was stopped")
        self.seconds = seconds
