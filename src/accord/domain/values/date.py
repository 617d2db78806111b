"""Dates, partial dates and times.

Canonical forms: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and, for a time,
``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a time without an offset is taken as UTC).
Only unambiguous, ISO-like inputs are accepted: ``04/05/1957`` could be April
or May, so it is refused with a reason rather than guessed.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, datetime

from accord.domain.values.base import ValueType

_DATE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})(?:\2(\d{1,2}))?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
_AMBIGUOUS = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


class DateType(ValueType):
    name = "date"
    label = "date"

    def normalize(self, raw: str, *, country: str | None = None) -> str:
        text = self.clean(raw)
        if _TIME.fullmatch(text):
            return self._time(raw, text)
        match = _DATE.fullmatch(text) or _COMPACT.fullmatch(text)
        if match is None:
            if _AMBIGUOUS.fullmatch(text):
                raise self.invalid(raw, "day and month order is ambiguous; write YYYY-MM-DD")
            raise self.invalid(raw, "write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
        year_s = match.group(1)
        if match.re is _DATE:
            month_s, day_s = match.group(3), match.group(4)
        else:
            month_s, day_s = match.group(2), match.group(3)
        year = int(year_s)
        if year < 1000:
            raise self.invalid(raw, f"year {year_s} is out of range")
        if month_s is None:
            return year_s
        month = int(month_s)
        if not 1 <= month <= 12:
            raise self.invalid(raw, f"month {month} is out of range (1-12)")
        if day_s is None:
            return f"{year_s}-{month:02d}"
        day = int(day_s)
        last = monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise self.invalid(
                raw, f"day {day} is out of range for {year_s}-{month:02d} (1-{last})")
        return f"{year_s}-{month:02d}-{day:02d}"

    def _time(self, raw: str, text: str) -> str:
        try:
            value = datetime.fromisoformat(text.replace(" ", "T", 1).replace("z", "Z"))
        except ValueError as exc:
            raise self.invalid(raw, str(exc)) from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def keys(self, value: str) -> set[str]:
        """The value and its coarser prefixes, so ``1957`` meets ``1957-04-12``."""
        day = value[:10]
        return {day[:n] for n in (4, 7, 10) if len(day) >= n}
