"""Release identity: when, from which code, and an id that sorts in time."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def new_release_id(now: datetime | None = None) -> str:
    """`r20261128T031500123456Z`: UTC time to the microsecond, so a later release sorts after an earlier one."""
    return (now or datetime.now(UTC)).strftime("r%Y%m%dT%H%M%S%fZ")


def code_version() -> str:
    """Package version plus the git commit of the checkout (marked dirty when it has uncommitted changes)."""
    try:
        package = version("talentgap")
    except PackageNotFoundError:
        package = "unknown"
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "no-git"
    return f"{package}+{commit}"
