"""Adding a deadline's duration to a date: calendar days, or business days.

Business days skip Saturdays and Sundays and, optionally, the holidays of a calendar: a
country (or subdivision) code of the ``holidays`` package, or a file of dates. The units a
deadline may be in are OWL-Time temporal units (and the ontology's ``mcem:BusinessDays``); the
amount and unit come from the ontology, never from code.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import holidays as holidays_package
from rdflib import URIRef
from rdflib.namespace import TIME

from mcem_kg.errors import InputRecordError, InvalidInputError
from mcem_kg.vocabulary import MCEM

# ISO weekday numbers of date.weekday(): Saturday is 5, Sunday 6.
WEEKEND = frozenset({5, 6})


@dataclass(frozen=True, slots=True)
class Calendar:
    """Which days are business days."""

    holidays: Container[date] = field(default_factory=frozenset)
    name: str = "Saturdays and Sundays"

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in WEEKEND and day not in self.holidays

    def add_business_days(self, start: date, count: int) -> date:
        """The ``count``-th business day after ``start`` (``start`` itself not counted)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count -= 1
        return day

    def add(self, start: date, amount: int, unit: URIRef) -> date:
        """``start`` plus ``amount`` of an OWL-Time temporal ``unit``."""
        adders: dict[URIRef, Callable[[], date]] = {
            MCEM.BusinessDays: lambda: self.add_business_days(start, amount),
            TIME.unitDay: lambda: start + timedelta(days=amount),
            TIME.unitWeek: lambda: start + timedelta(weeks=amount),
        }
        if unit not in adders:
            raise ValueError(f"no way to add a duration in {unit}")
        return adders[unit]()

    @staticmethod
    def supports(unit: URIRef) -> bool:
        return unit in {MCEM.BusinessDays, TIME.unitDay, TIME.unitWeek}

    @classmethod
    def from_spec(cls, spec: str | None) -> Calendar:
        """No holidays (None or ""), a file of dates, or a country code such as US or US-CA."""
        if not spec:
            return cls()
        path = Path(spec)
        if path.is_file():
            return cls(holidays=_read_dates(path), name=f"holidays of {path.name}")
        country, _, subdivision = spec.partition("-")
        try:
            calendar = holidays_package.country_holidays(
                country.upper(), subdiv=subdivision.upper() or None
            )
        except NotImplementedError as exc:
            raise InvalidInputError(
                f"unknown holiday calendar {spec!r}; expected a file of YYYY-MM-DD dates or a "
                "country code of the holidays package, such as US, GB, DE or US-CA"
            ) from exc
        return cls(holidays=calendar, name=f"holidays of {spec}")


def _read_dates(path: Path) -> frozenset[date]:
    """One ISO date per line; blank lines and ``#`` comments are skipped."""
    days = set()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRecordError(f"cannot be read as UTF-8 text: {exc}", source=path.name) from exc
    for number, line in enumerate(text.splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            days.add(date.fromisoformat(text))
        except ValueError as exc:
            raise InputRecordError(
                f"{text!r} is not a date", source=path.name, line=number, expected="YYYY-MM-DD"
            ) from exc
    return frozenset(days)
