"""Does the baseline need more workers than there will be? The total employment the baseline implies, against the
population aged 15-74 times a net participation rate on its trend (pure: polars, no Dagster).

- **Needed**: every group's demand trend fades into the growth of all employment (`Unit.long_run_growth`, the mean
  yearly log growth of the employed labour force, 85272NED A-U, over the calibration years), so the baseline implies
  all employment growing at that rate from the base year's employed labour force aged 15-74 (85264NED, the same
  survey and total).
- **Available**: CBS's central projection of the population aged 15-74 (85745NED, 1 January, the twelve five-year
  bands from 15 to 75; a year's figure is the mean of its 1 January and the next, as the survey's yearly figure is an
  average over the year) times net participation (the employed as a share of the population aged 15-74) carried on
  from the seed's year along the seed's trend (warehouse/seeds/parameters.csv: `net_participation_15_74`,
  `net_participation_trend`; 85264NED publishes both, the pipeline loads only its employed).

A year in which the baseline needs more workers than that is a finding, not an error: the letter's levers
(productivity, participation, migration) are what would close it.
"""

from __future__ import annotations

import math

import polars as pl

from models.gap.inputs import GapInputError, dim

AGE_BANDS = tuple(f"{age} tot {age + 5} jaar" for age in range(15, 75, 5))
CENTRAL = "Prognose"  # the projection's central variant; the others are its 67% and 95% interval bounds
EMPLOYED_AGES = "15 tot 75 jaar"  # 85264NED's label for 15-74
PARTICIPATION = "net_participation_15_74"
PARTICIPATION_TREND = "net_participation_trend"


def population_15_74(projection: pl.DataFrame) -> dict[int, float]:
    """The projected population aged 15-74 on 1 January by year (85745NED's central variant): the sum of its
    five-year bands, in the years that have all twelve."""
    bands = (
        projection.filter(
            dim("PrognoseInterval") == CENTRAL, dim("Leeftijd").is_in(AGE_BANDS), pl.col("value").is_not_null()
        )
        .group_by(pl.col("period_start").dt.year().alias("year"))
        .agg(pl.col("value").sum(), dim("Leeftijd").n_unique().alias("bands"))
        .filter(pl.col("bands") == len(AGE_BANDS))
    )
    if bands.is_empty():
        raise GapInputError(
            f"the population projection (85745NED) has no year with every age band of 15-74 ({', '.join(AGE_BANDS)}) "
            f"in its variant {CENTRAL!r}"
        )
    return dict(bands.select("year", "value").iter_rows())


def employed_15_74(employment_by_age: pl.DataFrame, year: int) -> float:
    """The employed labour force aged 15-74 in `year` (85264NED, yearly)."""
    found = employment_by_age.filter(
        dim("Leeftijd") == EMPLOYED_AGES, pl.col("frequency") == "Y", pl.col("period_start").dt.year() == year
    )["value"]
    if found.len() != 1:
        raise GapInputError(
            f"employment by age (85264NED) has {found.len()} yearly values for {EMPLOYED_AGES} in {year}, not one"
        )
    return float(found[0])


def participation_seed(parameters: pl.DataFrame) -> tuple[float, int, float]:
    """Net participation aged 15-74 (a share), the year it was observed, and its trend (share points a year), from
    the parameters seed."""
    rows = {row["name"]: row for row in parameters.iter_rows(named=True)}
    missing = [name for name in (PARTICIPATION, PARTICIPATION_TREND) if name not in rows]
    if missing:
        raise GapInputError(f"warehouse/seeds/parameters.csv lacks {', '.join(missing)}: the population check needs it")
    level = rows[PARTICIPATION]
    return float(level["value"]), int(level["year"]), float(rows[PARTICIPATION_TREND]["value"])


def labour_supply_frame(
    base_year: int,
    base_employment: float,
    growth: float,
    population: dict[int, float],
    participation: tuple[float, int, float],
    end_year: int,
) -> pl.DataFrame:
    """Per projected year with a population projection (newest first): the employment the baseline needs, what the
    population at its participation trend allows, their difference (`excess`, above 0: more needed than there is)
    and a one-line finding with the figures."""
    level, level_year, trend = participation
    rows = []
    for year in range(base_year + 1, end_year + 1):
        if year not in population:
            continue
        people = (population[year] + population.get(year + 1, population[year])) / 2
        rate = level + trend * (year - level_year)
        needed = base_employment * math.exp(growth * (year - base_year))
        available = people * rate
        years = year - base_year
        finding = (
            f"{year}: the baseline needs {needed / 1e3:,.0f}k employed aged 15-74 ({growth:+.2%} a year from "
            f"{base_employment / 1e3:,.0f}k in {base_year}); population 15-74 {people / 1e3:,.0f}k (85745NED) x net "
            f"participation {rate:.1%} ({level:.1%} in {level_year}, {trend * 100:+.2f} point a year) = "
            f"{available / 1e3:,.0f}k ({math.log(available / base_employment) / years:+.2%} a year): "
            + (
                f"{(needed - available) / 1e3:,.0f}k ({needed / available - 1:.1%}) more than participation trends "
                f"allow, which would take {needed / people:.1%} participation"
                if needed > available
                else f"{(available - needed) / 1e3:,.0f}k to spare"
            )
        )
        rows.append(
            {
                "year": year,
                "needed": needed,
                "available": available,
                "population": people,
                "participation": rate,
                "participation_needed": needed / people,
                "excess": needed - available,
                "finding": finding,
            }
        )
    numbers = ("needed", "available", "population", "participation", "participation_needed", "excess")
    schema = {"year": pl.Int64} | {name: pl.Float64 for name in numbers} | {"finding": pl.String}
    return pl.DataFrame(rows, schema=schema).sort("year", descending=True)


def labour_supply(
    gaps: pl.DataFrame,
    projection: pl.DataFrame,
    employment_by_age: pl.DataFrame,
    parameters: pl.DataFrame,
    end_year: int,
) -> pl.DataFrame:
    """`labour_supply_frame` for the gaps about to be published: their base year and the growth of all employment
    their trends fade into, with the marts and the parameters seed as the warehouse holds them."""
    growths = gaps["long_run_growth"].unique()
    if growths.len() != 1:
        raise GapInputError(f"the gaps carry {growths.len()} long-run growth rates of all employment, not one")
    base_year = int(gaps["base_year"].min())
    return labour_supply_frame(
        base_year,
        employed_15_74(employment_by_age, base_year),
        float(growths[0]),
        population_15_74(projection),
        participation_seed(parameters),
        end_year,
    )
