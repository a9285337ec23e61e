"""The tables the progress letter uses, as an analyst can paste them: the letter tables (per skill and for the
strategic markets: group | base year | the key years, in Dutch, each forecast with its 80% interval beneath it, the
whole economy on the last row) and, for analysts, the sheets with every year and every detail (Dutch headers with
the English under them). Persons are rounded the way CBS publishes them (to hundreds), with footnotes that say what
the numbers are.

Built from one release's published tables only, so an older release can be exported again the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import polars as pl

from rendering import provenance
from rendering.vocabulary import (
    ACCURACY_KINDS,
    PARAMETER_NAMES,
    SCENARIO_NAMES,
    SKILL_ADJECTIVES,
    SKILL_NAMES,
    UNITS,
    dutch,
    groups_in_order,
    hundreds,
    is_market,
    label,
    significant,
)

LETTER_YEARS = (2025, 2027, 2030)  # beside the base year: the years the letter quotes


@dataclass(frozen=True)
class Column:
    name_nl: str
    name_en: str
    kind: str = "persons"  # persons (whole numbers, rounded to hundreds), ratio, share, number, year, text


@dataclass(frozen=True)
class Sheet:
    """One sheet of the letter workbook: a title, a table with a Dutch and an English header row, and footnotes."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    footnotes: list[str] = field(default_factory=list)
    letter_csv: bool = False  # one of the letter's gap tables: also written as letter_<name>.csv

    def frame(self) -> pl.DataFrame:
        """The table as CSV gets it: one header row, in Dutch (the letter's language; the workbook gives the English
        under it)."""
        names = [c.name_nl for c in self.columns]
        return pl.DataFrame(self.rows, schema=names, orient="row", infer_schema_length=None)


NATIONAL_NL = "Nederland, alle sectoren"


@dataclass(frozen=True)
class Estimate:
    """One cell of a letter table: the gap rounded to hundreds and, for a forecast, its 80% interval."""

    point: int | None  # None: CBS's "x", the point is not published (the band only)
    lower: int | None
    upper: int | None
    observed: bool  # the base year: waargenomen, shown without an interval


@dataclass(frozen=True)
class LetterRow:
    name: str
    cells: list[Estimate]
    total: bool = False  # the whole economy: set apart (bold, a line above)


@dataclass(frozen=True)
class LetterTable:
    """A letter table as a ministry pastes it: one column of groups and one per year, a title that says how far the
    data go, blocks of rows under an optional heading (the markets' table has one per skill), and footnotes."""

    name: str
    title: str
    years: list[int]  # the first is the observed base year
    blocks: list[tuple[str | None, list[LetterRow]]]
    footnotes: list[str] = field(default_factory=list)
    letter_csv: bool = True

    def headers(self) -> list[str]:
        return ["Groep", *(f"{y} (waargenomen)" if i == 0 else str(y) for i, y in enumerate(self.years))]

    def frame(self) -> pl.DataFrame:
        """The table as CSV gets it: numbers only, the point and its bounds in columns of their own; a skill column
        where the table has a block per skill."""
        headed = any(heading for heading, _ in self.blocks)
        names = (["Vaardigheid"] if headed else []) + ["Groep"]
        for i, year in enumerate(self.years):
            names += (
                [f"Tekort {year}, waargenomen"]
                if i == 0
                else [
                    f"Tekort {year}",
                    f"Ondergrens 80% {year}",
                    f"Bovengrens 80% {year}",
                ]
            )
        rows = []
        for heading, block in self.blocks:
            for row in block:
                cells: list = ([heading] if headed else []) + [row.name]
                for i, cell in enumerate(row.cells):
                    cells += [cell.point] if i == 0 else [cell.point, cell.lower, cell.upper]
                rows.append(cells)
        return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def _estimate(row: dict, observed: bool) -> Estimate:
    point = None if row.get("point_suppressed") else hundreds(row["gap"])
    if observed:  # its band is only the margin of the estimated skill share: on the detail sheets
        return Estimate(point, None, None, True)
    return Estimate(point, hundreds(row["gap_lower"]), hundreds(row["gap_upper"]), False)


def national_gaps(tables: dict[str, pl.DataFrame]) -> pl.DataFrame | None:
    """The whole economy's gap per skill and year: the baseline's national rows of the scenarios table, the figures
    the report's summary and the Scenario's sheet quote too (publish.skill_gaps holds groups only). None for a
    release published before the scenarios."""
    scenarios = tables.get("skill_gaps_scenarios")
    if scenarios is None or "scenario" not in scenarios.columns:
        return None
    return scenarios.filter(pl.col("scenario") == "baseline", pl.col("sector_group") == "national")


def _letter_rows(gaps: pl.DataFrame, national: pl.DataFrame | None, skill: str, years: list[int], markets: bool | None):
    by_key = _by_key(gaps, skill)
    rows = [
        LetterRow(name_nl, [_estimate(by_key[(code, y)], i == 0) for i, y in enumerate(years)])
        for code, name_nl, _ in groups_in_order(gaps, markets)
    ]
    if national is not None:
        own = {r["year"]: r for r in national.filter(pl.col("skill") == skill).iter_rows(named=True)}
        if all(y in own for y in years):
            rows.append(LetterRow(NATIONAL_NL, [_estimate(own[y], i == 0) for i, y in enumerate(years)], total=True))
    return rows


def letter_table(
    gaps: pl.DataFrame, national: pl.DataFrame | None, skill: str, years: list[int], markets: bool | None
) -> LetterTable:
    """The letter's table for one skill: the priority sectors and domains (`markets` as in groups_in_order), then
    the whole economy."""
    base, end = years[0], int(gaps["year"].max())
    return LetterTable(
        name=f"Tekort {SKILL_NAMES[skill][0]}",
        title=(
            f"Tekort aan {SKILL_ADJECTIVES[skill]} vakmensen per groep, {base} en raming tot {end} (personen; "
            f"CBS-cijfers t/m {base})"
        ),
        years=years,
        blocks=[(None, _letter_rows(gaps, national, skill, years, markets))],
    )


def letter_markets_table(gaps: pl.DataFrame, national: pl.DataFrame | None, years: list[int]) -> LetterTable:
    """The letter's third table: the six strategic markets, technical then digital, each skill with the whole
    economy beneath for scale."""
    base, end = years[0], int(gaps["year"].max())
    return LetterTable(
        name="Strategische markten",
        title=(
            f"Tekort aan technische en digitale vakmensen in de strategische markten, {base} en raming tot {end} "
            f"(personen; CBS-cijfers t/m {base})"
        ),
        years=years,
        blocks=[
            (f"{SKILL_ADJECTIVES[skill].capitalize()} vakmensen", _letter_rows(gaps, national, skill, years, True))
            for skill in SKILL_NAMES
        ],
    )


def _years(gaps: pl.DataFrame) -> list[int]:
    base, end = int(gaps["base_year"][0]), int(gaps["year"].max())
    return [base, *(y for y in LETTER_YEARS if base < y <= end)] + ([end] if end not in LETTER_YEARS else [])


def _year_columns(years: list[int]) -> list[Column]:
    columns = []
    for year in years:
        label = f"{year}, waargenomen" if year == years[0] else str(year)
        columns += [
            Column(f"Tekort {label}", f"Gap {year}"),
            Column(f"Ondergrens 80% {year}", f"Lower 80% {year}"),
            Column(f"Bovengrens 80% {year}", f"Upper 80% {year}"),
        ]
        if year != years[0]:
            columns.append(Column(f"ITA (ROA) {year}", f"ITA (ROA) {year}", "ratio"))
    return columns


def _year_cells(by_key: dict, code: str, years: list[int]) -> list:
    cells = []
    for year in years:
        r = by_key[(code, year)]
        point = None if r.get("point_suppressed") else hundreds(r["gap"])  # CBS's "x": the band only
        cells += [point, hundreds(r["gap_lower"]), hundreds(r["gap_upper"])]
        if year != years[0]:
            ita = r.get("ita")  # releases before the ITA have none
            cells.append(None if ita is None else round(ita, 2))
    return cells


def _by_key(gaps: pl.DataFrame, skill: str) -> dict:
    return {(r["sector_group"], r["year"]): r for r in gaps.filter(pl.col("skill") == skill).iter_rows(named=True)}


def gap_table(gaps: pl.DataFrame, skill: str, years: list[int]) -> Sheet:
    """For analysts: the gap per group for one skill in every year, with its 80% interval (in the base year the
    margin of the estimated skill share) and the ITA, Dutch headers with the English under them."""
    nl, en = SKILL_NAMES[skill]
    columns = [Column("Groep", "Group", "text"), Column("Groep (Engels)", "Group (English)", "text")]
    by_key = _by_key(gaps, skill)
    rows = [[name_nl, name_en, *_year_cells(by_key, code, years)] for code, name_nl, name_en in groups_in_order(gaps)]
    return Sheet(
        name=f"Tekort {nl} alle jaren",
        title=f"Tekort aan {SKILL_ADJECTIVES[skill]} vakmensen per groep, alle jaren (personen) / Shortage of {en} "
        "workers by group, every year",
        columns=[*columns, *_year_columns(years)],
        rows=rows,
        letter_csv=True,
    )


MARKETS_NOTE = (
    "Strategische markten: zo fijn als de CBS-tabellen het toelaten, met de SBI-codes per markt hieronder en in "
    "docs/method.md. Semicon is de elektronica- en optische industrie (SBI 26); de chipmachinebouwers (ASML, BESI) "
    "zitten in SBI 28 en tellen bij Machinebouw. Biotechnologie is de farmaceutische industrie (SBI 21): biotech-R&D "
    "(72.11) publiceert het CBS hier niet apart. Innovatieve chemie is de hele chemische industrie (SBI 20). "
    "Defensie is Defensie zelf (9,5% van openbaar bestuur, uit Defensies eigen personeelsaantal); de "
    "defensie-industrie is niet te scheiden van de rest van de industrie. De industriemarkten krijgen de vacatures en "
    "de beroepenmix van de hele industrie (SBI C) naar hun aandeel in haar werkgelegenheid: hun intervallen dragen "
    "niet het verschil tussen hun eigen beroepenmix en die van de industrie."
)


def components(gaps: pl.DataFrame) -> Sheet:
    parts = [
        ("demand", Column("Vraag (banen: bezet + onvervuld)", "Demand (filled + unfilled jobs)")),
        ("supply", Column("Aanbod", "Supply")),
        ("employment", Column("Werkzaam", "Employed")),
        ("gap", Column("Tekort", "Gap")),
        ("normal_gap", Column("Normaal tekort (langjarige vacaturegraad)", "Normal gap (long-run vacancy rate)")),
        ("cyclical_gap", Column("Conjunctureel tekort", "Cyclical gap")),
        ("structural_gap", Column("Structureel tekort", "Structural gap")),
        ("expansion_demand", Column("Uitbreidingsvraag", "Expansion demand")),
        ("replacement_demand", Column("Vervangingsvraag", "Replacement demand")),
        ("school_leaver_inflow", Column("Instroom schoolverlaters", "School-leavers")),
        ("unemployed_inflow", Column("Instroom werklozen", "Unemployed taking up work")),
        ("other_entrants", Column("Overige instroom", "Other entrants")),
    ]
    # the growth of the demand for the skill's workers in its parts (models/gap/output.py); older releases lack them
    growth = [
        ("output_growth", Column("Groei productie (toegevoegde waarde)", "Output growth", "share")),
        ("labour_productivity_growth", Column("Groei arbeidsproductiviteit", "Labour productivity growth", "share")),
        ("skill_intensity_growth", Column("Groei intensiteit vaardigheid", "Skill intensity growth", "share")),
    ]
    growth = [(key, column) for key, column in growth if key in gaps.columns]
    columns = [
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("Jaar", "Year", "number"),
    ]
    rows = [
        [r["sector_group_nl"], SKILL_NAMES[r["skill"]][0], r["year"], *(hundreds(r.get(key)) for key, _ in parts)]
        + [None if r[key] is None else round(r[key], 4) for key, _ in growth]
        for r in gaps.sort("sector_group", "skill", "year").iter_rows(named=True)
    ]
    notes = ["Het basisjaar is waargenomen; de stromen beginnen in het jaar erna. Tekort = vraag - aanbod."]
    if growth:
        notes.append(
            "Groei van de gevraagde werkenden = groei productie - groei arbeidsproductiviteit + groei intensiteit "
            "(log-groei per jaar; productie en arbeidsvolume van de sectoren van de groep: CBS 84105NED en 85918NED)."
        )
    return Sheet(
        "Componenten",
        "Vraag, aanbod en hun stromen per groep, vaardigheid en jaar (personen) / Demand, supply and their flows",
        [*columns, *(c for _, c in parts), *(c for _, c in growth)],
        rows,
        notes,
    )


def parameters(params: pl.DataFrame, calibrated: pl.DataFrame, groups: pl.DataFrame | None = None) -> Sheet:
    """The assumptions and calibrated parameters, by their Dutch names, to three significant digits; `groups`: the
    release's gaps, for the groups' Dutch names."""
    columns = [
        Column("Parameter", "Parameter", "text"),
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("Waarde", "Value", "number"),
        Column("Spreiding (sd)", "Spread (sd)", "number"),
        Column("Eenheid of jaren", "Unit or years", "text"),
        Column("Bron", "Source", "text"),
    ]
    rows = [
        [
            label(PARAMETER_NAMES, r["name"]),
            "alle",
            "alle",
            significant(float(r["value"])),
            None,
            label(UNITS, r["unit"]),
            r["source"],
        ]
        for r in params.iter_rows(named=True)
    ]
    names = {code: nl for code, nl, _ in groups_in_order(groups)} if groups is not None else {}
    rows += [
        [
            label(PARAMETER_NAMES, r["parameter"]),
            names.get(r["sector_group"], r["sector_group"]),
            SKILL_NAMES[r["skill"]][0],
            significant(r["value"]),
            significant(r["std"]),
            f"{r['first_year']}-{r['last_year']}",
            "gekalibreerd op de eigen historie",
        ]
        for r in calibrated.sort("sector_group", "skill", "parameter").iter_rows(named=True)
    ]
    return Sheet(
        "Parameters",
        "Aannames en gekalibreerde parameters / Assumptions and calibrated parameters",
        columns,
        rows,
        [
            "Aannames komen uit warehouse/seeds/parameters.csv; gekalibreerde waarden zijn het gemiddelde over de "
            "kalibratiejaren, met hun standaardafwijking; alle waarden afgerond op drie significante cijfers."
        ],
    )


def accuracy(table: pl.DataFrame) -> Sheet:
    columns = [
        Column("Model", "Model", "text"),
        Column("Onderwerp", "Subject", "text"),
        Column("Fout model", "Model error", "number"),
        Column("Fout basislijn", "Baseline error", "number"),
        Column("Model t.o.v. basislijn (%)", "Model vs baseline (%)", "number"),
        Column("Dekking 80%", "Coverage 80%", "share"),
        Column("Dekking 95%", "Coverage 95%", "share"),
        Column("Aantal", "Count", "number"),
        Column("Maat", "Measure", "text"),
    ]
    rows = [
        [
            label(ACCURACY_KINDS, r["kind"]),
            SKILL_NAMES.get(r["subject"], (r["subject"],))[0],  # a skill, or a CBS table's id
            significant(r["model_error"]),
            significant(r["baseline_error"]),
            round(r["vs_baseline_pct"], 1),
            None if r["coverage_80"] is None else round(r["coverage_80"], 3),
            None if r["coverage_95"] is None else round(r["coverage_95"], 3),
            r["n"],
            measure_nl(r["measure"]),
        ]
        for r in table.iter_rows(named=True)
    ]
    return Sheet(
        "Nauwkeurigheid",
        "Nauwkeurigheid tegenover de basislijnen / Accuracy against the baselines",
        columns,
        rows,
        [
            "Negatief = beter dan de basislijn. Tekortmodel: uitgevoerd vanaf eerdere basisjaren met alleen de data "
            "van toen; dekking gemeten met een basisjaar steeds buiten de kalibratie van de intervallen."
        ],
    )


def measure_nl(measure: str) -> str:
    """What an accuracy row measures, in Dutch (models/ writes it in English)."""
    if measure.startswith("mean MASE"):
        return "gemiddelde MASE van de gekozen prognoses; basislijn: per reeks de beste van naïef, seizoensnaïef, drift"
    if measure.startswith("mean absolute error of the gap"):
        return (
            "gemiddelde absolute fout van het tekort 1-4 jaar vooruit (personen), basisjaren 2015-2021; basislijn: "
            "geen verandering"
        )
    return measure


def reconciliation(table: pl.DataFrame, groups: pl.DataFrame | None = None) -> Sheet:
    columns = [
        Column("Referentie", "Reference", "text"),
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("Jaar", "Year", "year"),
        Column("Referentiewaarde", "Reference value", "number"),
        Column("Onze waarde", "Our value", "number"),
        Column("Verschil (%)", "Difference (%)", "number"),
        Column("Binnen referentie", "Within reference", "text"),
        Column("Wat het zegt", "What it says", "text"),
        Column("Definitie referentie", "Reference definition", "text"),
        Column("Onze definitie", "Our definition", "text"),
        Column("Toelichting", "Note", "text"),
    ]
    names = {"national": "Nederland (alle sectoren)"}
    names |= {code: nl for code, nl, _ in groups_in_order(groups)} if groups is not None else {}
    rows = [
        [
            r["reference_source"],
            names.get(r["sector_group"], r["sector_group"]),
            SKILL_NAMES[r["skill"]][0] if r["skill"] else "",
            r["year"],
            significant(r["reference_value"]),
            significant(r["our_value"]),
            None if r["difference_pct"] is None else round(r["difference_pct"], 1),
            "" if r["within_reference"] is None else ("ja" if r["within_reference"] else "nee"),
            r.get("comparison") or "",  # releases before it have none
            r["reference_definition"],
            r["our_definition"],
            r["note"],
        ]
        for r in table.iter_rows(named=True)
    ]
    return Sheet("Reconciliatie", "Onze cijfers naast bekende cijfers / Our figures beside known ones", columns, rows)


def scenarios(table: pl.DataFrame, year: int) -> Sheet:
    """Every scenario's effect in `year` per group and skill (the whole economy first), with its 80% interval."""
    columns = [
        Column("Scenario", "Scenario", "text"),
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("Tekort basispad", "Baseline gap"),
        Column("Tekort scenario", "Scenario gap"),
        Column("Verschil", "Difference"),
        Column("Verschil, ondergrens 80%", "Difference, lower 80%"),
        Column("Verschil, bovengrens 80%", "Difference, upper 80%"),
        Column("Toelichting", "Note", "text"),
        Column("Wat het scenario verandert", "What the scenario changes", "text"),
    ]
    at_end = table.filter(pl.col("year") == year, pl.col("scenario") != "baseline").sort(
        pl.col("scenario").replace_strict(
            {n: i for i, n in enumerate(table["scenario"].unique(maintain_order=True))}, return_dtype=pl.Int64
        ),
        pl.col("sector_group") != "national",
        "sector_group",
        "skill",
    )
    rows = [
        [
            label(SCENARIO_NAMES, r["scenario"]),
            r["sector_group_nl"],
            SKILL_NAMES[r["skill"]][0],
            hundreds(r["baseline_gap"]),
            hundreds(r["gap"]),
            hundreds(r["difference"]),
            hundreds(r["difference_lower"]),
            hundreds(r["difference_upper"]),
            scenario_note(r),
            dutch(r["scenario_description"]),
        ]
        for r in at_end.iter_rows(named=True)
    ]
    return Sheet(
        "Scenario's",
        f"Beleidsscenario's: verschil met het basispad in {year} / Policy scenarios: difference from the baseline",
        columns,
        rows,
        ["Negatief is een kleiner tekort. Alle jaren en de 95%-intervallen in skill_gaps_scenarios.csv."],
    )


def scenario_note(row: dict) -> str:
    """Why a scenario has no effect on a row, in Dutch (models/ notes it in English)."""
    if row["difference"] is None:
        return "niet gemodelleerd: het scenario wijzigt één groep en de groepen overlappen"
    if not row["scenario_applies"]:
        return "geldt niet: geen wijziging van het scenario raakt deze groep en vaardigheid"
    return ""


def provinces(table: pl.DataFrame, year: int) -> Sheet:
    """The gap per province in `year`, per group and skill, with its 80% interval and the province's share."""
    columns = [
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("Provincie", "Province", "text"),
        Column("Tekort", "Gap"),
        Column("Ondergrens 80%", "Lower 80%"),
        Column("Bovengrens 80%", "Upper 80%"),
        Column("Aandeel provincie", "Province's share", "share"),
        Column("Niet geschat omdat", "Not estimated because", "text"),
    ]
    rows = [
        [
            r["sector_group_nl"],
            SKILL_NAMES[r["skill"]][0],
            r["region"].removesuffix(" (PV)"),
            hundreds(r["gap"]),
            hundreds(r["gap_lower"]),
            hundreds(r["gap_upper"]),
            None if r["region_share"] is None else round(r["region_share"], 4),
            r["not_estimated_reason"] or "",
        ]
        for r in table.filter(pl.col("year") == year).sort("sector_group", "skill", "region_code").iter_rows(named=True)
    ]
    return Sheet(
        "Provincies",
        f"Tekort per provincie in {year} / Gap per province",
        columns,
        rows,
        [
            "Het landelijke tekort verdeeld naar de openstaande vacatures van de provincie in de secties van de groep "
            "(CBS 83599NED) en haar aandeel technische en ict-beroepen (CBS 84916NED); de provincies tellen op tot "
            "het landelijke tekort. Alle jaren in skill_gaps_by_region.csv."
        ],
    )


def lineage(gaps: pl.DataFrame) -> Sheet:
    columns = [
        Column("Groep", "Group", "text"),
        Column("Vaardigheid", "Skill", "text"),
        Column("CBS-tabellen en hun versie", "CBS tables and their vintage", "text"),
        Column("Aandeel vaardigheid: basis", "Skill share: basis", "text"),
        Column("Model", "Model", "text"),
    ]
    rows = []
    for r in gaps.filter(pl.col("observed")).sort("sector_group", "skill").iter_rows(named=True):
        document = json.loads(r["lineage"])
        tables = "; ".join(f"{t}: {v}" for t, v in document["source_tables"].items())
        rows.append([r["sector_group_nl"], SKILL_NAMES[r["skill"]][0], tables, r["skill_share_basis"], r["gap_model"]])
    return Sheet("Herkomst", "Herkomst van elke rij / Lineage of every row", columns, rows)


def group_contents(gaps: pl.DataFrame) -> str:
    """What each group's employment is made of, from the composition its rows were computed with (their lineage)."""
    parts = []
    for code, name_nl, _ in groups_in_order(gaps):
        lineage = gaps.filter(pl.col("sector_group") == code)["lineage"][0]
        employment = [c for c in json.loads(lineage).get("composition", []) if c["role"] == "employment"]
        terms = [
            f"SBI {c['code']}" if float(c["weight"]) == 1 else f"{float(c['weight']):.1%} van SBI {c['code']}"
            for c in employment
        ]
        parts.append(f"{name_nl} = {' + '.join(terms).replace('.', ',')}")
    return "Groepen (werkgelegenheid, SBI 2008): " + "; ".join(parts) + "."


OVERLAP_NOTE = (
    "Groepen overlappen (kinderopvang valt binnen zorg; de domeinen snijden door sectoren; van de strategische "
    "markten valt Digitale diensten & AI binnen Digitalisering & AI en Biotechnologie binnen Life sciences & "
    "biotech): tel ze niet op."
)


def footnotes(gaps: pl.DataFrame, release: dict) -> list[str]:
    """What every letter table needs under it, in Dutch."""
    base = int(gaps["base_year"][0])
    synthetic = bool(release.get("synthetic"))
    notes = [
        "Technisch: beroepen in BRC 2014-beroepsklasse 07 (technische beroepen); opleidingen in ISCED-F 05 en 07. "
        "Digitaal: BRC-klasse 08 (ICT-beroepen); opleidingen in ISCED-F 06.",
        "Tekort: banen in de vaardigheid die aan het eind van het jaar onvervuld zijn (vraag min aanbod), in personen, "
        f"afgerond op honderdtallen. {base} is waargenomen (openstaande vacatures x aandeel van de vaardigheid), "
        "zonder interval: zijn enige marge is die van het geschatte aandeel (bladen 'alle jaren'); latere jaren zijn "
        "geraamd, met tussen haakjes het interval van 80%. Nederland, alle sectoren: de hele economie, niet de som "
        "van de groepen.",
        "ITA (ROA): schoolverlaters en werklozen die in de vaardigheid beginnen, gedeeld door de uitbreidings- plus "
        "vervangingsvraag sinds het basisjaar; tot 0,85 'zeer goed', tot 1,00 'goed' (voor werkzoekenden: krap voor "
        "werkgevers), tot 1,05 'redelijk', tot 1,15 'matig', daarboven 'slecht'.",
        f"Raming op basis van CBS-cijfers t/m {base}. Het tekort is de normale vacaturegraad, een conjunctureel deel "
        "(de afstand van de vacaturegraad tot normaal in het basisjaar, die terugloopt zoals vacaturegraden dat in "
        "1997-2022 deden) en een structureel deel (vraag naar werkenden die het aanbod niet bijhoudt); blad "
        "Componenten.",
        "x (zoals CBS een cel markeert; op de bladen 'alle jaren' een leeg tekort): het aandeel van de vaardigheid "
        "in die groep publiceert CBS niet en de grenzen zijn breder dan de helft van het punt; alleen het interval "
        "is gegeven, het punt staat in skill_gaps.csv en skill_gaps.parquet van de publicatie.",
        OVERLAP_NOTE + " Waar een groep een deel van een sector is, is dat deel geschat (bronnen: blad Herkomst en "
        "docs/method.md).",
        group_contents(gaps),
        f"Basisjaar {base}. Bronnen: {provenance.footnote(release)}"
        if not synthetic
        else "SYNTHETISCHE DEMODATA: geen CBS-cijfers, niet voor publicatie.",
        "Kanttekeningen: aandelen die het CBS niet publiceert zijn geschat binnen grenzen die in de intervallen "
        "zitten; de groepen zijn terug te toetsen vanaf 2015 (één opgaande conjunctuur en 2020), de conjunctuur "
        "vanaf 2001 per SBI-sectie (docs/method.md).",
        credit(release),
    ]
    return notes


def credit(release: dict) -> str:
    """The credit CBS's licence asks for, in Dutch; a synthetic release keeps its own warning."""
    if release.get("synthetic"):
        return release["credit"]
    return "Bron: CBS (Centraal Bureau voor de Statistiek), StatLine, CC BY 4.0; bewerking talentgap."


def letter_sheets(tables: dict[str, pl.DataFrame]) -> list[Sheet | LetterTable]:
    """Every sheet of the letter workbook, from one release's published tables."""
    gaps = tables["skill_gaps"]
    release = tables["releases"].row(0, named=True)
    years = _years(gaps)
    notes = footnotes(gaps, release)
    every_year = sorted(gaps["year"].unique().to_list())
    end = every_year[-1]
    markets = bool(is_market(gaps).any())  # releases from before the markets have none
    national = national_gaps(tables)
    letter_notes = [note for note in notes if not note.startswith("ITA")]  # the letter tables give no ITA
    sheets: list[Sheet | LetterTable] = [
        replace(letter_table(gaps, national, skill, years, False if markets else None), footnotes=letter_notes)
        for skill in SKILL_NAMES
    ]
    if markets:
        sheets.append(replace(letter_markets_table(gaps, national, years), footnotes=[MARKETS_NOTE, *letter_notes]))
    sheets += [replace(gap_table(gaps, skill, every_year), footnotes=notes) for skill in SKILL_NAMES]
    return [
        *sheets,
        components(gaps),
        parameters(tables["parameters"], tables["gap_parameters"], gaps),
        accuracy(tables["accuracy"]),
        reconciliation(tables["reconciliation"], gaps),
        # releases from before the scenarios and provinces were published have no such sheets
        *(
            [scenarios(tables["skill_gaps_scenarios"], end)]
            if "scenario" in tables["skill_gaps_scenarios"].columns
            else []
        ),
        *(
            [provinces(tables["skill_gaps_by_region"], end)]
            if "region" in tables["skill_gaps_by_region"].columns
            else []
        ),
        lineage(gaps),
    ]
