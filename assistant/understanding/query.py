"""A question -> a typed Query (scope, measure, operation), composed from small parsers.

Each parser claims the spans it explains: agencies (gazetteer places and organs, or
printed names of ingested agencies), table cells, years, and cue words. One step,
:func:`parse_question`, composes them by explicit rules. What no parser explains is
the residual; a question with a residual gets no table answer (the coverage rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ingest import template as tpl
from ingest.gazetteer import Gazetteer
from ingest.recognize import split_place
from ingest.text import fold_label, language_of, normalize_text

from ..answer import Language
from .agencies import AgencyMention, find_agencies_en, find_agencies_zh
from .catalog import Catalog
from .cells import Metric, find_metrics
from .coverage import residual_en, residual_zh
from .cues import AnswerType, Operation, Threshold, find_cues
from .spans import Spans
from .years import find_years


@dataclass(frozen=True)
class Query:
    text: str
    language: Language
    # scope
    agencies: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, ...], ...] = ()  # names that match several agencies
    unknown_agency: str | None = None  # named in the question, not ingested
    available: tuple[str, ...] = ()  # ingested agencies of the place the unknown agency is in
    every_agency: bool = False  # "all reports", "哪个单位"
    years: tuple[int, ...] = ()
    years_ranged: bool = False  # a range or "the last N years"
    subject_year: int | None = None  # "2022年比2021年": the year being compared
    # measure
    metrics: tuple[Metric, ...] = ()
    # operation
    operation: Operation = "lookup"
    over: Literal["agency", "year"] | None = None  # what a ranking, filter or series runs over
    descending: bool = True
    top_n: int | None = None
    threshold: Threshold | None = None
    answer_type: AnswerType | None = None
    mentions: tuple[str, ...] = field(default=())  # text spans explained by the parse
    residual: tuple[str, ...] = ()  # content words the parse did not explain

    @property
    def scope_agencies(self) -> tuple[str, ...]:
        """Named agencies, or those an ambiguous name can mean."""
        return self.agencies or tuple(a for group in self.ambiguous for a in group)


_UNKNOWN_AGENCY = re.compile(
    r"(?<![全本该我各])([\u4e00-\u9fff]{2,6}?(?:省|市|县|区|州|旗|镇|乡|街道))"
    r"(?:人民政府|政府|[\u4e00-\u9fff]{0,8}?(?:局|委员会|委|厅|办公室|办|管委会))?")
_EN_ORGAN = re.compile(r"\b(?:municipal|county|provincial|district|city|people's|peoples|government|"
                       r"bureau|commission|committee|office|department|ministry|administration)\b",
                       re.IGNORECASE)


def _unknown_zh(text: str, spans: Spans) -> str | None:
    """A place-like name no gazetteer or catalog knows (北京市 is known; 某某县 is not)."""
    for m in _UNKNOWN_AGENCY.finditer(text):
        name = re.sub(r"^.*?年度?", "", m.group(0))  # "去年北京市…" -> "北京市…"
        if (spans.free(m.start(), m.end()) and len(name) >= 3
                and not re.match(r"^(?:城市|地市|县市|市县|省市|各市|全市|全县|全区|本市|本县)", name)):
            return name
    return None


def _unknown_en(text: str, spans: Spans) -> str | None:
    """A capitalised name before an organ word ('Beijing Municipal Education Bureau') not resolved."""
    skip = {"how", "what", "which", "who", "when", "where", "did", "does", "do", "was", "were", "is", "in",
            "the", "according", "from", "for", "of", "and", "or", "a", "an", "to", "at", "municipal",
            "county", "provincial", "district", "city", "people", "peoples", "government", "bureau",
            "commission", "committee", "office", "department", "general", "administrative", "information",
            "disclosure", "table", "please", "list", "give", "tell", "show", "compare", "i"}
    for m in re.finditer(r"\b([A-Z][a-z]+(?:['’][a-z]+)?)\b", text):
        word = re.sub(r"['’]s$", "", m.group(1))
        if word.lower() in skip or not spans.free(m.start(), m.end()):
            continue
        if _EN_ORGAN.search(text[m.end(): m.end() + 40]):
            return word
    return None


def parse_question(question: str, catalog: Catalog, *, agency: str | None = None,
                   year: int | None = None, gazetteer: Gazetteer | None = None) -> Query:
    """Parse a question against what is ingested. ``agency``/``year`` are explicit filters."""
    gazetteer = gazetteer or catalog.gazetteer or Gazetteer.load()
    language = language_of(question)
    text = fold_label(question) if language == "zh" else normalize_text(question)
    spans = Spans()

    # Where table terms are, so that an organ name does not run into one (…政府办公厅政府集中采购…).
    cell_guess = Spans()
    find_metrics(text, language, cell_guess)
    mentions: list[AgencyMention] = find_agencies_zh(text, catalog, gazetteer, spans, cell_guess)
    if language == "en" or re.search(r"[A-Za-z]{2}", text):  # English, or pinyin in Chinese ("Ping Tan 2023 予以公开")
        mentions += find_agencies_en(text, catalog, gazetteer, spans)
    # Cue words are read outside agencies, years and column words ("net change" is a column),
    # but inside row phrases ("申请最少" names the row and the order).
    not_cues = spans.copy()
    columns = Spans()
    metrics = find_metrics(text, language, spans, columns)
    for start, end in columns.taken:
        not_cues.take(start, end)
    named = list(dict.fromkeys(a for m in mentions if len(m.agencies) == 1 or m.group for a in m.agencies))
    ambiguous = [m.agencies for m in mentions if len(m.agencies) > 1 and not m.group]
    missing = [m for m in mentions if m.missing]
    unknown = missing[0].missing if missing else None
    available = missing[0].available if missing else ()
    if agency:
        named = [a for a in catalog.agencies if a == agency or agency in catalog.name_owners
                 and a in catalog.name_owners[agency]] or [agency]
        ambiguous, unknown, available = [], None, ()
    if not named and not ambiguous and unknown is None:
        unknown = _unknown_zh(text, spans) if language == "zh" else _unknown_en(text, spans)
        if unknown:  # a place no gazetteer knows: the ingested agencies printed with it
            place = split_place(unknown)[0]
            available = tuple(a for a in catalog.agencies if place and a.startswith(place))

    known_years = [y for a in named for y in catalog.years(a)] or list(catalog.years())
    year_spans = Spans()
    found_years = find_years(text, known_years, year_spans)
    for start, end in year_spans.taken:
        spans.take(start, end)
        not_cues.take(start, end)
    years = [year] if year is not None else list(found_years.years)
    cues = find_cues(text, not_cues)
    for start, end in not_cues.taken:
        spans.take(start, end)  # the threshold's words
    operation = cues.operation
    if operation == "rate" and not metrics:
        metrics = [Metric(tpl.T3, tpl.DISCLOSURE_RATE[0], ("total",))]
    if not metrics and operation != "inventory" and cues.answer_type in (None, "count") and \
            re.search(r"申请|\brequests?\b|\bapplications?\b", text, re.IGNORECASE) and \
            re.search(r"多少|几|how many|number of", text, re.IGNORECASE):
        # Requests counted with no row named ("当面申请的有几件"): the requests received.
        metrics = [Metric(tpl.T3, ("new_received",), ("total",))]
    if operation == "sum" and len(metrics) == 1 and len(years) <= 1 and len(named) <= 1 and not cues.every_agency:
        operation = "lookup"  # "不予处理的申请一共多少件": one report's one figure, nothing to add up

    scope_count = len(named) or sum(len(g) for g in ambiguous)
    over: Literal["agency", "year"] | None = None
    totals = bool(re.search(r"一共|合计|共计|总共|累计|\bin total\b|combined|\btotal\b|\bacross\b", text.lower()))
    if operation == "lookup" and (len(years) > 1 or len(named) > 1 or cues.every_agency) and totals:
        operation = "sum"  # "total lawsuits across 2023 and 2024", "across all reports"
    if operation in ("lookup", "sum") and cues.series and not totals:
        operation = "series"
    elif operation == "lookup" and found_years.ranged and scope_count == 1:
        operation = "series"
    elif operation == "lookup" and cues.every_agency and not named:
        operation = "sum"  # "所有已收录的报告…多少件": one figure over every report
    if operation in ("rank", "filter"):
        by_year = cues.over_years or (scope_count == 1 and not cues.every_agency and len(years) != 1)
        over = "year" if by_year else "agency"
    elif operation == "series":
        over = "year" if scope_count <= 1 and not cues.every_agency else "agency"

    if language == "zh":
        residual = residual_zh(text, spans)
    else:
        residual = residual_en(text, spans, metrics)
    labels = "".join(tpl.row(m.table, r).zh + "".join(tpl.row(m.table, r).aliases)
                     for m in metrics for r in m.rows)
    residual = [w for w in residual if w not in labels]
    return Query(
        text=question, language=language, agencies=tuple(named), ambiguous=tuple(ambiguous),
        unknown_agency=unknown, available=tuple(available),
        every_agency=cues.every_agency or operation == "inventory",
        years=tuple(years), years_ranged=found_years.ranged, subject_year=found_years.subject,
        metrics=tuple(metrics), operation=operation, over=over, descending=cues.descending,
        top_n=cues.top_n, threshold=cues.threshold, answer_type=cues.answer_type,
        mentions=tuple(dict.fromkeys(text[a:b] for a, b in spans.taken)), residual=tuple(residual))
