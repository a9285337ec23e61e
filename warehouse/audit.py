"""Which run last wrote each asset, and what its checks said in that run: so that nothing is published from data a
blocking check refused, even by a later run that did not rerun the check.

Dagster's blocking checks stop the rest of their own run. A later run that selects only downstream assets would read
the refused rows left in the warehouse; the publication gate (`unverified_inputs`) finds them here, in the warehouse
itself, whichever Dagster instance ran what.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import duckdb
import polars as pl

SYNTHETIC_SOURCES = frozenset({"demo"})

AUDIT_DDL = (
    "create schema if not exists audit",
    "create table if not exists audit.warehouse (kind varchar not null)",
    """
    create table if not exists audit.writes (
        asset_key varchar primary key,
        run_id varchar not null,
        written_at timestamptz not null
    )
    """,
    # what the asset was made from (its inputs' versions, the settings it read and the code): a step whose assets
    # were all made from exactly what it would read now is skipped (a warehouse from before this column lacks it)
    "alter table audit.writes add column if not exists version varchar",
    """
    create table if not exists audit.checks (
        run_id varchar not null,
        asset_key varchar not null,
        check_name varchar not null,
        blocking boolean not null,
        passed boolean not null,
        evaluated_at timestamptz not null,
        primary key (run_id, asset_key, check_name)
    )
    """,
)


class WarehouseKindError(RuntimeError):
    """A run of synthetic data into a warehouse of real data, or the other way round."""


def ensure_audit(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in AUDIT_DDL:
        conn.execute(statement)


def claim_kind(conn: duckdb.DuckDBPyConnection, source: str, where: str) -> None:
    """A warehouse holds real data (files, cbs) or synthetic data (demo), never both: the first run sets which."""
    ensure_audit(conn)
    kind = "synthetic" if source in SYNTHETIC_SOURCES else "real"
    recorded = conn.execute("select kind from audit.warehouse").fetchone()
    if recorded is None:
        # a warehouse made before this record: what it has loaded says what it is
        loaded = conn.execute("select distinct data_source from raw.vintages").fetchall() if _has_vintages(conn) else []
        kinds = {"synthetic" if s in SYNTHETIC_SOURCES else "real" for (s,) in loaded}
        recorded = (kinds.pop() if len(kinds) == 1 else kind,)
        conn.execute("insert into audit.warehouse values (?)", [recorded[0]])
    if recorded[0] != kind:
        default = "warehouse/demo/talentgap.duckdb" if kind == "synthetic" else "warehouse/talentgap.duckdb"
        raise WarehouseKindError(
            f"warehouse {where} holds {recorded[0]} data; a TALENTGAP_SOURCE={source} run may not write it. "
            f"Point TALENTGAP_WAREHOUSE at a warehouse of {kind} data (the default for {source} is {default})"
        )


def _has_vintages(conn: duckdb.DuckDBPyConnection) -> bool:
    found = conn.execute(
        "select 1 from duckdb_tables() where schema_name = 'raw' and table_name = 'vintages'"
    ).fetchone()
    return found is not None


def record_writes(conn: duckdb.DuckDBPyConnection, versions: dict[str, str | None], run_id: str) -> None:
    """The run that wrote these assets last, and the version each was made from; their checks of an earlier run no
    longer speak for them."""
    ensure_audit(conn)
    now = datetime.now(UTC)
    for key, version in versions.items():
        conn.execute(
            "insert or replace into audit.writes (asset_key, run_id, written_at, version) values (?, ?, ?, ?)",
            [key, run_id, now, version],
        )


def written(conn: duckdb.DuckDBPyConnection, asset_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """asset key -> (run that last wrote it, the version it was made from), for those ever written."""
    ensure_audit(conn)
    rows = conn.execute(
        "select asset_key, run_id, version from audit.writes where asset_key in (select unnest(?))", [asset_keys]
    ).fetchall()
    return {key: (run_id, version) for key, run_id, version in rows}


def version_of(*parts: object) -> str:
    """A version from what something is made of: equal parts, equal version."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def record_checks(conn: duckdb.DuckDBPyConnection, run_id: str, results: list[tuple[str, str, bool, bool]]) -> None:
    """(asset_key, check_name, blocking, passed) per check evaluated in the run."""
    ensure_audit(conn)
    now = datetime.now(UTC)
    for asset_key, check, blocking, passed in results:
        conn.execute(
            "insert or replace into audit.checks values (?, ?, ?, ?, ?, ?)",
            [run_id, asset_key, check, blocking, passed, now],
        )


# each check's latest result on each asset as it is now: evaluated since the asset was last written (by the run that
# wrote it, or by a later run that re-evaluated it because another input of the check changed)
CURRENT_CHECKS_SQL = """
select c.asset_key, c.check_name, c.blocking, c.passed, c.run_id, c.evaluated_at, w.run_id as written_by
from audit.checks c join audit.writes w on c.asset_key = w.asset_key and c.evaluated_at >= w.written_at
qualify row_number() over (partition by c.asset_key, c.check_name order by c.evaluated_at desc) = 1
order by c.asset_key, c.check_name
"""


def unverified_inputs(conn: duckdb.DuckDBPyConnection, blocking: dict[str, set[str]]) -> list[str]:
    """What stands in the way of publishing: for every asset with blocking checks, each of them must have passed on
    the asset as it is now (evaluated since the run that last wrote it). One line per asset that fails this, naming
    the run and the checks."""
    ensure_audit(conn)
    current = verified_check_results(conn)
    writers = dict(conn.execute("select asset_key, run_id from audit.writes").fetchall())
    problems = []
    for asset_key, checks in sorted(blocking.items()):
        if asset_key not in writers:
            problems.append(f"{asset_key}: no run has written it into this warehouse")
            continue
        results = dict(current.filter(pl.col("asset_key") == asset_key).select("check_name", "passed").rows())
        failed = sorted(c for c in checks if results.get(c) is False)
        missing = sorted(c for c in checks if c not in results)
        if failed:
            problems.append(f"{asset_key}: written by run {writers[asset_key]}, whose blocking checks failed: {failed}")
        elif missing:
            problems.append(
                f"{asset_key}: written by run {writers[asset_key]}, whose checks {missing} have not run on it since"
            )
    return problems


def verified_check_results(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each asset's check results as it is now (evaluated since it was last written): what the data now in the
    warehouse passed."""
    return conn.sql(CURRENT_CHECKS_SQL).pl().drop("written_by")


def current_checks(
    conn: duckdb.DuckDBPyConnection, asset_key: str, inputs: list[str]
) -> list[tuple[str, bool, bool, str]]:
    """(check, blocking, passed, run) of each check on `asset_key` evaluated since every one of `inputs` (what the
    check reads, the asset among them) was last written; empty when any input changed after its latest evaluation.
    A run that wrote none of them re-reports these instead of evaluating the checks again."""
    ensure_audit(conn)
    latest_write = conn.execute(
        "select max(written_at), count(*) from audit.writes where asset_key in (select unnest(?))", [inputs]
    ).fetchone()
    if latest_write[1] < len(set(inputs)):
        return []
    return conn.execute(
        """
        select check_name, blocking, passed, run_id from audit.checks
        where asset_key = ? and evaluated_at >= ?
        qualify row_number() over (partition by check_name order by evaluated_at desc) = 1
        order by check_name
        """,
        [asset_key, latest_write[0]],
    ).fetchall()
