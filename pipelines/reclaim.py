"""Runs whose process died, marked failed so that the run queue moves on.

A run killed with SIGKILL (or by the out-of-memory killer, or a reboot) never writes its end: its record stays
STARTED. Dagster's run monitoring can tell only for launchers that report their workers' health, and neither the
command line (`dg launch`) nor the default launcher (the UI, the schedule, the sensor) does; with
`max_concurrent_runs: 1` every queued run would then wait for the dead one forever. The warehouse's lock is released
with the process (warehouse/lock.py); this releases the queue's slot too. A run's process is the one that wrote its
RUN_START event: if no process has that id any more, the run is over.
"""

from __future__ import annotations

import os

import dagster as dg

IN_PROGRESS = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def run_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The id of the process that started the run (its RUN_START event), or None if it has not started."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: asks whether the process exists, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True


def reclaim_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every run in progress whose process no longer exists; returns their ids. Runs and this check
    must share a machine's process ids: the local instance, and the containers' code location (which runs both)."""
    reclaimed = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        pid = run_pid(instance, run.run_id)
        if pid is None or process_alive(pid):
            continue
        instance.report_run_failed(
            run,
            f"the process of this run (pid {pid}) is gone: it was killed or crashed without ending the run, so the "
            "run is marked failed and the queue moves on (pipelines/reclaim.py). The warehouse's lock went with the "
            "process; a publication it interrupted is finished by the next run or `python -m release.recover`.",
        )
        reclaimed.append(run.run_id)
    return reclaimed


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Every 30 s: marks failed any run in progress whose process is gone (killed, crashed), so the one-run queue "
        "never waits on a dead run. Requests no runs."
    ),
)
def reclaim_dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    reclaimed = reclaim_dead_runs(context.instance)
    if reclaimed:
        context.log.warning(f"marked failed, their processes gone: {', '.join(reclaimed)}")
        return dg.SkipReason(f"marked {len(reclaimed)} dead run(s) failed: {', '.join(reclaimed)}")
    return dg.SkipReason("no run in progress has lost its process")
