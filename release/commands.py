"""What every operations command (re-export, roll-back, restore, recover) does around its work on the warehouse:
its arguments and the TALENTGAP_* settings checked before anything is touched (warehouse/settings.py, as a run
reads them), the warehouse's lock held as a run holds it (a run started meanwhile waits up to TALENTGAP_LOCK_WAIT
seconds or is refused by name, and so is the command while a run writes), and any failure said in one line with a
non-zero exit."""

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
from warehouse.settings import SettingsError, read_settings

Work = Callable[[duckdb.DuckDBPyConnection, argparse.Namespace, WarehousePaths], str]


def parser(description: str, release_id: str | None = None, reason: str | None = None) -> argparse.ArgumentParser:
    """The command's arguments: a release id (checked), a reason where the command keeps one, the warehouse."""
    parsed = argparse.ArgumentParser(description=description)
    if release_id:
        parsed.add_argument("release_id", type=_release_id, help=release_id)
    if reason:
        parsed.add_argument("--reason", required=True, help=reason)
    parsed.add_argument("--warehouse", help="default: the warehouse a run with these settings writes")
    return parsed


def _release_id(value: str) -> str:
    try:
        return check_release_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(name: str, args: argparse.Namespace, work: Work, read_only: bool = False) -> int:
    """`work` on the warehouse under its lock; prints what it did, or why it failed, in one line."""
    try:
        settings = read_settings()
    except SettingsError as error:
        print(f"{name} failed: {error}", file=sys.stderr)
        return 1
    warehouse = Path(args.warehouse or settings.warehouse)
    if not warehouse.is_file():
        print(f"{name} failed: no warehouse at {warehouse}", file=sys.stderr)
        return 1
    try:
        held = lock.acquire(warehouse, f"a {name} (pid {os.getpid()})", settings.lock_wait_s)
    except lock.WarehouseBusy as refused:
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
