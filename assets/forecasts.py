"""Series forecasts: every modelled series forecast to the end year, with the backtest that chose its model
(models/forecasting/)."""

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from assets.metadata import log_unchanged, made_by, only_selected, preview, record_write, step_version, versioned
from assets.resources import TalentgapSettings, WarehouseResource
from models.forecasting.forecast import accuracy_by_table
from models.forecasting.tables import ForecastTables, NothingToForecast, forecast_tables
from sources.registry import TABLES
from warehouse.db import read_table, write_table

MODELLED = [spec for spec in TABLES if spec.model_frequency]
DEPS = [*(dg.AssetKey(["marts", spec.role]) for spec in MODELLED), dg.AssetKey(["seeds", "sbi_hierarchy"])]
KEYS = [dg.AssetKey(["forecast", name]) for name in ("series_forecasts", "coherence", "backtest")]


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
def series_forecasts(context: AssetExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource):
    with duckdb.get_connection() as conn:
        version = step_version(conn, DEPS, end_year=settings.end_year)
        previous = made_by(conn, KEYS, version)
    if previous:
        log_unchanged(context, previous)
        yield from only_selected(context, (versioned(key, version, unchanged_since=previous) for key in KEYS))
        return
    with duckdb.get_connection() as conn:
        history = pl.concat([conn.sql(spec.model_history_sql()).pl() for spec in MODELLED])
        hierarchy = read_table(conn, "seeds.sbi_hierarchy").select("parent", "child", "complete").rows()
    context.log.info(
        f"forecasting {history['series_id'].n_unique()} series of {len(MODELLED)} tables to {settings.end_year}: "
        "a backtest over every origin, the model chosen per series, intervals from its errors"
    )
    try:
        tables = forecast_tables(history, hierarchy, settings.end_year)
    except NothingToForecast as error:
        raise dg.Failure(str(error)) from None
    with duckdb.get_connection() as conn:
        write_table(conn, "forecast.series_forecasts", tables.series_forecasts)
        write_table(conn, "forecast.coherence", tables.coherence)
        write_table(conn, "forecast.backtest", tables.backtest)
        record_write(context, conn, dict.fromkeys(KEYS, version))
    yield from only_selected(context, _results(tables, version))


def _results(tables: ForecastTables, version: str) -> list[dg.MaterializeResult]:
    forecasts, backtest, coherence = tables.series_forecasts, tables.backtest, tables.coherence
    selected = backtest.filter(pl.col("chosen"))
    accuracy = accuracy_by_table(forecasts, backtest).with_columns(pl.selectors.float().round(3))
    adjustment = forecasts["coherence_adjustment"].abs() / forecasts["point"].abs().clip(lower_bound=1.0)
    return [
        versioned(
            KEYS[0],
            version,
            {
                "dagster/row_count": forecasts.height,
                "series": forecasts["series_id"].n_unique(),
                "series_left_out": tables.left_out.height,
                "models_chosen": dg.MetadataValue.json(
                    dict(forecasts.group_by("model").agg(pl.col("series_id").n_unique()).iter_rows())
                ),
                "accuracy_by_table": preview(accuracy, rows=50),
                "preview": preview(forecasts.drop("dims")),
            },
        ),
        versioned(
            KEYS[1],
            version,
            {
                "dagster/row_count": coherence.height,
                "relations": coherence["parent_series_id"].n_unique(),
                "largest_adjustment_%": float(adjustment.max() * 100),
            },
        ),
        versioned(
            KEYS[2],
            version,
            {
                "dagster/row_count": backtest.height,
                "mean_mase_selected": float(selected["mase"].mean()),
                "coverage_80_selected": float(selected["coverage_80"].mean()),
                "coverage_95_selected": float(selected["coverage_95"].mean()),
            },
        ),
    ]
