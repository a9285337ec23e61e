"""What a run did, in a few lines for the console: the release made (or not), where its files are, and the warning
checks that failed."""

from __future__ import annotations

import duckdb

from release.publish import latest_release
from rendering.report import REPORT_NAME
from warehouse.paths import WarehousePaths


def run_summary(conn: duckdb.DuckDBPyConnection, run_id: str, paths: WarehousePaths) -> str:
    release = latest_release(conn)
    exports = paths.release_folder(release["release_id"]).resolve()
    made = conn.execute("select max(release_id) from forecast.skill_gaps").fetchone()[0]
    warnings = conn.execute(
        "select check_name || ' (' || asset_key || ')' from audit.checks "
        "where run_id = ? and not blocking and not passed order by 1",
        [run_id],
    ).fetchall()
    headline = (
        f"release {release['release_id']} published ({release['data_source']}, base year {release['base_year']}). "
        f"{release.get('changes_summary') or ''}"
        if made == release["release_id"]
        else f"no new release: {release['release_id']} stays the latest (same inputs and code)"
    )
    return "\n".join(
        [
            headline,
            f"  release report:  {exports / REPORT_NAME}",
            f"  workbook:        {exports / ('talentgap_' + release['release_id'] + '.xlsx')}",
            f"  CSV and Parquet: {exports}",
            f"  published copy:  {paths.published_copy.resolve()}",
            f"  checks report:   {(paths.run_reports(run_id) / 'report.html').resolve()}",
            "  warnings that failed: " + (", ".join(w for (w,) in warnings) or "none"),
        ]
    )
