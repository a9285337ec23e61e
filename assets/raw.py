"""Raw layer: each registered CBS table as received, appended as a new vintage when its content changed."""

import dagster as dg

from assets.metadata import record_write
from assets.resources import TalentgapSettings, WarehouseResource
from sources.registry import TABLES, TableSpec
from warehouse.db import append_vintage, ensure_schemas, raw_table_name


class RawLoadConfig(dg.Config):
    """Set accept_schema_change after reviewing a table whose columns CBS changed on purpose."""

    accept_schema_change: bool = False


def raw_asset_key(spec: TableSpec) -> dg.AssetKey:
    return dg.AssetKey(raw_table_name(spec.table_id).split("."))


def _raw_asset(spec: TableSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec),
        group_name="raw",
        kinds={"duckdb"},
        description=f"CBS {spec.table_id}: {spec.title}. Rows as received (text), one vintage per distinct content.",
        metadata={"cbs_table": spec.table_id, "role": spec.role},
    )
    def raw_table(
        context: dg.AssetExecutionContext, config: RawLoadConfig, settings: TalentgapSettings, duckdb: WarehouseResource
    ) -> dg.MaterializeResult:
        raw = settings.make_source().fetch(spec)
        with duckdb.get_connection() as conn:
            ensure_schemas(conn)
            vintage_id, added = append_vintage(conn, raw, accept_schema_change=config.accept_schema_change)
        record_write(context, duckdb)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": raw.rows_received,
                "vintage_id": vintage_id,
                "new_vintage": added,
                "data_source": raw.data_source,
                "location": raw.location,
                "rows_expected": raw.rows_expected if raw.rows_expected is not None else "not stated by the source",
                "table_modified": raw.table_modified.isoformat() if raw.table_modified else "not stated by the source",
                "truncation_suspected": raw.truncation_suspected,
            }
        )

    return raw_table


RAW_ASSETS = [_raw_asset(spec) for spec in TABLES]
