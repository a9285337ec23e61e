"""Run settings, from environment variables with defaults, also editable as resource config in the UI."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import field_validator

from sources import SOURCE_KINDS, Source, make_source
from sources.cbs import DEFAULT_CBS_URL

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
    end_year: int = 2030

    @field_validator("source")
    @classmethod
    def _known_source(cls, source: str) -> str:
        if source not in SOURCE_KINDS:
            raise SettingsError(f"TALENTGAP_SOURCE={source!r} is not one of {', '.join(SOURCE_KINDS)}")
        return source

    @field_validator("end_year")
    @classmethod
    def _plausible_end_year(cls, end_year: int) -> int:
        first, last = END_YEARS
        if not first <= end_year <= last:
            raise SettingsError(f"TALENTGAP_END_YEAR={end_year} is outside {first}-{last}, the years the model serves")
        return end_year

    def make_source(self) -> Source:
        return make_source(self.source, data_dir=self.data_dir, cbs_url=self.cbs_url)


def settings_from_env() -> TalentgapSettings:
    """The settings from TALENTGAP_* variables; a value that cannot be used is an error naming its variable."""
    source = os.environ.get("TALENTGAP_SOURCE", "files")
    end_year = os.environ.get("TALENTGAP_END_YEAR", "2030")
    if not end_year.strip().isdigit():
        raise SettingsError(f"TALENTGAP_END_YEAR={end_year!r} is not a year (a whole number such as 2030)")
    try:
        return TalentgapSettings(
            source=source,
            data_dir=os.environ.get("TALENTGAP_DATA_DIR", DEFAULT_DATA_DIR),
            warehouse=os.environ.get("TALENTGAP_WAREHOUSE", DEMO_WAREHOUSE if source == "demo" else DEFAULT_WAREHOUSE),
            cbs_url=os.environ.get("TALENTGAP_CBS_URL", DEFAULT_CBS_URL),
            end_year=int(end_year),
        )
    except ValueError as error:  # pydantic wraps our SettingsError: say only what is wrong
        messages = [e["ctx"]["error"] for e in getattr(error, "errors", lambda: [])() if "ctx" in e]
        raise SettingsError("; ".join(str(m) for m in messages) or str(error)) from None


def duckdb_resource(warehouse: str) -> DuckDBResource:
    """The warehouse connection; its folder is made first, since DuckDB retries a missing folder for minutes."""
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=warehouse)


def resources_from_env() -> dict[str, object]:
    settings = settings_from_env()
    return {"settings": settings, "duckdb": duckdb_resource(settings.warehouse)}
