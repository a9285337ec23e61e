"""Forecast one frequency's panel: backtest, choose, calibrate and forecast every series to the end year
(forecast_panel), and the accuracy per table the release reports."""

from __future__ import annotations

import polars as pl

from models.forecasting.backtest import (
    backtest_series,
    mase_by_horizon,
    score_backtest,
    select_models,
    selection_reason,
)
from models.forecasting.candidates import PanelFeatures, forecast_all
from models.forecasting.intervals import ALL_TABLES, calibration_errors, chosen_errors, current_regime, interval_widths
from models.forecasting.panel import LAGS, SEASON_LENGTH, Series, mase_scale, pool_of, pool_of_id


def forecast_panel(
    panel: list[Series],
    frequency: str,
    last_index: int,
    errors: pl.DataFrame | None = None,
    origin_regimes: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Backtest, select and forecast every series of one frequency up to period index `last_index`.

    Returns (forecasts, backtest scores). `errors` is the panel's backtest when the caller has run it already.
    `origin_regimes` (period_index, regime), where given, lets the intervals be calibrated on the origins in the
    regime of the panel's last period (calibration_errors). Series too short to backtest fall back to the naive
    forecast, and the forecast table says so in its `model` column.
    """
    season_length = SEASON_LENGTH[frequency]
    cache = PanelFeatures(panel, LAGS[frequency], season_length)  # the backtest's and the forecast's features
    errors = backtest_series(panel, frequency, cache=cache) if errors is None else errors
    if not errors.height:
        raise ValueError(f"too few periods to backtest any {frequency} series; intervals would be guesses")
    horizon = max(last_index - s.last_index for s in panel)
    all_forecasts = forecast_all(panel, horizon, frequency, cache)
    # only models that can forecast from the latest data may be chosen (the Ridge model needs positive values)
    available = pl.DataFrame(
        [(series_id, model) for series_id, models in all_forecasts.items() for model in models],
        schema=["series_id", "model"],
        orient="row",
    )
    selection = select_models(mase_by_horizon(errors).join(available, on=["series_id", "model"]))
    regime = current_regime(origin_regimes, max(s.last_index for s in panel))
    calibration, basis = calibration_errors(chosen_errors(errors, selection), origin_regimes, regime)
    scores = score_backtest(errors, selection, calibration)
    chosen = dict(zip(selection["series_id"], selection["model"], strict=True))
    widths = {
        (row["pool"], row["horizon"]): (row["q80"], row["q95"])
        for row in interval_widths(calibration, horizon).iter_rows(named=True)
    }
    rows = []
    for series in panel:
        steps = last_index - series.last_index
        if steps <= 0:
            continue
        model = chosen.get(series.series_id, "naive")
        point = all_forecasts[series.series_id][model][:steps]
        scale = mase_scale(series.values, season_length)
        for h in range(1, steps + 1):
            q80, q95 = widths.get((pool_of_id(series.series_id), h)) or widths[(ALL_TABLES, h)]
            value = point[h - 1]
            rows.append(
                (
                    series.series_id,
                    series.last_index + h,
                    h,
                    value,
                    value - q80 * scale,
                    value + q80 * scale,
                    value - q95 * scale,
                    value + q95 * scale,
                    model if series.series_id in chosen else "naive_unbacktested",
                )
            )
    forecasts = pl.DataFrame(
        rows,
        schema=[
            "series_id",
            "period_index",
            "horizon",
            "point",
            "lower_80",
            "upper_80",
            "lower_95",
            "upper_95",
            "model",
        ],
        orient="row",
    )
    # say, per series, why its model was chosen and how it did against the best baseline in the backtest
    selection_columns = selection.select(
        "series_id",
        pl.col("mean_mase").alias("model_mase"),
        "best_baseline",
        "best_baseline_mase",
        selection_reason(),
    )
    forecasts = forecasts.join(selection_columns, on="series_id", how="left").with_columns(
        pl.col("selection_reason").fill_null("too short to backtest: no change carried on"),
        pool_of(pl.col("series_id"))
        .replace_strict(basis, default="chosen models' backtest errors of all tables of its frequency")
        .alias("interval_basis"),
    )
    return forecasts, scores


def accuracy_by_table(forecasts: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
    """Per table: backtest MASE of the chosen models against each series' best baseline, and interval coverage.

    Over the same origins the models were chosen on, so the MASE flatters the chosen models; the benchmark
    (benchmarks/forecast_accuracy.py) scores them on origins they were not chosen on.
    """
    per_series = forecasts.select("series_id", "model_mase", "best_baseline_mase").unique()
    coverage = scores.filter(pl.col("chosen")).group_by("series_id").agg(pl.col("coverage_80", "coverage_95").mean())
    return (
        per_series.join(coverage, on="series_id", how="left")
        .group_by(pool_of(pl.col("series_id")).alias("table_id"))
        .agg(
            pl.len().alias("series"),
            pl.col("model_mase").mean().alias("mase_chosen"),
            pl.col("best_baseline_mase").mean().alias("mase_best_baseline"),
            pl.col("coverage_80", "coverage_95").mean(),
        )
        .sort("table_id")
    )
