"""The `files` source: a folder of CBS StatLine CSV exports.

Two forms are read: the key form of the CBS OData export (`2019KW01`, `T001081`, quoted, space-padded, `.` for
missing) and the label form that `cbsodata` writes (`2019 1e kwartaal`, `A-U Alle economische activiteiten`, empty
for missing). Both arrive as labels, so later layers see one shape.

A bare export does not say when CBS last changed the table. Where the registry names a CBS metadata export of the
table (`metadata_file`: the `TableInfos`, `DataProperties` and `Perioden` sections CBS's OData service gives), its
`Modified` date is taken for the export, but only when the metadata can describe it: the same table, every registered
measure with no more decimals than the metadata's `DataProperties` give it, and every period of the export in its
`Perioden`. A metadata file of another version of the table fails one of these (a newer export has periods or
decimals the older metadata does not), and then the date stays unknown, with the reason recorded. The date of the
file on disk is never used: it is when the file was copied, not when CBS changed the table.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from sources.base import RawTable, SourceError, content_hash
from sources.periods import PeriodError, parse_period
from sources.registry import PERIOD_DIMENSION, TableSpec

METADATA_SECTIONS = ("TableInfos", "DataProperties", "Perioden")


def read_csv_rows(path: Path, table_id: str) -> list[list[str]]:
    """Read a CBS CSV export into stripped rows (header first), naming the table in every error."""
    data = path.read_bytes()
    if not data.strip():
        raise SourceError(f"table {table_id}: file {path} is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            f"table {table_id}: file {path} is not UTF-8 (byte {error.start}, line {line}); "
            "CBS exports are UTF-8, re-export or convert the file"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    return [[field.strip() for field in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]


def read_key_labels(path: Path, table_id: str) -> dict[str, str]:
    """A `Key,Title` list as CBS metadata gives it, for turning dimension keys into labels."""
    rows = read_csv_rows(path, table_id)
    header = rows[0]
    if header[:2] != ["Key", "Title"]:
        raise SourceError(f"table {table_id}: key list {path} must start with columns Key,Title, found {header[:2]}")
    return {row[0]: row[1] for row in rows[1:]}


def is_key_form(periods: list[str]) -> bool:
    """Key-form exports code periods like `2019KW01`; label-form exports write `2019 1e kwartaal`."""
    sample = next((p for p in periods if p), "")
    return len(sample) == 8 and sample[:4].isdigit() and sample[4:6].isalpha()


def rows_to_frame(spec: TableSpec, rows: list[list[str]], where: str) -> pl.DataFrame:
    """Check the header against the registry and keep the registered columns, as text."""
    header, body = rows[0], rows[1:]
    wanted = list(spec.columns)
    missing = [column for column in wanted if column not in header]
    if missing:
        raise SourceError(
            f"table {spec.table_id}: {where} lacks column(s) {', '.join(missing)}; it has {', '.join(header)}"
        )
    positions = [header.index(column) for column in wanted]
    for line_number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise SourceError(
                f"table {spec.table_id}: {where} row {line_number} has {len(row)} fields, the header has {len(header)}"
            )
    columns = {column: [row[i] for row in body] for column, i in zip(wanted, positions, strict=True)}
    columns["source_row"] = list(range(2, len(body) + 2))
    return pl.DataFrame(columns, schema={**dict.fromkeys(wanted, pl.String), "source_row": pl.Int64})


def keys_to_labels(spec: TableSpec, frame: pl.DataFrame, key_labels: dict[str, str], where: str) -> pl.DataFrame:
    """Turn key-form dimension values into CBS labels; an unknown key is an error naming its row."""
    for dimension in spec.dimensions:
        unknown = frame.filter(~pl.col(dimension).is_in(list(key_labels)))
        if unknown.height:
            first = unknown.row(0, named=True)
            raise SourceError(
                f"table {spec.table_id}: {where} column {dimension} row {first['source_row']} has key "
                f"{first[dimension]!r}, which the key list does not name ({unknown.height} rows like it)"
            )
    return frame.with_columns(pl.col(d).replace_strict(key_labels) for d in spec.dimensions)


class FilesSource:
    """Reads the registered tables from a folder of CBS CSV exports."""

    kind = "files"

    def __init__(self, data_dir: Path) -> None:
        if not data_dir.is_dir():
            raise SourceError(
                f"TALENTGAP_DATA_DIR {data_dir} is not a folder; point it at the CBS exports "
                "(e.g. ../shared/data/real) or set TALENTGAP_SOURCE=demo for synthetic data"
            )
        self.data_dir = data_dir

    def fetch(self, spec: TableSpec) -> RawTable:
        path = self.data_dir / spec.export_file
        if not path.is_file():
            raise SourceError(f"table {spec.table_id}: export {path} does not exist")
        rows = read_csv_rows(path, spec.table_id)
        frame = rows_to_frame(spec, rows, str(path))
        if is_key_form(frame[PERIOD_DIMENSION].to_list()):
            if spec.key_labels_file is None:
                raise SourceError(f"table {spec.table_id}: {path} is a key-form export but no key list is registered")
            labels = spec.key_labels | read_key_labels(self.data_dir / spec.key_labels_file, spec.table_id)
            frame = keys_to_labels(spec, frame, labels, str(path))
        check_periods(spec, frame, str(path))
        columns = tuple(column for column in rows[0] if column != "ID")
        modified, table_infos = self.table_infos(spec, frame)
        return RawTable(
            table_id=spec.table_id,
            frame=frame,
            data_source=self.kind,
            location=spec.export_file,  # where it lives in the data folder: no path of this machine in a release
            retrieved_at=datetime.now(UTC),  # when talentgap read it; when CBS made it is table_modified's to say
            table_modified=modified,
            rows_expected=None,
            content_hash=content_hash(spec, frame, columns),
            period_status={},
            columns_received=columns,
            table_infos=table_infos,
        )

    def table_infos(self, spec: TableSpec, frame: pl.DataFrame) -> tuple[datetime | None, str | None]:
        """CBS's Modified date for the export from the registered metadata file, where that file describes it, and
        what was found (JSON: the file, its Modified, whether it was used and why not); (None, None) without one."""
        if spec.metadata_file is None:
            return None, None
        found: dict = {"source": spec.metadata_file, "modified": None, "used": False}
        path = self.data_dir / spec.metadata_file
        modified = None
        try:
            sections = read_metadata(path, spec.table_id)
            found["modified"] = sections["TableInfos"][0].get("Modified") or None
            why_not = metadata_mismatch(spec, frame, sections)
            if why_not is None:
                modified = datetime.fromisoformat(found["modified"] or "").replace(tzinfo=UTC)
        except SourceError as error:  # a date is worth having, never worth refusing the data for
            why_not = str(error).replace(str(path), spec.metadata_file)  # no path of this machine in a release
        except ValueError:
            why_not = f"its TableInfos give no Modified date (found {found['modified']!r})"
        if why_not is not None:
            return None, json.dumps(found | {"why_not": why_not})
        return modified, json.dumps(found | {"used": True})


def read_metadata(path: Path, table_id: str) -> dict[str, list[dict[str, str]]]:
    """The sections of a CBS metadata export (a line with the section's name, a header, its rows) as records."""
    if not path.is_file():
        raise SourceError(f"table {table_id}: metadata file {path.name} does not exist")
    sections: dict[str, list[dict[str, str]]] = {}
    header: list[str] = []
    for row in read_csv_rows(path, table_id):
        if len(row) == 1:  # a section's name: TableInfos, DataProperties, one per dimension, Perioden
            name, header = row[0], []
            sections[name] = []
        elif sections and not header:
            header = row
        elif sections and len(row) == len(header):
            sections[name].append(dict(zip(header, row, strict=True)))
    missing = [name for name in METADATA_SECTIONS if not sections.get(name)]
    if missing:
        raise SourceError(f"table {table_id}: metadata file {path.name} lacks section(s) {', '.join(missing)}")
    return sections


def metadata_mismatch(spec: TableSpec, frame: pl.DataFrame, sections: dict[str, list[dict[str, str]]]) -> str | None:
    """Why the metadata cannot describe this export of the table, or None when it can: another table, a registered
    measure it lacks or gives fewer decimals than the export has, or a period of the export it does not list."""
    identifier = sections["TableInfos"][0].get("Identifier", "")
    if identifier.lower() != spec.table_id.lower():
        return f"it is the metadata of table {identifier!r}"
    decimals = {p["Key"]: p.get("Decimals", "") for p in sections["DataProperties"]}
    for measure in spec.measures:
        if measure.name not in decimals:
            return f"its DataProperties lack {measure.name}"
        allowed = int(decimals[measure.name]) if decimals[measure.name].isdigit() else None
        used = _decimals(frame[measure.name])
        if allowed is not None and used > allowed:
            return f"{measure.name} has {used} decimal(s) in the export, {allowed} in its DataProperties"
    listed = {text.rstrip("*") for p in sections["Perioden"] for text in (p.get("Key", ""), p.get("Title", ""))}
    unlisted = sorted({p.rstrip("*") for p in frame[PERIOD_DIMENSION].unique()} - listed)
    if unlisted:
        return f"{len(unlisted)} period(s) of the export are not in its Perioden, such as {unlisted[-1]!r}"
    return None


def _decimals(cells: pl.Series) -> int:
    """The most significant decimals any number in the column has (`152.30` has 1, `142.0` none)."""
    fractions = cells.str.strip_chars().str.extract(r"^-?[\d ]*\.(\d+)$").str.strip_chars_end("0").drop_nulls()
    return int(fractions.str.len_chars().max() or 0)


def check_periods(spec: TableSpec, frame: pl.DataFrame, where: str) -> None:
    """Fail on the first period that is not a CBS period, naming its row."""
    for period, row in zip(frame[PERIOD_DIMENSION], frame["source_row"], strict=True):
        try:
            parse_period(period.rstrip("*"))
        except PeriodError as error:
            raise SourceError(f"table {spec.table_id}: {where} column {PERIOD_DIMENSION} row {row}: {error}") from None
