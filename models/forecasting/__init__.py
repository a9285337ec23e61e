"""Forecasting the CBS series, by stage (pure Python on polars frames and numpy arrays, no Dagster):

- `panel`: the series of one frequency and what every stage shares (periods, horizons, origins, MASE scale, pools);
- `candidates`: the models that compete (baselines, exponential smoothing in `smoothing`, a global Ridge, combinations);
- `backtest`: the rolling-origin backtest, its scores and the model chosen per series;
- `intervals`: prediction intervals calibrated on the backtest's errors, by labour-market regime (`regimes`);
- `forecast`: the whole step for one frequency (`forecast_panel`) and the accuracy per table;
- `coherence`: sector forecasts reconciled so that they add up to their parent's;
- `tables`: the step's warehouse tables (series_forecasts, coherence, backtest) from the marts' history.
"""
