import numpy as np
import polars as pl
import pytest

from models.forecasting.backtest import backtest_series, mase_by_horizon, select_models
from models.forecasting.candidates import (
    DAMPED_TREND,
    GLOBAL_MODEL,
    NAIVE_DAMPED,
    SMOOTHING_COMBINATION,
    GlobalRidge,
    baseline_forecast,
    features,
    forecast_all,
)
from models.forecasting.forecast import accuracy_by_table, forecast_panel
from models.forecasting.intervals import ALL_TABLES, interval_widths
from models.forecasting.panel import Series, panel_from_frame
from models.forecasting.smoothing import seasonal_indices, smoothing_forecasts


def test_baselines():
    values = np.array([10.0, 12.0, 14.0, 16.0, 11.0, 13.0, 15.0, 17.0])
    assert baseline_forecast(values, 3, "naive", 4).tolist() == [17.0, 17.0, 17.0]
    assert baseline_forecast(values, 5, "seasonal_naive", 4).tolist() == [11.0, 13.0, 15.0, 17.0, 11.0]
    assert baseline_forecast(values, 2, "drift", 1).tolist() == [18.0, 19.0]


def test_smoothing_carries_a_trend_on_but_the_damped_trend_lets_it_fade():
    steady = 100 * 1.02 ** np.arange(40)  # 2% a quarter
    fits = smoothing_forecasts([steady], 12, 1, holt_steps=8)
    holt, damped, ses = fits["holt"][0], fits["damped"][0], fits["ses"][0]
    assert holt[:8] == pytest.approx(steady[-1] * 1.02 ** np.arange(1, 9), rel=1e-3)  # the trend, carried on ...
    assert holt[8:] == pytest.approx(np.full(4, holt[7]))  # ... as far as the backtest judged it, then held
    steps = np.diff(np.log(np.r_[steady[-1], damped]))
    assert np.all(np.diff(steps) < 0) and steps[0] > 0  # still rising, ever less: the trend fades
    assert ses == pytest.approx(np.full(12, ses[0])) and ses[0] < steady[-1]  # no trend: a level, lagging growth


def test_smoothing_keeps_each_series_seasonal_pattern_whatever_its_length():
    pattern = np.array([0.9, 1.1, 1.0, 1.0])
    long = 200 * np.tile(pattern, 10)
    short = 50 * np.tile(pattern, 3)[1:-1]  # from a second to a third quarter: seasons count from each start
    fits = smoothing_forecasts([long, short], 4, 4, holt_steps=4)
    assert fits["ses"][0] == pytest.approx(200 * pattern, rel=1e-6)
    assert fits["damped"][1] == pytest.approx(50 * np.roll(pattern, -3), rel=1e-6)


def test_smoothing_is_offered_where_whole_cycles_judged_it_only():
    quarterly = [Series("q", "Q", 2000 * 4, 100 * 1.01 ** np.arange(40))]
    yearly = [Series("y", "Y", 2013, 100 * 1.05 ** np.arange(10))]
    assert {DAMPED_TREND, NAIVE_DAMPED, SMOOTHING_COMBINATION} <= set(forecast_all(quarterly, 8, "Q")["q"])
    assert DAMPED_TREND not in forecast_all(yearly, 4, "Y")["y"]  # five yearly origins are one episode


def test_seasonal_indices_sum_to_zero_and_vanish_for_yearly_or_short_series():
    logs = np.log(np.tile([0.9, 1.1, 1.0, 1.0], 5) * np.linspace(100, 140, 20))
    indices = seasonal_indices(logs, 4)
    assert indices.sum() == pytest.approx(0.0) and indices[1] > indices[2] > indices[0]
    assert seasonal_indices(logs, 1).tolist() == [0.0]
    assert seasonal_indices(logs[:8], 4).tolist() == [0.0] * 4


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
    scores = mase_by_horizon(backtest_series(growing_panel(), "Y"))
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
        {
            "series_id": "t | a",
            "model": "chosen",
            "origin": [1, 2, 3] * 2,
            "horizon": [1, 1, 1, 2, 2, 2],
            "scaled_error": [0.5, -1.0, 0.2, 1.5, -2.0, 0.1],
        }
    )
    widths = interval_widths(errors, horizon=8).filter(pl.col("pool") == "t").sort("horizon")
    assert widths["q95"].to_list()[-1] == pytest.approx(2.0 * np.sqrt(8 / 2))
    assert np.all(np.diff(widths["q80"].to_numpy()) >= 0)


def test_a_table_backtested_at_too_few_origins_gets_intervals_no_narrower_than_all_tables():
    def errors(table: str, origins: int, size: float) -> pl.DataFrame:
        n = 40 * origins
        return pl.DataFrame(
            {
                "series_id": [f"{table} | s{i % 40}" for i in range(n)],
                "model": "chosen",
                "origin": [i // 40 for i in range(n)],
                "horizon": 1,
                "scaled_error": np.full(n, size),
            }
        )

    widths = interval_widths(
        pl.concat([errors("thin", 1, 0.1), errors("lucky", 5, 0.1), errors("thick", 5, 1.0)]), horizon=1
    )
    q80 = dict(zip(widths["pool"], widths["q80"], strict=True))
    assert q80["thick"] == q80[ALL_TABLES] == 1.0
    assert q80["lucky"] == 0.1  # five origins: its own errors, even when small
    assert q80["thin"] == 1.0  # one origin is no sample: no narrower than the widths of every table


def test_features_are_scale_free_and_name_the_season_of_the_target():
    quarterly = np.array([100, 120, 90, 110, 105, 126, 94, 116, 110, 132], dtype=float)
    rows = features(quarterly, horizon=1, lags=4, season_length=4)
    assert rows.shape == (6, 6)  # a row for each period from the 5th on: 4 growths, the seasonal ratio, the mean
    assert features(quarterly * 1000, horizon=1, lags=4, season_length=4) == pytest.approx(rows)
    last = rows[-1]
    assert last[:4] == pytest.approx(np.diff(np.log(quarterly[-5:])))
    # the seasonal feature for horizon h: log ratio of the target's quarter a year before to the last value
    assert last[4] == pytest.approx(np.log(quarterly[-4] / quarterly[-1]))
    assert features(quarterly, horizon=2, lags=4, season_length=4)[-1, 4] == pytest.approx(
        np.log(quarterly[-3] / quarterly[-1])
    )
    # each row only sees the past: the row for period 5 is the last row of the first five values
    assert rows[0] == pytest.approx(features(quarterly[:5], horizon=1, lags=4, season_length=4)[-1])


def test_the_global_model_forecasts_short_panels_from_the_horizons_it_can_fit():
    panel = growing_panel(n_series=12, n_years=6)  # 6 years: rows for horizon 1 and 2 only
    ridge = GlobalRidge("Y", horizon=4).fit(panel)
    assert sorted(ridge.models) == [1, 2]
    forecast = ridge.predict(panel, horizon=4)["s0"]
    assert np.all(np.diff(forecast) > 0)  # growth carried on past horizon 2


def scores_of(mase: dict[str, dict[str, float]]) -> pl.DataFrame:
    rows = [(series, model, 1, value) for series, models in mase.items() for model, value in models.items()]
    return pl.DataFrame(rows, schema=["series_id", "model", "horizon", "mase"], orient="row")


def test_a_series_keeps_its_tables_model_unless_its_own_backtest_clearly_favours_another():
    scores = scores_of(
        {
            "t | a": {"naive": 1.00, "drift": 1.05, GLOBAL_MODEL: 0.80},
            "t | b": {"naive": 1.00, "drift": 0.95, GLOBAL_MODEL: 0.98},  # drift better by 3%: not enough
            "t | c": {"naive": 1.00, "drift": 0.70, GLOBAL_MODEL: 0.90},  # drift better by 22%: its own
        }
    )
    chosen = {row["series_id"]: row for row in select_models(scores).iter_rows(named=True)}
    assert chosen["t | a"]["model"] == GLOBAL_MODEL and chosen["t | a"]["table_model"] == GLOBAL_MODEL
    assert chosen["t | b"]["model"] == GLOBAL_MODEL and chosen["t | b"]["own_best"] == "drift"
    assert chosen["t | b"]["best_baseline"] == "drift" and chosen["t | b"]["best_baseline_mase"] == 0.95
    assert chosen["t | c"]["model"] == "drift"
    # without the margin every series takes its own winner
    assert dict(select_models(scores, margin=0.0).select("series_id", "model").iter_rows())["t | b"] == "drift"


def test_the_forecast_table_says_why_each_model_was_chosen():
    forecasts, scores = forecast_panel(growing_panel(), "Y", 2030)
    reasons = forecasts.select("series_id", "model", "selection_reason").unique()
    assert reasons["selection_reason"].null_count() == 0
    assert reasons["selection_reason"].str.contains("best").all()
    chosen = scores.filter(pl.col("chosen"))
    assert chosen.select("series_id", "model").unique().height == reasons.height
    summary = accuracy_by_table(forecasts, scores)  # each id here is a table of its own
    assert summary["series"].sum() == 12
    assert summary["mase_chosen"].mean() < summary["mase_best_baseline"].mean()


def test_intervals_cover_about_as_often_as_they_claim_on_noisy_series():
    rng = np.random.default_rng(7)
    panel = [
        Series(f"t | s{i}", "Q", 2000 * 4, 1000 * np.exp(np.cumsum(rng.normal(0.005, 0.02, 80)))) for i in range(40)
    ]
    _, scores = forecast_panel(panel, "Q", 2025 * 4 + 3)
    chosen = scores.filter(pl.col("chosen"))
    assert 0.72 <= chosen["coverage_80"].mean() <= 0.88
    assert 0.90 <= chosen["coverage_95"].mean() <= 0.98


def calm_then_stormy_panel() -> list[Series]:
    """Random walks whose shocks are five times larger in odd years: the 'stormy' regime."""
    rng = np.random.default_rng(3)
    years = np.repeat(np.arange(2000, 2020), 4)
    sigma = np.where(years % 2 == 1, 0.05, 0.01)
    return [Series(f"t | s{i}", "Q", 2000 * 4, 1000 * np.exp(np.cumsum(rng.normal(0, sigma)))) for i in range(30)]


def test_intervals_are_calibrated_on_the_origins_of_the_regime_the_forecasts_start_in():
    panel = calm_then_stormy_panel()
    labels = pl.DataFrame({"period_index": np.arange(2000 * 4, 2020 * 4)}).with_columns(
        pl.when((pl.col("period_index") // 4) % 2 == 1).then(pl.lit("stormy")).otherwise(pl.lit("calm")).alias("regime")
    )
    last = 2019 * 4 + 3  # the panel ends in a stormy year
    stormy, _ = forecast_panel(panel, "Q", last + 8, origin_regimes=labels)
    calm, _ = forecast_panel(panel, "Q", last + 8, origin_regimes=labels.with_columns(pl.lit("calm").alias("regime")))
    overall, _ = forecast_panel(panel, "Q", last + 8)
    width = {
        name: float(
            frame.filter(pl.col("horizon") == 1).select((pl.col("upper_80") - pl.col("lower_80")).mean()).item()
        )
        for name, frame in (("stormy", stormy), ("calm", calm), ("overall", overall))
    }
    assert width["stormy"] > 1.2 * width["overall"]  # only the stormy origins calibrate: wider than all together
    assert width["calm"] == pytest.approx(width["overall"])  # every origin is "calm" here: the same as all
    assert stormy["interval_basis"].unique().to_list() == [
        "chosen models' backtest errors, origins in the current regime (stormy)"
    ]
    assert overall["interval_basis"].unique().to_list() == ["chosen models' backtest errors, all origins"]


def test_a_regime_with_too_few_backtest_errors_falls_back_to_all_origins():
    panel = calm_then_stormy_panel()[:2]  # 2 series x ~20 origins: fewer than MIN_REGIME_ERRORS per horizon
    labels = pl.DataFrame({"period_index": np.arange(2000 * 4, 2020 * 4), "regime": "stormy"})
    forecasts, _ = forecast_panel(panel, "Q", 2021 * 4 + 3, origin_regimes=labels)
    assert forecasts["interval_basis"].unique().to_list() == ["chosen models' backtest errors, all origins"]


def test_a_series_with_gaps_is_refused():
    frame = pl.DataFrame(
        {"series_id": ["a"] * 3, "frequency": ["Y"] * 3, "period_index": [2001, 2002, 2004], "value": [1.0, 2.0, 3.0]}
    )
    with pytest.raises(ValueError, match="series a has gaps"):
        panel_from_frame(frame)


def test_a_series_whose_latest_value_is_zero_gets_a_model_that_can_forecast_it():
    panel = growing_panel()
    zeroed = panel[0].values.copy()
    zeroed[-1] = 0.0  # the Ridge model, which works on log growth, won the backtest but cannot forecast from here
    panel[0] = Series("s0", "Y", 2009, zeroed)
    forecasts, scores = forecast_panel(panel, "Y", 2030)
    model = forecasts.filter(pl.col("series_id") == "s0")["model"].unique().to_list()
    assert len(model) == 1 and model[0] not in (GLOBAL_MODEL, "combination")  # both need log growth
    assert scores.filter(pl.col("series_id") == "s0", pl.col("chosen"))["model"].unique().to_list() == model
