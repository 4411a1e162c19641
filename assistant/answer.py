"""What the assistant returns, and what its routes hand each other. Frozen data only."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ingest.models import Citation
from ingest.text import Language

Mode = Literal["facts", "passages", "llm", "none"]


@dataclass(frozen=True)
class Evidence:
    """One numbered item a route can cite: a table cell or a passage.

    ``text`` is what a reader (or an LLM) sees, e.g.
    "淮安市人民政府 2024年 表三 · 一、本年新收政府信息公开申请数量 · 总计 = 3119"
    or the passage text. ``citation`` says where it comes from.
    """

    text: str
    citation: Citation
    score: float = 0.0
    kind: Literal["fact", "passage"] = "passage"
    passage_id: str | None = None
    value: float | None = None  # a fact's number, as stored
    unit: str | None = None


@dataclass(frozen=True)
class FindingNote:
    """A consistency finding of a cited report that involves a cited cell."""

    report_id: str
    agency: str | None
    year: int | None
    check: str
    message: str
    message_en: str
    cells: tuple[tuple[str, str, str], ...]


RowState = Literal["value", "blank", "unread", "template"]
RowsOver = Literal["year", "agency", "report"]


@dataclass(frozen=True)
class Row:
    """One figure of an answer over several reports (years or agencies): whose, which year,
    the value, and the cells it was read from. A table, a chart or a CSV of the answer is
    built from these, never from the answer's text."""

    agency: str
    year: int | None
    value: float | None
    unit: str | None
    label: str  # the entry, in the answer's language
    citations: tuple[Citation, ...] = ()
    agency_id: str | None = None  # the agency under every printing: one series per id
    state: RowState = "value"  # blank: printed empty; unread / template: no value, and why

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        return cls(**{**data, "citations": tuple(Citation.from_dict(c) for c in data.get("citations", ()))})


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # in the question's language
    mode: Mode
    language: Language = "zh"
    value: float | None = None
    unit: str | None = None
    abstained: bool = False
    citations: tuple[Citation, ...] = ()
    findings: tuple[FindingNote, ...] = ()
    readings: tuple[str, ...] = ()  # the interpretations answered, when the question was ambiguous
    rows: tuple[Row, ...] = ()  # the figures of an answer over several reports, in the answer's order
    rows_over: RowsOver | None = None  # what the rows run over: years, agencies, or both

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (an answer kept in a web state or read back from JSON)."""
        return cls(**{
            **data,
            "citations": tuple(Citation.from_dict(c) for c in data.get("citations", ())),
            "findings": tuple(FindingNote(**{**f, "cells": tuple(tuple(c) for c in f.get("cells", ()))})
                              for f in data.get("findings", ())),
            "readings": tuple(data.get("readings", ())),
            "rows": tuple(Row.from_dict(r) for r in data.get("rows", ()))})
