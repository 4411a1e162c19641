"""The data tab: the facts table and its filters, CSV and XLSX exports, the consistency
findings, and the chart of one entry across years or agencies."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from assistant.compute import FACT_FIELDS
from assistant.service import Assistant
from ingest import template as tpl
from ingest.cells import format_number
from ingest.models import Citation

from ..chart import Line, Point, bar_chart, line_chart
from .common import ALL, citation_where, parse_filters

FACT_HEADERS = ["单位", "年度", "表", "行", "列", "数值", "计量单位", "原文", "文件", "页码"]
TABLE_CHOICES = [("全部表格 · All tables", ALL)] + [
    (f"{tpl.TABLE_NAMES[t]} {tpl.TABLE_TITLES[t][0]}", t) for t in (tpl.T2, tpl.T3, tpl.T4)]


def row_choices(table: str | None) -> list[tuple[str, str]]:
    tables = [table] if table else [tpl.T2, tpl.T3, tpl.T4]
    out = [("全部行 · All rows", ALL)]
    for t in tables:
        for key, row in tpl.ROWS[t].items():
            prefix = "" if table else f"{tpl.TABLE_NAMES[t]} · "
            out.append((f"{prefix}{row.path}", f"{t}|{key}" if not table else key))
    return out


def column_choices(table: str | None) -> list[tuple[str, str]]:
    if not table:
        return [("全部列 · All columns", ALL)]
    return [("全部列 · All columns", ALL)] + [(c.zh, key) for key, c in tpl.COLUMNS[table].items()]


def _row_filter(row: str | None) -> tuple[str | None, str | None]:
    """A row choice is 'key' (a table is chosen) or 'table|key' (all tables)."""
    if not row:
        return None, None
    if "|" in row:
        table, key = row.split("|", 1)
        return table, key
    return None, row


def facts(assistant: Assistant, agency: str | None = None, year: str | int | None = None, table: str | None = None,
          row: str | None = None, column: str | None = None) -> list[dict]:
    agency, year_value = parse_filters(agency, year)
    row_table, row_key = _row_filter(row)
    table = table or row_table or None
    return assistant.facts(agency=agency, year=year_value, table=table, row=row_key,
                          column=column or None)


MAX_SHOWN_FACTS = 2000  # the browser table; exports hold every row


def facts_note(rows: Sequence[dict]) -> str:
    if not rows:
        return "没有符合条件的数据。<small>No facts match.</small>"
    note = f"共 **{len(rows)}** 个数据"
    if len(rows) > MAX_SHOWN_FACTS:
        note += f"，表中显示前 {MAX_SHOWN_FACTS} 个，导出包含全部"
    return note + "。"


def facts_frame(rows: Sequence[dict]) -> pd.DataFrame:
    rows = rows[:MAX_SHOWN_FACTS]
    data = [[r["agency"], r["year"], tpl.TABLE_NAMES[r["table"]], tpl.row(r["table"], r["row"]).path,
             tpl.column(r["table"], r["column"]).zh,
             format_number(r["value"]) if r["value"] is not None else "", r["unit"], r["raw"],
             Path(r["source_file"]).name, r["page"] or ""] for r in rows]
    return pd.DataFrame(data, columns=FACT_HEADERS)


def export_facts(rows: Sequence[dict], fmt: str, out_dir: str | Path) -> Path:
    """The rows as CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX; FACT_FIELDS columns."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    if fmt == "csv":
        path = out / f"xxgk-facts-{stamp}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FACT_FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        path = out / f"xxgk-facts-{stamp}.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.title = "facts"
        sheet.append(FACT_FIELDS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows:
            sheet.append([r.get(k) for k in FACT_FIELDS])
        sheet.freeze_panes = "A2"
        book.save(path)
        return path
    raise ValueError(f"unknown export format {fmt!r}")


# ---------------------------------------------------------------- consistency findings


FINDING_HEADERS = ["单位", "年度", "问题", "涉及单元格", "文件"]


@dataclass(frozen=True)
class FindingRow:
    report_id: str
    agency: str | None
    year: int | None
    check: str
    message: str
    cells: tuple[tuple[str, str, str], ...]
    source_file: str
    severity: str = "error"

    def check_question(self) -> str:
        """Asks the facts route to list the report's broken identities."""
        return f"{self.agency or ''}{self.year or ''}年的报告加起来对吗？"

    def cell_question(self) -> str | None:
        """Asks for the first cell involved; the answer carries the consistency warning."""
        if not self.cells:
            return None
        table, row, column = self.cells[0]
        r, c = tpl.row(table, row), tpl.column(table, column)
        label = re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)", "", r.zh)
        return f"{self.agency or ''}{self.year or ''}年{label}{c.zh}是多少？"


def findings(assistant: Assistant) -> list[FindingRow]:
    return [FindingRow(record.id, record.agency, record.year, f.check, f.message, f.cells,
                       record.source_file, f.severity)
            for record, f in assistant.findings()]


def findings_summary(rows: Sequence[FindingRow]) -> str:
    if not rows:
        return "已收录报告的表格均能自洽（没有发现）。<small>Every report adds up.</small>"
    reports = {r.report_id for r in rows}
    return f"{len(reports)} 份报告有 **{len(rows)}** 处不能自洽。<small>{len(rows)} findings in {len(reports)} reports.</small>"


def cells_text(cells: Sequence[tuple[str, str, str]]) -> str:
    """Cells grouped by row: '表四 · 行政复议：总计、结果维持'."""
    by_row: dict[tuple[str, str], list[str]] = {}
    for table, row, column in cells:
        by_row.setdefault((table, row), []).append(tpl.column(table, column).zh)
    return "；".join(f"{tpl.TABLE_NAMES[t]} · {tpl.row(t, r).path}：{'、'.join(cols)}"
                    for (t, r), cols in by_row.items())


def findings_table(rows: Sequence[FindingRow]) -> list[list]:
    return [[r.agency or "（未识别）", r.year or "", r.message, cells_text(r.cells), Path(r.source_file).name]
            for r in rows]


# ---------------------------------------------------------------- chart


BY_YEAR, BY_AGENCY = "year", "agency"


def metric_choices() -> list[tuple[str, str]]:
    """Every cell of the template's tables: 'table|row|column' labelled as printed."""
    out = []
    for table in (tpl.T3, tpl.T4, tpl.T2):
        for key, row in tpl.ROWS[table].items():
            columns = row.columns if table == tpl.T2 else tuple(tpl.COLUMNS[table])
            for col in columns:
                out.append((tpl.cell_label(table, key, col), f"{table}|{key}|{col}"))
    return out


DEFAULT_METRIC = f"{tpl.T3}|new_received|total"


@dataclass
class Chart:
    """The Data tab's chart: inline SVG whose points link to ``sources`` (``#xxgk-src-d<n>``)."""

    svg: str
    kind: str  # "line" or "bar"
    title: str
    unit: str = ""
    note: str = ""
    sources: list[dict] = field(default_factory=list)  # the cited cell of point n, as a Citation dict
    lines: list[Line] = field(default_factory=list)  # line chart: one per agency identity
    bars: list[Point] = field(default_factory=list)  # bar chart: one per agency


def _point(row: dict, x: int | str, sources: list[dict]) -> Point:
    sources.append(row["citation"])
    citation = Citation.from_dict(row["citation"])
    value = float(row["value"])
    tip = (f"{row['agency']} {row['year']}年：{format_number(value)} {row['unit'] or ''}\n"
           f"{citation_where(citation)} · {row['label']}")
    return Point(x, value, f"d{len(sources) - 1}", tip)


def chart(assistant: Assistant, metric: str, by: str = BY_YEAR, agency: str | None = None,
          year: str | int | None = None) -> Chart:
    """A metric across years (one line per agency identity, broken at a missing year) or
    across agencies (one year); every point links to its cited cell."""
    table, row, column = (metric or DEFAULT_METRIC).split("|")
    label = tpl.cell_label(table, row, column)
    agency, year_value = parse_filters(agency, year)
    rows = assistant.facts(table=table, row=row, column=column)
    unit = next((r["unit"] for r in rows if r["unit"]), tpl.column(table, column).unit)
    blank = sum(r["value"] is None for r in rows)
    rows = [r for r in rows if r["value"] is not None and r["agency"] and r["year"]]
    sources: list[dict] = []
    if by == BY_AGENCY:
        if year_value is None:
            year_value = max((r["year"] for r in rows), default=None)
        rows = [r for r in rows if r["year"] == year_value]
        bars = [_point(r, r["agency"], sources) for r in rows]
        title = f"{label}（{year_value}年，按单位）" if year_value else label
        return Chart(bar_chart(bars, title, unit), "bar", title, unit, _chart_note(len(bars), blank), sources,
                     bars=bars)
    if agency:
        rows = [r for r in rows if r["agency"] == agency]
    by_identity: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: r["year"]):
        by_identity.setdefault(r.get("agency_id") or r["agency"], []).append(r)
    lines = [Line(items[-1]["agency"], tuple(_point(r, r["year"], sources) for r in items))
             for items in sorted(by_identity.values(), key=lambda items: items[-1]["agency"])]
    title = f"{label}（{agency or '各单位'}，按年度）"
    return Chart(line_chart(lines, title, unit), "line", title, unit, _chart_note(len(sources), blank), sources,
                 lines=lines)


def _chart_note(points: int, blank: int) -> str:
    if not points:
        return "没有这一栏的数据。<small>No data for this entry.</small>"
    note = f"{points} 个数据点（点击一个点可查看它引用的单元格）"
    if blank:
        note += f"；另有 {blank} 份报告该栏为空，未画出"
    return note + "。<small>Click a point to open its cited cell.</small>"


def chart_source(chart_sources: Sequence[dict], key: str) -> dict | None:
    """The cited cell of a clicked point ``d<n>`` of the Data tab's chart; None if stale."""
    head = (key or "").split("@")[0]
    if not head.startswith("d") or not head[1:].isdigit():
        return None
    n = int(head[1:])
    return chart_sources[n] if 0 <= n < len(chart_sources) else None
