"""Where runs are recorded: one local instance for every command, and the production set-up of deploy/.

The production test starts what deploy/compose.yaml starts, as processes instead of containers: PostgreSQL, the code
location as a gRPC server, the daemon and the webserver, with the image's dagster.yaml and workspace.yaml. A run is
queued as the UI queues one; the daemon launches it through the code server, and the run, its events and its checks
land in PostgreSQL, where the webserver finds them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest
import yaml
from dagster._core.instance import DagsterInstance, InstanceRef

from pipelines.definitions import defs
from tests.postgres_server import Postgres, PostgresUnavailable, start

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUN_TIMEOUT_S = 900


def _compose_services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]


def test_compose_publishes_only_the_ui_and_only_on_the_hosts_loopback():
    """The UI has no login and the code server runs whatever it is asked to: neither is reachable from the network."""
    published = {name: service["ports"] for name, service in _compose_services().items() if service.get("ports")}
    assert list(published) == ["webserver"], published
    assert published["webserver"] and all(port.startswith("127.0.0.1:") for port in published["webserver"])


def test_compose_refuses_to_start_without_a_database_password_and_env_example_ships_none():
    # ${VAR:?message}: compose stops with the message when VAR is unset or empty
    required = re.compile(r"\$\{DAGSTER_PG_PASSWORD:\?[^}]+\}")
    services = _compose_services()
    assert required.fullmatch(services["postgres"]["environment"]["POSTGRES_PASSWORD"])
    for name in ("code", "webserver", "daemon"):
        assert required.fullmatch(services[name]["environment"]["DAGSTER_PG_PASSWORD"]), name
    lines = (ROOT / "deploy" / "env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    secrets = {name: value for name, value in example.items() if re.search("PASSWORD|SECRET|TOKEN", name)}
    assert secrets == {"DAGSTER_PG_PASSWORD": ""}


@pytest.mark.slow
def test_command_line_runs_and_the_daemon_share_the_projects_instance(tmp_path, monkeypatch):
    """`dagster asset materialize` and `dagster dev` without DAGSTER_HOME read ./dagster.yaml; the daemon and a shell
    with DAGSTER_HOME=$PWD read the same file: one run history in .dagster/."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "dagster.yaml", project / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {
        "TALENTGAP_WAREHOUSE": str(tmp_path / "warehouse" / "talentgap.duckdb"),
        "PYTHONPATH": str(ROOT),
    }
    command = [str(BIN / "dagster"), "asset", "materialize", "-m", "pipelines.definitions"]
    result = subprocess.run(
        [*command, "--select", "seeds/sector_groups"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]

    monkeypatch.chdir(project)  # every command runs from the project root
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(project))) as instance:  # as with DAGSTER_HOME=$PWD
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].is_success
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1  # what the daemon reads
    assert (project / ".dagster" / "storage" / "history" / "runs.db").exists()
    assert not list(project.glob(".tmp_dagster_home_*"))


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    try:
        with start() as server:
            yield server
    except PostgresUnavailable as why:
        pytest.skip(f"the PostgreSQL storage was not tested: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _service(name: str, command: list[str], env: dict[str, str], logs: Path) -> Iterator[subprocess.Popen]:
    log = logs / f"{name}.log"
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait(what: str, ready, processes: list[subprocess.Popen], logs: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        for process in processes:
            assert process.poll() is None, f"a service ended while waiting for {what}:\n{_tails(logs)}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s:\n{_tails(logs)}"
        time.sleep(1)


def _tails(logs: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in sorted(logs.glob("*.log")))


def _code_server_up(env: dict[str, str], port: int) -> bool:
    check = [str(BIN / "dagster"), "api", "grpc-health-check", "--port", str(port)]
    return subprocess.run(check, env=env, capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_queued_run_runs_through_the_daemon_and_code_server_on_postgres(postgres, real_data, tmp_path, monkeypatch):
    home, logs = tmp_path / "dagster_home", tmp_path / "logs"
    home.mkdir()
    logs.mkdir()
    for name in ("dagster.yaml", "workspace.yaml"):  # as deploy/Dockerfile puts them in the image
        shutil.copy(ROOT / "deploy" / name, home / name)
    code_port, ui_port = _free_port(), _free_port()
    settings = postgres.environment() | {
        "DAGSTER_HOME": str(home),
        "TALENTGAP_DAGSTER_DATA": str(tmp_path / "dagster" / "artifacts"),
        "TALENTGAP_DAGSTER_LOGS": str(tmp_path / "dagster" / "logs"),
        "TALENTGAP_CODE_HOST": "127.0.0.1",
        "TALENTGAP_CODE_PORT": str(code_port),
        "TALENTGAP_SOURCE": "files",
        "TALENTGAP_DATA_DIR": str(real_data),
        "TALENTGAP_WAREHOUSE": str(tmp_path / "data" / "warehouse" / "talentgap.duckdb"),
    }
    env = os.environ | settings
    workspace = str(home / "workspace.yaml")
    with ExitStack() as services:
        code = services.enter_context(
            _service(
                "code",
                [str(BIN / "dagster"), "code-server", "start", "--host", "127.0.0.1", "--port", str(code_port)]
                + ["-m", "pipelines.definitions"],
                env,
                logs,
            )
        )
        _wait("the code server", lambda: _code_server_up(env, code_port), [code], logs, 180)
        daemon = services.enter_context(
            _service("daemon", [str(BIN / "dagster-daemon"), "run", "--workspace", workspace], env, logs)
        )
        webserver = services.enter_context(
            _service(
                "webserver",
                [str(BIN / "dagster-webserver"), "--host", "127.0.0.1", "--port", str(ui_port)]
                + ["--workspace", workspace],
                env,
                logs,
            )
        )
        launched = subprocess.run(
            [str(BIN / "dagster"), "job", "launch", "-j", "materialize_everything", "-w", workspace],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert launched.returncode == 0, launched.stderr[-3000:]

        def finished() -> bool:
            status = postgres.query("select status from runs")
            return bool(status) and status[0][0] in ("SUCCESS", "FAILURE", "CANCELED")

        services_up = [code, daemon, webserver]
        _wait("the end of the queued run", finished, services_up, logs, RUN_TIMEOUT_S)
        (run_id, status), *others = postgres.query("select run_id, status from runs")
        assert status == "SUCCESS" and not others, _tails(logs)

        # the run went through the queue: enqueued by the launch, launched by the daemon
        events = dict(
            postgres.query(f"select dagster_event_type, count(*) from event_logs where run_id = '{run_id}' group by 1")
        )
        assert events.get("PIPELINE_ENQUEUED") == 1 and events.get("PIPELINE_STARTING") == 1, events
        assert "Launched 1 runs." in (logs / "daemon.log").read_text()
        assert events["ASSET_CHECK_EVALUATION"] == len(defs.resolve_asset_graph().asset_check_keys)
        # the webserver reads the same storage
        _wait("the webserver", lambda: _answers(ui_port), services_up, logs, 120)
        runs = httpx.post(
            f"http://127.0.0.1:{ui_port}/graphql",
            json={"query": "{ runsOrError { ... on Runs { results { runId status } } } }"},
            timeout=30,
        ).json()["data"]["runsOrError"]["results"]
        assert runs == [{"runId": run_id, "status": "SUCCESS"}]

    for name, value in settings.items():  # the instance's {env: ...} settings, for reading it from this process
        monkeypatch.setenv(name, value)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        published = instance.get_latest_materialization_event(dg.AssetKey(["publish", "skill_gaps"]))
        assert published is not None and published.run_id == run_id
    assert not (home / "history").exists() and not (home / "storage").exists()  # nothing fell back to SQLite
    published_copy = Path(settings["TALENTGAP_WAREHOUSE"]).parent / "published" / "talentgap.duckdb"
    with duckdb.connect(str(published_copy), read_only=True) as conn:
        assert conn.execute("select count(*) from publish.latest_skill_gaps").fetchone()[0] > 0


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
