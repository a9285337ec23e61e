"""Exponential smoothing for a whole panel at once: simple (SES), Holt's linear trend and Gardner-McKenzie's damped
trend, on each series' seasonally adjusted logs, with the smoothing parameters of every series chosen from a grid by
its in-sample one-step squared error.

These are the M4 competition's benchmark methods; the mean of the three ("Comb", Makridakis et al. 2020) beat most
submissions there, and the damped trend is the classic forecast for series that turn (Gardner 1985): a trend is
carried on but fades, so a boom is not extrapolated to 2030. All series are fitted together, aligned on their last
value, so one numpy step per period serves the whole panel and every parameter of the grid.
"""

from __future__ import annotations

import numpy as np

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99)  # level smoothing
BETAS = (0.01, 0.05, 0.1, 0.2, 0.3)  # trend smoothing (a share of alpha, as in the error-correction form)
PHIS = (0.8, 0.9, 0.95, 0.98)  # damping per period: 0.9 a quarter keeps a third of the trend two years on


def seasonal_indices(logs: np.ndarray, season_length: int) -> np.ndarray:
    """Classical additive decomposition of a log series: the mean deviation of each season (position modulo
    season_length, counted from the first value) from the centred moving average, summing to zero. Zero when the
    series is yearly or shorter than two years and a period."""
    if season_length == 1 or len(logs) < 2 * season_length + 1:
        return np.zeros(season_length)
    weights = np.r_[0.5, np.ones(season_length - 1), 0.5] / season_length  # the centred 2 x m moving average
    trend = np.convolve(logs, weights, mode="valid")
    offset = season_length // 2
    deviation = logs[offset : offset + len(trend)] - trend
    season = (np.arange(len(deviation)) + offset) % season_length
    indices = np.array([deviation[season == k].mean() for k in range(season_length)])
    return indices - indices.mean()


def _grid(alphas: tuple, betas: tuple, phis: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    alpha, beta, phi = np.meshgrid(alphas, betas, phis, indexing="ij")
    return alpha.ravel(), beta.ravel(), phi.ravel()


def _fit(
    padded: np.ndarray, starts: np.ndarray, grid: tuple, horizon: int, with_trend: bool, trend_steps: int
) -> np.ndarray:
    """Smooth every series (rows of `padded`, right-aligned, real from column `starts`) with every parameter set of
    the grid, keep each series' set with the least one-step squared error, and forecast `horizon` steps, the trend
    carried for at most `trend_steps` of them."""
    alpha, beta, phi = grid
    n_series, n_periods = padded.shape
    rows = np.arange(n_series)
    level = np.repeat(padded[rows, starts][:, None], len(alpha), axis=1)
    first_change = padded[rows, np.minimum(starts + 1, n_periods - 1)] - padded[rows, starts]
    trend = np.repeat(first_change[:, None], len(alpha), axis=1) if with_trend else np.zeros_like(level)
    squared_error = np.zeros_like(level)
    for t in range(1, n_periods):
        active = (t > starts)[:, None]
        expected = level + phi * trend
        error = padded[:, t, None] - expected
        squared_error += np.where(active, error**2, 0.0)
        level = np.where(active, expected + alpha * error, level)
        trend = np.where(active, phi * trend + alpha * beta * error, trend)
    best = np.argmin(squared_error, axis=1)
    damping = np.cumsum(phi[best][:, None] ** np.arange(1, horizon + 1) * (np.arange(horizon) < trend_steps), axis=1)
    return level[rows, best][:, None] + damping * trend[rows, best][:, None]


def smoothing_forecasts(
    panel: list[np.ndarray], horizon: int, season_length: int, holt_steps: int
) -> dict[str, list[np.ndarray]]:
    """SES, Holt and damped-trend forecasts for a panel of positive series (each at least three values), in the
    panel's order, as levels: fitted on the logs after removing each series' seasonal pattern, which is put back.
    Holt's trend is carried `holt_steps` ahead and then held: undamped, it would double a two-year spurt by 2030."""
    logs = [np.log(values) for values in panel]
    seasons = [seasonal_indices(series, season_length) for series in logs]
    adjusted, ahead = [], []  # the seasonally adjusted history, and the seasonal pattern of the periods ahead
    for series, season in zip(logs, seasons, strict=True):
        adjusted.append(series - season[np.arange(len(series)) % season_length])
        ahead.append(season[np.arange(len(series), len(series) + horizon) % season_length])
    width = max(map(len, adjusted))
    starts = np.array([width - len(series) for series in adjusted])
    padded = np.zeros((len(adjusted), width))
    for row, series in enumerate(adjusted):
        padded[row, starts[row] :] = series
    fits = {
        "ses": _fit(padded, starts, _grid(ALPHAS, (0.0,), (1.0,)), horizon, False, 0),
        "holt": _fit(padded, starts, _grid(ALPHAS, BETAS, (1.0,)), horizon, True, holt_steps),
        "damped": _fit(padded, starts, _grid(ALPHAS, BETAS, PHIS), horizon, True, horizon),
    }
    return {name: [np.exp(fit[row] + ahead[row]) for row in range(len(panel))] for name, fit in fits.items()}
