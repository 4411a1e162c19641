"""Table parsing: loader blocks -> logical rows (label parts + value cells).

Layout-only: nothing here knows the template. A PDF table row, an HTML row,
a tab/pipe-separated text row and a PDF text line ending in numbers all
become the same LogicalRow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import is_value
from .models import BBox, Block, Cell
from .text import fold_label

_VALUE_TOKEN = r"(?:[+\-－]?\d[\d,，]*(?:\.\d+)?(?:\s*(?:万元|元))?|/|／|—|－)"
_TRAILING_VALUE = re.compile(rf"(?:^|\s+)({_VALUE_TOKEN})\s*$")


@dataclass(frozen=True)
class LogicalRow:
    labels: tuple[str, ...]  # label cells, folded (no spaces)
    values: tuple[Cell, ...]  # value cells, left to right
    page: int | None
    source: str  # "table" or "text"
    text: str  # the row as printed, for messages
    bbox: BBox | None = None

    @property
    def label(self) -> str:
        return "".join(self.labels)

    @property
    def is_header(self) -> bool:
        return not self.values


def block_to_row(block: Block) -> LogicalRow | None:
    if block.kind == "row":
        return _table_row(block)
    return text_row(block)


def _table_row(block: Block) -> LogicalRow:
    cells = list(block.cells)
    while cells and cells[-1].text is None:
        cells.pop()
    values: list[Cell] = []
    while cells and cells[-1].text is not None and is_value(cells[-1].text):
        values.insert(0, cells.pop())
    labels = tuple(fold_label(c.text) for c in cells if c.text and c.text.strip())
    printed = " | ".join((c.text or "").replace("\n", "") for c in block.cells if c.text is not None)
    # A row of only blanks is a spacer, not data; so are the blank cells that end a header
    # row of many labels (表四's "复议后起诉 | | | |").
    if all(not (c.text or "").strip() for c in values) and (not labels or len(labels) > 2):
        values = []
    return LogicalRow(labels, tuple(values), block.page, "table", printed, block.bbox)


def text_row(block: Block) -> LogicalRow | None:
    """'行政许可 97' or '0 0 0 0 0 0 0': a text line that is a table row."""
    text = block.text.strip()
    tokens: list[str] = []
    rest = text
    while True:
        m = _TRAILING_VALUE.search(rest)
        if not m:
            break
        tokens.insert(0, m.group(1))
        rest = rest[: m.start()]
        if not rest:
            break
    if not tokens:
        return None
    label = fold_label(rest)
    if label and not re.search(r"[\u4e00-\u9fff]$|[）)”]$", label):
        return None  # "2024" in "2024 年" etc.: numbers glued to prose, not a row
    cells = tuple(Cell(t, block.bbox) for t in tokens)
    labels = (label,) if label else ()
    return LogicalRow(labels, cells, block.page, "text", text, block.bbox)


def logical_rows(blocks: tuple[Block, ...] | list[Block]) -> list[LogicalRow]:
    rows: list[LogicalRow] = []
    for block in blocks:
        row = block_to_row(block)
        if row is not None:
            rows.append(row)
        elif block.kind == "text" and block.text.strip():
            rows.append(LogicalRow((fold_label(block.text),), (), block.page, "text", block.text,
                                   block.bbox))
    return rows
