"""Publishing a release as one step that cannot leave it half done.

Everything analysts see is built aside first: the exports (CSV, Parquet, workbook) in `exports/.<release>.tmp/` and
the read-only copy of the publish schema in `published/talentgap.duckdb.tmp`. Only then is the release committed to
the warehouse (one transaction) and the two renamed into place (atomic renames). A failure before the commit leaves
nothing new anywhere and removes what was built aside. A process killed between the commit and the renames leaves
the warehouse one release ahead of the exports and the copy: the next publication (`recover`) finds that and
rebuilds them from the warehouse before doing anything else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
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


class PublicationError(RuntimeError):
    """A release could not be published; nothing of it became visible."""


def publish_release(conn: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], paths: WarehousePaths) -> Path:
    """Publish one release (`tables`, keyed as PUBLISHED_TABLES): exports, analysts' copy and warehouse, all or
    nothing. Returns the release's export folder."""
    _check_tables(tables)
    release_id = tables["releases"]["release_id"][0]
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
    return _move_into_place(staged_exports, exports_dir / release_id, staged_copy, published_path)


def recover(conn: duckdb.DuckDBPyConnection, paths: WarehousePaths) -> list[str]:
    """Remove what an interrupted publication left aside, and give the warehouse's latest release its exports and
    the analysts' copy if it lacks them. Returns what it did, in words."""
    exports_dir, published_path = paths.exports, paths.published_copy
    done = []
    for leftover in [*exports_dir.glob(".*.tmp"), *exports_dir.glob(".*.old")]:
        shutil.rmtree(leftover, ignore_errors=True)
        done.append(f"removed {leftover}")
    if _temporary(published_path).exists():
        _temporary(published_path).unlink()
        done.append(f"removed {_temporary(published_path)}")
    latest = _latest_release(conn)
    if latest is None:
        return done
    if not (exports_dir / latest).is_dir():
        committed = _committed(conn, latest)
        write_release_files(committed, exports_dir / f".{latest}.tmp", _previous_gaps(conn, committed["releases"]))
        (exports_dir / f".{latest}.tmp").rename(exports_dir / latest)
        done.append(f"exported release {latest}, committed by a run that ended before exporting it")
    if _copy_latest(published_path) != latest:
        _write_copy(_committed(conn), _temporary(published_path), _withdrawn(conn))
        os.replace(_temporary(published_path), published_path)
        done.append(f"rebuilt {published_path} up to release {latest}")
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
    show `release_id`. Returns the releases withdrawn."""
    if not reason.strip():
        raise PublicationError("a roll-back needs a reason: it is kept beside every release it withdraws")
    exports_dir, published_path = paths.exports, paths.published_copy
    current = _latest_release(conn)
    known = [r for (r,) in conn.execute("select release_id from publish.releases order by 1").fetchall()]
    if release_id not in known:
        raise PublicationError(f"no release {release_id!r} in the warehouse; it has {known[-5:]} (the last five)")
    withdrawn = set(_withdrawn(conn)["release_id"].to_list())
    if release_id in withdrawn:
        raise PublicationError(f"release {release_id} is withdrawn itself; roll back to one before it")
    if release_id == current:
        raise PublicationError(f"release {release_id} is already the current release; nothing to roll back")
    later = [r for r in known if r > release_id and r not in withdrawn]
    when = datetime.now(UTC)
    with _transaction(conn):
        conn.execute(WITHDRAWN_TABLE)
        conn.executemany(
            "insert into publish.withdrawn_releases values (?, ?, ?, ?)",
            [(r, when, reason, release_id) for r in later],
        )
        conn.execute(LATEST_VIEW)
    for r in later:
        if (exports_dir / r).is_dir():
            (exports_dir / r / WITHDRAWN_NOTE).write_text(
                f"Release {r} was withdrawn on {when:%Y-%m-%d %H:%M} UTC and must not be used.\n"
                f"Reason: {reason}\nThe current release is {release_id} (exports/{release_id}/).\n"
            )
    _write_copy(_committed(conn), _temporary(published_path), _withdrawn(conn))
    os.replace(_temporary(published_path), published_path)
    return later


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
    """Write an older release's exports again from the warehouse, replacing its folder whole."""
    tables = _committed(conn, release_id)
    if tables["releases"].is_empty():
        known = [r for (r,) in conn.execute("select release_id from publish.releases order by 1").fetchall()]
        raise PublicationError(f"no release {release_id!r} in the warehouse; it has {known[-5:]} (the last five)")
    staged = paths.exports / f".{release_id}.tmp"
    write_release_files(tables, staged, _previous_gaps(conn, tables["releases"]))
    final = paths.release_folder(release_id)
    if final.exists():
        shutil.rmtree(final)
    staged.rename(final)
    return final


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
    where, params = ("where release_id = ?", [release_id]) if release_id else ("", [])
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


def _move_into_place(staged_exports: Path, final_exports: Path, staged_copy: Path, published_path: Path) -> Path:
    """Renames only: the release is committed, so from here on nothing can fail but the process itself."""
    if final_exports.exists():  # publishing the same release again replaces its exports whole
        previous = final_exports.with_name(f".{final_exports.name}.old")
        final_exports.rename(previous)
        staged_exports.rename(final_exports)
        shutil.rmtree(previous)
    else:
        staged_exports.rename(final_exports)
    os.replace(staged_copy, published_path)
    return final_exports
