"""Each layer's suite catches the broken input it is there for, with a message that says where."""

from datetime import date

import polars as pl
import pytest

from quality.gx import validate
from quality.suites import forecast_suite, marts_suite, publish_suite, staging_suite
from sources.registry import Measure, TableSpec

SPEC = TableSpec(
    table_id="T1",
    title="test",
    role="test",
    dimensions=("Sector",),
    measures=(Measure("Jobs_1", "jobs", "x 1 000", 1000, plausible_max=1_000_000),),
    export_file="t.csv",
    slice={"Sector": "A-U Alle"},
)


def outcome(outcomes, check):
    return next(o for o in outcomes if o.check == check)


def observations(rows):
    """Staged rows: (dims label, year, value in thousands)."""
    return pl.DataFrame(
        {
            "table_id": "T1",
            "measure": "Jobs_1",
            "series_id": [f"T1 | Jobs_1 | {r[0]} | Y" for r in rows],
            "dims": [f'{{"Sector":"{r[0]}"}}' for r in rows],
            "period_start": [date(r[1], 1, 1) for r in rows],
            "frequency": "Y",
            "period_index": [r[1] for r in rows],
            "period_label": [str(r[1]) for r in rows],
            "value": [r[2] for r in rows],
            "scale": 1000.0,
            "source_row": list(range(2, len(rows) + 2)),
        }
    )


GOOD = [("A-U Alle", y, 100.0) for y in (2019, 2020, 2021)]


def test_clean_staging_passes_every_check():
    assert all(o.success for o in validate(staging_suite(observations(GOOD), [SPEC])))


def test_a_duplicated_key_fails_unique_observation_keys_and_names_the_series():
    found = outcome(
        validate(staging_suite(observations([*GOOD, ("A-U Alle", 2020, 101.0)]), [SPEC])), "unique_observation_keys"
    )
    assert not found.success and found.blocking
    assert found.unexpected_count == 2
    assert "T1 | Jobs_1 | A-U Alle | Y" in str(found.unexpected_sample)


def test_a_gap_inside_a_series_is_flagged_as_a_warning():
    found = outcome(validate(staging_suite(observations([GOOD[0], GOOD[2]]), [SPEC])), "no_internal_gaps")
    assert not found.success and not found.blocking


def test_an_implausible_value_fails_plausible_values_with_the_row():
    found = outcome(
        validate(staging_suite(observations([*GOOD[:2], ("A-U Alle", 2021, 5_000.0)]), [SPEC])), "plausible_values"
    )
    assert not found.success and found.blocking
    assert "'period_label': '2021'" in str(found.unexpected_sample) and "5000000" in str(found.unexpected_sample)
    negative = outcome(
        validate(staging_suite(observations([*GOOD[:2], ("A-U Alle", 2021, -1.0)]), [SPEC])), "nonnegative_values"
    )
    assert not negative.success


def test_a_slice_label_missing_from_the_data_fails_known_dimension_codes():
    found = outcome(
        validate(staging_suite(observations([("A-U Alle economische", 2019, 1.0)]), [SPEC])), "known_dimension_codes"
    )
    assert not found.success


def mart(role_dims: str, labels: list[str], values: list[float] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "table_id": "X",
            "series_id": labels,
            "dims": [f'{{"{role_dims}":"{label}"}}' for label in labels],
            "measure": "M",
            "period_start": date(2020, 1, 1),
            "frequency": "Y",
            "value": values or [1.0] * len(labels),
        }
    )


def test_a_hundredfold_jump_and_a_nan_fail_staging_by_series():
    jumped = validate(staging_suite(observations([*GOOD[:2], ("A-U Alle", 2021, 0.1)]), [SPEC]))
    found = outcome(jumped, "no_hundredfold_jumps")
    assert not found.success and found.blocking and "'period_label': '2021'" in str(found.unexpected_sample)
    not_finite = validate(staging_suite(observations([*GOOD[:2], ("A-U Alle", 2021, float("nan"))]), [SPEC]))
    assert not outcome(not_finite, "finite_values").success


def test_employment_totals_that_disagree_across_lfs_tables_block():
    """The thousands-separator attack on a table whose every value is above 1,000: no series jumps, but its total
    is a thousandth of the other tables'."""
    seeds = (
        pl.DataFrame({"sector_group": ["g"], "role": ["x"], "table_id": ["X"], "dimension": ["D"], "code": ["A"]}),
        pl.DataFrame({"brc_class": ["07"], "skill": ["technical"]}),
        pl.DataFrame({"isced_field": ["07"], "skill": ["technical"]}),
        pl.DataFrame({"parent": ["A-U"], "child": ["A"], "complete": [True]}),
    )
    marts = {
        "employment_by_sector": mart("BedrijfstakkenBranchesSBI2008", ["A-U Alle", "A Landbouw"], [8_427.0, 8_427.0]),
        "employment_by_occupation": mart("Beroep", ["Totaal"], [8_427_000.0]),
        "employment_by_age": mart("Leeftijd", ["15 tot 75 jaar"], [8_427_000.0]),
        "vacancies_by_sector": mart("Bedrijfskenmerken", ["A-U Alle"]),
        "new_vacancies_by_occupation_and_sector": mart("Beroepenindeling", ["07 Technisch"]),
        "mbo_graduates_by_field": mart("Studierichting", ["07 Techniek"]),
        "higher_education_enrolment_by_field": mart("StudierichtingISCED2013", ["07 Techniek"]),
    }
    found = validate(marts_suite(marts, *seeds)["employment_totals_agree"])[0]
    assert not found.success and found.blocking and "2020-01-01" in str(found.unexpected_sample)


def test_an_occupation_class_missing_from_the_crosswalk_fails_coverage():
    marts = {
        "new_vacancies_by_occupation_and_sector": mart("Beroepenindeling", ["07 Technische beroepen", "14 Nieuw"]),
        "employment_by_occupation": mart("Beroep", ["Totaal", "08 ICT beroepen"]),
        "mbo_graduates_by_field": mart("Studierichting", ["06 Informatica"]),
        "higher_education_enrolment_by_field": mart("StudierichtingISCED2013", ["07 Techniek"]),
        "employment_by_sector": mart("BedrijfstakkenBranchesSBI2008", ["A-U Alle"]),
        "employment_by_age": mart("Leeftijd", ["15 tot 75 jaar"]),
        "vacancies_by_sector": mart("Bedrijfskenmerken", ["A-U Alle"]),
    }
    skills = pl.DataFrame({"brc_class": ["07", "08"], "skill": ["technical", "digital"]})
    fields = pl.DataFrame({"isced_field": ["06", "07"], "skill": ["digital", "technical"]})
    composition = pl.DataFrame(
        {
            "sector_group": ["g"],
            "role": ["employment"],
            "table_id": ["X"],
            "dimension": ["BedrijfstakkenBranchesSBI2008"],
            "code": ["Q"],
        }
    )
    hierarchy = pl.DataFrame({"parent": ["O-Q"], "child": ["Q"], "complete": [True]})
    suites = marts_suite(marts, composition, skills, fields, hierarchy)
    occupation = validate(suites["occupation_crosswalk_covers_data"])[0]
    assert not occupation.success and occupation.unexpected_sample == ["14"]
    assert validate(suites["education_crosswalk_covers_data"])[0].success
    composition_found = validate(suites["group_composition_codes_found"])[0]
    assert not composition_found.success and "'code': 'Q'" in str(composition_found.unexpected_sample)


def forecasts(lower_80: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "series_id": "s",
            "frequency": "Y",
            "period_start": [date(y, 1, 1) for y in (2029, 2030)],
            "point": 10.0,
            "lower_80": lower_80,
            "upper_80": 12.0,
            "lower_95": 7.0,
            "upper_95": 13.0,
        }
    )


def test_inverted_interval_bounds_fail_the_forecast_checks():
    assert all(o.success for o in validate(forecast_suite(forecasts(8.0), 2030)))
    outcomes = validate(forecast_suite(forecasts(11.0), 2030))
    failed = {o.check for o in outcomes if not o.success}
    assert failed == {"lower_80_below_point"}
    short = validate(forecast_suite(forecasts(8.0).head(1), 2030))
    assert not outcome(short, "horizon_complete").success


@pytest.fixture
def gaps() -> pl.DataFrame:
    """A gap table that keeps every rule: base year 2022 observed, then demand and supply moved by their flows."""
    rows = []
    for group in ("care", "education"):
        for skill in ("technical", "digital"):
            demand, supply, openings, entrants = 110.0, 100.0, 10.0, 0.0
            for year in (2022, 2023, 2024):
                flows = {"expansion_demand": 0.0, "replacement_demand": 0.0, "school_leaver_inflow": 0.0}
                flows |= {"unemployed_inflow": 0.0, "other_entrants": 0.0}
                if year > 2022:
                    flows = {"expansion_demand": 5.0, "replacement_demand": 3.0, "school_leaver_inflow": 2.0}
                    flows |= {"unemployed_inflow": 1.0, "other_entrants": 3.0}
                    demand += 5.0
                    supply += -3.0 + 2.0 + 1.0 + 3.0
                    openings += 5.0 + 3.0
                    entrants += 6.0
                gap = demand - supply
                rows.append(
                    {
                        "sector_group": group,
                        "skill": skill,
                        "year": year,
                        "base_year": 2022,
                        "observed": year == 2022,
                        "demand": demand,
                        "supply": supply,
                        "gap": gap,
                        "gap_lower": gap - 2,
                        "gap_upper": gap + 2,
                        "gap_lower_95": gap - 4,
                        "gap_upper_95": gap + 4,
                        "openings_since_base": openings,
                        "entrants_since_base": entrants,
                        "supply_demand_ratio": entrants / openings if year > 2022 else None,
                        "normal_gap": 4.0,
                        "cyclical_gap": 6.0 * 0.5 ** (year - 2022),
                        "structural_gap": gap - 4.0 - 6.0 * 0.5 ** (year - 2022),
                        "employment": supply,
                        "skill_share": 0.1,
                        "skill_share_lower": 0.05,
                        "skill_share_upper": 0.2,
                        **flows,
                    }
                )
    return pl.DataFrame(rows)


def test_the_publication_gate(gaps):
    assert all(o.success for o in validate(publish_suite(gaps, ["care", "education"], 2024)))
    missing_row = validate(publish_suite(gaps.slice(1), ["care", "education"], 2024))
    assert {o.check for o in missing_row if not o.success} >= {"full_grid"}
    broken = gaps.with_columns(
        pl.when(pl.col("year") == 2024)
        .then(pl.lit(None))
        .otherwise(pl.col("supply_demand_ratio"))
        .alias("supply_demand_ratio"),
        pl.when(pl.col("sector_group") == "care")
        .then(pl.col("gap") + 9)
        .otherwise(pl.col("gap_lower"))
        .alias("gap_lower"),
    )
    failed = {o.check for o in validate(publish_suite(broken, ["care", "education"], 2024)) if not o.success}
    assert {"no_missing_numbers", "gap_within_interval"} <= failed
    off_by_one = gaps.with_columns(
        pl.when(pl.col("year") == 2024).then(pl.col("demand") + 1).otherwise(pl.col("demand")).alias("demand")
    )
    components = outcome(validate(publish_suite(off_by_one, ["care", "education"], 2024)), "components_add_up")
    assert not components.success and "education|digital|2024" in str(components.unexpected_sample)
    # the gap's normal, cyclical and structural parts must add up to it too
    split_off = gaps.with_columns(
        pl.when(pl.col("year") == 2023).then(pl.col("cyclical_gap") + 1).otherwise(pl.col("cyclical_gap"))
    )
    components = outcome(validate(publish_suite(split_off, ["care", "education"], 2024)), "components_add_up")
    assert not components.success and "care|technical|2023" in str(components.unexpected_sample)


def test_a_skill_share_above_its_group_fails_the_gate(gaps):
    too_big = gaps.with_columns(
        pl.when(pl.col("sector_group") == "care")
        .then(1.3)
        .otherwise(pl.col("skill_share_upper"))
        .alias("skill_share_upper")
    )
    found = outcome(validate(publish_suite(too_big, ["care", "education"], 2024)), "skill_within_group")
    assert not found.success and "care|technical|2022" in str(found.unexpected_sample)
