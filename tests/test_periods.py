from datetime import date

import pytest

from sources.periods import Period, PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019KW01", Period(date(2019, 1, 1), "Q")),
        ("2019KW04", Period(date(2019, 10, 1), "Q")),
        ("2019JJ00", Period(date(2019, 1, 1), "Y")),
        ("2019MM03", Period(date(2019, 3, 1), "M")),
        ("2019 1e kwartaal", Period(date(2019, 1, 1), "Q")),
        ("2020 2e  kwartaal", Period(date(2020, 4, 1), "Q")),  # CBS label with a double space
        ("2019", Period(date(2019, 1, 1), "Y")),
        ("2015 ", Period(date(2015, 1, 1), "Y")),
        ("2019 jaargem. /jaartotaal", Period(date(2019, 1, 1), "Y")),
        ("2003 maart", Period(date(2003, 3, 1), "M")),
        ("2019/'20", Period(date(2019, 10, 1), "SY")),
        ("2019/20", Period(date(2019, 10, 1), "SY")),
        ("1999/'00", Period(date(1999, 10, 1), "SY")),
    ],
)
def test_cbs_keys_and_labels_parse_to_start_and_frequency(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2019KW05", "2019 5e kwartaal", "2019/'22", "kwartaal 1", "", "2019 brumaire"])
def test_unknown_periods_are_refused_with_the_text_in_the_message(text):
    with pytest.raises(PeriodError, match="period"):
        parse_period(text)
