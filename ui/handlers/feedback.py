"""Feedback under each answer (👍 / 👎 / wrong citation, then a comment or the right
answer), and the Data tab's list of it, downloadable as gold-set lines for ``xxgk eval``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.feedback import Rating, shown_answer
from assistant.service import Assistant

from .chat import Message, SourceMap
from .common import _shorten, as_citation, parse_filters

WRONG_CITATION = "引用有误 · Wrong citation"
FEEDBACK_OPTIONS = ("Like", "Dislike", WRONG_CITATION)  # the chat's buttons under each answer
FEEDBACK_HEADERS = ["时间", "评价", "问题", "回答", "引用数", "说明", "更正"]
_CHART = re.compile(r"\s*<svg\b.*?</svg>", re.S)
RATING_TEXT = {"up": "👍", "down": "👎", "wrong_citation": "引用有误"}


def rating_of(liked: bool | str | None) -> Rating | None:
    """Gradio's like value: True, False, or the name of another option."""
    if liked is True or liked == "Like":
        return "up"
    if liked is False or liked == "Dislike":
        return "down"
    return "wrong_citation" if liked == WRONG_CITATION else None


def record_feedback(assistant: Assistant, messages: Sequence[Message], sources: SourceMap,
                    index: int | Sequence[int] | None, liked: bool | str | None,
                    agency: str | None = None, year: str | int | None = None) -> tuple[str | None, str]:
    """Keep the mark on the answer at ``index`` with its question, citations and filters.
    Returns the mark's id (for a comment added later) and a line for the user."""
    position = index[0] if isinstance(index, (list, tuple)) else index
    rating = rating_of(liked)
    if rating is None or not isinstance(position, int) or not 0 <= position < len(messages) \
            or messages[position].get("role") != "assistant":
        return None, "只能对一条回答作出评价。<small>Only an answer can be marked.</small>"
    if messages[position].get("metadata") and position and messages[position - 1].get("role") == "assistant":
        position -= 1  # the collapsible sources block: the mark is on the answer above it
    question = next((str(m.get("content", "")) for m in reversed(messages[:position])
                     if m.get("role") == "user"), "")
    citations = [as_citation(c) for c in sources.get(position, [])]
    agency_filter, year_filter = parse_filters(agency, year)
    shown = _CHART.sub("", str(messages[position].get("content", "")))  # the answer's words and table
    entry = assistant.record_feedback(question, shown, rating,
                                      citations, agency=agency_filter, year=year_filter)
    return entry.id, (f"已记录评价 {RATING_TEXT[rating]}，谢谢。可在下方补充说明或正确答案。"
                      "<small>Feedback saved; add a comment or the right answer below.</small>")


def amend_feedback(assistant: Assistant, entry_id: str | None, comment: str, correction: str) -> str:
    if not entry_id:
        return "请先在回答下方点 👍、👎 或“引用有误”。<small>Mark an answer first.</small>"
    if not (comment or "").strip() and not (correction or "").strip():
        return "说明和正确答案都是空的。<small>Nothing to add.</small>"
    assistant.amend_feedback(entry_id, comment=comment or "", correction=correction or "")
    return "已补充到上一条评价。<small>Added to your last mark.</small>"


def feedback_table(assistant: Assistant) -> list[list]:
    return [[datetime.fromtimestamp(e.at).strftime("%Y-%m-%d %H:%M"), RATING_TEXT[e.rating],
             _shorten(e.question, 60), _shorten(shown_answer(e.answer), 60), len(e.citations),
             e.comment, e.correction] for e in reversed(assistant.feedback())]


def export_feedback(assistant: Assistant, directory: Path) -> tuple[Path, str]:
    """The marks as a gold-set file (JSON lines) to download, and a line saying what it holds."""
    lines, left_out = assistant.feedback_gold()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"feedback-gold-{datetime.now():%Y%m%d-%H%M%S}.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    note = f"{len(lines)} 条可作评测数据"
    if left_out:
        note += f"；{left_out} 条标为错误但没有给出正确答案，未导出"
    return path, note + "。<small>Gold lines for xxgk eval.</small>"
