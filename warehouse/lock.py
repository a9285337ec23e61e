"""One run writes a warehouse at a time, whoever starts it: an exclusive lock on `<warehouse>.lock`.

The lock is the operating system's (`flock`): it is released when the process ends, however it ends (an exception,
SIGKILL, an out-of-memory kill, a reboot), so a dead run never wedges the next one. The lock file says who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def acquire(warehouse: Path, run_id: str, wait_seconds: float = 0.0) -> IO[str]:
    """Hold the warehouse's lock for this run, waiting up to `wait_seconds` for another run to finish."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                waited = f" after waiting {wait_seconds:.0f} s" if wait_seconds else ""
                raise WarehouseBusy(
                    f"warehouse {warehouse} is being written by {holder}; this run was refused{waited}. Start it "
                    "again when that run has ended (or set TALENTGAP_LOCK_WAIT to the seconds a run may wait)"
                ) from None
            time.sleep(0.5)
    handle.seek(0)
    handle.truncate()
    holder = {"run_id": run_id, "pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
    handle.write(json.dumps(holder))
    handle.flush()
    return handle


def release(handle: IO[str] | None) -> None:
    if handle is None or handle.closed:
        return
    handle.seek(0)
    handle.truncate()
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()
