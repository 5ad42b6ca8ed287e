"""Every error of the tree has its HTTP status, set in one table, and none is a 5xx but the
store's unavailability (503)."""

from __future__ import annotations

import inspect
from http import HTTPStatus

import pytest

from mcem_kg import errors
from mcem_kg.service.problems import status_of

LEAVES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.McemError) and cls is not errors.McemError
]
# Errors of the project's own files: a broken deployment, rightly a server error.
SERVER_SIDE = {
    errors.DataFileError,
    errors.InconsistentOntologyError,
    errors.QueryExecutionError,
    errors.StoreUnavailableError,
    errors.QueryTimeoutError,
}


def _instance(cls: type[errors.McemError]) -> errors.McemError:
    """An instance without calling a constructor whose arguments differ per class."""
    error: errors.McemError = cls.__new__(cls)
    return error


@pytest.mark.parametrize("cls", LEAVES, ids=[c.__name__ for c in LEAVES])
def test_each_error_has_its_status(cls: type[errors.McemError]) -> None:
    status = status_of(_instance(cls))
    if cls in SERVER_SIDE:
        assert status in {HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.INTERNAL_SERVER_ERROR}
    else:
        assert 400 <= status < 500


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.QuerySyntaxError, 400),
        (errors.InputRecordError, 400),
        (errors.UnknownQueryError, 404),
        (errors.NotAcceptableError, 406),
        (errors.PayloadTooLargeError, 413),
        (errors.UnsupportedMediaTypeError, 415),
        (errors.AuthenticationError, 401),
        (errors.PermissionDeniedError, 403),
        (errors.GuardRefusedError, 422),
        (errors.QueryTimeoutError, 503),
    ],
)
def test_the_statuses_the_issue_names(cls: type[errors.McemError], status: int) -> None:
    assert status_of(_instance(cls)) == status
