"""Gaps per province: each group x skill's national gap shared over the twelve provinces (pure polars, no Dagster).

No CBS table crosses region with sector and occupation, so the split is built from the two that come closest:

- 83599NED, open vacancies per SBI section and province (quarterly): the province's share of the group's open
  vacancies in the base year (the mean of its four quarters; sections stand in for the group's finer codes, as
  `regional_vacancies` in seeds/group_composition says);
- 84916NED, employment per occupation class and region: how much more or less of the province's jobs are in
  technical and ICT occupations than nationally (its location quotient). CBS publishes the two classes together
  there, so both skills get the same quotient.

A province's share is its vacancies times its quotient, over the sum of all provinces': the provinces add up to the
national gap exactly, in every year and at every interval bound. The split is that of the base year, held to the end
year: there are no regional forecasts. A province without a number for one of the group's sections is left out of
the split, and its rows say why.
"""

from __future__ import annotations

import json

import polars as pl

from models.gap.inputs import NATIONAL, code_of, dim
from sources.registry import PROVINCES

# 84916NED's Beroepsklasse keys are not labelled in the export. Matched on the 2022 national values: 1200000 is all
# occupations (9,548k), 6000000 is BRC 07 technical + 08 ICT of 85276NED (1,295k + 552k = 1,847k).
ALL_OCCUPATIONS = "1200000"
TECHNICAL_AND_ICT = "6000000"
MATCH_TOLERANCE = 0.02  # the key must still match 85276NED's 07 + 08 within this, or the run stops
GAP_COLUMNS = ("gap", "gap_lower", "gap_upper", "gap_lower_95", "gap_upper_95")


class RegionError(ValueError):
    """The regional tables cannot be read as this module expects."""


def occupation_quotients(
    occupations: pl.DataFrame, skill_employment: dict[tuple[str, int], float], year: int
) -> pl.DataFrame:
    """Per province: employment in technical and ICT occupations (84916NED, the latest year up to `year`) and its
    location quotient against the country."""
    frame = occupations.filter(pl.col("frequency") == "Y", pl.col("period_start").dt.year() <= year).select(
        dim("Beroepsklasse").alias("occupation"),
        dim("RegioS").alias("region"),
        pl.col("period_start").dt.year().alias("year"),
        "value",
    )
    if frame.is_empty():
        raise RegionError(f"84916NED has no yearly employment by occupation and region up to {year}")
    latest = frame["year"].max()
    wide = frame.filter(pl.col("year") == latest).pivot("occupation", index="region", values="value")
    for key in (ALL_OCCUPATIONS, TECHNICAL_AND_ICT):
        if key not in wide.columns:
            raise RegionError(f"84916NED {latest}: column Beroepsklasse has no key {key}")
    national = wide.filter(pl.col("region") == "Nederland")
    if national.is_empty():
        raise RegionError(f"84916NED {latest}: column RegioS has no row Nederland")
    technical_ict = national[TECHNICAL_AND_ICT][0]
    expected = skill_employment.get(("technical", latest), 0) + skill_employment.get(("digital", latest), 0)
    if not expected or abs(technical_ict / expected - 1) > MATCH_TOLERANCE:
        raise RegionError(
            f"84916NED {latest}: Beroepsklasse key {TECHNICAL_AND_ICT} holds {technical_ict:,.0f} employed "
            f"nationally, 85276NED's BRC classes 07 + 08 {expected:,.0f}: the key no longer means technical and ICT "
            "occupations (see models/gap/regions.py)"
        )
    national_rate = technical_ict / national[ALL_OCCUPATIONS][0]
    return wide.filter(pl.col("region").is_in(list(PROVINCES.values()))).select(
        "region",
        pl.lit(latest).alias("occupation_year"),
        pl.col(TECHNICAL_AND_ICT).alias("occupation_employment"),
        (pl.col(TECHNICAL_AND_ICT) / pl.col(ALL_OCCUPATIONS) / national_rate).alias("occupation_quotient"),
    )


def regional_split(
    vacancies: pl.DataFrame,
    occupations: pl.DataFrame,
    skill_employment: dict[tuple[str, int], float],
    composition: pl.DataFrame,
    base_year: int,
) -> pl.DataFrame:
    """Per group x province: its share of the group's vacancies, the occupation quotient and the share of the gap
    it gets (null where it cannot be estimated, with the reason)."""
    quotients = occupation_quotients(occupations, skill_employment, base_year)
    quarters = vacancies.filter(pl.col("frequency") == "Q", pl.col("period_start").dt.year() == base_year).select(
        code_of(dim("BedrijfstakkenBranchesSBI2008")).alias("code"), dim("RegioS").alias("region"), "value"
    )
    if quarters.is_empty():
        raise RegionError(f"83599NED has no quarter of {base_year}, the base year")
    by_code = quarters.group_by("code", "region").agg(pl.col("value").mean(), pl.col("value").count().alias("n"))
    parts = composition.filter(pl.col("role") == "regional_vacancies").select(
        "sector_group", "code", pl.col("weight").cast(pl.Float64)
    )
    provinces = pl.DataFrame({"region_code": list(PROVINCES), "region": list(PROVINCES.values())})
    grid = parts.join(provinces, how="cross").join(by_code, on=["code", "region"], how="left")
    # a section counts only with all four quarters of the base year: a mean of fewer would mix seasons
    missing = (
        grid.filter(pl.col("value").is_null() | (pl.col("n") < 4))
        .group_by("sector_group", "region")
        .agg(pl.col("code").sort().str.join(", ").alias("missing_codes"))
    )
    split = (
        grid.group_by("sector_group", "region_code", "region")
        .agg((pl.col("weight") * pl.col("value")).sum().alias("vacancies"))
        .join(missing, on=["sector_group", "region"], how="left")
        .join(quotients, on="region", how="left")
        .with_columns(
            (pl.col("missing_codes").is_null() & pl.col("occupation_quotient").is_not_null()).alias("estimated"),
        )
        .with_columns(
            pl.when("estimated").then(pl.col("vacancies")).alias("vacancies"),
            pl.when("estimated").then(pl.col("vacancies") * pl.col("occupation_quotient")).alias("_weight"),
        )
        .with_columns(
            (pl.col("vacancies") / pl.col("vacancies").sum().over("sector_group")).alias("vacancy_share"),
            (pl.col("_weight") / pl.col("_weight").sum().over("sector_group")).alias("region_share"),
            pl.when(pl.col("missing_codes").is_not_null())
            .then(
                pl.lit("not estimated: 83599NED has no open vacancies of SBI ")
                + pl.col("missing_codes")
                + pl.lit(
                    f" in this province for all four quarters of {base_year}; the national gap is shared over the "
                    "other provinces"
                )
            )
            .when(pl.col("occupation_quotient").is_null())
            .then(pl.lit("not estimated: 84916NED has no employment by occupation for this province"))
            .alias("not_estimated_reason"),
        )
        .drop("_weight", "missing_codes")
    )
    # a group the seed gives no regional sections is listed too, and says so
    groups = composition.filter(pl.col("sector_group") != NATIONAL).select("sector_group").unique()
    unsplit = groups.join(parts.select("sector_group").unique(), on="sector_group", how="anti").join(
        provinces, how="cross"
    )
    if unsplit.height:
        split = pl.concat(
            [
                split,
                unsplit.with_columns(
                    pl.lit(False).alias("estimated"),
                    pl.lit(
                        "not estimated: seeds/group_composition has no regional_vacancies rows for this group"
                    ).alias("not_estimated_reason"),
                ),
            ],
            how="diagonal_relaxed",
        )
    return split.sort("sector_group", "region_code")


def regional_frame(
    gaps: pl.DataFrame, split: pl.DataFrame, composition: pl.DataFrame, vintages: dict[str, str]
) -> pl.DataFrame:
    """Per group x skill x year x province: the national row's gap and its intervals times the province's share,
    with the basis and lineage of the split."""
    codes = (
        composition.filter(pl.col("role") == "regional_vacancies")
        .group_by("sector_group", maintain_order=True)
        .agg(pl.format("{} x {}", "weight", "code").str.join(" + ").alias("codes"))
    )
    lineage = {
        group: json.dumps(
            {
                "national_row": "publish.skill_gaps (same release, group, skill and year)",
                "source_tables": vintages,
                "regional_vacancies": list_codes,
                "occupation_classes": f"84916NED {TECHNICAL_AND_ICT} (BRC 07 + 08) over {ALL_OCCUPATIONS}",
            },
            ensure_ascii=False,
        )
        for group, list_codes in codes.rows()
    }
    national = gaps.select(
        "sector_group",
        "sector_group_nl",
        "sector_group_en",
        "skill",
        "year",
        "base_year",
        pl.col("observed").alias("national_observed"),  # the provinces' rows are allocated, never observed
        *(pl.col(c).alias(f"national_{c}") for c in GAP_COLUMNS),
    )
    # left joins: a group without regional sections keeps its rows, not estimated
    frame = national.join(split, on="sector_group").join(codes, on="sector_group", how="left")
    return (
        frame.with_columns(
            *((pl.col(f"national_{c}") * pl.col("region_share")).alias(c) for c in GAP_COLUMNS),
            pl.when("estimated")
            .then(
                pl.lit("national gap x the province's share: its open vacancies of ")
                + pl.col("codes")
                + pl.format(
                    " (83599NED, mean of the four quarters of {}) x its location quotient of technical and ICT "
                    "occupations (84916NED {}, both skills together), over all provinces'",
                    "base_year",
                    "occupation_year",
                )
            )
            .alias("basis"),
            pl.col("sector_group").replace_strict(lineage, default=None).alias("lineage"),
        )
        .drop("codes")
        .sort("sector_group", "skill", "year", "region_code")
    )
