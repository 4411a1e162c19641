"""Tests for devtools.samples: sample reports, their writers and the demo corpus."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pdfplumber
import pytest

from devtools import samples
from ingest import template as tpl
from ingest.checks import claim_patterns
from ingest.template import T2, T3, T4

AGENCY = "青石市人民政府"
SMALL_AGENCY = "望川县发展和改革局"


def number(values: dict, ref: tuple[str, str, str]) -> int:
    text = values.get(ref, "")
    return int(text) if text else 0


def holds(identity: tpl.Identity, values: dict) -> bool:
    left = sum(number(values, ref) for ref in identity.left)
    return any(left == sum(number(values, ref) for ref in terms)
               for terms in (identity.right, *identity.alternatives))


def failing(report: samples.SampleReport) -> list[tpl.Identity]:
    return [i for i in tpl.identities(report.version) if not holds(i, report.values)]


def expected_cells(version: str) -> set[tuple[str, str, str]]:
    t2 = {(T2, r.key, c) for r in tpl.t2_rows(version)
          for c in tpl.T2_ITEM_COLUMNS[(version, r.item)]}
    t3 = {(T3, r.key, c.key) for r in tpl.t3_rows(version) for c in tpl.T3_COLUMNS}
    t4 = {(T4, r.key, c.key) for r in tpl.T4_ROWS for c in tpl.T4_COLUMNS}
    return t2 | t3 | t4


# --------------------------------------------------------------------------
# Data core
# --------------------------------------------------------------------------


@pytest.mark.parametrize("version", tpl.TEMPLATE_VERSIONS)
def test_consistent_reports_satisfy_every_identity(version: str) -> None:
    blanks = 0
    for seed in range(150):
        agency = samples.AGENCIES[seed % len(samples.AGENCIES)].name
        report = samples.make_report(agency, 2022, version, seed)
        assert report.broken is None
        assert set(report.values) == expected_cells(version)
        assert failing(report) == [], (seed, [i.key for i in failing(report)])
        blank_cols = {c for (t, _, c), v in report.values.items() if t == T3 and v == ""}
        assert blank_cols <= set(samples.LEGAL_PERSON_COLUMNS)
        blanks += bool(blank_cols)
    assert 20 < blanks < 130  # some reports leave legal-person cells blank, not all


@pytest.mark.parametrize("version", tpl.TEMPLATE_VERSIONS)
def test_inconsistent_report_breaks_exactly_one_identity(version: str) -> None:
    for seed in range(60):
        good = samples.make_report(AGENCY, 2022, version, seed)
        bad = samples.make_report(AGENCY, 2022, version, seed, inconsistent=True)
        broken = failing(bad)
        assert len(broken) == 1, seed
        assert bad.broken in (*broken[0].left, *broken[0].right)
        changed = {k for k in good.values if good.values[k] != bad.values[k]}
        assert changed == {bad.broken}


def test_table_two_cell_formats() -> None:
    for seed in range(30):
        r19 = samples.make_report(AGENCY, 2020, "2019", seed)
        for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
            assert re.fullmatch(r"0|[+-][1-9]\d*", r19.values[T2, row, "change"])
        assert re.fullmatch(r"\d+\.\d\d 万元", r19.values[T2, "procurement", "procurement_amount"])
        r21 = samples.make_report(AGENCY, 2021, "2021", seed)
        assert re.fullmatch(r"\d+(\.\d+)?", r21.values[T2, "fees", "fee_amount"])


@pytest.mark.parametrize("version", tpl.TEMPLATE_VERSIONS)
def test_prose_restates_the_tables_and_keeps_its_facts(version: str) -> None:
    report = samples.make_report(AGENCY, 2023, version, 5, inconsistent=True)
    prose = "".join(p for _, paras in report.sections for p in paras)
    assert report.title == f"{AGENCY}2023年政府信息公开工作年度报告"
    assert "本报告所列数据统计期限自2023年1月1日起至2023年12月31日止" in report.preface
    assert [h for h, _ in report.sections] == [s.zh for s in tpl.SECTIONS]
    for key, sentence in report.facts_in_prose.items():
        assert sentence in prose, key
        assert report.fact_answers[key] in sentence
    for claim in tpl.PROSE_CLAIMS:  # identity 6, even when a table cell was altered
        found = [m.group(1) for pat in claim_patterns(claim) for m in pat.finditer(prose)]
        assert found == [report.values[claim.cell]], claim.cell
    assert ("processing_fee" in report.facts_in_prose) == (version == tpl.TEMPLATE_2021)
    assert "一是" in report.sections[4][1][0] and "二是" in report.sections[4][1][0]


def test_series_chains_carried_over_to_carried_forward() -> None:
    series = samples.make_series(SMALL_AGENCY, [2019, 2020, 2021, 2022], seed=3)
    assert [r.version for r in series] == ["2019", "2019", "2021", "2021"]
    for before, after in itertools.pairwise(series):
        for col in samples.APPLICANT_COLUMNS:
            assert after.number((T3, "carried_over", col)) == \
                before.number((T3, "carried_forward", col))
    assert all(failing(r) == [] for r in series)


def test_make_report_is_deterministic() -> None:
    a = samples.make_report(AGENCY, 2021, "2021", 11)
    b = samples.make_report(AGENCY, 2021, "2021", 11)
    assert a == b
    assert a != samples.make_report(AGENCY, 2021, "2021", 12)
    with pytest.raises(ValueError):
        samples.make_report(AGENCY, 2021, "2020", 1)


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def read_pdf(path: Path) -> list[tuple[str, list[list[list[str | None]]]]]:
    with pdfplumber.open(path) as pdf:
        return [(p.extract_text(), [t.extract() for t in p.find_tables()]) for p in pdf.pages]


@pytest.fixture(scope="module")
def report21() -> samples.SampleReport:
    return samples.make_report(AGENCY, 2024, "2021", 1)


@pytest.fixture(scope="module")
def pdf21(report21, tmp_path_factory) -> list[tuple[str, list]]:
    path = tmp_path_factory.mktemp("pdf") / "r.pdf"
    samples.write_pdf(report21, path)
    return read_pdf(path)


def table3_pages(pages: list[tuple[str, list]]) -> tuple[int, list, list]:
    """Page index of 表三's first part, that part, and the continuation table."""
    for i, (_, tables) in enumerate(pages):
        for t in tables:
            if t[0] and "申请人情况" in t[0]:
                return i, t, pages[i + 1][1][0]
    raise AssertionError("表三 not found")


def test_pdf_pages_and_footers(pdf21) -> None:
    assert len(pdf21) > 1
    for n, (text, _) in enumerate(pdf21, start=1):
        assert text.splitlines()[-1] == f"- {n} -"


def test_pdf_boxed_paragraph_looks_like_one_column_table(pdf21, report21) -> None:
    _, tables = pdf21[0]
    box = tables[0]
    assert all(len(row) == 1 for row in box)
    assert report21.preface[:10] in box[-1][0]


def test_pdf_table3_splits_without_header_and_breaks_label(pdf21, report21) -> None:
    page, first, rest = table3_pages(pdf21)
    rows = tpl.t3_rows("2021")
    at = samples.default_table3_split("2021")
    header = [c.replace("\n", "") for c in first[1] if c]
    assert header == ["自然人", tpl.T3_LEGAL_PERSON_GROUP, "总计"]
    assert first[2][4] == "商业企\n业"
    assert len(first) == 3 + at and len(rest) == len(rows) - at
    # the continuation starts with a data row: numbers, no header
    cont = rest[0]
    assert cont[-7:] == [report21.values[T3, rows[at].key, c.key] for c in tpl.T3_COLUMNS]
    assert not any("申请人情况" in (c or "") for row in rest for c in row)
    assert first[-1][1] == "（四）无" and cont[1] == "法提供"
    assert "（四）无" in pdf21[page][0] and "法提供" in pdf21[page + 1][0]
    # numbers of the first data row match the report
    assert first[3][-7:] == [report21.values[T3, "new_received", c.key] for c in tpl.T3_COLUMNS]


def test_pdf_other_split_without_label_break(tmp_path) -> None:
    report = samples.make_report(SMALL_AGENCY, 2019, "2019", 2)
    path = samples.write_pdf(report, tmp_path / "r.pdf", split_table3_at=6, break_label=False,
                             col_widths="narrow")
    _, first, rest = table3_pages(read_pdf(path))
    assert len(first) == 3 + 6
    label = next(row[1] for row in reversed(first) if row[1])
    assert label.replace("\n", "") == tpl.G_WITHHELD and rest[0][1] == ""
    with pytest.raises(ValueError):
        samples.write_pdf(report, tmp_path / "x.pdf", split_table3_at=0)


def test_pdf_tables_two_and_four(pdf21, report21) -> None:
    tables = [t for _, ts in pdf21 for t in ts]
    t2_rows = {row[0]: row for t in tables for row in t if row and row[0]}
    assert t2_rows["行政处罚"][1] == report21.values[T2, "penalty", "decisions"]
    assert t2_rows["行政事业性收费"][1] == report21.values[T2, "fees", "fee_amount"]
    t4 = next(t for t in tables if t[0][0] == "行政复议")
    assert len(t4) == 4 and len(t4[3]) == 15
    assert t4[3] == [report21.values[T4, r.key, c.key] for r in tpl.T4_ROWS for c in tpl.T4_COLUMNS]


# --------------------------------------------------------------------------
# HTML and text
# --------------------------------------------------------------------------


def test_html_has_merged_label_cells(report21, tmp_path) -> None:
    page = samples.write_html(report21, tmp_path / "r.html").read_text(encoding="utf-8")
    n_results = sum(1 for r in tpl.t3_rows("2021") if r.group)
    assert f'rowspan="{n_results}"' in page  # 三、本年度办理结果
    assert re.search(r'<td rowspan="8">(<p[^>]*>)?（三）不予公开', page)
    assert re.search(r'<td rowspan="3" colspan="3">', page)
    assert '<td colspan="4">' in page  # 第二十条 item rows
    assert "<nav" in page or 'class="nav"' in page
    assert page.count("<table") == 3
    for sentence in report21.facts_in_prose.values():
        assert sentence in page


def test_text_has_tab_separated_rows(tmp_path) -> None:
    report = samples.make_report(SMALL_AGENCY, 2019, "2019", 4)
    text = samples.write_text(report, tmp_path / "r.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(x for x in lines if x.startswith(tpl.row(T3, "new_received").zh))
    cells = row.split("\t")
    assert cells[-7:] == [report.values[T3, "new_received", c.key] for c in tpl.T3_COLUMNS]
    assert any(x.startswith("政府集中采购\t") for x in lines)
    assert report.title.replace(report.agency, "") in text


# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------

GOLD_FIELDS = {"id", "report", "agency", "year", "question", "question_en", "answer", "kind",
               "evidence"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("corpus")
    return out, samples.write_corpus(out, years=(2020, 2021, 2022))


def test_corpus_layout(corpus) -> None:
    out, paths = corpus
    assert len(paths) == 9
    assert sorted(p.suffix for p in paths).count(".html") == 1
    assert sorted(p.suffix for p in paths).count(".txt") == 1
    folder = {".pdf": "pdf", ".html": "html", ".txt": "text"}
    assert all(p.parent == out / folder[p.suffix] for p in paths)
    assert (out / "gold.jsonl").is_file()


def test_corpus_is_deterministic(corpus, tmp_path) -> None:
    out, paths = corpus
    again = samples.write_corpus(tmp_path, years=(2020, 2021, 2022))
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (out / "gold.jsonl").read_bytes() == (tmp_path / "gold.jsonl").read_bytes()


def test_corpus_gold(corpus) -> None:
    out, paths = corpus
    stems = {p.stem for p in paths}
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text("utf-8").splitlines()]
    assert all(set(g) == GOLD_FIELDS for g in gold)
    assert len({g["id"] for g in gold}) == len(gold)
    kinds = [g["kind"] for g in gold]
    assert kinds.count("cross") == 2 and kinds.count("unanswerable") == 2
    assert kinds.count("table") >= 3 * len(paths) and kinds.count("text") >= len(paths)
    for g in gold:
        assert g["question"] and g["question_en"] and g["evidence"]
        if g["kind"] in ("table", "text"):
            assert g["report"] in stems and isinstance(g["year"], int)
        elif g["kind"] == "cross":
            assert set(g["report"].split(",")) <= stems
        else:
            assert g["report"] is None and g["answer"] == "unanswerable"
        if g["kind"] == "table":
            assert g["evidence"].endswith(f"= {g['answer']}")
