"""Export a release again, from the warehouse: `uv run python -m release.reexport <release_id>`.

Holds the warehouse's lock (a run waits or is refused meanwhile), builds `exports/.<release_id>.tmp/` and swaps it
in for `exports/<release_id>/` whole. A withdrawn release stays marked (WITHDRAWN.txt, its report and workbook).
"""

from __future__ import annotations

import sys

from release import commands
from release.publish import reexport


def main(argv: list[str] | None = None) -> int:
    args = commands.parser(__doc__.split("\n")[0], release_id="the release to export again").parse_args(argv)
    return commands.run(
        "re-export",
        args,
        lambda conn, a, paths: f"release {a.release_id} exported to {reexport(conn, a.release_id, paths)}",
        read_only=True,
    )


if __name__ == "__main__":
    sys.exit(main())
