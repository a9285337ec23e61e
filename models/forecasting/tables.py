"""The forecast step's warehouse tables from the marts' history: every modelled series forecast to the end year,
reconciled per sector relation, with the backtest that chose its model."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from models.forecasting.coherence import make_coherent
from models.forecasting.forecast import forecast_panel
from models.forecasting.panel import (
    SEASON_LENGTH,
    Series,
    last_period_index,
    mase_scale,
    panel_from_frame,
    period_start_expr,
    usable_series,
)
from models.forecasting.regimes import regimes_of_panel

FORECAST_COLUMNS = (
    "series_id",
    "table_id",
    "measure",
    "dims",
    "period_start",
    "frequency",
    "horizon",
    "point",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "coherence_adjustment",
    "model",
    "model_mase",
    "best_baseline",
    "best_baseline_mase",
    "selection_reason",
    "interval_basis",
    "trained_until",
    "data_source",
)


class NothingToForecast(ValueError):
    """The end year is not after the last observed year."""


@dataclass(frozen=True)
class ForecastTables:
    series_forecasts: pl.DataFrame
    coherence: pl.DataFrame
    backtest: pl.DataFrame
    left_out: pl.DataFrame  # series_id, reason: the series not fit to forecast


def forecast_tables(history: pl.DataFrame, hierarchy: list[tuple[str, str, bool]], end_year: int) -> ForecastTables:
    """`history`: the modelled marts' observations (series_id, table_id, measure, dims, period_start, frequency,
    period_index, value, data_source); `hierarchy`: (parent, child, complete) sector relations."""
    last_observed = int(history["period_start"].max().year)
    if end_year <= last_observed:
        raise NothingToForecast(
            f"TALENTGAP_END_YEAR={end_year} is not after the last observed year {last_observed}: nothing to forecast"
        )
    usable, left_out = usable_series(history)
    series_info = usable.group_by("series_id").agg(
        pl.col("table_id", "measure", "dims", "frequency", "data_source").first(),
        pl.col("period_start").max().alias("trained_until"),
    )
    forecasts, scores, relations = [], [], []
    for frequency in usable["frequency"].unique().sort():
        observed = usable.filter(pl.col("frequency") == frequency)
        panel = panel_from_frame(observed)
        predicted, scored = forecast_panel(
            panel, frequency, last_period_index(frequency, end_year), origin_regimes=regimes_of_panel(observed)
        )
        coherent, held = make_coherent(
            predicted, observed, _error_scale(panel, scored, frequency), hierarchy, SEASON_LENGTH[frequency]
        )
        forecasts.append(coherent)
        scores.append(scored)
        relations.append(held.with_columns(pl.lit(frequency).alias("frequency")))
    series_forecasts = (
        pl.concat(forecasts)
        .join(series_info, on="series_id")
        .with_columns(period_start_expr(pl.col("period_index"), pl.col("frequency")).alias("period_start"))
        .with_columns(
            pl.col(c).clip(lower_bound=0.0) for c in ("point", "lower_80", "upper_80", "lower_95", "upper_95")
        )
        .select(FORECAST_COLUMNS)
        .sort("series_id", "period_start")
    )
    backtest = (
        pl.concat(scores)
        .join(series_info.select("series_id", "table_id", "frequency"), on="series_id")
        .with_columns(
            # origins as the first day of the last period each backtest forecast saw, readable without the index
            *(period_start_expr(pl.col(c), pl.col("frequency")).alias(c) for c in ("first_origin", "last_origin"))
        )
    )
    coherence = (
        pl.concat(relations)
        .with_columns(period_start_expr(pl.col("period_index"), pl.col("frequency")).alias("period_start"))
        .drop("period_index")
    )
    return ForecastTables(series_forecasts, coherence, backtest, left_out)


def _error_scale(panel: list[Series], scores: pl.DataFrame, frequency: str) -> dict[tuple[str, int], float]:
    """Mean absolute backtest error of each series' chosen model per horizon, in the series' own units: how much
    reconciliation may move its forecast."""
    scale = {series.series_id: mase_scale(series.values, SEASON_LENGTH[frequency]) for series in panel}
    chosen = scores.filter(pl.col("chosen"))
    return {
        (series_id, horizon): mase * scale[series_id]
        for series_id, horizon, mase in chosen.select("series_id", "horizon", "mase").iter_rows()
    }
