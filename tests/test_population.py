"""The labour supply the baseline needs against the population aged 15-74 at its participation trend: the sums, the
figures of the finding, and the warning on the real data."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl
import pytest

from models.gap.inputs import GapInputError
from models.gap.population import AGE_BANDS, labour_supply, labour_supply_frame, population_15_74
from quality.gx import validate
from quality.suites import labour_supply_suite
from warehouse.db import read_seed, read_table


def projection(years: dict[int, float], variant: str = "Prognose", bands=AGE_BANDS) -> pl.DataFrame:
    """A population projection with `years[y]` people spread evenly over `bands`, plus ages the check leaves out."""
    rows = [
        (json.dumps({"Leeftijd": age, "PrognoseInterval": variant}), date(year, 1, 1), total / len(bands))
        for year, total in years.items()
        for age in (*bands, "0 tot 5 jaar", "75 tot 80 jaar")
    ]
    return pl.DataFrame(rows, schema=["dims", "period_start", "value"], orient="row")


def test_the_population_15_74_sums_the_twelve_bands_of_the_central_projection():
    frame = pl.concat(
        [
            projection({2024: 13_000_000.0, 2025: 13_100_000.0}),
            projection({2024: 99.0}, variant="Bovengrens 95%-prognose-interval"),
            projection({2026: 13_200_000.0}, bands=AGE_BANDS[:-1]),  # a band missing: not a whole year
        ]
    )
    assert population_15_74(frame) == pytest.approx({2024: 13_000_000.0, 2025: 13_100_000.0})
    with pytest.raises(GapInputError, match="no year with every age band of 15-74"):
        population_15_74(projection({2024: 1.0}, bands=AGE_BANDS[1:]))


def test_a_baseline_that_needs_more_workers_than_participation_trends_allow_fails_as_a_warning_with_figures():
    population = {2024: 10_000_000.0, 2025: 10_000_000.0, 2026: 10_000_000.0}
    participation = (0.70, 2022, 0.005)  # 71% in 2024, 71.5% in 2025
    slow = labour_supply_frame(2022, 6_900_000.0, 0.01, population, participation, 2025)
    assert slow["year"].to_list() == [2025, 2024]  # the end year first: the one a reader looks for
    assert slow["available"].to_list() == pytest.approx([7_150_000.0, 7_100_000.0])
    assert slow["needed"][0] == pytest.approx(6_900_000.0 * 1.01005**3, rel=1e-4)
    (passed,) = validate(labour_supply_suite(slow))
    assert passed.success and not passed.blocking

    fast = labour_supply_frame(2022, 6_900_000.0, 0.03, population, participation, 2025)
    (failed,) = validate(labour_supply_suite(fast))
    assert not failed.success and not failed.blocking and failed.unexpected_count == 2
    finding = failed.unexpected_sample[0]["finding"]
    assert finding.startswith("2025: the baseline needs 7,550k employed aged 15-74 (+3.00% a year from 6,900k in 2022)")
    assert "10,000k (85745NED) x net participation 71.5% (70.0% in 2022, +0.50 point a year) = 7,150k" in finding
    assert "400k (5.6%) more than participation trends allow, which would take 75.5% participation" in finding
    # years before the projection starts have no row
    assert labour_supply_frame(2022, 1.0, 0.0, {2030: 1.0}, participation, 2025).is_empty()


def test_the_real_baseline_needs_slightly_more_workers_in_2030_than_the_trend_allows(golden):
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        gaps = read_table(conn, "forecast.skill_gaps")
        supply = labour_supply(
            gaps,
            read_table(conn, "marts.population_projection"),
            read_table(conn, "marts.employment_by_age"),
            read_seed("parameters"),
            2030,
        )
    end = supply.row(0, named=True)
    assert end["year"] == 2030
    assert end["needed"] == pytest.approx(10_648_000, rel=2e-3)
    assert end["population"] == pytest.approx(13_797_000, rel=1e-3)  # mean of 1 January 2030 and 2031
    assert end["available"] == pytest.approx(10_613_000, rel=2e-3)
    assert 0 < end["excess"] < 0.01 * end["needed"]
    assert (supply.filter(pl.col("year") <= 2029)["excess"] < 0).all()
