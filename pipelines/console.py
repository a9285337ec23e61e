"""What a run prints: a start line, a line per step as it reports, and a last line with the outcome and the run time.

A refused run ends with one line per failed blocking check (the asset, the check, what it saw and a few of the rows
it refused: table, series, period, value) or per step that refused its input (the message only: it names the table,
the column and the row); a traceback only where the cause is not one of the project's own refusals, i.e. a bug.
Dagster's step-by-step events (step started, output handled, dependencies not executed ...) stay in the run history
and the UI. The job's logger: `pipelines/definitions.py` gives it to every job, `dg launch` prints through it.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

from warehouse.paths import WarehousePaths
from warehouse.settings import Settings, read_settings

# the project's own refusals of bad input or settings: their messages say what to do, a traceback would bury it
REFUSALS = frozenset(
    {
        "Failure",
        "SourceError",
        "PeriodError",
        "SeedError",
        "SettingsError",
        "GapInputError",
        "ScenarioError",
        "SectorError",
        "MixError",
        "RegionError",
        "NothingToForecast",
        "WarehouseUnavailable",
        "WarehouseBusy",
        "WarehouseKindError",
        "PublicationError",
        "CopyNotUpdated",
    }
)
CHECKS_FAILED = "DagsterAssetCheckFailedError"  # the failed checks are reported one by one instead
EXAMPLES = 3  # refused rows shown per failed check
PREFIX = "talentgap:"


def _innermost(error) -> object:
    """A step failure's own error: Dagster wraps what the asset raised in its step-execution error."""
    while getattr(error, "cause", None) is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    return error


def _example(row: object) -> str:
    """A refused row as the check named it, without the check's own yes/no column."""
    if not isinstance(row, dict):
        return str(row)
    return ", ".join(f"{k} {v}" for k, v in row.items() if v is not None and not isinstance(v, bool))


@dataclass
class RunConsole:
    """The console of one run; `emit` takes each of the job logger's records."""

    stream: TextIO
    settings: Settings | None
    started: float | None = None
    run_id: str = ""
    outcome: str = ""
    blocked: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def elapsed(self, created: float) -> float:
        return created - (self.started or created)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            message = str(meta.get("orig_message") or record.getMessage())
            if record.levelno >= logging.INFO and not message.startswith("Dependencies for step"):
                self._step_message(record.created, step, message)
            return
        kind = event.event_type
        if kind == dg.DagsterEventType.RUN_START:
            self._start(record.created, meta.get("run_id") or "", meta.get("job_name") or "")
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            self._check(event.event_specific_data)
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            self._step_failure(step, event.event_specific_data)
        elif kind == dg.DagsterEventType.RUN_SUCCESS:
            outcome = self.outcome or "done (this selection publishes nothing)"
            self.say(f"{PREFIX} finished in {self.elapsed(record.created):.1f} s: {outcome}")
        elif kind == dg.DagsterEventType.RUN_FAILURE:
            self._run_failure(record.created)

    def _start(self, created: float, run_id: str, job: str) -> None:
        self.started, self.run_id = created, run_id
        where = ""
        if self.settings is not None:
            s = self.settings
            data = {"files": f"CBS exports in {s.data_dir}", "cbs": f"CBS open data at {s.cbs_url}"}.get(
                s.source, "synthetic demo data (never for the letter)"
            )
            where = f": {data}, warehouse {s.warehouse}, end year {s.end_year}"
        self.say(f"{PREFIX} run {run_id[:8]} of {job} started{where}")

    def _step_message(self, created: float, step: str, message: str) -> None:
        lines = message.split("\n")
        if step == "publish" and (message.startswith("release ") or message.startswith("no new release")):
            # the outcome's first sentence is the run's last line; what follows it (what changed, where) comes here
            self.outcome, _, rest = lines[0].partition(". ")
            lines[0] = rest.strip() or "the release's files:"
        self.say(f"  [{self.elapsed(created):5.1f} s] {step}: {lines[0]}")
        for line in lines[1:]:
            self.say(f"  {line}")

    def _check(self, evaluation) -> None:
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            return
        metadata = evaluation.metadata or {}
        observed = getattr(metadata.get("observed"), "value", "")
        count = getattr(metadata.get("unexpected_count"), "value", 0)
        sample = getattr(metadata.get("unexpected_sample"), "value", None) or []
        line = f"  blocked by {evaluation.asset_key.to_user_string()} {evaluation.check_name}: {observed}"
        if count:
            line += f"; {count} refused, e.g. " + "; ".join(_example(row) for row in sample[:EXAMPLES])
        self.blocked.append(line)

    def _step_failure(self, step: str, data) -> None:
        error = getattr(data, "error", None)
        if error is None:
            return
        own = _innermost(error)
        if own.cls_name == CHECKS_FAILED:
            return
        user_failure = getattr(data, "user_failure_data", None)
        message = (getattr(user_failure, "description", None) or own.message).strip()
        message = message.split(f"{own.cls_name}: ", 1)[-1]  # Dagster writes the class's module path before it
        if own.cls_name in REFUSALS:
            self.refused.append(f"  {step} refused: {message}")
        else:  # not one of our refusals: a bug, whose trace a developer needs
            self.refused.append(f"  {step} failed ({own.cls_name}): {message}\n{''.join(own.stack).rstrip()}")

    def _run_failure(self, created: float) -> None:
        seconds = self.elapsed(created)
        self.say(f"{PREFIX} refused after {seconds:.1f} s: nothing new is published; the last release stands")
        for line in [*self.blocked, *self.refused]:
            self.say(line)
        if self.settings is not None and self.run_id:
            report = WarehousePaths.of(self.settings.warehouse).run_reports(self.run_id) / "report.html"
            if report.exists():
                self.say(f"  checks report: {report.resolve()}")


class _Handler(logging.Handler):
    def __init__(self, console: RunConsole) -> None:
        super().__init__(logging.DEBUG)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.emit(record)
        except Exception:  # a console that cannot print must not fail the run
            self.handleError(record)


def _settings() -> Settings | None:
    try:
        return read_settings()
    except ValueError:  # the code location refuses such settings before any run; a test may build one without
        return None


# Dagster makes a run's loggers more than once (for the run, again for its steps): one console per run keeps the
# start time and the outcome together
_CONSOLES: dict[str | None, RunConsole] = {}


@dg.logger(description="talentgap's console: a start line, a line per step, the outcome and the run time.")
def run_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    if init_context.run_id not in _CONSOLES:
        _CONSOLES.clear()  # one run at a time per process: the previous run's console is done
        _CONSOLES[init_context.run_id] = RunConsole(sys.stdout, _settings())
    console = logging.Logger("talentgap", level=logging.DEBUG)
    console.addHandler(_Handler(_CONSOLES[init_context.run_id]))
    return console
