"""Our totals beside the figures everyone already knows (warehouse/seeds/reference_figures.csv), by definition."""

from __future__ import annotations

import polars as pl

from models.gap.inputs import NATIONAL, ModelData, Unit, weights

OUR_DEFINITIONS = {
    "skill_employment": "employed labour force in BRC class {cls} (85276NED), yearly average {year}",
    "new_vacancies": "new vacancies in BRC class {cls} (85081NED), {year}",
    "open_vacancies": (
        "open vacancies at the end of {year} (80472ned, A-U, 4th quarter) x the class {cls} share of new vacancies"
    ),
    "share_outside_group": (
        "1 - digital_ai's employment in BRC class 08 (SBI 61-63, estimated) / national employment in class 08, {year}"
    ),
    "group_employment": "employed labour force of the group's SBI codes and allocations (85272NED), {year}",
    "open_vacancies_group": "open vacancies of the group's codes and allocations ({tables}, 4th quarter), {year}",
    "gap": "national gap (unfilled jobs) projected for {year} by the stock-flow model, BRC class {cls}",
    "skill_employment_within_group_reference": (
        "the group's employment in BRC class {cls} (estimated), {year}, against the reference size of the whole group"
    ),
}


def reconcile(table: pl.DataFrame, units: list[Unit], data: ModelData, references: pl.DataFrame) -> pl.DataFrame:
    """One row per reference figure (and per group x skill for the group-size references): our value, its
    definition, the difference in % and, for sizes, whether our skill subset stays within the reference."""
    base = data.last_year
    by_unit = {(u.group, u.skill): u for u in units}

    def ours(measure: str, group: str, skill: str | None, year: int) -> float | None:
        if measure == "skill_employment":
            return data.skill_employment.get((skill, year))
        if measure == "new_vacancies":
            mix = data.mix.get(year)
            return None if mix is None else mix.value({"A-U": 1.0}, data.skill_classes[skill])
        if measure == "open_vacancies":
            unit = by_unit[(NATIONAL, skill)]
            return float(unit.history.unfilled[unit.history.years == year][0]) if year <= base else None
        if measure == "share_outside_group":
            unit = by_unit[(group, skill)]
            return 1 - float(unit.history.employment[-1]) / data.skill_employment[(skill, base)]
        if measure == "group_employment":
            codes = weights(data.composition, group, "employment")
            return sum(w * data.employment[(c, min(year, base))] for c, w in codes.items())
        if measure == "open_vacancies_group":
            codes = weights(data.composition, group, "vacancies")
            return sum(w * data.open_q4[(c, min(year, base))] for c, w in codes.items())
        if measure == "gap":
            row = table.filter(pl.col("sector_group") == group, pl.col("skill") == skill, pl.col("year") == year)
            return float(row["gap"][0]) if row.height else None
        raise ValueError(f"reference_figures: unknown measure {measure!r}")

    rows = []
    for ref in references.iter_rows(named=True):
        skill = ref["skill"] or None
        year = int(ref["year"])
        value = float(ref["value"])
        cls = data.skill_classes.get(skill, "") if skill else ""
        our = ours(ref["measure"], ref["sector_group"], skill, year)
        tables = "/".join(sorted(set(_tables(data, ref["sector_group"], "vacancies"))))
        rows.append(_row(ref, ref["measure"], skill, year, value, our, cls.strip(), None, tables))
        if ref["measure"] == "group_employment" and ref["relation"] != OUTSIDE_GROUP:
            # a skill subset can never exceed its group: check every skill against the group's reference size
            for s in ("technical", "digital"):
                unit = by_unit[(ref["sector_group"], s)]
                subset = float(unit.history.employment[-1])
                measure = "skill_employment_within_group_reference"
                rows.append(_row(ref, measure, s, base, value, subset, data.skill_classes[s], subset <= value))
    return pl.DataFrame(rows)


def _tables(data: ModelData, group: str, role: str) -> list[str]:
    rows = data.composition.filter(pl.col("sector_group") == group, pl.col("role") == role)
    return rows["table_id"].to_list()


def _row(ref: dict, measure: str, skill, year: int, value: float, our, cls: str, within, tables: str = "") -> dict:
    return {
        "reference_id": ref["reference_id"],
        "measure": measure,
        "sector_group": ref["sector_group"],
        "skill": skill,
        "year": year,
        "reference_value": value,
        "reference_definition": ref["definition"],
        "reference_source": ref["source"],
        "our_value": our,
        "our_definition": OUR_DEFINITIONS[measure].format(cls=cls, year=year, tables=tables),
        "difference_pct": None if our is None or value == 0 else 100 * (our - value) / value,
        "within_reference": within,
        "comparison": comparison(our, value, within, ref["relation"]),
        "note": ref["note"],
    }


AGREES_WITHIN_PCT = 10.0
# how a reference figure stands to our number (reference_figures.relation)
COMPARABLE, BUILT_FROM, OUTSIDE_GROUP = "comparable", "built_from", "outside_group"
RELATIONS = (COMPARABLE, BUILT_FROM, OUTSIDE_GROUP)


def check_relations(references: pl.DataFrame) -> None:
    """Stop at a reference figure whose relation is unknown, naming its line (the header is line 1)."""
    for line, row in enumerate(references.iter_rows(named=True), start=2):
        if row.get("relation") not in RELATIONS:
            raise ValueError(
                f"reference_figures.csv line {line} ({row['reference_id']}): relation {row.get('relation')!r} is not "
                f"one of {', '.join(RELATIONS)}"
            )


def comparison(our: float | None, reference: float, within: bool | None, relation: str = COMPARABLE) -> str:
    """What the row says, in Dutch: a skill's part of a group set against the whole group's size is a bound, not an
    agreement; a figure our number was allocated from shows the allocation, it does not test it; and a figure for
    what the group leaves out (Defence beside the police) is no comparison at all."""
    if relation not in RELATIONS:
        raise ValueError(f"reference_figures.relation: {relation!r} is not one of {', '.join(RELATIONS)}")
    if relation == OUTSIDE_GROUP:
        return "buiten de groep: geen vergelijking"
    if relation == BUILT_FROM:
        return "de groep is op dit cijfer toegedeeld: geen onafhankelijke toets"
    if within is not None:
        if not within:
            return "deel groter dan het geheel: de groep of het aandeel klopt niet"
        return "deel binnen het geheel (een grens, geen overeenstemming)"
    if our is None or reference == 0:
        return "niet te vergelijken"
    difference = 100 * (our - reference) / reference
    if abs(difference) <= AGREES_WITHIN_PCT:
        return f"komt overeen (binnen {AGREES_WITHIN_PCT:.0f}%)"
    return f"wijkt {difference:+.0f}% af: zie beide definities"
