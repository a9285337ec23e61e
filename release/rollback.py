"""Roll the published release back to an earlier one: `uv run python -m release.rollback <release_id> --reason ...`.

Every later release is withdrawn, never deleted: publish.withdrawn_releases keeps it with the reason, its export
folder gets a WITHDRAWN.txt, and publish.latest_skill_gaps and the analysts' copy show `release_id` again. A later run
with the inputs and code of a withdrawn release publishes nothing (`release.restore` takes one back deliberately).
The command holds the warehouse's lock, so it waits for (up to TALENTGAP_LOCK_WAIT seconds) or is refused by a run
that is writing; killed after its commit, the same command again finishes the notes and the analysts' copy.
"""

from __future__ import annotations

import sys

from release import commands
from release.publish import roll_back


def _roll_back(conn, args, paths) -> str:
    withdrawn = roll_back(conn, args.release_id, args.reason, paths)
    return f"release {args.release_id} is the current release again; withdrawn: {', '.join(withdrawn) or 'none'}"


def main(argv: list[str] | None = None) -> int:
    args = commands.parser(
        __doc__.split("\n")[0],
        release_id="the release that becomes the current one again",
        reason="why the later releases are withdrawn (kept beside them)",
    ).parse_args(argv)
    return commands.run("roll-back", args, _roll_back)


if __name__ == "__main__":
    sys.exit(main())
