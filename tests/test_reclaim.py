"""A run killed so hard that it never wrote its end (SIGKILL) is marked failed, so the one-run queue moves on
(issue 23, fault 3): a real run in a process of its own, on an instance on disk, killed mid-step."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.reclaim import reclaim_dead_runs, reclaim_dead_runs_sensor

SLEEPER = """
import sys, time
import dagster as dg

@dg.op
def wait():
    time.sleep(120)

@dg.job
def sleeper():
    wait()

sleeper.execute_in_process(instance=dg.DagsterInstance.local_temp(tempdir=sys.argv[1]))
"""


def started_run(instance: dg.DagsterInstance, process: subprocess.Popen, seconds: float = 60) -> dg.DagsterRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        if runs:
            return runs[0]
        assert process.poll() is None, "the run's process ended before its run started"
        time.sleep(0.2)
    raise AssertionError("the run did not start")


def test_a_killed_run_is_marked_failed_and_a_live_one_is_left_alone(tmp_path: Path):
    instance = dg.DagsterInstance.local_temp(tempdir=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-c", SLEEPER, str(tmp_path)])
    try:
        run = started_run(instance, process)
        assert reclaim_dead_runs(instance) == []  # alive: untouched
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # what the queue waited on
        assert reclaim_dead_runs(instance) == [run.run_id]
    finally:
        process.kill()
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    failure = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
    assert "is gone: it was killed or crashed" in failure.message
    assert reclaim_dead_runs(instance) == []  # once


def test_the_daemon_runs_the_reclaim_sensor_from_the_start():
    (sensor,) = (s for s in defs.sensors if s.name == reclaim_dead_runs_sensor.name)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.minimum_interval_seconds == 30
