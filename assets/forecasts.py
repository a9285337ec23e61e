"""Forecast layer: every modelled series forecast to the end year, with the backtest that chose its model."""

from collections.abc import Iterator

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext
from dagster_duckdb import DuckDBResource

from assets.metadata import only_selected, preview, record_write
from models.coherence import make_coherent
from models.forecasting import (
    SEASON_LENGTH,
    accuracy_by_table,
    forecast_panel,
    last_period_index,
    mase_scale,
    panel_from_frame,
    period_start_expr,
    usable_series,
)
from models.regimes import regimes_of_panel
from pipelines.resources import TalentgapSettings
from sources.registry import TABLES
from warehouse.db import write_table
from warehouse.gap_data import read_hierarchy
from warehouse.release import new_release_id

MODELLED = [spec for spec in TABLES if spec.model_frequency]
DEPS = [*(dg.AssetKey(["marts", spec.role]) for spec in MODELLED), dg.AssetKey(["seeds", "sbi_hierarchy"])]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["forecast", "series_forecasts"],
            group_name="forecast",
            kinds={"duckdb", "scikit-learn"},
            deps=DEPS,
            description=(
                "One row per series x future period: point forecast, 80% and 95% intervals (split conformal on "
                "rolling-origin backtest errors of the chosen models; for the quarterly tables those of the origins "
                "in the current labour-market regime, as interval_basis says), the model chosen by the backtest and "
                "why (selection_reason), its mean MASE beside the best baseline's, and the last observed period. "
                "Sector forecasts are reconciled so that they add up to their parent's as the data do "
                "(coherence_adjustment; forecast.coherence)."
            ),
        ),
        dg.AssetSpec(
            ["forecast", "coherence"],
            group_name="forecast",
            kinds={"duckdb"},
            deps=DEPS,
            description=(
                "One row per complete sector relation (sbi_hierarchy) x forecast period: the parent series, its "
                "children, and the residual (parent minus the children's sum: rounding and CBS's unknown sector) "
                "the reconciled forecasts keep, beside its own forecast from the last year of data."
            ),
        ),
        dg.AssetSpec(
            ["forecast", "backtest"],
            group_name="forecast",
            kinds={"duckdb"},
            deps=DEPS,
            description=(
                "Rolling-origin backtest per series x model x horizon: MASE, sMAPE, bias, interval coverage and the "
                "origins used; chosen marks the model each series' forecast uses."
            ),
        ),
    ],
    can_subset=True,
)
def series_forecasts(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: DuckDBResource):
    yield from only_selected(context, _series_forecasts(settings, duckdb))
    record_write(context, duckdb)


def _series_forecasts(settings: TalentgapSettings, duckdb: DuckDBResource) -> Iterator[dg.MaterializeResult]:
    with duckdb.get_connection() as conn:
        history = pl.concat([conn.sql(spec.model_history_sql()).pl() for spec in MODELLED])
        hierarchy = read_hierarchy(conn).select("parent", "child", "complete").rows()
    last_observed = int(history["period_start"].max().year)
    if settings.end_year <= last_observed:
        raise dg.Failure(
            f"TALENTGAP_END_YEAR={settings.end_year} is not after the last observed year {last_observed}: "
            "nothing to forecast"
        )
    usable, dropped = usable_series(history)
    series_info = usable.group_by("series_id").agg(
        pl.col("table_id", "measure", "dims", "frequency", "data_source").first(),
        pl.col("period_start").max().alias("trained_until"),
    )
    forecasts, scores, relations = [], [], []
    for frequency in usable["frequency"].unique().sort():
        observed = usable.filter(pl.col("frequency") == frequency)
        panel = panel_from_frame(observed)
        predicted, scored = forecast_panel(
            panel, frequency, last_period_index(frequency, settings.end_year), origin_regimes=regimes_of_panel(observed)
        )
        coherent, held = make_coherent(
            predicted, observed, _error_scale(panel, scored, frequency), hierarchy, SEASON_LENGTH[frequency]
        )
        forecasts.append(coherent)
        scores.append(scored)
        relations.append(held.with_columns(pl.lit(frequency).alias("frequency")))
    release_id = new_release_id()  # the release these forecasts feed; gaps and publish carry it on
    table = (
        pl.concat(forecasts)
        .join(series_info, on="series_id")
        .with_columns(period_start_expr(pl.col("period_index"), pl.col("frequency")).alias("period_start"))
        .with_columns(
            pl.col(c).clip(lower_bound=0.0) for c in ("point", "lower_80", "upper_80", "lower_95", "upper_95")
        )
        .select(
            "series_id",
            "table_id",
            "measure",
            "dims",
            "period_start",
            "frequency",
            "horizon",
            "point",
            "lower_80",
            "upper_80",
            "lower_95",
            "upper_95",
            "coherence_adjustment",
            "model",
            "model_mase",
            "best_baseline",
            "best_baseline_mase",
            "selection_reason",
            "interval_basis",
            "trained_until",
            "data_source",
            pl.lit(release_id).alias("release_id"),
        )
        .sort("series_id", "period_start")
    )
    backtest = (
        pl.concat(scores)
        .join(series_info.select("series_id", "table_id", "frequency"), on="series_id")
        .with_columns(
            # origins as the first day of the last period each backtest forecast saw, readable without the index
            *(period_start_expr(pl.col(c), pl.col("frequency")).alias(c) for c in ("first_origin", "last_origin")),
            pl.lit(release_id).alias("release_id"),
        )
    )
    coherence = (
        pl.concat(relations)
        .with_columns(period_start_expr(pl.col("period_index"), pl.col("frequency")).alias("period_start"))
        .drop("period_index")
        .with_columns(pl.lit(release_id).alias("release_id"))
    )
    with duckdb.get_connection() as conn:
        write_table(conn, "forecast.series_forecasts", table)
        write_table(conn, "forecast.coherence", coherence)
        write_table(conn, "forecast.backtest", backtest)
    selected = backtest.filter(pl.col("chosen"))
    yield dg.MaterializeResult(
        asset_key=["forecast", "series_forecasts"],
        metadata={
            "dagster/row_count": table.height,
            "series": table["series_id"].n_unique(),
            "series_left_out": dropped.height,
            "models_chosen": dg.MetadataValue.json(
                dict(table.group_by("model").agg(pl.col("series_id").n_unique()).iter_rows())
            ),
            "accuracy_by_table": preview(
                accuracy_by_table(table, backtest).with_columns(pl.selectors.float().round(3)), rows=50
            ),
            "preview": preview(table.drop("dims")),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "coherence"],
        metadata={
            "dagster/row_count": coherence.height,
            "relations": coherence["parent_series_id"].n_unique(),
            "largest_adjustment_%": float(
                (table["coherence_adjustment"].abs() / table["point"].abs().clip(lower_bound=1.0)).max() * 100
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["forecast", "backtest"],
        metadata={
            "dagster/row_count": backtest.height,
            "mean_mase_selected": float(selected["mase"].mean()),
            "coverage_80_selected": float(selected["coverage_80"].mean()),
            "coverage_95_selected": float(selected["coverage_95"].mean()),
        },
    )


def _error_scale(panel, scores: pl.DataFrame, frequency: str) -> dict[tuple[str, int], float]:
    """Mean absolute backtest error of each series' chosen model per horizon, in the series' own units: how much
    reconciliation may move its forecast."""
    scale = {series.series_id: mase_scale(series.values, SEASON_LENGTH[frequency]) for series in panel}
    chosen = scores.filter(pl.col("chosen"))
    return {
        (series_id, horizon): mase * scale[series_id]
        for series_id, horizon, mase in chosen.select("series_id", "horizon", "mase").iter_rows()
    }
