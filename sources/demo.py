"""The `demo` source: a seeded generator that writes the raw shapes of the registered tables.

Every number it makes is synthetic. Its vintages, staged rows and published rows all carry `data_source = demo`,
and the published tables say so; it exists for an offline quick start and for scale tests, never for the letter.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import polars as pl

from sources.base import RawTable, content_hash
from sources.registry import PERIOD_DIMENSION, TableSpec

# SBI sections weighted as in the Dutch economy (they add up to A-U's 100), and the codes inside them the groups use:
# aggregates stay sums of their parts, because the occupation mix is bounded over the SBI hierarchy.
_SECTIONS = {
    "A Landbouw, bosbouw en visserij": 2.3,
    "B Delfstoffenwinning": 0.1,
    "C Industrie": 8.4,
    "D Energievoorziening": 0.4,
    "E Waterbedrijven en afvalbeheer": 0.4,
    "F Bouwnijverheid": 4.3,
    "G Handel": 13.5,
    "H Vervoer en opslag": 4.9,
    "I Horeca": 4.3,
    "J Informatie en communicatie": 4.5,
    "K Financiële dienstverlening": 2.5,
    "L Verhuur en handel van onroerend goed": 0.9,
    "M Specialistische zakelijke diensten": 7.5,
    "N Verhuur en overige zakelijke diensten": 5.5,
    "O Openbaar bestuur en overheidsdiensten": 6.9,
    "P Onderwijs": 7.8,
    "Q Gezondheids- en welzijnszorg": 16.9,
    "R Cultuur, sport en recreatie": 4.5,
    "S Overige dienstverlening": 4.0,
    "T Huishoudens": 0.3,
    "U Extraterritoriale organisaties": 0.1,
}
_SECTORS = {
    "A-U Alle economische activiteiten": 100.0,
    **_SECTIONS,
    "R-U Cultuur, recreatie, overige diensten": 8.9,
    "58-60 Uitgeverijen, film,radio en t.v.": 0.6,
    "61 Telecommunicatie": 0.4,
    "62-63 IT- en informatiedienstverlening": 3.5,
    "20 Chemische industrie": 0.6,  # 20, 26 and 28: the strategic markets' divisions of C
    "21 Farmaceutische industrie": 0.3,
    "26 Elektrotechnische industrie": 0.4,
    "28 Machine-industrie": 1.1,
    "72 Research": 0.8,
    "87-88 Verzorging en welzijn": 9.1,
    "88 Welzijnszorg zonder overnachting": 3.3,
}
# 85081NED publishes some sectors only, as CBS does: never every part of an aggregate
_MIX_SECTORS = {
    label: _SECTORS[label]
    for label in (
        "A-U Alle economische activiteiten",
        "C Industrie",
        "D Energievoorziening",
        "F Bouwnijverheid",
        "J Informatie en communicatie",
        "O Openbaar bestuur en overheidsdiensten",
        "P Onderwijs",
        "72 Research",
    )
}
_OCCUPATIONS = {
    "Totaal": 100.0,
    "01 Pedagogische beroepen": 7.0,
    "013 Leidsters kinderopvang en onderwijsassistenten": 2.0,
    "03 Commerciële beroepen": 10.0,
    "04 Bedrijfseconomische en administratieve beroepen": 14.0,
    "07 Technische beroepen": 11.0,
    "08 ICT beroepen": 5.0,
    "10 Zorg en welzijn beroepen": 13.0,
    "11 Dienstverlenende beroepen": 9.0,
}
_FIELDS = {
    "Totaal": 100.0,
    "01 Onderwijs": 6.0,
    "04 Recht, administratie, handel en zakelijke dienstverlening": 20.0,
    "05 Wiskunde, natuurwetenschappen": 4.0,
    "06 Informatica": 6.0,
    "07 Techniek, industrie en bouwkunde": 16.0,
    "09 Gezondheidszorg en welzijn": 22.0,
}
_AGES = {"15 tot 75 jaar": 100.0, "55 tot 65 jaar": 16.0, "65 tot 75 jaar": 3.0, "15 tot 25 jaar": 15.0}
# the population projection's five-year bands (85745NED), 15-74 about 84% of the total: the population check sums
# them, and the demo's employed labour force is about two thirds of them, as in the Netherlands
_POPULATION_AGES = {"Totaal": 100.0} | {
    f"{age} tot {age + 5} jaar": 7.0 if 15 <= age < 75 else 2.3 for age in range(0, 95, 5)
}

# Members of the dimensions the marts read, weighted against a total of 100 (slice dimensions take their slice value).
DEMO_MEMBERS: dict[str, dict[str, float]] = {
    "Bedrijfskenmerken": _SECTORS,
    "BedrijfstakkenBranchesSBI2008": _SECTORS,
    "SBI2008": _SECTORS,
    "Beroep": _OCCUPATIONS,
    "Beroepenindeling": {k: v for k, v in _OCCUPATIONS.items() if k != "Totaal"},
    "Studierichting": _FIELDS,
    "StudierichtingISCED2013": _FIELDS,
    "Onderwijssoort": {"Hoger onderwijs": 100.0, "Hoger beroepsonderwijs": 60.0, "Wetenschappelijk onderwijs": 40.0},
    "Leeftijd": _AGES,
    "PrognoseInterval": {
        "Prognose": 100.0,
        "Ondergrens 95%-prognose-interval": 97.0,
        "Bovengrens 95%-prognose-interval": 103.0,
    },
    "TypeWerkenden": {"Totaal": 100.0},
    # 80857ned's government sectors (the police, whose vacancies the security group reads, among them)
    "Overheidssectoren": {
        "Totaal overheid": 100.0,
        "Rijksoverheid": 25.0,
        "Gemeentelijke overheid": 30.0,
        "Politie": 10.0,
        "Defensie": 10.0,
        "Onderwijs": 25.0,
    },
    # the twelve provinces' shares of the country, about as in 2022
    "RegioS": {
        "Nederland": 100.0,
        "Groningen (PV)": 3.3,
        "Fryslân (PV)": 3.6,
        "Drenthe (PV)": 2.7,
        "Overijssel (PV)": 6.7,
        "Flevoland (PV)": 2.5,
        "Gelderland (PV)": 12.0,
        "Utrecht (PV)": 8.1,
        "Noord-Holland (PV)": 16.9,
        "Zuid-Holland (PV)": 21.1,
        "Zeeland (PV)": 2.1,
        "Noord-Brabant (PV)": 14.9,
        "Limburg (PV)": 6.1,
    },
    # 84916NED's keys: all occupations, and technical and ICT occupations together (07 + 08 above)
    "Beroepsklasse": {"1200000": 100.0, "6000000": 16.0},
}
# The dimensions a scaled demo source widens (TALENTGAP_DEMO_SCALE): sectors, occupations, fields and regions.
SCALABLE_DIMENSIONS = (
    "Bedrijfskenmerken",
    "BedrijfstakkenBranchesSBI2008",
    "SBI2008",
    "Beroep",
    "Beroepenindeling",
    "Beroepsklasse",
    "Studierichting",
    "StudierichtingISCED2013",
    "RegioS",
)
MAX_SCALE = 1000
NOISE = 0.005  # small, so that aggregates stay within rounding of the sums of their parts
LEVEL_OF_TOTAL = 0.3  # a total (every member weight 100) sits at 30% of its measure's plausible maximum
_QUARTER_LABELS = ("1e kwartaal", "2e kwartaal", "3e kwartaal", "4e kwartaal")


def _periods(spec: TableSpec, first_year: int, last_year: int) -> list[tuple[str, int, int]]:
    """(label, year, quarter or 0) in CBS order for the frequency the table is published at."""
    if spec.model_frequency == "SY":
        return [(f"{y}/'{(y + 1) % 100:02d}", y, 0) for y in range(first_year, last_year)]
    if spec.role in ("new_vacancies_by_occupation_and_sector", "population_projection"):
        return [(str(y), y, 0) for y in range(first_year, last_year + 1)]
    out = []
    for year in range(first_year, last_year + 1):
        out += [(f"{year} {label}", year, q + 1) for q, label in enumerate(_QUARTER_LABELS)]
        out.append((str(year), year, 0))
    return out


class DemoSource:
    """Writes every registered table with synthetic values: a trend, a season and noise, from a fixed seed."""

    kind = "demo"

    def __init__(self, seed: int = 2026, first_year: int = 2008, last_year: int = 2022, scale: int = 1) -> None:
        if not 1 <= scale <= MAX_SCALE:
            raise ValueError(f"demo scale {scale} is outside 1-{MAX_SCALE}")
        self.seed, self.first_year, self.last_year, self.scale = seed, first_year, last_year, scale

    def fetch(self, spec: TableSpec) -> RawTable:
        table_seed = int(hashlib.sha256(f"{self.seed}:{spec.table_id}".encode()).hexdigest()[:8], 16)
        rng = np.random.default_rng(table_seed)
        if spec.role == "new_vacancies_by_occupation_and_sector":
            periods = _periods(spec, max(self.first_year, 2018), self.last_year)
        elif spec.role == "population_projection":
            periods = _periods(spec, self.last_year + 2, 2070)
        else:
            periods = _periods(spec, self.first_year, self.last_year)
        members = [
            {spec.slice[d]: 100.0} if d in spec.slice else DEMO_MEMBERS.get(d, {"Totaal": 100.0})
            for d in spec.dimensions
        ]
        if spec.role == "new_vacancies_by_occupation_and_sector":
            members[0] = _MIX_SECTORS
        if spec.role == "population_projection":
            ages = spec.dimensions.index("Leeftijd")
            members[ages] = _POPULATION_AGES
        members = self._scaled(spec, members)
        combos: list[tuple[tuple[str, ...], float]] = [((), 1.0)]
        for options in members:
            combos = [((*labels, label), weight * w / 100) for labels, weight in combos for label, w in options.items()]
        columns: dict[str, list[str]] = {d: [] for d in (*spec.dimensions, PERIOD_DIMENSION)}
        columns |= {m.name: [] for m in spec.measures}
        # one trend and season for every table (tables that publish the same total agree) and every member (members
        # keep their weights, aggregates stay sums of their parts); noise on the parts only, never on a total
        shared = np.random.default_rng(self.seed)
        growth = shared.normal(0.015, 0.01)
        season = shared.normal(0, 0.03, 4)
        for labels, weight in combos:
            for label, year, quarter in periods:
                for d, value in zip(spec.dimensions, labels, strict=True):
                    columns[d].append(value)
                columns[PERIOD_DIMENSION].append(label)
                for measure in spec.measures:
                    level = measure.plausible_max / measure.scale * LEVEL_OF_TOTAL * weight
                    trend = (1 + growth) ** (year - periods[0][1])
                    seasonal = 1 + (season[quarter - 1] if quarter else 0.0)
                    noise = 1.0 if weight == 1.0 else rng.lognormal(0, NOISE)
                    value = level * trend * seasonal * noise
                    columns[measure.name].append(f"{value:.1f}")
        frame = pl.DataFrame(columns).with_columns(pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("source_row"))
        columns_received = tuple(c for c in frame.columns if c != "source_row")
        return RawTable(
            table_id=spec.table_id,
            frame=frame,
            data_source=self.kind,
            location=f"demo://seed={self.seed}{f',scale={self.scale}' if self.scale > 1 else ''}/{spec.table_id}",
            retrieved_at=datetime.now(UTC),
            table_modified=None,
            rows_expected=frame.height,
            content_hash=content_hash(spec, frame, columns_received),
            period_status={},
            columns_received=columns_received,
        )

    def _scaled(self, spec: TableSpec, members: list[dict[str, float]]) -> list[dict[str, float]]:
        """At scale N, the table's last sector, occupation, field or region dimension gets N - 1 synthetic copies of
        each of its members (not its total), so the table has about N times its series in the same shape. A copy's
        label starts with `synthetic-<k>`, which is no SBI, BRC or region code: the hierarchy, the groups and the
        provinces never take a copy for a real member."""
        widened = [i for i, d in enumerate(spec.dimensions) if d in SCALABLE_DIMENSIONS and d not in spec.slice]
        if self.scale == 1 or not widened:
            return members
        i = widened[-1]
        copies = {
            f"synthetic-{k} {label}": weight
            for k in range(2, self.scale + 1)
            for label, weight in members[i].items()
            if weight < 100
        }
        return [*members[:i], members[i] | copies, *members[i + 1 :]]
