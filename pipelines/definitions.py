"""The Dagster code location: `dagster dev -m pipelines.definitions`."""

from __future__ import annotations

import dagster as dg

import assets
from pipelines.resources import resources_from_env

all_assets = dg.load_assets_from_package_module(assets)

materialize_everything = dg.define_asset_job(
    "materialize_everything",
    selection=dg.AssetSelection.all(),
    description="Load every registered CBS table, rebuild staging and marts, forecast, compute and publish the gaps.",
)

weekly_refresh = dg.ScheduleDefinition(
    name="weekly_refresh",
    job=materialize_everything,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Amsterdam",
    description="Weekly full refresh; a raw table whose content did not change adds no vintage.",
)

defs = dg.Definitions(
    assets=all_assets,
    jobs=[materialize_everything],
    schedules=[weekly_refresh],
    resources=resources_from_env(),
    # One process for the whole run: DuckDB takes one writer at a time, and a process per step costs seconds each.
    executor=dg.in_process_executor,
)
