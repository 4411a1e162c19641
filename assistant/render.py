"""Writing computed results as Answers: the text in the question's language, the figure,
and a citation for every cell used. One renderer per language; no computing here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ingest import template as tpl
from ingest.cells import format_number
from ingest.models import Citation, Fact, Finding
from ingest.passages import section_key

from .answer import Answer, FindingNote, Row, RowsOver
from .compute import (
    Consistency,
    Difference,
    Filtered,
    Inventory,
    Lookup,
    Ranking,
    Ratio,
    Reading,
    Result,
    Series,
    cell_citation,
    metric_label,
    template_gap,
)
from .extract import described_by, glossed
from .understanding import CatalogEntry, Query

FindingsFor = Callable[[dict[str, set[tuple[str, str, str]]]], list[tuple[str, Finding]]]


def fact_citation(entry: CatalogEntry, fact: Fact) -> Citation:
    return cell_citation(entry.source_file, entry.report_id, entry.agency, entry.year, fact)


def report_citation(entry: CatalogEntry) -> Citation:
    return Citation(source_file=entry.source_file, report_id=entry.report_id, agency=entry.agency,
                    year=entry.year, page=None, section="表二至表四")


def answer_row(reading: Reading, language: str) -> Row:
    """A reading as a typed row of the answer: its figure and a citation for each cell read."""
    e = reading.entry
    state = ("template" if reading.missing == "template" else "unread" if reading.missing
             else "blank" if reading.blank else "value")
    return Row(agency=e.agency, year=e.year, value=reading.value if state == "value" else None,
               unit=reading.unit or None, label=metric_label(reading, language),
               citations=tuple(fact_citation(e, f) for f in reading.facts),
               agency_id=e.agency_id, state=state)


def section_en(section: str | None) -> str:
    """A passage's section as printed, named in English by the template's sections:
    'section “overview” (一、总体情况)'; the printed heading alone when it is not one of them."""
    heading = (section or "").split(" > ")[0].strip()
    if not heading:
        return ""
    key = section_key(heading)
    name = next((s.en for s in tpl.SECTIONS if s.key == key), None)
    return f"section “{name}” ({heading})" if name else f"section {heading}"


def quote_framing_en(citation: Citation, quote: str, figure: tuple[float, str | None] | None = None) -> str:
    """English around a quoted Chinese sentence, so a reader without Chinese knows what it
    shows: whose report, which section, which figure and the words printed with it, and the
    glossary's English for the quote's terms."""
    where = f"the {citation.year} report of {citation.agency}" if citation.agency else Path(citation.source_file).name
    section = section_en(citation.section)
    lines = [f"From {where}{f', {section}' if section else ''}:"]
    named: set[str] = set()
    if figure is not None:
        value, unit = figure
        words = [(zh, en) for zh, en in glossed(described_by(quote, value))]
        named = {zh for zh, _ in words}
        printed = ", ".join(f"{zh} (“{en}”)" for zh, en in words)
        lines.append(f"the figure is {format_number(value)}{f' {unit}' if unit else ''}"
                     + (f", printed with {printed}." if printed else "."))
    terms = [(zh, en) for zh, en in glossed(quote) if zh not in named]
    if terms:
        lines.append("Terms in the quote: " + ", ".join(f"{zh} = {en}" for zh, en in terms) + ".")
    return " ".join(lines) + f" The report says: “{quote}”"


def unit_en(unit: str) -> str:
    return " (10,000 yuan)" if unit == "万元" else " yuan" if unit == "元" else ""


_LINES = {
    "zh": {"template": "{where}：{gap}", "unread": "{where}：{label}未能从表格中读出。",
           "blank": "{where}{label}：报告中该栏为空（未填写）。", "value": "{where}{label}为 {value} {unit}。"},
    "en": {"template": "{where}: {gap}", "unread": "{where}: {label} could not be read from the table.",
           "blank": "{where}: {label} is blank in the report.", "value": "{where}: {label} = {value}{unit}."},
}


class Renderer:
    """Turns a Result into an Answer for ``query``'s language."""

    def __init__(self, findings_for: FindingsFor):
        self.findings_for = findings_for

    def render(self, result: Result, query: Query) -> Answer:
        zh = query.language == "zh"
        if isinstance(result, Lookup):
            return self._lookup(result, query, zh)
        if isinstance(result, Difference):
            return self._difference(result, query, zh)
        if isinstance(result, Ranking):
            return self._ranking(result, query, zh)
        if isinstance(result, Filtered):
            return self._filtered(result, query, zh)
        if isinstance(result, Series):
            return self._series(result, query, zh)
        if isinstance(result, Ratio):
            return self._ratio(result, query, zh)
        if isinstance(result, Inventory):
            return self._inventory(result, query, zh)
        return self._consistency(result, query, zh)

    def _inventory(self, result: Inventory, query: Query, zh: bool) -> Answer:
        head = (f"已收录{len(result.agencies)}个单位的{len(result.entries)}份年度报告：" if zh else
                f"{len(result.entries)} annual reports of {len(result.agencies)} agencies are ingested:")
        lines = [head] + [f"{i}. {name}：{'、'.join(map(str, years))}年" if zh else
                          f"{i}. {name}: {', '.join(map(str, years))}"
                          for i, (name, years) in enumerate(result.agencies, 1)]
        return Answer(question=query.text, answer="\n".join(lines), mode="facts", language=query.language,
                      citations=tuple(report_citation(e) for e in result.entries))

    # ------------------------------------------------------------ pieces

    @staticmethod
    def line(reading: Reading, language: str) -> str:
        e = reading.entry
        state = ("template" if reading.missing == "template" else "unread" if reading.missing
                 else "blank" if reading.blank else "value")
        zh = language == "zh"
        return _LINES[language][state].format(
            where=f"{e.agency}{e.year}年" if zh else f"{e.agency}, {e.year}",
            label=metric_label(reading, language),
            gap=template_gap(reading, language) if state == "template" else "",
            value=format_number(reading.value or 0),
            unit=reading.unit if zh else unit_en(reading.unit))

    @staticmethod
    def _context(facts: Sequence[Fact], zh: bool) -> list[str]:
        if not facts:
            return []
        if zh:
            return ["（2019年版表格同时列出：" + "，".join(
                f"{tpl.column(tpl.T2, f.column).zh} {f.raw or '空'}" for f in facts) + "）"]
        return ["(The 2019 form also prints: " + ", ".join(
            f"{tpl.column(tpl.T2, f.column).en} {f.raw or 'blank'}" for f in facts) + ")"]

    def answer(self, query: Query, text: str, value: float | None, unit: str | None,
               readings: Sequence[Reading], extra: Sequence[tuple[CatalogEntry, Fact]] = (),
               readings_note: tuple[str, ...] = (), rows: Sequence[Reading] = (),
               over: RowsOver | None = None) -> Answer:
        """The Answer: every cell of ``readings`` (and ``extra``) cited once, and a warning for
        each consistency finding that involves a cited cell. ``rows``: the readings shown as
        the answer's table (several reports), running ``over`` years, agencies or both."""
        citations: list[Citation] = []
        seen: set[tuple[str, tuple[str, str, str]]] = set()
        pairs = [(r.entry, f) for r in readings for f in r.facts] + list(extra)
        for entry, fact in pairs:
            key = (entry.report_id, (fact.table, fact.row, fact.column))
            if key not in seen:
                seen.add(key)
                citations.append(fact_citation(entry, fact))
        findings = self.notes(citations)
        for f in findings:
            text += (f"\n注意：{f.agency}{f.year}年报告的表格不能自洽——{f.message}"
                     if query.language == "zh" else
                     f"\nNote: {f.agency}'s {f.year} report does not add up — {f.message_en}")
        return Answer(question=query.text, answer=text, mode="facts", language=query.language,
                      value=value, unit=unit, citations=tuple(citations), findings=tuple(findings),
                      readings=readings_note, rows=tuple(answer_row(r, query.language) for r in rows),
                      rows_over=over if rows else None)

    def notes(self, citations: Sequence[Citation]) -> list[FindingNote]:
        """Consistency findings of the cited reports that involve a cited cell."""
        cited: dict[str, set[tuple[str, str, str]]] = {}
        first: dict[str, Citation] = {}
        for c in citations:
            if c.table and c.row and c.column:
                cited.setdefault(c.report_id, set()).add((c.table, c.row, c.column))
                first.setdefault(c.report_id, c)
        return [FindingNote(report_id, first[report_id].agency, first[report_id].year, f.check, f.message,
                            f.message_en, f.cells) for report_id, f in self.findings_for(cited)]

    # ------------------------------------------------------------ operations

    def _lookup(self, result: Lookup, query: Query, zh: bool) -> Answer:
        lines: list[str] = []
        extra: list[tuple[CatalogEntry, Fact]] = []
        for i, reading in enumerate(result.readings):
            lines.append(self.line(reading, query.language))
            beside = result.context.get(i, [])
            lines += self._context(beside, zh)
            extra += [(reading.entry, f) for f in beside]
        good = [r for r in result.readings if r.missing is None]
        value, unit = None, None
        if result.total is not None:
            value, unit = result.total.value, result.total.unit
            lines.insert(0, f"合计 {format_number(value or 0)} {unit}：" if zh else
                         f"Combined: {format_number(value or 0)} {unit}.")
        elif len(good) == 1 and len(result.readings) == 1:
            value, unit = good[0].value, good[0].unit
        note: tuple[str, ...] = ()
        if result.several_reports:
            note = tuple(dict.fromkeys(f"{r.entry.agency} {r.entry.year}" for r in result.readings))
            lines.insert(0, "问题可以指以下几份报告，分别回答：" if zh else
                         "The question fits several reports; each is answered:")
        shown = [r for r in result.readings if r.missing != "template"]
        several = len({(r.entry.agency, r.entry.year) for r in shown}) > 1
        return self.answer(query, "\n".join(lines), value, unit, good, extra, note,
                           rows=shown if several else (), over=_over(shown))

    def _difference(self, result: Difference, query: Query, zh: bool) -> Answer:
        first, second = result.first, result.second
        delta = result.delta
        unit = first.unit
        s_name = _who(first.entry, second.entry, query.language)
        o_name = _who(second.entry, first.entry, query.language)
        base = second.value or 0
        pct = f"，增幅{delta / base * 100:.1f}%" if base else ""
        pct_en = f" ({delta / base * 100:+.1f}%)" if base else ""
        if zh:
            word = f"多{format_number(delta)}{unit}" if delta > 0 else (
                f"少{format_number(-delta)}{unit}" if delta < 0 else "持平")
            relation = f"比{o_name}{word}" if delta else f"与{o_name}持平"
            text = (f"{s_name}{metric_label(first, 'zh')}{relation}"
                    f"（{s_name}{format_number(first.value or 0)}{unit}，{o_name}{format_number(base)}{unit}）"
                    f"{pct if delta else ''}。")
        else:
            word = (f"{format_number(abs(delta))} more" if delta > 0 else
                    f"{format_number(abs(delta))} fewer" if delta < 0 else "no change")
            text = (f"{first.entry.agency}, {s_name}: {word} {'than' if delta else 'from'} {o_name} — "
                    f"{metric_label(first, 'en')}: {format_number(first.value or 0)} vs "
                    f"{format_number(base)}{pct_en if delta else ''}.")
        return self.answer(query, text, delta, unit, [first, second], rows=[first, second],
                           over=_over([first, second]))

    def _ranking(self, result: Ranking, query: Query, zh: bool) -> Answer:
        top = result.shown[0]
        if result.over == "year":
            def name(r: Reading) -> str:
                return f"{r.entry.year}年" if zh else str(r.entry.year)
        elif result.over == "report":
            def name(r: Reading) -> str:
                return f"{r.entry.agency}{r.entry.year}年" if zh else f"{r.entry.agency} {r.entry.year}"
        else:
            def name(r: Reading) -> str:
                return r.entry.agency
        ties = [r for r in result.readings if r.value == top.value]
        label, label_en = metric_label(top, "zh"), metric_label(top, "en")
        scope = {"year": f"{result.agency}各年度", "agency": f"{result.year}年已收录的{len(result.readings)}个单位",
                 "report": f"已收录的{len(result.readings)}份报告"}[result.over]
        scope_en = {"year": f"{result.agency} across years",
                    "agency": f"the {len(result.readings)} agencies ingested for {result.year}",
                    "report": f"the {len(result.readings)} ingested reports"}[result.over]
        if zh:
            best = "最多" if result.descending else "最少"
            head = (f"{scope}中，{label}{best}的是{'、'.join(name(r) for r in ties)}"
                    f"（{format_number(top.value or 0)}{top.unit}）。") if not result.top_n else (
                f"{scope}中，{label}前{len(result.shown)}名：")
            body = [f"{i}. {name(r)}：{format_number(r.value or 0)}{r.unit}" for i, r in enumerate(result.shown, 1)]
        else:
            best = "most" if result.descending else "fewest"
            head = (f"Among {scope_en}, the {best} {label_en}: {', '.join(name(r) for r in ties)} "
                    f"({format_number(top.value or 0)}).") if not result.top_n else (
                f"Among {scope_en}, top {len(result.shown)} by {label_en}:")
            body = [f"{i}. {name(r)}: {format_number(r.value or 0)}" for i, r in enumerate(result.shown, 1)]
        return self.answer(query, "\n".join([head, *body]), top.value, top.unit, result.readings,
                           rows=result.shown, over=_over(result.shown))

    def _filtered(self, result: Filtered, query: Query, zh: bool) -> Answer:
        t = result.threshold
        words = {"<": ("少于", "fewer than"), "<=": ("不超过", "at most"), ">": ("多于", "more than"),
                 ">=": ("不少于", "at least")}[t.comparator]
        first = result.checked[0]
        label, label_en = metric_label(first, "zh"), metric_label(first, "en")
        limit = format_number(t.value)
        names = [f"{r.entry.agency}{r.entry.year}年" if zh else f"{r.entry.agency} {r.entry.year}"
                 for r in result.matching]
        if zh:
            head = (f"在已收录的{len(result.checked)}份报告中，{label}{words[0]}{limit}{first.unit}的有"
                    f"{len(result.matching)}份" + ("：" if result.matching else "。"))
            body = [f"{i}. {n}：{format_number(r.value or 0)}{r.unit}"
                    for i, (n, r) in enumerate(zip(names, result.matching), 1)]
        else:
            head = (f"Of the {len(result.checked)} ingested reports, {len(result.matching)} have {label_en} "
                    f"{words[1]} {limit}" + (":" if result.matching else "."))
            body = [f"{i}. {n}: {format_number(r.value or 0)}" for i, (n, r) in enumerate(zip(names, result.matching), 1)]
        value = float(len(result.matching))
        return self.answer(query, "\n".join([head, *body]), value, "份" if zh else "reports",
                           result.matching, rows=result.matching, over=_over(result.matching))

    def _series(self, result: Series, query: Query, zh: bool) -> Answer:
        lines = []
        good = [r for r in result.readings if r.usable]
        first = result.readings[0]
        label, label_en = metric_label(first, "zh"), metric_label(first, "en")
        if result.over == "year":
            agency = first.entry.agency
            span = f"{result.readings[0].entry.year}–{result.readings[-1].entry.year}"
            lines.append(f"{agency}{span}年各年{label}：" if zh else f"{agency}, {label_en} by year ({span}):")
            for r in result.readings:
                lines.append(f"{r.entry.year}年：{self._value_text(r, zh)}" if zh else
                             f"{r.entry.year}: {self._value_text(r, zh)}")
        else:
            year = first.entry.year
            lines.append(f"{year}年各单位{label}：" if zh else f"{label_en}, {year}, by agency:")
            for r in result.readings:
                lines.append(f"{r.entry.agency}：{self._value_text(r, zh)}" if zh else
                             f"{r.entry.agency}: {self._value_text(r, zh)}")
        if result.missing:
            lines.append(f"（未收录：{'、'.join(result.missing)}）" if zh else
                         f"(Not ingested: {', '.join(result.missing)})")
        value = good[0].value if len(result.readings) == 1 and good else None
        unit = good[0].unit if good else None
        return self.answer(query, "\n".join(lines), value, unit, good,
                           rows=result.readings if len(result.readings) > 1 else (), over=result.over)

    @staticmethod
    def _value_text(reading: Reading, zh: bool) -> str:
        if reading.missing == "template":
            return "该年模板没有这一栏" if zh else "not in that year's template"
        if reading.missing:
            return "未能读出" if zh else "could not be read"
        if reading.blank:
            return "空（未填写）" if zh else "blank"
        return f"{format_number(reading.value or 0)} {reading.unit}" if zh else \
            f"{format_number(reading.value or 0)}{unit_en(reading.unit)}"

    def _ratio(self, result: Ratio, query: Query, zh: bool) -> Answer:
        lines = []
        used: list[Reading] = []
        for num, den, share in result.items:
            used += [num, den]
            e = num.entry
            if zh:
                name = "公开率（予以公开+部分公开）/办理结果总计" if result.rate else \
                    f"{metric_label(num, 'zh')}占{metric_label(den, 'zh')}"
                lines.append(f"{e.agency}{e.year}年{name}："
                             f"{format_number(num.value or 0)}÷{format_number(den.value or 0)} = {share:.1f}%")
            else:
                name = ("disclosure rate (granted + partially granted) / total handled" if result.rate
                        else f"{metric_label(num, 'en')} as a share of {metric_label(den, 'en')}")
                lines.append(f"{e.agency} {e.year}: {name} = "
                             f"{format_number(num.value or 0)} / {format_number(den.value or 0)} = {share:.1f}%")
        value = round(result.items[0][2], 1) if len(result.items) == 1 else None
        note = tuple(f"{n.entry.agency} {n.entry.year}" for n, _, _ in result.items) if len(result.items) > 1 else ()
        return self.answer(query, "\n".join(lines), value, "%", used, readings_note=note)

    def _consistency(self, result: Consistency, query: Query, zh: bool) -> Answer:
        lines: list[str] = []
        citations: dict[tuple[str, tuple[str, str, str]], Citation] = {}
        for report in result.reports:
            entry = report.entry
            for cell in (c for f in report.findings for c in f.cells if c in report.facts):
                citations.setdefault((entry.report_id, cell), fact_citation(entry, report.facts[cell]))
            if not report.findings:
                blank = ""
                if report.unchecked:
                    blank = (f"另有{report.unchecked}项因有空白单元格无法核对。" if zh else
                             f" {report.unchecked} more cannot be checked because a cell is blank.")
                lines.append(f"{entry.agency}{entry.year}年报告的表格自洽：{report.held}项勾稽关系均成立。{blank}"
                             if zh else
                             f"{entry.agency}'s {entry.year} report adds up: all {report.held} identities "
                             f"that can be checked hold.{blank}")
                continue
            lines.append(f"{entry.agency}{entry.year}年报告有{len(report.findings)}处不能自洽：" if zh else
                         f"{entry.agency}'s {entry.year} report does not add up in {len(report.findings)} place(s):")
            lines += [f"  {n}. {f.message if zh else f.message_en}" for n, f in enumerate(report.findings, 1)]
        notes = tuple(FindingNote(r.id, r.agency, r.year, f.check, f.message, f.message_en, f.cells)
                      for r, f in result.every_finding)
        return Answer(question=query.text, answer="\n".join(lines), mode="facts",
                      language=query.language, findings=notes,
                      citations=tuple(citations.values()) or tuple(report_citation(r.entry) for r in result.reports))


def _over(readings: Sequence[Reading]) -> RowsOver:
    """What a set of readings runs over: one agency's years, one year's agencies, or both."""
    agencies = {r.entry.agency_id or r.entry.agency for r in readings}
    years = {r.entry.year for r in readings}
    if len(agencies) == 1:
        return "year"
    return "agency" if len(years) == 1 else "report"


def _who(entry: CatalogEntry, other: CatalogEntry, language: str) -> str:
    """How to name one side of a comparison: its year, or its agency when the years agree."""
    if entry.agency != other.agency:
        return entry.agency
    return f"{entry.year}年" if language == "zh" else str(entry.year)
