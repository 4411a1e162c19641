"""What more than one tab uses: the "all" filter value, the agency and year pickers,
report text made safe for Markdown, and how a citation is named."""

from __future__ import annotations

import html
from pathlib import Path

from assistant.understanding import Catalog
from ingest.models import Citation

ALL = ""  # the value of "all agencies / all years / all tables" in a filter


def parse_filters(agency: str | None, year: str | int | None) -> tuple[str | None, int | None]:
    agency = (agency or "").strip() or None
    if year in (None, "", ALL):
        return agency, None
    try:
        return agency, int(year)
    except (TypeError, ValueError):
        return agency, None


def _plain(text: str) -> str:
    """Report text shown in Markdown: no HTML, no accidental emphasis."""
    return html.escape(text, quote=False).replace("*", r"\*").replace("_", r"\_")


def citation_where(c: Citation) -> str:
    """Agency · year · file · page, as a person looks the source up."""
    parts = [c.agency or "（未识别单位）", f"{c.year}年" if c.year else "（未识别年度）",
             Path(c.source_file).name]
    if c.page:
        parts.append(f"第{c.page}页")
    return " · ".join(parts)


def citation_what(c: Citation) -> str:
    """Table · row · column label of a cell, or the section of a passage."""
    return c.label or c.section or ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_citation(item: dict | Citation) -> Citation:
    return item if isinstance(item, Citation) else Citation.from_dict(item)


def agency_choices(catalog: Catalog) -> list[tuple[str, str]]:
    return [("全部单位 · All agencies", ALL)] + [(a, a) for a in catalog.agencies]


def year_choices(catalog: Catalog, agency: str | None = None) -> list[tuple[str, str]]:
    years = catalog.years(agency or None)
    return [("全部年度 · All years", ALL)] + [(f"{y}年", str(y)) for y in reversed(years)]
