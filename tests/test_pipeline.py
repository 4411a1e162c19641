"""End to end ingest of generated reports: facts, provenance, idempotency, bad input, crashes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest import template as tpl
from ingest.cells import parse_value
from ingest.pipeline import Overrides


def _values(store, report_id):
    return {k: f for k, f in store.fact_map(report_id).items()}


def _expected_number(raw: str) -> float | None:
    parsed = parse_value(raw)
    return parsed.value if parsed else None


@pytest.mark.parametrize("form, version", [("pdf2021", "2021"), ("pdf2019", "2019"),
                                           ("html", "2021"), ("text", "2019")])
def test_every_table_cell_becomes_a_fact(ingestor, sample_files, form, version):
    report = sample_files["reports"][version]
    [result] = ingestor.ingest([sample_files["files"][form]])
    assert result.status == "ingested", result.reason
    assert (result.agency, result.year, result.template) == (report.agency, report.year, version)
    facts = _values(ingestor.store, result.report_id)
    missing = [k for k in report.values if k not in facts]
    assert not missing, f"cells not stored: {missing[:5]}"
    for key, raw in report.values.items():
        fact = facts[key]
        assert fact.raw.replace(" ", "") == raw.replace(" ", ""), key
        assert fact.value == _expected_number(raw), key
    assert result.findings == 0 and not result.problems


def test_pdf_facts_carry_page_and_cell_box(ingestor, sample_files):
    [result] = ingestor.ingest([sample_files["files"]["pdf2021"]])
    facts = _values(ingestor.store, result.report_id)
    # Table 三 was split at row 14: its rows sit on two different pages.
    rows = tpl.t3_rows("2021")
    first = facts[(tpl.T3, rows[0].key, "total")]
    last = facts[(tpl.T3, rows[-1].key, "total")]
    assert first.page is not None and last.page == first.page + 1
    assert first.bbox is not None and first.bbox.x1 > first.bbox.x0
    assert facts[(tpl.T3, "total_handled", "natural_person")].unit == "件"
    assert facts[(tpl.T2, "fees", "fee_amount")].unit == "万元"


def test_row_passages_and_prose_passages_are_stored(ingestor, sample_files):
    [result] = ingestor.ingest([sample_files["files"]["pdf2021"]])
    passages = [p.passage for p in ingestor.store.passages(result.report_id)]
    rows = [p for p in passages if p.kind == "table_row"]
    assert any(p.text.startswith("表三 · 三、本年度办理结果 （一）予以公开：自然人") for p in rows)
    prose = [p for p in passages if p.kind == "prose"]
    assert any(p.section.startswith("一、总体情况 > （") for p in prose)
    assert all(p.page for p in prose)
    assert ingestor.index.count(result.report_id) == len(passages)


def test_inconsistent_report_is_reported_not_repaired(ingestor, sample_files):
    report = sample_files["reports"]["inconsistent"]
    [result] = ingestor.ingest([sample_files["files"]["inconsistent"]])
    findings = [f for _, f in ingestor.store.findings(result.report_id)]
    assert findings, "the broken identity must be found"
    assert any(report.broken in f.cells for f in findings)
    stored = ingestor.store.fact_map(result.report_id)[report.broken]
    assert stored.raw == report.values[report.broken]


def test_ingest_is_idempotent_and_a_changed_file_replaces_the_old(ingestor, sample_files, tmp_path):
    from devtools import samples

    path = tmp_path / "report.pdf"
    path.write_bytes(sample_files["files"]["pdf2021"].read_bytes())
    [first] = ingestor.ingest([path])
    [again] = ingestor.ingest([path])
    assert again.status == "unchanged" and again.report_id == first.report_id
    changed = samples.make_report("青石市人民政府", 2023, "2021", seed=99)
    samples.write_pdf(changed, path)
    [second] = ingestor.ingest([path])
    assert second.status == "ingested" and second.report_id != first.report_id
    assert [r.id for r in ingestor.store.reports()] == [second.report_id]
    assert ingestor.index.count(first.report_id) == 0
    new_total = changed.values[(tpl.T3, "new_received", "total")]
    assert ingestor.store.fact_map(second.report_id)[(tpl.T3, "new_received", "total")].raw == new_total


def test_same_report_from_two_files_is_not_counted_twice(ingestor, sample_files):
    results = ingestor.ingest([sample_files["files"]["pdf2021"], sample_files["files"]["html"]])
    assert all(r.status == "ingested" for r in results)
    primary = ingestor.store.reports(include_duplicates=False)
    assert len(primary) == 1
    cells = [f for f in ingestor.store.facts(agency="青石市人民政府", year=2023)
             if (f.fact.table, f.fact.row, f.fact.column) == (tpl.T3, "new_received", "total")]
    assert len(cells) == 1


# ------------------------------------------------------------------ bad input


def _image_only_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(2):
        c.rect(50, 50, 400, 600, fill=1)
        c.showPage()
    c.save()


def _encrypted_pdf(source: Path, path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as fh:
        writer.write(fh)


@pytest.fixture
def bad_folder(tmp_path, sample_files):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    _encrypted_pdf(sample_files["files"]["pdf2021"], folder / "encrypted.pdf")
    _image_only_pdf(folder / "scanned.pdf")
    (folder / "minutes.txt").write_text("会议纪要\n今天讨论了食堂菜单。\n", encoding="utf-8")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 100)
    (folder / "good.pdf").write_bytes(sample_files["files"]["pdf2019"].read_bytes())
    return folder


def test_a_batch_with_bad_files_ingests_the_good_one_and_names_each_failure(ingestor, bad_folder):
    results = {Path(r.path).name: r for r in ingestor.ingest([bad_folder])}
    assert results["good.pdf"].status == "ingested"
    reasons = {name: r.reason for name, r in results.items() if r.status == "failed"}
    assert "empty" in reasons["empty.pdf"]
    assert "corrupt" in reasons["corrupt.pdf"]
    assert "encrypted" in reasons["encrypted.pdf"]
    # A scan is read by OCR: one of black boxes has no text to find, and says so.
    assert "OCR found no text on the 2 scanned page(s)" in reasons["scanned.pdf"]
    assert "the image is corrupt" in reasons["photo.jpg"]
    assert all(name in reason for name, reason in reasons.items())
    # In a folder, a document that is not a report is skipped with its reason, not failed.
    assert results["minutes.txt"].status == "skipped"
    assert "does not look like" in results["minutes.txt"].reason
    [explicit] = ingestor.ingest([bad_folder / "minutes.txt"])
    assert explicit.failed and "minutes.txt" in explicit.reason
    assert len(ingestor.store.reports()) == 1


def test_oversized_and_unsupported_files_are_refused_before_parsing(config, sample_files, tmp_path):
    from conftest import BigramEmbedding

    from assistant.factory import make_index, make_ingestor

    small = config.model_copy(update={"ingest": config.ingest.model_copy(update={"max_file_mb": 0.001})})
    ingestor = make_ingestor(small, index=make_index(small, embedding=BigramEmbedding()))
    [big] = ingestor.ingest([sample_files["files"]["pdf2021"]])
    assert big.failed and "over the limit" in big.reason
    odd = tmp_path / "report.xls"
    odd.write_bytes(b"x" * 10)
    [unsupported] = ingestor.ingest([odd])
    assert unsupported.failed and "unsupported file type" in unsupported.reason


def test_unknown_agency_is_flagged_and_can_be_supplied(ingestor, sample_files, tmp_path):
    text = sample_files["files"]["text"].read_text(encoding="utf-8")
    report = sample_files["reports"]["2019"]
    anonymous = tmp_path / "anonymous.txt"
    anonymous.write_text(text.replace(report.title, "年度报告").replace(report.agency, "本机关"),
                         encoding="utf-8")
    [result] = ingestor.ingest([anonymous])
    assert result.status == "ingested" and "agency" in result.unknown
    sidecar = tmp_path / "anonymous.txt.xxgk.json"
    sidecar.write_text(json.dumps({"agency": "望川县教育局"}, ensure_ascii=False), encoding="utf-8")
    [fixed] = ingestor.ingest([anonymous])
    assert fixed.agency == "望川县教育局" and "agency" not in fixed.unknown
    [by_option] = ingestor.ingest([anonymous], Overrides(agency="望川县教育局", year=2019))
    assert by_option.year == 2019


def _docx_from_text(text_file: Path, path: Path) -> None:
    """A Word report: the text sample's prose as paragraphs, its tab rows as Word tables."""
    import docx

    document = docx.Document()
    table_rows: list[list[str]] = []

    def flush() -> None:
        if not table_rows:
            return
        width = max(len(r) for r in table_rows)
        table = document.add_table(rows=len(table_rows), cols=width)
        for r, cells in enumerate(table_rows):
            for c, value in enumerate(cells):
                table.cell(r, c).text = value
        table_rows.clear()

    for line in text_file.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            table_rows.append(line.split("\t"))
        else:
            flush()
            document.add_paragraph(line)
    flush()
    document.save(str(path))


def test_word_report_tables_become_facts(ingestor, sample_files, tmp_path):
    report = sample_files["reports"]["2019"]
    path = tmp_path / "report.docx"
    _docx_from_text(sample_files["files"]["text"], path)
    [result] = ingestor.ingest([path])
    assert result.status == "ingested", result.reason
    assert (result.agency, result.year, result.template) == (report.agency, 2019, "2019")
    facts = ingestor.store.fact_map(result.report_id)
    for key, raw in report.values.items():
        assert facts[key].raw.replace(" ", "") == raw.replace(" ", ""), key


def test_a_new_override_value_reparses_the_report(ingestor, sample_files):
    from ingest.pipeline import Overrides

    path = sample_files["files"]["text"]
    first = ingestor.ingest_file(path, Overrides(year=2018))
    second = ingestor.ingest_file(path, Overrides(year=2017))
    again = ingestor.ingest_file(path, Overrides(year=2017))
    assert (first.year, second.year, again.year) == (2018, 2017, 2017)
    assert second.status == "ingested" and again.status == "unchanged"
    assert [r.year for r in ingestor.store.reports()] == [2017]


def _carry_over_checks(store, report_id):
    return {f.check for _, f in store.findings(report_id) if f.check.startswith("carry_over:")}


def test_carry_over_is_checked_whatever_order_the_years_arrive_in(ingestor, tmp_path):
    """The check across two years is kept by the store: ingesting the earlier year after the
    later one finds the break, deleting it takes the finding away, a chained year has none."""
    from devtools import samples

    earlier = samples.make_report("青石市人民政府", 2022, "2021", seed=21)
    later = samples.make_report("青石市人民政府", 2023, "2021", seed=22,
                                carried_over={c: n + 1 for c, n in earlier.carried_forward().items()})
    paths = [samples.write_text(r, tmp_path / f"qingshi-{r.year}.txt") for r in (later, earlier)]
    [second] = ingestor.ingest([paths[0]])
    assert _carry_over_checks(ingestor.store, second.report_id) == set()  # no year before it yet

    [first] = ingestor.ingest([paths[1]])
    broken = _carry_over_checks(ingestor.store, second.report_id)
    assert broken and all(c.startswith("carry_over:") for c in broken)
    assert _carry_over_checks(ingestor.store, first.report_id) == set()

    assert ingestor.store.delete_report(first.report_id)
    assert _carry_over_checks(ingestor.store, second.report_id) == set()

    chained = samples.make_report("青石市人民政府", 2023, "2021", seed=23,
                                  carried_over=earlier.carried_forward())
    ingestor.ingest([paths[1]])
    [replacement] = ingestor.ingest([samples.write_text(chained, tmp_path / "qingshi-2023-v2.txt")])
    assert replacement.superseded == second.report_id  # the new version answers for 2023 ...
    assert _carry_over_checks(ingestor.store, replacement.report_id) == set()  # ... and chains
    assert _carry_over_checks(ingestor.store, second.report_id) == set()  # the old copy is silent
