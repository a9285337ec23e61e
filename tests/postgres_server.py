"""A throw-away PostgreSQL server on 127.0.0.1 for the tests of the production instance.

It uses the server binaries of the machine (Debian's `postgresql` package puts them in /usr/lib/postgresql/<v>/bin).
PostgreSQL refuses to run as root, so under root the cluster belongs to, and runs as, the `postgres` user that
package creates. Where no server can start, `start` raises `PostgresUnavailable` saying why, and the tests skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

SEARCH_PATHS = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started on this machine; the message says why."""


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_DB": self.database,
            "DAGSTER_PG_USERNAME": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
        }

    def query(self, sql: str) -> list[tuple]:
        with (
            psycopg2.connect(
                host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.database
            ) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(sql)
            return cursor.fetchall()


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    for pattern in SEARCH_PATHS:
        found = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        for folder in found:
            if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
                return folder
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin: "
        "install Debian's postgresql package (apt-get install postgresql) to run this test"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def start(database: str = "dagster") -> Iterator[Postgres]:
    """A new cluster in a temporary folder, with password authentication, listening on a free port of 127.0.0.1;
    stopped and removed afterwards."""
    binaries = server_binaries()
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no `postgres` user to run the server") from None
        owner = "postgres"
    password = "talentgap-test-secret"
    # not under pytest's tmp_path: its parents are closed to the postgres user
    folder = Path(tempfile.mkdtemp(prefix="talentgap-pg-"))
    data, log, password_file = folder / "data", folder / "server.log", folder / "password"
    password_file.write_text(password)
    if owner:
        shutil.chown(folder, owner)
        shutil.chown(password_file, owner)
    port = _free_port()
    try:
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "talentgap", "--auth=scram-sha-256"]
        _run(_as_owner([*initdb, f"--pwfile={password_file}"], owner), "initdb", folder)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
        pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        _run(_as_owner(pg_ctl, owner), "pg_ctl start", folder)
        server = Postgres("127.0.0.1", port, "talentgap", password, database)
        _create_database(server)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], owner),
                capture_output=True,
                check=False,
                cwd=folder,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str], what: str, folder: Path) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{what} failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")


def _create_database(server: Postgres) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(
                host=server.host, port=server.port, user=server.user, password=server.password, dbname="postgres"
            )
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'create database "{server.database}"')
    conn.close()
