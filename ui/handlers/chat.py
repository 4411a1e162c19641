"""The chat tab: asking, the streamed reply, the answer with its figure and warnings,
the collapsible block of its sources, error and no-report replies, example questions."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.answer import Answer, FindingNote
from assistant.messages import no_reports
from assistant.service import Assistant
from assistant.understanding import Catalog
from ingest.cells import format_number
from ingest.errors import BackendUnavailable, ConfigError, InputError, StoreError, XxgkError
from ingest.models import Citation
from ingest.text import language_of

from .common import _plain, _shorten, citation_what, citation_where, parse_filters
from .series import AnswerMap, has_table, rows_chart, rows_table

log = logging.getLogger("xxgk.ui")


Message = dict[str, Any]
SourceMap = dict[int, list[dict]]  # chat message index -> citations (as dicts) of that answer


@dataclass
class ChatState:
    """What one step of answering shows: the messages, the sources per message, and the
    citations of the answer just finished (None while it is still streaming)."""

    messages: list[Message]
    sources: SourceMap
    current: list[dict] | None = None
    answers: AnswerMap = field(default_factory=dict)  # message index -> Answer.to_dict() shown there
    answered: int | None = None  # the message index of the answer just finished



def respond(assistant: Assistant, question: str, messages: Sequence[Message], sources: SourceMap,
            agency: str | None = None, year: str | int | None = None,
            answers: AnswerMap | None = None) -> Iterator[ChatState]:
    """Ask and stream: the question, then the answer growing piece by piece, then the
    final answer with its figure, warnings, its table and chart when it runs over several
    reports, and a collapsible block of sources. ``answers`` keeps each shown Answer."""
    question = (question or "").strip()
    messages = list(messages)
    sources = dict(sources)
    answers = dict(answers or {})
    if not question:
        yield ChatState(list(messages), dict(sources), answers=answers)
        return
    language = language_of(question)
    messages.append({"role": "user", "content": question})
    try:
        empty = not assistant.catalog().entries
    except XxgkError as exc:
        messages.append(_assistant_text(error_reply(exc, language)))
        yield ChatState(list(messages), dict(sources), [], answers)
        return
    if empty:
        messages.append(_assistant_text(no_reports_reply(language)))
        yield ChatState(list(messages), dict(sources), [], answers)
        return
    messages.append(_assistant_text("正在查找…" if language == "zh" else "Looking it up…"))
    yield ChatState(list(messages), dict(sources), answers=answers)
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
            yield ChatState(list(messages), dict(sources), answers=answers)
    except XxgkError as exc:
        messages[-1] = _assistant_text(error_reply(exc, language, partial=text))
        yield ChatState(list(messages), dict(sources), [], answers)
        return
    except Exception as exc:  # a bug must not show a stack trace in the chat
        log.exception("answering %r failed", question)
        messages[-1] = _assistant_text(internal_error_reply(exc, language))
        yield ChatState(list(messages), dict(sources), [], answers)
        return
    if answer is None:
        messages[-1] = _assistant_text(internal_error_reply(RuntimeError("no answer"), language))
        yield ChatState(list(messages), dict(sources), [], answers)
        return
    index = len(messages) - 1
    messages[-1] = _assistant_text(format_answer(answer, key=f"c{index}"))
    answers[index] = answer.to_dict()
    cited = [c.to_dict() for c in answer.citations]
    sources[index] = cited
    if cited:
        messages.append({"role": "assistant", "content": format_sources(answer.citations, answer.findings),
                         "metadata": {"title": sources_title(len(cited), answer.language),
                                      "status": "done"}})
        sources[len(messages) - 1] = cited
    yield ChatState(list(messages), dict(sources), cited, answers, index)


def saved_chat(state: ChatState) -> dict:
    """What the browser keeps of the conversation (local storage), to show it after a reload."""
    return {"messages": state.messages, "sources": {str(k): v for k, v in state.sources.items()},
            "answers": {str(k): v for k, v in state.answers.items()}}  # JSON keys are strings


def restore_chat(saved: Any) -> ChatState:
    """The conversation the browser kept; JSON made the message indexes strings again.
    Anything unreadable is an empty conversation."""
    if not isinstance(saved, dict) or not isinstance(saved.get("messages"), list):
        return ChatState([], {}, [])
    try:
        sources = {int(k): list(v) for k, v in dict(saved.get("sources") or {}).items()}
        answers = {int(k): dict(v) for k, v in dict(saved.get("answers") or {}).items()}
    except (TypeError, ValueError):
        return ChatState([], {}, [])
    messages = [m for m in saved["messages"] if isinstance(m, dict) and m.get("role") in ("user", "assistant")]
    return ChatState(messages, sources, [], answers)


def export_conversation(messages: Sequence[Message], directory: Path) -> Path | None:
    """The conversation as Markdown, every answer with its block of sources (file, page,
    table · row · column, quote), to download; None when there is nothing to export."""
    if not messages:
        return None
    parts = [f"# 政府信息公开年报问答 · 对话记录\n\n<small>xxgk · {datetime.now():%Y-%m-%d %H:%M}</small>"]
    for message in messages:
        content = str(message.get("content", "")).strip()
        if message.get("role") == "user":
            parts.append(f"## 问 · Question\n\n{content}")
        elif message.get("metadata"):
            parts.append(f"#### {message['metadata'].get('title', '来源 · Sources')}\n\n{content}")
        else:
            parts.append(content)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"xxgk-conversation-{datetime.now():%Y%m%d-%H%M%S}.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def _assistant_text(text: str) -> Message:
    return {"role": "assistant", "content": text}


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


def format_answer(answer: Answer, key: str = "c") -> str:
    """Markdown of one answer: the figure and its unit on top, the answer, its table and
    chart when it runs over several reports (links ``#xxgk-src-<key>-<n>`` open source n),
    then warnings."""
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
    if has_table(answer):
        parts.append(rows_table(answer, key))
        chart = rows_chart(answer, key)
        if chart:
            parts.append(chart)
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
