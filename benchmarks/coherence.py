"""Does reconciling the sector forecasts cost accuracy? The backtest's forecasts, reconciled at every origin as the
pipeline reconciles the published ones, against the same forecasts left as they were.

    uv run python benchmarks/coherence.py [warehouse]   # after a pipeline run; default warehouse/talentgap.duckdb

For each frequency: the rolling-origin backtest (models/forecasting/), each series' chosen model (selected on the
whole backtest, as the pipeline does), then at each origin the chosen forecasts reconciled with the history up to
that origin (models/forecasting/coherence.py). Prints mean MASE per table, for the series in a sector relation, both
ways, and how far the unreconciled forecasts missed adding up.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from models.forecasting.backtest import backtest_series, mase_by_horizon, select_models  # noqa: E402
from models.forecasting.coherence import families, make_coherent  # noqa: E402
from models.forecasting.panel import SEASON_LENGTH, panel_from_frame, pool_of, usable_series  # noqa: E402
from sources.registry import TABLES  # noqa: E402
from warehouse.db import read_table  # noqa: E402


def main(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        history = pl.concat([conn.sql(s.model_history_sql()).pl() for s in TABLES if s.model_frequency])
        hierarchy = read_table(conn, "seeds.sbi_hierarchy").select("parent", "child", "complete").rows()
    usable = usable_series(history)[0]
    codes = {c for p, ch, _ in hierarchy for c in (p, ch)}
    rows = []
    for frequency in sorted(usable["frequency"].unique()):
        observed = usable.filter(pl.col("frequency") == frequency)
        members = {
            sid for fam in families(observed["series_id"].unique().to_list(), codes).values() for sid in fam.values()
        }
        if not members:
            continue
        panel = panel_from_frame(observed)
        errors = backtest_series(panel, frequency)
        selection = select_models(mase_by_horizon(errors))
        chosen = errors.join(selection.select("series_id", "model"), on=["series_id", "model"])
        chosen = chosen.filter(pl.col("series_id").is_in(list(members)))
        error_scale = {
            (s, h): float(e)
            for s, h, e in chosen.group_by("series_id", "horizon")
            .agg((pl.col("predicted") - pl.col("actual")).abs().mean())
            .iter_rows()
        }
        started = time.perf_counter()
        reconciled = []
        for (origin,), part in chosen.group_by("origin"):
            forecasts = part.select(
                "series_id",
                (pl.col("horizon") + origin).alias("period_index"),
                "horizon",
                *(pl.col("predicted").alias(c) for c in ("point", "lower_80", "upper_80", "lower_95", "upper_95")),
            )
            known = observed.filter(pl.col("period_index") <= origin).select("series_id", "period_index", "value")
            coherent, _ = make_coherent(forecasts, known, error_scale, hierarchy, SEASON_LENGTH[frequency])
            reconciled.append(coherent.select("series_id", "horizon", pl.lit(origin).alias("origin"), "point"))
        seconds = time.perf_counter() - started
        both = chosen.join(pl.concat(reconciled), on=["series_id", "origin", "horizon"]).with_columns(
            ((pl.col("point") - pl.col("actual")).abs() / pl.col("scale")).alias("coherent_error"),
            (pl.col("scaled_error").abs()).alias("base_error"),
            ((pl.col("point") - pl.col("predicted")).abs() / pl.col("predicted").abs().clip(lower_bound=1)).alias(
                "moved"
            ),
        )
        summary = both.group_by(pool_of(pl.col("series_id")).alias("table")).agg(
            pl.col("series_id").n_unique().alias("series"),
            pl.col("base_error").mean().alias("mase_base"),
            pl.col("coherent_error").mean().alias("mase_coherent"),
            pl.col("moved").median().alias("median_move"),
        )
        rows.append(summary.with_columns(pl.lit(frequency).alias("frequency"), pl.lit(seconds).alias("seconds")))
    table = pl.concat(rows).with_columns(
        ((pl.col("mase_coherent") / pl.col("mase_base") - 1) * 100).round(1).alias("coherent_vs_base_%")
    )
    pl.Config.set_tbl_rows(50)
    pl.Config.set_tbl_width_chars(160)
    print("Backtest MASE of the chosen models, series in a sector relation: as forecast, and reconciled")
    print(table.sort("table"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse/talentgap.duckdb"))
