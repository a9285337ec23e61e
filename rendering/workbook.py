"""The release as a workbook an analyst can use as it is: a cover sheet, then the letter's sheets (rendering/letter.py)
with a Dutch and English header, numbers stored as numbers in the format they are published in, an autofilter, frozen
headers and the footnotes under each table. Text that a spreadsheet would run as a formula stays text.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rendering.exports import FORMULA_STARTS
from rendering.letter import Sheet

FORMATS = {"persons": "#,##0", "ratio": "0.00", "share": "0.0%", "number": "General", "text": "@"}
HEADER_ROW = 3  # title in row 1, a blank row, then the header
# Excel holds at most 32,767 characters in a cell; openpyxl would silently cut a longer text there. We cut it
# ourselves, visibly, and say where in the sheet's footnotes rather than refuse the release: the workbook is for
# reading, the full text stays in the release's CSV and Parquet, and one long cell (a lineage, a note) should not
# stop a release whose numbers are sound.
CELL_LIMIT = 32_767
TRUNCATED = " … [afgekapt / truncated]"


def write_workbook(path: Path, sheets: list[Sheet], release: dict) -> None:
    """Write the cover and `sheets` to `path`."""
    book = Workbook()
    _cover(book.active, release)
    for sheet in sheets:
        _write_sheet(book.create_sheet(sheet.name[:31]), sheet)
    book.save(path)


def _cover(cover, release: dict) -> None:
    cover.title = "Over deze publicatie"
    synthetic = bool(release.get("synthetic"))
    source = release["data_source"] + (
        " (SYNTHETISCHE DEMODATA / SYNTHETIC DEMO DATA, niet voor publicatie)" if synthetic else ""
    )
    lines = [
        ("Publicatie / release", release["release_id"]),
        ("Databron / data source", source),
        ("Basisjaar / base year", release["base_year"]),
        ("Gepubliceerd / published at", str(release["published_at"])),
        ("Code", release["code_version"]),
        ("Wat veranderde / what changed", release.get("changes_summary") or ""),
        (
            "Tekort / gap",
            "banen in de vaardigheid die aan het eind van het jaar onvervuld zijn (vraag - aanbod), "
            "personen, met een interval van 80% / jobs left unfilled at year end, persons, 80% interval",
        ),
        ("Methode / method", "docs/method.md in de talentgap-repository"),
        ("Bron / credit", release["credit"]),
    ]
    if release.get("withdrawn_at"):  # a withdrawn release exported again says so first
        withdrawn = (
            f"INGETROKKEN op {release['withdrawn_at']:%Y-%m-%d}, niet gebruiken / WITHDRAWN, do not use. Reden / "
            f"reason: {release['withdrawn_reason']}. Geldig / current: {release['rolled_back_to']}"
        )
        lines.insert(0, ("Ingetrokken / withdrawn", withdrawn))
    for label, value in lines:
        cover.append((label, _fit(value) if isinstance(value, str) else value))
    for cell in cover["A"]:
        cell.font = Font(bold=True)
    for cell in cover["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, (label, _) in enumerate(lines, start=1):
        if label == "Ingetrokken / withdrawn" or (synthetic and label == "Databron / data source"):
            cover[f"B{row}"].fill = PatternFill("solid", fgColor="FFC7CE")
    cover.column_dimensions["A"].width = 30
    cover.column_dimensions["B"].width = 110


def _write_sheet(ws, sheet: Sheet) -> None:
    ws["A1"] = sheet.title
    ws["A1"].font = Font(bold=True, size=12)
    for index, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(HEADER_ROW, index, f"{column.name_nl}\n{column.name_en}")
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = max(len(column.name_nl), len(column.name_en)) + 2
        ws.column_dimensions[get_column_letter(index)].width = (
            48 if column.kind == "text" and width > 30 else max(12, min(width, 34))
        )
    ws.row_dimensions[HEADER_ROW].height = 32
    truncated: list[str] = []  # the cells cut to Excel's limit, named for the footnote
    for r, row in enumerate(sheet.rows, start=HEADER_ROW + 1):
        for c, (value, column) in enumerate(zip(row, sheet.columns, strict=True), start=1):
            if isinstance(value, str) and len(value) > CELL_LIMIT:
                truncated.append(f"{get_column_letter(c)}{r} ({column.name_en}, {len(value):,} characters)")
                value = _fit(value)
            cell = ws.cell(r, c, value)
            if isinstance(value, str):
                if value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"  # text, never a live formula
            elif value is not None:
                cell.number_format = FORMATS[column.kind]
    last_row = HEADER_ROW + len(sheet.rows)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(sheet.columns))}{max(last_row, HEADER_ROW)}"
    footnotes = list(sheet.footnotes)
    if truncated:
        footnotes.append(
            f"Afgekapt op de 32.767 tekens die Excel in een cel toelaat (eindigt op '{TRUNCATED.strip()}'); de "
            "volledige tekst staat in de CSV- en Parquet-bestanden van deze publicatie / cut at Excel's 32,767 "
            f"characters a cell (ends in '{TRUNCATED.strip()}'); the full text is in this release's CSV and "
            f"Parquet files: {', '.join(truncated)}"
        )
    for offset, note in enumerate(footnotes, start=2):
        cell = ws.cell(last_row + offset, 1, _fit(note))
        cell.font = Font(italic=True, size=9)
        if note.startswith(FORMULA_STARTS):
            cell.data_type = "s"


def _fit(text: str) -> str:
    """`text`, or as much of it as a cell holds ending in the visible marker TRUNCATED."""
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
