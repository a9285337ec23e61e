"""Marts: per registered table, the complete series of the slice the model reads, in persons."""

import dagster as dg

from assets.metadata import made_by, preview, record_write, versioned
from assets.resources import WarehouseResource
from release.identity import code_fingerprint
from sources.registry import TABLES, TableSpec
from warehouse.audit import version_of

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


def mart_key(spec: TableSpec) -> dg.AssetKey:
    return dg.AssetKey(["marts", spec.role])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            mart_key(spec),
            group_name="marts",
            kinds={"duckdb"},
            deps=[STAGING],
            description=(
                f"CBS {spec.table_id} ({spec.title}): complete series of the slice "
                f"{spec.slice or 'all dimension values'}, values in persons."
            ),
            metadata={"cbs_table": spec.table_id},
        )
        for spec in TABLES
    ],
    can_subset=True,
)
def marts(context: dg.AssetExecutionContext, duckdb: WarehouseResource):
    """Each selected mart, made again only when its table's vintage in staging (or the code) changed since."""
    made, total_rows = 0, 0
    with duckdb.get_connection() as conn:
        staged = dict(conn.execute("select table_id, min(vintage_id) from staging.observations group by 1").fetchall())
        for spec in (spec for spec in TABLES if mart_key(spec) in context.selected_asset_keys):
            key, version = mart_key(spec), version_of(code_fingerprint(), spec.role, staged.get(spec.table_id))
            if previous := made_by(conn, [key], version):
                yield versioned(key, version, unchanged_since=previous)
                continue
            conn.execute(f"create or replace table marts.{spec.role} as {mart_sql(spec)}")
            rows, series, first, last = conn.execute(
                f"select count(*), count(distinct series_id), min(period_start), max(period_start) "
                f"from marts.{spec.role}"
            ).fetchone()
            if rows == 0:
                raise dg.Failure(f"marts.{spec.role}: no complete series of {spec.table_id} in the slice {spec.slice}")
            record_write(context, conn, {key: version})
            made, total_rows = made + 1, total_rows + rows
            head = conn.sql(f"select * exclude (dims) from marts.{spec.role} limit 10").pl()
            yield versioned(
                key,
                version,
                {
                    "dagster/row_count": rows,
                    "series": series,
                    "periods": f"{first} .. {last}",
                    "preview": preview(head),
                },
            )
    unchanged = len(context.selected_asset_keys) - made
    context.log.info(f"{made} marts made ({total_rows:,} rows), {unchanged} unchanged since the run that made them")
