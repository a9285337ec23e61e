"""Seeds: the reviewed crosswalks and parameters in warehouse/seeds, loaded as tables."""

import dagster as dg

from assets.metadata import made_by, preview, record_write, versioned
from assets.resources import WarehouseResource
from models.gap.reconciliation import check_relations
from models.gap.scenarios import parameter_ranges, read_scenarios
from release.identity import code_fingerprint, frame_hash
from warehouse.audit import version_of
from warehouse.db import SEED_NAMES, ensure_schemas, read_seed, write_table

DESCRIPTIONS = {
    "sector_groups": (
        "The Talent Strategy's eight priority groups and six strategic markets (kind): codes, Dutch and English "
        "names, definitions."
    ),
    "group_composition": (
        "SBI or BRC codes (per CBS table) that make up each group's employment, vacancies and occupation mix, "
        "with weights; allocated or proxy components are flagged with their source."
    ),
    "occupation_skills": "BRC 2014 occupation class -> skill type (technical, digital, none), with a rationale.",
    "education_skills": "ISCED-F 2013 broad field -> skill type (technical, digital, none), with a rationale.",
    "parameters": "Named assumptions of the gap model (entry, outflow and reactivation rates) with source and year.",
    "sbi_hierarchy": (
        "SBI 2008 parent -> child sectors as the vacancy tables publish them; complete = the children make up the "
        "parent. Bounds the occupation cells CBS leaves empty."
    ),
    "reference_figures": (
        "Published figures (CBS, UWV, EZK, sector bodies) our totals are reconciled with, each with its definition."
    ),
    "scenarios": (
        "Policy scenarios: named sets of changes (levers) to the projection's flows from a year on; the baseline "
        "is the published forecast. Validated when loaded: an unknown lever, group or skill, or a value out of "
        "range stops the run naming the line."
    ),
}
# seeds checked before they are written: a bad row stops the run with a message naming it
VALIDATORS = {
    "scenarios": lambda frame: read_scenarios(frame, read_seed("sector_groups")["sector_group"].to_list()),
    "parameters": parameter_ranges,
    "reference_figures": check_relations,
}


def seed_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["seeds", name])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(seed_key(name), group_name="seeds", kinds={"duckdb"}, description=DESCRIPTIONS[name])
        for name in SEED_NAMES
    ],
    can_subset=True,
)
def seeds(context: dg.AssetExecutionContext, duckdb: WarehouseResource):
    """Each selected seed, validated first; written again only when its file changed (its version is a hash of
    its content)."""
    frames = {name: read_seed(name) for name in SEED_NAMES if seed_key(name) in context.selected_asset_keys}
    for name, frame in frames.items():  # every seed checked before any is written
        if name in VALIDATORS:
            VALIDATORS[name](frame)
    with duckdb.get_connection() as conn:
        ensure_schemas(conn)
        for name, frame in frames.items():
            version = version_of(code_fingerprint(), frame_hash(frame))
            metadata = {"dagster/row_count": frame.height, "preview": preview(frame)}
            if previous := made_by(conn, [seed_key(name)], version):
                yield versioned(seed_key(name), version, metadata, unchanged_since=previous)
                continue
            write_table(conn, f"seeds.{name}", frame)
            record_write(context, conn, {seed_key(name): version})
            yield versioned(seed_key(name), version, metadata)
