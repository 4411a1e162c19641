"""The layout of extracted text: page marks, headings, wrapped lines, prose punctuation.

Pure functions over strings and lines; character folding is in ingest.text.
"""

from __future__ import annotations

import re

from .text import normalize_text

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN = re.compile(
    rf"(?<=[{_CJK}（）“”《》，。、：；])[ \t\u3000]+(?=[\d{_CJK}（“《])"
    rf"|(?<=[\d{_CJK}）”》%])[ \t\u3000]+(?=[{_CJK}（）“”《》，。、：；])"
)
_PAGE_MARK = re.compile(
    r"^\s*(?:[-—－–_]\s*\d{1,3}\s*[-—－–_]|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}|\d{1,3})\s*$"
)
_SENTENCE_END = "。！？；：!?;:」』”"
_HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)"
    r"|\d+[.、．]\D|第[一二三四五六七八九十]+[章节部分]|附件|附表)"
)


def join_cjk_spaces(text: str) -> str:
    """'2024 年' -> '2024年', '申请 34 件' -> '申请34件'; keeps spaces between Latin words."""
    return _SPACE_BETWEEN.sub("", text)


def is_page_mark(line: str) -> bool:
    """Page headers/footers such as '- 1 -', '第 2 页 共 6 页', '3/6'."""
    return bool(_PAGE_MARK.match(line))


def looks_like_heading(line: str) -> bool:
    return bool(_HEADING.match(line))


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Re-join lines that a page layout wrapped mid-sentence into paragraphs."""
    return [paragraph for paragraph, _ in wrapped_paragraphs(lines)]


def wrapped_paragraphs(lines: list[str]) -> list[tuple[str, int]]:
    """Paragraphs with the index of the line each starts on (to keep its page)."""
    paragraphs: list[tuple[str, int]] = []
    current, start = "", 0
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append((current, start))
                current = ""
            continue
        if current and (looks_like_heading(line) or current[-1] in _SENTENCE_END
                        or _is_bare_heading(current)):
            paragraphs.append((current, start))
            current = ""
        if not current:
            start = index
        current = _join(current, line)
    if current:
        paragraphs.append((current, start))
    return paragraphs


def _is_bare_heading(line: str) -> bool:
    """'一、总体情况' on a line of its own: the text after it is a new paragraph."""
    return looks_like_heading(line) and len(line) <= 25 and not re.search(r"[。，；：,;]", line)


def _join(left: str, right: str) -> str:
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


_PROSE_PUNCT = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；"})
_CJK_COLON = re.compile(rf"(?<=[{_CJK}）])[:](?!//)")


def clean_prose(text: str) -> str:
    """Prose as people read it: full-width punctuation, no stray spaces inside Chinese."""
    text = normalize_text(text).translate(_PROSE_PUNCT)
    text = _CJK_COLON.sub("：", text)
    return join_cjk_spaces(re.sub(r"[ \t\u3000]+", " ", text)).strip()
