"""The gap model's backtest: the whole model run from earlier base years with only what was known then, against the
unfilled jobs observed later, and the error model (a Student-t per horizon) its intervals are drawn from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from models.gap.inputs import NATIONAL, ModelData, units_at
from models.gap.projection import project_unit

GAP_BACKTEST_BASE_YEARS = 5  # base years of the backtest: the five ending two years before the last observed year
GAP_BACKTEST_HORIZON = 4


def gap_base_years(data: ModelData) -> list[int]:
    last = data.last_year
    return list(range(last - 1 - GAP_BACKTEST_BASE_YEARS, last - 1))


def backtest_gaps(data: ModelData, supply_rule: str = "base_shares") -> pl.DataFrame:
    """The whole model from each earlier base year, with only what was known then, against the unfilled jobs
    observed later (as measured with today's data); `baseline` is no change from the base year."""
    observed = {(u.group, u.skill): u.history for u in units_at(data, data.last_year)}
    rows = []
    for origin in gap_base_years(data):
        for unit in units_at(data, origin):
            truth = observed[(unit.group, unit.skill)]
            years = np.array([y for y in truth.years if origin < y <= origin + GAP_BACKTEST_HORIZON])
            projected = project_unit(unit, data, years, forecasts=False, supply_rule=supply_rule)
            employment = np.minimum(projected["supply"], projected["demand"])
            for j, year in enumerate(years):
                rows.append(
                    (
                        unit.group,
                        unit.skill,
                        origin,
                        int(year - origin),
                        int(year),
                        float(projected["gap"][j]),
                        float(truth.unfilled[truth.years == year][0]),
                        float(unit.history.unfilled[-1]),
                        float(employment[j]),
                        float(truth.employment[truth.years == year][0]),
                        float(unit.history.employment[-1]),
                    )
                )
    return pl.DataFrame(
        rows,
        schema=[
            "sector_group",
            "skill",
            "origin",
            "horizon",
            "year",
            "predicted",
            "observed",
            "baseline",
            "employment_predicted",
            "employment_observed",
            "employment_baseline",
        ],
        orient="row",
    ).with_columns(
        ((pl.col("observed") - pl.col("predicted")) / pl.col("baseline")).alias("relative_error"),
        ((pl.col("employment_observed") - pl.col("employment_predicted")) / pl.col("employment_baseline")).alias(
            "employment_relative_error"
        ),
    )


def interval_errors(errors: pl.DataFrame) -> pl.DataFrame:
    """The errors that calibrate intervals: the groups (not the national rows), where the base gap is not empty."""
    return errors.filter(pl.col("sector_group") != NATIONAL, pl.col("baseline") > 0)


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
    is measured on errors the interval did not see."""
    parts = []
    for origin in errors["origin"].unique().sort():
        others = errors.filter(pl.col("origin") != origin)
        part = errors.filter(pl.col("origin") == origin)
        bounds = {
            h: error_model(others, h).quantiles((0.1, 0.9, 0.025, 0.975)) for h in part["horizon"].unique().to_list()
        }
        parts.append(
            part.with_columns(
                (
                    pl.col("predicted")
                    + pl.col("baseline")
                    * pl.col("horizon").replace_strict({h: q[i] for h, q in bounds.items()}, return_dtype=pl.Float64)
                ).alias(name)
                for i, name in enumerate(("lower_80", "upper_80", "lower_95", "upper_95"))
            )
        )
    return pl.concat(parts).with_columns(
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
