"""The TALENTGAP_* settings, read from the environment in one place.

Every value is parsed and checked here, so that a run and the commands (`release.rollback`, `release.reexport`)
refuse the same values with the same one-line message naming the variable and the value. Numbers must be finite,
whole numbers ASCII digits, and each within the range below. No Dagster: assets/resources.py builds a run's resources
from these, and checks values typed into the launchpad with the same functions.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sources.base import SOURCE_KINDS
from sources.cbs import DEFAULT_CBS_URL, DEFAULT_DEADLINE_S
from sources.demo import MAX_SCALE

DEFAULT_WAREHOUSE = "warehouse/talentgap.duckdb"
DEMO_WAREHOUSE = "warehouse/demo/talentgap.duckdb"  # synthetic releases never share a warehouse with real ones
DEFAULT_DATA_DIR = "../shared/data/real"
# the first and last end year the model accepts: forecasts are backtested 1-4 years ahead, so a horizon beyond 2040
# would be a guess, and an end year before 2020 would end before the data does
END_YEARS = (2020, 2040)
# the longest a run may wait for another's lock, or CBS may take for one table: beyond a day a run looks hung
MAX_SECONDS = 86_400.0


class SettingsError(ValueError):
    """A setting (environment variable or launchpad config) that cannot be used."""


@dataclass(frozen=True)
class Settings:
    source: str
    data_dir: str
    warehouse: str
    cbs_url: str
    cbs_deadline_s: float
    end_year: int
    demo_scale: int
    lock_wait_s: float


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every TALENTGAP_* setting from `environ` (default: the process's environment), with its default when unset;
    the first that cannot be used is a SettingsError naming its variable and value."""
    env = os.environ if environ is None else environ
    source = check_source(env.get("TALENTGAP_SOURCE", "files"))
    scale_text = env.get("TALENTGAP_DEMO_SCALE", "1")
    scale = check_demo_scale(
        whole_number("TALENTGAP_DEMO_SCALE", scale_text, "a whole number of times the demo series")
    )
    warehouse = env.get("TALENTGAP_WAREHOUSE", default_warehouse(source, scale))
    if not warehouse.strip():  # no file: DuckDB would open a database in memory, and nothing would be kept
        raise SettingsError(f"TALENTGAP_WAREHOUSE={warehouse!r} names no file; name the warehouse's or leave it unset")
    end_year = whole_number("TALENTGAP_END_YEAR", env.get("TALENTGAP_END_YEAR", "2030"), "a year (such as 2030)")
    deadline = seconds("TALENTGAP_CBS_DEADLINE", env.get("TALENTGAP_CBS_DEADLINE", str(DEFAULT_DEADLINE_S)))
    wait = seconds("TALENTGAP_LOCK_WAIT", env.get("TALENTGAP_LOCK_WAIT", "0"))
    return Settings(
        source=source,
        data_dir=env.get("TALENTGAP_DATA_DIR", DEFAULT_DATA_DIR),
        warehouse=warehouse,
        cbs_url=env.get("TALENTGAP_CBS_URL", DEFAULT_CBS_URL),
        cbs_deadline_s=check_deadline(deadline),
        end_year=check_end_year(end_year),
        demo_scale=scale,
        lock_wait_s=check_lock_wait(wait),
    )


def default_warehouse(source: str, demo_scale: int = 1) -> str:
    """Real data, demo data and each scale of demo data get a warehouse of their own, so releases never mix."""
    if source != "demo":
        return DEFAULT_WAREHOUSE
    return DEMO_WAREHOUSE if demo_scale == 1 else f"warehouse/demo-x{demo_scale}/talentgap.duckdb"


def whole_number(variable: str, text: str, meaning: str) -> int:
    """ASCII digits only: int() would also take full-width or Arabic-Indic digits, which no one means to type."""
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise SettingsError(f"{variable}={text!r} is not {meaning}")
    return int(text)


def seconds(variable: str, text: str) -> float:
    """A finite number of seconds: float() also takes nan and inf, which would switch a deadline or a wait off."""
    try:
        value = float(text) if text.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise SettingsError(f"{variable}={text!r} is not a finite number of seconds (such as 30)")
    return value


def check_source(source: str) -> str:
    if source not in SOURCE_KINDS:
        raise SettingsError(f"TALENTGAP_SOURCE={source!r} is not one of {', '.join(SOURCE_KINDS)}")
    return source


def check_end_year(end_year: int) -> int:
    first, last = END_YEARS
    if not first <= end_year <= last:
        raise SettingsError(f"TALENTGAP_END_YEAR={end_year} is outside {first}-{last}, the years the model serves")
    return end_year


def check_demo_scale(scale: int) -> int:
    if not 1 <= scale <= MAX_SCALE:
        raise SettingsError(f"TALENTGAP_DEMO_SCALE={scale} is outside 1-{MAX_SCALE}")
    return scale


def check_deadline(deadline_s: float) -> float:
    """Above 0: a deadline of 0 or less fails every table before it is asked for."""
    if not (math.isfinite(deadline_s) and 0 < deadline_s <= MAX_SECONDS):
        raise SettingsError(
            f"TALENTGAP_CBS_DEADLINE={deadline_s:g} is not a number of seconds above 0 and at most {MAX_SECONDS:.0f}"
        )
    return deadline_s


def check_lock_wait(wait_s: float) -> float:
    if not (math.isfinite(wait_s) and 0 <= wait_s <= MAX_SECONDS):
        raise SettingsError(f"TALENTGAP_LOCK_WAIT={wait_s:g} is not a number of seconds from 0 to {MAX_SECONDS:.0f}")
    return wait_s
