"""Shared fixtures. The pipeline runs once per test session on the real CBS exports into the golden warehouse; tests
read it (read-only: its files may not be written) or work on a copy of their own (`golden_copy`), so any order,
`-k` selection or pytest-xdist worker sees the same warehouse. Under xdist the first worker builds it and the others
wait for it (a file lock in the session's shared temporary folder).

Tiers: the fast tier (`uv run pytest`) is everything not marked `slow`; `.ci/run` runs the slow tier too
(`uv run pytest -m slow`): command-line runs, kills, the PostgreSQL deployment, the live-CBS path and the demo.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from filelock import FileLock

from assets.resources import TalentgapSettings, duckdb_resource
from models.gap.inputs import GAP_INPUT_TABLES, ModelData, model_data
from pipelines.definitions import all_assets, all_checks
from warehouse.db import read_tables

REAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.fail(f"the real CBS exports are expected at {REAL_DATA} (../shared/data/real from the project root)")
    return REAL_DATA


def run_pipeline(
    source: str,
    warehouse: Path,
    data_dir: Path | None = None,
    settings: TalentgapSettings | None = None,
    selection: dg.AssetSelection | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise every asset (or `selection`, with its checks) into a warehouse of the test's own, as
    `dg launch --assets '*'` would."""
    settings = settings or TalentgapSettings(source=source, data_dir=str(data_dir or ""), warehouse=str(warehouse))
    return dg.materialize(
        [*all_assets, *all_checks],
        resources={"settings": settings, "duckdb": duckdb_resource(str(warehouse), settings.source)},
        selection=selection,
        raise_on_error=False,
    )


def check_count() -> int:
    """How many checks the definitions hold: every one is evaluated (or re-reported) on a whole run."""
    from pipelines.definitions import defs

    return len(defs.resolve_asset_graph().asset_check_keys)


def check_evaluations(result: dg.ExecuteInProcessResult) -> list[dict]:
    """Every asset check the run evaluated: asset, check, passed, severity and the report it points to."""
    return [
        {
            "asset": e.asset_check_evaluation_data.asset_key.to_user_string(),
            "check": e.asset_check_evaluation_data.check_name,
            "passed": e.asset_check_evaluation_data.passed,
            "severity": e.asset_check_evaluation_data.severity.value,
            "report": e.asset_check_evaluation_data.metadata["report"].value,
        }
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]


@dataclass(frozen=True)
class Golden:
    """The whole pipeline run once on the real exports: its warehouse (read-only) and what the run reported."""

    warehouse: Path
    run_id: str
    checks: list[dict]


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture(scope="session")
def golden(real_data, tmp_path_factory, worker_id) -> Golden:
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    folder, summary = shared / "golden", shared / "golden.json"
    with FileLock(str(shared / "golden.lock")):
        if not summary.exists():
            warehouse = folder / "talentgap.duckdb"
            result = run_pipeline("files", warehouse, real_data)
            assert result.success, [e.message for e in result.all_events if e.is_failure]
            summary.write_text(json.dumps({"run_id": result.run_id, "checks": check_evaluations(result)}))
            _read_only(folder)
    reported = json.loads(summary.read_text())
    return Golden(folder / "talentgap.duckdb", reported["run_id"], reported["checks"])


@pytest.fixture
def golden_copy(golden, tmp_path) -> Path:
    """A writable copy of the golden warehouse (database, analysts' copy, exports, reports) for one test; returns
    its warehouse file."""
    folder = tmp_path / "warehouse"
    shutil.copytree(golden.warehouse.parent, folder, copy_function=shutil.copyfile)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return folder / golden.warehouse.name


@pytest.fixture(scope="session")
def real_model_data(golden) -> ModelData:
    """The gap model's inputs as the golden run left them."""
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        return model_data(read_tables(conn, GAP_INPUT_TABLES))


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """pytest-xdist's worker id ("gw0", ...), or "master" when the session runs in one process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")
