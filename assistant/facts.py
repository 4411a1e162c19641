"""The facts route: a question that names table cells is answered from SQLite, exactly.

Every figure in an answer comes from stored cells and cites each of them:
file, page, table, row and column. Aggregates (sums, differences, rankings,
shares) cite every cell they used.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest import template as tpl
from ingest.cells import format_number
from ingest.checks import carry_over_findings, check_identities
from ingest.models import Citation, Fact, Finding
from ingest.store import ReportRecord, Store

from .answer import Answer, FindingNote
from .question import Catalog, CatalogEntry, Metric, Query

CellKey = tuple[str, str, str]
MAX_READINGS = 8  # more possible readings than this: ask instead of answering each


@dataclass(frozen=True)
class Miss:
    """The question is about table cells, but they cannot be answered; why, in both languages."""

    reason: str
    reason_en: str
    report_ids: tuple[str, ...] = ()
    clarify: bool = False  # the question needs narrowing; no other route should guess


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
    missing: str | None = None  # why there is no value

    @property
    def label(self) -> str:
        return _metric_label(self.metric, self.column, "zh")

    @property
    def label_en(self) -> str:
        return _metric_label(self.metric, self.column, "en")


def _metric_label(metric: Metric, column: str | None, language: str) -> str:
    cols = [column] if column else list(metric.columns)
    names = [tpl.column(metric.table, c) for c in cols]
    if language == "zh":
        col_text = "+".join(c.zh for c in names)
        return f"{tpl.TABLE_NAMES[metric.table]}「{metric.label}」{col_text}"
    col_text = " + ".join(c.en for c in names)
    return f"{metric.label_en} ({col_text})"


# ---------------------------------------------------------------- cells of a metric


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
    if len(found) < len(cells):
        reading.missing = "unread"
        reading.facts = found
        return reading
    reading.facts = found
    numbers = [f.value for f in found if f.value is not None]
    reading.blank = not numbers
    reading.value = sum(numbers) if numbers else None
    unit = next((f.unit for f in found if f.unit), "") or tpl.column(metric.table, columns[0]).unit
    reading.unit = unit
    return reading


# ---------------------------------------------------------------- the route


class FactRoute:
    def __init__(self, store: Store):
        self.store = store

    def answer(self, query: Query, catalog: Catalog) -> Answer | Miss | None:
        """None: the question names no table cells."""
        if query.operation == "check":
            return self._check(query, catalog)
        if not query.metrics:
            return None
        agencies = list(query.agencies)
        readings_note: tuple[str, ...] = ()
        if not agencies:
            if query.ambiguous:
                agencies = [a for group in query.ambiguous for a in group]
            elif query.unknown_agency:
                return Miss(f"没有收录“{query.unknown_agency}”的年度报告。",
                            f"No report of {query.unknown_agency} has been ingested.")
            else:
                agencies = list(catalog.agencies)
        if not agencies:
            return Miss("还没有收录任何年度报告。", "No reports have been ingested yet.")
        if _asks_money(query.text) and not any(
                tpl.column(m.table, c).unit in ("万元", "元") for m in query.metrics for c in m.columns):
            labels = "、".join(m.label for m in query.metrics)
            return Miss(f"年报表格中“{labels}”只统计件数，不统计金额；报告表格没有提供这个金额。",
                        f"The report's tables count {', '.join(m.label_en for m in query.metrics)} "
                        "as a number of cases, not an amount of money; the tables do not give it.")
        op = query.operation
        if op == "rank":
            return self._rank(query, catalog, agencies)
        if op == "diff":
            return self._diff(query, catalog, agencies)
        entries, missing = self._entries(query, catalog, agencies)
        if not entries:
            return missing
        if len(entries) > MAX_READINGS and op not in ("sum",):
            agencies_named = list(dict.fromkeys(e.agency for e in entries))
            names = "、".join(agencies_named[:6]) + ("等" if len(agencies_named) > 6 else "")
            names_en = ", ".join(agencies_named[:6]) + (", …" if len(agencies_named) > 6 else "")
            return Miss(f"问题可以指{len(agencies_named)}个单位的{len(entries)}份报告（{names}），"
                        "请指明单位和年份。",
                        f"The question could mean {len(entries)} reports of {len(agencies_named)} "
                        f"agencies ({names_en}); please name the agency and the year.",
                        clarify=True)
        if len({(e.agency, e.year) for e in entries}) > 1 and op != "sum":
            readings_note = tuple(f"{e.agency} {e.year}" for e in entries)
        if op in ("share", "rate"):
            return self._ratio(query, entries, readings_note)
        return self._lookup(query, entries, readings_note, total=op == "sum")

    # ------------------------------------------------------------ selection

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
        have = "；".join(f"{a}：{'、'.join(map(str, catalog.years(a))) or '无'}" for a in agencies)
        return [], Miss(f"没有收录{'、'.join(absent)}年的年度报告（已收录 {have}）。",
                        f"No report for {', '.join(absent)} has been ingested (available: {have}).")

    def _facts(self, entry: CatalogEntry) -> dict[CellKey, Fact]:
        return self.store.fact_map(entry.report_id)

    def _readings(self, query: Query, entry: CatalogEntry) -> list[Reading]:
        facts = self._facts(entry)
        out = []
        for metric in query.metrics:
            columns = metric_columns(metric, entry.template)
            if metric.table == tpl.T2 and not metric.columns and len(columns) > 1:
                out += [evaluate(entry, metric, c, facts) for c in columns]  # list each column
            else:
                out.append(evaluate(entry, metric, None, facts))
        return out

    # ------------------------------------------------------------ operations

    def _lookup(self, query: Query, entries: list[CatalogEntry], readings_note: tuple[str, ...],
                *, total: bool) -> Answer | Miss:
        zh = query.language == "zh"
        lines: list[str] = []
        readings: list[Reading] = []
        for entry in entries:
            for reading in self._readings(query, entry):
                readings.append(reading)
                lines.append(self._line(reading, query.language))
                lines += self._context(reading, query.language)
        good = [r for r in readings if r.missing is None]
        if not good:
            return self._miss(readings, query.language)
        value, unit = None, None
        if total and len(good) > 1 and len({r.metric for r in good}) == 1:
            value = sum(r.value or 0 for r in good)
            unit = good[0].unit
            head = (f"合计 {format_number(value)} {unit}：" if zh else
                    f"Combined: {format_number(value)} {unit}.")
            lines.insert(0, head)
        elif len(good) == 1 and len(readings) == 1:
            value, unit = good[0].value, good[0].unit
        if readings_note and not total:
            lines.insert(0, "问题可以指以下几份报告，分别回答：" if zh else
                         "The question fits several reports; each is answered:")
        return self._answer(query, "\n".join(lines), value, unit, good, readings_note)

    def _diff(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Answer | Miss:
        metric = query.metrics[0]
        years = sorted(query.years)
        pairs: list[tuple[CatalogEntry | None, CatalogEntry | None]] = []
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
                return Miss(f"没有收录{agency}的年度报告。", f"No report of {agency} has been ingested.")
            pairs.append((catalog.entry(agency, subject), catalog.entry(agency, other)))
            missing = [y for y, e in ((subject, pairs[0][0]), (other, pairs[0][1])) if e is None]
            if missing:
                have = "、".join(map(str, catalog.years(agency))) or "无"
                return Miss(f"比较需要{agency}{'、'.join(map(str, missing))}年的报告，但未收录（已收录：{have}）。",
                            f"The comparison needs {agency}'s report for "
                            f"{', '.join(map(str, missing))}, which is not ingested (available: {have}).")
        else:
            year = years[-1] if years else max(catalog.years())
            a, b = agencies[0], agencies[1]
            pairs.append((catalog.entry(a, year), catalog.entry(b, year)))
            if None in pairs[0]:
                return Miss(f"比较需要{a}和{b}{year}年的报告，但未全部收录。",
                            f"The comparison needs the {year} reports of {a} and {b}; not all are ingested.")
        subject_entry, other_entry = pairs[0]
        assert subject_entry and other_entry
        first = evaluate(subject_entry, metric, None, self._facts(subject_entry))
        second = evaluate(other_entry, metric, None, self._facts(other_entry))
        if first.missing or second.missing or first.value is None or second.value is None:
            return self._miss([first, second], query.language)
        delta = first.value - second.value
        unit = first.unit
        s_name = _who(subject_entry, other_entry, query.language)
        o_name = _who(other_entry, subject_entry, query.language)
        pct = f"，增幅{delta / second.value * 100:.1f}%" if second.value else ""
        pct_en = f" ({delta / second.value * 100:+.1f}%)" if second.value else ""
        if query.language == "zh":
            word = f"多{format_number(delta)}{unit}" if delta > 0 else (
                f"少{format_number(-delta)}{unit}" if delta < 0 else "持平")
            relation = f"比{o_name}{word}" if delta else f"与{o_name}持平"
            text = (f"{s_name}{first.label}{relation}"
                    f"（{s_name}{format_number(first.value)}{unit}，{o_name}{format_number(second.value)}{unit}）"
                    f"{pct if delta else ''}。")
        else:
            word = (f"{format_number(abs(delta))} more" if delta > 0 else
                    f"{format_number(abs(delta))} fewer" if delta < 0 else "no change")
            text = (f"{subject_entry.agency}, {s_name}: {word} {'than' if delta else 'from'} {o_name} — {first.label_en}: "
                    f"{format_number(first.value)} vs {format_number(second.value)}{pct_en if delta else ''}.")
        return self._answer(query, text, delta, unit, [first, second], ())

    def _rank(self, query: Query, catalog: Catalog, agencies: Sequence[str]) -> Answer | Miss:
        metric = query.metrics[0]
        readings: list[Reading] = []
        if len(agencies) == 1 and len(query.years) != 1:
            entries = [e for e in catalog.entries if e.agency == agencies[0]
                       and (not query.years or e.year in query.years)]
            over = "year"
        else:
            year = query.years[0] if query.years else max(catalog.years(), default=None)
            entries = [e for e in catalog.entries if e.agency in agencies and e.year == year]
            over = "agency"
        rows = {r for v in tpl.TEMPLATE_VERSIONS for r in metric_rows(metric, v) or ()}
        facts = self.store.fact_maps([e.report_id for e in entries], metric.table, rows)
        every = [evaluate(e, metric, None, facts[e.report_id]) for e in entries]
        readings = [r for r in every if r.value is not None and r.missing is None]
        if not readings:
            return self._miss(every, query.language)
        readings.sort(key=lambda r: r.value or 0, reverse=query.descending)
        shown = readings[: query.top_n] if query.top_n else readings
        top = shown[0]
        zh = query.language == "zh"
        name = (lambda r: f"{r.entry.year}年") if over == "year" else (lambda r: r.entry.agency)
        name_en = (lambda r: str(r.entry.year)) if over == "year" else (lambda r: r.entry.agency)
        ties = [r for r in readings if r.value == top.value]
        scope = (f"{agencies[0]}各年度" if over == "year" else f"{entries[0].year}年已收录的{len(readings)}个单位")
        scope_en = (f"{agencies[0]} across years" if over == "year" else
                    f"the {len(readings)} agencies ingested for {entries[0].year}")
        if zh:
            best = "最多" if query.descending else "最少"
            head = (f"{scope}中，{top.label}{best}的是{'、'.join(name(r) for r in ties)}"
                    f"（{format_number(top.value)}{top.unit}）。") if not query.top_n else (
                f"{scope}中，{top.label}前{len(shown)}名：")
            body = [f"{i}. {name(r)}：{format_number(r.value)}{r.unit}" for i, r in enumerate(shown, 1)]
        else:
            best = "most" if query.descending else "fewest"
            head = (f"Among {scope_en}, the {best} {top.label_en}: {', '.join(name_en(r) for r in ties)} "
                    f"({format_number(top.value)}).") if not query.top_n else (
                f"Among {scope_en}, top {len(shown)} by {top.label_en}:")
            body = [f"{i}. {name_en(r)}: {format_number(r.value)}" for i, r in enumerate(shown, 1)]
        text = "\n".join([head, *body])
        return self._answer(query, text, top.value, top.unit, readings, ())

    def _ratio(self, query: Query, entries: list[CatalogEntry],
               readings_note: tuple[str, ...]) -> Answer | Miss:
        lines: list[str] = []
        used: list[Reading] = []
        value = None
        for entry in entries:
            facts = self._facts(entry)
            if query.operation == "rate":
                num_metric = Metric(tpl.T3, tpl.DISCLOSURE_RATE[0], ("total",))
                den_metric = Metric(tpl.T3, tpl.DISCLOSURE_RATE[1], ("total",))
            else:
                num_metric = query.metrics[0]
                den_metric = _denominator(num_metric)
            num = evaluate(entry, num_metric, None, facts)
            den = evaluate(entry, den_metric, None, facts)
            if num.missing or den.missing or not den.value:
                continue
            share = (num.value or 0) / den.value * 100
            used += [num, den]
            value = share if value is None else value
            if query.language == "zh":
                name = "公开率（予以公开+部分公开）/办理结果总计" if query.operation == "rate" else \
                    f"{num.label}占{den.label}"
                lines.append(f"{entry.agency}{entry.year}年{name}："
                             f"{format_number(num.value or 0)}÷{format_number(den.value)} = {share:.1f}%")
            else:
                name = ("disclosure rate (granted + partially granted) / total handled"
                        if query.operation == "rate" else f"{num.label_en} as a share of {den.label_en}")
                lines.append(f"{entry.agency} {entry.year}: {name} = "
                             f"{format_number(num.value or 0)} / {format_number(den.value)} = {share:.1f}%")
        if not used:
            return Miss("所需的单元格未能从报告中读出，无法计算比例。",
                        "The cells needed for this ratio could not be read from the report.")
        if len(lines) > 1:
            value = None
        return self._answer(query, "\n".join(lines), round(value, 1) if value is not None else None,
                            "%", used, readings_note)

    def _check(self, query: Query, catalog: Catalog) -> Answer | Miss:
        """Does the report add up? Its findings, each with the cells involved."""
        agencies = list(query.agencies) or [a for g in query.ambiguous for a in g]
        if not agencies and query.unknown_agency:
            return Miss(f"没有收录“{query.unknown_agency}”的年度报告。",
                        f"No report of {query.unknown_agency} has been ingested.")
        entries, missing = self._entries(query, catalog, agencies or catalog.agencies)
        if not entries:
            return missing or Miss("还没有收录任何年度报告。", "No reports have been ingested yet.")
        findings = consistency_findings(self.store, {e.report_id for e in entries})
        zh = query.language == "zh"
        lines: list[str] = []
        citations: dict[tuple[str, CellKey], Citation] = {}
        for entry in entries:
            mine = [f for r, f in findings if r.id == entry.report_id]
            facts = self._facts(entry)
            for cell in (c for f in mine for c in f.cells if c in facts):
                citations.setdefault((entry.report_id, cell), fact_citation(entry, facts[cell]))
            status = check_identities(facts, entry.template)
            if not mine:
                blank = ""
                if status.unchecked:
                    blank = (f"另有{status.unchecked}项因有空白单元格无法核对。" if zh else
                             f" {status.unchecked} more cannot be checked because a cell is blank.")
                lines.append(f"{entry.agency}{entry.year}年报告的表格自洽：{status.held}项勾稽关系均成立。{blank}"
                             if zh else
                             f"{entry.agency}'s {entry.year} report adds up: all {status.held} identities "
                             f"that can be checked hold.{blank}")
                continue
            lines.append(f"{entry.agency}{entry.year}年报告有{len(mine)}处不能自洽：" if zh else
                         f"{entry.agency}'s {entry.year} report does not add up in {len(mine)} place(s):")
            lines += [f"  {n}. {f.message if zh else f.message_en}" for n, f in enumerate(mine, 1)]
        notes = tuple(FindingNote(r.id, r.agency, r.year, f.check, f.message, f.message_en, f.cells)
                      for r, f in findings)
        return Answer(question=query.text, answer="\n".join(lines), mode="facts",
                      language=query.language, findings=notes,
                      citations=tuple(citations.values()) or tuple(report_citation(e) for e in entries))

    # ------------------------------------------------------------ text and citations

    def _line(self, reading: Reading, language: str) -> str:
        e = reading.entry
        state = ("template" if reading.missing == "template" else "unread" if reading.missing
                 else "blank" if reading.blank else "value")
        zh = language == "zh"
        return _LINES[language][state].format(
            where=f"{e.agency}{e.year}年" if zh else f"{e.agency}, {e.year}",
            label=reading.label if zh else reading.label_en,
            gap=_template_gap(reading, language) if state == "template" else "",
            value=format_number(reading.value or 0),
            unit=reading.unit if zh else _unit_en(reading.unit))

    def _context(self, reading: Reading, language: str) -> list[str]:
        """The 2019 template prints items and their change beside the decisions: mention them."""
        e, metric = reading.entry, reading.metric
        if (reading.missing or e.template != tpl.TEMPLATE_2019 or metric.table != tpl.T2
                or metric.columns != ("decisions",)):
            return []
        facts = self._facts(e)
        extra = [facts[(tpl.T2, r, c)] for r in metric.rows for c in ("prev_items", "change")
                 if (tpl.T2, r, c) in facts]
        if not extra:
            return []
        reading.facts += extra
        if language == "zh":
            return ["（2019年版表格同时列出：" + "，".join(
                f"{tpl.column(tpl.T2, f.column).zh} {f.raw or '空'}" for f in extra) + "）"]
        return ["(The 2019 form also prints: " + ", ".join(
            f"{tpl.column(tpl.T2, f.column).en} {f.raw or 'blank'}" for f in extra) + ")"]

    def _miss(self, readings: list[Reading], language: str) -> Miss:
        if readings and all(r.missing == "template" for r in readings):
            return Miss(_template_gap(readings[0], "zh"), _template_gap(readings[0], "en"),
                        tuple(r.entry.report_id for r in readings))
        labels = "、".join(dict.fromkeys(f"{r.entry.agency}{r.entry.year}年{r.label}" for r in readings))
        labels_en = ", ".join(dict.fromkeys(f"{r.label_en} ({r.entry.agency} {r.entry.year})"
                                            for r in readings))
        return Miss(f"{labels}未能从报告的表格中可靠读出（表格可能被转换打乱）。",
                    f"{labels_en} could not be read reliably from the report's table "
                    "(the table may be garbled).", tuple(r.entry.report_id for r in readings))

    def _answer(self, query: Query, text: str, value: float | None, unit: str | None,
                readings: list[Reading], readings_note: tuple[str, ...]) -> Answer:
        citations: list[Citation] = []
        seen: set[tuple[str, CellKey]] = set()
        for reading in readings:
            for fact in reading.facts:
                key = (reading.entry.report_id, (fact.table, fact.row, fact.column))
                if key not in seen:
                    seen.add(key)
                    citations.append(fact_citation(reading.entry, fact))
        findings = self.findings_for(citations)
        for f in findings:
            text += (f"\n注意：{f.agency}{f.year}年报告的表格不能自洽——{f.message}"
                     if query.language == "zh" else
                     f"\nNote: {f.agency}'s {f.year} report does not add up — {f.message_en}")
        return Answer(question=query.text, answer=text, mode="facts", language=query.language,
                      value=value, unit=unit, citations=tuple(citations), findings=tuple(findings),
                      readings=readings_note)

    def findings_for(self, citations: Sequence[Citation]) -> list[FindingNote]:
        """Stored findings of the cited reports that involve a cited cell."""
        cited: dict[str, set[CellKey]] = {}
        for c in citations:
            if c.table and c.row and c.column:
                cited.setdefault(c.report_id, set()).add((c.table, c.row, c.column))
        notes = []
        for report_id, cells in cited.items():
            first = next(c for c in citations if c.report_id == report_id)
            for _, finding in self.store.findings(report_id):
                if cells & set(finding.cells):
                    notes.append(FindingNote(report_id, first.agency, first.year, finding.check,
                                             finding.message, finding.message_en, finding.cells))
        return notes


_LINES = {
    "zh": {"template": "{where}：{gap}", "unread": "{where}：{label}未能从表格中读出。",
           "blank": "{where}{label}：报告中该栏为空（未填写）。", "value": "{where}{label}为 {value} {unit}。"},
    "en": {"template": "{where}: {gap}", "unread": "{where}: {label} could not be read from the table.",
           "blank": "{where}: {label} is blank in the report.", "value": "{where}: {label} = {value}{unit}."},
}


def consistency_findings(store: Store, only: set[str] | None = None) -> list[tuple[ReportRecord, Finding]]:
    """Stored findings of each report (duplicates aside), plus the carry-over check against
    the year before, for reports ingested in any order. ``only``: these report ids."""
    records = store.reports(include_duplicates=False)
    by_key = {(r.agency, r.year): r for r in records if r.agency and r.year}
    out: list[tuple[ReportRecord, Finding]] = []
    for record in records:
        if only is not None and record.id not in only:
            continue
        stored = [f for _, f in store.findings(record.id)]
        out += [(record, f) for f in stored]
        previous = by_key.get((record.agency, record.year - 1)) if record.year else None
        if previous is None:
            continue
        seen = {f.check for f in stored}
        for finding in carry_over_findings(store.fact_map(previous.id), store.fact_map(record.id),
                                           previous.year, record.year):
            if finding.check not in seen:
                out.append((record, finding))
    return out


FACT_FIELDS = ["agency", "year", "table", "row", "column", "row_label", "column_label", "raw",
               "value", "unit", "source_file", "page", "label", "label_en"]


def fact_rows(store: Store, *, agency: str | None = None, year: int | None = None,
              table: str | None = None, row: str | None = None,
              column: str | None = None) -> list[dict]:
    """Stored facts as flat rows (FACT_FIELDS plus bbox), duplicates of a report left out."""
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
            "bbox": dataclasses.asdict(fact.bbox) if fact.bbox else None})
    return rows


def report_citation(entry: CatalogEntry) -> Citation:
    return Citation(source_file=entry.source_file, report_id=entry.report_id, agency=entry.agency,
                    year=entry.year, page=None, section="表二至表四")


def fact_citation(entry: CatalogEntry, fact: Fact) -> Citation:
    return Citation(
        source_file=entry.source_file, report_id=entry.report_id, agency=entry.agency,
        year=entry.year, page=fact.page,
        section=f"{tpl.TABLE_NAMES[fact.table]} {tpl.TABLE_TITLES[fact.table][0]}",
        table=fact.table, row=fact.row, column=fact.column,
        label=tpl.cell_label(fact.table, fact.row, fact.column),
        quote=f"{fact.row_label} · {fact.column_label}：{fact.raw or '（空）'}", bbox=fact.bbox)


def _asks_money(text: str) -> bool:
    return bool(re.search(r"金额|多少钱|多少万?元|罚没|how much money|\byuan\b|amount of money", text,
                          flags=re.IGNORECASE))


def _denominator(metric: Metric) -> Metric:
    """What a share is a share of: a column of its row's total, or a result row of （七）总计."""
    if metric.columns and metric.columns != ("total",) and metric.table in (tpl.T3, tpl.T4):
        return Metric(metric.table, metric.rows, ("total",))
    if metric.table == tpl.T3:
        row = tpl.row(tpl.T3, metric.rows[0])
        if row.group:
            return Metric(tpl.T3, ("total_handled",), metric.columns or ("total",))
        return Metric(tpl.T3, ("new_received",), metric.columns or ("total",))
    return Metric(metric.table, metric.rows, ("total",))


def _who(entry: CatalogEntry, other: CatalogEntry, language: str) -> str:
    """How to name one side of a comparison: its year, or its agency when the years agree."""
    if entry.agency != other.agency:
        return entry.agency
    return f"{entry.year}年" if language == "zh" else str(entry.year)


def _unit_en(unit: str) -> str:
    return " (10,000 yuan)" if unit == "万元" else " yuan" if unit == "元" else ""


def _template_gap(reading: Reading, language: str) -> str:
    version = reading.entry.template or "?"
    rows = "、".join(tpl.row(reading.metric.table, r).zh for r in reading.metric.rows)
    if language == "zh":
        return (f"{reading.entry.agency}{reading.entry.year}年的报告使用{version}版模板，"
                f"该模板没有“{rows}”这一栏，报告未提供这个数字。")
    return (f"{reading.entry.agency}'s {reading.entry.year} report uses the {version} template, "
            f"which has no '{reading.metric.label_en}' entry; the report does not give this figure.")
