"""Business days and calendar days, with and without holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib.namespace import TIME

from mcem_kg.calendar import Calendar
from mcem_kg.errors import InputRecordError, InvalidInputError
from mcem_kg.vocabulary import MCEM


@pytest.mark.parametrize(
    ("start", "count", "holidays", "expected"),
    [
        (date(2026, 1, 2), 7, (), date(2026, 1, 13)),  # Friday: the Tuesday 11 days later
        (date(2026, 1, 3), 7, (), date(2026, 1, 13)),  # Saturday: the start is not counted
        (date(2026, 1, 5), 7, (), date(2026, 1, 14)),  # Monday
        (date(2026, 1, 5), 5, (), date(2026, 1, 12)),  # a week, over one weekend
        (date(2026, 1, 2), 7, (date(2026, 1, 6),), date(2026, 1, 14)),  # a holiday inside
        (date(2026, 1, 2), 7, (date(2026, 1, 10),), date(2026, 1, 13)),  # a holiday on a Saturday
        (date(2026, 1, 2), 0, (), date(2026, 1, 2)),
    ],
)
def test_business_days(start: date, count: int, holidays: tuple[date, ...], expected: date) -> None:
    calendar = Calendar(holidays=frozenset(holidays))
    assert calendar.add(start, count, MCEM.BusinessDays) == expected


def test_calendar_days_do_not_skip_weekends() -> None:
    assert Calendar().add(date(2026, 1, 2), 7, TIME.unitDay) == date(2026, 1, 9)


def test_a_country_calendar_skips_its_holidays() -> None:
    # 2026-12-25 is a Friday and a US federal holiday.
    us = Calendar.from_spec("US")
    assert us.add(date(2026, 12, 24), 1, MCEM.BusinessDays) == date(2026, 12, 28)
    assert Calendar().add(date(2026, 12, 24), 1, MCEM.BusinessDays) == date(2026, 12, 25)


def test_a_file_of_dates(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("# company days off\n2026-01-06\n\n2026-01-07  # two\n")
    calendar = Calendar.from_spec(str(path))
    assert calendar.add(date(2026, 1, 5), 1, MCEM.BusinessDays) == date(2026, 1, 8)


def test_a_bad_date_in_the_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("2026-01-06\nnext tuesday\n")
    with pytest.raises(InputRecordError, match=r"holidays.txt:2: 'next tuesday' is not a date"):
        Calendar.from_spec(str(path))


def test_an_unknown_country_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="unknown holiday calendar 'XX'"):
        Calendar.from_spec("XX")


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="no way to add"):
        Calendar().add(date(2026, 1, 1), 1, TIME.unitMonth)
