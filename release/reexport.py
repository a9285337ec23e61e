"""Export an older release again, from the warehouse: `uv run python -m release.reexport <release_id>`.

Reads the warehouse a run with the same TALENTGAP_* settings writes (warehouse/settings.py; or `--warehouse`)
read-only, and writes `exports/<release_id>/` beside it, replacing that folder whole. A setting that cannot be used
is refused in one line, naming it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from release.publish import PublicationError, reexport
from warehouse.paths import WarehousePaths
from warehouse.settings import SettingsError, read_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("release_id")
    parser.add_argument("--warehouse", help="default: the warehouse a run with these settings writes")
    args = parser.parse_args(argv)
    try:
        settings = read_settings()
    except SettingsError as error:
        print(f"re-export failed: {error}", file=sys.stderr)
        return 1
    warehouse = Path(args.warehouse or settings.warehouse)
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            folder = reexport(conn, args.release_id, WarehousePaths(warehouse))
    except (PublicationError, duckdb.Error) as error:
        print(f"re-export failed: {error}", file=sys.stderr)
        return 1
    print(f"release {args.release_id} exported to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
