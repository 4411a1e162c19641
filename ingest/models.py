"""Typed, frozen data that flows from ingest to every surface."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SourceKind = Literal["pdf", "html", "docx", "text", "image"]


@dataclass(frozen=True)
class BBox:
    """A rectangle on a page in points, origin top-left (pdfplumber's convention); on a scan,
    the page as scanned (an image file's page is its pixels at its resolution)."""

    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: BBox | None) -> BBox:
        if other is None:
            return self
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))


# ---------------------------------------------------------------- loader output


@dataclass(frozen=True)
class Cell:
    text: str | None  # None: covered by a merged cell
    bbox: BBox | None = None
    confidence: float | None = None  # OCR's confidence in the text (0..1); None: a text layer


@dataclass(frozen=True)
class Block:
    """One line of text or one table row, in reading order."""

    kind: Literal["text", "row"]
    page: int | None
    text: str = ""
    cells: tuple[Cell, ...] = ()
    table_id: int | None = None
    bbox: BBox | None = None


@dataclass(frozen=True)
class Document:
    path: str
    kind: SourceKind
    blocks: tuple[Block, ...]
    page_count: int
    title_hint: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR (no text layer)


# ---------------------------------------------------------------- parse output


@dataclass(frozen=True)
class Fact:
    """One table cell of one report."""

    table: str
    row: str
    column: str
    row_label: str  # as printed (normalised)
    column_label: str
    raw: str  # the cell text as printed; '' for a blank cell
    value: float | None
    unit: str
    page: int | None = None
    bbox: BBox | None = None
    confidence: float | None = None  # OCR's confidence in the cell; None: read from a text layer


@dataclass(frozen=True)
class Passage:
    text: str
    section: str  # section path, e.g. "一、总体情况 > （二）依申请公开情况"
    page: int | None
    kind: Literal["prose", "table_row"] = "prose"
    table: str | None = None
    row: str | None = None


@dataclass(frozen=True)
class Finding:
    """A broken identity: reported, never repaired."""

    check: str  # identity key, e.g. "t3_balance:total"
    message: str
    message_en: str
    cells: tuple[tuple[str, str, str], ...]
    expected: float | None = None
    actual: float | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class Problem:
    """Something in the input that could not be turned into facts."""

    message: str
    page: int | None = None
    text: str = ""


@dataclass(frozen=True)
class AgencyIdentity:
    """Who published a report: the same organ under every printing of its name."""

    id: str  # stable across printings: "320803/人民政府"; "name/<places><organ>" when unknown
    name: str  # how xxgk names it: the innermost place (with its parent where the name repeats)
    organ: str  # canonical: 人民政府, 管理委员会, 交通与建设局
    division: str | None = None  # the innermost division's code (a zone's: the division it lies in)
    path: tuple[str, ...] = ()  # division names from the province down
    place: str = ""  # the innermost place: 淮安区, 平潭综合实验区
    printed: str = ""
    corrections: tuple[tuple[str, str], ...] = ()  # (printed, read as): ("沐阳县", "沭阳县")
    national: bool = False  # an organ of the central government (no place printed)


@dataclass(frozen=True)
class ReportMeta:
    agency: str | None
    year: int | None
    template: str | None
    title: str
    page_count: int
    short_names: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # which of agency/year/template could not be found
    identity: AgencyIdentity | None = None
    printed_agency: str | None = None  # the agency as the report prints it


@dataclass(frozen=True)
class ParsedReport:
    meta: ReportMeta
    facts: tuple[Fact, ...]
    passages: tuple[Passage, ...]
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR
    corrections: tuple[str, ...] = ()  # OCR cells corrected by the identities, one line each


# ---------------------------------------------------------------- citations


class _Serialisable:
    """A frozen record printed as JSON exactly as it is stored."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Citation(_Serialisable):
    """Where a statement comes from, precisely enough for a person to check it."""

    source_file: str
    report_id: str
    agency: str | None
    year: int | None
    page: int | None
    section: str | None = None
    table: str | None = None
    row: str | None = None
    column: str | None = None
    label: str | None = None  # e.g. "表三 · 三、本年度办理结果 （一）予以公开 · 总计"
    quote: str = ""
    bbox: BBox | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Citation:
        """The inverse of ``to_dict`` (a citation read back from JSON or a web state)."""
        box = data.get("bbox")
        return cls(**{**data, "bbox": BBox(**box) if isinstance(box, Mapping) else box})


# ---------------------------------------------------------------- what the store keeps


@dataclass(frozen=True)
class ReportRecord(_Serialisable):
    id: str
    source_file: str
    kind: str
    agency: str | None
    year: int | None
    template: str | None
    title: str
    page_count: int
    short_names: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()
    problems: tuple[dict, ...] = ()
    duplicate_of: str | None = None
    ingested_at: float = 0.0
    index_key: str = ""  # which ingest wrote this report's passages to the index
    agency_id: str | None = None  # the agency under every printing (agencies.id)
    printed_agency: str | None = None  # the agency as this report prints it
    identity_version: int = 0


@dataclass(frozen=True)
class StoredPassage:
    id: str
    report_id: str
    passage: Passage


@dataclass(frozen=True)
class StoredFact:
    report_id: str
    fact: Fact


@dataclass(frozen=True)
class AgencyRecord(_Serialisable):
    id: str
    name: str
    organ: str
    division: str | None
    path: tuple[str, ...]
    place: str
    named_by_user: bool = False
