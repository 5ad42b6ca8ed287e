"""The exception tree: every error is an McemError, on exactly one branch."""

from __future__ import annotations

import inspect

import pytest

import mcem_kg
from mcem_kg import errors

BRANCHES = (
    errors.InvalidInputError,
    errors.NotFoundError,
    errors.DataFileError,
    errors.InconsistentOntologyError,
    errors.QueryExecutionError,
)
LEAVES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.McemError) and cls is not errors.McemError
]


@pytest.mark.parametrize("cls", LEAVES, ids=[c.__name__ for c in LEAVES])
def test_every_error_is_on_one_branch_and_public(cls: type[errors.McemError]) -> None:
    assert sum(issubclass(cls, branch) for branch in BRANCHES) == 1
    assert cls.__name__ in mcem_kg.__all__
