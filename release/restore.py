"""Take a withdrawn release back: `uv run python -m release.restore <release_id> --reason ...`.

For a roll-back that was a mistake: the release is no longer withdrawn (publish.restored_releases keeps when, why
and the withdrawal it undoes), its WITHDRAWN.txt goes, and a run with its inputs and code is no longer refused. If it
is the newest release not withdrawn, it is the current one again. Holds the warehouse's lock, as a run does.
"""

from __future__ import annotations

import sys

from release import commands
from release.publish import restore


def _restore(conn, args, paths) -> str:
    current = restore(conn, args.release_id, args.reason, paths)
    return f"release {args.release_id} is restored; the current release is {current}"


def main(argv: list[str] | None = None) -> int:
    args = commands.parser(
        __doc__.split("\n")[0],
        release_id="the withdrawn release to take back",
        reason="why it is taken back (kept beside it)",
    ).parse_args(argv)
    return commands.run("restore", args, _restore)


if __name__ == "__main__":
    sys.exit(main())
