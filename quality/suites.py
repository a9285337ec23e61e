"""The expectation suites, one function per layer, each returning the frame to validate and its expectations.

Severity is decided in quality.gx.WARNING_ONLY: a blocking failure stops every downstream asset (nothing new is
published); a warning is shown in the UI and the report but lets the run go on. Reasons: docs/quality.md.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from models.gap.inputs import SKILLS, code_of, dim
from models.gap.regions import GAP_COLUMNS
from quality.gx import Expectation, Suite
from sources.registry import TableSpec

SECTOR_SUM_TOLERANCE = 0.02  # CBS rounds each cell; sections may differ from the total by rounding and "unknown"
SECTOR_SUM_LIMIT = 0.10  # beyond this the sections and the total cannot both be right: a broken input, blocking
EMPLOYMENT_TOTALS_TOLERANCE = 0.01  # the LFS tables publish one employed labour force; rounding apart they agree
JUMP_LIMIT = 100  # a value 100 times its neighbour's in one series is a unit or separator error, not the economy
JUMP_MIN_LEVEL = 1_000  # persons: below this, small cells may swing
YEAR_ON_YEAR_LIMIT = 0.30  # a yearly change beyond 30% in a series of 10,000+ persons deserves a look
YEAR_ON_YEAR_MIN_LEVEL = 10_000

RAW_CHECKS = ("raw_columns", "raw_text_columns", "raw_row_count", "raw_not_empty")
STAGING_CHECKS = (
    "unique_observation_keys",
    "periods_parsed",
    "known_frequencies",
    "plausible_values",
    "nonnegative_values",
    "finite_values",
    "no_hundredfold_jumps",
    "no_future_periods",
    "no_internal_gaps",
    "known_dimension_codes",
)
MARTS_CHECKS = (
    "sectors_add_up_to_total",
    "sectors_near_total",
    "employment_totals_agree",
    "year_on_year_jumps",
    "occupation_crosswalk_covers_data",
    "education_crosswalk_covers_data",
    "group_composition_codes_found",
)
FORECAST_CHECKS = (
    "lower_95_below_lower_80",
    "lower_80_below_point",
    "point_below_upper_80",
    "upper_80_below_upper_95",
    "no_negative_counts",
    "horizon_complete",
    "forecasts_add_up",
)
PUBLISH_CHECKS = (
    "full_grid",
    "one_row_per_cell",
    "no_missing_numbers",
    "components_add_up",
    "gap_within_interval",
    "skill_within_group",
    "gap_within_demand",
    "baseline_is_the_publication",
    "differences_within_interval",
    "provinces_add_up",
    "labour_supply_within_population",
)

# what each check makes sure of, as the Dagster UI and the release report show it beside its result
CHECK_DESCRIPTIONS = {
    "raw_columns": "The table has the registered columns, as received (schema drift stops the load).",
    "raw_text_columns": "Every cell is kept as the text received, so nothing is parsed before staging.",
    "raw_row_count": "As many rows as the source announced (a truncated download or export is caught).",
    "raw_not_empty": "The table has at least one row.",
    "unique_observation_keys": "One value per table x measure x dimensions x period.",
    "periods_parsed": "Every CBS period code is parsed to a start date.",
    "known_frequencies": "Every period is a year, quarter, month or school year.",
    "plausible_values": "No count above its measure's plausible maximum in persons (a unit or separator error).",
    "nonnegative_values": "No negative count.",
    "finite_values": "No value is NaN or infinite.",
    "no_hundredfold_jumps": f"No value {JUMP_LIMIT} times its neighbour's in the same series: a unit error.",
    "no_future_periods": "No observed period starts after today (projections apart).",
    "no_internal_gaps": "No period missing inside a series (a cut-off end is not a gap). Warning only.",
    "known_dimension_codes": "The dimension labels the marts read exist in each table.",
    "sectors_add_up_to_total": f"SBI sections add up to A-U within {SECTOR_SUM_TOLERANCE:.0%}. Warning only.",
    "sectors_near_total": f"SBI sections within {SECTOR_SUM_LIMIT:.0%} of A-U: beyond that a cell is broken.",
    "employment_totals_agree": "The LFS tables' employed labour force agrees across 85272NED, 85276NED and 85264NED.",
    "year_on_year_jumps": f"No yearly change in a large sector series beyond {YEAR_ON_YEAR_LIMIT:.0%}. Warning only.",
    "occupation_crosswalk_covers_data": "Every BRC occupation class in the data is in the occupation_skills seed.",
    "education_crosswalk_covers_data": "Every ISCED-F broad field in the data is in the education_skills seed.",
    "group_composition_codes_found": "Every code in the group_composition seed exists in its CBS table.",
    "lower_95_below_lower_80": "The 95% interval's lower bound is at or below the 80% interval's.",
    "lower_80_below_point": "The 80% interval's lower bound is at or below the forecast.",
    "point_below_upper_80": "The forecast is at or below the 80% interval's upper bound.",
    "upper_80_below_upper_95": "The 80% interval's upper bound is at or below the 95% interval's.",
    "no_negative_counts": "No forecast bound below zero.",
    "horizon_complete": "Every series is forecast to the end year.",
    "forecasts_add_up": (
        f"Sector forecasts add up to their parent's (sbi_hierarchy), up to the residual the data carry, which stays "
        f"within {SECTOR_SUM_LIMIT:.0%} of the parent."
    ),
    "baseline_is_the_publication": (
        "The baseline scenario's rows equal the published gaps (demand, supply, gap and its intervals), row for row."
    ),
    "differences_within_interval": (
        "Every scenario's difference from the baseline lies within its 80% interval, inside its 95% interval."
    ),
    "provinces_add_up": "The provinces' gaps (and every interval bound) add up to the national row they share.",
    "labour_supply_within_population": (
        "The employment the baseline implies (all employment growing as the groups' trends assume) stays within "
        "the population aged 15-74 (85745NED) times net participation on its trend; the finding gives both, the "
        "growth rates and the participation it would take. Warning only."
    ),
    "full_grid": "Every group x skill x year from the base year to the end year is published.",
    "one_row_per_cell": "No group x skill x year is published twice.",
    "no_missing_numbers": "No missing or NaN number in any published column.",
    "components_add_up": (
        "Gap = demand - supply = openings - entrants = normal + cyclical + structural gap, and demand and supply "
        "move by their flows."
    ),
    "gap_within_interval": "gap_lower_95 <= gap_lower <= gap <= gap_upper <= gap_upper_95.",
    "skill_within_group": "A skill's share of its group stays within [0, 1]: a subset never exceeds its group.",
    "gap_within_demand": "Demand and supply are not negative and the gap is no larger than the demand.",
}


def raw_suite(
    spec: TableSpec, frame: pl.DataFrame, rows_expected: int | None
) -> tuple[pl.DataFrame, list[Expectation]]:
    columns = list(spec.columns)
    count = (
        Expectation(
            "raw_row_count",
            f"as many rows as the source announced ({rows_expected})",
            "ExpectTableRowCountToEqual",
            {"value": rows_expected},
        )
        if rows_expected is not None
        else Expectation(
            "raw_row_count",
            "the source announced no row count: at least one row",
            "ExpectTableRowCountToBeBetween",
            {"min_value": 1},
        )
    )
    text = frame.select(*columns, "source_row").with_columns(pl.concat_str(columns, separator="\x1f").alias("_row"))
    expectations = [
        Expectation(
            "raw_columns",
            "the registered columns, as received",
            "ExpectTableColumnsToMatchSet",
            {"column_set": [*columns, "source_row", "_row"], "exact_match": True},
        ),
        Expectation(
            "raw_text_columns",
            "every cell kept as received text",
            "ExpectColumnValuesToBeOfType",
            {"column": "_row", "type_": "str"},
        ),
        count,
        Expectation("raw_not_empty", "the table is not empty", "ExpectTableRowCountToBeBetween", {"min_value": 1}),
    ]
    return Suite(f"raw_{spec.table_id}", text, expectations, id_columns=("source_row",))


def staging_suite(observations: pl.DataFrame, specs: list[TableSpec]) -> Suite:
    """One frame per run: observations with the derived columns the expectations read."""
    limits = pl.DataFrame(
        [(s.table_id, m.name, m.plausible_max) for s in specs for m in s.measures],
        schema=["table_id", "measure", "plausible_max"],
        orient="row",
    )
    series = observations.group_by("series_id").agg(
        (pl.col("period_index").max() - pl.col("period_index").min() + 1).alias("span"),
        pl.col("period_index").n_unique().alias("periods"),
    )
    slices = _slice_presence(observations, specs)
    projections = [s.table_id for s in specs if s.projection]
    persons = pl.col("value") * pl.col("scale")
    neighbour = persons.shift(1).over("series_id", order_by="period_start")
    larger, smaller = pl.max_horizontal(persons, neighbour), pl.min_horizontal(persons, neighbour)
    frame = (
        observations.join(limits, on=["table_id", "measure"], how="left")
        .join(series, on="series_id", how="left")
        .with_columns(
            persons.alias("persons"),
            pl.when((smaller > 0) & (larger >= JUMP_MIN_LEVEL)).then(larger / smaller).alias("jump"),
            (pl.col("table_id").is_in(projections) | (pl.col("period_start") <= date.today())).alias("not_future"),
        )
        .with_columns((pl.col("persons").is_null() | pl.col("persons").is_finite().fill_null(False)).alias("finite"))
        .join(slices, on="table_id", how="left")
        .select(
            # repeated text as categories: GX reads a pandas copy, where every string is an object (at a hundred
            # times the series that copy took 5.7 GiB)
            pl.col("series_id").cast(pl.Categorical),
            "period_start",
            pl.col("period_label").cast(pl.Categorical),  # with source_row, names a refused cell in the CBS file
            "source_row",
            pl.col("frequency").cast(pl.Categorical),
            "persons",
            "plausible_max",
            "jump",
            "not_future",
            "finite",
            "span",
            "periods",
            "slice_labels_present",
            pl.col("table_id").cast(pl.Categorical),
        )
    )
    expectations_staging = [
        Expectation(
            "unique_observation_keys",
            "one value per table x measure x dimensions x period",
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["series_id", "period_start"]},
        ),
        Expectation(
            "periods_parsed",
            "every period parsed to a start date",
            "ExpectColumnValuesToNotBeNull",
            {"column": "period_start"},
        ),
        Expectation(
            "known_frequencies",
            "every period is a year, quarter, month or school year",
            "ExpectColumnValuesToBeInSet",
            {"column": "frequency", "value_set": ["Y", "Q", "M", "SY"]},
        ),
        Expectation(
            "plausible_values",
            "no count above its measure's plausible maximum (persons)",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {
                "column_A": "plausible_max",
                "column_B": "persons",
                "or_equal": True,
                "ignore_row_if": "either_value_is_missing",
            },
        ),
        Expectation(
            "nonnegative_values",
            "no negative count",
            "ExpectColumnValuesToBeBetween",
            {"column": "persons", "min_value": 0},
        ),
        Expectation(
            "finite_values",
            "no value is NaN or infinite",
            "ExpectColumnValuesToBeInSet",
            {"column": "finite", "value_set": [True]},
        ),
        Expectation(
            "no_hundredfold_jumps",
            f"no value {JUMP_LIMIT} times its neighbour's in the same series (above {JUMP_MIN_LEVEL:,} persons): a "
            "unit or thousands-separator error",
            "ExpectColumnValuesToBeBetween",
            {"column": "jump", "max_value": JUMP_LIMIT},
        ),
        Expectation(
            "no_future_periods",
            "no observed period starts after today (projections apart)",
            "ExpectColumnValuesToBeInSet",
            {"column": "not_future", "value_set": [True]},
        ),
        Expectation(
            "no_internal_gaps",
            "no period missing inside a series (a cut-off end is not a gap)",
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "span", "column_B": "periods"},
        ),
        Expectation(
            "known_dimension_codes",
            "the dimension labels the marts read exist in each table",
            "ExpectColumnValuesToBeInSet",
            {"column": "slice_labels_present", "value_set": [True]},
        ),
    ]
    ids = ("series_id", "period_label", "source_row", "persons")
    return Suite("staging", frame, expectations_staging, id_columns=ids)


def _slice_presence(observations: pl.DataFrame, specs: list[TableSpec]) -> pl.DataFrame:
    rows = []
    for spec in specs:
        table = observations.filter(pl.col("table_id") == spec.table_id)
        present = all(table.filter(dim(d) == label).height > 0 for d, label in spec.slice.items())
        rows.append((spec.table_id, present))
    return pl.DataFrame(rows, schema=["table_id", "slice_labels_present"], orient="row")


def marts_suite(
    marts: dict[str, pl.DataFrame],
    composition: pl.DataFrame,
    occupation_skills: pl.DataFrame,
    education_skills: pl.DataFrame,
    hierarchy: pl.DataFrame,
) -> dict[str, Suite]:
    """Each expectation on its own frame (the frames differ in shape), keyed by check name."""
    return {
        "sectors_add_up_to_total": Suite(
            "sectors_add_up_to_total",
            _sector_sums(marts),
            [
                Expectation(
                    "sectors_add_up_to_total",
                    f"SBI sections add up to A-U within {SECTOR_SUM_TOLERANCE:.0%} (employment and vacancies)",
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": "relative_difference",
                        "min_value": -SECTOR_SUM_TOLERANCE,
                        "max_value": SECTOR_SUM_TOLERANCE,
                    },
                )
            ],
            id_columns=("mart", "measure", "period_start"),
        ),
        "sectors_near_total": Suite(
            "sectors_near_total",
            _sector_sums(marts),
            [
                Expectation(
                    "sectors_near_total",
                    f"SBI sections within {SECTOR_SUM_LIMIT:.0%} of A-U: beyond it a cell is broken, not rounded",
                    "ExpectColumnValuesToBeBetween",
                    {"column": "relative_difference", "min_value": -SECTOR_SUM_LIMIT, "max_value": SECTOR_SUM_LIMIT},
                )
            ],
            id_columns=("mart", "measure", "period_start"),
        ),
        "employment_totals_agree": Suite(
            "employment_totals_agree",
            _employment_totals(marts),
            [
                Expectation(
                    "employment_totals_agree",
                    "the LFS tables' employed labour force (85272NED A-U, 85276NED Totaal, 85264NED 15-75) agree "
                    f"within {EMPLOYMENT_TOTALS_TOLERANCE:.0%} every year",
                    "ExpectColumnValuesToBeBetween",
                    {"column": "spread", "max_value": EMPLOYMENT_TOTALS_TOLERANCE},
                )
            ],
            id_columns=("period_start",),
        ),
        "year_on_year_jumps": Suite(
            "year_on_year_jumps",
            _year_on_year(marts),
            [
                Expectation(
                    "year_on_year_jumps",
                    f"no yearly change in employment by sector beyond {YEAR_ON_YEAR_LIMIT:.0%} in a series of "
                    f"{YEAR_ON_YEAR_MIN_LEVEL:,}+ persons (flagged, not blocking)",
                    "ExpectColumnValuesToBeBetween",
                    {"column": "change", "min_value": -YEAR_ON_YEAR_LIMIT, "max_value": YEAR_ON_YEAR_LIMIT},
                )
            ],
            id_columns=("series_id", "period_start"),
        ),
        "occupation_crosswalk_covers_data": Suite(
            "occupation_crosswalk_covers_data",
            _codes(
                marts,
                ("new_vacancies_by_occupation_and_sector", "Beroepenindeling"),
                ("employment_by_occupation", "Beroep"),
            ),
            [
                Expectation(
                    "occupation_crosswalk_covers_data",
                    "every BRC class in the data is in occupation_skills",
                    "ExpectColumnValuesToBeInSet",
                    {"column": "code", "value_set": occupation_skills["brc_class"].to_list()},
                )
            ],
        ),
        "education_crosswalk_covers_data": Suite(
            "education_crosswalk_covers_data",
            _codes(
                marts,
                ("mbo_graduates_by_field", "Studierichting"),
                ("higher_education_enrolment_by_field", "StudierichtingISCED2013"),
            ),
            [
                Expectation(
                    "education_crosswalk_covers_data",
                    "every ISCED-F broad field in the data is in education_skills",
                    "ExpectColumnValuesToBeInSet",
                    {"column": "code", "value_set": education_skills["isced_field"].to_list()},
                )
            ],
        ),
        "group_composition_codes_found": Suite(
            "group_composition_codes_found",
            _composition_found(marts, composition, hierarchy),
            [
                Expectation(
                    "group_composition_codes_found",
                    "every code in group_composition exists in its table (occupation-mix codes: or in sbi_hierarchy)",
                    "ExpectColumnValuesToBeInSet",
                    {"column": "found", "value_set": [True]},
                )
            ],
            id_columns=("sector_group", "role", "table_id", "code"),
        ),
    }


def _sector_sums(marts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = []
    for role, dimension in (
        ("employment_by_sector", "BedrijfstakkenBranchesSBI2008"),
        ("vacancies_by_sector", "Bedrijfskenmerken"),
    ):
        frame = marts[role].with_columns(code_of(dim(dimension)).alias("code"))
        section = pl.col("code").str.contains(r"^[A-U]$") | (pl.col("code") == "SBI-code")
        totals = frame.filter(pl.col("code") == "A-U").select(
            "measure", "period_start", "frequency", pl.col("value").alias("total")
        )
        sums = frame.filter(section).group_by("measure", "period_start", "frequency").agg(pl.col("value").sum())
        parts.append(
            totals.join(sums, on=["measure", "period_start", "frequency"])
            .with_columns(((pl.col("value") - pl.col("total")) / pl.col("total")).alias("relative_difference"))
            .select(pl.lit(role).alias("mart"), "measure", "period_start", "relative_difference")
        )
    return pl.concat(parts)


def _employment_totals(marts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Per year, (largest - smallest) / smallest of the three LFS totals of the employed labour force."""
    totals = []
    for role, dimension, label in (
        ("employment_by_sector", "BedrijfstakkenBranchesSBI2008", "A-U"),
        ("employment_by_occupation", "Beroep", "Totaal"),
        ("employment_by_age", "Leeftijd", "15 tot 75 jaar"),
    ):
        frame = marts[role].filter(pl.col("frequency") == "Y")
        key = code_of(dim(dimension)) if label == "A-U" else dim(dimension)
        totals.append(frame.filter(key == label).select("period_start", pl.lit(role).alias("mart"), "value"))
    return (
        pl.concat(totals)
        .group_by("period_start")
        .agg(((pl.col("value").max() - pl.col("value").min()) / pl.col("value").min()).alias("spread"), pl.len())
        .filter(pl.col("len") > 1)
        .select("period_start", "spread")
        .sort("period_start")
    )


def _year_on_year(marts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    # employment only: vacancies swing with the business cycle by a third or more in ordinary years
    return (
        marts["employment_by_sector"]
        .filter(pl.col("frequency") == "Y")
        .select("series_id", "period_start", "value")
        .sort("series_id", "period_start")
        .with_columns(pl.col("value").shift(1).over("series_id").alias("previous"))
        .filter(pl.col("previous") >= YEAR_ON_YEAR_MIN_LEVEL)
        .with_columns((pl.col("value") / pl.col("previous") - 1).alias("change"))
        .select("series_id", "period_start", "change")
    )


def _codes(marts: dict[str, pl.DataFrame], *sources: tuple[str, str]) -> pl.DataFrame:
    """Two-digit classification codes (BRC class, ISCED-F broad field) that appear in the data."""
    frames = [marts[role].select(code_of(dim(dimension)).alias("code")) for role, dimension in sources]
    return pl.concat(frames).unique().filter(pl.col("code").str.contains(r"^\d\d$")).sort("code")


def _composition_found(
    marts: dict[str, pl.DataFrame], composition: pl.DataFrame, hierarchy: pl.DataFrame
) -> pl.DataFrame:
    """Each composition row's code in its table; the occupation mix is bounded over the SBI hierarchy too, so a
    sector CBS does not publish in 85081NED (Q, 88, 61-63) is found when the hierarchy places it."""
    placed = set(hierarchy["parent"]) | set(hierarchy["child"])
    by_table = {}
    for frame in marts.values():
        for table_id, dims in frame.select("table_id", "dims").unique().iter_rows():
            by_table.setdefault(table_id, []).append(dims)
    rows = []
    for row in composition.iter_rows(named=True):
        labels = pl.Series(by_table.get(row["table_id"], []), dtype=pl.String).to_frame("dims")
        found = labels.filter(code_of(dim(row["dimension"])) == row["code"]).height > 0 or (
            row["role"] == "occupation_mix" and row["code"] in placed
        )
        rows.append((row["sector_group"], row["role"], row["table_id"], row["code"], found))
    return pl.DataFrame(rows, schema=["sector_group", "role", "table_id", "code", "found"], orient="row")


def coherence_flags(forecasts: pl.DataFrame, coherence: pl.DataFrame) -> pl.DataFrame:
    """Per forecast row: false where it is a parent whose children's forecasts plus the residual do not give its own
    (to 1e-6), or whose residual exceeds SECTOR_SUM_LIMIT of it. Recomputed from the published forecasts, so a
    later change to them (clipping, say) is caught."""
    if coherence.is_empty():
        return forecasts.with_columns(pl.lit(True).alias("adds_up"))
    points = forecasts.select("series_id", "period_start", "point")
    sums = (
        coherence.explode("child_series_ids")
        .join(points, left_on=["child_series_ids", "period_start"], right_on=["series_id", "period_start"])
        .group_by("parent_series_id", "period_start", "residual")
        .agg(pl.col("point").sum().alias("children"))
    )
    checked = (
        sums.join(points, left_on=["parent_series_id", "period_start"], right_on=["series_id", "period_start"])
        .with_columns(
            (
                ((pl.col("children") + pl.col("residual") - pl.col("point")).abs() <= 1e-6 * pl.col("point").abs())
                & (pl.col("residual").abs() <= SECTOR_SUM_LIMIT * pl.col("point").abs())
            ).alias("adds_up")
        )
        .select(pl.col("parent_series_id").alias("series_id"), "period_start", "adds_up")
    )
    return forecasts.join(checked, on=["series_id", "period_start"], how="left").with_columns(
        pl.col("adds_up").fill_null(True)
    )


def forecast_suite(forecasts: pl.DataFrame, end_year: int, coherence: pl.DataFrame | None = None) -> Suite:
    from models.forecasting.panel import last_period_index, period_start_expr

    last = forecasts.group_by("series_id", "frequency").agg(pl.col("period_start").max().alias("last_period"))
    expected = last.with_columns(
        period_start_expr(
            pl.col("frequency").map_elements(lambda f: last_period_index(f, end_year), return_dtype=pl.Int64),
            pl.col("frequency"),
        ).alias("expected_last")
    ).with_columns((pl.col("last_period") == pl.col("expected_last")).alias("horizon_complete"))
    frame = forecasts.join(expected.select("series_id", "horizon_complete"), on="series_id")
    frame = coherence_flags(frame, coherence if coherence is not None else pl.DataFrame())
    pairs = (
        ("lower_95_below_lower_80", "lower_80", "lower_95"),
        ("lower_80_below_point", "point", "lower_80"),
        ("point_below_upper_80", "upper_80", "point"),
        ("upper_80_below_upper_95", "upper_95", "upper_80"),
    )
    expectations_forecast = [
        *(
            Expectation(
                name,
                f"{b} <= {a}",
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {"column_A": a, "column_B": b, "or_equal": True},
            )
            for name, a, b in pairs
        ),
        Expectation(
            "no_negative_counts",
            "no forecast bound below zero",
            "ExpectColumnValuesToBeBetween",
            {"column": "lower_95", "min_value": 0},
        ),
        Expectation(
            "horizon_complete",
            f"every series forecast to its last period of {end_year}",
            "ExpectColumnValuesToBeInSet",
            {"column": "horizon_complete", "value_set": [True]},
        ),
        Expectation(
            "forecasts_add_up",
            f"sector forecasts plus the residual give their parent's; the residual within {SECTOR_SUM_LIMIT:.0%}",
            "ExpectColumnValuesToBeInSet",
            {"column": "adds_up", "value_set": [True]},
        ),
    ]
    return Suite("forecast", frame, expectations_forecast, id_columns=("series_id", "period_start"))


def publish_suite(gaps: pl.DataFrame, groups: list[str], end_year: int) -> Suite:
    base_year = int(gaps["base_year"].min()) if gaps.height else end_year
    cells = len(groups) * len(SKILLS) * (end_year - base_year + 1)
    # the ratio of entrants to openings and the ITA have no meaning at the base year or where openings are not positive
    optional = {"supply_demand_ratio", "ita"}
    numbers = [column for column, dtype in gaps.schema.items() if dtype.is_float() and column not in optional]
    by_cell = ["sector_group", "skill"]

    def before(column: str) -> pl.Expr:
        return pl.col(column).shift(1).over(by_cell, order_by="year")

    projected = ~pl.col("observed")
    residual = (
        (pl.col("gap") - pl.col("demand") + pl.col("supply")).abs()
        + (pl.col("gap") - pl.col("normal_gap") - pl.col("cyclical_gap") - pl.col("structural_gap")).abs()
        + (pl.col("gap") - pl.col("openings_since_base") + pl.col("entrants_since_base")).abs()
        + pl.when(projected)
        .then(
            (pl.col("demand") - before("demand") - pl.col("expansion_demand")).abs()
            + (
                pl.col("supply")
                - before("supply")
                + pl.col("replacement_demand")
                - pl.col("school_leaver_inflow")
                - pl.col("unemployed_inflow")
                - pl.col("other_entrants")
            ).abs()
        )
        .otherwise(0.0)
    ) / pl.max_horizontal(pl.col("demand").abs(), pl.lit(1.0))
    ratio_missing = pl.col("supply_demand_ratio").is_null() & projected & (pl.col("openings_since_base") > 0)
    frame = gaps.with_columns(
        residual.alias("components_residual"),
        pl.concat_str("sector_group", "skill", pl.col("year").cast(pl.String), separator="|").alias("cell"),
        (pl.any_horizontal(pl.col(c).is_null() | pl.col(c).is_nan() for c in numbers) | ratio_missing).alias(
            "has_missing"
        ),
        (
            (pl.col("gap_lower_95") <= pl.col("gap_lower"))
            & (pl.col("gap_lower") <= pl.col("gap"))
            & (pl.col("gap") <= pl.col("gap_upper"))
            & (pl.col("gap_upper") <= pl.col("gap_upper_95"))
        ).alias("gap_in_interval"),
        (
            (pl.col("skill_share_lower") >= 0)
            & (pl.col("skill_share_lower") <= pl.col("skill_share"))
            & (pl.col("skill_share") <= pl.col("skill_share_upper"))
            & (pl.col("skill_share_upper") <= 1)
            & (pl.col("employment") <= pl.col("supply") + 1e-6)
        ).alias("skill_in_group"),
        ((pl.col("demand") >= 0) & (pl.col("supply") >= 0) & (pl.col("gap").abs() <= pl.col("demand"))).alias(
            "gap_in_demand"
        ),
    )
    expectations_publish = [
        Expectation(
            "full_grid",
            f"every group x skill x year {base_year}-{end_year}: {cells} rows",
            "ExpectTableRowCountToEqual",
            {"value": cells},
        ),
        Expectation(
            "one_row_per_cell", "no group x skill x year twice", "ExpectColumnValuesToBeUnique", {"column": "cell"}
        ),
        Expectation(
            "no_missing_numbers",
            "no missing or NaN number in any published column (the ratio only where openings are positive)",
            "ExpectColumnValuesToBeInSet",
            {"column": "has_missing", "value_set": [False]},
        ),
        Expectation(
            "components_add_up",
            "gap = demand - supply = openings - entrants; demand and supply move by their flows (1e-9 of demand)",
            "ExpectColumnValuesToBeBetween",
            {"column": "components_residual", "max_value": 1e-9},
        ),
        Expectation(
            "gap_within_interval",
            "gap_lower_95 <= gap_lower <= gap <= gap_upper <= gap_upper_95",
            "ExpectColumnValuesToBeInSet",
            {"column": "gap_in_interval", "value_set": [True]},
        ),
        Expectation(
            "skill_within_group",
            "0 <= skill share bounds <= 1 around the share: a skill subset never exceeds its group",
            "ExpectColumnValuesToBeInSet",
            {"column": "skill_in_group", "value_set": [True]},
        ),
        Expectation(
            "gap_within_demand",
            "demand and supply are not negative and the gap is no larger than the demand it is part of",
            "ExpectColumnValuesToBeInSet",
            {"column": "gap_in_demand", "value_set": [True]},
        ),
    ]
    return Suite("publish", frame, expectations_publish, id_columns=("cell",))


def release_table_suites(gaps: pl.DataFrame, scenarios: pl.DataFrame, regional: pl.DataFrame) -> list[Suite]:
    """The publication gate's checks on the tables beside the gaps: the scenarios and the provinces."""
    keys = ["sector_group", "skill", "year"]
    compared = ("demand", "supply", "gap", "gap_lower", "gap_upper", "gap_lower_95", "gap_upper_95")
    baseline = scenarios.filter(pl.col("scenario") == "baseline").select(*keys, *compared)
    matched = gaps.select(*keys, *compared).join(baseline, on=keys, how="left", suffix="_baseline")
    off = pl.max_horizontal(
        ((pl.col(c) - pl.col(f"{c}_baseline")).abs() / pl.max_horizontal(pl.col(c).abs(), pl.lit(1.0))).fill_null(1.0)
        for c in compared
    )
    cell = pl.concat_str(*keys[:2], pl.col("year").cast(pl.String), separator="|")
    ordered = (
        (pl.col("difference_lower_95") <= pl.col("difference_lower"))
        & (pl.col("difference_lower") <= pl.col("difference"))
        & (pl.col("difference") <= pl.col("difference_upper"))
        & (pl.col("difference_upper") <= pl.col("difference_upper_95"))
    )
    differences = scenarios.select(
        pl.concat_str(pl.col("scenario"), cell, separator="|").alias("cell"),
        # a row the scenario cannot give is empty on purpose, and says why
        (ordered | (pl.col("difference").is_null() & pl.col("scenario_note").is_not_null()))
        .fill_null(False)
        .alias("in_interval"),
    )
    estimated = regional.filter(pl.col("estimated"))
    sums = estimated.group_by(keys).agg(
        *(pl.col(c).sum() for c in GAP_COLUMNS), *(pl.col(f"national_{c}").first() for c in GAP_COLUMNS)
    )
    residual = pl.max_horizontal(
        (pl.col(c) - pl.col(f"national_{c}")).abs() / pl.max_horizontal(pl.col(f"national_{c}").abs(), pl.lit(1.0))
        for c in GAP_COLUMNS
    )
    # cells with estimated provinces; a group none of whose provinces could be estimated says so in its rows
    provinces = (
        gaps.select(keys)
        .join(sums, on=keys, how="inner")
        .select(cell.alias("cell"), residual.fill_null(1.0).alias("residual"))
    )
    return [
        _per_cell(
            "baseline_is_the_publication",
            matched.select(cell.alias("cell"), off.alias("off")),
            "the baseline scenario equals the published gaps row for row (within 1e-9, relative)",
            "ExpectColumnValuesToBeBetween",
            {"column": "off", "max_value": 1e-9},
        ),
        _per_cell(
            "differences_within_interval",
            differences,
            "difference_lower_95 <= difference_lower <= difference <= difference_upper <= difference_upper_95",
            "ExpectColumnValuesToBeInSet",
            {"column": "in_interval", "value_set": [True]},
        ),
        _per_cell(
            "provinces_add_up",
            provinces,
            "the estimated provinces add up to the national gap and its bounds (within 1e-9, relative)",
            "ExpectColumnValuesToBeBetween",
            {"column": "residual", "max_value": 1e-9},
        ),
    ]


def _per_cell(check: str, frame: pl.DataFrame, description: str, gx_type: str, kwargs: dict) -> Suite:
    """A suite of one expectation on a frame with a `cell` column that names each failing row."""
    return Suite(check, frame, [Expectation(check, description, gx_type, kwargs)], id_columns=("cell",))


def labour_supply_suite(supply: pl.DataFrame) -> Suite:
    """The baseline's employment against the population at its participation trend (models/gap/population.py): one
    row per projected year, each naming its figures, so a failing year says what it needs and what there is."""
    return Suite(
        "labour_supply",
        supply,
        [
            Expectation(
                "labour_supply_within_population",
                "the employment the baseline needs <= population 15-74 x net participation on its trend, every year",
                "ExpectColumnValuesToBeBetween",
                {"column": "excess", "max_value": 0.0},
            )
        ],
        id_columns=("finding",),
    )
