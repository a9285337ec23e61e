"""The Dagster code location: `dg dev`, `dg launch --job materialize_everything` (pyproject.toml, [tool.dg])."""

import warnings

import dagster as dg

import assets
from assets.resources import resources_from_env
from pipelines.console import run_console
from pipelines.jobs import materialize_everything
from pipelines.reclaim import reclaim_dead_runs_sensor
from pipelines.schedules import weekly_refresh
from pipelines.sensors import cbs_release_sensor

# `dg launch --assets '*'` parses its selection with a beta parameter Dagster warns about on every run; the selection
# itself is stable API, so the warning says nothing a user can act on
warnings.filterwarnings("ignore", message="Parameter `include_sources`", category=dg.BetaWarning)

all_assets = dg.load_assets_from_package_module(assets)
all_checks = dg.load_asset_checks_from_package_module(assets)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[materialize_everything],
    schedules=[weekly_refresh],
    sensors=[cbs_release_sensor, reclaim_dead_runs_sensor],
    resources=resources_from_env(),
    # One process for the whole run: DuckDB takes one writer at a time, and a process per step costs seconds each.
    executor=dg.in_process_executor,
    # the console a person reads: a start line, a line per step, the outcome (pipelines/console.py)
    loggers={"console": run_console},
)
