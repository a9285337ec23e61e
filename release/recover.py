"""Finish what a killed or failed publication, roll-back or re-export left: `uv run python -m release.recover`.

Removes half-built folders and copies, puts back an export folder a kill left aside, exports the current release if
it has no folder, writes missing WITHDRAWN.txt notes and brings the analysts' copy up to the current release. Every
run does the same before it publishes; this command does it at once, under the warehouse's lock.
"""

from __future__ import annotations

import sys

from release import commands
from release.publish import recover


def _recover(conn, args, paths) -> str:
    done = recover(conn, paths)
    return "\n".join(done) if done else "nothing to recover: the exports and the analysts' copy are whole"


def main(argv: list[str] | None = None) -> int:
    return commands.run("recover", commands.parser(__doc__.split("\n")[0]).parse_args(argv), _recover)


if __name__ == "__main__":
    sys.exit(main())
