"""Parse CBS period codes, in key form (`2019KW01`) and label form (`2019 1e kwartaal`).

Every period becomes a start date and a frequency code:
`Y` year, `Q` quarter, `M` month, `SY` school year (starts 1 October, the CBS reference date for enrolment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FREQUENCIES = ("Y", "Q", "M", "SY")

_MONTHS_NL = {
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}

_KEY = re.compile(r"^(\d{4})(JJ|KW|MM|X0)(\d\d)$")
_LABEL_QUARTER = re.compile(r"^(\d{4}) ([1-4])e kwartaal$")
_LABEL_YEAR = re.compile(r"^(\d{4})( jaargem\. ?/ ?jaartotaal)?$")
_LABEL_MONTH = re.compile(r"^(\d{4}) ([a-z]+)$")
_LABEL_SCHOOL_YEAR = re.compile(r"^(\d{4})/'?(\d\d)$")


class PeriodError(ValueError):
    """A period code that is neither a CBS key nor a CBS label we know."""


@dataclass(frozen=True)
class Period:
    start: date
    frequency: str


def parse_period(text: str) -> Period:
    """Parse one CBS period key or label; raise PeriodError on anything else."""
    raw = " ".join(text.split())  # CBS labels sometimes carry double or trailing spaces
    raw = raw.replace(" kwaraal", " kwartaal")  # a typo CBS published in 80473ned ("2022 4e kwaraal")
    if match := _KEY.match(raw):
        year, kind, number = int(match[1]), match[2], int(match[3])
        if kind == "KW" and 1 <= number <= 4:
            return Period(date(year, 3 * number - 2, 1), "Q")
        if kind == "MM" and 1 <= number <= 12:
            return Period(date(year, number, 1), "M")
        if kind in ("JJ", "X0") and number == 0:
            # X000 is CBS's second variant of a year around a method break; it still covers the year.
            return Period(date(year, 1, 1), "Y")
        raise PeriodError(f"unknown CBS period key {text!r}")
    if match := _LABEL_QUARTER.match(raw):
        return Period(date(int(match[1]), 3 * int(match[2]) - 2, 1), "Q")
    if match := _LABEL_YEAR.match(raw):
        return Period(date(int(match[1]), 1, 1), "Y")
    if match := _LABEL_SCHOOL_YEAR.match(raw):
        start_year = int(match[1])
        if (start_year + 1) % 100 != int(match[2]):
            raise PeriodError(f"school-year period {text!r} does not span two consecutive years")
        return Period(date(start_year, 10, 1), "SY")
    if (match := _LABEL_MONTH.match(raw)) and match[2] in _MONTHS_NL:
        return Period(date(int(match[1]), _MONTHS_NL[match[2]], 1), "M")
    raise PeriodError(f"unknown CBS period {text!r}")


_QUARTER_MONTHS = 3
_MONTHS = {number: name for name, number in _MONTHS_NL.items()}
_FINENESS = {"M": 0, "Q": 1, "SY": 2, "Y": 3}  # where two periods start (or end) together, the finer is shown


def period_label(period: Period) -> str:
    """A period as CBS labels it (`2019 1e kwartaal`, `2019`, `2019 maart`, `2019/'20`), whatever form it came in."""
    year = period.start.year
    if period.frequency == "Q":
        return f"{year} {(period.start.month - 1) // _QUARTER_MONTHS + 1}e kwartaal"
    if period.frequency == "M":
        return f"{year} {_MONTHS[period.start.month]}"
    if period.frequency == "SY":
        return f"{year}/'{(year + 1) % 100:02d}"
    return str(year)


def _end(period: Period) -> tuple[int, int]:
    """The (year, month) the period ends in."""
    months = {"M": 1, "Q": 3, "SY": 12, "Y": 12}[period.frequency]
    index = period.start.year * 12 + period.start.month - 1 + months - 1
    return index // 12, index % 12 + 1


def coverage(periods: list[str]) -> tuple[str, str] | None:
    """The first and the last period of a table's rows as CBS labels them (`1997 1e kwartaal`, `2022 4e kwartaal`),
    or None for a table without rows. A `*` (provisional) is ignored; unknown periods are the sources' to refuse."""
    parsed = [parse_period(text.rstrip("*")) for text in set(periods)]
    if not parsed:
        return None
    first = min(parsed, key=lambda p: (p.start, _FINENESS[p.frequency]))
    last = max(parsed, key=lambda p: (_end(p), -_FINENESS[p.frequency]))
    return period_label(first), period_label(last)
