"""Publishing a release as one step that cannot leave it half done.

Everything analysts see is built aside first: the exports (CSV, Parquet, workbook) in `exports/.<release>.tmp/` and
the read-only copy of the publish schema in `published/talentgap.duckdb.tmp`. Only then is the release committed to
the warehouse (one transaction) and the two renamed into place (atomic renames). A failure before the commit leaves
nothing new anywhere and removes what was built aside. A process killed between the commit and the renames leaves
the warehouse one release ahead of the exports and the copy: the next publication (`recover`) finds that and
rebuilds them from the warehouse before doing anything else.

The operations on releases after that (re-export, roll-back, restore, recover: release/commands.py) hold the
warehouse's lock as a run does, build aside and rename into place, and finish on a second attempt what a kill left
undone. A failure after a release's commit (the analysts' copy cannot be replaced, say) never undoes the release: it
is reported as what it is (`CopyNotUpdated`), and every later run and `release.recover` tries again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from rendering.exports import write_release_files
from warehouse.db import write_table
from warehouse.paths import WarehousePaths

# every published table has a release_id column; the workbook leaves out long JSON columns that CSV and Parquet keep
PUBLISHED_TABLES = (
    "skill_gaps",
    "history",
    "checks",
    "releases",
    "parameters",
    "gap_parameters",
    "accuracy",
    "reconciliation",
    "skill_gaps_scenarios",
    "gap_sensitivities",
    "skill_gaps_by_region",
)
# A release rolled back is withdrawn, never deleted: the current release is the newest one not withdrawn.
WITHDRAWN_TABLE = """
create table if not exists publish.withdrawn_releases (
    release_id varchar, withdrawn_at timestamp with time zone, reason varchar, rolled_back_to varchar
)
"""
CURRENT_RELEASE = (
    "select max(release_id) from publish.releases "
    "where release_id not in (select release_id from publish.withdrawn_releases)"
)
LATEST_VIEW = (
    "create or replace view publish.latest_skill_gaps as select * from publish.skill_gaps "
    f"where release_id = ({CURRENT_RELEASE})"
)
WITHDRAWN_NOTE = "WITHDRAWN.txt"
# a withdrawn release taken back deliberately keeps its history here
RESTORED_TABLE = """
create table if not exists publish.restored_releases (
    release_id varchar, withdrawn_at timestamp with time zone, withdrawn_reason varchar, rolled_back_to varchar,
    restored_at timestamp with time zone, reason varchar
)
"""


class PublicationError(RuntimeError):
    """A release could not be published, re-exported or rolled back; nothing of it became visible."""


class CopyNotUpdated(RuntimeError):
    """The warehouse holds the current release, but the analysts' copy could not be brought up to it."""


@dataclass(frozen=True)
class Published:
    folder: Path  # the release's exports
    copy_problem: str | None = None  # why the analysts' copy still shows another release, or None


def publish_release(
    conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], paths: WarehousePaths
) -> Published:
    """Publish one release (`tables`, keyed as PUBLISHED_TABLES): exports, analysts' copy and warehouse, all or
    nothing up to the commit. After it, the release is published whatever happens to the copy: a copy that cannot
    be replaced is returned as a problem, not raised."""
    _check_tables(tables)
    release_id = tables["releases"]["release_id"][0]
    with contextlib.suppress(CopyNotUpdated):  # this publication writes the copy afresh, and says if that fails too
        recover(conn, paths)
    exports_dir, published_path = paths.exports, paths.published_copy
    staged_exports = exports_dir / f".{release_id}.tmp"
    staged_copy = _temporary(published_path)
    try:
        write_release_files(tables, staged_exports, _previous_gaps(conn, tables["releases"]))
        _write_copy(_published_tables(conn, tables), staged_copy, _withdrawn(conn))
        _commit(conn, tables)
    except Exception as error:
        shutil.rmtree(staged_exports, ignore_errors=True)
        staged_copy.unlink(missing_ok=True)
        raise PublicationError(
            f"release {release_id} was not published, and nothing of it is visible: {type(error).__name__}: {error}"
        ) from error
    final = exports_dir / release_id
    try:  # committed: from here on a failure is reported beside the release, never instead of it
        _move_exports(staged_exports, final)
        os.replace(staged_copy, published_path)
    except OSError as error:
        staged_copy.unlink(missing_ok=True)
        return Published(final, _copy_problem(release_id, published_path, error))
    return Published(final)


def _copy_problem(release_id: str, published_path: Path, error: OSError) -> str:
    try:
        shown = _copy_latest(published_path)
    except duckdb.Error:
        shown = None
    return (
        f"release {release_id} is published (the warehouse holds it), but its exports or the analysts' copy "
        f"{published_path} could not be put in place ({type(error).__name__}: {error}): the copy shows "
        f"{f'release {shown}' if shown else 'no release'}. Make the folders beside the warehouse writable; the next "
        "run, or `uv run python -m release.recover`, brings them up to date"
    )


def recover(conn: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> list[str]:
    """Remove what an interrupted publication left aside, and give the warehouse's latest release its exports and
    the analysts' copy if it lacks them. Returns what it did, in words."""
    exports_dir, published_path = paths.exports, paths.published_copy
    done = []
    for kept in exports_dir.glob(".*.old"):  # a swap a kill interrupted: the old folder is the only one there is
        final = exports_dir / kept.name.removeprefix(".").removesuffix(".old")
        if final.is_dir():
            shutil.rmtree(kept, ignore_errors=True)
            done.append(f"removed {kept}")
        else:
            kept.rename(final)
            done.append(f"put {final} back")
    for leftover in exports_dir.glob(".*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)
        done.append(f"removed {leftover}")
    done += _remove_temporary(published_path)
    latest = _latest_release(conn)
    if latest is None:
        return done
    if not (exports_dir / latest).is_dir():
        committed = _committed(conn, latest)
        write_release_files(committed, exports_dir / f".{latest}.tmp", _previous_gaps(conn, committed["releases"]))
        (exports_dir / f".{latest}.tmp").rename(exports_dir / latest)
        done.append(f"exported release {latest}, committed by a run that ended before exporting it")
    if _finish_withdrawals(conn, paths):
        done.append(f"brought {published_path} and the withdrawal notes up to release {latest}")
    return done


def _copy_is_current(conn: duckdb.DuckDBPyConnection, published_path: Path) -> bool:
    """The analysts' copy shows the warehouse's current release and knows the same withdrawn ones."""
    if _copy_latest(published_path) != _latest_release(conn):
        return False
    with duckdb.connect(str(published_path), read_only=True) as copy:
        withdrawn = set(_withdrawn(copy)["release_id"].to_list())
    return withdrawn == set(_withdrawn(conn)["release_id"].to_list())


def _replace_copy(conn: duckdb.DuckDBPyConnection, current: str, published_path: Path) -> None:
    """The analysts' copy made afresh from the warehouse and renamed into place; CopyNotUpdated if it cannot be."""
    try:
        _write_copy(_committed(conn), _temporary(published_path), _withdrawn(conn))
        os.replace(_temporary(published_path), published_path)
    except OSError as error:
        _remove_temporary(published_path)
        raise CopyNotUpdated(_copy_problem(current, published_path, error)) from error


def _remove_temporary(published_path: Path) -> list[str]:
    """A copy a kill left half written, and its write-ahead log."""
    done = []
    for leftover in (_temporary(published_path), published_path.with_name(_temporary(published_path).name + ".wal")):
        if leftover.exists():
            leftover.unlink()
            done.append(f"removed {leftover}")
    return done


def latest_release(conn: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest committed release's row, or None."""
    latest = _latest_release(conn)
    if latest is None:
        return None
    return conn.sql("select * from publish.releases where release_id = ?", params=[latest]).pl().row(0, named=True)


def roll_back(conn: duckdb.DuckDBPyConnection, release_id: str, reason: str, paths: WarehousePaths) -> list[str]:
    """Make an earlier release the current one again: every later release is withdrawn (kept, with the reason, in
    publish.withdrawn_releases, and a WITHDRAWN.txt in its export folder), the latest view and the analysts' copy
    show `release_id`. Returns the releases withdrawn. Asked again after a kill, it finishes what the first attempt
    left (notes, the analysts' copy) instead of refusing."""
    if not reason.strip():
        raise PublicationError("a roll-back needs a reason: it is kept beside every release it withdraws")
    known = _known(conn, release_id)
    withdrawn = _withdrawn(conn)
    if release_id in set(withdrawn["release_id"]):
        raise PublicationError(f"release {release_id} is withdrawn itself; roll back to one before it")
    if release_id == _latest_release(conn):
        earlier = withdrawn.filter(pl.col("rolled_back_to") == release_id)["release_id"].to_list()
        if _finish_withdrawals(conn, paths):
            return earlier  # a roll-back to it was interrupted after its commit: now it is whole
        raise PublicationError(f"release {release_id} is already the current release; nothing to roll back")
    later = [r for r in known if r > release_id and r not in set(withdrawn["release_id"])]
    when = datetime.now(UTC)
    with _transaction(conn):
        conn.execute(WITHDRAWN_TABLE)
        conn.executemany(
            "insert into publish.withdrawn_releases values (?, ?, ?, ?)",
            [(r, when, reason, release_id) for r in later],
        )
        conn.execute(LATEST_VIEW)
    _finish_withdrawals(conn, paths)
    return later


def restore(conn: duckdb.DuckDBPyConnection, release_id: str, reason: str, paths: WarehousePaths) -> str:
    """Take a withdrawn release back deliberately (a roll-back that was a mistake): it is no longer withdrawn, its
    WITHDRAWN.txt goes, the reason is kept in publish.restored_releases, and a run with its inputs and code is no
    longer refused. Returns the current release afterwards."""
    if not reason.strip():
        raise PublicationError("a restore needs a reason: it is kept beside the release it restores")
    _known(conn, release_id)
    if release_id not in set(_withdrawn(conn)["release_id"]):
        raise PublicationError(f"release {release_id} is not withdrawn; only a withdrawn release can be restored")
    with _transaction(conn):
        conn.execute(RESTORED_TABLE)
        conn.execute(
            "insert into publish.restored_releases select release_id, withdrawn_at, reason, rolled_back_to, ?, ? "
            "from publish.withdrawn_releases where release_id = ?",
            [datetime.now(UTC), reason, release_id],
        )
        conn.execute("delete from publish.withdrawn_releases where release_id = ?", [release_id])
        conn.execute(LATEST_VIEW)
    (paths.release_folder(release_id) / WITHDRAWN_NOTE).unlink(missing_ok=True)
    _finish_withdrawals(conn, paths)
    return _latest_release(conn)


def _known(conn: duckdb.DuckDBPyConnection, release_id: str) -> list[str]:
    """Every release id, oldest first; an error naming the last five if `release_id` is not among them."""
    known = [r for (r,) in conn.execute("select release_id from publish.releases order by 1").fetchall()]
    if release_id not in known:
        raise PublicationError(f"no release {release_id!r} in the warehouse; it has {known[-5:]} (the last five)")
    return known


def _finish_withdrawals(conn: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> bool:
    """A WITHDRAWN.txt in every withdrawn release's export folder and the analysts' copy on the current release:
    what a roll-back writes after its commit. Returns whether anything was left to do."""
    did = bool(_remove_temporary(paths.published_copy))
    for row in _withdrawn(conn).iter_rows(named=True):
        note = paths.release_folder(row["release_id"]) / WITHDRAWN_NOTE
        if note.parent.is_dir() and not note.exists():
            note.write_text(withdrawal_note(row))
            did = True
    if not _copy_is_current(conn, paths.published_copy):
        _replace_copy(conn, _latest_release(conn), paths.published_copy)
        did = True
    return did


def withdrawal_note(withdrawn: dict) -> str:
    """What WITHDRAWN.txt says (a row of publish.withdrawn_releases)."""
    current = withdrawn["rolled_back_to"]
    return (
        f"Release {withdrawn['release_id']} was withdrawn on {withdrawn['withdrawn_at']:%Y-%m-%d %H:%M} UTC and must "
        f"not be used.\nReason: {withdrawn['reason']}\nThe release it was rolled back to is {current} "
        f"(exports/{current}/).\n"
    )


def withdrawn_fingerprints(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """fingerprint -> release id of every withdrawn release: a run with the same inputs and code publishes nothing."""
    if not _has_table(conn, "withdrawn_releases"):
        return {}
    rows = conn.execute(
        "select fingerprint, release_id from publish.releases "
        "where release_id in (select release_id from publish.withdrawn_releases)"
    ).fetchall()
    return dict(rows)


def reexport(conn: duckdb.DuckDBPyConnection, release_id: str, paths: WarehousePaths) -> Path:
    """Write an older release's exports again from the warehouse, built aside and swapped in whole; a withdrawn
    release stays marked as withdrawn (WITHDRAWN.txt, and a notice in its report and workbook)."""
    tables = _committed(conn, release_id)
    if tables["releases"].is_empty():
        _known(conn, release_id)  # names the releases there are
    withdrawn = _withdrawn(conn).filter(pl.col("release_id") == release_id)
    if not withdrawn.is_empty():
        row = withdrawn.row(0, named=True)
        tables["releases"] = tables["releases"].with_columns(
            pl.lit(row["withdrawn_at"]).alias("withdrawn_at"),
            pl.lit(row["reason"]).alias("withdrawn_reason"),
            pl.lit(row["rolled_back_to"]).alias("rolled_back_to"),
        )
    staged = paths.exports / f".{release_id}.tmp"
    write_release_files(tables, staged, _previous_gaps(conn, tables["releases"]))
    if not withdrawn.is_empty():
        (staged / WITHDRAWN_NOTE).write_text(withdrawal_note(withdrawn.row(0, named=True)))
    return _move_exports(staged, paths.release_folder(release_id))


def _check_tables(tables: dict[str, pl.DataFrame]) -> None:
    if tuple(tables) != PUBLISHED_TABLES:
        raise ValueError(f"a release publishes the tables {PUBLISHED_TABLES}, got {tuple(tables)}")


def _temporary(published_path: Path) -> Path:
    return published_path.with_name(published_path.name + ".tmp")


def _has_table(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = conn.execute(
        "select 1 from duckdb_tables() where schema_name = 'publish' and table_name = ?", [name]
    ).fetchone()
    return found is not None


def _latest_release(conn: duckdb.DuckDBPyConnection) -> str | None:
    if not _has_table(conn, "releases"):
        return None
    return conn.execute(_current_release_sql(conn)).fetchone()[0]


def _current_release_sql(conn: duckdb.DuckDBPyConnection) -> str:
    """Warehouses and copies from before roll-backs existed have no withdrawn_releases table."""
    if _has_table(conn, "withdrawn_releases"):
        return CURRENT_RELEASE
    return "select max(release_id) from publish.releases"


def _withdrawn(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    if not _has_table(conn, "withdrawn_releases"):
        return pl.DataFrame(
            schema={
                "release_id": pl.String,
                "withdrawn_at": pl.Datetime(time_zone="UTC"),
                "reason": pl.String,
                "rolled_back_to": pl.String,
            }
        )
    return conn.sql("select * from publish.withdrawn_releases order by release_id").pl()


def _committed(conn: duckdb.DuckDBPyConnection, release_id: str | None = None) -> dict[str, pl.DataFrame]:
    """The publish tables as committed (one release's rows, or all); a table older releases did not have is
    empty."""
    where, params = ("where release_id = ?", [release_id]) if release_id is not None else ("", [])
    return {
        name: conn.sql(f"select * from publish.{name} {where}", params=params).pl()
        if _has_table(conn, name)
        else pl.DataFrame({"release_id": pl.Series([], dtype=pl.String)})
        for name in PUBLISHED_TABLES
    }


def _copy_latest(published_path: Path) -> str | None:
    if not published_path.exists():
        return None
    with duckdb.connect(str(published_path), read_only=True) as copy:
        return copy.execute(_current_release_sql(copy)).fetchone()[0]


def _previous_gaps(conn: duckdb.DuckDBPyConnection, releases: pl.DataFrame) -> pl.DataFrame | None:
    """The gaps of the release before this one, for the report's comparison; None for a first release."""
    previous = releases["previous_release_id"][0] if "previous_release_id" in releases.columns else None
    if previous is None or not _has_table(conn, "skill_gaps"):
        return None
    return conn.sql("select * from publish.skill_gaps where release_id = ?", params=[previous]).pl()


def _published_tables(conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every release committed so far, with this one in place of any earlier publication of the same id."""
    release_id = tables["releases"]["release_id"][0]
    committed = _committed(conn)
    # DuckDB reads timestamps back as Etc/UTC, polars makes them UTC: the same zone, two names
    utc = pl.col(pl.Datetime(time_zone="*")).dt.convert_time_zone("UTC")
    return {
        name: pl.concat(
            [committed[name].filter(pl.col("release_id") != release_id).with_columns(utc), frame.with_columns(utc)],
            how="diagonal_relaxed",
        )
        for name, frame in tables.items()
    }


def _write_copy(tables: dict[str, pl.DataFrame], path: Path, withdrawn: pl.DataFrame) -> None:
    """A fresh DuckDB file with the publish schema, the withdrawn releases and the latest-release view."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    copy = duckdb.connect(str(path))
    try:
        copy.execute("create schema publish")
        for name, frame in tables.items():
            write_table(copy, f"publish.{name}", frame)
        copy.execute(WITHDRAWN_TABLE)
        copy.register("_withdrawn", withdrawn.to_arrow())
        copy.execute("insert into publish.withdrawn_releases by name select * from _withdrawn")
        copy.execute(LATEST_VIEW)
    finally:
        copy.close()


def _commit(conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> None:
    """Append one release's rows to each publish.<table>, in one transaction."""
    release_id = tables["releases"]["release_id"][0]
    with _transaction(conn):
        for name, frame in tables.items():
            conn.register("_frame", frame.to_arrow())
            conn.execute(f"create table if not exists publish.{name} as select * from _frame limit 0")
            _add_new_columns(conn, f"publish.{name}")
            conn.execute(f"delete from publish.{name} where release_id = ?", [release_id])
            conn.execute(f"insert into publish.{name} by name select * from _frame")
            conn.unregister("_frame")
        conn.execute(WITHDRAWN_TABLE)
        conn.execute(LATEST_VIEW)


@contextlib.contextmanager
def _transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Everything inside commits together or not at all."""
    conn.execute("begin transaction")
    try:
        yield
        conn.execute("commit")
    except Exception:
        # a failed commit may have ended the transaction already: the error that matters is the first one
        with contextlib.suppress(duckdb.Error):
            conn.execute("rollback")
        raise


def _add_new_columns(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Columns a newer release adds are added to the table (older releases read NULL there), never dropped."""
    existing = {row[0] for row in conn.execute(f"describe {table}").fetchall()}
    for column, column_type, *_ in conn.execute("describe select * from _frame").fetchall():
        if column not in existing:
            conn.execute(f'alter table {table} add column "{column}" {column_type}')


def _move_exports(staged: Path, final: Path) -> Path:
    """Renames only: an existing folder is moved aside (`.<id>.old`) before the new one takes its place, so a kill
    at any moment leaves one of the two, and recover() puts an `.old` back where the folder is missing."""
    if final.exists():
        previous = final.with_name(f".{final.name}.old")
        shutil.rmtree(previous, ignore_errors=True)
        final.rename(previous)
        staged.rename(final)
        shutil.rmtree(previous)
    else:
        staged.rename(final)
    return final
