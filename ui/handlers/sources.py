"""The source preview beside the chat: the picker of an answer's sources, the cited PDF
page with the cell or passage marked, or the passage in its context."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from assistant.service import Assistant
from ingest.errors import XxgkError
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.models import Citation

from ..render import render_image_page, render_page
from .common import _plain, _shorten, as_citation, citation_what, citation_where

log = logging.getLogger("xxgk.ui")
IMAGE_SUFFIXES = frozenset(s for s, kind in SUPPORTED_SUFFIXES.items() if kind == "image")


def source_choices(citations: Sequence[dict | Citation]) -> list[tuple[str, int]]:
    out = []
    for n, c in enumerate(_citations(citations), start=1):
        what = citation_what(c)
        label = f"[{n}] {citation_where(c)}" + (f" · {what}" if what else "")
        out.append((_shorten(label, 90), n - 1))
    return out


def _citations(items: Sequence[dict | Citation]) -> list[Citation]:
    return [as_citation(c) for c in items]


@dataclass
class Preview:
    image: Image.Image | None
    markdown: str


def preview_source(assistant: Assistant, citation: dict | Citation | None) -> Preview:
    """The cited page with the cell or passage marked (PDF or scanned image), or the passage
    in its context."""
    if citation is None:
        return Preview(None, "<small>选择一条来源查看原文。Choose a source to see it in the report.</small>")
    c = as_citation(citation)
    head = f"**{_plain(citation_where(c))}**"
    what = citation_what(c)
    if what:
        head += f"  \n{_plain(what)}"
    path = Path(c.source_file)
    suffix = path.suffix.lower()
    if suffix == ".pdf" or suffix in IMAGE_SUFFIXES:
        page = c.page or 1
        try:
            if suffix == ".pdf":
                image = render_page(path, page, bbox=c.bbox, quote=None if c.bbox else c.quote)
            else:  # a scan: the cited cell's box is on the image
                image = render_image_page(path, page, bbox=c.bbox)
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
