"""Cell values: the raw text of a table cell -> number, unit, or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import template as tpl

_NUMBER = re.compile(
    r"^\s*(?P<sign>[+\-－]?)\s*(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<unit>万元|元|件|项|个|条)?\s*(?P<note>[（(][^）)]*[）)])?\s*$"
)


@dataclass(frozen=True)
class CellValue:
    raw: str
    value: float | None
    unit: str | None  # printed unit, if any
    empty: bool  # blank, "/", "—" ...

    @property
    def as_number(self) -> float:
        """The value for arithmetic: blanks and dashes count as 0."""
        return self.value if self.value is not None else 0.0


def parse_value(raw: str | None) -> CellValue | None:
    """None when the text is not a cell value (a label, say)."""
    text = (raw or "").strip().replace("\n", "")
    if text in tpl.EMPTY_MARKERS:
        return CellValue(text, None, None, True)
    m = _NUMBER.match(text)
    if not m:
        return None
    number = float(m.group("num").replace(",", "").replace("，", ""))
    if m.group("sign") in ("-", "－"):
        number = -number
    return CellValue(text, number, m.group("unit"), False)


def is_value(raw: str | None) -> bool:
    return raw is not None and parse_value(raw) is not None


def format_number(value: float) -> str:
    """As printed: no trailing zeros, and no rounding of long decimals (24252.311082)."""
    return str(int(value)) if float(value).is_integer() else format(value, ".15g")
