"""Assemble the gap model's inputs from the marts, the seeds and the series forecasts (pure polars)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from models.gaps import SKILLS, GapInputs, GroupInputs, YearlyPath, outflow_rate, skill_shares

OPEN_VACANCIES = "OpenstaandeVacatures_1"
NEW_VACANCIES = "OntstaneVacatures_2"


class GapInputError(ValueError):
    """A series the gap model needs is missing or incomplete."""


def code_of(label: pl.Expr) -> pl.Expr:
    """The classification code at the start of a CBS label: `Q Gezondheids- en welzijnszorg` -> `Q`."""
    return label.str.strip_chars().str.split(" ").list.first()


def dim(name: str) -> pl.Expr:
    return pl.col("dims").str.json_path_match(f"$.{name}")


@dataclass(frozen=True)
class Marts:
    """The mart frames the gap model reads: each has series_id, dims, period_start, frequency, value (persons)."""

    employment_by_sector: pl.DataFrame
    employment_by_occupation: pl.DataFrame
    vacancies_by_sector: pl.DataFrame
    new_vacancies_by_occupation_and_sector: pl.DataFrame
    unemployment: pl.DataFrame
    mbo_graduates_by_field: pl.DataFrame
    higher_education_enrolment_by_field: pl.DataFrame
    employment_by_age: pl.DataFrame


def yearly_path(series_id: str, observed: pl.DataFrame, forecasts: pl.DataFrame, year_shift: int = 0) -> YearlyPath:
    """Observed values (no uncertainty) followed by the forecast with its 80% interval, by calendar year."""
    seen = observed.filter(pl.col("series_id") == series_id).sort("period_start")
    ahead = forecasts.filter(pl.col("series_id") == series_id).sort("period_start")
    if seen.is_empty():
        raise GapInputError(f"series {series_id!r} has no observations in the marts")
    years = np.concatenate([seen["period_start"].dt.year().to_numpy(), ahead["period_start"].dt.year().to_numpy()])
    point = np.concatenate([seen["value"].to_numpy(), ahead["point"].to_numpy()])
    lower = np.concatenate([seen["value"].to_numpy(), ahead["lower_80"].to_numpy()])
    upper = np.concatenate([seen["value"].to_numpy(), ahead["upper_80"].to_numpy()])
    return YearlyPath(years + year_shift, point, lower, upper)


def _series_for_code(
    frame: pl.DataFrame, dimension: str, code: str, frequency: str, what: str, measure: str | None = None
) -> str:
    if measure is not None:
        frame = frame.filter(pl.col("measure") == measure)
    matches = frame.filter(code_of(dim(dimension)) == code, pl.col("frequency") == frequency)["series_id"].unique()
    if matches.len() != 1:
        raise GapInputError(
            f"{what}: expected one {frequency} series with {dimension} code {code!r}, found {matches.len()}"
        )
    return matches[0]


def build_gap_inputs(
    marts: Marts,
    forecasts: pl.DataFrame,
    composition: pl.DataFrame,
    occupation_skills: pl.DataFrame,
    education_skills: pl.DataFrame,
    parameters: dict[str, float],
    end_year: int,
) -> tuple[GapInputs, dict[str, list[str]]]:
    """The gap model's inputs and, per group, the series ids its numbers come from (for lineage)."""
    sources: dict[str, list[str]] = {}
    employment_frames = {"85272NED": marts.employment_by_sector, "85276NED": marts.employment_by_occupation}
    base_year = _base_year(marts)
    shares = _skill_shares(marts, composition, occupation_skills, base_year)
    groups = {}
    for group in composition["sector_group"].unique(maintain_order=True):
        parts = composition.filter(pl.col("sector_group") == group)
        employment = []
        for row in parts.filter(pl.col("role") == "employment").iter_rows(named=True):
            frame = employment_frames[row["table_id"]]
            series_id = _series_for_code(frame, row["dimension"], row["code"], "Y", f"{group} employment")
            employment.append((float(row["weight"]), yearly_path(series_id, frame, forecasts)))
            sources.setdefault(group, []).append(series_id)
        vacancies = 0.0
        for row in parts.filter(pl.col("role") == "vacancies").iter_rows(named=True):
            frame = marts.vacancies_by_sector
            series_id = _series_for_code(
                frame, row["dimension"], row["code"], "Q", f"{group} vacancies", measure=OPEN_VACANCIES
            )
            at_base = frame.filter(
                pl.col("series_id") == series_id, pl.col("period_start") == pl.date(base_year, 10, 1)
            )
            if at_base.is_empty():
                raise GapInputError(f"{group} vacancies: {series_id!r} has no value for the 4th quarter of {base_year}")
            vacancies += float(row["weight"]) * float(at_base["value"][0])
            sources[group].append(series_id)
        group_shares = shares.filter(pl.col("sector_group") == group)
        groups[group] = GroupInputs(
            employment=employment,
            base_vacancies=vacancies,
            skill_shares=dict(zip(group_shares["skill"], group_shares["share"], strict=True)),
            skill_share_basis=dict(zip(group_shares["skill"], group_shares["basis"], strict=True)),
        )
    school_leavers, school_sources = _school_leavers(marts, forecasts, education_skills, parameters)
    unemployed_id = marts.unemployment.filter(
        pl.col("measure") == "NietSeizoengecorrigeerd_5", pl.col("frequency") == "Y"
    )["series_id"].unique()
    if unemployed_id.len() != 1:
        raise GapInputError(f"unemployment: expected one yearly series of the unemployed, found {unemployed_id.len()}")
    age = marts.employment_by_age.filter(pl.col("frequency") == "Y", pl.col("period_start").dt.year() == base_year)
    employed_by_age = dict(zip(age.select(dim("Leeftijd"))["dims"], age["value"], strict=True))
    rate = outflow_rate(employed_by_age, parameters["retirement_window_years"], parameters["other_exit_rate"])
    reactivation = parameters["unemployed_reactivation_rate"]
    inputs = GapInputs(
        base_year=base_year,
        end_year=end_year,
        groups=groups,
        school_leavers=school_leavers,
        unemployed=yearly_path(unemployed_id[0], marts.unemployment, forecasts),
        outflow_rate=rate,
        unemployed_inflow_share={s: parameters[f"unemployed_share_{s}"] * reactivation for s in SKILLS},
    )
    supply_sources = [*school_sources, unemployed_id[0]]
    return inputs, {group: [*ids, *supply_sources] for group, ids in sources.items()}


def _base_year(marts: Marts) -> int:
    """The last year that every employment series used by the groups has observed."""
    yearly = pl.concat(
        [
            marts.employment_by_sector.select("period_start", "frequency"),
            marts.employment_by_occupation.select("period_start", "frequency"),
        ]
    ).filter(pl.col("frequency") == "Y")
    if yearly.is_empty():
        raise GapInputError("no yearly employment observations in the marts")
    return int(yearly["period_start"].dt.year().max())


def _skill_shares(
    marts: Marts, composition: pl.DataFrame, occupation_skills: pl.DataFrame, base_year: int
) -> pl.DataFrame:
    """Skill shares per group, from the occupation mix of its new vacancies or, where the composition says
    `occupation_employment`, from employment by occupation in the base year."""
    mix_parts = composition.filter(pl.col("role") == "occupation_mix").with_columns(pl.col("weight").cast(pl.Float64))
    mix = marts.new_vacancies_by_occupation_and_sector.filter(pl.col("frequency") == "Y").with_columns(
        code_of(dim("BedrijfstakkenBranchesSBI2008")).alias("code"),
        code_of(dim("Beroepenindeling")).alias("occupation_code"),
    )
    years = mix["period_start"].unique().implode()
    numerators = (
        mix_parts.join(mix, on="code", how="inner")
        .group_by("sector_group", "occupation_code")
        .agg(
            # null when CBS published none of the cells, so the share can say it had nothing to go on
            pl.when(pl.col("value").is_not_null().any())
            .then((pl.col("value").fill_null(0.0) * pl.col("weight")).sum())
            .alias("value")
        )
    )
    new_vacancies = marts.vacancies_by_sector.filter(
        pl.col("measure") == NEW_VACANCIES, pl.col("frequency") == "Y", pl.col("period_start").is_in(years)
    ).with_columns(code_of(dim("Bedrijfskenmerken")).alias("code"))
    denominators = (
        mix_parts.join(new_vacancies, on="code", how="inner")
        .group_by("sector_group")
        .agg((pl.col("value") * pl.col("weight")).sum().alias("total"))
    )
    employment_parts = composition.filter(pl.col("role") == "occupation_employment")
    by_occupation = marts.employment_by_occupation.filter(
        pl.col("frequency") == "Y", pl.col("period_start").dt.year() == base_year
    ).with_columns(code_of(dim("Beroep")).alias("occupation_code"))
    totals = employment_parts.join(by_occupation, left_on="code", right_on="occupation_code", how="inner")
    from_employment = skill_shares(
        employment_parts.select("sector_group").join(by_occupation, how="cross"),
        totals.select("sector_group", pl.col("value").alias("total")),
        occupation_skills,
    ).with_columns(pl.lit(f"employment by occupation class (85276NED), {base_year}").alias("basis"))
    national = from_employment.group_by("skill").agg(pl.col("share").mean().alias("national_share"))
    first, last = mix["period_start"].dt.year().min(), mix["period_start"].dt.year().max()
    published = pl.col("cells_published") > 0
    from_mix = (
        skill_shares(numerators, denominators, occupation_skills)
        .join(national, on="skill", how="left")
        .with_columns(
            pl.when(published).then(pl.col("share")).otherwise(pl.col("national_share")).alias("share"),
            pl.when(published)
            .then(pl.lit(f"new vacancies by occupation class (85081NED) / new vacancies (80472ned), {first}-{last}"))
            .otherwise(
                pl.lit(
                    f"FALLBACK national share (85276NED, {base_year}): 85081NED publishes no cell of this skill's "
                    "occupation class for the group's sectors"
                )
            )
            .alias("basis"),
        )
    )
    if from_mix["share"].is_null().any():
        raise GapInputError(
            "a group needs the national skill share as fallback, but no group has role "
            "occupation_employment in the composition seed"
        )
    shares = pl.concat([from_mix.select(from_employment.columns), from_employment])
    missing = set(composition["sector_group"]) - set(shares["sector_group"])
    if missing:
        raise GapInputError(
            f"no occupation mix (85081NED with 80472ned) or occupation employment for {sorted(missing)}"
        )
    return shares


def _school_leavers(
    marts: Marts, forecasts: pl.DataFrame, education_skills: pl.DataFrame, parameters: dict[str, float]
) -> tuple[dict[str, list[YearlyPath]], list[str]]:
    """Graduates of a school year enter the labour market in the calendar year the school year ends."""
    fields = education_skills.filter(pl.col("skill").is_in(SKILLS))
    paths: dict[str, list[YearlyPath]] = {skill: [] for skill in SKILLS}
    used = []
    flows = (
        (marts.mbo_graduates_by_field, "Studierichting", parameters["mbo_entry_rate"]),
        (
            marts.higher_education_enrolment_by_field.filter(
                dim("Onderwijssoort") == "Hoger onderwijs", pl.col("measure") == "TotaalIngeschrevenen_1"
            ),
            "StudierichtingISCED2013",
            parameters["he_graduates_per_enrolled"] * parameters["he_entry_rate"],
        ),
    )
    for frame, dimension, factor in flows:
        for row in fields.iter_rows(named=True):
            series_id = _series_for_code(frame, dimension, row["isced_field"], "SY", f"school-leavers {row['skill']}")
            path = yearly_path(series_id, frame, forecasts, year_shift=1)
            paths[row["skill"]].append(
                YearlyPath(path.years, path.point * factor, path.lower_80 * factor, path.upper_80 * factor)
            )
            used.append(series_id)
    return paths, used
