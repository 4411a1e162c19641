"""Statistics years named in a question: single years, ranges, recent years, relative years."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.text import chinese_numeral

from .spans import Spans

_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10}
_YEAR = r"((?:19|20)\d\d)"
_DASH = r"(?:至|到|-|—|–|~|～|－|―|\bto\b|\bthrough\b|\bthru\b|\buntil\b|\band\b)"
_RANGE = re.compile(rf"(?:from\s+|between\s+|从)?{_YEAR}\s*年?度?\s*{_DASH}\s*{_YEAR}\s*年?度?", re.IGNORECASE)
_SINGLE = re.compile(rf"(?<!\d)(?<!\d\.){_YEAR}(?!\d|\.\d)(?:\s*年度?)?")
_SHORT_YEAR = re.compile(r"(?<![\d.近前去])([0-4]\d)\s*年(?!代)")
_RECENT = re.compile(r"(?:近|最近|过去|前)([一二两三四五六七八九十\d]+)年|(?:last|past|previous) (\w+) years",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Years:
    years: tuple[int, ...]
    subject: int | None = None  # "2022年比2021年": the year compared
    ranged: bool = False  # named as a range or "the last N years": a series of years


def _number(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return _EN_NUMBERS.get(word) or chinese_numeral(word) or 0


def find_years(text: str, known_years: Sequence[int], spans: Spans) -> Years:
    """Years of the question; 去年 and 'last year' are the newest report's year of ``known_years``."""
    converted = re.sub(r"[〇零一二三四五六七八九]{4}(?=年)",
                       lambda m: str(chinese_numeral(m.group(0))), text)
    newest = max(known_years) if known_years else None
    years: list[int] = []
    ranged = False

    def add(year: int, start: int, end: int) -> None:
        spans.take(start, end)
        if year not in years:
            years.append(year)

    for m in _RANGE.finditer(converted):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        if "and" in m.group(0).lower() and not re.search(r"between", m.group(0), re.I):
            add(a, m.start(), m.end())  # "2022 and 2023": two years, not a range
            add(b, m.start(), m.end())
            continue
        ranged = True
        for y in range(a, b + 1):
            add(y, m.start(), m.end())
    for m in _SINGLE.finditer(converted):
        if spans.free(m.start(), m.end()):
            add(int(m.group(1)), m.start(), m.end())
    for m in _SHORT_YEAR.finditer(converted):  # "22年": 2022 (a report of 2001-2049 could exist)
        if spans.free(m.start(), m.end()):
            add(2000 + int(m.group(1)), m.start(), m.end())
    recent = _RECENT.search(text)
    if recent and newest:
        n = _number(recent.group(1) or recent.group(2))
        if 1 <= n <= 20:
            ranged = True
            for y in range(newest - n + 1, newest + 1):
                add(y, recent.start(), recent.end())
    comparing = bool(re.search(r"比|同比|较|than|compared|from", text, flags=re.IGNORECASE))
    # 去年 is the newest report's year (reports come out the year after): 今年 has no report
    # yet. English "this year" is in labels ("issued this year").
    for pattern, offset in ((r"前年|the year before last", -1), (r"去年|last year", 0), (r"今年", 1)):
        m = re.search(pattern, text, flags=re.IGNORECASE)
        if m and newest and spans.free(m.start(), m.end()):
            spans.take(m.start(), m.end())
            if comparing and offset == 0 and years:
                continue  # "比去年": compared with the year before
            add(newest + offset, m.start(), m.end())
    subject = None
    order = re.search(rf"{_YEAR}\D{{0,40}}?(?:比|较|than|compared (?:with|to))\D{{0,12}}?{_YEAR}",
                      converted, flags=re.IGNORECASE)
    if order:
        subject = int(order.group(1))
    return Years(tuple(years), subject, ranged)
