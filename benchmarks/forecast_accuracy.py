"""Forecast accuracy: our models against the baselines and statsforecast's AutoETS, AutoTheta and AutoARIMA.

Run after a pipeline run (it reads the marts): uv run python benchmarks/forecast_accuracy.py [warehouse]
[--reuse-peers] [--until YEAR] [--tables ID,ID]. The peers' predictions are kept in .benchmark_cache/; --reuse-peers
skips refitting them. --until YEAR scores as if the data ended with YEAR (a check away from the latest years);
--tables reports only those tables (the global model still learns from every table of their frequency).
Default warehouse: warehouse/talentgap.duckdb. The peers run in a separate environment (`uv run --no-project
--with statsforecast`), because statsforecast 2.1 needs pandas < 3; that needs the package index the first time.

Rolling origins over the last five years of each table (20 quarterly or 5 yearly origins), horizons 1-8 quarters or
1-4 years. Model selection is honest: each series' model is chosen on the first half of the origins and scored on
the second half, where every other model is scored too. Prints mean and median MASE per table and model, the
coverage of our 80% and 95% intervals, and the time to fit and forecast every series.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.forecasting.backtest import SELECTION_MARGIN, backtest_series, mase_by_horizon, select_models  # noqa: E402
from models.forecasting.candidates import forecast_all  # noqa: E402
from models.forecasting.forecast import forecast_panel  # noqa: E402
from models.forecasting.panel import (  # noqa: E402
    SEASON_LENGTH,
    SERIES_BACKTEST_HORIZON,
    SERIES_BACKTEST_ORIGINS,
    last_period_index,
    panel_from_frame,
    pool_of,
    usable_series,
)
from models.forecasting.regimes import regimes_of_panel  # noqa: E402
from sources.registry import TABLES  # noqa: E402

PEERS = ("AutoETS", "AutoTheta", "AutoARIMA")
CACHE = Path(".benchmark_cache")


def load_panels(warehouse: Path, until: int | None = None) -> dict[tuple[str, str], pl.DataFrame]:
    panels = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        for spec in TABLES:
            if spec.model_frequency:
                frame = conn.sql(spec.model_history_sql()).pl()
                if until is not None:
                    frame = frame.filter(pl.col("period_index") <= last_period_index(spec.model_frequency, until))
                panels[(spec.table_id, spec.model_frequency)] = usable_series(frame)[0]
    return panels


def run_peers(
    table_id: str, frame: pl.DataFrame, frequency: str, origins: list[int], reuse: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The peers' backtest predictions; with --reuse-peers, those of the last run (they take minutes)."""
    data = frame.select("series_id", "period_index", "value").sort("series_id", "period_index").hash_rows().sum()
    key = f"{table_id}_{min(origins)}-{max(origins)}_{data % 10**8:08d}"  # new data or origins: fit them again
    cache, timings_cache = CACHE / f"{key}.parquet", CACHE / f"{key}_timings.parquet"
    if reuse and cache.exists():
        return pl.read_parquet(cache), pl.read_parquet(timings_cache)
    CACHE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "panel.parquet", Path(folder) / "peers.parquet"
        frame.select("series_id", "period_index", "value").write_parquet(source)
        command = ["uv", "run", "--quiet", "--no-project", "--python", "3.11", "--with", "statsforecast>=2.0,<3",
                   "--with", "pandas<3", "--with", "pyarrow", "python", str(Path(__file__).parent / "peers.py"),
                   str(source), str(target), str(SEASON_LENGTH[frequency]), str(SERIES_BACKTEST_HORIZON[frequency]),
                   *map(str, origins)]  # fmt: skip
        subprocess.run(command, check=True)
        peers, timings = pl.read_parquet(target), pl.read_parquet(str(target).replace(".parquet", "_timings.parquet"))
    peers.write_parquet(cache)
    timings.write_parquet(timings_cache)
    return peers, timings


def main(warehouse: Path, reuse: bool, until: int | None, tables: set[str] | None) -> None:
    rows, coverage_rows, timing_rows = [], [], []
    panels = load_panels(warehouse, until)
    # as in the pipeline, the global model and the backtest run on all tables of one frequency together
    backtests, all_scores = {}, {}
    for frequency in sorted({frequency for _, frequency in panels}):
        together = panel_from_frame(pl.concat([frame for (_, f), frame in panels.items() if f == frequency]))
        # the last five years, as before the whole-cycle backtest: the peers take hours at 71 quarterly origins
        # (benchmarks/forecast_cycles.py scores the whole window without them)
        backtests[frequency] = backtest_series(together, frequency, whole_cycles=False)
        # the pipeline's own selection, and the coverage of its published intervals
        last = last_period_index(frequency, 2030)
        regimes = regimes_of_panel(pl.concat([frame for (_, f), frame in panels.items() if f == frequency]))
        all_scores[frequency] = forecast_panel(together, frequency, last, backtests[frequency], regimes)[1]
    for (table_id, frequency), frame in panels.items():
        if tables and table_id not in tables:
            continue
        panel = panel_from_frame(frame)
        errors = backtests[frequency].filter(pool_of(pl.col("series_id")) == table_id)
        origins = sorted(errors["origin"].unique().to_list())
        if len(origins) < 2:
            print(f"{table_id}: fewer than 2 backtest origins, left out", file=sys.stderr, flush=True)
            continue
        early, late = origins[: len(origins) // 2], origins[len(origins) // 2 :]
        early_scores = mase_by_horizon(errors.filter(pl.col("origin").is_in(early)))
        late_errors = errors.filter(pl.col("origin").is_in(late))
        selected = [
            late_errors.join(select_models(early_scores, margin), on=["series_id", "model"])
            .select(late_errors.columns)
            .with_columns(pl.lit(label).alias("model"))
            for label, margin in (("selected", SELECTION_MARGIN), ("selected_without_margin", 0.0))
        ]
        ours = pl.concat([late_errors, *selected])

        peers, timings = run_peers(table_id, frame, frequency, late, reuse)
        scales = errors.select("series_id", "origin", "scale").unique()
        actuals = errors.select("series_id", "origin", "horizon", "actual").unique()
        peers = (
            peers.with_columns(pl.col("model").str.replace(r"\(.*", ""), pl.col("origin").cast(pl.Int64),
                               pl.col("horizon").cast(pl.Int64))
            .join(actuals, on=["series_id", "origin", "horizon"])
            .join(scales, on=["series_id", "origin"])
            .with_columns(((pl.col("predicted") - pl.col("actual")) / pl.col("scale")).alias("scaled_error"))
        )  # fmt: skip
        columns = ["series_id", "model", "origin", "horizon", "scaled_error"]
        everything = pl.concat([ours.select(columns), peers.select(columns)])
        per_series = everything.group_by("series_id", "model").agg(pl.col("scaled_error").abs().mean().alias("mase"))
        for model, group in per_series.group_by("model"):
            rows.append((table_id, model[0], len(group), float(group["mase"].mean()), float(group["mase"].median())))
        print(f"{table_id}: {frame['series_id'].n_unique()} series done", file=sys.stderr, flush=True)

        chosen = all_scores[frequency].filter(pool_of(pl.col("series_id")) == table_id, pl.col("chosen"))
        coverage_rows.append((table_id, float(chosen["coverage_80"].mean()), float(chosen["coverage_95"].mean())))

        horizon = last_period_index(frequency, 2030) - min(series.last_index for series in panel)
        started = time.perf_counter()
        forecast_all(panel, horizon, frequency)
        timing_rows.append((table_id, "ours: fit + forecast", time.perf_counter() - started))
        started = time.perf_counter()
        forecast_panel(panel, frequency, last_period_index(frequency, 2030))
        timing_rows.append((table_id, "ours: backtest + select + forecast", time.perf_counter() - started))
        for model, seconds in timings.iter_rows():
            timing_rows.append((table_id, model, seconds))

    table = pl.DataFrame(rows, schema=["table", "model", "series", "mean_mase", "median_mase"], orient="row")
    pl.Config.set_tbl_rows(200)
    pl.Config.set_tbl_width_chars(140)
    print("MASE on the later half of the rolling origins (lower is better)")
    print(table.sort("table", "mean_mase"))
    baselines = ("naive", "seasonal_naive", "drift", *PEERS)
    summary = (
        table.filter(pl.col("model").is_in(baselines))
        .group_by("table").agg(pl.col("mean_mase").min().alias("best_other"),
                               pl.col("model").sort_by("mean_mase").first().alias("best_other_model"))
        .join(table.filter(pl.col("model") == "selected").select("table", pl.col("mean_mase").alias("selected")),
              on="table")
        .with_columns(((pl.col("selected") / pl.col("best_other") - 1) * 100).round(1).alias("selected_vs_best_%"))
    )  # fmt: skip
    print("\nSelected model against the best baseline or peer per table")
    print(summary.sort("table"))
    print("\nCoverage of the intervals of the selected models (leave-one-origin-out), targets 72-88% and 90-98%")
    print(pl.DataFrame(coverage_rows, schema=["table", "coverage_80", "coverage_95"], orient="row"))
    print("\nTime to fit and forecast every series of the table, seconds")
    timing = pl.DataFrame(timing_rows, schema=["table", "model", "seconds"], orient="row").with_columns(
        pl.col("model").str.replace(r"\(.*", "")
    )
    print(timing.pivot("model", index="table", values="seconds").sort("table"))
    print("\nAll tables together, seconds")
    print(timing.group_by("model").agg(pl.col("seconds").sum()).sort("seconds"))
    print(f"\norigins per table: {SERIES_BACKTEST_ORIGINS}; horizons: {SERIES_BACKTEST_HORIZON}; np {np.__version__}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path, default=Path("warehouse/talentgap.duckdb"))
    parser.add_argument("--reuse-peers", action="store_true", help="reuse the peers' cached predictions")
    parser.add_argument("--until", type=int, help="score as if the data ended with this year")
    parser.add_argument("--tables", help="comma-separated table ids to report (default: all modelled tables)")
    options = parser.parse_args()
    tables = set(options.tables.split(",")) if options.tables else None
    main(options.warehouse, options.reuse_peers, options.until, tables)
