"""The candidate models, each fitted on a panel as given and forecasting every series of one frequency: the
baselines (no change, seasonal no change, drift), exponential smoothing (models/forecasting/smoothing.py), a *global*
scikit-learn Ridge fitted on all series of the frequency at once, and their combinations."""

from __future__ import annotations

import numpy as np

from models.forecasting.panel import LAGS, SEASON_LENGTH, SERIES_BACKTEST_HORIZON, WHOLE_CYCLES_FROM, Series
from models.forecasting.smoothing import smoothing_forecasts

BASELINES = ("naive", "seasonal_naive", "drift")
# exponential smoothing (smoothing.py): candidates that turn with the cycle, for the frequencies backtested over whole
# cycles, which support them (benchmarks/forecast_cycles.py); the two-year local trends they replaced lost
DAMPED_TREND = "damped_trend"  # Holt's trend, fading (Gardner-McKenzie)
SMOOTHING_COMBINATION = "ses_holt_damped"  # the mean of SES, Holt and damped trend: the M4 "Comb" benchmark
NAIVE_DAMPED = "naive_damped"  # the mean of no change and the damped trend
GLOBAL_MODEL = "ridge_global"
COMBINATION = "combination"  # the mean of drift and the global model: combinations are hard to beat
MIN_ROWS = 10  # fewer training rows than this for a horizon: no Ridge for it


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


class PanelFeatures:
    """The logs and the feature rows of every period of each series of a panel, worked out once.

    A feature at a period reads only the periods up to it, so a series cut at an earlier origin (the backtest's) has
    the first rows of its whole series' features: the backtest refits at every origin without working them out
    again, and gets the very same numbers. A series not in the panel gets its own, worked out on the spot.
    """

    def __init__(self, panel: list[Series], lags: int, season_length: int) -> None:
        self.lags, self.season_length = lags, season_length
        self._whole = {series.series_id: series for series in panel}
        self._logs: dict[str, np.ndarray] = {}
        self._rows: dict[tuple[str, int], np.ndarray] = {}

    def logs(self, series: Series) -> np.ndarray:
        whole = self._of(series)
        if whole is None:
            return np.log(series.values)
        if series.series_id not in self._logs:
            with np.errstate(divide="ignore", invalid="ignore"):  # past a cut a series may reach zero
                self._logs[series.series_id] = np.log(whole.values)
        return self._logs[series.series_id][: len(series.values)]

    def rows(self, series: Series, horizon: int) -> np.ndarray:
        """features(series.values, horizon, ...): one row per period from `lags` on."""
        whole = self._of(series)
        if whole is None:
            return features(series.values, horizon, self.lags, self.season_length)
        key = (series.series_id, (horizon - 1) % self.season_length)  # the rows differ only in the target's season
        if key not in self._rows:
            with np.errstate(divide="ignore", invalid="ignore"):
                self._rows[key] = features(whole.values, horizon, self.lags, self.season_length)
        return self._rows[key][: len(series.values) - self.lags]

    def _of(self, series: Series) -> Series | None:
        whole = self._whole.get(series.series_id)
        if whole is None or whole.first_index != series.first_index or len(whole.values) < len(series.values):
            return None
        return whole


class GlobalRidge:
    """Direct multi-step Ridge regression of log(y[t+h] / y[t]) pooled over all positive series of a frequency."""

    def __init__(self, frequency: str, horizon: int, alpha: float = 1.0, cache: PanelFeatures | None = None) -> None:
        self.frequency, self.horizon, self.alpha = frequency, horizon, alpha
        self.lags, self.season_length = LAGS[frequency], SEASON_LENGTH[frequency]
        self.cache = cache or PanelFeatures([], self.lags, self.season_length)
        self.models: dict[int, object] = {}  # horizon -> fitted sklearn Ridge

    def usable(self, series: Series) -> bool:
        return len(series.values) > self.lags + 1 and bool(np.all(series.values > 0))

    def fit(self, panel: list[Series]) -> GlobalRidge:
        """One Ridge per horizon with at least MIN_ROWS training rows; short panels get only the near horizons."""
        from sklearn.linear_model import Ridge  # seconds to import: only where a model is fitted

        usable = list(filter(self.usable, panel))
        for h in range(1, self.horizon + 1):
            rows, targets = [], []
            for series in usable:
                logs = self.cache.logs(series)
                n_rows = max(len(logs) - h - self.lags, 0)  # forecasts made at periods whose target is known
                rows.append(self.cache.rows(series, h)[:n_rows])
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
            rows = np.array([self.cache.rows(s, h)[-1] for s in usable])
            log_ratios[:, h - 1] = self.models[min(h, top)].predict(rows)
            if h > top:  # beyond the fitted horizons: carry the last fitted horizon's growth per step forward
                log_ratios[:, h - 1] *= h / top
        return {s.series_id: s.values[-1] * np.exp(log_ratios[i]) for i, s in enumerate(usable)}


def forecast_all(
    panel: list[Series], horizon: int, frequency: str, cache: PanelFeatures | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Every model's forecast for every series of one frequency, fitted on the panel as given (`cache`: the
    features of the whole series the panel's are cut from)."""
    season_length = SEASON_LENGTH[frequency]
    ridge = GlobalRidge(frequency, SERIES_BACKTEST_HORIZON[frequency], cache=cache)
    ridge_forecasts = ridge.fit(panel).predict(panel, horizon)
    # only where whole cycles judged them: on the yearly tables' five origins (one boom) Holt's trend carried the
    # 2021-22 jump on, almost fourfold by 2030 for some fields of study
    smoothable = [s for s in panel if len(s.values) >= 3 and np.all(s.values > 0)]  # logs need positive values
    smoothable = smoothable if frequency in WHOLE_CYCLES_FROM else []
    judged = SERIES_BACKTEST_HORIZON[frequency]  # past it Holt's trend is not carried on: nothing judged it there
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
