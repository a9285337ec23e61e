"""Run settings, from environment variables with defaults; the code location fixes them when it loads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr, field_validator

from sources import SOURCE_KINDS, Source, make_source
from sources.cbs import DEFAULT_CBS_URL, DEFAULT_DEADLINE_S, refused_url
from sources.demo import MAX_SCALE
from warehouse import lock
from warehouse.audit import claim_kind

DEFAULT_WAREHOUSE = "warehouse/talentgap.duckdb"
DEMO_WAREHOUSE = "warehouse/demo/talentgap.duckdb"  # synthetic releases never share a warehouse with real ones
DEFAULT_DATA_DIR = "../shared/data/real"
# the first and last end year the model accepts: forecasts are backtested 1-4 years ahead, so a horizon beyond 2040
# would be a guess, and an end year before 2020 would end before the data does
END_YEARS = (2020, 2040)


class SettingsError(ValueError):
    """A setting (environment variable or launchpad config) that cannot be used."""


class TalentgapSettings(dg.ConfigurableResource):
    """Which source to load from, where the exports and the warehouse live, and how far to forecast."""

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
        if source not in SOURCE_KINDS:
            raise SettingsError(f"TALENTGAP_SOURCE={source!r} is not one of {', '.join(SOURCE_KINDS)}")
        return source

    @field_validator("cbs_url")
    @classmethod
    def _allowed_cbs_url(cls, url: str) -> str:
        why = refused_url(url)
        if why:
            raise SettingsError(f"TALENTGAP_CBS_URL={url!r} is refused: {why}")
        return url

    @field_validator("end_year")
    @classmethod
    def _plausible_end_year(cls, end_year: int) -> int:
        first, last = END_YEARS
        if not first <= end_year <= last:
            raise SettingsError(f"TALENTGAP_END_YEAR={end_year} is outside {first}-{last}, the years the model serves")
        return end_year

    @field_validator("demo_scale")
    @classmethod
    def _known_scale(cls, scale: int) -> int:
        if not 1 <= scale <= MAX_SCALE:
            raise SettingsError(f"TALENTGAP_DEMO_SCALE={scale} is outside 1-{MAX_SCALE}")
        return scale

    def make_source(self) -> Source:
        return make_source(
            self.source,
            data_dir=self.data_dir,
            cbs_url=self.cbs_url,
            cbs_deadline_s=self.cbs_deadline_s,
            demo_scale=self.demo_scale,
        )


def default_warehouse(source: str, demo_scale: int = 1) -> str:
    """Real data, demo data and each scale of demo data get a warehouse of their own, so releases never mix."""
    if source != "demo":
        return DEFAULT_WAREHOUSE
    return DEMO_WAREHOUSE if demo_scale == 1 else f"warehouse/demo-x{demo_scale}/talentgap.duckdb"


def settings_from_env() -> TalentgapSettings:
    """The settings from TALENTGAP_* variables; a value that cannot be used is an error naming its variable."""
    source = os.environ.get("TALENTGAP_SOURCE", "files")
    end_year = os.environ.get("TALENTGAP_END_YEAR", "2030")
    if not end_year.strip().isdigit():
        raise SettingsError(f"TALENTGAP_END_YEAR={end_year!r} is not a year (a whole number such as 2030)")
    scale = os.environ.get("TALENTGAP_DEMO_SCALE", "1")
    if not scale.strip().isdigit():
        raise SettingsError(f"TALENTGAP_DEMO_SCALE={scale!r} is not a whole number of times the demo series")
    deadline = os.environ.get("TALENTGAP_CBS_DEADLINE", str(DEFAULT_DEADLINE_S))
    try:
        deadline_s = float(deadline)
    except ValueError:
        raise SettingsError(f"TALENTGAP_CBS_DEADLINE={deadline!r} is not a number of seconds") from None
    try:
        return TalentgapSettings(
            source=source,
            data_dir=os.environ.get("TALENTGAP_DATA_DIR", DEFAULT_DATA_DIR),
            warehouse=os.environ.get("TALENTGAP_WAREHOUSE", default_warehouse(source, int(scale))),
            cbs_url=os.environ.get("TALENTGAP_CBS_URL", DEFAULT_CBS_URL),
            cbs_deadline_s=deadline_s,
            end_year=int(end_year),
            demo_scale=int(scale),
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
    """The code location's resources, from TALENTGAP_* variables only (fixed_resource: no launchpad config)."""
    settings = settings_from_env()
    wait = os.environ.get("TALENTGAP_LOCK_WAIT", "0")
    try:
        wait_seconds = float(wait)
    except ValueError:
        raise SettingsError(f"TALENTGAP_LOCK_WAIT={wait!r} is not a number of seconds") from None
    return {
        "settings": fixed_resource(settings, "The TALENTGAP_* settings the code location was started with."),
        "duckdb": fixed_resource(
            duckdb_resource(settings.warehouse, settings.source, wait_seconds),
            f"The DuckDB warehouse {settings.warehouse}, written by one run at a time.",
        ),
    }
