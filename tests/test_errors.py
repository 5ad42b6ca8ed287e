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
    errors.NotAcceptableError,
    errors.AuthenticationError,
    errors.PermissionDeniedError,
    errors.GuardRefusedError,
    errors.StoreUnavailableError,
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


@pytest.mark.parametrize("name", mcem_kg.__all__)
def test_every_public_name_loads(name: str) -> None:
    assert getattr(mcem_kg, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = mcem_kg.no_such_thing


def test_the_lazy_table_and_all_agree() -> None:
    assert sorted(mcem_kg._EXPORTS) == mcem_kg.__all__
