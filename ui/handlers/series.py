"""An answer over several reports (years, agencies) as a table, a chart and a CSV, and any
answer as plain text with its citations (what the copy button copies).

Everything here is built from the Answer's typed rows and citations, never from its text.
"""

from __future__ import annotations

import csv
import inspect
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from assistant.answer import Answer, Row
from ingest import template as tpl
from ingest.cells import format_number
from ingest.models import Citation

from ..chart import Line, Point, anchor, bar_chart, line_chart
from .common import _plain, citation_what, citation_where

AnswerMap = dict[int, dict]  # chat message index -> the Answer (to_dict) shown there

ROW_STATE_TEXT = {"blank": ("空（未填写）", "blank"), "unread": ("未能读出", "could not be read"),
                  "template": ("该年模板没有这一栏", "not in that year's template")}
CSV_FIELDS = ["agency", "agency_id", "year", "value", "unit", "state", "label", "source_file", "page",
              "table", "row", "column", "cell", "quote"]


def has_table(answer: Answer) -> bool:
    """An answer over two or more reports is shown as a table (and a chart)."""
    return len(answer.rows) >= 2


def citation_number(answer: Answer, citation: Citation) -> int:
    """The position (0-based) of ``citation`` among the answer's sources."""
    def key(c: Citation) -> tuple:
        return c.report_id, c.table, c.row, c.column, c.quote if c.table is None else ""

    wanted = key(citation)
    return next((i for i, c in enumerate(answer.citations) if key(c) == wanted), 0)


def value_text(row: Row, language: str) -> str:
    if row.state != "value" or row.value is None:
        zh, en = ROW_STATE_TEXT.get(row.state, ("—", "—"))
        return zh if language == "zh" else en
    unit = row.unit or ""
    return f"{format_number(row.value)} {unit}".strip()


def _page(c: Citation, zh: bool) -> str:
    return (f"第{c.page}页" if zh else f"p. {c.page}") if c.page else Path(c.source_file).name


def rows_table(answer: Answer, key: str) -> str:
    """Markdown table of the rows: agency, year, value, and a link per cited cell that opens
    the source (``#xxgk-src-<key>-<n>``, n the source's position in the answer)."""
    zh = answer.language == "zh"
    labels = {r.label for r in answer.rows}
    head = ["单位 · Agency", "年度 · Year"] + (["项目 · Entry"] if len(labels) > 1 else []) + \
        ["数值 · Value", "出处 · Source"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in answer.rows:
        links = []
        for c in row.citations:
            n = citation_number(answer, c)
            links.append(f"[[{n + 1}] {_page(c, zh)}]({anchor(f'{key}-{n}')})")
        cells = [_plain(row.agency), str(row.year or "")] + ([_plain(row.label)] if len(labels) > 1 else []) + \
            [value_text(row, answer.language), "、".join(links) or "—"]
        lines.append("| " + " | ".join(cell.replace("|", "｜") for cell in cells) + " |")
    return "\n".join(lines)


def _tip(row: Row, answer: Answer) -> str:
    cited = row.citations[0] if row.citations else None
    where = f"{citation_where(cited)} · {citation_what(cited)}" if cited else ""
    return f"{row.agency} {row.year or ''}: {value_text(row, answer.language)}" + (f"\n{where}" if where else "")


def _point_key(row: Row, answer: Answer, key: str) -> str:
    return f"{key}-{citation_number(answer, row.citations[0])}" if row.citations else ""


def rows_chart(answer: Answer, key: str) -> str:
    """SVG of the rows: a line per agency over the years (a missing year breaks it), or
    bars over agencies of one year; "" when the rows are one report."""
    rows = [r for r in answer.rows if r.state != "template"]
    if len(rows) < 2:
        return ""
    label = rows[0].label if len({r.label for r in rows}) == 1 else ""
    unit = next((r.unit for r in rows if r.unit), "") or ""
    years = {r.year for r in rows if r.year}
    if len(years) >= 2:
        series: dict[str, list[Row]] = {}
        for r in rows:
            series.setdefault(r.agency_id or r.agency, []).append(r)
        lines = [Line(items[-1].agency, tuple(Point(r.year, r.value, _point_key(r, answer, key), _tip(r, answer))
                                                for r in items if r.year))
                 for items in series.values()]
        return line_chart(lines, label, unit)
    points = [Point(r.agency, r.value, _point_key(r, answer, key), _tip(r, answer)) for r in rows]
    return bar_chart(points, label, unit)


def export_rows(answer: Answer, directory: Path) -> Path | None:
    """The answer's rows as CSV (UTF-8 with BOM for Excel), one line per row with its first
    cited cell; None when the answer has no rows."""
    if not answer.rows:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"xxgk-answer-{datetime.now():%Y%m%d-%H%M%S-%f}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in answer.rows:
            c = row.citations[0] if row.citations else None
            writer.writerow({
                "agency": row.agency, "agency_id": row.agency_id or "", "year": row.year or "",
                "value": "" if row.value is None else row.value, "unit": row.unit or "", "state": row.state,
                "label": row.label, "source_file": c.source_file if c else "", "page": (c.page or "") if c else "",
                "table": (c.table or "") if c else "", "row": (c.row or "") if c else "",
                "column": (c.column or "") if c else "", "cell": (c.label or "") if c else "",
                "quote": c.quote if c else ""})
    return path


# ---------------------------------------------------------------- plain text (copy)


def citation_line(c: Citation, language: str) -> str:
    """File, page, table · row · column (or section), and the quoted sentence, as plain text;
    a cell's quote (its labels and value again) is left out."""
    quote = c.quote if c.quote and not c.table else ""
    if language == "zh":
        return " · ".join(filter(None, [citation_where(c), citation_what(c)])) + (f"：{quote}" if quote else "")
    cell = tpl.cell_label_en(c.table, c.row, c.column) if c.table and c.row and c.column else (c.section or "")
    parts = [c.agency or "(agency not recognised)", str(c.year or "?"), Path(c.source_file).name]
    if c.page:
        parts.append(f"p. {c.page}")
    if cell:
        parts.append(cell)
    return " · ".join(parts) + (f": {quote}" if quote else "")


def plain_text(answer: Answer) -> str:
    """The answer and its citations, numbered, as plain text: what a person pastes elsewhere."""
    zh = answer.language == "zh"
    parts = [answer.answer.strip()]
    if answer.rows and has_table(answer):
        parts.append("\n".join(f"{r.agency}\t{r.year or ''}\t{value_text(r, answer.language)}" for r in answer.rows))
    if answer.citations:
        head = "来源：" if zh else "Sources:"
        parts.append("\n".join([head] + [f"[{n}] {citation_line(c, answer.language)}"
                                         for n, c in enumerate(answer.citations, 1)]))
    return "\n\n".join(parts)


def answer_at(answers: Mapping[int, dict], index: int | Sequence[int] | None) -> Answer | None:
    """The answer a chat message belongs to: the one shown at ``index`` or the nearest before it
    (a sources block or a chart under the answer)."""
    position = index[0] if isinstance(index, (list, tuple)) and index else index
    if not isinstance(position, int):
        return None
    earlier = [i for i in answers if i <= position]
    return Answer.from_dict(answers[max(earlier)]) if earlier else None


def copy_text(answers: Mapping[int, dict], messages: Sequence[dict], copied: str) -> str:
    """What the copy button under a message copies: its answer with the citations, as plain
    text. Gradio reports only the text it copied (the bubble's Markdown), so the answer is the
    latest one whose message is in that text; "" when none is (a question was copied)."""
    for index in sorted(answers, reverse=True):
        if 0 <= index < len(messages):
            shown = inspect.cleandoc(str(messages[index].get("content", ""))).strip()
            if shown and shown[:400] in (copied or ""):
                return plain_text(Answer.from_dict(answers[index]))
    return ""


def open_anchor(key: str, sources: Mapping[int, list[dict]]) -> tuple[list[dict], int] | None:
    """A clicked source link ``c<message>-<n>`` as (that answer's sources, n); None if stale."""
    head, _, tail = (key or "").split("@")[0].partition("-")  # "@…": the click's nonce
    if not head.startswith("c") or not head[1:].isdigit() or not tail.split("-")[0].isdigit():
        return None
    cited = sources.get(int(head[1:]))
    n = int(tail.split("-")[0])
    return (cited, n) if cited and 0 <= n < len(cited) else None
