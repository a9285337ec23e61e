"""What every operations command (re-export, roll-back, restore, recover) does around its work on the warehouse:
its arguments checked before anything is touched, the warehouse's lock held as a run holds it (a run started
meanwhile waits up to TALENTGAP_LOCK_WAIT seconds or is refused by name, and so is the command while a run
writes), and any failure said in one line with a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from release.identity import check_release_id
from release.publish import CopyNotUpdated, PublicationError
from warehouse import lock
from warehouse.paths import WarehousePaths

DEFAULT_WAREHOUSE = "warehouse/talentgap.duckdb"
Work = Callable[[duckdb.DuckDBPyConnection, argparse.Namespace, WarehousePaths], str]


def parser(description: str, release_id: str | None = None, reason: str | None = None) -> argparse.ArgumentParser:
    """The command's arguments: a release id (checked), a reason where the command keeps one, the warehouse."""
    parsed = argparse.ArgumentParser(description=description)
    if release_id:
        parsed.add_argument("release_id", type=_release_id, help=release_id)
    if reason:
        parsed.add_argument("--reason", required=True, help=reason)
    parsed.add_argument("--warehouse", default=os.environ.get("TALENTGAP_WAREHOUSE", DEFAULT_WAREHOUSE))
    return parsed


def _release_id(value: str) -> str:
    try:
        return check_release_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(name: str, args: argparse.Namespace, work: Work, read_only: bool = False) -> int:
    """`work` on the warehouse under its lock; prints what it did, or why it failed, in one line."""
    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        print(f"{name} failed: no warehouse at {warehouse}", file=sys.stderr)
        return 1
    try:
        held = lock.acquire(warehouse, f"a {name} (pid {os.getpid()})", lock_wait())
    except (lock.WarehouseBusy, ValueError) as refused:
        print(f"{name} failed: {refused}", file=sys.stderr)
        return 1
    try:
        with duckdb.connect(str(warehouse), read_only=read_only) as conn:
            said = work(conn, args, WarehousePaths(warehouse))
    except (PublicationError, CopyNotUpdated, duckdb.Error, OSError) as error:
        print(f"{name} failed: {error}", file=sys.stderr)
        return 1
    finally:
        lock.release(held)
    print(said)
    return 0


def lock_wait() -> float:
    """TALENTGAP_LOCK_WAIT as the runs read it: seconds, a finite number of at least 0."""
    value = os.environ.get("TALENTGAP_LOCK_WAIT", "0")
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"TALENTGAP_LOCK_WAIT={value!r}: give the seconds to wait, a number of 0 or more")
    return seconds
