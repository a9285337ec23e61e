"""How fast the pipeline runs and is tested, against the targets of issue 21 (docs/operations.md, "Speed").

    uv run python benchmarks/speed.py            # imports, a full run into a fresh warehouse, a rerun
    uv run python benchmarks/speed.py --tests    # and the two test tiers (about 15 minutes more)

The runs are the README's command (`dg launch --job materialize_everything` on the real CBS exports), start-up
included, each in a warehouse and a Dagster instance of its own under a temporary folder; the step times come from
that instance's run history. Imports are timed in fresh processes, the median of five.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "real"
TARGETS = {"full_run_s": 30.0, "rerun_share": 0.25, "import_ratio": 2.0, "fast_tier_s": 300.0, "both_tiers_s": 900.0}


def import_seconds(module: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed_run(home: Path, warehouse: Path) -> tuple[float, str]:
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "TALENTGAP_SOURCE": "files",
        "TALENTGAP_DATA_DIR": str(DATA),
        "TALENTGAP_WAREHOUSE": str(warehouse),
    }
    started = time.perf_counter()
    done = subprocess.run(
        ["dg", "launch", "--job", "materialize_everything"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"the run failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds, done.stdout + done.stderr


def step_times(home: Path) -> list[tuple[str, float, float]]:
    """(step, seconds) of each run in the instance, newest last, with the run's own time."""
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(home))
    rows = []
    for run in reversed(instance.get_runs()):
        stats = instance.get_run_stats(run.run_id)
        steps = sorted(instance.get_run_step_stats(run.run_id), key=lambda s: s.start_time)
        rows.append(
            [(s.step_key, s.end_time - s.start_time) for s in steps] + [("(run)", stats.end_time - stats.start_time)]
        )
    return rows


def tier_seconds(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["uv", "run", "pytest", "-q", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="time the fast and the slow test tier too")
    args = parser.parse_args()

    dagster_s, definitions_s = import_seconds("dagster"), import_seconds("pipelines.definitions")
    print(f"import dagster:               {dagster_s:6.2f} s")
    print(
        f"import pipelines.definitions: {definitions_s:6.2f} s  ({definitions_s / dagster_s:.2f}x dagster; "
        f"target <= {TARGETS['import_ratio']:.0f}x)"
    )
    with tempfile.TemporaryDirectory() as folder:
        home, warehouse = Path(folder) / "dagster_home", Path(folder) / "warehouse" / "talentgap.duckdb"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\npython_logs:\n  python_log_level: INFO\n")
        full_s, _ = timed_run(home, warehouse)
        again_s, said = timed_run(home, warehouse)
        runs = step_times(home)
    assert "no new release" in said, "the rerun made a new release"
    print(f"full run, fresh warehouse:    {full_s:6.2f} s  (target <= {TARGETS['full_run_s']:.0f} s)")
    print(
        f"rerun, unchanged inputs:      {again_s:6.2f} s  ({again_s / full_s:.0%} of the full run; "
        f"target <= {TARGETS['rerun_share']:.0%})"
    )
    for label, steps in zip(("full run", "rerun"), runs, strict=True):
        print(f"\n{label}: start-up {(full_s if label == 'full run' else again_s) - steps[-1][1]:.1f} s, then")
        for step, seconds in steps:
            print(f"  {step:32s} {seconds:6.2f} s")
    if args.tests:
        fast = tier_seconds()
        slow = tier_seconds("-m", "slow")
        print(f"\nfast tier (uv run pytest):    {fast:6.0f} s  (target <= {TARGETS['fast_tier_s']:.0f} s)")
        print(f"slow tier (pytest -m slow):   {slow:6.0f} s")
        print(f"both tiers:                   {fast + slow:6.0f} s  (target <= {TARGETS['both_tiers_s']:.0f} s)")


if __name__ == "__main__":
    main()
