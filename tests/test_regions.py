"""Gaps per province: they add up to the national rows, a province without data says why, and the unlabelled
occupation key of 84916NED is checked against 85276NED (on the real CBS exports)."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from models.gap.inputs import dim
from models.gap.regions import GAP_COLUMNS, RegionError, regional_split
from quality.gx import validate
from quality.suites import release_table_suites
from sources.registry import PROVINCES
from warehouse.db import read_seed, read_table


@pytest.fixture(scope="module")
def regional(golden) -> pl.DataFrame:
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        latest = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
        return conn.sql("select * from publish.skill_gaps_by_region where release_id = ?", params=[latest]).pl()


@pytest.fixture(scope="module")
def inputs(golden, real_model_data) -> dict:
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        vacancies = read_table(conn, "marts.vacancies_by_region")
        occupations = read_table(conn, "marts.employment_by_occupation_and_region")
        composition = read_table(conn, "seeds.group_composition")
    return {
        "vacancies": vacancies,
        "occupations": occupations,
        "skill_employment": real_model_data.skill_employment,
        "composition": composition,
        "base_year": real_model_data.last_year,
    }


def test_every_group_skill_and_year_is_split_over_the_twelve_provinces_and_adds_up(regional):
    assert regional.height == len(read_seed("sector_groups")) * 2 * 9 * 12
    assert regional["estimated"].all()
    sums = regional.group_by("sector_group", "skill", "year").agg(
        pl.len().alias("provinces"),
        pl.col("region_share").sum(),
        *(pl.col(c).sum() for c in GAP_COLUMNS),
        *(pl.col(f"national_{c}").first() for c in GAP_COLUMNS),
    )
    assert (sums["provinces"] == 12).all()
    assert sums["region_share"].to_numpy() == pytest.approx(1.0)
    for column in GAP_COLUMNS:
        assert sums[column].to_numpy() == pytest.approx(sums[f"national_{column}"].to_numpy(), rel=1e-9), column


def test_the_provinces_rows_name_their_basis_and_the_vintages_they_come_from(regional):
    row = regional.filter(pl.col("sector_group") == "digital_ai", pl.col("region") == "Utrecht (PV)").row(0, named=True)
    assert "1 x J" in row["basis"] and "84916NED" in row["basis"]
    lineage = json.loads(row["lineage"])
    assert set(lineage["source_tables"]) == {"83599NED", "84916NED"}
    assert all(v.startswith(("files:83599NED", "files:84916NED")) for v in lineage["source_tables"].values())
    # the big cities' provinces carry the largest share of the IT gap, the rural north the smallest
    shares = regional.filter(
        pl.col("sector_group") == "digital_ai", pl.col("year") == 2030, pl.col("skill") == "digital"
    )
    ranked = shares.sort("region_share", descending=True)["region"].to_list()
    assert ranked[0] == "Noord-Holland (PV)" and ranked[-1] in ("Zeeland (PV)", "Drenthe (PV)")


def test_a_province_without_vacancies_for_a_section_is_left_out_and_says_why(inputs):
    vacancies = inputs["vacancies"].filter(
        ~(dim("RegioS").eq("Zeeland (PV)") & dim("BedrijfstakkenBranchesSBI2008").str.starts_with("F "))
    )
    split = regional_split(**(inputs | {"vacancies": vacancies}))
    zeeland = split.filter(pl.col("region") == "Zeeland (PV)")
    for group in ("housing_construction", "energy_climate"):
        row = zeeland.filter(pl.col("sector_group") == group).row(0, named=True)
        assert not row["estimated"] and row["region_share"] is None
        assert (
            "no open vacancies of SBI F in this province for all four quarters of 2022" in row["not_estimated_reason"]
        )
    assert zeeland.filter(pl.col("sector_group") == "care")["estimated"].all()
    shares = split.group_by("sector_group").agg(pl.col("region_share").sum())
    assert shares["region_share"].to_numpy() == pytest.approx(1.0)  # the others still add up to the country


def test_an_occupation_key_that_no_longer_means_technical_and_ict_stops_the_run(inputs):
    occupations = inputs["occupations"].with_columns(
        pl.when(dim("Beroepsklasse") == "6000000").then(pl.col("value") * 0.5).otherwise(pl.col("value")).alias("value")
    )
    with pytest.raises(RegionError, match="84916NED 2022: Beroepsklasse key 6000000 holds 923,500 employed"):
        regional_split(**(inputs | {"occupations": occupations}))


def test_the_split_covers_exactly_the_twelve_provinces(inputs):
    split = regional_split(**inputs)
    assert set(split["region"]) == set(PROVINCES.values())
    assert split.filter(pl.col("region_share").is_null()).is_empty()


def test_the_publication_gate_refuses_provinces_or_a_baseline_that_do_not_add_up(regional, golden):
    with duckdb.connect(str(golden.warehouse), read_only=True) as conn:
        latest = conn.execute("select max(release_id) from publish.releases").fetchone()[0]
        gaps = conn.sql("select * from publish.skill_gaps where release_id = ?", params=[latest]).pl()
        scenarios = conn.sql("select * from publish.skill_gaps_scenarios where release_id = ?", params=[latest]).pl()
    passing = [o for suite in release_table_suites(gaps, scenarios, regional) for o in validate(suite)]
    assert all(o.success and o.blocking for o in passing), [o.summary for o in passing]

    off = regional.with_columns(
        pl.when((pl.col("region") == "Utrecht (PV)") & (pl.col("sector_group") == "care"))
        .then(pl.col("gap") * 1.1)
        .otherwise(pl.col("gap"))
        .alias("gap")
    )
    moved = scenarios.with_columns(
        pl.when(pl.col("scenario") == "baseline").then(pl.col("gap") + 1).otherwise(pl.col("gap")).alias("gap")
    )
    failing = {o.check: o for suite in release_table_suites(gaps, moved, off) for o in validate(suite)}
    assert not failing["provinces_add_up"].success and failing["provinces_add_up"].unexpected_count == 18
    assert "care|digital|2030" in failing["provinces_add_up"].unexpected_sample.__repr__()
    assert not failing["baseline_is_the_publication"].success
    assert failing["differences_within_interval"].success
