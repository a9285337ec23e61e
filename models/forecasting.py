"""Forecast a panel of CBS series: baselines, a pooled scikit-learn model, rolling-origin backtests, intervals.

Vocabulary follows mlforecast/skforecast: a panel of series, each a run of consecutive periods; a *global* model is
fitted on all series of one frequency at once. Nothing here knows about Dagster or the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from models.smoothing import smoothing_forecasts

SEASON_LENGTH = {"Y": 1, "SY": 1, "Q": 4, "M": 12}
BACKTEST_HORIZON = {"Y": 4, "SY": 4, "Q": 8, "M": 12}
BACKTEST_ORIGINS = {"Y": 5, "SY": 5, "Q": 20, "M": 24}  # origins over the last five years of data
# quarterly tables are backtested over whole business cycles: every origin from 2001 Q1 (the 2002-03, 2008-09 and
# 2012-13 downturns, their recoveries, COVID-19 and the 2021-22 boom), so selection and intervals do not rest on one
# episode
WHOLE_CYCLES_FROM = {"Q": 2001 * 4}
LAGS = {"Y": 3, "SY": 3, "Q": 8, "M": 12}
MIN_TRAIN = {"Y": 3, "SY": 3, "Q": 16, "M": 36}
BASELINES = ("naive", "seasonal_naive", "drift")
# exponential smoothing (models/smoothing.py): candidates that turn with the cycle, for the frequencies backtested
# over whole cycles, which support them (benchmarks/forecast_cycles.py); the two-year local trends they replaced lost
DAMPED_TREND = "damped_trend"  # Holt's trend, fading (Gardner-McKenzie)
SMOOTHING_COMBINATION = "ses_holt_damped"  # the mean of SES, Holt and damped trend: the M4 "Comb" benchmark
NAIVE_DAMPED = "naive_damped"  # the mean of no change and the damped trend
GLOBAL_MODEL = "ridge_global"
COMBINATION = "combination"  # the mean of drift and the global model: combinations are hard to beat
SELECTION_MARGIN = 0.10  # a series leaves its table's winning model only for one >10% better on its own
MIN_ROWS = 10  # fewer training rows than this for a horizon: no Ridge for it
MIN_POOL_ERRORS = 30  # fewer backtest errors than this in a table: its intervals are no narrower than all tables'
MIN_POOL_ORIGINS = 3  # ... and so for a table backtested at fewer origins than this (one year is no sample)
CHOSEN = "chosen"  # the model label of the errors of each series' chosen model, which calibrate its intervals
ALL_TABLES = "*"  # the pool of widths calibrated on every table of the frequency
# fewer chosen-model errors of origins in the current regime at a horizon: all of a table's origins calibrate
MIN_REGIME_ERRORS = 200
Z_80, Z_95 = 0.8, 0.95


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


def drift_slope(values: np.ndarray) -> float:
    """The average change per period over the whole history."""
    return (values[-1] - values[0]) / (len(values) - 1) if len(values) > 1 else 0.0


def baseline_forecast(values: np.ndarray, horizon: int, method: str, season_length: int) -> np.ndarray:
    steps = np.arange(1, horizon + 1)
    if method == "naive":
        return np.full(horizon, values[-1])
    if method == "seasonal_naive":
        m = min(season_length, len(values))
        return values[-m + (steps - 1) % m]
    if method == "drift":
        return values[-1] + drift_slope(values) * steps
    raise ValueError(f"unknown baseline {method!r}")


def features(values: np.ndarray, horizon: int, lags: int, season_length: int) -> np.ndarray:
    """Scale-free features for a forecast made at each period from `lags` on: one row per period, in order.

    Row t holds the log growth of the `lags` periods up to t, their mean, and the seasonal-naive log ratio for the
    target's season (log of the value a year before the target over the value at t).
    """
    logs = np.log(values)
    growth = np.lib.stride_tricks.sliding_window_view(np.diff(logs), lags)  # row k: growth up to period k + lags
    ends = np.arange(lags, len(values))
    if season_length > 1:
        seasonal = logs[ends + 1 - season_length + (horizon - 1) % season_length] - logs[ends]
    else:
        seasonal = np.zeros(len(ends))
    return np.column_stack([growth, seasonal, growth.mean(axis=1)])


class GlobalRidge:
    """Direct multi-step Ridge regression of log(y[t+h] / y[t]) pooled over all positive series of a frequency."""

    def __init__(self, frequency: str, horizon: int, alpha: float = 1.0) -> None:
        self.frequency, self.horizon, self.alpha = frequency, horizon, alpha
        self.lags, self.season_length = LAGS[frequency], SEASON_LENGTH[frequency]
        self.models: dict[int, object] = {}  # horizon -> fitted sklearn Ridge

    def usable(self, series: Series) -> bool:
        return len(series.values) > self.lags + 1 and bool(np.all(series.values > 0))

    def fit(self, panel: list[Series]) -> GlobalRidge:
        """One Ridge per horizon with at least MIN_ROWS training rows; short panels get only the near horizons."""
        from sklearn.linear_model import Ridge  # seconds to import: only where a model is fitted

        for h in range(1, self.horizon + 1):
            rows, targets = [], []
            for series in filter(self.usable, panel):
                logs = np.log(series.values)
                n_rows = max(len(logs) - h - self.lags, 0)  # forecasts made at periods whose target is known
                rows.append(features(series.values, h, self.lags, self.season_length)[:n_rows])
                targets.append(logs[self.lags + h :] - logs[self.lags : len(logs) - h])
            if sum(len(t) for t in targets) < MIN_ROWS:
                break  # longer horizons have even fewer rows
            self.models[h] = Ridge(alpha=self.alpha).fit(np.concatenate(rows), np.concatenate(targets))
        return self

    def predict(self, panel: list[Series], horizon: int) -> dict[str, np.ndarray]:
        """Forecasts for the usable series of `panel`, one model call per horizon for all of them."""
        usable = list(filter(self.usable, panel))
        if not usable or not self.models:
            return {}
        top = max(self.models)
        log_ratios = np.empty((len(usable), horizon))
        for h in range(1, horizon + 1):
            rows = np.array([features(s.values, h, self.lags, self.season_length)[-1] for s in usable])
            log_ratios[:, h - 1] = self.models[min(h, top)].predict(rows)
            if h > top:  # beyond the fitted horizons: carry the last fitted horizon's growth per step forward
                log_ratios[:, h - 1] *= h / top
        return {s.series_id: s.values[-1] * np.exp(log_ratios[i]) for i, s in enumerate(usable)}


def mase_scale(values: np.ndarray, season_length: int) -> float:
    """Mean absolute seasonal-naive error in sample: the MASE denominator (1 when the series is flat)."""
    m = season_length if len(values) > season_length else 1
    scale = float(np.mean(np.abs(values[m:] - values[:-m]))) if len(values) > m else 0.0
    return scale if scale > 0 else 1.0


def forecast_all(panel: list[Series], horizon: int, frequency: str) -> dict[str, dict[str, np.ndarray]]:
    """Every model's forecast for every series of one frequency, fitted on the panel as given."""
    season_length = SEASON_LENGTH[frequency]
    ridge_forecasts = GlobalRidge(frequency, BACKTEST_HORIZON[frequency]).fit(panel).predict(panel, horizon)
    # only where whole cycles judged them: on the yearly tables' five origins (one boom) Holt's trend carried the
    # 2021-22 jump on, almost fourfold by 2030 for some fields of study
    smoothable = [s for s in panel if len(s.values) >= 3 and np.all(s.values > 0)]  # logs need positive values
    smoothable = smoothable if frequency in WHOLE_CYCLES_FROM else []
    judged = BACKTEST_HORIZON[frequency]  # past it Holt's trend is not carried on: nothing judged it there
    smoothed = smoothing_forecasts([s.values for s in smoothable], horizon, season_length, judged) if smoothable else {}
    smoothing = {s.series_id: {name: fits[row] for name, fits in smoothed.items()} for row, s in enumerate(smoothable)}
    out: dict[str, dict[str, np.ndarray]] = {}
    for series in panel:
        models = {m: baseline_forecast(series.values, horizon, m, season_length) for m in BASELINES}
        if season_length == 1:
            del models["seasonal_naive"]  # the same as naive for yearly data
        fits = smoothing.get(series.series_id)
        if fits is not None:
            models[DAMPED_TREND] = fits["damped"]
            models[SMOOTHING_COMBINATION] = (fits["ses"] + fits["holt"] + fits["damped"]) / 3
            models[NAIVE_DAMPED] = (models["naive"] + fits["damped"]) / 2
        ridge_forecast = ridge_forecasts.get(series.series_id)
        if ridge_forecast is not None:
            models[GLOBAL_MODEL] = ridge_forecast
            models[COMBINATION] = (ridge_forecast + models["drift"]) / 2
        out[series.series_id] = models
    return out


def backtest_origins(last: int, frequency: str, whole_cycles: bool = True) -> range:
    """The origins of the rolling backtest: since WHOLE_CYCLES_FROM where the frequency has it (and `whole_cycles`),
    otherwise the last BACKTEST_ORIGINS periods."""
    if whole_cycles and frequency in WHOLE_CYCLES_FROM:
        return range(min(WHOLE_CYCLES_FROM[frequency], last - BACKTEST_ORIGINS[frequency]), last)
    return range(last - BACKTEST_ORIGINS[frequency], last)


BACKTEST_SCHEMA = {
    "series_id": pl.String,
    "model": pl.String,
    "origin": pl.Int64,
    "horizon": pl.Int64,
    "actual": pl.Float64,
    "predicted": pl.Float64,
    "scale": pl.Float64,
}


def backtest(panel: list[Series], frequency: str, whole_cycles: bool = True) -> pl.DataFrame:
    """Rolling-origin backtest: refit at each origin on data up to it, score horizons 1..H against what followed.

    Returns one row per series x model x origin x horizon with the scaled error (error / MASE scale).
    """
    horizon, season_length = BACKTEST_HORIZON[frequency], SEASON_LENGTH[frequency]
    last = max(s.last_index for s in panel)
    by_id = {series.series_id: series for series in panel}
    parts = []
    for origin in backtest_origins(last, frequency, whole_cycles):
        train = [
            s.until(origin)
            for s in panel
            if s.last_index > origin and origin - s.first_index + 1 >= MIN_TRAIN[frequency]
        ]
        if not train:
            continue
        forecasts = forecast_all(train, horizon, frequency)
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


def pool_of(series_id: pl.Expr) -> pl.Expr:
    """Interval widths are pooled per CBS table (the first part of the series id): tables differ in noise."""
    return series_id.str.split(" | ").list.first()


def pool_of_id(series_id: str) -> str:
    """pool_of for one series id."""
    return series_id.split(" | ")[0]


def _quantiles(errors: pl.DataFrame) -> pl.DataFrame:
    """|scaled error| quantiles per table pool, model and horizon; thin pools no narrower than all tables'. The pool
    is the `pool` column where the frame has one (worked out once by a caller that calls this many times)."""
    aggregations = (
        pl.col("scaled_error").abs().quantile(Z_80, "higher").alias("q80"),
        pl.col("scaled_error").abs().quantile(Z_95, "higher").alias("q95"),
        pl.len().alias("n"),
        pl.col("origin").n_unique().alias("origins"),
    )
    pooled = errors if "pool" in errors.columns else errors.with_columns(pool_of(pl.col("series_id")).alias("pool"))
    per_pool = pooled.group_by("pool", "model", "horizon").agg(*aggregations)
    overall = errors.group_by("model", "horizon").agg(*aggregations)
    thick = (pl.col("n") >= MIN_POOL_ERRORS) & (pl.col("origins") >= MIN_POOL_ORIGINS)
    return per_pool.join(overall, on=["model", "horizon"], suffix="_all").select(
        "pool",
        "model",
        "horizon",
        pl.when(thick).then(pl.col("q80")).otherwise(pl.max_horizontal("q80", "q80_all")).alias("q80"),
        pl.when(thick).then(pl.col("q95")).otherwise(pl.max_horizontal("q95", "q95_all")).alias("q95"),
    )


def interval_widths(errors: pl.DataFrame, horizon: int) -> pl.DataFrame:
    """Split-conformal quantiles of |scaled error| per table pool, model and horizon, over series and origins, plus
    the pool ALL_TABLES over every table.

    Horizons past the backtest grow with the square root of the horizon; widths never shrink with the horizon.
    """
    everywhere = errors.with_columns(pl.lit(ALL_TABLES).alias("series_id"))  # one pool: the fallback
    quantiles = pl.concat([_quantiles(errors), _quantiles(everywhere)])
    rows = []
    for pool, model in quantiles.select("pool", "model").unique().sort("pool", "model").iter_rows():
        known = quantiles.filter(pl.col("pool") == pool, pl.col("model") == model).sort("horizon")
        q80 = dict(zip(known["horizon"], known["q80"], strict=True))
        q95 = dict(zip(known["horizon"], known["q95"], strict=True))
        top = max(q80)
        w80 = w95 = 0.0
        for h in range(1, horizon + 1):
            base = min(h, top)
            growth = np.sqrt(h / top) if h > top else 1.0
            w80 = max(w80, q80[base] * growth)
            w95 = max(w95, q95[base] * growth, w80)
            rows.append((pool, model, h, w80, w95))
    return pl.DataFrame(rows, schema=["pool", "model", "horizon", "q80", "q95"], orient="row")


def chosen_errors(errors: pl.DataFrame, selection: pl.DataFrame) -> pl.DataFrame:
    """The backtest errors of each series' chosen model, labelled CHOSEN: they calibrate the published intervals.

    Calibrating on the chosen models' own errors, not on every series' errors of that model, keeps intervals from
    inheriting the misses of series that did not choose it (which made them too wide).
    """
    return errors.join(selection.select("series_id", "model"), on=["series_id", "model"]).with_columns(
        pl.lit(CHOSEN).alias("model")
    )


def calibration_errors(
    chosen: pl.DataFrame, origin_regimes: pl.DataFrame | None, regime: str | None
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The chosen models' errors that calibrate the intervals, and per table the words that say which they are.

    Where the labour-market regime of every origin is known (models/regimes.py) and a table has at least
    MIN_REGIME_ERRORS errors at every horizon from origins in the regime its forecasts start in, only those
    calibrate its intervals (Mondrian conformal): errors made in a boom say more about forecasts made in a boom, and
    over whole cycles all-regime widths were too narrow in expansions and too wide in recoveries. Otherwise all of
    the table's origins do.
    """
    labelled = chosen.with_columns(pool_of(pl.col("series_id")).alias("_pool"))
    basis = dict.fromkeys(labelled["_pool"].unique().to_list(), "chosen models' backtest errors, all origins")
    if origin_regimes is None or regime is None:
        return chosen, basis
    labelled = labelled.join(origin_regimes.rename({"period_index": "origin"}), on="origin", how="left")
    in_regime = pl.col("regime") == regime
    counts = labelled.filter(in_regime).group_by("_pool", "horizon").len()
    thick = (
        labelled.select("_pool", "horizon")
        .unique()
        .join(counts, on=["_pool", "horizon"], how="left")
        .group_by("_pool")
        .agg((pl.col("len").fill_null(0) >= MIN_REGIME_ERRORS).all().alias("thick"))
        .filter("thick")["_pool"]
        .to_list()
    )
    basis |= dict.fromkeys(thick, f"chosen models' backtest errors, origins in the current regime ({regime})")
    by_regime = pl.col("_pool").is_in(thick)
    return labelled.filter(~by_regime | in_regime).select(chosen.columns), basis


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
        .join(_out_of_sample_coverage(errors), on=["series_id", "model", "horizon"], how="left")
        .sort("series_id", "model", "horizon")
    )
    published = _out_of_sample_coverage(calibration).drop("model")
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


def _out_of_sample_coverage(errors: pl.DataFrame) -> pl.DataFrame:
    """Coverage of intervals whose widths come from the other origins only, so it is an honest estimate."""
    parts = []
    # the loop copies the frame once per origin: carry a number per series and only the columns the widths need
    series = errors.select(pl.col("series_id").unique(maintain_order=True)).with_row_index("_series")
    ids = errors.select("series_id").join(series, on="series_id", how="left", maintain_order="left")["_series"]
    errors = errors.select(
        ids, pool_of(pl.col("series_id")).alias("pool"), "model", "origin", "horizon", "scaled_error"
    )
    for origin in errors["origin"].unique():
        held_out = errors.filter(pl.col("origin") == origin)
        others = errors.filter(pl.col("origin") != origin)
        if others.is_empty():
            continue
        widths = _quantiles(others)
        parts.append(
            held_out.join(widths, on=["pool", "model", "horizon"], how="inner").with_columns(
                (pl.col("scaled_error").abs() <= pl.col("q80")).alias("in80"),
                (pl.col("scaled_error").abs() <= pl.col("q95")).alias("in95"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "series_id": pl.String,
                "model": pl.String,
                "horizon": pl.Int64,
                "coverage_80": pl.Float64,
                "coverage_95": pl.Float64,
            }
        )
    return (
        pl.concat(parts)
        .group_by("_series", "model", "horizon")
        .agg(pl.col("in80").mean().alias("coverage_80"), pl.col("in95").mean().alias("coverage_95"))
        .join(series, on="_series")
        .select("series_id", "model", "horizon", "coverage_80", "coverage_95")
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


def current_regime(origin_regimes: pl.DataFrame | None, last_index: int) -> str | None:
    """The regime of the last labelled period at or before `last_index` (a table may run a quarter ahead of the
    vacancies the regimes are read from), or None without labels."""
    if origin_regimes is None:
        return None
    known = origin_regimes.filter(pl.col("period_index") <= last_index).sort("period_index")
    return known["regime"][-1] if known.height else None


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
    errors = backtest(panel, frequency) if errors is None else errors
    if not errors.height:
        raise ValueError(f"too few periods to backtest any {frequency} series; intervals would be guesses")
    horizon = max(last_index - s.last_index for s in panel)
    all_forecasts = forecast_all(panel, horizon, frequency)
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
