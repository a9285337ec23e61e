"""The release report: one self-contained HTML page an analyst opens from the export folder, no network needed.

A one-page summary in Dutch first (headline gaps, the groups under most pressure, what changed since the previous
release and why), then the charts per group and skill, the accuracy against the baselines, the data-quality results,
the assumptions, the reconciliation with known figures and the sources. The charts are also written as PNG and SVG
into `charts/` for the letter.

Built from one release's published tables (and the previous release's gaps, when there is one), so an older release
can be reported again the same way.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from rendering.letter import NATIONAL_NL, OVERLAP_NOTE, credit, group_contents, measure_nl, national_gaps
from rendering.provenance import dutch_date, source_description, source_rows
from rendering.vocabulary import (
    ACCURACY_KINDS,
    INPUT_NAMES,
    PARAMETER_NAMES,
    SCENARIO_NAMES,
    SKILL_ADJECTIVES,
    SKILL_NAMES,
    UNITS,
    decimal_comma,
    dutch,
    groups_in_order,
    hundreds,
    is_market,
    label,
)

if TYPE_CHECKING:  # matplotlib is imported only when charts are drawn
    from rendering.charts import Chart

REPORT_NAME = "report.html"
CHART_FOLDER = "charts"
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1a1a1a;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #1a1a1a;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}
td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}th{background:#eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.banner{background:#fde2e2;border:3px solid #a00;padding:.6em 1em;font-weight:bold}
.muted{color:#555;font-size:.9em}figure{margin:1em 0 2em}figure svg{max-width:100%;height:auto}
figcaption{font-size:.85em;color:#333}.fail{background:#fde2e2}nav a{margin-right:1em}
section#samenvatting{page-break-after:always}
@media print{nav{display:none}figure{page-break-inside:avoid}}
"""


def write_report(folder: Path, tables: dict[str, pl.DataFrame], previous_gaps: pl.DataFrame | None = None) -> Path:
    """Write `report.html` and `charts/*.png|svg` for one release into `folder`; return the report's path."""
    from rendering.charts import regional_chart, render_all

    gaps = tables["skill_gaps"]
    release = tables["releases"].row(0, named=True)
    charts = _charts(gaps, _history(tables["history"]), _survey_break(tables["parameters"]))
    regional = tables.get("skill_gaps_by_region")
    if regional is not None and "region" in regional.columns:
        end = int(gaps["year"].max())
        names = {code: nl for code, nl, _ in groups_in_order(gaps)}
        charts += [
            regional_chart(regional, skill, end, names, f"Tekort aan {SKILL_ADJECTIVES[skill]} vakmensen per provincie")
            for skill in SKILL_NAMES
        ]
    (folder / CHART_FOLDER).mkdir(parents=True, exist_ok=True)
    figures = {}
    try:
        for chart, (svg, png) in zip(charts, render_all(charts), strict=True):
            (folder / CHART_FOLDER / f"{chart.stem}.svg").write_bytes(svg)
            (folder / CHART_FOLDER / f"{chart.stem}.png").write_bytes(png)
            figures[chart.stem] = _figure(chart, svg)
    finally:
        for chart in charts:
            chart.close()
    page = folder / REPORT_NAME
    page.write_text(_page(tables, release, figures, previous_gaps), encoding="utf-8")
    return page


def _history(history: pl.DataFrame) -> pl.DataFrame:
    """A release published before the history was: its charts start at the base year."""
    if "sector_group" in history.columns:
        return history
    return pl.DataFrame(
        schema={"sector_group": pl.String, "skill": pl.String, "year": pl.Int64}
        | dict.fromkeys(("employment", "demand", "gap"), pl.Float64)
    )


def _survey_break(parameters: pl.DataFrame) -> int | None:
    if "name" not in parameters.columns:
        return None
    found = parameters.filter(pl.col("name") == "survey_break_year")["value"]
    return int(float(found[0])) if found.len() else None


def _charts(gaps: pl.DataFrame, history: pl.DataFrame, survey_break: int | None) -> list[Chart]:
    from rendering.charts import group_chart, overview_chart

    end = int(gaps["year"].max())
    names = {code: nl for code, nl, _ in groups_in_order(gaps)}
    charts = [
        overview_chart(gaps, skill, end, names, f"Tekort aan {SKILL_ADJECTIVES[skill]} vakmensen in {end}")
        for skill in SKILL_NAMES
    ]
    for code, name_nl, _ in groups_in_order(gaps):
        for skill, (skill_nl, _) in SKILL_NAMES.items():
            charts.append(group_chart(history, gaps, code, skill, f"{name_nl}: {skill_nl}", survey_break))
    return charts


def _figure(chart: Chart, svg: bytes) -> str:
    # the SVG inline (its XML prologue dropped) keeps the page one self-contained file
    body = svg.decode("utf-8")
    body = body[body.index("<svg") :]
    return (
        f"<figure id='chart-{escape(chart.stem)}' class='chart'>{body}"
        f"<figcaption>{escape(chart.caption)} Ook als <a href='{CHART_FOLDER}/{escape(chart.stem)}.png'>PNG</a> en "
        f"<a href='{CHART_FOLDER}/{escape(chart.stem)}.svg'>SVG</a>.</figcaption></figure>"
    )


def _page(
    tables: dict[str, pl.DataFrame], release: dict, figures: dict[str, str], previous_gaps: pl.DataFrame | None
) -> str:
    gaps = tables["skill_gaps"]
    synthetic = bool(release.get("synthetic"))
    title = f"Tekorten aan technisch en digitaal talent tot {int(gaps['year'].max())}"
    banner = (
        "<p class='banner'>SYNTHETISCHE DEMODATA: deze cijfers komen uit een generator, niet van het CBS. Niet voor "
        "publicatie. / SYNTHETIC DEMO DATA: not CBS figures, not for publication.</p>"
        if synthetic
        else ""
    )
    if release.get("withdrawn_at"):  # a withdrawn release exported again stays marked, top and bottom
        banner += (
            f"<p class='banner'>INGETROKKEN op {release['withdrawn_at']:%Y-%m-%d}: niet gebruiken. Reden: "
            f"{escape(release['withdrawn_reason'])}. Geldig is publicatie {escape(release['rolled_back_to'])}. / "
            "WITHDRAWN: do not use.</p>"
        )
    sections = [
        _summary(gaps, release, tables["reconciliation"], previous_gaps, national_gaps(tables)),
        _chart_section(gaps, figures),
        _scenarios(gaps, tables.get("skill_gaps_scenarios")),
        _sensitivities(gaps, tables.get("gap_sensitivities")),
        _regions(gaps, tables.get("skill_gaps_by_region"), figures),
        _accuracy(tables["accuracy"]),
        _quality(tables["checks"]),
        _assumptions(tables["parameters"], tables["gap_parameters"]),
        _reconciliation(tables["reconciliation"], gaps),
        _sources(release),
    ]
    nav = (
        "<nav><a href='#samenvatting'>Samenvatting</a><a href='#grafieken'>Grafieken</a>"
        "<a href='#scenarios'>Scenario's</a><a href='#gevoeligheid'>Gevoeligheid</a><a href='#regios'>Regio's</a>"
        "<a href='#nauwkeurigheid'>Nauwkeurigheid</a><a href='#datakwaliteit'>Datakwaliteit</a>"
        "<a href='#aannames'>Aannames</a><a href='#reconciliatie'>Reconciliatie</a><a href='#bronnen'>Bronnen</a></nav>"
    )
    return (
        f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{escape(title)} "
        f"({escape(release['release_id'])})</title><style>{CSS}</style></head><body>{banner}"
        f"<h1>{escape(title)}</h1><p class='muted'>Publicatie {escape(release['release_id'])}, basisjaar "
        f"{release['base_year']}, gepubliceerd op {dutch_date(str(release['published_at']))}, databron "
        f"{escape(source_description(release))}, code {escape(release['code_version'])}."
        f"</p>{nav}{''.join(sections)}{banner}</body></html>"
    )


def _persons(value: float | None) -> str:
    rounded = hundreds(value)
    return "" if rounded is None else f"{rounded:,}".replace(",", ".")


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _interval(row: dict) -> str:
    if row.get("point_suppressed"):  # the band only, as CBS marks the cell "x"
        return f"x ({_persons(row['gap_lower'])} tot {_persons(row['gap_upper'])})"
    return f"{_persons(row['gap'])} ({_persons(row['gap_lower'])} tot {_persons(row['gap_upper'])})"


def _summary(
    gaps: pl.DataFrame,
    release: dict,
    reconciliation: pl.DataFrame,
    previous_gaps: pl.DataFrame | None,
    national: pl.DataFrame | None,
) -> str:
    base, end = int(gaps["base_year"][0]), int(gaps["year"].max())
    names = {code: nl for code, nl, _ in groups_in_order(gaps)}
    every_end = gaps.filter(pl.col("year") == end)
    # the headlines are the priority sectors' and domains': the markets lie partly inside the domains and have a
    # line and a table of their own
    markets = every_end.filter(is_market(every_end))
    at_end = every_end.filter(~is_market(every_end))
    points = [
        f"<li><b>Raming op basis van CBS-cijfers t/m {base}</b>: {base} is waargenomen, {base + 1}-{end} geraamd.</li>"
    ]
    for skill in SKILL_NAMES:
        largest = _quotable(at_end, skill).head(2).to_dicts()
        described = " en ".join(f"{escape(names[r['sector_group']])}: {_interval(r)}{_split(r)}" for r in largest)
        points.append(
            f"<li>Het grootste tekort aan <b>{SKILL_ADJECTIVES[skill]}</b> vakmensen in {end} ligt bij {described} "
            "onvervulde banen (interval van 80%).</li>"
        )
    if markets.height:
        described = "; ".join(
            f"aan {SKILL_ADJECTIVES[skill]} vakmensen bij {escape(names[r['sector_group']])}: {_interval(r)}"
            for skill in SKILL_NAMES
            for r in _quotable(markets, skill).head(1).to_dicts()
        )
        points.append(
            f"<li>Van de <b>strategische markten</b> ligt in {end} het grootste tekort {described} onvervulde banen "
            "(interval van 80%; tabel Strategische markten hieronder).</li>"
        )
    mckinsey = reconciliation.filter((pl.col("sector_group") == "national") & (pl.col("year") == end))
    for r in mckinsey.to_dicts():
        points.append(
            f"<li>Landelijk ({SKILL_NAMES.get(r['skill'], (r['skill'],))[0]}): {_persons(r['our_value'])} onvervulde "
            f"banen in {end}; {escape(r['reference_source'])} noemt {_persons(r['reference_value'])} "
            f"({escape(r['reference_definition'])}).</li>"
        )
    ratio = "ita" if "ita" in at_end.columns else "supply_demand_ratio"  # releases before the ITA: their ratio
    pressure = at_end.filter(pl.col(ratio).is_not_null()).sort(ratio).head(3)
    described = "; ".join(
        f"{escape(names[r['sector_group']])}, {SKILL_NAMES[r['skill']][0]} ({_ratio(r[ratio])}"
        + (f", {escape(r['ita_class'])}" if r.get("ita_class") else "")
        + ")"
        for r in pressure.to_dicts()
    )
    points.append(
        f"<li>Onder de meeste druk (laagste ITA {base + 1}-{end}, zoals ROA die meet: schoolverlaters en werklozen "
        "die in de vaardigheid beginnen tegen uitbreidings- plus vervangingsvraag; onder 0,85 is 'zeer goed' voor "
        f"werkzoekenden, dus krap voor werkgevers): {described}.</li>"
    )
    return (
        "<section id='samenvatting'><h2>Samenvatting</h2><ul>"
        + "".join(points)
        + "</ul>"
        + _headline_table(gaps, previous_gaps, markets=False if markets.height else None, national=national)
        + (
            "<h3 id='strategische-markten'>Strategische markten</h3>" + _headline_table(gaps, previous_gaps, True)
            if markets.height
            else ""
        )
        + _what_changed(release, gaps, previous_gaps)
        + "<p class='muted'>Tekort: banen in de vaardigheid die aan het eind van het jaar onvervuld zijn (vraag min "
        f"aanbod), in personen, afgerond op honderdtallen. {base} is waargenomen (openstaande vacatures). "
        + escape(OVERLAP_NOTE)
        + " Technisch: BRC-klasse 07 en ISCED-F 05, 07; digitaal: BRC-klasse 08 en ISCED-F 06. "
        + escape(group_contents(gaps))
        + "</p></section>"
    )


def _quotable(rows: pl.DataFrame, skill: str) -> pl.DataFrame:
    """The skill's rows a headline may quote, largest gap first: never a suppressed point."""
    quotable = rows.filter(pl.col("skill") == skill)
    if "point_suppressed" in quotable.columns:
        quotable = quotable.filter(~pl.col("point_suppressed"))
    return quotable.sort("gap", descending=True)


def _split(row: dict) -> str:
    """How much of a projected gap is the cycle's and how much structural, where the release says."""
    if row.get("cyclical_gap") is None:
        return ""
    return (
        f", waarvan {_persons(row['cyclical_gap'])} conjunctureel en {_persons(row['structural_gap'])} structureel "
        f"(de rest, {_persons(row['normal_gap'])}, is de normale vacaturegraad)"
    )


def _headline_table(
    gaps: pl.DataFrame,
    previous_gaps: pl.DataFrame | None,
    markets: bool | None = None,
    national: pl.DataFrame | None = None,
) -> str:
    """Every group's gap in the base and end year per skill, then the whole economy's where `national` gives it (the
    letter tables' figures); `markets` as in groups_in_order."""
    base, end = int(gaps["base_year"][0]), int(gaps["year"].max())
    by_key = {(r["sector_group"], r["skill"], r["year"]): r for r in gaps.iter_rows(named=True)}
    before = (
        {(r["sector_group"], r["skill"], r["year"]): r["gap"] for r in previous_gaps.iter_rows(named=True)}
        if previous_gaps is not None
        else {}
    )
    head = f"<tr><th>{'Strategische markt' if markets else 'Groep'}</th>"
    for skill_nl, _ in SKILL_NAMES.values():
        head += f"<th>{skill_nl}: {base}</th><th>{skill_nl}: {end} (80%)</th><th>ITA {base + 1}-{end}</th>"
        head += "<th>t.o.v. vorige publicatie</th>" if before else ""
    groups = [(code, name_nl) for code, name_nl, _ in groups_in_order(gaps, markets)]
    if national is not None and national.height:
        by_key |= {(r["sector_group"], r["skill"], r["year"]): r for r in national.iter_rows(named=True)}
        groups.append(("national", NATIONAL_NL))
    rows = []
    for code, name_nl in groups:
        cells = [f"<td>{'<b>' + escape(name_nl) + '</b>' if code == 'national' else escape(name_nl)}</td>"]
        for skill in SKILL_NAMES:
            now, first = by_key[(code, skill, end)], by_key[(code, skill, base)]
            ratio = now.get("ita")
            cells += [
                f"<td class='n'>{'x' if first.get('point_suppressed') else _persons(first['gap'])}</td>",
                f"<td class='n'>{_interval(now)}</td>",
                f"<td class='n'>{_ratio(ratio)}</td>",
            ]
            if before:
                previous = before.get((code, skill, end))
                delta = "" if code == "national" else "nieuw" if previous is None else _signed(now["gap"] - previous)
                cells.append(f"<td class='n'>{delta}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='headline'>{head}</tr>{''.join(rows)}</table>"


def _signed(value: float) -> str:
    """A change in persons, rounded to hundreds, with its sign: +1.200, -300."""
    return f"{hundreds(value):+,}".replace(",", ".")


def _what_changed(release: dict, gaps: pl.DataFrame, previous_gaps: pl.DataFrame | None) -> str:
    change = json.loads(release["changes"]) if release.get("changes") else {}
    if change.get("first_release") or not change:
        why = "Dit is de eerste publicatie in dit warehouse: er is geen vorige om mee te vergelijken."
    else:
        reasons = []
        if change.get("new_data"):
            reasons.append("<b>nieuwe data</b> in " + escape(", ".join(change["new_data"])))
        if change.get("new_definitions"):
            reasons.append(
                "<b>gewijzigde definities of aannames</b> (" + escape(", ".join(change["new_definitions"])) + ")"
            )
        if change.get("new_end_year"):
            reasons.append("<b>een ander eindjaar</b>")
        if change.get("new_code"):
            reasons.append(f"<b>een nieuwe methode of code</b> (was {escape(str(change.get('previous_code')))})")
        why = f"Sinds publicatie {escape(str(release.get('previous_release_id')))}: " + "; ".join(reasons) + "."
        if previous_gaps is not None and not previous_gaps.is_empty():
            end = int(gaps["year"].max())
            moved = (
                gaps.filter(pl.col("year") == end)
                .join(
                    previous_gaps.select("sector_group", "skill", "year", pl.col("gap").alias("before")),
                    on=[
                        "sector_group",
                        "skill",
                        "year",
                    ],
                )
                .with_columns((pl.col("gap") - pl.col("before")).alias("delta"))
                .sort(pl.col("delta").abs(), descending=True)
                .head(1)
                .to_dicts()
            )
            if moved:
                m = moved[0]
                why += (
                    f" De grootste verschuiving in {end}: {escape(m['sector_group_nl'])}, "
                    f"{SKILL_NAMES[m['skill']][0]}, van {_persons(m['before'])} naar {_persons(m['gap'])}."
                )
    return f"<h3>Wat veranderde</h3><p>{why}</p>"


def _chart_section(gaps: pl.DataFrame, figures: dict[str, str]) -> str:
    parts = ["<section id='grafieken'><h2>Grafieken</h2>"]
    parts += [figures[stem] for stem in figures if stem.startswith("overview_")]
    for code, name_nl, _ in groups_in_order(gaps):
        parts.append(f"<h3 id='groep-{escape(code)}'>{escape(name_nl)}</h3>")
        parts += [figures[f"{code}_{skill}"] for skill in SKILL_NAMES]
    parts.append("</section>")
    return "".join(parts)


def _absent(section: str, title: str) -> str:
    return f"<section id='{section}'><h2>{title}</h2><p class='muted'>Niet in deze publicatie.</p></section>"


def _scenarios(gaps: pl.DataFrame, scenarios: pl.DataFrame | None) -> str:
    """Per group and skill the end year's baseline gap and each scenario's difference with its 80% interval."""
    if scenarios is None or "scenario" not in scenarios.columns:
        return _absent("scenarios", "Scenario's")
    end = int(gaps["year"].max())
    names = [n for n in scenarios["scenario"].unique(maintain_order=True) if n != "baseline"]
    at_end = scenarios.filter(pl.col("year") == end)
    rows = []
    for code, name_nl, _ in [("national", "Nederland (alle sectoren)", None), *groups_in_order(gaps)]:
        for skill, (skill_nl, _) in SKILL_NAMES.items():
            part = at_end.filter(pl.col("sector_group") == code, pl.col("skill") == skill)
            if part.is_empty():
                continue
            cells = [f"<td>{escape(name_nl)}</td><td>{escape(skill_nl)}</td>"]
            cells.append(f"<td class='n'>{_persons(float(part['baseline_gap'][0]))}</td>")
            for name in names:
                row = part.filter(pl.col("scenario") == name).row(0, named=True)
                if row["difference"] is None:  # a group's lever: not modelled for the whole economy
                    cells.append("<td class='n muted'>niet gemodelleerd</td>")
                elif not row["scenario_applies"]:
                    cells.append("<td class='n muted'>geldt niet</td>")
                else:
                    cells.append(
                        f"<td class='n'>{_persons(row['difference'])}<br><span class='muted'>"
                        f"{_persons(row['difference_lower'])} tot {_persons(row['difference_upper'])}</span></td>"
                    )
            rows.append(f"<tr>{''.join(cells)}</tr>")
    # scenario names with spaces, so that the headers wrap and the table fits the page
    head = "".join(
        f"<th>{escape(n)}</th>"
        for n in ["groep", "vaardigheid", f"basispad {end}", *(label(SCENARIO_NAMES, n) for n in names)]
    )
    described = at_end.select("scenario", "scenario_description").unique(maintain_order=True)
    legend = "".join(
        f"<li><b>{escape(label(SCENARIO_NAMES, n))}</b>: {escape(dutch(d))}</li>"
        for n, d in described.rows()
        if n != "baseline"
    )
    return (
        "<section id='scenarios'><h2>Scenario's</h2><p>Wat beleid met de tekorten doet: per scenario het verschil "
        f"met het basispad in {end} (onvervulde banen; negatief is een kleiner tekort), met het interval van 80% "
        "van dat verschil (gepaarde trekkingen van het aandeel van de vaardigheid en van de aannames binnen hun "
        "marges). 'Geldt niet': geen wijziging van het scenario raakt deze groep; 'niet gemodelleerd': het scenario "
        "wijzigt één groep en de groepen overlappen, dus het landelijke effect wordt niet geschat. De scenario's "
        "staan in <code>warehouse/seeds/scenarios.csv</code>; alle jaren in "
        f"<code>skill_gaps_scenarios</code>.</p><ul>{legend}</ul><table><tr>{head}</tr>{''.join(rows)}</table>"
        "</section>"
    )


def _sensitivities(gaps: pl.DataFrame, tornado: pl.DataFrame | None) -> str:
    """Per group and skill the three inputs that move the end year's gap most, each over its own range."""
    if tornado is None or "input" not in tornado.columns:
        return _absent("gevoeligheid", "Waar de cijfers op rusten")
    end = int(gaps["year"].max())
    top = tornado.filter(pl.col("year") == end, pl.col("rank") <= 3)
    rows = []
    for code, name_nl, _ in groups_in_order(gaps):
        for skill, (skill_nl, _) in SKILL_NAMES.items():
            part = top.filter(pl.col("sector_group") == code, pl.col("skill") == skill).sort("rank")
            inputs = "; ".join(
                f"{label(INPUT_NAMES, r['input'])}: {_persons(r['gap_at_low'])} tot {_persons(r['gap_at_high'])}"
                for r in part.iter_rows(named=True)
            )
            gap = _persons(float(part["gap"][0])) if part.height else ""
            rows.append(
                f"<tr><td>{escape(name_nl)}</td><td>{escape(skill_nl)}</td><td class='n'>{gap}</td>"
                f"<td>{escape(inputs)}</td></tr>"
            )
    return (
        "<section id='gevoeligheid'><h2>Waar de cijfers op rusten</h2><p>Per groep de drie invoeren die het tekort "
        f"in {end} het meest bewegen, elk apart over zijn eigen marge (de aannames tussen hun low en high in "
        "<code>parameters.csv</code>, de ramingen over hun interval van 80%, het aandeel van de vaardigheid binnen "
        "de grenzen die de CBS-cellen laten, de modelfout over zijn interval van 80%): het tekort bij de lage en de "
        "hoge kant. De hele tornadotabel staat in <code>gap_sensitivities</code>.</p><table><tr><th>groep</th>"
        f"<th>vaardigheid</th><th>tekort {end}</th><th>grootste invloeden</th></tr>{''.join(rows)}</table></section>"
    )


def _regions(gaps: pl.DataFrame, regional: pl.DataFrame | None, figures: dict[str, str]) -> str:
    if regional is None or "region" not in regional.columns:
        return _absent("regios", "Regio's")
    missing = regional.filter(~pl.col("estimated")).select("sector_group", "region", "not_estimated_reason").unique()
    note = (
        "<p>Niet geschat: "
        + "; ".join(f"{escape(g)} in {escape(r)}: {escape(why)}" for g, r, why in missing.rows())
        + "</p>"
        if missing.height
        else "<p class='muted'>Elke provincie is geschat voor elke groep.</p>"
    )
    return (
        "<section id='regios'><h2>Regio's</h2><p>Het landelijke tekort per groep verdeeld over de twaalf provincies: "
        "naar hun openstaande vacatures in de secties van de groep (CBS 83599NED, gemiddelde van de kwartalen van "
        "het basisjaar) maal hun oververtegenwoordiging in technische en ict-beroepen (CBS 84916NED; het CBS "
        "publiceert die twee samen, dus beide vaardigheden krijgen dezelfde verdeling). De provincies tellen op "
        "tot het landelijke tekort; de verdeling van het basisjaar geldt tot het eindjaar (geen regionale "
        "ramingen). Alle cijfers in <code>skill_gaps_by_region</code>.</p>"
        + note
        + "".join(figures[stem] for stem in figures if stem.startswith("regions_"))
        + "</section>"
    )


def _table(frame: pl.DataFrame, headers: dict[str, str], numeric: frozenset[str] = frozenset()) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in headers.values())
    rows = []
    for row in frame.select(list(headers)).iter_rows(named=True):
        cells = "".join(
            f"<td class='n'>{escape(_number(row[c]))}</td>" if c in numeric else f"<td>{escape(str(row[c] or ''))}</td>"
            for c in headers
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _number(value) -> str:
    """A measured or assumed number, Dutch style as in the summary: three significant digits, decimal comma and
    thousands point (0,082; 1,33; 75.400); whole numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, float):
        return decimal_comma(value)
    return str(value)


def _accuracy(accuracy: pl.DataFrame) -> str:
    frame = accuracy.with_columns(
        pl.col("kind").replace_strict(ACCURACY_KINDS, default=pl.col("kind")),
        pl.col("subject").replace_strict({k: v[0] for k, v in SKILL_NAMES.items()}, default=pl.col("subject")),
        pl.col("measure").map_elements(measure_nl, return_dtype=pl.String),
        pl.col("vs_baseline_pct").round(1),
        (pl.col("coverage_80") * 100).round(1).alias("coverage_80"),
        (pl.col("coverage_95") * 100).round(1).alias("coverage_95"),
    )
    headers = {
        "kind": "model",
        "subject": "onderwerp",
        "measure": "maat",
        "model_error": "fout model",
        "baseline_error": "fout basislijn",
        "vs_baseline_pct": "model t.o.v. basislijn (%)",
        "coverage_80": "dekking 80% (%)",
        "coverage_95": "dekking 95% (%)",
        "n": "aantal",
    }
    numeric = frozenset({"model_error", "baseline_error", "vs_baseline_pct", "coverage_80", "coverage_95", "n"})
    return (
        "<section id='nauwkeurigheid'><h2>Nauwkeurigheid</h2><p>Het tekortmodel is opnieuw gedraaid vanaf eerdere "
        "basisjaren met alleen de data van toen, en vergeleken met wat later werd waargenomen en met 'geen "
        "verandering'. De invoerprognoses zijn per CBS-tabel gescoord tegen de beste eenvoudige basislijn. "
        "Negatief: beter dan de basislijn. Een interval van 80% hoort 72-88% van de uitkomsten te bevatten.</p>"
        + _table(frame, headers, numeric)
        + "</section>"
    )


def _quality(checks: pl.DataFrame) -> str:
    if checks.is_empty():
        return "<section id='datakwaliteit'><h2>Datakwaliteit</h2><p>Niet vastgelegd bij deze publicatie.</p></section>"
    failed = checks.filter(~pl.col("passed"))
    summary = (
        f"<p>{checks.height} controles (Great Expectations) op de lagen raw, staging, marts en forecast en op de "
        f"publicatie zelf; {checks.filter(pl.col('passed')).height} geslaagd. Blokkerende controles moeten slagen "
        f"voordat er iets gepubliceerd wordt; waarschuwingen die faalden staan hieronder, met wat ze controleren.</p>"
    )
    headers = {"asset_key": "asset", "check_name": "controle", "severity": "ernst", "description": "wat", "result": ""}
    frame = checks.with_columns(
        pl.when(pl.col("blocking")).then(pl.lit("blokkerend")).otherwise(pl.lit("waarschuwing")).alias("severity"),
        pl.when(pl.col("passed")).then(pl.lit("geslaagd")).otherwise(pl.lit("GEFAALD")).alias("result"),
    ).sort("passed", "asset_key", "check_name")
    # what a failed check of the publication gate found (the labour supply's figures); older releases lack it
    found = {"observed": "gevonden"} if "observed" in frame.columns else {}
    failures = _table(frame.filter(~pl.col("passed")), headers | found) if not failed.is_empty() else "<p>Geen.</p>"
    everything = f"<details><summary>Alle {checks.height} controles</summary>{_table(frame, headers)}</details>"
    return f"<section id='datakwaliteit'><h2>Datakwaliteit</h2>{summary}{failures}{everything}</section>"


def _assumptions(parameters: pl.DataFrame, calibrated: pl.DataFrame) -> str:
    headers = {"name": "parameter", "value": "waarde", "unit": "eenheid", "source": "bron", "note": "toelichting"}
    parameters = parameters.with_columns(
        pl.col("name").map_elements(lambda n: label(PARAMETER_NAMES, n), return_dtype=pl.String),
        pl.col("value").cast(pl.Float64),
        pl.col("unit").map_elements(lambda u: label(UNITS, u), return_dtype=pl.String),
    )
    spread = (
        calibrated.with_columns(
            pl.col("parameter").map_elements(lambda n: label(PARAMETER_NAMES, n), return_dtype=pl.String)
        )
        .group_by("parameter")
        .agg(
            pl.col("value").min().alias("min"),
            pl.col("value").median().alias("median"),
            pl.col("value").max().alias("max"),
            pl.len().alias("n"),
        )
        .sort("parameter")
    )
    return (
        "<section id='aannames'><h2>Aannames</h2><p>De vaste aannames van het model (uit "
        "<code>warehouse/seeds/parameters.csv</code>):</p>"
        + _table(parameters, headers, frozenset({"value"}))
        + "<p>Gekalibreerd op de eigen historie, per groep en vaardigheid (spreiding over de groepen; alle waarden "
        "in het werkboek, blad Parameters):</p>"
        + _table(
            spread,
            {"parameter": "parameter", "min": "min", "median": "mediaan", "max": "max", "n": "aantal"},
            frozenset({"min", "median", "max", "n"}),
        )
        + "</section>"
    )


def _reconciliation(reconciliation: pl.DataFrame, gaps: pl.DataFrame) -> str:
    names = {"national": "Nederland (alle sectoren)"} | {code: nl for code, nl, _ in groups_in_order(gaps)}
    frame = reconciliation.with_columns(
        pl.col("difference_pct").round(1),
        pl.col("sector_group").replace_strict(names, default=pl.col("sector_group")),
        pl.col("skill").replace_strict({k: v[0] for k, v in SKILL_NAMES.items()}, default=pl.col("skill")),
    )
    headers = {
        "sector_group": "groep",
        "skill": "vaardigheid",
        "year": "jaar",
        "reference_value": "referentie",
        "our_value": "onze waarde",
        "difference_pct": "verschil (%)",
        **({"comparison": "wat het zegt"} if "comparison" in reconciliation.columns else {}),
        "reference_source": "bron",
        "note": "toelichting",
    }
    numeric = frozenset({"reference_value", "our_value", "difference_pct"})
    return (
        "<section id='reconciliatie'><h2>Reconciliatie met bekende cijfers</h2><p>Onze totalen en groepsgroottes "
        "naast wat CBS, UWV, EZK en sectororganisaties publiceren; de definities verschillen, de toelichting zegt "
        "waarin.</p>" + _table(frame, headers, numeric) + "</section>"
    )


def _sources(release: dict) -> str:
    frame = pl.DataFrame(source_rows(release), schema_overrides={"rows_received": pl.Int64})
    headers = {
        "table_id": "CBS-tabel",
        "periods": "perioden",
        "modified": "gewijzigd door CBS",
        "basis": "volgens",
        "read": "ingelezen",
        "rows_received": "rijen",
        "location": "locatie",
    }
    return (
        "<section id='bronnen'><h2>Bronnen en herkomst</h2>"
        + _table(frame, headers, frozenset({"rows_received"}))
        + "<p>Gewijzigd door CBS: de datum waarop CBS de tabel het laatst wijzigde, zoals CBS die opgeeft (TableInfos; "
        "bij een export alleen uit metadata die bij juist die versie hoort), anders onbekend. Ingelezen: wanneer "
        "talentgap deze inhoud voor het eerst las. Locatie: het bestand in de map met CBS-exports, of het adres bij "
        f"CBS open data.</p><p>{escape(credit(release))} Elke gepubliceerde rij noemt zijn bronnen, hun versie en "
        "het model (kolom <code>lineage</code>, blad Herkomst in het werkboek). Methode: docs/method.md.</p></section>"
    )
