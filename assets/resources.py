"""Run settings, from environment variables with defaults; the code location fixes them when it loads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr, field_validator

from models.gap.scenarios import changes_after
from sources import Source, make_source
from sources.cbs import DEFAULT_CBS_URL, DEFAULT_DEADLINE_S, refused_url
from warehouse import lock
from warehouse.audit import claim_kind
from warehouse.db import read_seed
from warehouse.settings import (
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE,
    Settings,
    SettingsError,
    check_deadline,
    check_demo_scale,
    check_end_year,
    check_lock_wait,
    check_source,
    read_settings,
)

SCENARIOS_SEED = "warehouse/seeds/scenarios.csv"


class TalentgapSettings(dg.ConfigurableResource):
    """Which source to load from, where the exports and the warehouse live, and how far to forecast.

    The code location builds it from the environment (warehouse/settings.py checks every value) and fixes it
    (fixed_resource): the launchpad cannot change it."""

    source: str = "files"
    data_dir: str = DEFAULT_DATA_DIR
    warehouse: str = DEFAULT_WAREHOUSE
    cbs_url: str = DEFAULT_CBS_URL
    cbs_deadline_s: float = DEFAULT_DEADLINE_S
    end_year: int = 2030
    demo_scale: int = 1

    @field_validator("source")
    @classmethod
    def _known_source(cls, source: str) -> str:
        return check_source(source)

    @field_validator("cbs_url")
    @classmethod
    def _allowed_cbs_url(cls, url: str) -> str:
        why = refused_url(url)
        if why:
            raise SettingsError(f"TALENTGAP_CBS_URL={url!r} is refused: {why}")
        return url

    @field_validator("cbs_deadline_s")
    @classmethod
    def _usable_deadline(cls, deadline_s: float) -> float:
        return check_deadline(deadline_s)

    @field_validator("end_year")
    @classmethod
    def _usable_end_year(cls, end_year: int) -> int:
        check_end_year(end_year)
        # a scenario that starts after the end year would fail the gap step a minute into the run: refuse it now
        late = changes_after(read_seed("scenarios"), end_year)
        if late:
            lines = ", ".join(f"line {line} (scenario {name!r}) from {year}" for line, name, year in late)
            raise SettingsError(
                f"TALENTGAP_END_YEAR={end_year} ends before changes of {SCENARIOS_SEED} start: {lines}. Choose an "
                f"end year from {max(year for _, _, year in late)}, or move those lines' from_year"
            )
        return end_year

    @field_validator("demo_scale")
    @classmethod
    def _known_scale(cls, scale: int) -> int:
        return check_demo_scale(scale)

    def make_source(self) -> Source:
        return make_source(
            self.source,
            data_dir=self.data_dir,
            cbs_url=self.cbs_url,
            cbs_deadline_s=self.cbs_deadline_s,
            demo_scale=self.demo_scale,
        )


def settings_from_env(env: Settings | None = None) -> TalentgapSettings:
    """The settings from TALENTGAP_* variables (or `env`, read from them); a value that cannot be used, alone or
    with the seeds, is an error naming its variable."""
    env = env or read_settings()
    try:
        return TalentgapSettings(
            source=env.source,
            data_dir=env.data_dir,
            warehouse=env.warehouse,
            cbs_url=env.cbs_url,
            cbs_deadline_s=env.cbs_deadline_s,
            end_year=env.end_year,
            demo_scale=env.demo_scale,
        )
    except ValueError as error:  # pydantic wraps our SettingsError: say only what is wrong
        messages = [e["ctx"]["error"] for e in getattr(error, "errors", lambda: [])() if "ctx" in e]
        raise SettingsError("; ".join(str(m) for m in messages) or str(error)) from None


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse, written by one run at a time.

    For the whole run it holds the warehouse's operating-system lock (warehouse/lock.py): a second run, whoever
    starts it, waits up to `lock_wait_seconds` and is then refused with a message naming the holder; a run that dies
    releases the lock with its process. It refuses a warehouse of the other kind (real vs synthetic data). A
    connection that cannot be opened fails at once, naming the file, instead of being retried for minutes.
    """

    source: str = "files"
    lock_wait_seconds: float = 0.0
    _lock: IO[str] | None = PrivateAttr(default=None)

    @field_validator("lock_wait_seconds")
    @classmethod
    def _usable_wait(cls, wait_s: float) -> float:
        return check_lock_wait(wait_s)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._lock = lock.acquire(
            Path(self.database), context.run.run_id if context.run else "a run", self.lock_wait_seconds
        )
        try:
            with self.get_connection() as conn:
                claim_kind(conn, self.source, self.database)
        except BaseException:
            lock.release(self._lock)
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        lock.release(self._lock)

    @contextmanager
    def get_connection(self):
        try:
            conn = duckdb.connect(self.database, config={"custom_user_agent": "talentgap", **self.connection_config})
        except duckdb.Error as error:
            raise WarehouseUnavailable(f"warehouse {self.database} cannot be opened for writing: {error}") from None
        try:
            yield conn
        finally:
            conn.close()


class WarehouseUnavailable(RuntimeError):
    """The warehouse file cannot be opened (a read-only folder, a full disk, another program holding it)."""


def duckdb_resource(warehouse: str, source: str = "files", lock_wait_seconds: float = 0.0) -> WarehouseResource:
    """The warehouse connection; its folder is made first, since DuckDB retries a missing folder for minutes."""
    try:
        Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseUnavailable(f"warehouse folder {Path(warehouse).parent} cannot be made: {error}") from None
    return WarehouseResource(database=warehouse, source=source, lock_wait_seconds=lock_wait_seconds)


def fixed_resource(resource: dg.ConfigurableResource, description: str) -> dg.ResourceDefinition:
    """`resource` as given, with its set-up and tear-down, but with no config a run can change.

    A Pythonic resource's fields are run config: the UI's launchpad (anyone who can open the UI) could otherwise point
    a run at any warehouse file, data folder or URL the server can reach. The values come from the environment of the
    code location, where the deployment sets them."""

    @dg.resource(config_schema={}, description=description)
    def fixed(context: dg.InitResourceContext) -> Iterator[object]:
        # a copy per run, as Dagster makes of a configurable resource: the warehouse keeps its lock on itself
        with resource.with_replaced_resource_context(context).yield_for_execution(context) as value:
            yield value

    return fixed


def resources_from_env() -> dict[str, object]:
    """The code location's resources from the TALENTGAP_* variables, every one checked before the first step, and
    fixed (fixed_resource: no launchpad config)."""
    env = read_settings()
    settings = settings_from_env(env)
    return {
        "settings": fixed_resource(settings, "The TALENTGAP_* settings the code location was started with."),
        "duckdb": fixed_resource(
            duckdb_resource(settings.warehouse, settings.source, env.lock_wait_s),
            f"The DuckDB warehouse {settings.warehouse}, written by one run at a time.",
        ),
    }
