"""Assemble the gap model's inputs from the marts and seeds (pure polars and numpy, no Dagster).

`ModelData` reads every mart once into plain lookups and solves the occupation mix of each year of 85081NED.
`units_at(data, origin)` then builds, with only what was known at the end of `origin`, one `Unit` per group x skill
(and one per skill for the whole economy): its observed history, its skill share with bounds, and the share of the
skill's hires and school-leavers it receives. The backtest calls it for earlier origins, the publication for the
last observed year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from models.gap.cycle import Cycle, Response, persistence
from models.gap.occupation_mix import YearMix, solve_year
from models.gap.output import SectorGrowth, group_growth
from models.gap.stock_flow import Calibration, History, calibrate
from sources.registry import VALUE_ADDED_SECTORS

SKILLS = ("technical", "digital")
NATIONAL = "national"
OPEN_VACANCIES = "OpenstaandeVacatures_1"
NEW_VACANCIES = "OntstaneVacatures_2"
FILLED_VACANCIES = "VervuldeVacatures_3"
UNEMPLOYED = "NietSeizoengecorrigeerd_5"
ENROLLED = "TotaalIngeschrevenen_1"
LABOUR_YEARS = "Arbeidsjaren_3"
# SBI sections (with R-U together) as 85272NED and the occupation mix both publish them: they add up to the economy,
# so the skill employment of all sections can be made to add up to the national figure of 85276NED.
SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R-U")
HIRES_YEARS = 5  # the group's share of a skill's hires: filled vacancies over the last five years
MIN_HISTORY_YEARS = 3  # a unit needs this many years of history at its origin (CBS codes occupations from 2013)


class GapInputError(ValueError):
    """A series the gap model needs is missing or incomplete."""


def code_of(label: pl.Expr) -> pl.Expr:
    """The classification code at the start of a CBS label: `Q Gezondheids- en welzijnszorg` -> `Q`."""
    return label.str.strip_chars().str.split(" ").list.first()


def dim(name: str) -> pl.Expr:
    return pl.col("dims").str.json_path_match(f"$.{name}")


@dataclass(frozen=True)
class Marts:
    """The mart frames the gap model reads: each has series_id, dims, period_start, frequency, value."""

    employment_by_sector: pl.DataFrame
    employment_by_occupation: pl.DataFrame
    employment_by_occupation_since_2003: pl.DataFrame
    vacancies_by_sector: pl.DataFrame
    government_vacancies: pl.DataFrame
    vacancy_rate_by_sector: pl.DataFrame
    new_vacancies_by_occupation_and_sector: pl.DataFrame
    unemployment: pl.DataFrame
    mbo_graduates_by_field: pl.DataFrame
    higher_education_enrolment_by_field: pl.DataFrame
    employment_by_age: pl.DataFrame
    value_added_by_sector: pl.DataFrame
    labour_volume_by_sector: pl.DataFrame


@dataclass(frozen=True)
class YearlySeries:
    """A yearly series: observed values, then (from `first_forecast`) a forecast with its 80% interval."""

    values: dict[int, float]
    lower: dict[int, float] = field(default_factory=dict)
    upper: dict[int, float] = field(default_factory=dict)
    first_forecast: int | None = None

    def known_until(self, year: int) -> dict[int, float]:
        last = year if self.first_forecast is None else min(year, self.first_forecast - 1)
        return {y: v for y, v in self.values.items() if y <= last}


@dataclass(frozen=True)
class Share:
    """A group's share of a skill in its new vacancies, with the bounds the published cells allow."""

    point: float
    lower: float
    upper: float
    published: bool
    years: tuple[int, ...]


@dataclass(frozen=True)
class Unit:
    """One group x skill at one origin: everything the account needs, and what it was built from."""

    group: str
    skill: str
    origin: int
    history: History
    calibration: Calibration
    vacancy_share: Share
    relative_turnover: float  # the skill's new vacancies per worker against all jobs' (1 = the same turnover)
    hires_share: float  # the group's share of the skill's hires (filled vacancies) nationally
    normal_ratio: float  # unfilled jobs / demand at the long-run vacancy rate of the group's sectors
    long_run_growth: float  # log growth a year of all employment (A-U) over the same years: trends fade into it
    basis: str
    cycle: Cycle  # the base year's vacancy rate against its normal level, and how fast the distance fades
    response: Response  # the other entrants' rate and how it rises with tightness
    matching_unemployed: float  # the unemployed of the base year (yearly average) taken as seeking the unit's jobs
    sector_growth: SectorGrowth  # output and labour volume of the unit's sectors, by year (national accounts)
    economy_growth: SectorGrowth  # the same for the whole economy (A-U)

    @property
    def employment_share(self) -> float:
        return self.vacancy_share.point / self.relative_turnover

    @property
    def share_factor_bounds(self) -> tuple[float, float]:
        """How far every number of the unit can move, as a factor, within the share's bounds; never so far that the
        skill's employment would exceed the group's."""
        point = self.vacancy_share.point
        if point <= 0:
            return 1.0, 1.0
        return self.vacancy_share.lower / point, min(self.vacancy_share.upper / point, 1 / self.employment_share)


@dataclass
class ModelData:
    """Every mart the gap model reads, as lookups by code and year, with the occupation mix of each year solved."""

    composition: pl.DataFrame
    parameters: dict[str, float]
    skill_classes: dict[str, str]  # skill -> BRC class
    employment: dict[tuple[str, int], float]  # (SBI code, year) -> employed labour force (85272NED)
    open_q4: dict[tuple[str, int], float]  # (80472ned or 80857ned code, year) -> open vacancies at the end of Q4
    filled: dict[tuple[str, int], float]  # (80472ned or 80857ned code, year) -> filled vacancies in the year
    vacancy_rate_q4: dict[tuple[str, int], float]  # (80567ned code, year) -> vacancies per 1,000 jobs in Q4
    skill_employment: dict[tuple[str, int], float]  # (skill, year) -> national employment in its class (85276NED)
    occupations_since_2003: dict[tuple[str, int], float]  # (BRC code or Totaal, year) -> employed (82808NED)
    outflow_rate: dict[int, float]
    school_leavers: dict[str, YearlySeries]  # skill -> national school-leavers entering the skill's jobs
    school_routes: dict[str, dict[str, YearlySeries]]  # skill -> {"mbo": ..., "he": ...}: the two parts of it
    unemployed: YearlySeries  # unemployed persons, national
    mix: dict[int, YearMix]
    value_added: dict[tuple[str, int], float]  # (national-accounts sector, year) -> value added, 2015 prices (84105NED)
    labour_years: dict[tuple[str, int], float]  # (sector, year) -> labour years (85918NED)
    _bounds: dict = field(default_factory=dict, repr=False)  # (sectors, occupation, year) -> (lower, upper)
    # groups whose backtest errors do not calibrate the intervals: the strategic markets, nested in the domains and,
    # five of six, manufacturing's vacancies and mix times a share (one error five times over)
    nested_groups: frozenset[str] = frozenset()

    def share_of(self, group_weights: dict[str, float], occupation: str, year: int) -> float:
        """The point estimate of the occupation's share of the sectors' new vacancies in `year`."""
        mix = self.mix[year]
        return mix.value(group_weights, occupation) / mix.total(group_weights)

    def share_bounds(self, group_weights: dict[str, float], occupation: str, year: int) -> tuple[float, float]:
        """The smallest and largest share the published cells allow: two linear programmes, solved once a run."""
        key = (tuple(sorted(group_weights.items())), occupation, year)
        if key not in self._bounds:
            mix = self.mix[year]
            total = mix.total(group_weights)
            low, high = mix.bounds(group_weights, occupation)
            # the sector total is known within rounding, but a share is a share
            self._bounds[key] = (max(low / total, 0.0), min(high / total, 1.0))
        return self._bounds[key]

    @property
    def last_year(self) -> int:
        return max(year for _, year in self.employment)

    @property
    def breaks(self) -> tuple[int, ...]:
        """Years whose change is a break in the survey, left out of every trend and mean rate."""
        year = self.parameters.get("survey_break_year")
        return () if year is None else (int(year),)


def weights(composition: pl.DataFrame, group: str, role: str) -> dict[str, float]:
    rows = composition.filter(pl.col("sector_group") == group, pl.col("role") == role)
    return {code: float(w) for code, w in rows.select("code", "weight").rows()}


def _lookup(
    frame: pl.DataFrame, dimension: str, measure: str | None = None, frequency: str = "Y", whole_label: bool = False
) -> dict:
    """(code, year) -> value of one measure at one frequency; quarterly series give their 4th quarter."""
    if measure is not None:
        frame = frame.filter(pl.col("measure") == measure)
    frame = frame.filter(pl.col("frequency") == frequency, pl.col("value").is_not_null())
    if frequency == "Q":
        frame = frame.filter(pl.col("period_start").dt.month() == 10)
    key = dim(dimension) if whole_label else code_of(dim(dimension))
    rows = frame.select(key.alias("code"), pl.col("period_start").dt.year(), "value").rows()
    return {(code, year): float(value) for code, year, value in rows}


def _vacancies(marts: Marts, measure: str, frequency: str) -> dict[tuple[str, int], float]:
    """One measure of the vacancy tables by code: the SBI sectors of 80472ned and the government sectors of
    80857ned (the police), whose codes differ."""
    sectors = _lookup(marts.vacancies_by_sector, "Bedrijfskenmerken", measure, frequency)
    government = _lookup(marts.government_vacancies, "Overheidssectoren", measure, frequency)
    shared = {code for code, _ in sectors} & {code for code, _ in government}
    if shared:
        raise GapInputError(f"80472ned and 80857ned both have the codes {sorted(shared)}: the groups cannot tell them")
    return sectors | government


def first_year(composition: pl.DataFrame, group: str) -> int | None:
    """The first year every series of the group is comparable in (group_composition.first_year: a break in a
    series before it), or None."""
    rows = composition.filter(pl.col("sector_group") == group, pl.col("first_year").is_not_null())
    return max((int(y) for y in rows["first_year"]), default=None)


# the warehouse tables the gap model reads: its lineage in the UI, and what model_data() takes
GAP_SEEDS = (
    "group_composition",
    "occupation_skills",
    "education_skills",
    "parameters",
    "sbi_hierarchy",
    "sector_groups",
)
NESTED_KIND = "strategic_market"  # groups inside others' sectors, scaled from their series: kept out of the pool
GAP_INPUT_TABLES = (
    *(f"marts.{role}" for role in Marts.__dataclass_fields__),
    *(f"seeds.{name}" for name in GAP_SEEDS),
    "forecast.series_forecasts",
)


def marts_of(tables: Mapping[str, pl.DataFrame]) -> Marts:
    return Marts(**{role: tables[f"marts.{role}"] for role in Marts.__dataclass_fields__})


def model_data(tables: Mapping[str, pl.DataFrame], parameters: Mapping[str, float] | None = None) -> ModelData:
    """The gap model's inputs from the warehouse tables named in GAP_INPUT_TABLES; `parameters` replace the seed's
    values of the assumptions they name."""
    seeded = {row["name"]: float(row["value"]) for row in tables["seeds.parameters"].iter_rows(named=True)}
    groups = tables["seeds.sector_groups"]
    nested = frozenset(groups.filter(pl.col("kind") == NESTED_KIND)["sector_group"])
    data = load_model_data(
        marts_of(tables),
        tables["forecast.series_forecasts"],
        tables["seeds.group_composition"],
        tables["seeds.sbi_hierarchy"],
        tables["seeds.occupation_skills"],
        tables["seeds.education_skills"],
        seeded | dict(parameters or {}),
    )
    return replace(data, nested_groups=nested)


def load_model_data(
    marts: Marts,
    forecasts: pl.DataFrame,
    composition: pl.DataFrame,
    hierarchy: pl.DataFrame,
    occupation_skills: pl.DataFrame,
    education_skills: pl.DataFrame,
    parameters: dict[str, float],
) -> ModelData:
    classes = sorted(occupation_skills["brc_class"])
    skill_classes = {
        skill: cls for cls, skill in occupation_skills.select("brc_class", "skill").rows() if skill != "none"
    }
    by_occupation = _lookup(marts.employment_by_occupation, "Beroep")
    skill_employment = {
        (s, y): v for (code, y), v in by_occupation.items() for s, c in skill_classes.items() if code == c
    }
    if not skill_employment:
        raise GapInputError("employment by occupation (85276NED) has no yearly series of BRC classes 07 and 08")
    age = _lookup(marts.employment_by_age, "Leeftijd", whole_label=True)
    outflow = {
        year: outflow_rate(
            {label: v for (label, y), v in age.items() if y == year},
            parameters["retirement_window_years"],
            parameters["other_exit_rate"],
        )
        for year in sorted({y for (_, y) in age})
    }
    routes = _school_leavers(marts, forecasts, education_skills, parameters)
    data = ModelData(
        composition=composition,
        parameters=parameters,
        skill_classes=skill_classes,
        employment=_lookup(marts.employment_by_sector, "BedrijfstakkenBranchesSBI2008"),
        open_q4=_vacancies(marts, OPEN_VACANCIES, "Q"),
        filled=_vacancies(marts, FILLED_VACANCIES, "Y"),
        vacancy_rate_q4=_lookup(marts.vacancy_rate_by_sector, "SBI2008", frequency="Q"),
        skill_employment=skill_employment,
        occupations_since_2003=_lookup(marts.employment_by_occupation_since_2003, "Beroep"),
        outflow_rate=outflow,
        school_leavers={
            skill: _sum_series([(route, 1.0) for route in parts.values()]) for skill, parts in routes.items()
        },
        school_routes=routes,
        unemployed=_series(marts.unemployment.filter(pl.col("measure") == UNEMPLOYED), forecasts, "unemployment"),
        mix=_solve_mix(marts, hierarchy, classes, by_occupation),
        value_added=_value_added(marts.value_added_by_sector),
        labour_years=_lookup(marts.labour_volume_by_sector, "BedrijfstakkenBranchesSBI2008", LABOUR_YEARS),
    )
    return data


def _value_added(frame: pl.DataFrame) -> dict[tuple[str, int], float]:
    """(SBI code, year) -> yearly value added: 84105NED's sectors are its measure columns."""
    rows = frame.filter(pl.col("frequency") == "Y", pl.col("value").is_not_null()).select(
        pl.col("measure").replace_strict(VALUE_ADDED_SECTORS), pl.col("period_start").dt.year(), "value"
    )
    return {(code, year): float(value) for code, year, value in rows.rows()}


def _solve_mix(marts: Marts, hierarchy: pl.DataFrame, classes: list[str], by_occupation: dict) -> dict[int, YearMix]:
    cells = marts.new_vacancies_by_occupation_and_sector.filter(pl.col("frequency") == "Y").select(
        code_of(dim("BedrijfstakkenBranchesSBI2008")).alias("sector"),
        code_of(dim("Beroepenindeling")).alias("occupation"),
        pl.col("period_start").dt.year().alias("year"),
        "value",
    )
    totals = _lookup(marts.vacancies_by_sector, "Bedrijfskenmerken", NEW_VACANCIES)
    mix = {}
    for year in sorted(cells["year"].unique()):
        mix[year] = solve_year(
            year,
            cells.filter(pl.col("year") == year),
            {code: v for (code, y), v in totals.items() if y == year},
            hierarchy,
            {code: v for (code, y), v in by_occupation.items() if y == year and code in classes},
            classes,
        )
    if not mix:
        raise GapInputError("new vacancies by occupation and sector (85081NED) has no yearly cells")
    return mix


def _series(frame: pl.DataFrame, forecasts: pl.DataFrame, what: str, year_shift: int = 0) -> YearlySeries:
    """One yearly series (observed, then forecast) from a mart frame holding exactly one yearly series."""
    ids = frame.filter(pl.col("frequency").is_in(["Y", "SY"]))["series_id"].unique()
    if ids.len() != 1:
        raise GapInputError(f"{what}: expected one yearly series, found {ids.len()}")
    seen = frame.filter(pl.col("series_id") == ids[0], pl.col("value").is_not_null())
    ahead = forecasts.filter(pl.col("series_id") == ids[0])
    values = {y + year_shift: float(v) for y, v in zip(seen["period_start"].dt.year(), seen["value"], strict=True)}
    first = None
    lower, upper = {}, {}
    for row in ahead.iter_rows(named=True):
        year = row["period_start"].year + year_shift
        first = year if first is None else min(first, year)
        values[year], lower[year], upper[year] = row["point"], row["lower_80"], row["upper_80"]
    return YearlySeries(values, lower, upper, first)


def _school_leavers(
    marts: Marts, forecasts: pl.DataFrame, education_skills: pl.DataFrame, parameters: dict[str, float]
) -> dict[str, dict[str, YearlySeries]]:
    """School-leavers who start in the skill's jobs: graduates of the skill's fields x the share who enter the
    labour market x the share who start in a job matching their field. A school year's graduates count in the
    calendar year it ends. Those who enter the labour market but find no job are not counted here; they are among
    the unemployed, who are counted once, when they take up work. Per skill, the mbo and the higher-education
    route apart (their parameters differ)."""
    higher = marts.higher_education_enrolment_by_field.filter(
        dim("Onderwijssoort") == "Hoger onderwijs", pl.col("measure") == ENROLLED
    )
    flows = {
        "mbo": (marts.mbo_graduates_by_field, "Studierichting", parameters["mbo_entry_rate"]),
        "he": (
            higher,
            "StudierichtingISCED2013",
            parameters["he_graduates_per_enrolled"] * parameters["he_entry_rate"],
        ),
    }
    match = parameters["field_match_rate"]
    paths = {}
    for skill in SKILLS:
        fields = education_skills.filter(pl.col("skill") == skill)["isced_field"].to_list()
        paths[skill] = {}
        for route, (frame, dimension, factor) in flows.items():
            parts = []
            for f in fields:
                series = frame.filter(code_of(dim(dimension)) == f)
                parts.append((_series(series, forecasts, f"school-leavers {skill} {f}", year_shift=1), factor * match))
            paths[skill][route] = _sum_series(parts)
    return paths


def _sum_series(parts: list[tuple[YearlySeries, float]]) -> YearlySeries:
    """The weighted sum over the years every part has; a part not yet published in an early year holds its first
    value there (mbo graduates start in 2015/'16), so the flow does not seem to jump when it appears."""
    years = sorted(set().union(*(p.values for p, _ in parts)))
    last = min(max(p.values) for p, _ in parts)
    first_forecast = min((p.first_forecast for p, _ in parts if p.first_forecast), default=None)

    def value(p: YearlySeries, year: int, which: dict[int, float]) -> float:
        if year in which:
            return which[year]
        if year in p.values:
            return p.values[year]
        return p.values[min(p.values)]

    total, lower, upper = {}, {}, {}
    for year in years:
        if year > last:
            continue
        total[year] = sum(w * value(p, year, p.values) for p, w in parts)
        if first_forecast is not None and year >= first_forecast:
            lower[year] = sum(w * value(p, year, p.lower) for p, w in parts)
            upper[year] = sum(w * value(p, year, p.upper) for p, w in parts)
    return YearlySeries(total, lower, upper, first_forecast)


def _share(data: ModelData, group_weights: dict[str, float], occupation: str, years: list[int]) -> Share:
    """Mean share over the mix years known at the origin, with the mean of each year's bounds."""
    points, lows, highs, published = [], [], [], True
    for year in years:
        low, high = data.share_bounds(group_weights, occupation, year)
        points.append(data.share_of(group_weights, occupation, year))
        lows.append(low)
        highs.append(high)
        published = published and data.mix[year].is_published(group_weights, occupation)
    return Share(float(np.mean(points)), float(np.mean(lows)), float(np.mean(highs)), published, tuple(years))


def mix_years(data: ModelData, origin: int) -> list[int]:
    """The 85081NED years known at the end of `origin`; before the table began, its first year (a look-ahead the
    backtest of origins before 2018 cannot avoid, and says so)."""
    known = [y for y in sorted(data.mix) if y <= origin]
    return known or [min(data.mix)]


def _weighted(
    lookup: dict[tuple[str, int], float], group_weights: dict[str, float], years: Iterable[int]
) -> np.ndarray:
    values = []
    for year in years:
        missing = [c for c in group_weights if (c, year) not in lookup]
        if missing:
            raise GapInputError(f"no value for code(s) {missing} in {year}")
        values.append(sum(w * lookup[(c, year)] for c, w in group_weights.items()))
    return np.array(values)


@dataclass(frozen=True)
class _SkillContext:
    """What every group of one skill shares at one origin: the national flows and the skill's relative turnover."""

    skill: str
    occupation: str
    years: range
    mix_years: list[int]
    turnover: np.ndarray  # by year: the skill's new-vacancy share over its share of jobs, summed over SBI sections
    national_share: float  # the skill's share of the whole economy's new vacancies
    school_leavers: np.ndarray
    unemployed_inflow: np.ndarray
    outflow_rate: np.ndarray
    unemployed_at_origin: float  # the unemployed of the origin year who match the skill (its share of all of them)

    def since(self, year: int) -> _SkillContext:
        """The context from `year` on: a group whose series are comparable only from then."""
        keep = np.array(self.years) >= year
        years = range(max(year, self.years.start), self.years.stop)
        cut = {name: getattr(self, name)[keep] for name in ARRAYS}
        return replace(self, years=years, **cut)


ARRAYS = ("turnover", "school_leavers", "unemployed_inflow", "outflow_rate")  # _SkillContext's by-year arrays


def history_years(data: ModelData, origin: int) -> list[int]:
    """The years up to `origin` a unit's history can hold: employment, its skill's, the outflow, vacancies and the
    unemployed of the year before all observed."""
    return sorted(
        {y for (_, y) in data.employment}
        & {y for (_, y) in data.skill_employment}
        & set(data.outflow_rate)
        & {y + 1 for y in data.unemployed.known_until(origin)}
        & {y for (_, y) in data.open_q4}
    )


def units_at(data: ModelData, origin: int) -> list[Unit]:
    """Every group x skill (and the national unit per skill), built from what was known at the end of `origin`."""
    years_known = history_years(data, origin)
    if origin not in years_known:
        raise GapInputError(f"origin {origin}: employment, vacancies or the unemployed are not observed then")
    years = range(min(years_known), origin + 1)
    all_growth = np.diff(np.log(_weighted(data.employment, {"A-U": 1.0}, years)))
    long_run = float(all_growth[~np.isin(np.array(years)[1:], data.breaks)].mean())
    groups = [*data.composition.filter(pl.col("sector_group") != NATIONAL)["sector_group"].unique(maintain_order=True)]
    fade = persistence(data.vacancy_rate_q4, origin)
    economy = _sector_growth(data, {"A-U": 1.0}, origin)
    starts = {group: first_year(data.composition, group) for group in groups}
    units = []
    for skill in SKILLS:
        context = _skill_context(data, skill, origin, years)
        for group in [*groups, NATIONAL]:
            start = starts.get(group)
            if start is None:
                units.append(_unit(data, group, context, long_run, fade, economy))
            elif origin - start + 1 >= MIN_HISTORY_YEARS:  # too short a comparable history: no unit at this origin
                units.append(_unit(data, group, context.since(start), long_run, fade, economy))
    return units


def _hires_years(data: ModelData, origin: int, start: int | None = None) -> list[int]:
    """The last five years up to `origin` (and from `start`) with filled vacancies (80472ned, 80857ned); fewer at
    the table's start."""
    known = {y for (_, y) in data.filled}
    first = origin - HIRES_YEARS + 1 if start is None else max(origin - HIRES_YEARS + 1, start)
    return [y for y in range(first, origin + 1) if y in known]


def _skill_context(data: ModelData, skill: str, origin: int, years: range) -> _SkillContext:
    occupation = data.skill_classes[skill]
    mixed = mix_years(data, origin)
    section_shares = np.array([np.mean([data.share_of({s: 1.0}, occupation, y) for y in mixed]) for s in SECTIONS])
    sections = np.array([[data.employment[(s, y)] for s in SECTIONS] for y in years])
    national_employment = np.array([data.skill_employment[(skill, y)] for y in years])
    national_share = _share(data, {"A-U": 1.0}, occupation, mixed).point
    leavers = data.school_leavers[skill].known_until(origin)
    unemployed = data.unemployed.known_until(origin)
    rate = data.parameters[f"unemployed_share_{skill}"] * data.parameters["unemployed_reactivation_rate"]
    return _SkillContext(
        skill=skill,
        occupation=occupation,
        years=years,
        mix_years=mixed,
        turnover=sections @ section_shares / national_employment,
        national_share=national_share,
        school_leavers=np.array([leavers.get(y, leavers[min(leavers)]) for y in years]),
        unemployed_inflow=np.array([unemployed[y - 1] for y in years]) * rate,
        outflow_rate=np.array([data.outflow_rate[y] for y in years]),
        unemployed_at_origin=unemployed[max(unemployed)] * data.parameters[f"unemployed_share_{skill}"],
    )


def _sector_growth(data: ModelData, code_weights: dict[str, float], origin: int) -> SectorGrowth:
    return group_growth(code_weights, data.employment, data.value_added, data.labour_years, origin)


def _unit(
    data: ModelData, group: str, context: _SkillContext, long_run_growth: float, fade: float, economy: SectorGrowth
) -> Unit:
    origin = context.years[-1]
    share = _share(data, weights(data.composition, group, "occupation_mix"), context.occupation, context.mix_years)
    vacancy_codes = weights(data.composition, group, "vacancies")
    unfilled = _weighted(data.open_q4, vacancy_codes, context.years) * share.point
    if group == NATIONAL:
        employment = np.array([data.skill_employment[(context.skill, y)] for y in context.years])
        employment_codes = {"A-U": 1.0}
        hires = 1.0
    else:
        employment_codes = weights(data.composition, group, "employment")
        employment = _weighted(data.employment, employment_codes, context.years)
        employment = employment * share.point / context.turnover
        hires_years = _hires_years(data, origin, first_year(data.composition, group))
        filled = _weighted(data.filled, vacancy_codes, hires_years).sum()
        national = _weighted(data.filled, {"A-U": 1.0}, hires_years).sum() * context.national_share
        hires = float(filled * share.point / national)
    history = History(
        years=np.array(context.years),
        employment=employment,
        unfilled=unfilled,
        school_leavers=context.school_leavers * hires,
        unemployed_inflow=context.unemployed_inflow * hires,
        outflow_rate=context.outflow_rate,
    )
    calibration = calibrate(history, data.breaks)
    normal = _normal_ratio(data, group, origin) * float(unfilled[-1] / history.demand[-1])  # per job, filled or not
    rates = calibration.other_entrant_rate[calibration.in_means]
    return Unit(
        group=group,
        skill=context.skill,
        origin=origin,
        history=history,
        calibration=calibration,
        vacancy_share=share,
        relative_turnover=float(context.turnover[-1]),
        hires_share=hires,
        normal_ratio=normal,
        long_run_growth=long_run_growth,
        basis=_basis(share, context.occupation, context.mix_years, group),
        cycle=Cycle(normal / (1 - normal), float(unfilled[-1] / employment[-1]), fade),
        response=Response(float(rates.mean()), 1 - fade, float(rates.min()), float(rates.max())),
        matching_unemployed=context.unemployed_at_origin * hires,
        sector_growth=_sector_growth(data, employment_codes, origin),
        economy_growth=economy,
    )


def _normal_ratio(data: ModelData, group: str, origin: int) -> float:
    """Long-run vacancy rate (mean of every 4th quarter since the series began) over the rate at the origin; a group
    of several sections takes their rates weighted as the composition says (by employment)."""
    rate_weights = weights(data.composition, group, "vacancy_rate")
    total = sum(rate_weights.values())
    rate_weights = {code: w / total for code, w in rate_weights.items()}
    by_code = [{y for (c, y) in data.vacancy_rate_q4 if c == code and y <= origin} for code in rate_weights]
    years = sorted(set.intersection(*by_code))
    if not years or years[-1] != origin:
        raise GapInputError(f"{group}: no vacancy rate (80567ned) for the 4th quarter of {origin}")
    rates = _weighted(data.vacancy_rate_q4, rate_weights, years)
    return float(rates.mean() / rates[-1])


def _basis(share: Share, occupation: str, years: list[int], group: str) -> str:
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    if share.published:
        return f"BRC class {occupation} in new vacancies (85081NED) / all new vacancies (80472ned), {span}: published"
    return (
        f"BRC class {occupation} in new vacancies, {span}: not published by CBS for {group}; estimated within the "
        f"bounds the published cells, sector totals and SBI hierarchy allow ({share.lower:.1%}-{share.upper:.1%} of "
        "new vacancies; skill_share_lower and skill_share_upper give them as shares of jobs)"
    )


def outflow_rate(employed_by_age: dict[str, float], retirement_window_years: float, other_exit_rate: float) -> float:
    """Yearly share of workers who leave: those aged 55+ within the retirement window, plus other exits.

    The national age structure (85264NED): no table here crosses age with sector or occupation."""
    try:
        older = employed_by_age["55 tot 65 jaar"] + employed_by_age["65 tot 75 jaar"]
        return older / employed_by_age["15 tot 75 jaar"] / retirement_window_years + other_exit_rate
    except KeyError as missing:
        raise GapInputError(f"employment by age (85264NED) lacks the age group {missing}") from None
