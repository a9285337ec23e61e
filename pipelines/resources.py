"""Run settings, from environment variables with defaults, also editable as resource config in the UI."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from sources import Source, make_source
from sources.cbs import DEFAULT_CBS_URL

DEFAULT_WAREHOUSE = "warehouse/talentgap.duckdb"
DEMO_WAREHOUSE = "warehouse/demo/talentgap.duckdb"  # synthetic releases never share a warehouse with real ones
DEFAULT_DATA_DIR = "../shared/data/real"


class TalentgapSettings(dg.ConfigurableResource):
    """Which source to load from, where the exports and the warehouse live, and how far to forecast."""

    source: str = "files"
    data_dir: str = DEFAULT_DATA_DIR
    warehouse: str = DEFAULT_WAREHOUSE
    cbs_url: str = DEFAULT_CBS_URL
    end_year: int = 2030

    def make_source(self) -> Source:
        return make_source(self.source, data_dir=self.data_dir, cbs_url=self.cbs_url)


def settings_from_env() -> TalentgapSettings:
    source = os.environ.get("TALENTGAP_SOURCE", "files")
    return TalentgapSettings(
        source=source,
        data_dir=os.environ.get("TALENTGAP_DATA_DIR", DEFAULT_DATA_DIR),
        warehouse=os.environ.get("TALENTGAP_WAREHOUSE", DEMO_WAREHOUSE if source == "demo" else DEFAULT_WAREHOUSE),
        cbs_url=os.environ.get("TALENTGAP_CBS_URL", DEFAULT_CBS_URL),
        end_year=int(os.environ.get("TALENTGAP_END_YEAR", "2030")),
    )


def duckdb_resource(warehouse: str) -> DuckDBResource:
    """The warehouse connection; its folder is made first, since DuckDB retries a missing folder for minutes."""
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=warehouse)


def resources_from_env() -> dict[str, object]:
    settings = settings_from_env()
    return {"settings": settings, "duckdb": duckdb_resource(settings.warehouse)}
