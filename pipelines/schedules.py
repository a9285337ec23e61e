"""Schedules: the fallback that refreshes even when no sensor noticed a new CBS release."""

import dagster as dg

from pipelines.jobs import materialize_everything

weekly_refresh = dg.ScheduleDefinition(
    name="weekly_refresh",
    job=materialize_everything,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Amsterdam",
    description="Weekly full refresh; a raw table whose content did not change adds no vintage.",
)
