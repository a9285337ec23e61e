"""Raw layer: each registered CBS table as received, appended as a new vintage when its content changed."""

import json

import dagster as dg

from assets.metadata import record_write, versioned
from assets.resources import TalentgapSettings, WarehouseResource
from sources.base import RawTable, SourceError
from sources.registry import TABLES, TableSpec
from warehouse.audit import written
from warehouse.db import append_vintage, ensure_schemas, raw_table_name


class RawLoadConfig(dg.Config):
    """List a table in accept_schema_change (e.g. ["80590ned"]) after reviewing that CBS changed its columns on
    purpose."""

    accept_schema_change: list[str] = []


def modified_from(raw: RawTable) -> str:
    """Where the table's CBS Modified date was read, or why it is unknown, for the run's metadata."""
    if raw.table_infos is None:
        return "the source does not state it"
    infos = json.loads(raw.table_infos)
    if infos["used"]:
        return f"TableInfos in {infos['source']}"
    return f"unknown: {infos['source']} is not used ({infos['why_not']})"


def raw_asset_key(spec: TableSpec) -> dg.AssetKey:
    return dg.AssetKey(raw_table_name(spec.table_id).split("."))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            raw_asset_key(spec),
            group_name="raw",
            kinds={"duckdb"},
            description=(
                f"CBS {spec.table_id}: {spec.title}. Rows as received (text), one vintage per distinct content."
            ),
            metadata={"cbs_table": spec.table_id, "role": spec.role},
        )
        for spec in TABLES
    ],
    can_subset=True,
)
def raw_tables(
    context: dg.AssetExecutionContext, config: RawLoadConfig, settings: TalentgapSettings, duckdb: WarehouseResource
):
    """Fetch every selected table; its version is its vintage (a hash of its content), so a table CBS did not
    change is not written again. Every table is tried; the step fails after, naming each table that failed."""
    source, failures, rows, new = settings.make_source(), [], 0, []
    accepted = {table_id.lower() for table_id in config.accept_schema_change}
    selected = [spec for spec in TABLES if raw_asset_key(spec) in context.selected_asset_keys]
    with duckdb.get_connection() as conn:
        ensure_schemas(conn)
        before = written(conn, [raw_asset_key(spec).to_user_string() for spec in selected])
        for spec in selected:
            key = raw_asset_key(spec)
            try:
                raw = source.fetch(spec)
                vintage_id, added = append_vintage(conn, raw, accept_schema_change=spec.table_id.lower() in accepted)
            except SourceError as error:
                failures.append(str(error))
                continue
            rows += raw.rows_received
            if added:
                new.append(spec.table_id)
            writer, version = before.get(key.to_user_string(), (None, None))
            if version != vintage_id:
                record_write(context, conn, {key: vintage_id})
            yield versioned(
                key,
                vintage_id,
                {
                    "dagster/row_count": raw.rows_received,
                    "vintage_id": vintage_id,
                    "new_vintage": added,
                    "data_source": raw.data_source,
                    "location": raw.location,
                    "rows_expected": raw.rows_expected if raw.rows_expected is not None else "not stated by the source",
                    "table_modified": raw.table_modified.isoformat() if raw.table_modified else "unknown",
                    "table_modified_from": modified_from(raw),
                    "periods": " to ".join(raw.periods or ("no rows",)),
                    "truncation_suspected": raw.truncation_suspected,
                },
                unchanged_since=writer if version == vintage_id else None,
            )
    read = len(selected) - len(failures)
    news = f"new data in {', '.join(new)}" if new else "no new data"
    context.log.info(f"{read} of {len(selected)} tables read from {settings.source}, {rows:,} rows; {news}")
    if failures:
        raise dg.Failure("\n".join(failures))
