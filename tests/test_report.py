"""The release report a run writes beside its exports: its sections, one chart per group and skill, numbers that are
the published ones, and nothing that needs the network. Read as HTML, without a browser
(scripts/screenshot_report.py renders it in Chromium)."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from rendering.report import INPUT_NAMES
from rendering.vocabulary import GROUP_ORDER, SCENARIO_NAMES, hundreds
from tests.conftest import check_count

SECTIONS = [
    "samenvatting",
    "grafieken",
    "scenarios",
    "gevoeligheid",
    "regios",
    "nauwkeurigheid",
    "datakwaliteit",
    "aannames",
    "reconciliatie",
    "bronnen",
]


class Outline(HTMLParser):
    """Section ids in order, figure ids, and every address the page refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.addresses: list[str] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.sections.append(found.get("id") or "")
        if tag == "figure":
            self.figures.append(found.get("id") or "")
        if tag == "table":
            self.tables += 1
        self.addresses += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.fixture(scope="module")
def release(golden) -> tuple[Path, Path]:
    warehouse = golden.warehouse
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        (release_id,) = conn.execute("select max(release_id) from publish.releases").fetchone()
    return warehouse, warehouse.parent / "exports" / release_id


def outline(report: Path) -> Outline:
    parser = Outline()
    parser.feed(report.read_text(encoding="utf-8"))
    return parser


def test_the_report_has_its_sections_in_order_and_one_chart_per_group_and_skill(release):
    _, folder = release
    page = outline(folder / "report.html")
    assert page.sections == SECTIONS
    expected = [f"chart-{group}_{skill}" for group in GROUP_ORDER for skill in ("technical", "digital")]
    assert [f for f in page.figures if not f.startswith(("chart-overview", "chart-regions"))] == expected
    assert {"chart-overview_technical_2030", "chart-overview_digital_2030"} <= set(page.figures)
    assert {"chart-regions_technical_2030", "chart-regions_digital_2030"} <= set(page.figures)
    assert page.tables >= 6  # headline, accuracy, warnings, all checks, assumptions, reconciliation, sources
    for stem in (f.removeprefix("chart-") for f in page.figures):
        for suffix in (".png", ".svg"):
            assert (folder / "charts" / f"{stem}{suffix}").stat().st_size > 1_000, (stem, suffix)


def test_the_report_opens_offline_from_the_exports_folder(release):
    _, folder = release
    page = outline(folder / "report.html")
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert not [a for a in page.addresses if re.match(r"(https?:)?//", a)], "the report must not need the network"
    assert "<script" not in text and "<link" not in text  # no scripts, no stylesheets from elsewhere
    links = [a for a in page.addresses if not a.startswith("#")]
    assert links and all((folder / a).exists() for a in links)


def test_the_summary_quotes_the_published_gaps_and_never_a_suppressed_point(release):
    warehouse, folder = release
    summary = (folder / "report.html").read_text(encoding="utf-8").split("<section id='grafieken'>")[0]
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "select sector_group_nl, skill, gap, gap_lower, gap_upper, point_suppressed, cyclical_gap, kind "
            "from publish.latest_skill_gaps where year = 2030"
        ).fetchall()
    dutch = lambda v: f"{hundreds(v):,}".replace(",", ".")  # noqa: E731
    for _, _, gap, lower, upper, suppressed, _, _ in rows:
        point = "x" if suppressed else dutch(gap)
        assert f"{point} ({dutch(lower)} tot {dutch(upper)})" in summary
    # the headlines are the priority sectors' and domains'; the markets have a line of their own
    quotable = [r for r in rows if r[1] == "technical" and not r[5] and r[7] != "strategic_market"]
    (largest,) = [r for r in quotable if r[2] == max(q[2] for q in quotable)]
    assert f"<b>technische</b> vakmensen in 2030 ligt bij {largest[0]}: {dutch(largest[2])}" in summary
    assert f"waarvan {dutch(largest[6])} conjunctureel" in summary  # each headline gap's split
    assert "Raming op basis van CBS-cijfers t/m 2022" in summary
    assert "Wat veranderde" in summary and "Onder de meeste druk" in summary and "ITA" in summary


def test_the_summary_gives_the_strategic_markets_a_table_of_their_own_and_says_they_overlap(release):
    warehouse, folder = release
    summary = (folder / "report.html").read_text(encoding="utf-8").split("<section id='grafieken'>")[0]
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        markets = dict(
            conn.execute(
                "select distinct sector_group, sector_group_nl from publish.latest_skill_gaps "
                "where kind = 'strategic_market'"
            ).fetchall()
        )
    assert len(markets) == 6
    groups, own = summary.split("<h3 id='strategische-markten'>Strategische markten</h3>")
    own = own.split("<h3>Wat veranderde</h3>")[0]
    assert own.count("<tr>") == 1 + 6  # the header and one row per market, both skills side by side
    for name in markets.values():
        assert f"<td>{escape(name)}</td>" in own and f"<td>{escape(name)}</td>" not in groups
    assert "Van de <b>strategische markten</b> ligt in 2030 het grootste tekort" in summary
    assert "Digitale diensten &amp; AI binnen Digitalisering &amp; AI" in summary  # the overlap, named


def test_the_quality_section_lists_the_warnings_that_failed_with_what_they_check(release):
    _, folder = release
    text = (folder / "report.html").read_text(encoding="utf-8")
    quality = text.split("<section id='datakwaliteit'>")[1].split("</section>")[0]
    assert f"{check_count()} controles" in quality
    failed = quality.split("<details>")[0]
    assert "sectors_add_up_to_total" in failed and "GEFAALD" in failed and "SBI sections add up" in failed
    # the publication gate's warning on the labour supply quotes its figures
    assert "labour_supply_within_population" in failed and "more than participation trends allow" in failed


def test_the_scenario_tornado_and_region_sections_quote_the_published_tables(release):
    warehouse, folder = release
    text = (folder / "report.html").read_text(encoding="utf-8")
    scenarios = text.split("<section id='scenarios'>")[1].split("</section>")[0]
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        latest = "(select max(release_id) from publish.releases)"
        effects = conn.execute(
            f"select scenario, difference from publish.skill_gaps_scenarios where release_id = {latest} "
            "and sector_group = 'national' and skill = 'digital' and year = 2030 and scenario <> 'baseline'"
        ).fetchall()
        (top,) = conn.execute(
            f"select input from publish.gap_sensitivities where release_id = {latest} and sector_group = 'digital_ai' "
            "and skill = 'digital' and year = 2030 and rank = 1"
        ).fetchone()
    for name, difference in effects:
        assert SCENARIO_NAMES[name] in scenarios and name not in scenarios  # Dutch names, no code names
        if difference is not None:  # persons rounded to hundreds, as everywhere in the letter's products
            assert f"{hundreds(difference):,}".replace(",", ".") in scenarios
    tornado = text.split("<section id='gevoeligheid'>")[1].split("</section>")[0]
    assert INPUT_NAMES[top] in tornado
    regions = text.split("<section id='regios'>")[1].split("</section>")[0]
    assert "83599NED" in regions and "Elke provincie is geschat" in regions


def test_the_charts_rendered_beside_a_forked_worker_are_the_bytes_one_process_makes(release):
    """The report's charts are rendered in two processes (rendering/charts.py, render_all); every other one in the
    worker. Drawn again here in one process, the first three are the same files, byte for byte."""
    from rendering.report import _charts, _history, _survey_break

    warehouse, exports = release
    with duckdb.connect(str(warehouse.parent / "published" / "talentgap.duckdb"), read_only=True) as conn:
        tables = {
            name: conn.sql(f"select * from publish.{name} where release_id = ?", params=[exports.name]).pl()
            for name in ("skill_gaps", "history", "parameters")
        }
    charts = _charts(tables["skill_gaps"], _history(tables["history"]), _survey_break(tables["parameters"]))[:3]
    try:
        for chart in charts:  # the worker drew the second
            svg, png = chart.render()
            assert (exports / "charts" / f"{chart.stem}.svg").read_bytes() == svg, chart.stem
            assert (exports / "charts" / f"{chart.stem}.png").read_bytes() == png, chart.stem
    finally:
        for chart in charts:
            chart.close()


def test_numbers_in_the_report_are_written_the_dutch_way(release):
    """Decimal commas and thousands points wherever the report writes a number of its own (the seeds' notes and the
    checks' findings are quoted as they are); no code names in the sections an analyst quotes."""
    _, folder = release
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert "databron files" not in text and re.search(r"gepubliceerd op \d{1,2} [a-z]+ 20\d\d", text)
    for section in ("samenvatting", "scenarios", "gevoeligheid", "nauwkeurigheid"):
        body = text.split(f"<section id='{section}'>")[1].split("</section>")[0]
        cells = re.findall(r"<td class='n'>([^<]*)", body)
        assert cells and not [c for c in cells if re.search(r"\d\.\d{1,2}(?!\d)|\d,\d{3}(?!\d)", c)], section
        visible = re.sub(r"<code>.*?</code>|<[^>]+>", " ", body)
        assert not re.search(r"(?<![/\w])[a-z]+_[a-z0-9_]+(?![\w.])", visible), section
    assumptions = text.split("<section id='aannames'>")[1].split("</section>")[0]
    assert "uitstroomvenster 55-plussers" in assumptions and "<td class='n'>0,015</td>" in assumptions
