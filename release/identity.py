"""Release identity: when, from which code and inputs, an id that sorts in time, and what changed since the last.

A release is new only when something behind it is: the source vintages, the seeds (definitions, crosswalks,
assumptions), the end year or the code. Their fingerprint decides; identical inputs and code publish nothing new.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
CBS_CREDIT = "Source: CBS (Statistics Netherlands), StatLine, CC BY 4.0; calculations talentgap"
SYNTHETIC_CREDIT = "SYNTHETIC demo data from talentgap's generator: not CBS figures, not for publication"


def new_release_id(now: datetime | None = None) -> str:
    """`r20261128T031500123456Z`: UTC time to the microsecond, so a later release sorts after an earlier one."""
    return (now or datetime.now(UTC)).strftime("r%Y%m%dT%H%M%S%fZ")


RELEASE_ID = re.compile(r"r\d{8}T\d{12}Z")


def check_release_id(value: str) -> str:
    """`value` if it is a release id as new_release_id makes them; an error otherwise. An empty id (an unset shell
    variable) or a path must never reach a query or a folder name: "" once matched every release."""
    if not RELEASE_ID.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a release id: one looks like r20261203T140619251487Z (r, the UTC date and time to the "
            "microsecond, Z); `select release_id from publish.releases` lists them"
        )
    return value


def code_version() -> str:
    """Package version plus the git commit of the checkout (marked dirty when it has uncommitted changes)."""
    try:
        package = version("talentgap")
    except PackageNotFoundError:
        package = "unknown"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "no-git"
    return f"{package}+{commit}"


# the code a release's numbers come from: every package's source and the locked dependencies
SOURCE_PACKAGES = ("assets", "models", "pipelines", "quality", "release", "rendering", "sources", "warehouse")


@cache
def source_hash(root: Path = ROOT) -> str:
    """A hash of the code that makes the numbers, read from the files themselves: it sees every change, committed
    or not, in a checkout or in a container image without git."""
    digest = hashlib.sha256()
    files = sorted(p for package in SOURCE_PACKAGES for p in (root / package).rglob("*.py"))
    for path in [*files, root / "uv.lock"]:
        if path.exists():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The package version and the hash of its code: what a release's fingerprint and every step's version hold."""
    try:
        package = version("talentgap")
    except PackageNotFoundError:
        package = "unknown"
    return f"{package}+src.{source_hash()[:12]}"


def frame_hash(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()[:16]


def release_inputs(vintages: pl.DataFrame, seeds: dict[str, pl.DataFrame], end_year: int) -> dict:
    """What a release is made of: source table -> content hash, seed -> content hash, end year, code."""
    return {
        "tables": dict(sorted(vintages.select("table_id", "content_hash").rows())),
        "seeds": {name: frame_hash(frame) for name, frame in sorted(seeds.items())},
        "end_year": end_year,
        "code": code_fingerprint(),
    }


def fingerprint(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def changes(inputs: dict, previous: dict | None) -> dict:
    """What differs from the previous release's inputs: tables with new data, seeds, end year, code."""
    if previous is None:
        return {"first_release": True}
    tables, seeds = inputs["tables"], inputs["seeds"]
    before_tables, before_seeds = previous.get("tables", {}), previous.get("seeds", {})
    return {
        "new_data": sorted(t for t in tables if tables[t] != before_tables.get(t)),
        "tables_dropped": sorted(set(before_tables) - set(tables)),
        "new_definitions": sorted(s for s in seeds if seeds[s] != before_seeds.get(s)),
        "new_end_year": inputs["end_year"] != previous.get("end_year"),
        "new_code": inputs["code"] != previous.get("code"),
        "previous_code": previous.get("code"),
    }


def describe_changes(change: dict) -> str:
    """The changes in one sentence, in Dutch as the letter's readers read it, with English beside it."""
    if change.get("first_release"):
        return "Eerste publicatie in dit warehouse. / First release in this warehouse."
    parts_nl, parts_en = [], []
    if change["new_data"]:
        parts_nl.append("nieuwe data in " + ", ".join(change["new_data"]))
        parts_en.append("new data in " + ", ".join(change["new_data"]))
    if change["new_definitions"]:
        parts_nl.append("gewijzigde definities of aannames (" + ", ".join(change["new_definitions"]) + ")")
        parts_en.append("changed definitions or assumptions (" + ", ".join(change["new_definitions"]) + ")")
    if change["new_end_year"]:
        parts_nl.append("ander eindjaar")
        parts_en.append("another end year")
    if change["new_code"]:
        parts_nl.append(f"nieuwe methode of code (was {change['previous_code']})")
        parts_en.append(f"new method or code (was {change['previous_code']})")
    return "Wat veranderde: " + "; ".join(parts_nl) + ". / What changed: " + "; ".join(parts_en) + "."
