"""The whole pipeline through Dagster: on the real CBS exports, on demo data, and with a broken input."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pytest

from rendering.exports import read_spreadsheet_csv
from sources.registry import TABLES
from tests.conftest import check_count, check_evaluations, run_pipeline
from warehouse.db import read_seed

GROUPS = set(read_seed("sector_groups")["sector_group"])  # the 8 priority groups and the 6 strategic markets
YEARS = set(range(2022, 2031))  # the base year (observed) to 2030
GRID = len(GROUPS) * 2 * len(YEARS)


@pytest.fixture(scope="module")
def warehouse(golden) -> Path:
    return golden.warehouse


def test_real_run_passes_every_blocking_check_and_writes_the_report(golden):
    evaluations = golden.checks
    assert len(evaluations) == check_count()
    failed = {(e["asset"], e["check"]) for e in evaluations if not e["passed"]}
    assert all(e["severity"] == "WARN" for e in evaluations if not e["passed"])
    # what the real data trips, on purpose: docs/quality.md
    assert failed <= {
        ("marts/employment_by_sector", "sectors_add_up_to_total"),
        ("marts/employment_by_sector", "year_on_year_jumps"),
        ("publish/skill_gaps", "labour_supply_within_population"),
    }
    report = Path(evaluations[0]["report"])
    assert report.name == "report.html" and "1_raw" in report.read_text() and "5_publish" in report.read_text()
    # the baseline needs more workers in 2030 than the population at its participation trend gives: said with figures
    assert "2030: the baseline needs 10,648k employed aged 15-74" in (report.parent / "5_publish.md").read_text()


def published(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_the_run_ends_by_saying_what_it_published_and_which_warnings_failed(golden):
    from release.summary import run_summary
    from warehouse.paths import WarehousePaths

    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        summary = run_summary(conn, golden.run_id, WarehousePaths(golden.warehouse))
    first, *files = summary.splitlines()
    assert first.startswith("release r") and "published (files, base year 2022)" in first
    report, workbook = (Path(line.split(":", 1)[1].strip()) for line in files[:2])
    assert report.exists() and report.name == "report.html"
    assert workbook.exists() and workbook.suffix == ".xlsx"
    assert files[-2] == (
        "  warnings that failed: labour_supply_within_population (publish/skill_gaps), "
        "sectors_add_up_to_total (marts/employment_by_sector), year_on_year_jumps (marts/employment_by_sector)"
    )
    # a warning of the publication gate says what it found
    assert files[-1].startswith("    labour_supply_within_population: 2030: the baseline needs 10,648k employed")


def test_real_run_publishes_the_full_grid_without_missing_numbers(warehouse):
    rows = published(
        warehouse,
        "select sector_group, skill, year, observed, demand, supply, gap, gap_lower, gap_upper, gap_lower_95, "
        "gap_upper_95, data_source from publish.latest_skill_gaps",
    )
    assert {(r[0], r[1], r[2]) for r in rows} == {
        (g, s, y) for g in GROUPS for s in ("technical", "digital") for y in YEARS
    }
    assert len(rows) == GRID
    assert all(v is not None for r in rows for v in r)
    assert all(r[3] == (r[2] == 2022) for r in rows)  # the base year is observed, the rest projected
    assert all(r[9] <= r[7] <= r[6] <= r[8] <= r[10] for r in rows)
    assert all(abs(r[4] - r[5] - r[6]) < 1e-6 for r in rows)
    assert {r[11] for r in rows} == {"files"}


def test_each_published_row_names_its_source_vintages_and_models(warehouse):
    lineage, gap_model = published(
        warehouse, "select lineage, gap_model from publish.latest_skill_gaps where sector_group = 'care' limit 1"
    )[0]
    document = json.loads(lineage)
    expected = {"85272NED", "80472ned", "80567ned", "85081NED", "85276NED", "85355NED", "83538NED", "80590ned"}
    assert expected <= set(document["source_tables"])
    assert all(v.startswith("files:") for v in document["source_tables"].values())
    assert document["input_forecast_models"] and "stock-flow" in gap_model
    roles = {row["role"] for row in document["composition"]}
    assert roles == {"employment", "vacancies", "occupation_mix", "vacancy_rate"}
    release = published(warehouse, "select data_source, synthetic, code_version, source_vintages from publish.releases")
    assert release[0][0] == "files" and release[0][1] is False
    assert len(json.loads(release[0][3])) == len(TABLES)


def test_forecast_tables_are_filled_through_2030(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        last = conn.execute("select frequency, max(period_start) from forecast.series_forecasts group by 1").fetchall()
        tables = conn.execute("select distinct table_id from forecast.series_forecasts").fetchall()
        backtest = conn.execute("select count(*), count(distinct model) from forecast.backtest").fetchone()
        unexplained = conn.execute(
            "select count(*) from forecast.series_forecasts f where selection_reason is null or model not in ("
            " 'naive_unbacktested') and not exists ("
            " select 1 from forecast.backtest b where b.series_id = f.series_id and b.model = f.model and b.chosen)"
        ).fetchone()[0]
    assert {f: str(d) for f, d in last} == {"Q": "2030-10-01", "Y": "2030-01-01", "SY": "2029-10-01"}
    modelled = {spec.table_id for spec in TABLES if spec.model_frequency}
    assert {t for (t,) in tables} == modelled and "85081NED" in modelled
    assert backtest[0] > 0 and backtest[1] >= 3
    assert unexplained == 0  # every forecast names the backtested model it uses and why


def _replace(old: str, new: str):
    return lambda text: text.replace(old, new, 1)


def _dutch_thousands(text: str) -> str:
    """Every value of 1,000 and more written with a Dutch thousands separator: 8427 -> 8.427 (the issue's attack)."""
    lines = text.split("\n")
    for i, line in enumerate(lines[1:], start=1):
        head, sep, value = line.rpartition(";")
        if sep and value.strip().replace(".", "").isdigit() and float(value) >= 1000:
            lines[i] = f"{head};{float(value) / 1000:.3f}"
    return "\n".join(lines)


BAD_INPUTS = {
    "non-numeric value": (
        "cbs_dertje/85272NED.csv",
        _replace(";8427\n", ";8 4x7\n"),
        "table 85272NED: column WerkzameBeroepsbevolking_1 row 2 holds '8 4x7', which is not a number",
    ),
    "missing column": (
        "cbs_dertje/85920NED.csv",
        _replace("WerkzamePersonen_1", "Werkzamen_1"),
        "lacks column(s) WerkzamePersonen_1",
    ),
    "unparseable period": (
        "cbs_dertje/80590ned.csv",
        _replace(";2004;", ";2004 Q5;"),
        "column Perioden row 3: unknown CBS period '2004 Q5'",
    ),
    "duplicated period": (
        "cbs_dertje/80590ned.csv",
        _replace(";2004;", ";2003;"),
        "table 80590ned: column Perioden has period '2003' more than once",
    ),
    "empty file": ("cbs_dertje/85081NED.csv", lambda text: "", "table 85081NED: file"),
    "wrong encoding": ("cbs_dertje/80472ned.csv", None, "table 80472ned: file"),
    "the text NaN in a numeric cell": (
        "cbs_dertje/85272NED.csv",
        _replace(";8427\n", ";NaN\n"),
        "table 85272NED: column WerkzameBeroepsbevolking_1 row 2 holds 'NaN', which is not a number",
    ),
    "values written with a Dutch thousands separator (blocking check)": (
        "cbs_dertje/85272NED.csv",
        _dutch_thousands,
        "no_hundredfold_jumps",
    ),
    "implausible value (blocking check)": (
        "cbs_dertje/85272NED.csv",
        _replace(";8427\n", ";99999999\n"),
        "plausible_values",
    ),
    "schema changed between vintages": (
        "cbs_dertje/80590ned.csv",
        _replace("Seizoengecorrigeerd_14", "Gecorrigeerd_14"),
        "table 80590ned: the columns changed since vintage files:80590ned:",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_the_run_by_name_and_leaves_the_last_release_intact(case, golden_copy, real_data, tmp_path):
    warehouse = golden_copy
    relative, change, message = BAD_INPUTS[case]
    broken = tmp_path / "data"
    shutil.copytree(real_data, broken)
    export = broken / relative
    export.chmod(0o644)
    text = export.read_text(encoding="utf-8-sig")
    if change is None:
        export.write_bytes(text.encode("cp1252"))  # "Financiële" is no longer UTF-8
    else:
        export.write_text(change(text), encoding="utf-8")
    copy = warehouse.parent / "published" / "talentgap.duckdb"
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    exports_before = sorted(p.name for p in (warehouse.parent / "exports").iterdir())

    result = run_pipeline("files", warehouse, broken)

    assert not result.success
    failures = " ".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)
    failed_checks = " ".join(e["check"] for e in check_evaluations(result) if not e["passed"])
    assert message in failures + failed_checks
    assert not [e for e in result.all_events if e.is_step_success and e.step_key == "publish"]
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (warehouse.parent / "exports").iterdir()) == exports_before
    assert published(warehouse, "select count(*) from publish.latest_skill_gaps")[0][0] == GRID


def test_a_later_run_cannot_publish_what_a_blocking_check_refused(golden_copy, real_data, tmp_path):
    """The bypass: a run fails plausible_values and leaves its rows in staging; a later run of only the downstream
    assets must not publish them. A whole run afterwards succeeds."""
    warehouse = golden_copy
    relative, change, _ = BAD_INPUTS["implausible value (blocking check)"]
    broken = tmp_path / "data"
    shutil.copytree(real_data, broken)
    (broken / relative).chmod(0o644)
    (broken / relative).write_text(change((broken / relative).read_text(encoding="utf-8-sig")), encoding="utf-8")
    copy = warehouse.parent / "published" / "talentgap.duckdb"
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert not run_pipeline("files", warehouse, broken).success

    # with the marts in the selection their own checks already stop it (sectors no longer add up); without them
    # only the publication gate stands between the refused staging rows and the release
    downstream = dg.AssetSelection.groups("forecast", "publish")
    bypass = run_pipeline("files", warehouse, real_data, selection=downstream)

    assert not bypass.success
    failures = " ".join(e.step_failure_data.error.to_string() for e in bypass.all_events if e.is_step_failure)
    assert "publication refused" in failures and "staging/observations" in failures and "plausible_values" in failures
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert run_pipeline("files", warehouse, real_data).success


def materialised(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """asset -> the metadata of its materialisation in the run."""
    return {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def test_identical_or_reformatted_inputs_make_no_new_release_and_no_step_runs_again(golden_copy, real_data, tmp_path):
    warehouse = golden_copy
    releases = "select release_id from publish.releases order by release_id"
    before = published(warehouse, releases)
    copy = warehouse.parent / "published" / "talentgap.duckdb"
    copy_before = hashlib.sha256(copy.read_bytes()).hexdigest()
    # the same figures written another way: 80472ned's rows in another order, with 89.80 for 89.8
    reformatted = tmp_path / "data"
    shutil.copytree(real_data, reformatted)
    export = reformatted / "cbs_dertje/80472ned.csv"
    export.chmod(0o644)
    header, *rows = export.read_text(encoding="utf-8-sig").replace(";89.8;", ";89.80;", 1).rstrip("\n").split("\n")
    export.write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    again = run_pipeline("files", warehouse, reformatted)
    assert again.success and published(warehouse, releases) == before
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == copy_before
    report = materialised(again)
    assert report["publish/skill_gaps"]["new_release"].value is False
    assert report["publish/skill_gaps"]["release_id"].value == before[-1][0]
    # the UI still links the release that stands: its report, workbook and exports
    folder = warehouse.parent / "exports" / before[-1][0]
    assert report["publish/skill_gaps"]["report"].value == (folder / "report.html").resolve().as_uri()
    assert Path(report["publish/skill_gaps"]["workbook"].value).is_file()
    assert Path(report["publish/skill_gaps"]["exports"].value) == folder
    # every step whose inputs, settings and code are unchanged says so in the UI instead of running again
    for key in (
        "staging/observations",
        "marts/employment_by_sector",
        "forecast/series_forecasts",
        "forecast/skill_gaps",
    ):
        assert "not made again" in report[key]["unchanged"].value, key
    assert all(not metadata["new_vintage"].value for key, metadata in report.items() if key.startswith("raw/"))
    # ... and no check is evaluated again: the results that stand are reported, and the blocking ones passed
    evaluations = check_evaluations(again)
    assert len(evaluations) == check_count() and all(e["passed"] or e["severity"] == "WARN" for e in evaluations)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        evaluated = conn.execute("select count(*) from audit.checks where run_id = ?", [again.run_id]).fetchone()[0]
    assert evaluated == 0

    first = before[0][0]
    shutil.rmtree(warehouse.parent / "exports" / first)
    from release.reexport import main as reexport

    assert reexport([first, "--warehouse", str(warehouse)]) == 0
    assert (warehouse.parent / "exports" / first / "skill_gaps.csv").exists()
    assert reexport(["r19990101T000000000000Z", "--warehouse", str(warehouse)]) == 1


def test_new_data_makes_a_new_release_that_says_what_changed_and_reruns_only_what_it_reaches(
    golden_copy, real_data, tmp_path
):
    """85745NED (the population projection) feeds no forecast and no gap: its new data makes a new release whose
    numbers are the last one's, without running the forecasts or the gap model again. (Replaces the end-year rerun
    this test made before steps were skipped; describe_changes' other cases: test_release_tables.py.)"""
    warehouse = golden_copy
    (previous,) = published(warehouse, "select max(release_id) from publish.releases")[0]
    changed = tmp_path / "data"
    shutil.copytree(real_data, changed)
    export = changed / "cbs_dertje/85745NED.csv"
    export.chmod(0o644)
    export.write_text(export.read_text(encoding="utf-8-sig").replace(";17951318\n", ";17951319\n", 1), encoding="utf-8")

    result = run_pipeline("files", warehouse, changed)

    assert result.success
    report = materialised(result)
    assert report["raw/cbs_85745ned"]["new_vintage"].value is True
    assert "unchanged" not in report["marts/population_projection"]
    assert "unchanged" in report["forecast/series_forecasts"] and "unchanged" in report["forecast/skill_gaps"]
    (newest, summary, before) = published(
        warehouse, "select release_id, changes_summary, previous_release_id from publish.releases order by 1 desc"
    )[0]
    assert before == previous and "nieuwe data in 85745NED" in summary and "new data in 85745NED" in summary
    report_page = (warehouse.parent / "exports" / newest / "report.html").read_text(encoding="utf-8")
    assert f"Sinds publicatie {previous}" in report_page and "<b>nieuwe data</b> in 85745NED" in report_page
    assert "t.o.v. vorige publicatie" in report_page  # the headline table shows each gap's move since the last release
    gaps = "select sector_group, skill, year, gap, gap_lower, gap_upper from publish.skill_gaps where release_id = ?"
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        assert sorted(conn.execute(gaps, [newest]).fetchall()) == sorted(conn.execute(gaps, [previous]).fetchall())
        assert conn.execute("select count(*) from publish.latest_skill_gaps").fetchone()[0] == GRID


def test_a_single_asset_materialises_with_its_checks(tmp_path, real_data):
    result = run_pipeline(
        "files", tmp_path / "talentgap.duckdb", real_data, selection=dg.AssetSelection.assets("raw/cbs_80472ned")
    )
    assert result.success
    assert {e["check"] for e in check_evaluations(result)} == {
        "raw_columns",
        "raw_text_columns",
        "raw_row_count",
        "raw_not_empty",
    }


@pytest.mark.slow
def test_demo_run_is_labelled_synthetic_everywhere(tmp_path):
    warehouse = tmp_path / "talentgap.duckdb"
    result = run_pipeline("demo", warehouse)
    assert result.success
    assert published(warehouse, "select distinct data_source from publish.skill_gaps") == [("demo",)]
    assert published(warehouse, "select synthetic from publish.releases") == [(True,)]
    (credit,) = published(warehouse, "select credit from publish.releases")[0]
    assert "SYNTHETIC" in credit and "Source: CBS" not in credit
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select distinct data_source from raw.vintages").fetchall() == [("demo",)]
        assert conn.execute("select distinct data_source from forecast.series_forecasts").fetchall() == [("demo",)]
    export = next((warehouse.parent / "exports").iterdir())
    assert "demo" in (export / "skill_gaps.csv").read_text().splitlines()[1]
    workbook = openpyxl.load_workbook(next(export.glob("*.xlsx")), read_only=True)
    assert "SYNTHETISCHE DEMODATA" in workbook["Over deze publicatie"]["B2"].value
    notes = [row[0] for row in workbook["Tekort technisch"].iter_rows(min_row=12, values_only=True) if row[0]]
    assert any("SYNTHETISCHE DEMODATA" in n for n in notes) and not any("CBS StatLine-tabellen" in n for n in notes)
    report = (export / "report.html").read_text(encoding="utf-8")
    assert report.count("SYNTHETISCHE DEMODATA") == 2  # a banner at the top and at the bottom
    assert "Source: CBS" not in report and "SYNTHETIC demo data" in report


def test_the_workbook_holds_the_letters_tables_with_the_published_numbers(warehouse):
    from rendering.vocabulary import hundreds

    (release_id,) = published(warehouse, "select max(release_id) from publish.releases")[0]
    export = warehouse.parent / "exports" / release_id
    book = openpyxl.load_workbook(export / f"talentgap_{release_id}.xlsx")
    assert book.sheetnames[:3] == ["Over deze publicatie", "Tekort technisch", "Tekort digitaal"]
    sheet = book["Tekort technisch"]
    # the letter's table as a ministry pastes it: the groups and four years, Dutch only, the whole economy last
    assert "t/m 2022" in sheet["A1"].value
    assert [c.value for c in sheet[3]] == ["Groep", "2022 (waargenomen)", "2025", "2027", "2030"]
    assert sheet.max_column == 5 and sheet.auto_filter.ref is None
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$3:$3"  # the header on every page
    table = list(sheet.iter_rows(min_row=4, max_row=21, values_only=True))
    rows = {r[0]: (r, below) for r, below in zip(table[::2], table[1::2], strict=True)}
    assert list(rows)[:4] == ["Zorg", "Onderwijs", "Kinderopvang", "Woningbouw"]
    assert list(rows)[-1] == "Nederland, alle sectoren" and len(rows) == 9
    dutch = lambda v: f"{hundreds(v):,}".replace(",", ".")  # noqa: E731
    (gap, lower, upper, observed) = published(
        warehouse,
        "select gap, gap_lower, gap_upper, observed from publish.latest_skill_gaps "
        "where sector_group = 'housing_construction' and skill = 'technical' and year in (2022, 2030) order by year",
    )[1]
    point, band = rows["Woningbouw"]
    assert point[4] == hundreds(gap) and isinstance(point[4], int) and band[4] == f"({dutch(lower)} tot {dutch(upper)})"
    assert isinstance(point[1], int) and band[1] is None  # the observed base year: no interval
    # care's technical share is not published and its bounds are wider than half the point: CBS's "x", the band
    (lower, upper, suppressed) = published(
        warehouse,
        "select gap_lower, gap_upper, point_suppressed from publish.latest_skill_gaps "
        "where sector_group = 'care' and skill = 'technical' and year = 2030",
    )[0]
    assert suppressed and rows["Zorg"][0][4] == "x" and rows["Zorg"][1][4] == f"({dutch(lower)} tot {dutch(upper)})"
    # the whole economy: the baseline's national rows, as the Scenario's sheet and the report quote them
    (national,) = published(
        warehouse,
        "select gap from publish.skill_gaps_scenarios where release_id = (select max(release_id) from "
        "publish.releases) and scenario = 'baseline' and sector_group = 'national' and skill = 'technical' "
        "and year = 2030",
    )[0]
    assert rows["Nederland, alle sectoren"][0][4] == hundreds(national)
    visible = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert not [v for v in visible if re.search(r"\b(Gap|Group|English|Lower|Upper|Source)\b", v)], visible
    notes = [sheet.cell(r, 1).value or "" for r in range(23, sheet.max_row + 1)]
    assert any("BRC 2014-beroepsklasse 07" in n for n in notes) and any("80472ned" in n for n in notes)
    assert any(n.startswith("x (zoals CBS") for n in notes)
    csv = read_spreadsheet_csv(export / "letter_tekort_technisch.csv")
    assert csv["Tekort 2030"].to_list()[:4] == [None, None, None, hundreds(gap)]
    assert csv["Groep"].to_list()[-1] == "Nederland, alle sectoren"
    # every year and every detail stays on the analysts' sheets
    detail = book["Tekort technisch alle jaren"]
    assert [c.value for c in detail[3]][:3] == [
        "Groep\nGroup",
        "Groep (Engels)\nGroup (English)",
        "Tekort 2022, waargenomen\nGap 2022",
    ]
    assert detail.freeze_panes == "A4" and detail.auto_filter.ref.startswith("A3:")
    assert {"Componenten", "Parameters", "Nauwkeurigheid", "Reconciliatie", "Herkomst"} <= set(book.sheetnames)
    # the letter's third table: the six strategic markets under a heading per skill, as published
    assert book.sheetnames[3] == "Strategische markten"
    markets = [r for r in book["Strategische markten"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert markets[0][0] == "Technische vakmensen" and markets[8][0] == "Digitale vakmensen"
    (name, gap, lower, upper) = published(
        warehouse,
        "select sector_group_nl, gap, gap_lower, gap_upper from publish.latest_skill_gaps "
        "where sector_group = 'machine_building' and skill = 'technical' and year = 2030",
    )[0]
    (row,) = [r for r in markets[:8] if r[0] == name]
    assert row[4] == hundreds(gap)
    assert name not in rows  # the markets: not in the groups' table
    assert read_spreadsheet_csv(export / "letter_strategische_markten.csv").height == 14
    assert isinstance(book["Parameters"]["D4"].value, int | float)  # parameters are numbers, not text
    # the scenarios' effects and the provinces in the end year, as published
    (effect,) = published(
        warehouse,
        "select difference from publish.skill_gaps_scenarios where release_id = (select max(release_id) from "
        "publish.releases) and scenario = 'talent_strategy' and sector_group = 'national' and skill = 'digital' "
        "and year = 2030",
    )[0]
    first = next(book["Scenario's"].iter_rows(min_row=4, max_row=4, values_only=True))
    assert first[:3] == ("Meer afgestudeerden", "Nederland (alle sectoren)", "digitaal")
    scenario_rows = book["Scenario's"].iter_rows(min_row=4, values_only=True)
    talent = [r for r in scenario_rows if str(r[0]).startswith("Talentstrategie")]
    assert talent[0][1] == "Nederland (alle sectoren)" and talent[0][5] == hundreds(effect)
    # the analysts' sheets speak the letter's language: no code names, numbers rounded
    code_name = re.compile(r"(?<![/\w])[a-z]+_[a-z0-9_]+(?![\w.])")  # snake_case, not a file name or path
    for name in ("Componenten", "Parameters", "Nauwkeurigheid", "Reconciliatie", "Scenario's", "Provincies"):
        # Reconciliatie's definitions and notes are the reference seed's and the model's own English text (not ours)
        width = 8 if name == "Reconciliatie" else None
        cells = [c.value for row in book[name].iter_rows(max_col=width) for c in row if c.value is not None]
        assert not [v for v in cells if isinstance(v, str) and code_name.search(v)], name
        assert not [v for v in cells if isinstance(v, float) and len(repr(abs(v)).lstrip("0.")) > 6], name
    assert book["Over deze publicatie"]["B2"].value.startswith("CBS-tabellen (bestanden uit StatLine, ingelezen op ")
    assert re.fullmatch(r"\d{1,2} [a-z]+ 20\d\d", book["Over deze publicatie"]["B4"].value)
    provinces = list(book["Provincies"].iter_rows(min_row=4, values_only=True))
    assert len([r for r in provinces if r[2] and r[3] is not None]) == len(GROUPS) * 2 * 12


def test_sector_forecasts_add_up_to_the_total_as_the_data_do(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        forecasts = conn.sql("select series_id, period_start, point from forecast.series_forecasts").pl()
        coherence = conn.sql("select * from forecast.coherence").pl()
    total = "80472ned | OpenstaandeVacatures_1 | A-U Alle economische activiteiten | Q"
    relation = coherence.filter(pl.col("parent_series_id") == total, pl.col("period_start").dt.year() == 2030)
    assert relation.height == 4  # every quarter of 2030
    points = {(r["series_id"], r["period_start"]): r["point"] for r in forecasts.iter_rows(named=True)}
    for row in relation.iter_rows(named=True):
        children = sum(points[(child, row["period_start"])] for child in row["child_series_ids"])
        parent = points[(total, row["period_start"])]
        assert parent == pytest.approx(children + row["residual"], rel=1e-9)
        assert abs(row["residual"]) < 0.10 * parent  # rounding and the unknown sector, not a broken sum
    assert {c.split(" | ")[2].split(" ")[0] for c in relation["child_series_ids"][0]} == {"A", "B-F", "G-N", "O-U"}
    # 85920NED has no B-F, G-N or O-U: their complete children stand in, so its total holds too
    assert coherence.filter(pl.col("parent_series_id").str.contains("85920NED .*A-U")).height > 0
