"""Where the CBS tables come from: the live service (`cbs`), a folder of exports (`files`) or synthetic `demo` data."""

from __future__ import annotations

from pathlib import Path

from sources.base import SOURCE_KINDS, RawTable, Source, SourceError
from sources.cbs import DEFAULT_DEADLINE_S, CbsSource
from sources.demo import DemoSource
from sources.files import FilesSource

__all__ = ["SOURCE_KINDS", "RawTable", "Source", "SourceError", "make_source"]


def make_source(
    kind: str, *, data_dir: str, cbs_url: str, cbs_deadline_s: float = DEFAULT_DEADLINE_S, demo_scale: int = 1
) -> Source:
    """The source for TALENTGAP_SOURCE; an unknown kind is an error, never a silent fall-back to demo data."""
    if kind == "files":
        return FilesSource(Path(data_dir))
    if kind == "demo":
        return DemoSource(scale=demo_scale)
    if kind == "cbs":
        return CbsSource(cbs_url, deadline_s=cbs_deadline_s)
    raise SourceError(f"TALENTGAP_SOURCE={kind!r} is not one of {', '.join(SOURCE_KINDS)}")
