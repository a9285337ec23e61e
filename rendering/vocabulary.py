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
