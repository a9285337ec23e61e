"""What a release's exports cost: the time to build each part (tables, workbook, report and charts) and their sizes.

    uv run python benchmarks/release_exports.py [warehouse]  # after a run; default warehouse/talentgap.duckdb

Reads the latest release from the warehouse read-only and writes its exports into a temporary folder, part by part,
as the publish step does (release/publish.py), so the figures are the time the exports add to a run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from release.publish import PUBLISHED_TABLES, _committed, _previous_gaps  # noqa: E402
from rendering.exports import write_table_files  # noqa: E402
from rendering.letter import letter_sheets  # noqa: E402
from rendering.report import write_report  # noqa: E402
from rendering.workbook import write_workbook  # noqa: E402


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    warehouse = Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse/talentgap.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        (latest,) = conn.execute("select max(release_id) from publish.releases").fetchone()
        tables = _committed(conn, latest)
        previous = _previous_gaps(conn, tables["releases"])
    print(f"release {latest}: {', '.join(f'{n} {tables[n].height} rows' for n in PUBLISHED_TABLES)}")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        timings = {}
        start = time.perf_counter()
        for name, frame in tables.items():
            write_table_files(frame, out / name)
        timings["CSV and Parquet of every table"] = time.perf_counter() - start
        start = time.perf_counter()
        sheets = letter_sheets(tables)
        workbook = out / "workbook.xlsx"
        write_workbook(workbook, sheets, tables["releases"].row(0, named=True))
        timings["letter tables and workbook"] = time.perf_counter() - start
        start = time.perf_counter()
        report = write_report(out, tables, previous)
        timings["report and charts (PNG + SVG)"] = time.perf_counter() - start
        for part, seconds in timings.items():
            print(f"{part:34s} {seconds:6.1f} s")
        print(f"{'all exports':34s} {sum(timings.values()):6.1f} s")
        charts = sorted((out / "charts").iterdir())
        print(f"report.html {size(report) / 1024:,.0f} KiB (charts inline as SVG)")
        print(f"workbook {size(workbook) / 1024:,.0f} KiB")
        print(
            f"charts/: {len(charts)} files, {size(out / 'charts') / 1024:,.0f} KiB "
            f"(PNG {sum(size(c) for c in charts if c.suffix == '.png') / 1024:,.0f} KiB, "
            f"SVG {sum(size(c) for c in charts if c.suffix == '.svg') / 1024:,.0f} KiB)"
        )


if __name__ == "__main__":
    main()
