"""Forecasts judged over whole business cycles: the quarterly tables (80472ned open vacancies, 85920NED employment)
backtested from every quarter since 2005, scored per labour-market regime (models/regimes.py).

    uv run python benchmarks/forecast_cycles.py [warehouse]   # after a pipeline run; default warehouse/talentgap.duckdb

The pipeline backtests these tables the same way (models/forecasting.py, WHOLE_CYCLES_FROM) and chooses each
series' model on all of it. Honest in time here: at each origin the model of each series is chosen, and the interval
widths calibrated, only on the backtest errors already known then (origins at least the longest horizon earlier), as
a forecaster at that origin could have done. Scored from 2008 on (the first three years only teach), so the window
holds the 2008-09 and 2012-13 downturns, the 2010-11 and 2014 recoveries, the COVID-19 fall and the 2021-22 boom.
Prints, per table and regime, the mean MASE of the selected models against the best simple baseline (naive,
seasonal naive, drift), and the coverage of the 80% and 95% intervals. statsforecast's models are not in this view:
fitting them at 71 origins takes hours here (benchmarks/forecast_accuracy.py compares them on the last five years).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.forecasting import (  # noqa: E402
    BASELINES,
    SELECTION_MARGIN,
    Z_80,
    Z_95,
    backtest,
    mase_by_horizon,
    panel_from_frame,
    pool_of,
    select_models,
    usable_series,
)
from models.regimes import REGIMES, regimes  # noqa: E402
from sources.registry import TABLES  # noqa: E402

FIRST_SCORED = 2008 * 4
TABLES_SCORED = ("80472ned", "85920NED")


MIN_REGIME_ERRORS = 200  # fewer known errors in the origin's regime (per table and horizon): use all regimes'


def _widths(errors: pl.DataFrame, suffix: str = "") -> pl.DataFrame:
    return errors.group_by("pool", "horizon").agg(
        pl.col("scaled_error").abs().quantile(Z_80, "higher").alias(f"q80{suffix}"),
        pl.col("scaled_error").abs().quantile(Z_95, "higher").alias(f"q95{suffix}"),
        pl.len().alias(f"n{suffix}"),
    )


def honest_selection(errors: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Per origin scored: each series' model chosen on the errors known at that origin, and the chosen models'
    |scaled error| quantiles per table and horizon from the same known errors: over all regimes (q80, q95), and
    over the origins of the regime the forecaster stands in (q80_regime, q95_regime: Mondrian conformal, the
    regime of the origin being known at the origin). Returns the chosen rows with both."""
    errors = errors.join(labels.rename({"period_index": "origin"}), on="origin")
    parts = []
    for origin in sorted(o for o in errors["origin"].unique() if o >= FIRST_SCORED):
        known = errors.filter(pl.col("origin") + pl.col("horizon") <= origin)  # outcomes seen by then
        selection = select_models(mase_by_horizon(known), SELECTION_MARGIN)
        chosen_known = known.join(selection.select("series_id", "model"), on=["series_id", "model"]).with_columns(
            pool_of(pl.col("series_id")).alias("pool")
        )
        scored = errors.filter(pl.col("origin") == origin)
        regime = scored["regime"][0]
        widths = _widths(chosen_known).join(
            _widths(chosen_known.filter(pl.col("regime") == regime), "_regime"), on=["pool", "horizon"], how="left"
        )
        thick = pl.col("n_regime").fill_null(0) >= MIN_REGIME_ERRORS
        parts.append(
            scored.join(selection.select("series_id", "model"), on=["series_id", "model"])
            .with_columns(pool_of(pl.col("series_id")).alias("pool"), pl.lit("selected").alias("model"))
            .join(widths, on=["pool", "horizon"], how="left")
            .with_columns(
                pl.when(thick).then(pl.col(f"q{z}_regime")).otherwise(pl.col(f"q{z}")).alias(f"q{z}_regime")
                for z in (80, 95)
            )
        )
    return pl.concat(parts).drop("regime")


def main(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        history = pl.concat([conn.sql(s.model_history_sql()).pl() for s in TABLES if s.model_frequency == "Q"])
    usable = usable_series(history)[0]
    total = usable.filter(pl.col("series_id").str.contains("^80472ned .*A-U Alle", literal=False))
    labels = regimes(total.select("period_index", "value"))
    last = int(usable["period_index"].max())
    started = time.perf_counter()
    errors = backtest(panel_from_frame(usable), "Q")
    seconds = time.perf_counter() - started
    selected = honest_selection(errors, labels)
    scored = (
        pl.concat(
            [
                errors.filter(pl.col("origin") >= FIRST_SCORED).select("series_id", "model", "origin", "scaled_error"),
                selected.select("series_id", "model", "origin", "scaled_error"),
            ]
        )
        .with_columns(pool_of(pl.col("series_id")).alias("table"))
        .filter(pl.col("table").is_in(TABLES_SCORED))
        .join(labels.rename({"period_index": "origin"}), on="origin")
    )
    views = {"all": pl.lit(True), **{r: pl.col("regime") == r for r in REGIMES}}
    views |= {"2019 cut": pl.col("origin") < 2019 * 4, "last five years": pl.col("origin") >= last - 20}
    rows = []
    for view, condition in views.items():
        per_series = (
            scored.filter(condition)
            .group_by("table", "series_id", "model")
            .agg(pl.col("scaled_error").abs().mean().alias("mase"))
        )
        per_model = per_series.group_by("table", "model").agg(pl.col("mase").mean())
        for (table,), group in per_model.group_by("table"):
            baselines = group.filter(pl.col("model").is_in(BASELINES)).sort("mase")
            mase = dict(group.select("model", "mase").iter_rows())
            best_model = group.sort("mase")["model"][0]
            rows.append(
                (
                    table,
                    view,
                    scored.filter(condition, pl.col("table") == table)["origin"].n_unique(),
                    mase.get("selected"),
                    baselines["model"][0],
                    baselines["mase"][0],
                    (mase["selected"] / baselines["mase"][0] - 1) * 100,
                    best_model,
                )
            )
    table = pl.DataFrame(
        rows,
        schema=["table", "view", "origins", "selected", "best_baseline", "baseline_mase", "vs_baseline_%", "best"],
        orient="row",
    )
    coverage = (
        selected.with_columns(pool_of(pl.col("series_id")).alias("table"))
        .filter(pl.col("table").is_in(TABLES_SCORED), pl.col("q80").is_not_null())
        .join(labels.rename({"period_index": "origin"}), on="origin")
        .with_columns(
            (pl.col("scaled_error").abs() <= pl.col(f"q{z}{kind}")).alias(f"in_{z}{kind}")
            for z in (80, 95)
            for kind in ("", "_regime")
        )
    )
    shares = [pl.col(c).mean() for c in ("in_80", "in_95", "in_80_regime", "in_95_regime")]
    by_regime = coverage.group_by("table", "regime").agg(*shares, pl.len())
    overall = coverage.group_by("table").agg(pl.lit("all").alias("regime"), *shares, pl.len())
    pl.Config.set_tbl_rows(60)
    pl.Config.set_tbl_width_chars(160)
    pl.Config.set_float_precision(3)
    print(f"Backtest from every quarter since 2005 Q1: {errors['origin'].n_unique()} origins, {seconds:.1f} s")
    counts = labels.filter(pl.col("period_index") >= FIRST_SCORED)["regime"].value_counts()
    print(f"Regimes of the origins scored (from 2008): {dict(counts.iter_rows())}")
    print("\nMean MASE of the models selected with what was known at each origin, against the best simple baseline")
    print("Target: at least 5% below the best baseline over the whole window")
    print(table.sort("table", "view"))
    print("\nCoverage of the 80% and 95% intervals per regime (targets 72-88% and 90-98% in every regime): widths")
    print("calibrated on all regimes (in_80, in_95), and on the origin's own regime (in_80_regime, in_95_regime)")
    print(pl.concat([by_regime, overall.select(by_regime.columns)]).sort("table", "regime"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse/talentgap.duckdb"))
