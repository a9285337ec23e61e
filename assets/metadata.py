"""Small helpers for the metadata that Dagster shows beside each materialisation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import dagster as dg
import polars as pl

from assets.resources import WarehouseResource
from warehouse.audit import record_writes


def asset_key(table: str) -> dg.AssetKey:
    """The asset of a warehouse table: `forecast.skill_gaps` -> forecast/skill_gaps (keys read like the warehouse)."""
    return dg.AssetKey(table.split("."))


def preview(frame: pl.DataFrame, rows: int = 10) -> dg.MetadataValue:
    """The first rows as a Markdown table for the Dagster UI, numbers rounded as a reader wants them."""
    head = frame.head(rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(_shown(v) for v in row) + " |" for row in head.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


def _shown(value) -> str:
    """Floats: whole numbers from 100 on (persons), three significant digits below (rates, ratios)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def only_selected(
    context: dg.AssetExecutionContext, results: Iterable[dg.MaterializeResult | dg.AssetCheckResult]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """A multi-asset computes its tables together (they are one unit of work); it reports the ones the run selected,
    so any of them can be materialised on its own from the CLI or the UI. Check results pass: their producer picks
    the selected checks itself."""
    selected = context.selected_asset_keys
    for result in results:
        if isinstance(result, dg.AssetCheckResult) or dg.AssetKey.from_coercible(result.asset_key) in selected:
            yield result


def record_write(context: dg.AssetExecutionContext, duckdb: WarehouseResource) -> None:
    """Note in the warehouse that this run wrote the selected assets (the publication gate reads it)."""
    with duckdb.get_connection() as conn:
        record_writes(conn, [key.to_user_string() for key in context.selected_asset_keys], context.run.run_id)
