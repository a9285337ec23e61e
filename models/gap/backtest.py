"""The gap model's backtest: the whole model run from earlier base years with only what was known then, against the
unfilled jobs observed later, and the error model (a Student-t per horizon) its intervals are drawn from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from models.forecasting.regimes import FALL
from models.gap.cycle import persistence
from models.gap.inputs import MIN_HISTORY_YEARS, NATIONAL, ModelData, history_years, units_at
from models.gap.projection import project_unit
from models.gap.stock_flow import damped_trend

GAP_BACKTEST_HORIZON = 4
PROBABILITIES = (0.1, 0.9, 0.025, 0.975)
BOUNDS = ("lower_80", "upper_80", "lower_95", "upper_95")
TREND_YEARS = 5  # the trend rule: a straight line through the last five years known at the origin
CYCLE_FROM = 2001  # the sectors' vacancy rates begin in 1997: the first origin with five years behind it (or later)
GROUP_LEVEL = "group"
SECTOR_LEVEL = "sector"  # the vacancy-rate cycle of one SBI section (80567ned): what the data allow before 2013
EMPLOYMENT_LEVEL = "national_employment"  # technical occupations' employment from 2003 (82808NED), before 2013
OLDER_SERIES_LAST_YEAR = 2012  # 82808NED's technical occupations fall 11% into 2013 while all employment falls 0.8%:
# a break in the occupation coding, so its years from 2013 are left out (85276NED carries them)
# SBI sections as 80567ned publishes them (its aggregates A-U, B-F, G-N, M-N and O-U are left out)
CYCLE_SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S")


def gap_base_years(data: ModelData) -> list[int]:
    """Every base year the groups' data allow: from the third year of their history to the year before the last."""
    first = history_years(data, data.last_year)[0]
    return list(range(first + MIN_HISTORY_YEARS - 1, data.last_year))


def yearly_regimes(values: dict[int, float]) -> dict[int, str]:
    """The labour-market regime of each year, read as models/forecasting/regimes.py reads quarters, from the open
    vacancies of the whole economy at the end of each year: a downturn when they are more than 10% below a year
    before, a recovery when they are still below their average of the five years before, an expansion otherwise."""
    years = sorted(values)
    out = {}
    for y in years:
        before = [values[p] for p in range(y - 5, y) if p in values]
        if y - 1 not in values or len(before) < 2:
            continue
        if values[y] / values[y - 1] - 1 < FALL:
            out[y] = "downturn"
        elif values[y] < np.mean(before):
            out[y] = "recovery"
        else:
            out[y] = "expansion"
    return out


def _rules(known: dict[int, float], origin: int, years: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three rules a forecast must beat, from what was known at `origin`: no change, the straight line through
    the last five years, and the mean of every year known (reversion to the mean)."""
    past = sorted(y for y in known if y <= origin)
    recent = [y for y in past if y > origin - TREND_YEARS]
    slope = np.polyfit(recent, [known[y] for y in recent], 1)[0] if len(recent) > 1 else 0.0
    level = known[origin]
    return (
        np.full(len(years), level),
        level + slope * (years - origin),
        np.full(len(years), float(np.mean([known[y] for y in past]))),
    )


def backtest_gaps(data: ModelData, supply_rule: str = "behavioural") -> pl.DataFrame:
    """The whole model from each earlier base year, with only what was known then, against the unfilled jobs
    observed later (as measured with today's data), beside the three rules (`baseline`: no change, `trend_baseline`,
    `mean_baseline`); then the vacancy-rate cycle of every SBI section from 2001 (`backtest_cycle`)."""
    observed = {(u.group, u.skill): u.history for u in units_at(data, data.last_year)}
    regimes = yearly_regimes({y: v for (c, y), v in data.open_q4.items() if c == "A-U"})
    rows = []
    for origin in gap_base_years(data):
        for unit in units_at(data, origin):
            truth = observed[(unit.group, unit.skill)]
            years = np.array([y for y in truth.years if origin < y <= origin + GAP_BACKTEST_HORIZON])
            projected = project_unit(unit, data, years, forecasts=False, supply_rule=supply_rule)
            known = dict(zip(unit.history.years.tolist(), unit.history.unfilled.tolist(), strict=True))
            same, trend, mean = _rules(known, origin, years)
            employed = dict(zip(unit.history.years.tolist(), unit.history.employment.tolist(), strict=True))
            employment_same, employment_trend, _ = _rules(employed, origin, years)
            for j, year in enumerate(years):
                rows.append(
                    {
                        "level": GROUP_LEVEL,
                        "sector_group": unit.group,
                        "skill": unit.skill,
                        "interval_pool": unit.group not in data.nested_groups,
                        "origin": origin,
                        "regime": regimes.get(origin),
                        "horizon": int(year - origin),
                        "year": int(year),
                        "predicted": float(projected["gap"][j]),
                        "observed": float(truth.unfilled[truth.years == year][0]),
                        "baseline": float(same[j]),
                        "trend_baseline": float(trend[j]),
                        "mean_baseline": float(mean[j]),
                        "employment_predicted": float(projected["employment"][j]),
                        "employment_observed": float(truth.employment[truth.years == year][0]),
                        "employment_baseline": float(employment_same[j]),
                        "employment_trend_baseline": float(employment_trend[j]),
                    }
                )
    parts = [
        _relative(pl.DataFrame(rows)),
        backtest_cycle(data, regimes),
        backtest_employment_before_2013(data, regimes),
    ]
    return pl.concat([part for part in parts if not part.is_empty()], how="diagonal_relaxed")


def backtest_employment_before_2013(data: ModelData, regimes: dict[int, str]) -> pl.DataFrame:
    """The one part of the account whose inputs reach before 2013: the demand for filled jobs, each origin's own
    trend of employment in technical occupations (82808NED, 2003-2012) fading into all employment's at
    `trend_damping` a year, against no change and the five-year trend. School-leavers, the age structure and the
    occupation mix of vacancies begin in 2013-2018, so neither supply nor the gap can be run this early; ICT (08) is
    not in the export. The 2008-09 downturn and the 2011-12 one lie inside these years."""
    technical = data.skill_classes["technical"]
    series = {
        code: {y: v for (c, y), v in data.occupations_since_2003.items() if c == code and y <= OLDER_SERIES_LAST_YEAR}
        for code in (technical, "Totaal")
    }
    known_years = sorted(set(series[technical]) & set(series["Totaal"]))
    if len(known_years) < TREND_YEARS + 1:
        return pl.DataFrame()
    damping = data.parameters["trend_damping"]
    rows = []
    for origin in range(known_years[0] + TREND_YEARS - 1, known_years[-1]):
        past = [y for y in known_years if y <= origin]
        own, whole = (np.diff(np.log([series[code][y] for y in past])).mean() for code in (technical, "Totaal"))
        years = np.array([y for y in known_years if origin < y <= origin + GAP_BACKTEST_HORIZON])
        growth, _ = damped_trend(float(own), float(whole), damping, len(years))
        predicted = series[technical][origin] * np.exp(np.cumsum(growth))
        same, trend, mean = _rules({y: series[technical][y] for y in past}, origin, years)
        for j, year in enumerate(years):
            rows.append(
                {
                    "level": EMPLOYMENT_LEVEL,
                    "sector_group": NATIONAL,
                    "skill": "technical",
                    "origin": origin,
                    "regime": regimes.get(origin),
                    "horizon": int(year - origin),
                    "year": int(year),
                    "employment_predicted": float(predicted[j]),
                    "employment_observed": float(series[technical][int(year)]),
                    "employment_baseline": float(same[j]),
                    "employment_trend_baseline": float(trend[j]),
                    "employment_mean_baseline": float(mean[j]),
                }
            )
    return _relative(pl.DataFrame(rows))


def backtest_cycle(data: ModelData, regimes: dict[int, str]) -> pl.DataFrame:
    """The cycle alone, over whole cycles: each SBI section's vacancy rate (per 1,000 jobs, 4th quarter, 80567ned)
    forecast from every origin since 2001 as its distance from its mean fading at the persistence estimated up to
    the origin, against the three rules. Where the groups' data begin in 2013, this is the level the data allow."""
    rates = data.vacancy_rate_q4
    first, last = min(y for _, y in rates), max(y for _, y in rates)
    rows = []
    for origin in range(max(CYCLE_FROM, first + TREND_YEARS - 1), last):
        fade = persistence(rates, origin)
        years = np.arange(origin + 1, min(origin + GAP_BACKTEST_HORIZON, last) + 1)
        for code in CYCLE_SECTIONS:
            known = {y: v for (c, y), v in rates.items() if c == code and y <= origin}
            if origin not in known or len(known) < TREND_YEARS:
                continue
            same, trend, mean = _rules(known, origin, years)
            predicted = mean + (known[origin] - mean) * fade ** (years - origin)
            for j, year in enumerate(years):
                if (code, int(year)) not in rates:
                    continue
                rows.append(
                    {
                        "level": SECTOR_LEVEL,
                        "sector_group": code,
                        "skill": "all",
                        "origin": origin,
                        "regime": regimes.get(origin),
                        "horizon": int(year - origin),
                        "year": int(year),
                        "predicted": float(predicted[j]),
                        "observed": float(rates[(code, int(year))]),
                        "baseline": float(same[j]),
                        "trend_baseline": float(trend[j]),
                        "mean_baseline": float(mean[j]),
                    }
                )
    return _relative(pl.DataFrame(rows))


def _relative(frame: pl.DataFrame) -> pl.DataFrame:
    """Errors relative to the base year's level (the gap's, or employment's)."""
    columns = []
    if "predicted" in frame.columns:
        columns.append(((pl.col("observed") - pl.col("predicted")) / pl.col("baseline")).alias("relative_error"))
    if "employment_predicted" in frame.columns:
        columns.append(
            ((pl.col("employment_observed") - pl.col("employment_predicted")) / pl.col("employment_baseline")).alias(
                "employment_relative_error"
            )
        )
    return frame.with_columns(columns)


def cycle_errors(errors: pl.DataFrame) -> pl.DataFrame:
    """The vacancy-rate cycle's errors over whole cycles (every SBI section, origins since 2001), where the base
    rate is not empty."""
    return errors.filter(pl.col("level") == SECTOR_LEVEL, pl.col("baseline") > 0)


def interval_errors(errors: pl.DataFrame) -> pl.DataFrame:
    """The errors that calibrate intervals: the groups' (not the national rows', not the sectors', not the nested
    markets'), where the base gap is not empty."""
    return errors.filter(
        pl.col("level") == GROUP_LEVEL,
        pl.col("sector_group") != NATIONAL,
        pl.col("interval_pool"),
        pl.col("baseline") > 0,
    )


@dataclass(frozen=True)
class ErrorModel:
    """Relative errors (observed - predicted) / base gap at one horizon, centred on the published point: a Student-t
    whose scale is their root mean square and whose degrees of freedom are the base years behind them. The groups'
    errors share one macro shock per base year (2020 for all), so the base years, not the rows, are the sample; with
    the centre fixed, each independent base year is one degree of freedom."""

    scale: float
    df: int

    def quantiles(self, probabilities: tuple[float, ...]) -> np.ndarray:
        from scipy import stats  # imported where used: definitions load without scipy

        return self.scale * stats.t.ppf(probabilities, self.df)

    def draws(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.scale * rng.standard_t(self.df, n)


def error_model(errors: pl.DataFrame, horizon: int, column: str = "relative_error", pooled: bool = True) -> ErrorModel:
    """The errors in `column` (the gap's, or employment's) at one horizon: the groups' pool, or (`pooled` False) the
    rows given. Beyond the backtested horizons, the last one's spread widened by sqrt(horizon / last), as a random
    walk's."""
    pool = interval_errors(errors) if pooled else errors
    last = int(pool["horizon"].max())
    at = pool.filter(pl.col("horizon") == min(horizon, last))
    values = at[column].to_numpy()
    widen = np.sqrt(horizon / last) if horizon > last else 1.0
    return ErrorModel(float(np.sqrt(np.mean(values**2))) * widen, at["origin"].n_unique())


def backtest_intervals(errors: pl.DataFrame) -> pl.DataFrame:
    """Each backtest row's 80% and 95% interval from the other origins' errors (leave one origin out), so coverage
    is measured on errors the interval did not see: a group's from the groups', as the published gap's are drawn, a
    sector's from the sectors'."""
    parts = []
    for origin in errors["origin"].unique().sort():
        others = errors.filter(pl.col("origin") != origin)
        for level, pool in ((GROUP_LEVEL, interval_errors(others)), (SECTOR_LEVEL, cycle_errors(others))):
            part = errors.filter(pl.col("level") == level, pl.col("origin") == origin)
            if part.is_empty() or pool.is_empty():
                continue
            bounds = {h: error_model(pool, h, pooled=False).quantiles(PROBABILITIES) for h in part["horizon"].unique()}
            by_horizon = [{h: q[i] for h, q in bounds.items()} for i in range(len(BOUNDS))]
            parts.append(
                part.with_columns(
                    (
                        pl.col("predicted")
                        + pl.col("baseline") * pl.col("horizon").replace_strict(quantile, return_dtype=pl.Float64)
                    ).alias(name)
                    for name, quantile in zip(BOUNDS, by_horizon, strict=True)
                )
            )
    # the levels without a gap (employment before 2013) keep their rows, without gap intervals
    parts.append(errors.filter(~pl.col("level").is_in([GROUP_LEVEL, SECTOR_LEVEL])))
    return pl.concat(parts, how="diagonal_relaxed").with_columns(
        pl.col("observed").is_between(pl.col("lower_80"), pl.col("upper_80")).alias("in_80"),
        pl.col("observed").is_between(pl.col("lower_95"), pl.col("upper_95")).alias("in_95"),
    )


def employment_coverage(errors: pl.DataFrame) -> pl.DataFrame:
    """How often employment's published 80% interval (the unit's own errors of the other base years) held what was
    observed, per horizon: leave one base year out, as for the gap."""
    rows = []
    for (group, skill, origin, horizon), part in interval_errors(errors).group_by(
        "sector_group", "skill", "origin", "horizon"
    ):
        others = interval_errors(errors).filter(
            pl.col("sector_group") == group, pl.col("skill") == skill, pl.col("origin") != origin
        )
        if others.filter(pl.col("horizon") == horizon).is_empty():
            continue
        low, high = error_model(others, horizon, "employment_relative_error", pooled=False).quantiles((0.1, 0.9))
        error = part["employment_relative_error"][0]
        rows.append({"horizon": horizon, "in_80": bool(low <= error <= high)})
    return pl.DataFrame(rows).group_by("horizon").agg(pl.len().alias("n"), pl.col("in_80").mean().alias("coverage_80"))
