"""Table cells named in a question: rows and columns of tables 二, 三, 四 (the measure).

The phrases are data (ingest/domain/vocabulary.yaml); this module only applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest import template as tpl
from ingest.domain import Term, vocabulary

from .spans import Spans, longest_first, matches


@dataclass(frozen=True)
class Metric:
    """Cells of one table: the sum of rows x columns. No columns = the row's default."""

    table: str
    rows: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def _group(self) -> tuple[str, str] | None:
        """The printed name of a group of rows: （三）不予公开, or 行政诉讼 for both lawsuit rows."""
        if self.table == tpl.T4 and len(self.rows) == 2:
            return "行政诉讼", "administrative litigation"
        for key, rows in tpl.T3_DISPOSITION_GROUPS.items():
            if self.table == tpl.T3 and self.rows == rows and len(rows) > 1:
                return tpl.T3_GROUP_LABELS[key]
        return None

    @property
    def label(self) -> str:
        group = self._group()
        return group[0] if group else "、".join(tpl.row(self.table, r).zh for r in self.rows)

    @property
    def label_en(self) -> str:
        group = self._group()
        return group[1] if group else ", ".join(tpl.row(self.table, r).en for r in self.rows)


@cache
def _patterns(kind: str, language: str) -> tuple[tuple[str, Term], ...]:
    terms = vocabulary().rows if kind == "rows" else vocabulary().columns
    return tuple((p, t) for t in terms for p in (t.zh if language == "zh" else t.en))


def find_metrics(text: str, language: str, spans: Spans, columns_at: Spans | None = None) -> list[Metric]:
    """Rows and columns named in the question, combined into metrics; ``columns_at`` receives
    where the column words are."""
    # Hyphens join English words like spaces ("carried-over"); the offsets stay the same.
    haystack = text if language == "zh" else text.lower().replace("-", " ")
    # Rows and columns interleave ("对外公开的规范性文件总数"): each kind competes only with itself.
    row_spans, col_spans = spans.copy(), spans.copy()
    row_hits = longest_first(matches(haystack, _patterns("rows", language)), row_spans)
    col_hits = longest_first(matches(haystack, _patterns("columns", language)), col_spans)
    # A column word inside a row's printed label ("其他" in "3.其他") is part of the row; one that a
    # row phrase merely spans ("商业企业" in "收到商业企业的申请") is a column.
    col_hits = [(a, b, t) for a, b, t in col_hits
                if not any(ra <= a and b <= rb and _in_label(haystack[a:b], rt) for ra, rb, rt in row_hits)]
    # A narrower column term beats a broader one of the same table ("public-interest organisations"
    # is one column, not the five of "organisations").
    col_hits = [(a, b, t) for a, b, t in col_hits
                if not any(o is not t and o.table == t.table and set(o.columns) < set(t.columns)
                           for _, _, o in col_hits)]
    # A column word explains the question only next to a row of its table ("发布" alone is a verb).
    col_hits = [(a, b, t) for a, b, t in col_hits if any(r.table == t.table for _, _, r in row_hits)]
    for start, end, _ in row_hits + col_hits:
        spans.take(start, end)
    if columns_at is not None:
        for start, end, _ in col_hits:
            columns_at.take(start, end)
    row_terms: list[Term] = []
    for _, _, term in row_hits:
        if term not in row_terms:
            row_terms.append(term)  # type: ignore[arg-type]
    # A narrower term beats a broader one of the same table (无法提供 + 不掌握 -> 不掌握; 其他处理 +
    # "3.其他" -> 3.其他).
    row_terms = [t for t in row_terms
                 if not any(o is not t and o.table == t.table and _cells_of(o) < _cells_of(t)
                            for o in row_terms)]
    col_terms = [term for _, _, term in col_hits]
    metrics: list[Metric] = []
    for term in row_terms:
        columns: list[str] = []
        for col_term in col_terms:
            if col_term.table != term.table:  # type: ignore[attr-defined]
                continue
            for c in col_term.columns:  # type: ignore[attr-defined]
                if term.table != tpl.T2 or any(c in tpl.row(tpl.T2, r).columns for r in term.rows):
                    if c not in columns:
                        columns.append(c)
        if len(columns) > 1 and "total" in columns:
            columns.remove("total")
        if not columns and term.default_column:
            columns = [term.default_column]
        metric = Metric(term.table, term.rows, tuple(columns))
        if metric not in metrics:
            metrics.append(metric)
    # Two T4 terms (复议 and 诉讼) are two metrics; the same rows twice are one.
    return metrics


def _in_label(words: str, term: Term) -> bool:
    labels = "".join(tpl.row(term.table, r).zh + "".join(tpl.row(term.table, r).aliases) for r in term.rows)
    return words in labels


def _cells_of(term: Term) -> set[str]:
    """The rows a term covers, 其他处理 with its three 2021 parts."""
    rows = set(term.rows)
    if "other_handling" in rows:
        rows |= set(tpl.T3_DISPOSITION_GROUPS["other_handling"])
    return rows


_MONEY = re.compile(r"金额|多少钱|多少万?元|罚没|how much money|\byuan\b|amount of money", re.IGNORECASE)


def asks_money(text: str) -> bool:
    return bool(_MONEY.search(text))
