"""The declarative list of CBS tables talentgap loads.

Adding a table is one `TableSpec` here: where its export lives, its dimensions and measures, and the slice the
marts read. No loader code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERIOD_DIMENSION = "Perioden"


@dataclass(frozen=True)
class Measure:
    name: str
    description: str
    unit: str
    scale: float  # multiply by this to get persons (CBS publishes many counts "x 1 000")
    plausible_max: float = 20_000_000  # persons; more than this is a broken input (the population is about 18 million)


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    title: str
    role: str
    dimensions: tuple[str, ...]  # in CBS order, without Perioden
    measures: tuple[Measure, ...]
    export_file: str  # path under TALENTGAP_DATA_DIR
    slice: dict[str, str] = field(default_factory=dict)  # dimension -> label that the marts read
    model_frequency: str | None = None  # frequency at which the forecaster models this table, None = not modelled
    model_measures: tuple[str, ...] | None = None  # the measures the gap model reads; None = every measure
    key_labels_file: str | None = None  # for key-form exports: a Key,Title file that maps keys to labels
    key_labels: dict[str, str] = field(default_factory=dict)  # keys of standard CBS codes the file may not list
    # a CBS metadata export of the table (TableInfos, DataProperties, Perioden), path under TALENTGAP_DATA_DIR: its
    # Modified date is the export's where it describes the export (sources/files.py)
    metadata_file: str | None = None
    projection: bool = False  # its periods lie in the future by design (a population projection)

    def model_history_sql(self) -> str:
        """The query that reads the series the forecaster models from this table's mart."""
        condition = f"frequency = '{self.model_frequency}'"
        if self.model_measures:
            condition += " and measure in (" + ", ".join(f"'{m}'" for m in self.model_measures) + ")"
        return f"select * from marts.{self.role} where {condition}"

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns a raw load keeps: dimensions, Perioden and the registered measures."""
        return (*self.dimensions, PERIOD_DIMENSION, *(m.name for m in self.measures))


# CBS RegioS keys of the country, its four parts (landsdelen) and the twelve provinces, with the labels CBS gives
PROVINCES = {
    "PV20": "Groningen (PV)",
    "PV21": "Fryslân (PV)",
    "PV22": "Drenthe (PV)",
    "PV23": "Overijssel (PV)",
    "PV24": "Flevoland (PV)",
    "PV25": "Gelderland (PV)",
    "PV26": "Utrecht (PV)",
    "PV27": "Noord-Holland (PV)",
    "PV28": "Zuid-Holland (PV)",
    "PV29": "Zeeland (PV)",
    "PV30": "Noord-Brabant (PV)",
    "PV31": "Limburg (PV)",
}
REGION_KEYS = {
    "NL01": "Nederland",
    "LD01": "Noord-Nederland (LD)",
    "LD02": "Oost-Nederland (LD)",
    "LD03": "West-Nederland (LD)",
    "LD04": "Zuid-Nederland (LD)",
    **PROVINCES,
}
THOUSANDS = "x 1 000"
PERSONS = "aantal"

_TOTALS_PERSONS = {"Geslacht": "Totaal mannen en vrouwen", "Persoonskenmerken": "Totaal personen"}
_MBO_TOTALS = {
    "Geslacht": "Totaal mannen en vrouwen",
    "Niveau": "Totaal mbo",
    "Herkomstland": "Totaal",
    "GeboortelandOuders": "Totaal",
}
# open, new and filled vacancies, as CBS's vacancy tables publish them (by sector, by government sector)
_VACANCY_MEASURES = (
    Measure("OpenstaandeVacatures_1", "open vacancies at the end of the period", THOUSANDS, 1000, 1_500_000),
    Measure("OntstaneVacatures_2", "new vacancies during the period", THOUSANDS, 1000, 5_000_000),
    Measure("VervuldeVacatures_3", "filled vacancies during the period", THOUSANDS, 1000, 5_000_000),
)
_MBO_DIMENSIONS = ("Geslacht", "Niveau", "Leerweg", "Studierichting", "Herkomstland", "GeboortelandOuders")
# 84105NED's gross value added at basic prices by sector: measure column -> the SBI code it covers (SOURCES.md; the
# map was checked against the measure list of CBS 85880NED). Its sectors are columns, not a dimension. Petroleum
# (19, k_19AardolieIndustrie_27) is left out: its value added is negative in some quarters (2013-2014, 2020), which
# the staging checks refuse for a count, and no group reads it (C holds it).
VALUE_ADDED_SECTORS = {
    "Totaal_18": "A-U",
    "ALandbouwBosbouwEnVisserij_20": "A",
    "Totaal_21": "B-E",
    "BDelfstoffenwinning_22": "B",
    "Totaal_23": "C",
    "k_1012VoedingsGenotmiddelenindustrie_24": "10-12",
    "k_1315TextielKledingLederindustrie_25": "13-15",
    "k_1618HoutPapierGrafischeIndustr_26": "16-18",
    "k_2021ChemieEnFarmaceutischeIndustrie_28": "20-21",
    "k_2223KunststofEnBouwmateriaalindustr_29": "22-23",
    "k_2425BasismetaalMetaalprodIndustrie_30": "24-25",
    "k_2627ElektrischeEnElektronIndustrie_31": "26-27",
    "k_28MachineIndustrie_32": "28",
    "k_2930Transportmiddelenindustrie_33": "29-30",
    "k_3133OverigeIndustrieEnReparatie_34": "31-33",
    "DEnergievoorziening_35": "D",
    "EWaterbedrijvenEnAfvalbeheer_36": "E",
    "FBouwnijverheid_37": "F",
    "Totaal_38": "G-N",
    "Totaal_39": "G-I",
    "GHandel_40": "G",
    "HVervoerEnOpslag_41": "H",
    "IHoreca_42": "I",
    "JInformatieEnCommunicatie_43": "J",
    "KFinancieleDienstverlening_44": "K",
    "LVerhuurEnHandelVanOnroerendGoed_45": "L",
    "Totaal_46": "M-N",
    "MSpecialistischeZakelijkeDiensten_47": "M",
    "Totaal_48": "N",
    "Totaal_53": "O-U",
    "Totaal_54": "O-Q",
    "Totaal_55": "O-P",
    "OOpenbaarBestuurEnOverheidsdiensten_56": "O",
    "POnderwijs_57": "P",
    "QGezondheidsEnWelzijnszorg_58": "Q",
    "RUCultuurRecreatieOverigeDiensten_59": "R-U",
}
MILLION_EURO = "mln euro"

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        table_id="80472ned",
        title="Vacatures; SBI 2008; naar economische activiteit en bedrijfsgrootte",
        role="vacancies_by_sector",
        dimensions=("Bedrijfskenmerken",),
        measures=_VACANCY_MEASURES,
        export_file="cbs_dertje/80472ned.csv",
        metadata_file="cbs_biancab97/80472ned/vacatures_metadata.csv",
        model_frequency="Q",
        model_measures=("OpenstaandeVacatures_1",),
    ),
    TableSpec(
        table_id="80857ned",
        title="Vacatures (openstaande, ontstane en vervulde); overheid en onderwijs",
        role="government_vacancies",
        # the police's own vacancies, which no SBI code of 80472ned separates from public administration (O)
        dimensions=("Overheidssectoren",),
        measures=_VACANCY_MEASURES,
        export_file="cbs_dertje/80857ned.csv",
    ),
    TableSpec(
        table_id="80567ned",
        title="Vacatures; vacaturegraad naar SBI 2008",
        role="vacancy_rate_by_sector",
        dimensions=("SBI2008",),
        # a rate, not a count: scale 1 keeps it per 1,000 jobs; more than a quarter of jobs open is a broken input
        measures=(Measure("Vacaturegraad_1", "open vacancies per 1,000 jobs", "per 1 000 banen", 1, 250),),
        export_file="cbs_dertje/80567ned.csv",
    ),
    TableSpec(
        table_id="85920NED",
        title="Arbeidsvolume; bedrijfstak, kwartalen, nationale rekeningen",
        role="employment_by_sector_national_accounts",
        dimensions=("TypeWerkenden", "BedrijfstakkenBranchesSBI2008"),
        measures=(Measure("WerkzamePersonen_1", "employed persons", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/85920NED.csv",
        slice={"TypeWerkenden": "Totaal"},
        model_frequency="Q",
    ),
    TableSpec(
        table_id="84105NED",
        title="Bbp, productie en bestedingen; kwartalen, waarden, nationale rekeningen (basisjaar 2015)",
        role="value_added_by_sector",
        # output by sector: volumes in 2015 prices are chain-linked, so only their growth is used (they do not add up)
        dimensions=("SoortGegevens",),
        measures=tuple(
            Measure(column, f"gross value added at basic prices, SBI {code}", MILLION_EURO, 1, 5_000_000)
            for column, code in VALUE_ADDED_SECTORS.items()
        ),
        export_file="cbs_powell001/84105NED.csv",
        slice={"SoortGegevens": "Prijsniveau 2015"},
    ),
    TableSpec(
        table_id="85918NED",
        title="Arbeidsvolume; bedrijfstak, geslacht, nationale rekeningen",
        role="labour_volume_by_sector",
        # labour input by sector as the national accounts count it, beside 84105NED's output: labour productivity
        dimensions=("Geslacht", "TypeWerkenden", "BedrijfstakkenBranchesSBI2008"),
        measures=(
            Measure("Arbeidsjaren_3", "labour years (full-time equivalents)", THOUSANDS, 1000, 13_000_000),
            Measure("GewerkteUren_4", "hours worked, millions", "mln uren", 1, 50_000),
        ),
        export_file="cbs_dertje/85918NED.csv",
        slice={"Geslacht": "Totaal mannen en vrouwen", "TypeWerkenden": "Totaal"},
    ),
    TableSpec(
        table_id="85272NED",
        title="Werkzame beroepsbevolking; bedrijfstak",
        role="employment_by_sector",
        dimensions=("Geslacht", "Persoonskenmerken", "BedrijfstakkenBranchesSBI2008"),
        measures=(Measure("WerkzameBeroepsbevolking_1", "employed labour force", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/85272NED.csv",
        slice=_TOTALS_PERSONS,
        model_frequency="Y",
    ),
    TableSpec(
        table_id="85081NED",
        title="Ontstane vacatures; beroepenindeling ROA-CBS 2014 (BRC 2014), SBI 2008",
        role="new_vacancies_by_occupation_and_sector",
        dimensions=("BedrijfstakkenBranchesSBI2008", "Beroepenindeling"),
        measures=(Measure("OntstaneVacatures_1", "new vacancies during the year", THOUSANDS, 1000, 5_000_000),),
        export_file="cbs_dertje/85081NED.csv",
        model_frequency="Y",
    ),
    TableSpec(
        table_id="85276NED",
        title="Werkzame beroepsbevolking; beroep",
        role="employment_by_occupation",
        dimensions=("Geslacht", "Persoonskenmerken", "Beroep"),
        measures=(Measure("WerkzameBeroepsbevolking_1", "employed labour force", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/85276NED.csv",
        slice=_TOTALS_PERSONS,
        model_frequency="Y",
    ),
    TableSpec(
        table_id="82808NED",
        title="Werkzame beroepsbevolking; beroep (2003-2022)",
        # the older series of the same occupations: technical occupations (07) from 2003, for the backtest before
        # 85276NED begins; the export stops at 0744, so ICT (08) is not in it
        role="employment_by_occupation_since_2003",
        dimensions=("Geslacht", "Persoonskenmerken", "Beroep"),
        measures=(Measure("WerkzameBeroepsbevolking_1", "employed labour force", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/82808NED.csv",
        slice=_TOTALS_PERSONS,
    ),
    TableSpec(
        table_id="80590ned",
        title="Arbeidsdeelname en werkloosheid per maand",
        role="unemployment",
        dimensions=("Geslacht", "Leeftijd"),
        measures=(
            # Meaning inferred from magnitudes (see SOURCES.md); Leeftijd comes through as a key (52052 = 15-75).
            Measure("NietSeizoengecorrigeerd_1", "labour force, not seasonally adjusted", THOUSANDS, 1000, 13_000_000),
            Measure("NietSeizoengecorrigeerd_5", "unemployed, not seasonally adjusted", THOUSANDS, 1000, 2_000_000),
        ),
        export_file="cbs_dertje/80590ned.csv",
        slice={"Geslacht": "Totaal", "Leeftijd": "52052"},
        model_frequency="Y",
        model_measures=("NietSeizoengecorrigeerd_5",),
    ),
    TableSpec(
        table_id="85355NED",
        title="Mbo; gediplomeerden, studierichting",
        role="mbo_graduates_by_field",
        dimensions=_MBO_DIMENSIONS,
        measures=(Measure("GediplomeerdenMbo_1", "mbo graduates in the school year", PERSONS, 1, 500_000),),
        export_file="cbs_dertje/85355NED.csv",
        slice={**_MBO_TOTALS, "Leerweg": "Totaal mbo (incl extranei)"},
        model_frequency="SY",
    ),
    TableSpec(
        table_id="85352NED",
        title="Mbo; studenten, studierichting",
        role="mbo_students_by_field",
        dimensions=_MBO_DIMENSIONS,
        measures=(Measure("MboStudenten_1", "mbo students on 1 October", PERSONS, 1, 1_500_000),),
        export_file="cbs_dertje/85352NED.csv",
        slice={**_MBO_TOTALS, "Niveau": "Totaal", "Leerweg": "Totaal mbo (incl. extranei)"},
        model_frequency="SY",
    ),
    TableSpec(
        table_id="83538NED",
        title="Hoger onderwijs; ingeschrevenen, studierichting (ISCED-F 2013)",
        role="higher_education_enrolment_by_field",
        dimensions=("Geslacht", "Migratieachtergrond", "Onderwijssoort", "StudierichtingISCED2013"),
        measures=(
            Measure("TotaalIngeschrevenen_1", "students enrolled on 1 October", PERSONS, 1, 2_000_000),
            Measure("Eerstejaarsstudenten_2", "first-year students", PERSONS, 1, 1_000_000),
        ),
        export_file="cbs_dertje/83538NED.csv",
        slice={"Geslacht": "Totaal mannen en vrouwen", "Migratieachtergrond": "Totaal migratieachtergrond"},
        model_frequency="SY",
        model_measures=("TotaalIngeschrevenen_1",),
    ),
    TableSpec(
        table_id="85264NED",
        title="Arbeidsdeelname; kerncijfers",
        role="employment_by_age",
        dimensions=("Geslacht", "Leeftijd", "HoogstBehaaldOnderwijsniveau"),
        measures=(Measure("WerkzameBeroepsbevolking_3", "employed labour force", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/85264NED.csv",
        slice={"Geslacht": "Totaal mannen en vrouwen", "HoogstBehaaldOnderwijsniveau": "Totaal"},
    ),
    TableSpec(
        table_id="85745NED",
        title="Prognose bevolking; geslacht en leeftijd",
        role="population_projection",
        dimensions=("Geslacht", "Leeftijd", "PrognoseInterval"),
        measures=(Measure("BevolkingOp1Januari_1", "population on 1 January", PERSONS, 1, 30_000_000),),
        projection=True,
        export_file="cbs_dertje/85745NED.csv",
        slice={"Geslacht": "Totaal mannen en vrouwen"},
    ),
    TableSpec(
        table_id="83599NED",
        title="Openstaande vacatures; SBI 2008, regio",
        role="vacancies_by_region",
        dimensions=("BedrijfstakkenBranchesSBI2008", "RegioS"),
        measures=(
            Measure("OpenstaandeVacatures_1", "open vacancies at the end of the quarter", THOUSANDS, 1000, 1_500_000),
        ),
        export_file="cbs_biancab97/83599ned/vacatures_regio.csv",
        key_labels_file="cbs_biancab97/80472ned/sectoren_metadata.csv",
        key_labels=REGION_KEYS,
    ),
    TableSpec(
        table_id="84916NED",
        title="Werkzame beroepsbevolking; beroepsklasse, regio",
        role="employment_by_occupation_and_region",
        # Beroepsklasse comes as keys; matched on the 2022 national values of 85276NED (models/gap/regions.py)
        dimensions=("Beroepsklasse", "RegioS"),
        measures=(Measure("WerkzameBeroepsbevolking_1", "employed labour force", THOUSANDS, 1000, 13_000_000),),
        export_file="cbs_dertje/84916NED.csv",
    ),
)

TABLES_BY_ID: dict[str, TableSpec] = {spec.table_id: spec for spec in TABLES}


def get_table(table_id: str) -> TableSpec:
    try:
        return TABLES_BY_ID[table_id]
    except KeyError:
        raise KeyError(f"table {table_id!r} is not in the registry (sources/registry.py)") from None
