"""statsforecast's AutoETS, AutoTheta and AutoARIMA on the benchmark panel, run in an environment of its own.

Called by forecast_accuracy.py through `uv run --no-project --with statsforecast ...` because statsforecast 2.1
needs pandas < 3. Reads the panel and the origins from a Parquet file, writes predictions and fit times back.
Usage: python peers.py IN.parquet OUT.parquet SEASON_LENGTH HORIZON ORIGIN [ORIGIN ...]
Where a peer cannot fit a series (statsforecast refuses "tiny datasets"), its fallback, the naive forecast, is used.
"""

import sys
import time
import warnings

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

warnings.filterwarnings("ignore")


def models(season_length: int) -> list:
    return [
        AutoETS(season_length=season_length),
        AutoTheta(season_length=season_length),
        AutoARIMA(season_length=season_length),
    ]


def main() -> None:
    source, target, season_length, horizon, *origins = sys.argv[1:]
    season_length, horizon = int(season_length), int(horizon)
    panel = pd.read_parquet(source).rename(columns={"series_id": "unique_id", "period_index": "ds", "value": "y"})
    frames, timings = [], []
    for origin in map(int, origins):
        train = panel[panel["ds"] <= origin]
        train = train[train.groupby("unique_id")["ds"].transform("size") >= max(2 * season_length, 4)]
        if train.empty:
            continue
        forecast = StatsForecast(models=models(season_length), freq=1, n_jobs=2, fallback_model=Naive()).forecast(
            df=train, h=horizon
        )
        forecast = forecast.reset_index() if "unique_id" not in forecast.columns else forecast
        forecast["origin"] = origin
        frames.append(forecast)
    for model in models(season_length):  # fit time on all the data, one model at a time
        started = time.perf_counter()
        StatsForecast(models=[model], freq=1, n_jobs=1, fallback_model=Naive()).forecast(df=panel, h=horizon)
        timings.append({"model": repr(model), "seconds": time.perf_counter() - started})
    result = pd.concat(frames)
    result["horizon"] = result["ds"] - result["origin"]
    long = result.melt(id_vars=["unique_id", "ds", "origin", "horizon"], var_name="model", value_name="predicted")
    long.rename(columns={"unique_id": "series_id"}).to_parquet(target)
    pd.DataFrame(timings).to_parquet(target.replace(".parquet", "_timings.parquet"))


if __name__ == "__main__":
    main()
