"""How the pipeline's cost grows with the number of series: the whole run on synthetic demo data at 1x, 10x and
100x the series (TALENTGAP_DEMO_SCALE), with wall time and peak memory per step.

    uv run python benchmarks/scale.py                 # 1x, 10x, 100x
    uv run python benchmarks/scale.py --scales 1 10   # a quicker look

Each scale runs `dg launch --job materialize_everything` in a process of its own, in a warehouse and a Dagster
instance of its own under a temporary folder. A sampler reads the resident memory of the run's process tree every
0.1 s; the run history gives each step's start and end, so a step's peak is the highest sample inside it. Growth is
given as an exponent: log(cost ratio) / log(series ratio), so 1.0 grows as the series do and less than 1 slower.
All numbers are synthetic data, never the letter's; the targets are in docs/operations.md ("Scale").
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
from dagster._core.instance import DagsterInstance, InstanceRef

ROOT = Path(__file__).resolve().parent.parent
MEMORY_TARGET_GIB = 4.0
SAMPLE_S = 0.1


@dataclass
class Step:
    key: str
    seconds: float
    peak_bytes: int


@dataclass
class ScaleRun:
    scale: int
    series: int
    observations: int
    seconds: float
    peak_bytes: int
    steps: dict[str, Step]


class MemorySampler(threading.Thread):
    """Resident memory of a process and its children, sampled with a timestamp until the process ends."""

    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        while self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE:
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                rss = 0
            self.samples.append((time.time(), rss))
            time.sleep(SAMPLE_S)

    def peak(self, start: float = 0.0, end: float = math.inf) -> int:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside, default=0)


def run_at(scale: int, folder: Path) -> ScaleRun:
    home, warehouse = folder / "dagster_home", folder / "warehouse" / "talentgap.duckdb"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\npython_logs:\n  python_log_level: INFO\n")
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "TALENTGAP_SOURCE": "demo",
        "TALENTGAP_DEMO_SCALE": str(scale),
        "TALENTGAP_WAREHOUSE": str(warehouse),
    }
    command = [str(Path(sys.executable).parent / "dg"), "launch", "--job", "materialize_everything"]
    log = folder / "run.log"
    started = time.time()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = MemorySampler(psutil.Process(process.pid))
        sampler.start()
        code = process.wait()
        sampler.join()
    seconds = time.time() - started
    if code != 0:
        raise SystemExit(f"the {scale}x run failed ({code}); its log: {log}\n{log.read_text()[-3000:]}")
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_step_stats(run.run_id)
    steps = {
        s.step_key: Step(s.step_key, s.end_time - s.start_time, sampler.peak(s.start_time, s.end_time))
        for s in stats
        if s.start_time and s.end_time
    }
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        series, observations = conn.execute(
            "select count(distinct series_id), count(*) from staging.observations"
        ).fetchone()
    return ScaleRun(scale, series, observations, seconds, sampler.peak(), steps)


def exponent(cost: float, base_cost: float, size: float, base_size: float) -> float:
    """log(cost ratio) / log(size ratio): 1 grows as the size does, 2 as its square."""
    if base_cost <= 0 or cost <= 0 or size == base_size:
        return float("nan")
    return math.log(cost / base_cost) / math.log(size / base_size)


def gib(n: int) -> str:
    return f"{n / 2**30:.2f}"


def report(runs: list[ScaleRun]) -> None:
    base = runs[0]
    print("\nPer step: wall seconds and peak resident memory (GiB) of the run's processes while the step ran")
    keys = sorted(base.steps, key=lambda k: -max(r.steps[k].seconds for r in runs if k in r.steps))
    header = f"{'step':44s}" + "".join(f"{f'{r.scale}x s':>9s}{f'{r.scale}x GiB':>10s}" for r in runs)
    if len(runs) > 1:
        header += f"{'growth':>8s}"
    print(header)
    for key in keys:
        line = f"{key:44s}"
        for r in runs:
            step = r.steps.get(key)
            line += f"{step.seconds:9.1f}{gib(step.peak_bytes):>10s}" if step else f"{'':9s}{'':10s}"
        if len(runs) > 1 and key in runs[-1].steps:
            growth = exponent(runs[-1].steps[key].seconds, base.steps[key].seconds, runs[-1].series, base.series)
            line += f"{growth:8.2f}"
        print(line)
    print("\nWhole runs")
    print(f"{'scale':>6s}{'series':>9s}{'observations':>14s}{'wall s':>9s}{'peak GiB':>10s}{'time growth':>13s}")
    for r in runs:
        growth = exponent(r.seconds, base.seconds, r.series, base.series)
        print(f"{r.scale:>5d}x{r.series:9d}{r.observations:14d}{r.seconds:9.1f}{gib(r.peak_bytes):>10s}{growth:13.2f}")
    largest = runs[-1]
    growth = exponent(largest.seconds, base.seconds, largest.series, base.series)
    print(
        f"\ntargets: time grows no faster than the series (exponent <= 1): {growth:.2f} "
        f"{'met' if growth <= 1 else 'MISSED'}; peak memory at {largest.scale}x under {MEMORY_TARGET_GIB:.0f} GiB: "
        f"{gib(largest.peak_bytes)} GiB {'met' if largest.peak_bytes < MEMORY_TARGET_GIB * 2**30 else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="talentgap-scale-") as tmp:
        for scale in sorted(args.scales):
            print(f"running the pipeline on demo data at {scale}x ...", flush=True)
            run = run_at(scale, Path(tmp) / f"x{scale}")
            print(
                f"  {run.series} series, {run.observations} observations: {run.seconds:.1f} s, "
                f"peak {gib(run.peak_bytes)} GiB",
                flush=True,
            )
            runs.append(run)
    report(runs)


if __name__ == "__main__":
    main()
