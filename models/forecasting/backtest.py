"""The rolling-origin backtest of the candidate models and the choice it makes: each series' errors at every origin
and horizon, their scores, and the model chosen per series (its table's winner unless another is clearly better)."""

from __future__ import annotations

import numpy as np
import polars as pl

from models.forecasting.candidates import (
    BASELINES,
    COMBINATION,
    DAMPED_TREND,
    GLOBAL_MODEL,
    NAIVE_DAMPED,
    SMOOTHING_COMBINATION,
    PanelFeatures,
    forecast_all,
)
from models.forecasting.intervals import out_of_sample_coverage
from models.forecasting.panel import (
    LAGS,
    MIN_TRAIN,
    SEASON_LENGTH,
    SERIES_BACKTEST_HORIZON,
    SERIES_BACKTEST_ORIGINS,
    WHOLE_CYCLES_FROM,
    Series,
    mase_scale,
    pool_of,
)

SELECTION_MARGIN = 0.10  # a series leaves its table's winning model only for one >10% better on its own


def series_backtest_origins(last: int, frequency: str, whole_cycles: bool = True) -> range:
    """The origins of the rolling backtest: since WHOLE_CYCLES_FROM where the frequency has it (and `whole_cycles`),
    otherwise the last SERIES_BACKTEST_ORIGINS periods."""
    if whole_cycles and frequency in WHOLE_CYCLES_FROM:
        return range(min(WHOLE_CYCLES_FROM[frequency], last - SERIES_BACKTEST_ORIGINS[frequency]), last)
    return range(last - SERIES_BACKTEST_ORIGINS[frequency], last)


BACKTEST_SCHEMA = {
    "series_id": pl.String,
    "model": pl.String,
    "origin": pl.Int64,
    "horizon": pl.Int64,
    "actual": pl.Float64,
    "predicted": pl.Float64,
    "scale": pl.Float64,
}


def backtest_series(
    panel: list[Series], frequency: str, whole_cycles: bool = True, cache: PanelFeatures | None = None
) -> pl.DataFrame:
    """Rolling-origin backtest: refit at each origin on data up to it, score horizons 1..H against what followed.

    Returns one row per series x model x origin x horizon with the scaled error (error / MASE scale).
    """
    horizon, season_length = SERIES_BACKTEST_HORIZON[frequency], SEASON_LENGTH[frequency]
    cache = cache or PanelFeatures(panel, LAGS[frequency], season_length)
    last = max(s.last_index for s in panel)
    by_id = {series.series_id: series for series in panel}
    parts = []
    for origin in series_backtest_origins(last, frequency, whole_cycles):
        train = [
            s.until(origin)
            for s in panel
            if s.last_index > origin and origin - s.first_index + 1 >= MIN_TRAIN[frequency]
        ]
        if not train:
            continue
        forecasts = forecast_all(train, horizon, frequency, cache)
        parts.append(_origin_errors(train, forecasts, by_id, origin, horizon, season_length))
    frame = pl.concat(parts, rechunk=False) if parts else pl.DataFrame(schema=BACKTEST_SCHEMA)
    return frame.with_columns(((pl.col("predicted") - pl.col("actual")) / pl.col("scale")).alias("scaled_error"))


def _origin_errors(
    train: list[Series],
    forecasts: dict[str, dict[str, np.ndarray]],
    by_id: dict[str, Series],
    origin: int,
    horizon: int,
    season_length: int,
) -> pl.DataFrame:
    """One origin's rows (series x model x horizon, in that order), built as columns: at a hundred times the series
    a row per Python tuple would take several times the memory of the frame itself."""
    ids, models, steps, actuals, predictions, scales = [], [], [], [], [], []
    for series in train:
        actual_series = by_id[series.series_id]
        n = min(horizon, actual_series.last_index - origin)
        actual = actual_series.values[origin - actual_series.first_index + 1 :][:n]
        scale = mase_scale(series.values, season_length)
        for model, predicted in forecasts[series.series_id].items():
            ids.append(series.series_id)
            models.append(model)
            steps.append(n)
            actuals.append(actual)
            predictions.append(predicted[:n])
            scales.append(scale)
    pair = np.repeat(np.arange(len(ids)), steps)
    return pl.DataFrame(
        {
            "series_id": pl.Series(ids, dtype=pl.String).gather(pair),
            "model": pl.Series(models, dtype=pl.String).gather(pair),
            "origin": np.full(len(pair), origin, dtype=np.int64),
            "horizon": np.concatenate([np.arange(1, n + 1) for n in steps]) if steps else np.empty(0, np.int64),
            "actual": np.concatenate(actuals) if actuals else np.empty(0),
            "predicted": np.concatenate(predictions) if predictions else np.empty(0),
            "scale": np.asarray(scales, dtype=np.float64)[pair],
        },
        schema=BACKTEST_SCHEMA,
    )


MASE = pl.col("scaled_error").abs().mean().alias("mase")


def mase_by_horizon(errors: pl.DataFrame) -> pl.DataFrame:
    """Mean absolute scaled error per series x model x horizon: all that model selection needs."""
    return errors.group_by("series_id", "model", "horizon").agg(MASE)


def score_backtest(errors: pl.DataFrame, selection: pl.DataFrame, calibration: pl.DataFrame) -> pl.DataFrame:
    """MASE, sMAPE, bias and leave-one-origin-out interval coverage per series x model x horizon.

    Coverage is that of intervals calibrated on the model's own errors, except on the chosen model's rows
    (chosen = true): those carry the coverage of the intervals as published, calibrated on the chosen models' errors
    (`calibration`, from calibration_errors: all of them, or those of the current regime's origins).
    """
    scores = (
        errors.group_by("series_id", "model", "horizon")
        .agg(
            MASE,
            (
                200
                * (pl.col("predicted") - pl.col("actual")).abs()
                / (pl.col("predicted").abs() + pl.col("actual").abs())
            )
            .fill_nan(0.0)
            .mean()
            .alias("smape"),
            pl.col("scaled_error").mean().alias("bias"),
            pl.col("origin").n_unique().alias("n_origins"),
            pl.col("origin").min().alias("first_origin"),
            pl.col("origin").max().alias("last_origin"),
        )
        .join(out_of_sample_coverage(errors), on=["series_id", "model", "horizon"], how="left")
        .sort("series_id", "model", "horizon")
    )
    published = out_of_sample_coverage(calibration).drop("model")
    return (
        scores.join(selection.select("series_id", "model", chosen=pl.lit(True)), on=["series_id", "model"], how="left")
        .with_columns(pl.col("chosen").fill_null(False))
        .join(published, on=["series_id", "horizon"], how="left", suffix="_published")
        .with_columns(
            pl.when(pl.col("chosen")).then(pl.col(f"{c}_published")).otherwise(pl.col(c)).alias(c)
            for c in ("coverage_80", "coverage_95")
        )
        .drop("coverage_80_published", "coverage_95_published")
    )


def select_models(scores: pl.DataFrame, margin: float = SELECTION_MARGIN) -> pl.DataFrame:
    """Per series, the model that wins its backtest, with the table's winner given the benefit of the doubt.

    A series' own backtest is a noisy referee: its origins overlap and share the same shocks. So each table (pool)
    first names its winner, the model with the lowest mean MASE over its series; a series keeps that model unless
    another beats it on the series' own backtest by more than `margin`. Ties go to the simplest model.
    Returns series_id, model, mean_mase (the chosen model's), table_model, own_best (the winner without the
    margin), best_baseline and best_baseline_mase.
    """
    candidates = [*BASELINES, DAMPED_TREND, NAIVE_DAMPED, SMOOTHING_COMBINATION, GLOBAL_MODEL, COMBINATION]
    order = {m: i for i, m in enumerate(candidates)}
    mean = (
        scores.group_by("series_id", "model")
        .agg(pl.col("mase").mean().alias("mean_mase"))
        .with_columns(
            pool_of(pl.col("series_id")).alias("pool"),
            pl.col("model").replace_strict(order, default=len(order)).alias("_order"),
        )
    )
    table_model = (
        mean.group_by("pool", "model", "_order")
        .agg(pl.col("mean_mase").mean().alias("table_mase"))
        .sort("pool", "table_mase", "_order")
        .group_by("pool", maintain_order=True)
        .first()
        .select("pool", pl.col("model").alias("table_model"))
    )
    handicapped = (
        mean.join(table_model, on="pool")
        .with_columns(
            pl.when(pl.col("model") == pl.col("table_model"))
            .then(pl.col("mean_mase") * (1 - margin))
            .otherwise(pl.col("mean_mase"))
            .alias("_criterion")
        )
        .sort("series_id", "_criterion", "_order")
    )
    best = (
        handicapped.group_by("series_id", maintain_order=True)
        .first()
        .select("series_id", "model", "mean_mase", "table_model")
    )
    own_best = (
        mean.sort("series_id", "mean_mase", "_order")
        .group_by("series_id", maintain_order=True)
        .first()
        .select("series_id", pl.col("model").alias("own_best"))
    )
    best_baseline = (
        mean.filter(pl.col("model").is_in(BASELINES))
        .sort("series_id", "mean_mase", "_order")
        .group_by("series_id", maintain_order=True)
        .first()
        .select("series_id", pl.col("model").alias("best_baseline"), pl.col("mean_mase").alias("best_baseline_mase"))
    )
    return best.join(own_best, on="series_id").join(best_baseline, on="series_id", how="left")


def selection_reason() -> pl.Expr:
    """Why a series got its model, in words, from the columns select_models returns."""
    margin = f"{SELECTION_MARGIN:.0%}"
    reason = (
        pl.when(pl.col("model") == pl.col("table_model"))
        .then(
            pl.when(pl.col("model") == pl.col("own_best"))
            .then(pl.lit("best in its own backtest and in its table's"))
            .otherwise(
                pl.format(f"its table's best; its own best ({{}}) was less than {margin} better", pl.col("own_best"))
            )
        )
        .otherwise(
            pl.format(f"best in its own backtest, over {margin} better than its table's best ({{}})", "table_model")
        )
    )
    behind_baseline = pl.col("mean_mase") > pl.col("best_baseline_mase")
    return (
        pl.when(behind_baseline)
        .then(pl.format("{}; the baseline {} did better on this series alone", reason, "best_baseline"))
        .otherwise(reason)
        .alias("selection_reason")
    )
