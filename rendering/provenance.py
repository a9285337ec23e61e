"""The CBS tables a release rests on, as its report (Bronnen) and the letter's footnote name them: which periods each
covers, when CBS last changed it and how we know, and where it was read, as the release recorded them
(`publish.releases.source_vintages`).

A date is given as CBS's only where CBS stated it (TableInfos, live or in a metadata export that describes the
loaded export); otherwise it is "onbekend". Releases made before these facts were recorded lack some of them and
may hold the machine's path of an export: such a path is shown relative to the data folder.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import PurePosixPath

from sources.registry import TABLES_BY_ID

UNKNOWN = "onbekend"
MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(text: str | None) -> str:
    """`2023-08-16T02:00:00` as `16 augustus 2023`; UNKNOWN without a date."""
    if not text:
        return UNKNOWN
    day = date.fromisoformat(str(text)[:10])
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def vintages(release: dict) -> list[dict]:
    """The release's source vintages, by table id."""
    return sorted(json.loads(release["source_vintages"]), key=lambda v: v["table_id"])


def periods(vintage: dict) -> str:
    """`1997 1e kwartaal t/m 2022 4e kwartaal` (`2022` for one period), or "" where the release did not record them."""
    first, last = vintage.get("first_period"), vintage.get("last_period")
    if not (first and last):
        return ""
    return first if first == last else f"{first} t/m {last}"


def modified_basis(vintage: dict) -> str:
    """How the modification date is known, or why it is not, in Dutch."""
    infos = json.loads(vintage["table_infos"]) if vintage.get("table_infos") else None
    if infos is None:
        if vintage["data_source"] == "demo":
            return "synthetische demodata, geen CBS-tabel"
        if vintage.get("table_modified"):
            return "TableInfos van CBS"
        return "niet vermeld bij de export"
    source = infos["source"]
    where = "TableInfos van CBS open data" if source.startswith(("http://", "https://")) else f"metadata {source}"
    if infos["used"]:
        return where
    if infos.get("modified"):
        return f"{where} (gewijzigd {dutch_date(infos['modified'])}) beschrijft een andere versie dan de geladen export"
    return f"{where} geeft geen bruikbare datum"


def public_location(vintage: dict) -> str:
    """Where the table was read, without a path of the machine that ran the release: an export relative to the data
    folder (`cbs_dertje/80472ned.csv`), an OData URL, a demo seed."""
    location = vintage["location"]
    if vintage["data_source"] != "files" or not PurePosixPath(location).is_absolute():
        return location
    spec = TABLES_BY_ID.get(vintage["table_id"])
    if spec is not None and location.endswith("/" + spec.export_file):
        return spec.export_file
    return PurePosixPath(location).name


def _read(vintage: dict) -> str:
    """When talentgap read the table; "" for an export in a release from before that was recorded (it held the
    file's time there)."""
    if vintage["data_source"] == "files" and "first_period" not in vintage:
        return ""
    return dutch_date(vintage.get("retrieved_at"))


def source_rows(release: dict) -> list[dict]:
    """One row per CBS table the release rests on, for the report's Bronnen."""
    return [
        {
            "table_id": v["table_id"],
            "periods": periods(v),
            "modified": dutch_date(v.get("table_modified")),
            "basis": modified_basis(v),
            "read": _read(v),
            "rows_received": v["rows_received"],
            "location": public_location(v),
        }
        for v in vintages(release)
    ]


def footnote(release: dict) -> str:
    """The letter's sources footnote: each table with the last period it covers, then CBS's modification dates
    where known, never a date of our own in their place."""
    tables = vintages(release)
    listed = ", ".join(
        f"{v['table_id']} (t/m {v['last_period']})" if v.get("last_period") else v["table_id"] for v in tables
    )
    dated = [f"{v['table_id']} op {dutch_date(v['table_modified'])}" for v in tables if v.get("table_modified")]
    undated = [v["table_id"] for v in tables if not v.get("table_modified")]
    text = f"CBS StatLine-tabellen {listed}."
    if dated:
        text += f" Door CBS gewijzigd: {', '.join(dated)}."
    if undated:
        which = "de andere tabellen" if dated else "deze tabellen"
        text += f" Wanneer CBS {which} het laatst wijzigde, is {UNKNOWN}: de bron vermeldt het niet (rapport, Bronnen)."
    return text


def source_description(release: dict) -> str:
    """Where the release's data came from, as a reader names it, with the day it was read: "CBS-tabellen (bestanden
    uit StatLine, ingelezen op 3 december 2026)" or "CBS open data (StatLine), opgehaald op ..."."""
    if release.get("synthetic"):
        return "synthetische demodata: geen CBS-cijfers, niet voor publicatie"
    recorded = vintages(release) if release.get("source_vintages") else []
    read = [v["retrieved_at"] for v in recorded if v.get("retrieved_at")]
    day = dutch_date(max(read)) if read else UNKNOWN
    if release["data_source"] == "cbs":
        return f"CBS open data (StatLine), opgehaald op {day}"
    return f"CBS-tabellen (bestanden uit StatLine, ingelezen op {day})"
