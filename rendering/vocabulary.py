"""The words and numbers every rendering of a release shares, so the workbook, the letter's CSVs, the report and the
charts say the same thing the same way: the groups in the letter's order, the skills in Dutch, the inputs' Dutch
names, and persons rounded to hundreds as CBS publishes them."""

from __future__ import annotations

import math

import polars as pl

# the order the letter lists them in: the priority sectors, the domains, then the strategic markets
GROUP_ORDER = (
    "care",
    "education",
    "childcare",
    "housing_construction",
    "digital_ai",
    "security_resilience",
    "energy_climate",
    "life_sciences",
    "digital_services_ai",
    "semicon",
    "biotech",
    "machine_building",
    "defence",
    "innovative_chemistry",
)
MARKET = "strategic_market"  # sector_groups.kind of the six markets: the letter gives them a table of their own
SKILL_NAMES = {"technical": ("technisch", "technical"), "digital": ("digitaal", "digital")}
SKILL_ADJECTIVES = {"technical": "technische", "digital": "digitale"}  # before a noun: technische, digitale vakmensen
INPUT_NAMES = {
    "model_error": "fout van het model (backtest)",
    "unemployed_forecast": "raming werklozen",
    "school_leavers_forecast": "raming schoolverlaters",
    "skill_share": "aandeel van de vaardigheid in de groep",
    "trend_damping": "demping van de trend",
    "unemployed_reactivation_rate": "werklozen die aan de slag gaan",
    "unemployed_share_technical": "aandeel technici onder werklozen",
    "unemployed_share_digital": "aandeel ict'ers onder werklozen",
    "field_match_rate": "schoolverlaters in eigen vak",
    "mbo_entry_rate": "mbo'ers die gaan werken",
    "he_entry_rate": "hbo/wo'ers die gaan werken",
    "he_graduates_per_enrolled": "afgestudeerden per ingeschrevene",
    "retirement_window_years": "uitstroomvenster 55-plussers",
    "other_exit_rate": "overige uitstroom",
}


def hundreds(value: float | None) -> int | None:
    """Persons rounded to hundreds as CBS publishes them, halves away from zero (not to even)."""
    if value is None:
        return None
    return int(math.copysign(math.floor(abs(value) / 100.0 + 0.5) * 100, value))


def groups_in_order(gaps: pl.DataFrame, markets: bool | None = None) -> list[tuple[str, str, str]]:
    """(code, Dutch name, English name) in the letter's order; a group it does not know comes last. `markets`: only
    the strategic markets (True), only the priority sectors and domains (False), or all (None)."""
    if markets is not None:
        gaps = gaps.filter(is_market(gaps) if markets else ~is_market(gaps))
    groups = gaps.select("sector_group", "sector_group_nl", "sector_group_en").unique().rows()
    rank = {code: i for i, code in enumerate(GROUP_ORDER)}
    return sorted(groups, key=lambda g: (rank.get(g[0], len(rank)), g[0]))


def is_market(gaps: pl.DataFrame) -> pl.Series:
    """Which rows are of a strategic market; none in a release published before the markets (or without `kind`)."""
    if "kind" not in gaps.columns:
        return pl.Series([False] * gaps.height, dtype=pl.Boolean)
    return (gaps["kind"] == MARKET).fill_null(False)


def dutch_persons(value: int | None) -> str:
    """A number of persons already rounded, as a Dutch text writes it: 13.100, -2.500."""
    return "" if value is None else f"{value:,}".replace(",", ".")


# the model's assumptions (warehouse/seeds/parameters.csv) and calibrated parameters (publish.gap_parameters)
PARAMETER_NAMES = INPUT_NAMES | {
    "retirement_window_years": "uitstroomvenster 55-plussers (jaren)",
    "other_exit_rate": "overige uitstroom (aandeel per jaar)",
    "survey_break_year": "trendbreuk EBB (jaar)",
    "output_growth": "groei productie",
    "labour_productivity_growth": "groei arbeidsproductiviteit",
    "abroad_stay_2_years": "buitenlandse instromers na 2 jaar nog hier",
    "abroad_stay_5_years": "buitenlandse instromers na 5 jaar nog hier",
    "abroad_departure_rate_after_5_years": "vertrek buitenlandse instromers na 5 jaar (per jaar)",
    "mbo_study_years": "studieduur mbo (jaren)",
    "he_study_years": "studieduur hbo/wo (jaren)",
    "net_participation_15_74": "netto arbeidsparticipatie 15-74 jaar",
    "net_participation_trend": "trend netto arbeidsparticipatie (per jaar)",
    "other_entrant_rate": "overige instroom (aandeel per jaar)",
    "employment_growth": "groei werkgelegenheid",
    "vacancy_persistence": "doorwerking vacaturegraad (per jaar)",
    "demand_growth": "groei vraag",
    "output_growth_history": "groei productie (historie)",
    "labour_productivity_growth_history": "groei arbeidsproductiviteit (historie)",
    "skill_intensity_growth_history": "groei intensiteit vaardigheid (historie)",
    "normal_vacancy_rate": "normale vacaturegraad",
    "entry_response": "reactie instroom op krapte",
}
UNITS = {
    "years": "jaren",
    "year": "jaar",
    "share of graduates": "aandeel van de gediplomeerden",
    "log growth per year": "log-groei per jaar",
    "share of the population aged 15-74 per year": "aandeel van de bevolking van 15-74 jaar, per jaar",
    "share of the population aged 15-74": "aandeel van de bevolking van 15-74 jaar",
    "share of employment per year": "aandeel van de werkgelegenheid per jaar",
    "graduates per enrolled student per year": "gediplomeerden per ingeschrevene per jaar",
    "share of entrants": "aandeel van de instromers",
    "share of the unemployed": "aandeel van de werklozen",
    "share per year": "aandeel per jaar",
    "share kept per year": "aandeel dat per jaar blijft",
    "share of a cohort of entrants from abroad": "aandeel van een jaargang buitenlandse instromers",
}
SCENARIO_NAMES = {
    "baseline": "Basispad",
    "more_graduates": "Meer afgestudeerden",
    "later_retirement": "Later met pensioen",
    "reactivation": "Meer werklozen aan de slag",
    "entrants_from_abroad": "Instroom uit het buitenland",
    "care_demand": "Snellere groei zorgvraag",
    "talent_strategy": "Talentstrategie (drie aanbodmaatregelen samen)",
    "growth_1_5": "Groei 1,5% per jaar",
    "productivity_plus": "Hogere arbeidsproductiviteit",
    "taskforce": "Taskforce: groei door productiviteit",
}
LEVER_NAMES = {
    "school_leavers_factor": "instroom in opleidingen (factor)",
    "unemployed_reactivation_rate": "werklozen die aan de slag gaan",
    "retirement_window_years": "uitstroomvenster 55-plussers (jaren)",
    "other_exit_rate": "overige uitstroom",
    "entrants_from_abroad": "instromers uit het buitenland per jaar",
    "demand_growth": "groei vraag",
    "output_growth": "groei productie",
    "labour_productivity_growth": "groei arbeidsproductiviteit",
}
ACCURACY_KINDS = {"gap_model": "tekortmodel", "input_forecast": "invoerprognose"}


def label(names: dict[str, str], code: str | None) -> str:
    """A code's Dutch label; a code the vocabulary does not know yet is shown readable, never as snake_case."""
    if code is None:
        return ""
    return names.get(code) or code.replace("_", " ")


def dutch(description: str | None) -> str:
    """The Dutch half of a seed's bilingual text ("Nederlands / English")."""
    return (description or "").split(" / ")[0]


def significant(value: float | None, digits: int = 3) -> float | None:
    """A measured or assumed number rounded to `digits` significant digits: 0.082, 75.400, 1,33."""
    if value is None or value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def decimal_comma(value: float | int | None, decimals: int | None = None) -> str:
    """A number as a Dutch text writes it: a decimal comma and a thousands point (0,82; 1.072; 13.100)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}" if decimals is not None else f"{significant(value):,f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")
