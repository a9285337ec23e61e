"""The release as a workbook an analyst can use as it is: a cover sheet, the letter tables (rendering/letter.py) laid
out to be pasted into the letter or printed on A4 landscape, then the analysts' sheets with a Dutch and English
header, numbers stored as numbers in the format they are published in, an autofilter, frozen headers and the
footnotes under each table. Every sheet prints on A4 landscape, fitted to the page's width, its header repeated on
each page. Text that a spreadsheet would run as a formula stays text.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from rendering.exports import FORMULA_STARTS
from rendering.letter import Estimate, LetterTable, Sheet, credit
from rendering.provenance import dutch_date, source_description
from rendering.vocabulary import dutch, dutch_persons

# numbers are rounded where they are made (rendering/letter.py); General shows them as rounded, per the reader's locale
FORMATS = {"persons": "#,##0", "ratio": "0.00", "share": "0.0%", "number": "General", "year": "0", "text": "@"}
HEADER_ROW = 3  # title in row 1, a blank row (a subtitle in the letter tables), then the header
COVER = "Over deze publicatie"
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
        ws = book.create_sheet(sheet.name[:31])
        if isinstance(sheet, LetterTable):
            _write_letter_table(ws, sheet)
        else:
            _write_sheet(ws, sheet)
    for ws in book.worksheets:
        _page_setup(ws)
    book.save(path)


def _page_setup(ws) -> None:
    """A4 landscape, as wide as the page and as many pages long as it takes, the header on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages as the rows need
    ws.page_margins.left = ws.page_margins.right = 0.6  # inches, about 1.5 cm
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    if ws.title != COVER:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


THIN = Side(style="thin", color="808080")
LETTER_WIDTHS = (34, 16)  # the groups' column (at least; as wide as the longest name up to 60), each year's


def _write_letter_table(ws, table: LetterTable) -> None:
    """Each group on two rows: the gap as a number (or CBS's "x"), and beneath it, smaller, its 80% interval as
    text (the base year, observed, has none). No autofilter, no merged cells: it pastes into Word as it looks."""
    width = len(table.years) + 1
    longest = max(len(row.name) for _, block in table.blocks for row in block)
    widths = [min(max(LETTER_WIDTHS[0], longest + 2), 60), *[LETTER_WIDTHS[1]] * len(table.years)]
    ws["A1"] = table.title
    ws["A1"].font = Font(bold=True, size=12)
    ws["A2"] = "Onvervulde banen aan het eind van het jaar; tussen haakjes het interval van 80%."
    ws["A2"].font = Font(italic=True, size=9)
    for column, header in enumerate(table.headers(), start=1):
        cell = ws.cell(HEADER_ROW, column, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="left" if column == 1 else "right", vertical="bottom", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN)
        ws.column_dimensions[get_column_letter(column)].width = widths[column - 1]
    ws.row_dimensions[HEADER_ROW].height = 30  # "2022 (waargenomen)" on two lines
    row = HEADER_ROW + 1
    for heading, block in table.blocks:
        if heading:
            ws.cell(row, 1, heading).font = Font(bold=True, italic=True)
            row += 1
        for entry in block:
            top = Border(top=THIN) if entry.total else Border()
            name = ws.cell(row, 1, entry.name)
            name.font = Font(bold=entry.total)
            name.border = top
            name.alignment = Alignment(vertical="top", wrap_text=True)
            for column, estimate in enumerate(entry.cells, start=2):
                point = ws.cell(row, column, "x" if estimate.point is None else estimate.point)
                point.number_format = FORMATS["persons"]
                point.font = Font(bold=entry.total)
                point.alignment = Alignment(horizontal="right")
                point.border = top
                band = ws.cell(row + 1, column, _band(estimate))
                band.font = Font(size=8, color="595959")
                band.alignment = Alignment(horizontal="right")
            row += 2
    for column in range(1, width + 1):  # a line under the table
        ws.cell(row - 1, column).border = Border(bottom=THIN)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    _footnotes(ws, table.footnotes, row + 1, sum(widths), width)


def _band(estimate: Estimate) -> str | None:
    if estimate.observed or estimate.lower is None:
        return None
    return f"({dutch_persons(estimate.lower)} tot {dutch_persons(estimate.upper)})"


def _footnotes(ws, notes: list[str], first_row: int, chars: int, columns: int) -> None:
    """Footnotes wrapped across the table's width (merged), each row as high as its lines, so they print whole."""
    for offset, note in enumerate(notes):
        row = first_row + offset
        cell = ws.cell(row, 1, _fit(note))
        cell.font = Font(italic=True, size=9)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if note.startswith(FORMULA_STARTS):
            cell.data_type = "s"
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        # a 9-point italic fits about 1.2 characters per unit of column width; 12 points a line
        ws.row_dimensions[row].height = 12 * (len(note) // int(chars * 1.2) + 1)


def _cover(cover, release: dict) -> None:
    cover.title = COVER
    synthetic = bool(release.get("synthetic"))
    lines = [
        ("Publicatie", release["release_id"]),
        ("Databron", source_description(release).upper() if synthetic else source_description(release)),
        ("Basisjaar", release["base_year"]),
        ("Gepubliceerd", dutch_date(str(release["published_at"]))),
        ("Code", release["code_version"]),
        ("Wat veranderde", dutch(release.get("changes_summary"))),
        (
            "Tekort",
            "banen in de vaardigheid die aan het eind van het jaar onvervuld zijn (vraag min aanbod), in personen, "
            "afgerond op honderdtallen, met een interval van 80%",
        ),
        ("Methode", "docs/method.md in de talentgap-repository"),
        ("Bron", credit(release)),
    ]
    if release.get("withdrawn_at"):  # a withdrawn release exported again says so first
        withdrawn = (
            f"INGETROKKEN op {dutch_date(str(release['withdrawn_at']))}, niet gebruiken. Reden: "
            f"{release['withdrawn_reason']}. Geldig is publicatie {release['rolled_back_to']}."
        )
        lines.insert(0, ("Ingetrokken", withdrawn))
    for label, value in lines:
        cover.append((label, _fit(value) if isinstance(value, str) else value))
    for cell in cover["A"]:
        cell.font = Font(bold=True)
    for cell in cover["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row, (label, _) in enumerate(lines, start=1):
        if label == "Ingetrokken" or (synthetic and label == "Databron"):
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
