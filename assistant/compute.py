"""Computing answers from stored cells: each operation returns typed results, no text.

A Query's scope picks reports of the Catalog; its measure (Metrics) picks their cells;
its operation (lookup, sum, diff, rank, filter, share, rate, series, check) combines
them. Every result carries the Readings it used, and each Reading the Facts it read,
so the renderer can cite every cell. When cells cannot answer, the result is a Miss
that says why, in both languages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ingest import template as tpl
from ingest.checks import check_identities
from ingest.models import Citation, Fact, Finding, ReportRecord

from .messages import Miss, agency_not_ingested, no_reports, reports_not_ingested
from .ports import FactStore
from .understanding import Catalog, CatalogEntry, Metric, Query, Threshold, asks_money

CellKey = tuple[str, str, str]
MAX_READINGS = 8  # more possible readings than this: ask instead of answering each


# ---------------------------------------------------------------- cells of a metric


@dataclass
class Reading:
    """One metric of one report, evaluated."""

    entry: CatalogEntry
    metric: Metric
    column: str | None  # None: the sum of the metric's columns
    value: float | None = None
    unit: str = "件"
    facts: list[Fact] = field(default_factory=list)
    blank: bool = False  # every cell is printed blank
    missing: str | None = None  # why there is no value: "template", "unread"

    @property
    def usable(self) -> bool:
        return self.missing is None and self.value is not None


def metric_rows(metric: Metric, version: str | None) -> tuple[str, ...] | None:
    """The rows the metric sums in a report of ``version``; None when the template has none."""
    rows: list[str] = []
    for key in metric.rows:
        row = tpl.row(metric.table, key)
        if key == "other_handling" and version == tpl.TEMPLATE_2021:
            rows += tpl.T3_DISPOSITION_GROUPS["other_handling"]
        elif version is None or version in row.versions:
            rows.append(key)
    return tuple(rows) or None


def metric_columns(metric: Metric, version: str | None) -> tuple[str, ...]:
    """Columns asked for; for 表二 only those the report's sub-table prints."""
    if metric.table != tpl.T2:
        return metric.columns or ("total",)
    printed: list[str] = []
    for key in metric.rows:
        item = tpl.row(tpl.T2, key).item
        printed += tpl.T2_ITEM_COLUMNS.get((version or tpl.TEMPLATE_2021, item), ())
    if not metric.columns:
        return tuple(dict.fromkeys(printed))
    return tuple(c for c in metric.columns if c in printed)


def evaluate(entry: CatalogEntry, metric: Metric, column: str | None,
             facts: dict[CellKey, Fact]) -> Reading:
    reading = Reading(entry, metric, column)
    rows = metric_rows(metric, entry.template)
    columns = (column,) if column else metric_columns(metric, entry.template)
    if rows is None or not columns:
        reading.missing = "template"
        return reading
    cells = [(metric.table, r, c) for r in rows for c in columns]
    found = [facts[k] for k in cells if k in facts]
    reading.facts = found
    if len(found) < len(cells):
        reading.missing = "unread"
        return reading
    numbers = [f.value for f in found if f.value is not None]
    reading.blank = not numbers
    reading.value = sum(numbers) if numbers else None
    reading.unit = next((f.unit for f in found if f.unit), "") or tpl.column(metric.table, columns[0]).unit
    return reading


# ---------------------------------------------------------------- results


@dataclass
class Lookup:
    readings: list[Reading]
    total: Reading | None = None  # the sum of several readings of one metric ("一共")
    several_reports: bool = False  # the question fits several reports; each is answered
    # cells shown beside a reading, by its position: the 2019 form's items and change next to decisions
    context: dict[int, list[Fact]] = field(default_factory=dict)


@dataclass
class Difference:
    first: Reading  # the subject: "2023年比2022年" -> 2023
    second: Reading

    @property
    def delta(self) -> float:
        return (self.first.value or 0) - (self.second.value or 0)


@dataclass
class Ranking:
    over: Literal["agency", "year", "report"]  # report: every agency-year competes
    readings: list[Reading]  # every usable reading, best first
    shown: list[Reading]  # top N, or all
    descending: bool
    top_n: int | None
    agency: str | None = None  # over years: whose
    year: int | None = None  # over agencies: which year


@dataclass
class Filtered:
    threshold: Threshold
    matching: list[Reading]
    checked: list[Reading]  # every usable reading that was compared


@dataclass
class Series:
    over: Literal["agency", "year"]
    readings: list[Reading]  # in order: years ascending, or agencies as named
    missing: list[str] = field(default_factory=list)  # years or agencies with no report / no value


@dataclass
class Ratio:
    rate: bool  # the disclosure rate (公开率), or a share of a denominator
    items: list[tuple[Reading, Reading, float]]  # numerator, denominator, percent


@dataclass
class ReportCheck:
    entry: CatalogEntry
    findings: list[Finding]
    held: int
    unchecked: int
    facts: dict[CellKey, Fact]


@dataclass
class Inventory:
    """What is ingested: each agency (of the scope) and its years."""

    agencies: list[tuple[str, tuple[int, ...]]]
    entries: list[CatalogEntry]


@dataclass
class Consistency:
    reports: list[ReportCheck]
    every_finding: list[tuple[ReportRecord, Finding]]


Result = Lookup | Difference | Ranking | Filtered | Series | Ratio | Consistency | Inventory


# ---------------------------------------------------------------- the calculator


class Calculator:
    """Answers a Query from the store's cells. None: the question names no table cells."""

    def __init__(self, store: FactStore):
        self.store = store

    def compute(self, query: Query, catalog: Catalog) -> Result | Miss | None:
        if query.operation == "check":
            return self._check(query, catalog)
        if query.operation == "inventory":
            names = list(query.scope_agencies) or list(catalog.agencies)
            return Inventory([(a, catalog.years(a)) for a in names],
                             [e for a in names for e in catalog.by_agency.get(a, ())])
        if not query.metrics:
            return None
        agencies = self._agencies(query, catalog)
        if isinstance(agencies, Miss):
            return agencies
        if asks_money(query.text) and not any(
                tpl.column(m.table, c).unit in ("万元", "元") for m in query.metrics for c in m.columns):
            labels = "、".join(m.label for m in query.metrics)
            return Miss(f"年报表格中“{labels}”只统计件数，不统计金额；报告表格没有提供这个金额。",
                        f"The report's tables count {', '.join(m.label_en for m in query.metrics)} "
                        "as a number of cases, not an amount of money; the tables do not give it.",
                        kind="money")
        op = query.operation
        if op == "rank":
            return self._rank(query, catalog, agencies)
        if op == "filter":
            return self._filter(query, catalog, agencies)
        if op == "series":
            return self._series(query, catalog, agencies)
        if op == "diff":
            return self._diff(query, catalog, agencies)
        entries, missing = self._entries(query, catalog, agencies)
        if not entries:
            return missing
        if len(entries) > MAX_READINGS and op != "sum":
            agencies_named = list(dict.fromkeys(e.agency for e in entries))
            names = "、".join(agencies_named[:6]) + ("等" if len(agencies_named) > 6 else "")
            names_en = ", ".join(agencies_named[:6]) + (", …" if len(agencies_named) > 6 else "")
            return Miss(f"问题可以指{len(agencies_named)}个单位的{len(entries)}份报告（{names}），"
                        "请指明单位和年份。",
                        f"The question could mean {len(entries)} reports of {len(agencies_named)} "
                        f"agencies ({names_en}); please name the agency and the year.",
                        clarify=True, kind="scope")
        if op in ("share", "rate"):
            return self._ratio(query, entries)
        return self._lookup(query, entries, total=op == "sum")

    # ------------------------------------------------------------ scope

    def _agencies(self, query: Query, catalog: Catalog) -> list[str] | Miss:
        agencies = list(query.scope_agencies)
        if not agencies and query.unknown_agency:
            return agency_not_ingested(query.unknown_agency, query.available)
        if not agencies:
            agencies = list(catalog.agencies)
        if not agencies:
            return no_reports()
        return agencies

    def _entries(self, query: Query, catalog: Catalog,
                 agencies: Sequence[str]) -> tuple[list[CatalogEntry], Miss | None]:
        entries: list[CatalogEntry] = []
        absent: list[str] = []
        for agency in agencies:
            years = query.years or catalog.years(agency)[::-1]
            for year in years:
                entry = catalog.entry(agency, year)
                if entry is None:
                    absent.append(f"{agency} {year}")
                else:
                    entries.append(entry)
        if entries:
            return entries, None
        return [], reports_not_ingested(agencies, query.years, catalog.years)

    def facts(self, entry: CatalogEntry) -> dict[CellKey, Fact]:
        return self.store.fact_map(entry.report_id)

    def _readings(self, query: Query, entry: CatalogEntry) -> list[Reading]:
        facts = self.facts(entry)
        out = []
        for metric in query.metrics:
            columns = metric_columns(metric, entry.template)
            if metric.table == tpl.T2 and not metric.columns and len(columns) > 1:
                out += [evaluate(entry, metric, c, facts) for c in columns]  # list each column
            else:
                out.append(evaluate(entry, metric, None, facts))
        return out

    def _many(self, metric: Metric, entries: Sequence[CatalogEntry]) -> list[Reading]:
        """One metric of many reports, their cells read in one query."""
        rows = {r for v in tpl.TEMPLATE_VERSIONS for r in metric_rows(metric, v) or ()}
        facts = self.store.fact_maps([e.report_id for e in entries], metric.table, rows)
        return [evaluate(e, metric, None, facts[e.report_id]) for e in entries]

    # ------------------------------------------------------------ operations

    def _lookup(self, query: Query, entries: list[CatalogEntry], *, total: bool) -> Lookup | Miss:
        readings = [r for entry in entries for r in self._readings(query, entry)]
        good = [r for r in readings if r.missing is None]
        if not good:
            return self._miss(readings)
        context = {i: self._context(r) for i, r in enumerate(readings) if r.missing is None}
        summed = None
        if total and len(good) > 1 and len({r.metric for r in good}) == 1:
            summed = dataclasses.replace(good[0], entry=good[0].entry, value=sum(r.value or 0 for r in good),
                                         facts=[f for r in good for f in r.facts])
        several = len({(e.agency, e.year) for e in entries}) > 1 and not total
        return Lookup(readings, summed, several, context)

    def _context(self, reading: Reading) -> list[Fact]:
        """The 2019 template prints items and their change beside the decisions: show them."""
        e, metric = reading.entry, reading.metric
        if e.template != tpl.TEMPLATE_2019 or metric.table != tpl.T2 or metric.columns != ("decisions",):
            return []
        facts = self.facts(e)
        return [facts[(tpl.T2, r, c)] for r in metric.rows for c in ("prev_items", "change")
                if (tpl.T2, r, c) in facts]

    def _diff(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Difference | Miss:
        metric = query.metrics[0]
        years = sorted(query.years)
        if len(agencies) == 1:
            agency = agencies[0]
            if len(years) >= 2:
                subject = query.subject_year if query.subject_year in years else years[-1]
                other = years[0] if subject != years[0] else years[-1]
            else:
                available = catalog.years(agency)
                subject = years[0] if years else (available[-1] if available else None)
                other = subject - 1 if subject else None
            if subject is None or other is None:
                return agency_not_ingested(agency)
            first, second = catalog.entry(agency, subject), catalog.entry(agency, other)
            missing = [y for y, e in ((subject, first), (other, second)) if e is None]
            if missing:
                return reports_not_ingested([agency], missing, catalog.years, purpose="比较",
                                            purpose_en="The comparison")
        else:
            year = years[-1] if years else max(catalog.years())
            a, b = agencies[0], agencies[1]
            first, second = catalog.entry(a, year), catalog.entry(b, year)
            if first is None or second is None:
                return reports_not_ingested([a, b], [year], catalog.years, purpose="比较",
                                            purpose_en="The comparison")
        one = evaluate(first, metric, None, self.facts(first))
        two = evaluate(second, metric, None, self.facts(second))
        if not (one.usable and two.usable):
            return self._miss([one, two])
        return Difference(one, two)

    def _rank(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Ranking | Miss:
        metric = query.metrics[0]
        if query.over == "year":
            agency = agencies[0]
            entries = [e for e in catalog.by_agency.get(agency, ()) if not query.years or e.year in query.years]
            year = None
        elif len(query.years) > 1 or (not query.years and query.every_agency):
            # "哪个单位…最多" over every report (or over the years named): each report competes.
            agency, year = None, None
            entries = [e for e in catalog.entries if e.agency in agencies and (not query.years or e.year in query.years)]
        else:
            agency = None
            year = query.years[0] if query.years else max(catalog.years(), default=None)
            entries = [e for e in catalog.entries if e.agency in agencies and e.year == year]
        every = self._many(metric, entries)
        readings = [r for r in every if r.usable]
        if not readings:
            return self._miss(every) if every else reports_not_ingested((), [year] if year else [], catalog.years)
        readings.sort(key=lambda r: r.value or 0, reverse=query.descending)
        shown = readings[: query.top_n] if query.top_n else readings
        over = query.over or "agency"
        if over == "agency" and year is None:
            over = "report"
        return Ranking(over, readings, shown, query.descending, query.top_n, agency, year)

    def _filter(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Filtered | Miss:
        assert query.threshold is not None
        metric = query.metrics[0]
        entries = [e for e in catalog.entries if e.agency in agencies and (not query.years or e.year in query.years)]
        if not entries:
            return Miss("没有符合范围的报告。", "No ingested report is in that scope.", kind="scope")
        every = self._many(metric, entries)
        checked = [r for r in every if r.usable]
        if not checked:
            return self._miss(every)
        matching = [r for r in checked if query.threshold.holds(r.value or 0)]
        matching.sort(key=lambda r: (r.value or 0, r.entry.agency, r.entry.year or 0))
        return Filtered(query.threshold, matching, checked)

    def _series(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Series | Miss:
        metric = query.metrics[0]
        missing: list[str] = []
        if query.over == "year":
            agency = agencies[0]
            have = catalog.years(agency)
            years = list(query.years) or list(have)
            entries = []
            for y in sorted(years):
                entry = catalog.entry(agency, y)
                if entry is None:
                    missing.append(str(y))
                else:
                    entries.append(entry)
        else:
            year = query.years[0] if query.years else max(catalog.years(), default=None)
            entries = [e for a in agencies if (e := catalog.entry(a, year)) is not None]
            missing = [a for a in agencies if catalog.entry(a, year) is None]
        if not entries:
            return reports_not_ingested(agencies, query.years, catalog.years)
        readings = self._many(metric, entries)
        return Series(query.over or "year", readings, missing)

    def _ratio(self, query: Query, entries: list[CatalogEntry]) -> Ratio | Miss:
        items = []
        for entry in entries:
            facts = self.facts(entry)
            if query.operation == "rate":
                num_metric = Metric(tpl.T3, tpl.DISCLOSURE_RATE[0], ("total",))
                den_metric = Metric(tpl.T3, tpl.DISCLOSURE_RATE[1], ("total",))
            else:
                num_metric = query.metrics[0]
                den_metric = denominator(num_metric)
            num = evaluate(entry, num_metric, None, facts)
            den = evaluate(entry, den_metric, None, facts)
            if num.missing or den.missing or not den.value:
                continue
            items.append((num, den, (num.value or 0) / den.value * 100))
        if not items:
            return Miss("所需的单元格未能从报告中读出，无法计算比例。",
                        "The cells needed for this ratio could not be read from the report.", kind="unread")
        return Ratio(query.operation == "rate", items)

    def _check(self, query: Query, catalog: Catalog) -> Consistency | Miss:
        """Does the report add up? Its findings, each with the cells involved."""
        agencies = list(query.scope_agencies)
        if not agencies and query.unknown_agency:
            return agency_not_ingested(query.unknown_agency, query.available)
        entries, missing = self._entries(query, catalog, agencies or catalog.agencies)
        if not entries:
            return missing or no_reports()
        findings = consistency_findings(self.store, {e.report_id for e in entries})
        reports = []
        for entry in entries:
            facts = self.facts(entry)
            status = check_identities(facts, entry.template)
            reports.append(ReportCheck(entry, [f for r, f in findings if r.id == entry.report_id],
                                       status.held, status.unchecked, facts))
        return Consistency(reports, findings)

    def _miss(self, readings: list[Reading]) -> Miss:
        if readings and all(r.missing == "template" for r in readings):
            return Miss(template_gap(readings[0], "zh"), template_gap(readings[0], "en"),
                        tuple(r.entry.report_id for r in readings), kind="template")
        labels = "、".join(dict.fromkeys(f"{r.entry.agency}{r.entry.year}年{metric_label(r, 'zh')}"
                                         for r in readings))
        labels_en = ", ".join(dict.fromkeys(f"{metric_label(r, 'en')} ({r.entry.agency} {r.entry.year})"
                                            for r in readings))
        return Miss(f"{labels}未能从报告的表格中可靠读出（表格可能被转换打乱）。",
                    f"{labels_en} could not be read reliably from the report's table "
                    "(the table may be garbled).", tuple(r.entry.report_id for r in readings), kind="unread")

    def findings_for(self, cited: dict[str, set[CellKey]]) -> list[tuple[str, Finding]]:
        """Stored findings of the cited reports that involve a cited cell."""
        out = []
        for report_id, cells in cited.items():
            for _, finding in self.store.findings(report_id):
                if cells & set(finding.cells):
                    out.append((report_id, finding))
        return out


# ---------------------------------------------------------------- helpers


def metric_label(reading: Reading, language: str) -> str:
    metric, column = reading.metric, reading.column
    cols = [column] if column else list(metric.columns)
    names = [tpl.column(metric.table, c) for c in cols]
    if language == "zh":
        return f"{tpl.TABLE_NAMES[metric.table]}「{metric.label}」{'+'.join(c.zh for c in names)}"
    return f"{metric.label_en} ({' + '.join(c.en for c in names)})"


def template_gap(reading: Reading, language: str) -> str:
    version = reading.entry.template or "?"
    rows = "、".join(tpl.row(reading.metric.table, r).zh for r in reading.metric.rows)
    if language == "zh":
        return (f"{reading.entry.agency}{reading.entry.year}年的报告使用{version}版模板，"
                f"该模板没有“{rows}”这一栏，报告未提供这个数字。")
    return (f"{reading.entry.agency}'s {reading.entry.year} report uses the {version} template, "
            f"which has no '{reading.metric.label_en}' entry; the report does not give this figure.")


def denominator(metric: Metric) -> Metric:
    """What a share is a share of: a column of its row's total, or a result row of （七）总计."""
    if metric.columns and metric.columns != ("total",) and metric.table in (tpl.T3, tpl.T4):
        return Metric(metric.table, metric.rows, ("total",))
    if metric.table == tpl.T3:
        row = tpl.row(tpl.T3, metric.rows[0])
        if row.group:
            return Metric(tpl.T3, ("total_handled",), metric.columns or ("total",))
        return Metric(tpl.T3, ("new_received",), metric.columns or ("total",))
    return Metric(metric.table, metric.rows, ("total",))


def consistency_findings(store: FactStore, only: set[str] | None = None) -> list[tuple[ReportRecord, Finding]]:
    """Stored findings of each answering report (the carry-over check across years
    included: the store keeps it). ``only``: these report ids."""
    out: list[tuple[ReportRecord, Finding]] = []
    for record in store.reports(include_duplicates=False):
        if only is None or record.id in only:
            out += [(record, f) for _, f in store.findings(record.id)]
    return out


def cell_citation(source_file: str, report_id: str, agency: str | None, year: int | None, fact: Fact) -> Citation:
    """Where a stored cell is: file, page, table · row · column, the printed value and its box."""
    return Citation(
        source_file=source_file, report_id=report_id, agency=agency, year=year, page=fact.page,
        section=f"{tpl.TABLE_NAMES[fact.table]} {tpl.TABLE_TITLES[fact.table][0]}",
        table=fact.table, row=fact.row, column=fact.column,
        label=tpl.cell_label(fact.table, fact.row, fact.column),
        quote=f"{fact.row_label} · {fact.column_label}：{fact.raw or '（空）'}", bbox=fact.bbox)


FACT_FIELDS = ["agency", "year", "table", "row", "column", "row_label", "column_label", "raw",
               "value", "unit", "source_file", "page", "label", "label_en", "ocr_confidence"]


def fact_rows(store: FactStore, *, agency: str | None = None, year: int | None = None,
              table: str | None = None, row: str | None = None,
              column: str | None = None) -> list[dict]:
    """Stored facts as flat rows (FACT_FIELDS plus bbox, report_id, agency_id: the agency
    under every printing, and citation: the cell's Citation as a dict), duplicates of a
    report left out."""
    reports = {r.id: r for r in store.reports()}
    rows = []
    for stored in store.facts(agency=agency, year=year, table=table, row=row, column=column):
        record, fact = reports[stored.report_id], stored.fact
        rows.append({
            "agency": record.agency, "year": record.year, "table": fact.table, "row": fact.row,
            "column": fact.column, "row_label": fact.row_label, "column_label": fact.column_label,
            "raw": fact.raw, "value": fact.value, "unit": fact.unit,
            "source_file": record.source_file, "page": fact.page,
            "label": tpl.cell_label(fact.table, fact.row, fact.column),
            "label_en": tpl.cell_label_en(fact.table, fact.row, fact.column),
            # read from a scan: OCR's confidence in the cell; from a text layer: empty
            "ocr_confidence": None if fact.confidence is None else round(fact.confidence, 3),
            "bbox": dataclasses.asdict(fact.bbox) if fact.bbox else None,
            "report_id": record.id, "agency_id": record.agency_id,
            "citation": cell_citation(record.source_file, record.id, record.agency, record.year, fact).to_dict()})
    return rows
