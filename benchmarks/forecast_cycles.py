"""Forecasts judged over whole business cycles: the quarterly tables (80472ned open vacancies, 85920NED employment)
backtested from every quarter since WHOLE_CYCLES_FROM (2001 Q1), scored per labour-market regime
(models/forecasting/regimes.py), against the simple baselines and statsforecast's AutoETS, AutoTheta and AutoARIMA.

    uv run python benchmarks/forecast_cycles.py [warehouse] [--reuse-peers | --no-peers]

Run after a pipeline run (default warehouse/talentgap.duckdb). The pipeline backtests these tables the same way
(models/forecasting/) and chooses each series' model on all of it. Honest in time here: at each origin the model of
each series is chosen, and the interval widths calibrated (calibration_errors, as the pipeline does: on the origins
of the regime the forecaster stands in, else all), only on the backtest errors already known then (outcomes seen by
the origin), as a forecaster at that origin could have done. Scored from 2008 on, so the window holds the 2008-09
and 2012-13 downturns, the 2010-11 and 2014 recoveries, the COVID-19 fall and the 2021-22 boom; the origins before
2008 only teach (they hold the 2002-03 downturn). The 2019 cut and the last five years are printed as views.
The peers are fitted at every scored origin in an environment of their own (benchmarks/peers.py; about an hour on
2 cores, cached in .benchmark_cache/: --reuse-peers takes the last fit of the same data and origins, --no-peers
leaves them out).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.forecast_accuracy import PEERS, run_peers  # noqa: E402
from models.forecasting.backtest import backtest_series, mase_by_horizon, select_models  # noqa: E402
from models.forecasting.candidates import BASELINES  # noqa: E402
from models.forecasting.intervals import calibration_errors, chosen_errors, current_regime, interval_widths  # noqa: E402
from models.forecasting.panel import (  # noqa: E402
    SERIES_BACKTEST_HORIZON,
    WHOLE_CYCLES_FROM,
    panel_from_frame,
    pool_of,
    usable_series,
)
from models.forecasting.regimes import REGIMES, regimes_of_panel  # noqa: E402
from sources.registry import TABLES  # noqa: E402

FIRST_SCORED = 2008 * 4
TABLES_SCORED = ("80472ned", "85920NED")
HORIZON = SERIES_BACKTEST_HORIZON["Q"]


def _widths(calibration: tuple[pl.DataFrame, str], suffix: str) -> pl.DataFrame:
    widths = interval_widths(calibration[0], HORIZON)
    return widths.rename({"q80": f"q80{suffix}", "q95": f"q95{suffix}"}).drop("model")


def honest_selection(errors: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Per origin scored: each series' model chosen on the errors known at that origin, and the interval widths the
    pipeline would publish from the same known errors: calibrated on all origins (q80, q95), and on the origins of
    the regime the forecaster stands in where the pipeline does so (q80_regime, q95_regime). Returns the chosen
    rows with both, the model relabelled `selected`."""
    parts = []
    for origin in sorted(o for o in errors["origin"].unique() if o >= FIRST_SCORED):
        known = errors.filter(pl.col("origin") + pl.col("horizon") <= origin)  # outcomes seen by then
        selection = select_models(mase_by_horizon(known))
        chosen = chosen_errors(known, selection)
        regime = current_regime(labels, origin)
        widths = _widths(calibration_errors(chosen, None, None), "").join(
            _widths(calibration_errors(chosen, labels, regime), "_regime"), on=["pool", "horizon"]
        )
        parts.append(
            errors.filter(pl.col("origin") == origin)
            .join(selection.select("series_id", "model"), on=["series_id", "model"])
            .with_columns(pool_of(pl.col("series_id")).alias("pool"), pl.lit("selected").alias("model"))
            .join(widths, on=["pool", "horizon"], how="left")
        )
    return pl.concat(parts)


def peer_errors(usable: pl.DataFrame, errors: pl.DataFrame, reuse: bool) -> pl.DataFrame:
    """statsforecast's models at every scored origin, scaled like ours."""
    parts = []
    for table_id in TABLES_SCORED:
        frame = usable.filter(pool_of(pl.col("series_id")) == table_id)
        ours = errors.filter(pool_of(pl.col("series_id")) == table_id, pl.col("origin") >= FIRST_SCORED)
        origins = sorted(ours["origin"].unique().to_list())
        peers, _ = run_peers(table_id, frame, "Q", origins, reuse)
        known = ours.select("series_id", "origin", "horizon", "actual", "scale").unique()
        parts.append(
            peers.with_columns(
                pl.col("model").str.replace(r"\(.*", ""),
                pl.col("origin").cast(pl.Int64),
                pl.col("horizon").cast(pl.Int64),
            )
            .join(known, on=["series_id", "origin", "horizon"])
            .with_columns(((pl.col("predicted") - pl.col("actual")) / pl.col("scale")).alias("scaled_error"))
            .select("series_id", "model", "origin", "scaled_error")
        )
    return pl.concat(parts)


def mase_table(scored: pl.DataFrame, last: int) -> pl.DataFrame:
    """Mean MASE per table and view of the selected models against the best baseline or peer."""
    views = {"all": pl.lit(True), **{r: pl.col("regime") == r for r in REGIMES}}
    views |= {"2019 cut": pl.col("origin") < 2019 * 4, "last five years": pl.col("origin") >= last - 20}
    others = (*BASELINES, *PEERS)
    rows = []
    for view, condition in views.items():
        per_series = (
            scored.filter(condition)
            .group_by("table", "series_id", "model")
            .agg(pl.col("scaled_error").abs().mean().alias("mase"))
        )
        per_model = per_series.group_by("table", "model").agg(pl.col("mase").mean())
        for (table,), group in per_model.group_by("table"):
            rivals = group.filter(pl.col("model").is_in(others)).sort("mase")
            mase = dict(group.select("model", "mase").iter_rows())
            rows.append(
                (
                    table,
                    view,
                    scored.filter(condition, pl.col("table") == table)["origin"].n_unique(),
                    mase["selected"],
                    rivals["model"][0],
                    rivals["mase"][0],
                    (mase["selected"] / rivals["mase"][0] - 1) * 100,
                    group.sort("mase")["model"][0],
                )
            )
    schema = ["table", "view", "origins", "selected", "best_other", "other_mase", "vs_other_%", "best"]
    return pl.DataFrame(rows, schema=schema, orient="row").sort("table", "view")


def coverage_table(selected: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    coverage = (
        selected.filter(pl.col("pool").is_in(TABLES_SCORED), pl.col("q80").is_not_null())
        .join(labels.rename({"period_index": "origin"}), on="origin")
        .with_columns(
            (pl.col("scaled_error").abs() <= pl.col(f"q{z}{kind}")).alias(f"in_{z}{kind}")
            for z in (80, 95)
            for kind in ("", "_regime")
        )
    )
    shares = [pl.col(c).mean() for c in ("in_80", "in_95", "in_80_regime", "in_95_regime")]
    by_regime = coverage.group_by("pool", "regime").agg(*shares, pl.len())
    overall = coverage.group_by("pool").agg(pl.lit("all").alias("regime"), *shares, pl.len())
    return pl.concat([by_regime, overall.select(by_regime.columns)]).rename({"pool": "table"}).sort("table", "regime")


def main(warehouse: Path, peers: bool, reuse: bool) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        history = pl.concat([conn.sql(s.model_history_sql()).pl() for s in TABLES if s.model_frequency == "Q"])
    usable = usable_series(history)[0]
    labels = regimes_of_panel(usable)
    if labels is None:
        sys.exit(f"{warehouse}: no open-vacancies total for the whole economy (80472ned, A-U) to read regimes from")
    last = int(usable["period_index"].max())
    started = time.perf_counter()
    errors = backtest_series(panel_from_frame(usable), "Q")
    seconds = time.perf_counter() - started
    selected = honest_selection(errors, labels)
    columns = ["series_id", "model", "origin", "scaled_error"]
    scored = [errors.filter(pl.col("origin") >= FIRST_SCORED).select(columns), selected.select(columns)]
    if peers:
        scored.append(peer_errors(usable, errors, reuse))
    scored = (
        pl.concat(scored)
        .with_columns(pool_of(pl.col("series_id")).alias("table"))
        .filter(pl.col("table").is_in(TABLES_SCORED))
        .join(labels.rename({"period_index": "origin"}), on="origin")
    )
    pl.Config.set_tbl_rows(60)
    pl.Config.set_tbl_width_chars(160)
    pl.Config.set_float_precision(3)
    first = WHOLE_CYCLES_FROM["Q"]
    print(f"Backtest from every quarter since {first // 4} Q{first % 4 + 1}: {errors['origin'].n_unique()} origins,")
    print(f"{seconds:.1f} s for our models (every quarterly series, fitted again at each origin)")
    counts = labels.filter(pl.col("period_index").is_between(FIRST_SCORED, last - 1))["regime"].value_counts()
    print(f"Regimes of the origins scored (from 2008): {dict(counts.iter_rows())}")
    rivals = "the simple baselines and statsforecast's models" if peers else "the simple baselines (no peers)"
    print(f"\nMean MASE of the models selected with what was known at each origin, against the best of {rivals}")
    print("Target: at least 5% below the best over the whole window (view 'all')")
    print(mase_table(scored, last))
    print("\nCoverage of the 80% and 95% intervals per regime (targets 72-88% and 90-98% in every regime): widths")
    print("calibrated on all origins (in_80, in_95), and as the pipeline publishes them, on the origins of the")
    print("forecaster's regime (in_80_regime, in_95_regime)")
    print(coverage_table(selected, labels))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", type=Path, default=Path("warehouse/talentgap.duckdb"))
    parser.add_argument("--reuse-peers", action="store_true", help="reuse the peers' cached predictions")
    parser.add_argument("--no-peers", action="store_true", help="leave statsforecast's models out")
    options = parser.parse_args()
    main(options.warehouse, not options.no_peers, options.reuse_peers)
