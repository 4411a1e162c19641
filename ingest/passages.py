"""Passages: prose split by the six sections and their sub-headings, plus one
readable passage per table row so retrieval can find table content too."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import template as tpl
from .cells import format_number
from .models import Block, Fact, Passage
from .normalize import clean_prose, is_page_mark, wrapped_paragraphs
from .text import fold_keep_spaces

_SECTION_NUMBER = r"[一二三四五六七八九十]+、"
_SECTION_HEADING = re.compile(
    rf"{_SECTION_NUMBER}\s*(?:因|关于)?(?:政府信息公开(?:工作)?)?(?:{'|'.join(p for s in tpl.SECTIONS for p in s.patterns)})"
    r"(?:及(?:其)?(?:改进|整改)(?:情况|措施)?|的?情况)?"
)
_SUB_HEADING = re.compile(r"（[一二三四五六七八九十]+）")
_TABLE_SECTIONS = {"proactive", "requests", "review"}
MAX_PASSAGE_CHARS = 320


@dataclass
class _Section:
    key: str
    heading: str
    sub: str = ""
    lines: list[tuple[str, int | None]] = field(default_factory=list)


def section_key(heading: str) -> str | None:
    for section in tpl.SECTIONS:
        if any(re.search(p, heading) for p in section.patterns):
            return section.key
    return None


def split_inline_headings(text: str) -> list[str]:
    """Text copied from a web page runs headings into the prose: cut before each one."""
    cuts = sorted({m.start() for m in _SECTION_HEADING.finditer(text)} |
                  {m.start() for m in _SUB_HEADING.finditer(text)
                   if m.start() == 0 or text[m.start() - 1] in "。；：:;! \u3000"})
    pieces, last = [], 0
    for cut in cuts:
        if cut > last:
            pieces.append(text[last:cut])
        last = cut
    pieces.append(text[last:])
    return [p for p in (piece.strip() for piece in pieces) if p]


def prose_passages(blocks: tuple[Block, ...]) -> list[Passage]:
    current = _Section("preface", "", "")
    sections: list[_Section] = [current]
    for block in blocks:
        if block.kind != "text":
            continue
        for line in split_inline_headings(fold_keep_spaces(block.text)):
            if is_page_mark(line):
                continue
            m = _SECTION_HEADING.match(line)
            key = section_key(m.group(0)) if m else None
            if m and key:
                heading = re.sub(r"\s+", "", m.group(0))
                current = _Section(key, heading)
                sections.append(current)
                rest = line[m.end():].strip()
                if rest:
                    current.lines.append((rest, block.page))
                continue
            sub = _SUB_HEADING.match(line)
            if sub and current.key not in _TABLE_SECTIONS:
                title = re.split(r"[。：:]", line, maxsplit=1)[0]
                if len(title) <= 30:
                    current = _Section(current.key, current.heading, title)
                    sections.append(current)
            current.lines.append((line, block.page))
    passages: list[Passage] = []
    for section in sections:
        passages.extend(_section_passages(section))
    return passages


def _section_passages(section: _Section) -> list[Passage]:
    path = " > ".join(p for p in (section.heading or "（前言）", section.sub) if p)
    out: list[Passage] = []
    lines = [line for line, _ in section.lines]
    paragraphs = [(text, section.lines[start][1]) for text, start in wrapped_paragraphs(lines)]
    for text, page in paragraphs:
        text = clean_prose(text)
        if section.key in _TABLE_SECTIONS and "。" not in text:
            continue  # table labels that stayed in the text layer, not prose
        if len(text) < 4:
            continue
        for chunk in chunk_sentences(text, MAX_PASSAGE_CHARS):
            out.append(Passage(text=chunk, section=path, page=page))
    return out


def chunk_sentences(text: str, limit: int) -> list[str]:
    sentences = [s for s in re.split(r"(?<=[。！？；])", text) if s.strip()]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > limit:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return chunks


def table_row_passages(facts: list[Fact]) -> list[Passage]:
    """'表三 · 三、本年度办理结果 （一）予以公开：自然人 136 … 总计 136'."""
    by_row: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        by_row.setdefault((fact.table, fact.row), []).append(fact)
    passages = []
    for (table, row_key), row_facts in by_row.items():
        row = tpl.row(table, row_key)
        cells = " ".join(f"{tpl.column(table, f.column).zh} {_shown(f)}" for f in row_facts)
        title = tpl.TABLE_TITLES[table][0]
        text = f"{tpl.TABLE_NAMES[table]} · {row.path}：{cells}"
        passages.append(Passage(text=text, section=f"{tpl.TABLE_NAMES[table]} {title}",
                                page=row_facts[0].page, kind="table_row", table=table,
                                row=row_key))
    return passages


def _shown(fact: Fact) -> str:
    if fact.value is None:
        return fact.raw or "（空）"
    unit = fact.unit if fact.unit in ("万元", "元") else ""
    return f"{format_number(fact.value)}{unit}"
