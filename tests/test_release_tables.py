"""A release's identity and tables, without a run: what a fingerprint sees, what changed, and the release id's place."""

import polars as pl

from release.identity import changes, describe_changes, fingerprint, source_hash
from release.tables import no_new_release, stamped

INPUTS = {"tables": {"80472ned": "a"}, "seeds": {"parameters": "p"}, "end_year": 2030, "code": "0.1.0+src.1"}


def test_each_kind_of_change_is_named_in_dutch_and_english():
    """Replaces the end-year rerun of the end-to-end release test: another end year, new definitions, new code."""
    later = INPUTS | {"end_year": 2029, "seeds": {"parameters": "q"}, "code": "0.1.0+src.2"}
    summary = describe_changes(changes(later, INPUTS))
    assert "ander eindjaar" in summary and "another end year" in summary
    assert "gewijzigde definities of aannames (parameters)" in summary
    assert "nieuwe methode of code (was 0.1.0+src.1)" in summary
    assert describe_changes(changes(INPUTS, None)).startswith("Eerste publicatie")


def test_identical_inputs_or_those_of_a_withdrawn_release_make_no_release():
    latest = {"release_id": "r2", "fingerprint": fingerprint(INPUTS), "data_source": "files"}
    assert "r2, which stays the latest" in no_new_release(latest, {}, fingerprint(INPUTS), "files")
    assert no_new_release(latest, {}, fingerprint(INPUTS | {"end_year": 2029}), "files") is None
    withdrawn = {fingerprint(INPUTS | {"end_year": 2029}): "r3"}
    said = no_new_release(latest, withdrawn, fingerprint(INPUTS | {"end_year": 2029}), "files")
    assert "withdrawn release r3" in said and "r2 stays the latest" in said


def test_the_code_fingerprint_reads_the_source_files_not_git():
    assert len(source_hash()) == 64 and source_hash() == source_hash()


def test_the_release_id_goes_where_published_tables_have_it():
    frame = pl.DataFrame({"sector_group": ["care"], "gap": [1.0], "data_source": ["files"]})
    assert stamped(frame, "r1").columns == ["sector_group", "gap", "release_id", "data_source"]
    first = pl.DataFrame({"data_source": ["files"], "year": [2022]})
    assert stamped(first, "r1").columns == ["release_id", "data_source", "year"]
    assert stamped(pl.DataFrame({"name": ["x"]}), "r1").columns == ["name", "release_id"]
