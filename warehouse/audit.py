"""Which run last wrote each asset, and what its checks said in that run: so that nothing is published from data a
blocking check refused, even by a later run that did not rerun the check.

Dagster's blocking checks stop the rest of their own run. A later run that selects only downstream assets would read
the refused rows left in the warehouse; the publication gate (`unverified_inputs`) finds them here, in the warehouse
itself, whichever Dagster instance ran what.
"""

from __future__ import annotations

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


def record_writes(conn: duckdb.DuckDBPyConnection, asset_keys: list[str], run_id: str) -> None:
    """The run that wrote these assets last; their checks of an earlier run no longer speak for them."""
    ensure_audit(conn)
    now = datetime.now(UTC)
    for key in asset_keys:
        conn.execute("insert or replace into audit.writes values (?, ?, ?)", [key, run_id, now])


def record_checks(conn: duckdb.DuckDBPyConnection, run_id: str, results: list[tuple[str, str, bool, bool]]) -> None:
    """(asset_key, check_name, blocking, passed) per check evaluated in the run."""
    ensure_audit(conn)
    now = datetime.now(UTC)
    for asset_key, check, blocking, passed in results:
        conn.execute(
            "insert or replace into audit.checks values (?, ?, ?, ?, ?, ?)",
            [run_id, asset_key, check, blocking, passed, now],
        )


def unverified_inputs(conn: duckdb.DuckDBPyConnection, blocking: dict[str, set[str]]) -> list[str]:
    """What stands in the way of publishing: for every asset with blocking checks, each of them must have passed in
    the run that last wrote the asset. One line per asset that fails this, naming the run and the checks."""
    ensure_audit(conn)
    problems = []
    for asset_key, checks in sorted(blocking.items()):
        written = conn.execute("select run_id from audit.writes where asset_key = ?", [asset_key]).fetchone()
        if written is None:
            problems.append(f"{asset_key}: no run has written it into this warehouse")
            continue
        results = dict(
            conn.execute(
                "select check_name, passed from audit.checks where run_id = ? and asset_key = ? and blocking",
                [written[0], asset_key],
            ).fetchall()
        )
        failed = sorted(c for c in checks if results.get(c) is False)
        missing = sorted(c for c in checks if c not in results)
        if failed:
            problems.append(f"{asset_key}: written by run {written[0]}, whose blocking checks failed: {failed}")
        elif missing:
            problems.append(f"{asset_key}: written by run {written[0]}, which did not run its checks {missing}")
    return problems


def verified_check_results(conn: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each asset's check results from the run that last wrote it: what the data now in the warehouse passed."""
    ensure_audit(conn)
    return conn.sql(
        """
        select c.asset_key, c.check_name, c.blocking, c.passed, c.run_id, c.evaluated_at
        from audit.checks c join audit.writes w on c.asset_key = w.asset_key and c.run_id = w.run_id
        order by c.asset_key, c.check_name
        """
    ).pl()
