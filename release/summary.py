"""What a run did, in a few lines for the console: the release made (or not), where its files are, and the warning
checks that failed."""

from __future__ import annotations

import duckdb
import polars as pl

from release.publish import latest_release
from rendering.report import REPORT_NAME
from warehouse.audit import verified_check_results
from warehouse.paths import WarehousePaths


def run_summary(conn: duckdb.DuckDBPyConnection, run_id: str, paths: WarehousePaths, same_as: str | None = None) -> str:
    """`same_as`: why the run made no new release (the release whose inputs and code it has), None if it made one."""
    release = latest_release(conn)
    exports = paths.release_folder(release["release_id"]).resolve()
    # the warnings the data now in the warehouse fails, whether this run or the one that wrote it evaluated them
    verified = verified_check_results(conn).filter(~pl.col("blocking"), ~pl.col("passed"))
    # the publication gate's checks are evaluated on the rows before they are written, so the audit never counts
    # them as the data's: the release that stands says which of its warnings failed, and what they found
    standing = conn.sql("select * from publish.checks where release_id = ?", params=[release["release_id"]]).pl()
    standing = standing.filter(~pl.col("blocking"), ~pl.col("passed"))
    failed = pl.concat([frame.select("check_name", "asset_key") for frame in (verified, standing)])
    warnings = sorted({f"{check} ({asset})" for check, asset in failed.rows()})
    findings = [
        f"    {check}: {observed}"
        for check, observed in (standing["check_name", "observed"].rows() if "observed" in standing.columns else [])
        if observed
    ]
    headline = (
        f"release {release['release_id']} published ({release['data_source']}, base year {release['base_year']}). "
        f"{release.get('changes_summary') or ''}"
        if same_as is None
        else f"no new release: the source vintages, seeds, end year and code are those of {same_as}"
    )
    return "\n".join(
        [
            headline,
            f"  release report:  {exports / REPORT_NAME}",
            f"  workbook:        {exports / ('talentgap_' + release['release_id'] + '.xlsx')}",
            f"  CSV and Parquet: {exports}",
            f"  published copy:  {paths.published_copy.resolve()}",
            f"  checks report:   {(paths.run_reports(run_id) / 'report.html').resolve()}",
            "  warnings that failed: " + (", ".join(warnings) or "none"),
            *findings,
        ]
    )
