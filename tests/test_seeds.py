"""Seed text a release could not render is refused when the seed is read, naming the file, line and column: the run
stops at the seeds, before any model, instead of at publication."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import run_pipeline
from warehouse.db import SEED_NAMES, SEEDS_DIR, SeedError, read_seed


@pytest.fixture
def seeds(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped seeds that the test may change, read in their place."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, folder)
    monkeypatch.setattr("warehouse.db.SEEDS_DIR", folder)
    return folder


def relabel(seeds: Path, old: str, new: str) -> Path:
    path = seeds / "sector_groups.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # `$\macro$` made Matplotlib's mathtext stop the charts at publication
        (",Zorg,", r",Zorg $\macro$,", r"line 2, column sector_group_nl: 'Zorg $\\macro$' holds two or more '$'"),
        # a control character made openpyxl refuse the workbook at publication
        (",Care,", ",Ca\x07re,", r"line 2, column sector_group_en: 'Ca\x07re' holds a control character ('\x07' at"),
    ],
)
def test_a_seed_label_the_release_could_not_render_is_refused_naming_file_line_and_column(seeds, old, new, message):
    path = relabel(seeds, old, new)
    with pytest.raises(SeedError) as error:
        read_seed("sector_groups")
    assert str(error.value).startswith(f"{path} {message}")


def test_ordinary_whitespace_and_one_dollar_sign_are_text_like_any_other(seeds):
    relabel(seeds, ",Care,", ',"Care\tand\nwelfare, $ one",')
    assert read_seed("sector_groups")["sector_group_en"][0] == "Care\tand\nwelfare, $ one"


def test_the_shipped_seeds_pass():
    assert all(read_seed(name).height for name in SEED_NAMES)


def test_a_seed_label_with_a_macro_stops_the_run_at_the_seeds_before_anything_is_written(seeds, tmp_path):
    relabel(seeds, ",Zorg,", r",Zorg $\macro$,")
    warehouse = tmp_path / "talentgap.duckdb"
    result = run_pipeline("files", warehouse, tmp_path, selection=dg.AssetSelection.groups("seeds"))
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "seeds"
    assert "sector_groups.csv line 2, column sector_group_nl" in failure.step_failure_data.error.to_string()
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert not conn.execute("select * from duckdb_tables() where schema_name = 'seeds'").fetchall()


MARKETS = ("digital_services_ai", "semicon", "biotech", "machine_building", "defence", "innovative_chemistry")


def test_the_six_strategic_markets_are_groups_with_every_role_and_a_reference_or_built_from_one():
    groups = read_seed("sector_groups")
    markets = groups.filter(groups["kind"] == "strategic_market")
    assert tuple(markets["sector_group"]) == MARKETS
    assert set(groups["kind"]) == {"priority_sector", "domain", "strategic_market"}
    composition = read_seed("group_composition")
    roles = {"employment", "vacancies", "occupation_mix", "vacancy_rate", "regional_vacancies"}
    for market in MARKETS:
        rows = composition.filter(composition["sector_group"] == market)
        assert set(rows["role"]) == roles, market
        # a part of a coarser code is an allocation, and says so with its source
        shares = rows.filter((rows["weight"].cast(float) != 1) & (rows["role"] != "regional_vacancies"))
        assert (shares["allocated"] == "true").all() and shares["source"].str.len_chars().min() > 0, market
    references = read_seed("reference_figures")
    referenced = set(references.filter(references["measure"] == "group_employment")["sector_group"])
    assert set(MARKETS) <= referenced  # every market's size beside a published figure
