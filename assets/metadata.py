"""Small helpers for the metadata that Dagster shows beside each materialisation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import dagster as dg
import duckdb
import polars as pl

from release.identity import code_fingerprint
from warehouse.audit import record_writes, version_of, written


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


def record_write(
    context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, versions: dict[dg.AssetKey, str]
) -> None:
    """Note in the warehouse that this run wrote these assets, and the version each was made from (the publication
    gate and the next run's skipping read it)."""
    record_writes(conn, {key.to_user_string(): version for key, version in versions.items()}, context.run.run_id)


def step_version(conn: duckdb.DuckDBPyConnection, inputs: Iterable[dg.AssetKey], **settings: object) -> str:
    """What a step's assets are made from: the versions its inputs were made from, the settings it reads and the
    code. Equal version, equal tables: the step need not run again."""
    keys = sorted(key.to_user_string() for key in inputs)
    made = written(conn, keys)
    return version_of(code_fingerprint(), settings, [(key, made.get(key, (None, None))[1]) for key in keys])


def made_by(conn: duckdb.DuckDBPyConnection, keys: Iterable[dg.AssetKey], version: str) -> str | None:
    """The run that made every one of `keys` from `version` (their tables are as this run would make them), or
    None when any must be made again."""
    names = [key.to_user_string() for key in keys]
    made = written(conn, names)
    if not names or any(made.get(name, (None, None))[1] != version for name in names):
        return None
    return max(made[name][0] for name in names)


def versioned(
    key: dg.AssetKey, version: str, metadata: dict | None = None, unchanged_since: str | None = None
) -> dg.MaterializeResult:
    """An asset's result with its data version; one left as it was says so, and by which run it was made."""
    metadata = dict(metadata or {})
    if unchanged_since:
        metadata["unchanged"] = f"not made again: its inputs, settings and code are those run {unchanged_since} used"
    return dg.MaterializeResult(asset_key=key, data_version=dg.DataVersion(version), metadata=metadata)


def log_unchanged(context: dg.AssetExecutionContext, run_id: str) -> None:
    context.log.info(f"skipped: inputs, settings and code unchanged since run {run_id}, whose tables stand")
