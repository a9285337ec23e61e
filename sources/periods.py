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
