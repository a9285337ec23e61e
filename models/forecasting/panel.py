"""A panel of CBS series and what every stage shares about it: the periods, horizons and origins per frequency,
the series themselves, their MASE scale and the table pool each belongs to.

Vocabulary follows mlforecast/skforecast: a panel of series, each a run of consecutive periods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

SEASON_LENGTH = {"Y": 1, "SY": 1, "Q": 4, "M": 12}
SERIES_BACKTEST_HORIZON = {"Y": 4, "SY": 4, "Q": 8, "M": 12}
SERIES_BACKTEST_ORIGINS = {"Y": 5, "SY": 5, "Q": 20, "M": 24}  # origins over the last five years of data
# quarterly tables are backtested over whole business cycles: every origin from 2001 Q1 (the 2002-03, 2008-09 and
# 2012-13 downturns, their recoveries, COVID-19 and the 2021-22 boom), so selection and intervals do not rest on one
# episode
WHOLE_CYCLES_FROM = {"Q": 2001 * 4}
LAGS = {"Y": 3, "SY": 3, "Q": 8, "M": 12}
MIN_TRAIN = {"Y": 3, "SY": 3, "Q": 16, "M": 36}


@dataclass(frozen=True)
class Series:
    series_id: str
    frequency: str
    first_index: int  # period index of values[0]
    values: np.ndarray

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.values) - 1

    def until(self, index: int) -> Series:
        return Series(self.series_id, self.frequency, self.first_index, self.values[: index - self.first_index + 1])


def panel_from_frame(frame: pl.DataFrame) -> list[Series]:
    """Series from a long frame with series_id, frequency, period_index and value (consecutive, no nulls)."""
    panel = []
    for (series_id, frequency), group in frame.sort("period_index").group_by(
        ["series_id", "frequency"], maintain_order=True
    ):
        index = group["period_index"].to_numpy()
        if len(index) > 1 and not np.all(np.diff(index) == 1):
            raise ValueError(f"series {series_id} has gaps in its periods; fill or drop them before forecasting")
        panel.append(Series(series_id, frequency, int(index[0]), group["value"].to_numpy().astype(float)))
    return panel


def usable_series(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a long frame into series fit to forecast and the rest, with the reason each was left out."""
    summary = frame.group_by("series_id").agg(
        pl.col("value").is_null().any().alias("has_missing"),
        (pl.col("period_index").max() - pl.col("period_index").min() + 1 != pl.len()).alias("has_gaps"),
        pl.len().alias("periods"),
    )
    dropped = summary.filter(pl.col("has_missing") | pl.col("has_gaps") | (pl.col("periods") < 3)).select(
        "series_id",
        pl.when(pl.col("has_missing"))
        .then(pl.lit("missing values (CBS symbol)"))
        .when(pl.col("has_gaps"))
        .then(pl.lit("periods missing"))
        .otherwise(pl.lit("fewer than 3 periods"))
        .alias("reason"),
    )
    return frame.filter(~pl.col("series_id").is_in(dropped["series_id"].implode())), dropped


def mase_scale(values: np.ndarray, season_length: int) -> float:
    """Mean absolute seasonal-naive error in sample: the MASE denominator (1 when the series is flat)."""
    m = season_length if len(values) > season_length else 1
    scale = float(np.mean(np.abs(values[m:] - values[:-m]))) if len(values) > m else 0.0
    return scale if scale > 0 else 1.0


def pool_of(series_id: pl.Expr) -> pl.Expr:
    """Interval widths are pooled per CBS table (the first part of the series id): tables differ in noise."""
    return series_id.str.split(" | ").list.first()


def pool_of_id(series_id: str) -> str:
    """pool_of for one series id."""
    return series_id.split(" | ")[0]


def last_period_index(frequency: str, end_year: int) -> int:
    """The period index of the last period to forecast: school years end in `end_year`, so start a year before."""
    return {"Y": end_year, "SY": end_year - 1, "Q": end_year * 4 + 3, "M": end_year * 12 + 11}[frequency]


def period_start_expr(index: pl.Expr, frequency: pl.Expr) -> pl.Expr:
    """Inverse of the staging period index: the first day of the period."""
    return (
        pl.when(frequency == "Q")
        .then(pl.date(index // 4, (index % 4) * 3 + 1, 1))
        .when(frequency == "M")
        .then(pl.date(index // 12, index % 12 + 1, 1))
        .when(frequency == "SY")
        .then(pl.date(index, 10, 1))
        .otherwise(pl.date(index, 1, 1))
    )
