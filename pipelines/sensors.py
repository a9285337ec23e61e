"""Sensors: notice a new CBS release of any registered table and refresh once for it."""

import json

import dagster as dg

from assets.resources import TalentgapSettings
from pipelines.jobs import materialize_everything
from sources.cbs import CbsSource
from sources.registry import TABLES


@dg.sensor(
    job=materialize_everything,
    minimum_interval_seconds=6 * 3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Asks CBS (TableInfos) for the Modified date of every registered table and requests one full refresh per "
        "new release; the cursor remembers the dates seen, and the run key makes a release run once."
    ),
)
def cbs_release_sensor(context: dg.SensorEvaluationContext, settings: TalentgapSettings):
    if settings.source != "cbs":
        return dg.SkipReason(f"TALENTGAP_SOURCE is {settings.source!r}; this sensor watches the live CBS service")
    client = CbsSource(settings.cbs_url)
    seen: dict[str, str] = json.loads(context.cursor or "{}")
    changed = {}
    for spec in TABLES:
        modified = client.table_modified(spec.table_id)
        if modified is not None and seen.get(spec.table_id) != modified.isoformat():
            changed[spec.table_id] = modified.isoformat()
    if not changed:
        return dg.SkipReason("no registered CBS table has a new Modified date")
    context.update_cursor(json.dumps(seen | changed, sort_keys=True))
    return dg.RunRequest(
        run_key=";".join(f"{table}@{modified}" for table, modified in sorted(changed.items())),
        tags={"talentgap/changed_tables": ",".join(sorted(changed))},
    )
