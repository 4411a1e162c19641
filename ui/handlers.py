"""What the web app's events call: plain functions over the Assistant and the Library.

Nothing here imports Gradio, so every function can be tested without a browser.
No retrieval or answer logic lives here: questions go to ``Assistant.stream``;
this module only formats what comes back and what the service reads for the tables.
"""

from __future__ import annotations

import csv
import html
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image

from assistant.answer import Answer, FindingNote
from assistant.compute import FACT_FIELDS
from assistant.messages import no_reports
from assistant.service import Assistant
from assistant.understanding import Catalog
from ingest import template as tpl
from ingest.cells import format_number
from ingest.errors import BackendUnavailable, ConfigError, InputError, StoreError, XxgkError
from ingest.models import BBox, Citation
from ingest.pipeline import FileResult, Overrides
from ingest.text import language_of

from .library import Library, ReportRow, display_reason
from .render import render_page

log = logging.getLogger("xxgk.ui")

ALL = ""  # the value of "all agencies / all years / all tables" in a filter
Message = dict[str, Any]
SourceMap = dict[int, list[dict]]  # chat message index -> citations (as dicts) of that answer

# ====================================================================== chat


@dataclass
class ChatState:
    """What one step of answering shows: the messages, the sources per message, and the
    citations of the answer just finished (None while it is still streaming)."""

    messages: list[Message]
    sources: SourceMap
    current: list[dict] | None = None


def parse_filters(agency: str | None, year: str | int | None) -> tuple[str | None, int | None]:
    agency = (agency or "").strip() or None
    if year in (None, "", ALL):
        return agency, None
    try:
        return agency, int(year)
    except (TypeError, ValueError):
        return agency, None


def respond(assistant: Assistant, question: str, messages: Sequence[Message], sources: SourceMap,
            agency: str | None = None, year: str | int | None = None) -> Iterator[ChatState]:
    """Ask and stream: the question, then the answer growing piece by piece, then the
    final answer with its figure, warnings and a collapsible block of sources."""
    question = (question or "").strip()
    messages = list(messages)
    sources = dict(sources)
    if not question:
        yield ChatState(list(messages), dict(sources))
        return
    language = language_of(question)
    messages.append({"role": "user", "content": question})
    try:
        empty = not assistant.catalog().entries
    except XxgkError as exc:
        messages.append(_assistant_text(error_reply(exc, language)))
        yield ChatState(list(messages), dict(sources), [])
        return
    if empty:
        messages.append(_assistant_text(no_reports_reply(language)))
        yield ChatState(list(messages), dict(sources), [])
        return
    messages.append(_assistant_text("正在查找…" if language == "zh" else "Looking it up…"))
    yield ChatState(list(messages), dict(sources))
    agency_filter, year_filter = parse_filters(agency, year)
    text = ""
    answer: Answer | None = None
    try:
        for piece in assistant.stream(question, agency=agency_filter, year=year_filter):
            if isinstance(piece, Answer):
                answer = piece
                break
            text += piece
            messages[-1] = _assistant_text(_plain(text) + " ▍")
            yield ChatState(list(messages), dict(sources))
    except XxgkError as exc:
        messages[-1] = _assistant_text(error_reply(exc, language, partial=text))
        yield ChatState(list(messages), dict(sources), [])
        return
    except Exception as exc:  # a bug must not show a stack trace in the chat
        log.exception("answering %r failed", question)
        messages[-1] = _assistant_text(internal_error_reply(exc, language))
        yield ChatState(list(messages), dict(sources), [])
        return
    if answer is None:
        messages[-1] = _assistant_text(internal_error_reply(RuntimeError("no answer"), language))
        yield ChatState(list(messages), dict(sources), [])
        return
    messages[-1] = _assistant_text(format_answer(answer))
    cited = [c.to_dict() for c in answer.citations]
    sources[len(messages) - 1] = cited
    if cited:
        messages.append({"role": "assistant", "content": format_sources(answer.citations, answer.findings),
                         "metadata": {"title": sources_title(len(cited), answer.language),
                                      "status": "done"}})
        sources[len(messages) - 1] = cited
    yield ChatState(list(messages), dict(sources), cited)


def _assistant_text(text: str) -> Message:
    return {"role": "assistant", "content": text}


def _plain(text: str) -> str:
    """Report text shown in Markdown: no HTML, no accidental emphasis."""
    return html.escape(text, quote=False).replace("*", r"\*").replace("_", r"\_")


def _answer_text(text: str) -> str:
    """The answer, with the consistency notes the facts route appends made to stand out."""
    lines = []
    for line in _plain(text).splitlines():
        for prefix in ("注意：", "Note: "):
            if line.startswith(prefix):
                line = f"⚠ **{prefix.strip()}** {line[len(prefix):]}"
        lines.append(line)
    return "\n".join(lines)


def figure_text(value: float, unit: str | None) -> str:
    number = format_number(value)
    if not unit:
        return number
    return f"{number}{unit}" if unit in ("%", "％") else f"{number} {unit}"


MODE_NOTES = {
    "facts": ("出自年报统计表（精确值）", "from the report's tables (exact)"),
    "passages": ("出自年报正文（原文摘录）", "quoted from the report's text"),
    "llm": ("大模型根据下列来源归纳", "summarised by the language model from the sources below"),
}


def format_answer(answer: Answer) -> str:
    """Markdown of one answer: the figure and its unit on top, the answer, then warnings."""
    zh = answer.language == "zh"
    parts: list[str] = []
    if answer.abstained:
        parts.append("**无法回答** <small>No answer</small>" if zh else "**No answer** <small>无法回答</small>")
        parts.append(_plain(answer.answer))
        return "\n\n".join(parts)
    if answer.value is not None:
        note = MODE_NOTES.get(answer.mode, ("", ""))[0 if zh else 1]
        parts.append(f"### {figure_text(answer.value, answer.unit)}"
                     + (f"\n<small>{note}</small>" if note else ""))
    parts.append(_answer_text(answer.answer))
    if answer.readings:
        head = "问题有几种理解，以上分别作答：" if zh else "The question can be read several ways; each is answered above:"
        parts.append(f"<small>{head}{'；'.join(_plain(r) for r in answer.readings)}</small>")
    notes = [f for f in answer.findings if f.message not in answer.answer and f.message_en not in answer.answer]
    if notes:
        parts.append(findings_block(notes, zh))
    return "\n\n".join(parts)


def findings_block(findings: Sequence[FindingNote], zh: bool = True) -> str:
    head = ("⚠ **一致性提示**：引用的单元格所在的表格不能自洽" if zh
            else "⚠ **Consistency warning**: a cited cell belongs to an identity the report breaks")
    lines = [head]
    for f in findings:
        who = f"{f.agency or ''}{f.year or ''}{'年' if zh and f.year else ''}"
        message = f.message if zh else f.message_en
        lines.append(f"- {_plain(who)}：{_plain(message)}")
    return "\n".join(lines)


def sources_title(n: int, language: str = "zh") -> str:
    return f"来源 {n} 条 · Sources（点击展开）" if language == "zh" else f"{n} source{'s' if n != 1 else ''} · 来源 (click to open)"


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


def format_sources(citations: Sequence[Citation], findings: Sequence[FindingNote] = ()) -> str:
    flagged = {(f.report_id, cell): f for f in findings for cell in f.cells}
    blocks = []
    for n, c in enumerate(citations, start=1):
        lines = [f"**[{n}]** {_plain(citation_where(c))}"]
        what = citation_what(c)
        if what:
            lines.append(_plain(what))
        if c.quote:
            lines.append(f"> {_plain(_shorten(c.quote, 240))}")
        note = flagged.get((c.report_id, (c.table, c.row, c.column)))
        if note is not None:
            lines.append(f"⚠ {_plain(note.message)}")
        blocks.append("  \n".join(lines))
    hint = "<small>在右侧“来源预览”中选择一条来源，可查看原文页面并高亮所引内容。</small>"
    return "\n\n".join(blocks + [hint])


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_choices(citations: Sequence[dict | Citation]) -> list[tuple[str, int]]:
    out = []
    for n, c in enumerate(_citations(citations), start=1):
        what = citation_what(c)
        label = f"[{n}] {citation_where(c)}" + (f" · {what}" if what else "")
        out.append((_shorten(label, 90), n - 1))
    return out


def _citations(items: Sequence[dict | Citation]) -> list[Citation]:
    return [as_citation(c) for c in items]


def as_citation(item: dict | Citation) -> Citation:
    if isinstance(item, Citation):
        return item
    data = dict(item)
    box = data.get("bbox")
    if isinstance(box, dict):
        data["bbox"] = BBox(**box)
    return Citation(**data)


def no_reports_reply(language: str = "zh") -> str:
    empty = no_reports()
    if language == "zh":
        return (f"**{empty.reason}**\n\n请先到「报告库」页上传报告（PDF、HTML、DOCX、TXT、MD，可一次多份），"
                "或在命令行运行 `xxgk ingest 文件夹`，然后再提问。")
    return (f"**{empty.reason_en}**\n\nUpload reports on the 报告库 (Library) tab "
            "(PDF, HTML, DOCX, TXT, MD; several at once) or run `xxgk ingest FOLDER`, then ask again.")


def error_reply(exc: XxgkError, language: str = "zh", partial: str = "") -> str:
    """A failure as a chat message: what went wrong and what to do. Never a traceback."""
    if isinstance(exc, BackendUnavailable):
        todo = ("请确认配置中的服务（大模型 llm.base_url、Chroma 服务）已经启动并可访问；"
                "或在 config.yaml 中设置 llm.enabled: false 后重启本服务，仍可从表格和原文作答。"
                if language == "zh" else
                "Check that the configured services (llm.base_url, the Chroma server) are running, "
                "or set llm.enabled: false in config.yaml and restart; tables and quotes still answer.")
    elif isinstance(exc, InputError):
        todo = "请换一种问法再试。" if language == "zh" else "Please rephrase the question."
    elif isinstance(exc, (StoreError, ConfigError)):
        todo = ("请检查数据目录（XXGK_DATA_DIR）和 config.yaml，然后重启本服务。" if language == "zh"
                else "Check the data directory (XXGK_DATA_DIR) and config.yaml, then restart.")
    else:
        todo = "请稍后重试。" if language == "zh" else "Please try again."
    head = "**出错了**" if language == "zh" else "**Something went wrong**"
    text = f"{head}：{_plain(str(exc))}\n\n{todo}"
    if partial.strip():
        cut = "（回答中断）" if language == "zh" else "(answer interrupted)"
        text = f"{_plain(partial.strip())}\n\n{cut}\n\n{text}"
    return text


def internal_error_reply(exc: BaseException, language: str = "zh") -> str:
    if language == "zh":
        return (f"**出错了**：回答这个问题时发生内部错误（{type(exc).__name__}）。"
                "请重试或换一种问法；如果一直出现，请把问题和服务器日志交给维护人员。")
    return (f"**Something went wrong**: an internal error ({type(exc).__name__}) while answering. "
            "Try again or rephrase; if it persists, send the question and the server log to the maintainers.")


# ---------------------------------------------------------------- filters and examples


def agency_choices(catalog: Catalog) -> list[tuple[str, str]]:
    return [("全部单位 · All agencies", ALL)] + [(a, a) for a in catalog.agencies]


def year_choices(catalog: Catalog, agency: str | None = None) -> list[tuple[str, str]]:
    years = catalog.years(agency or None)
    return [("全部年度 · All years", ALL)] + [(f"{y}年", str(y)) for y in reversed(years)]


def example_questions(catalog: Catalog, limit: int = 6) -> list[str]:
    """Questions about what is ingested: one agency's newest report, a comparison, a check."""
    if not catalog.entries:
        return []
    newest = max(catalog.years() or (0,))
    agency = next((a for a in catalog.agencies if newest in catalog.years(a)), catalog.agencies[0])
    years = catalog.years(agency)
    year = years[-1] if years else None
    if year is None:
        return [f"{agency}本年新收政府信息公开申请多少件？"]
    out = [f"{agency}{year}年本年新收政府信息公开申请多少件？",
           f"{agency}{year}年行政复议多少件？"]
    if len([a for a in catalog.agencies if year in catalog.years(a)]) > 1:
        out.append(f"哪个单位{year}年收到的申请最多？")
    if len(years) > 1:
        out.append(f"{agency}{years[-2]}年和{year}年一共新收了多少件政府信息公开申请？")
    out.append(f"{agency}{year}年的报告加起来对吗？")
    out.append(f"Which agency received the most disclosure requests in {year}?")
    return out[:limit]


# ====================================================================== source preview


@dataclass
class Preview:
    image: Image.Image | None
    markdown: str


def preview_source(assistant: Assistant, citation: dict | Citation | None) -> Preview:
    """The cited page with the cell or passage marked (PDF), or the passage in its context."""
    if citation is None:
        return Preview(None, "<small>选择一条来源查看原文。Choose a source to see it in the report.</small>")
    c = as_citation(citation)
    head = f"**{_plain(citation_where(c))}**"
    what = citation_what(c)
    if what:
        head += f"  \n{_plain(what)}"
    path = Path(c.source_file)
    if path.suffix.lower() == ".pdf":
        page = c.page or 1
        try:
            image = render_page(path, page, bbox=c.bbox, quote=None if c.bbox else c.quote)
        except XxgkError as exc:
            return Preview(None, f"{head}\n\n{_plain(str(exc))}\n\n{_quote_md(c.quote)}")
        except Exception as exc:
            log.exception("rendering %s page %s failed", path, page)
            return Preview(None, f"{head}\n\n无法显示该页（{type(exc).__name__}）。\n\n{_quote_md(c.quote)}")
        marked = image.info.get("highlights", 0)
        if c.page is None:
            note = "（整份报告，显示第 1 页）"
        elif marked:
            note = "黄色框为所引内容。"
        else:
            note = "未能在页面上定位所引文字，显示整页。"
        return Preview(image, f"{head}\n\n<small>{note}</small>\n\n{_quote_md(c.quote)}")
    return Preview(None, f"{head}\n\n{passage_context(assistant, c)}")


def _quote_md(quote: str) -> str:
    return f"> {_plain(_shorten(quote, 400))}" if quote else ""


def passage_context(assistant: Assistant, c: Citation, around: int = 1) -> str:
    """The stored passage that holds the quote, with its neighbours, the quote marked."""
    passages = assistant.passages(c.report_id)
    if not passages:
        return _quote_md(c.quote) or "这份报告的正文不在库中。"
    index = _find_passage(passages, c)
    if index is None:
        return f"{_quote_md(c.quote)}\n\n<small>未能在正文中找到这段文字的上下文。</small>"
    same_kind = [i for i, p in enumerate(passages) if p.kind == passages[index].kind]
    pos = same_kind.index(index)
    shown = same_kind[max(0, pos - around): pos + around + 1]
    section = passages[index].section
    parts = [f"<small>{_plain(section)}</small>"] if section else []
    for i in shown:
        text = _plain(passages[i].text)
        if i == index:
            text = _mark(text, _plain(c.quote)) if c.quote and not c.table else f"<mark>{text}</mark>"
            parts.append(text)
        else:
            parts.append(f"<span class='xxgk-dim'>{text}</span>")
    return "\n\n".join(parts)


def _find_passage(passages, c: Citation) -> int | None:
    if c.table and c.row:
        for i, p in enumerate(passages):
            if p.kind == "table_row" and p.table == c.table and p.row == c.row:
                return i
    quote = re.sub(r"\s+", "", c.quote or "")
    if quote:
        for i, p in enumerate(passages):
            text = re.sub(r"\s+", "", p.text)
            if quote in text or (len(text) > 8 and text in quote):
                return i
    for i, p in enumerate(passages):
        if c.section and p.section == c.section and (c.page is None or p.page == c.page):
            return i
    return None


def _mark(text: str, quote: str) -> str:
    if quote and quote in text:
        return text.replace(quote, f"<mark>{quote}</mark>", 1)
    return f"<mark>{text}</mark>"


# ====================================================================== library


def upload_overrides(agency: str | None, year: float | int | None) -> Overrides:
    """What the user typed for an upload; blanks mean "recognise it"."""
    return Overrides((agency or "").strip() or None, int(year) if year else None)


REPORT_HEADERS = ["单位", "年度", "模板", "页数", "事实", "段落", "发现", "文件", "状态", "编号"]


def report_status(row: ReportRow) -> str:
    notes = []
    names = {"agency": "单位", "year": "年度", "template": "模板"}
    if row.unknown:
        notes.append("未识别：" + "、".join(names.get(u, u) for u in row.unknown))
    if row.overridden:
        notes.append("手工指定：" + "、".join(names.get(o, o) for o in row.overridden))
    if row.duplicate_of:
        notes.append(f"另一份副本作答（{row.duplicate_of[:8]}）")
    if row.problems:
        notes.append(f"{len(row.problems)} 处未能读出")
    return "；".join(notes) or "正常"


def report_table(library: Library) -> list[list]:
    return [[r.agency or "（未识别）", r.year or "", r.template or "", r.pages, r.facts, r.passages,
             r.findings, r.name, report_status(r), r.report_id[:12]] for r in library.reports()]


def report_choices(library: Library) -> list[tuple[str, str]]:
    return [(f"{r.agency or '（未识别单位）'} · {r.year or '?'}年 · {r.name}", r.report_id)
            for r in library.reports()]


def library_summary(library: Library) -> str:
    rows = library.reports()
    if not rows:
        return "还没有收录报告。上传报告后即可提问。<small>No reports yet.</small>"
    agencies = {r.agency for r in rows if r.agency}
    years = sorted({r.year for r in rows if r.year})
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "")
    facts = sum(r.facts for r in rows)
    return f"已收录 **{len(rows)}** 份报告，{len(agencies)} 个单位{('，' + span) if span else ''}，共 {facts} 个表格数据。"


AGENCY_HEADERS = ["单位", "所属地区", "机关", "已收录年度", "报告中的写法", "编号"]


def agency_table(library: Library) -> list[list]:
    """Every agency the reports were filed under: where it sits, its years, how it is printed."""
    rows = []
    for summary in library.agencies():
        a = summary.agency
        where = " › ".join(a.path) or ("全国" if a.id.startswith("cn/") else "（地区未识别）")
        years = "、".join(str(r.year) for r in summary.reports if r.duplicate_of is None and r.year)
        printed = "、".join(p for p in summary.printings if p != a.name)
        rows.append([a.name + ("（已改名）" if a.named_by_user else ""), where, a.organ or "",
                     years or "—", printed, a.id])
    return rows


def library_agency_choices(library: Library) -> list[tuple[str, str]]:
    """(label, agency id) for the merge and rename pickers; the id tells same names apart."""
    return [(f"{s.agency.name} · {'、'.join(str(r.year) for r in s.reports if r.year) or '无年度'} · {s.agency.id}",
             s.agency.id) for s in library.agencies()]


def merge_agencies(library: Library, keep: str | None, other: str | None) -> str:
    """The user's word that two agencies are one; the message says what moved."""
    if not keep or not other:
        return "请选择要保留的单位和要并入的单位。<small>Choose both agencies.</small>"
    try:
        kept, merged, moved = library.merge_agencies(keep, other)
    except XxgkError as exc:
        return f"**未能合并**：{_plain(str(exc))}"
    return (f"已将 **{_plain(merged.name)}** 并入 **{_plain(kept.name)}**：{moved} 份报告改归后者，"
            "以后入库的同名报告也归入它。")


def rename_agency(library: Library, agency_id: str | None, name: str | None) -> str:
    if not agency_id:
        return "请先选择一个单位。<small>Choose an agency.</small>"
    try:
        before = library.rename_agency(agency_id, name or "")
    except XxgkError as exc:
        return f"**未能改名**：{_plain(str(exc))}"
    return f"已将 **{_plain(before.name)}** 改名为 **{_plain((name or '').strip())}**，它的报告按新名称回答。"


STATUS_TEXT = {"ingested": "✓ 已入库", "unchanged": "✓ 已在库中（未变化）",
               "repaired": "✓ 已在库中（已修复检索索引）", "failed": "✗ 失败", "skipped": "– 跳过"}

# The pipeline's reasons are in English; the common ones get a Chinese explanation in front.
REASONS_ZH = (
    ("unsupported file type", "不支持的文件类型，请上传 PDF、HTML、DOCX、TXT 或 MD"),
    ("the file is empty", "文件是空的"),
    ("over the limit", "文件太大"),
    ("encrypted", "PDF 有密码保护，请另存一份不加密的再上传"),
    ("no text layer", "扫描件，没有文字层，请先做 OCR 识别"),
    ("corrupt", "文件已损坏或无法读取"),
    ("could not be read", "文件已损坏或无法读取"),
    ("nested too deeply", "文件结构嵌套过深，无法读取"),
    ("does not look like", "看起来不是政府信息公开工作年度报告"),
    ("encoding", "文本编码无法识别（请存为 UTF-8）"),
    ("has no text", "文件里没有文字"),
    ("binary", "不是文本文件"),
)


def reason_text(reason: str) -> str:
    for key, zh in REASONS_ZH:
        if key in reason:
            return f"{zh}。<small>{_plain(reason)}</small>"
    return _plain(reason)


def format_results(results: Sequence[FileResult]) -> str:
    """Per file: what was recognised and stored, or why it failed."""
    if not results:
        return "没有选择文件。<small>No files selected.</small>"
    ok = sum(not r.failed for r in results)
    lines = [f"**{ok}/{len(results)} 个文件已入库**",
             "", "| 文件 | 结果 | 单位 | 年度 | 模板 | 页数 | 事实 | 发现 | 说明 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        name = _cell(Path(r.path).name)
        if r.failed or r.status == "skipped":
            lines.append(f"| {name} | {STATUS_TEXT.get(r.status, r.status)} | | | | | | | "
                         f"{reason_text(display_reason(r)).replace('|', '/')} |")
            continue
        notes = []
        if r.unknown:
            names = {"agency": "单位", "year": "年度", "template": "模板"}
            notes.append("未识别" + "、".join(names.get(u, u) for u in r.unknown) + "，可在下方手工指定")
        if r.duplicate_of:
            notes.append("与已收录的同一报告重复，由已收录的那份作答")
        if r.superseded:
            notes.append("同一单位同一年度的新版本（数字有改动），今后由这份作答，旧版本保留")
        notes += r.problems[:3]
        lines.append(f"| {name} | {STATUS_TEXT.get(r.status, r.status)} | {_cell(r.agency or '？')} | "
                     f"{r.year or '？'} | {r.template or '？'} | {r.pages} | {r.facts} | {r.findings} | "
                     f"{_cell('；'.join(notes))} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return _plain(text).replace("|", "\\|").replace("\n", " ")


# ====================================================================== data


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
    frame: pd.DataFrame
    kind: str  # "line" or "bar"
    title: str
    unit: str = ""
    note: str = ""
    x: str = "年度"
    y: str = "数值"
    color: str | None = None


def chart(assistant: Assistant, metric: str, by: str = BY_YEAR, agency: str | None = None,
          year: str | int | None = None) -> Chart:
    """A metric across years (one agency or each agency) or across agencies (one year)."""
    table, row, column = (metric or DEFAULT_METRIC).split("|")
    label = tpl.cell_label(table, row, column)
    agency, year_value = parse_filters(agency, year)
    rows = assistant.facts(table=table, row=row, column=column)
    unit = next((r["unit"] for r in rows if r["unit"]), tpl.column(table, column).unit)
    blank = sum(r["value"] is None for r in rows)
    rows = [r for r in rows if r["value"] is not None and r["agency"] and r["year"]]
    if by == BY_AGENCY:
        if year_value is None:
            year_value = max((r["year"] for r in rows), default=None)
        rows = [r for r in rows if r["year"] == year_value]
        frame = pd.DataFrame({"单位": [r["agency"] for r in rows],
                              "数值": [float(r["value"]) for r in rows]})
        title = f"{label}（{year_value}年，按单位）" if year_value else label
        return Chart(frame, "bar", title, unit, _chart_note(frame, blank), x="单位")
    if agency:
        rows = [r for r in rows if r["agency"] == agency]
    rows.sort(key=lambda r: (r["agency"], r["year"]))
    frame = pd.DataFrame({"年度": [str(r["year"]) for r in rows],
                          "数值": [float(r["value"]) for r in rows],
                          "单位": [r["agency"] for r in rows]})
    title = f"{label}（{agency or '各单位'}，按年度）"
    return Chart(frame, "line", title, unit, _chart_note(frame, blank), color="单位")


def _chart_note(frame: pd.DataFrame, blank: int) -> str:
    if frame.empty:
        return "没有这一栏的数据。<small>No data for this entry.</small>"
    note = f"{len(frame)} 个数据点"
    if blank:
        note += f"；另有 {blank} 份报告该栏为空，未画出"
    return note

