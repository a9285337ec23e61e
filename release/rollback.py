"""Roll the published release back to an earlier one: `uv run python -m release.rollback <release_id> --reason ...`.

Every later release is withdrawn, never deleted: publish.withdrawn_releases keeps it with the reason, its export
folder gets a WITHDRAWN.txt, and publish.latest_skill_gaps and the analysts' copy show `release_id` again. A later run
with the inputs and code of a withdrawn release publishes nothing. The command holds the warehouse's lock, so it
waits for (up to TALENTGAP_LOCK_WAIT seconds) or is refused by a run that is writing. It reads the TALENTGAP_*
settings as a run does (warehouse/settings.py): a value that cannot be used is refused in one line, naming it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from release.publish import PublicationError, roll_back
from warehouse import lock
from warehouse.paths import WarehousePaths
from warehouse.settings import SettingsError, read_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("release_id", help="the release that becomes the current one again")
    parser.add_argument("--reason", required=True, help="why the later releases are withdrawn (kept beside them)")
    parser.add_argument("--warehouse", help="default: the warehouse a run with these settings writes")
    args = parser.parse_args(argv)
    try:
        settings = read_settings()
    except SettingsError as error:
        print(f"roll-back failed: {error}", file=sys.stderr)
        return 1
    warehouse = Path(args.warehouse or settings.warehouse)
    if not warehouse.exists():
        print(f"roll-back failed: no warehouse at {warehouse}", file=sys.stderr)
        return 1
    try:
        held = lock.acquire(warehouse, "a roll-back", settings.lock_wait_s)
    except lock.WarehouseBusy as busy:
        print(f"roll-back failed: {busy}", file=sys.stderr)
        return 1
    try:
        with duckdb.connect(str(warehouse)) as conn:
            withdrawn = roll_back(conn, args.release_id, args.reason, WarehousePaths(warehouse))
    except (PublicationError, duckdb.Error) as error:
        print(f"roll-back failed: {error}", file=sys.stderr)
        return 1
    finally:
        lock.release(held)
    print(f"release {args.release_id} is the current release again; withdrawn: {', '.join(withdrawn)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
