"""Staging layer: every raw table's newest vintage as one tidy long table of typed observations."""

import json

import dagster as dg
import polars as pl

from assets.metadata import log_unchanged, made_by, record_write, versioned
from assets.raw import raw_asset_key
from assets.resources import TalentgapSettings, WarehouseResource
from release.identity import code_fingerprint
from sources.registry import TABLES, get_table
from sources.tidy import tidy_table
from warehouse.audit import version_of
from warehouse.db import newest_vintages, read_vintage, write_table

STAGING = dg.AssetKey(["staging", "observations"])

# Which slices of each table are complete: a series cut off part-way never reaches the marts.
SERIES_SQL = """
create or replace table staging.series as
select table_id, measure, series_id, dims, frequency,
       min(period_start) as first_period, max(period_start) as last_period, count(*) as periods,
       bool_and(series_complete) as complete, any_value(vintage_id) as vintage_id
from staging.observations
group by all
order by table_id, series_id
"""


@dg.asset(
    key=["staging", "observations"],
    group_name="staging",
    kinds={"duckdb"},
    deps=[raw_asset_key(spec) for spec in TABLES],
    description=(
        "One row per table x measure x dimension labels x period, from the newest vintage of each table of the "
        "configured source: parsed period start and frequency, numeric value (CBS symbols kept in `symbol`), unit, "
        "provisional/definitive status, and `series_complete` (false for a series cut off part-way). "
        "staging.series lists every series with its first and last period and whether it is complete."
    ),
)
def observations(
    context: dg.AssetExecutionContext, settings: TalentgapSettings, duckdb: WarehouseResource
) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        vintages = newest_vintages(conn, settings.source).filter(pl.col("table_id").is_in([s.table_id for s in TABLES]))
    missing = sorted({spec.table_id for spec in TABLES} - set(vintages["table_id"]))
    if missing:
        raise dg.Failure(f"no {settings.source} vintage loaded for table(s) {', '.join(missing)}")
    # what staging is made from: the vintage of each table, read with this code
    version = version_of(code_fingerprint(), sorted(vintages["vintage_id"]))
    listed = {"vintages": dg.MetadataValue.md("\n".join(f"- {v}" for v in vintages["vintage_id"]))}
    with duckdb.get_connection() as conn:
        if previous := made_by(conn, [STAGING], version):
            log_unchanged(context, previous)
            return versioned(STAGING, version, listed, unchanged_since=previous)
        frames = [
            tidy_table(
                get_table(v["table_id"]),
                read_vintage(conn, v["table_id"], v["vintage_id"]),
                vintage_id=v["vintage_id"],
                data_source=v["data_source"],
                period_status=json.loads(v["period_status"] or "{}"),
            )
            for v in vintages.iter_rows(named=True)
        ]
        staged = pl.concat(frames)
        write_table(conn, "staging.observations", staged)
        conn.execute(SERIES_SQL)
        record_write(context, conn, {STAGING: version})
    incomplete = staged.filter(~pl.col("series_complete"))["series_id"].unique().sort().to_list()
    series = staged["series_id"].n_unique()
    context.log.info(f"{staged.height:,} observations in {series:,} series of {len(frames)} tables staged")
    return versioned(
        STAGING,
        version,
        {
            "dagster/row_count": staged.height,
            "series": series,
            "incomplete_series": len(incomplete),
            "incomplete_examples": dg.MetadataValue.md("\n".join(f"- {s}" for s in incomplete[:20]) or "none"),
            **listed,
        },
    )
