"""Marts: per registered table, the complete series of the slice the model reads, in persons."""

import dagster as dg

from assets.metadata import preview, record_write
from assets.resources import WarehouseResource
from sources.registry import TABLES, TableSpec

STAGING = dg.AssetKey(["staging", "observations"])


def mart_sql(spec: TableSpec) -> str:
    """The slice of staging.observations a mart holds: complete series only, values scaled to persons."""
    conditions = [f"table_id = '{spec.table_id}'", "series_complete"]
    conditions += [f"json_extract_string(dims, '$.{d}') = '{label}'" for d, label in spec.slice.items()]
    return f"""
        select table_id, measure, series_id, dims, period_label, period_start, frequency, period_index,
               value * scale as value, symbol, status, vintage_id, data_source
        from staging.observations
        where {" and ".join(conditions)}
        order by series_id, period_start
    """


def _mart_asset(spec: TableSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", spec.role],
        group_name="marts",
        kinds={"duckdb"},
        deps=[STAGING],
        description=(
            f"CBS {spec.table_id} ({spec.title}): complete series of the slice "
            f"{spec.slice or 'all dimension values'}, values in persons."
        ),
        metadata={"cbs_table": spec.table_id},
    )
    def mart(context: dg.AssetExecutionContext, duckdb: WarehouseResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as conn:
            conn.execute(f"create or replace table marts.{spec.role} as {mart_sql(spec)}")
            frame = conn.sql(f"select * from marts.{spec.role}").pl()
        if frame.is_empty():
            raise dg.Failure(f"marts.{spec.role}: no complete series of {spec.table_id} in the slice {spec.slice}")
        record_write(context, duckdb)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": frame.height,
                "series": frame["series_id"].n_unique(),
                "periods": f"{frame['period_start'].min()} .. {frame['period_start'].max()}",
                "preview": preview(frame.drop("dims")),
            }
        )

    return mart


MART_ASSETS = [_mart_asset(spec) for spec in TABLES]
