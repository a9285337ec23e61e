import numpy as np
import polars as pl
import pytest

from models.forecasting import (
    GLOBAL_MODEL,
    Series,
    backtest,
    baseline_forecast,
    forecast_panel,
    interval_widths,
    panel_from_frame,
    score_backtest,
    select_models,
)


def test_baselines():
    values = np.array([10.0, 12.0, 14.0, 16.0, 11.0, 13.0, 15.0, 17.0])
    assert baseline_forecast(values, 3, "naive", 4).tolist() == [17.0, 17.0, 17.0]
    assert baseline_forecast(values, 5, "seasonal_naive", 4).tolist() == [11.0, 13.0, 15.0, 17.0, 11.0]
    assert baseline_forecast(values, 2, "drift", 1).tolist() == [18.0, 19.0]


def growing_panel(n_series: int = 12, n_years: int = 14, seed: int = 1) -> list[Series]:
    """Series that grow by a steady, series-specific rate: a pooled model should learn to carry growth on."""
    rng = np.random.default_rng(seed)
    panel = []
    for i in range(n_series):
        rate = 0.02 + 0.04 * i / n_series
        values = 100 * (1 + rate) ** np.arange(n_years) * rng.lognormal(0, 0.003, n_years)
        panel.append(Series(f"s{i}", "Y", 2009, values))
    return panel


def test_the_global_model_beats_naive_on_steadily_growing_series():
    scores = score_backtest(backtest(growing_panel(), "Y"))
    mean = scores.group_by("model").agg(pl.col("mase").mean())
    mase = dict(mean.iter_rows())
    assert mase[GLOBAL_MODEL] < 0.5 * mase["naive"]
    assert set(select_models(scores)["model"]) <= {GLOBAL_MODEL, "drift", "combination"}


def test_forecasts_reach_the_last_period_with_intervals_that_widen():
    panel = growing_panel()
    forecasts, scores = forecast_panel(panel, "Y", 2030)
    one = forecasts.filter(pl.col("series_id") == "s3").sort("horizon")
    assert one["period_index"].to_list() == list(range(2023, 2031))
    width = (one["upper_95"] - one["lower_95"]).to_numpy()
    assert np.all(np.diff(width) >= 0)
    assert (one["lower_95"] <= one["lower_80"]).all() and (one["lower_80"] <= one["point"]).all()
    assert (one["point"] <= one["upper_80"]).all() and (one["upper_80"] <= one["upper_95"]).all()
    assert {"mase", "smape", "bias", "coverage_80", "coverage_95", "n_origins"} <= set(scores.columns)


def test_interval_widths_grow_past_the_backtested_horizons():
    errors = pl.DataFrame(
        {"series_id": "t | a", "model": ["naive"] * 4, "horizon": [1, 1, 2, 2], "scaled_error": [0.5, -1.0, 1.5, -2.0]}
    )
    widths = interval_widths(errors, horizon=8).sort("horizon")
    assert widths["q95"].to_list()[-1] == pytest.approx(2.0 * np.sqrt(8 / 2))
    assert np.all(np.diff(widths["q80"].to_numpy()) >= 0)


def test_a_series_with_gaps_is_refused():
    frame = pl.DataFrame(
        {"series_id": ["a"] * 3, "frequency": ["Y"] * 3, "period_index": [2001, 2002, 2004], "value": [1.0, 2.0, 3.0]}
    )
    with pytest.raises(ValueError, match="series a has gaps"):
        panel_from_frame(frame)
