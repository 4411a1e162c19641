"""Scanned reports end to end: generated reports printed to images, spoiled like scans,
ingested by OCR, and compared with their digital originals; answered, cited and
previewed like digital ones. OCR is slow (seconds a page): the scans are made and
ingested once for the module, five pages in all."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from devtools import samples
from devtools.scans import SKEWED_SCAN, cjk_font_available, scan_pages, write_image_pdf
from ingest.loaders import load
from ingest.models import BBox
from ingest.pipeline import Overrides, parse_document
from tests.conftest import BigramEmbedding

pytestmark = [pytest.mark.slow,  # loads the OCR models and reads six pages (seconds each)
              pytest.mark.skipif(not cjk_font_available(),
                                 reason="no CJK font for pdfium to print the reports (fonts-wqy-microhei)")]

DPI = 200
SKEW = SKEWED_SCAN
AGENCY, YEAR = "望川县人民政府", 2023


def _key(f):
    return (f.table, f.row, f.column)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from pypdf import PdfReader, PdfWriter

    from assistant.config import load_config
    from assistant.factory import make_assistant, make_index

    root = tmp_path_factory.mktemp("ocr")
    report = samples.make_report(AGENCY, YEAR, "2021", 7)
    digital = samples.write_pdf(report, root / "digital.pdf")
    truth = parse_document(load(digital))
    scan = write_image_pdf(scan_pages(digital, DPI, SKEW, seed=1), root / "scan.pdf", DPI)
    # A mixed PDF: pages 1-2 with their text layer, page 3 a scan turned upside down.
    upside_down = [p.rotate(180) for p in scan_pages(digital, DPI)[2:]]
    page3 = write_image_pdf(upside_down, root / "page3.pdf", DPI)
    writer = PdfWriter()
    for page in PdfReader(digital).pages[:2]:
        writer.add_page(page)
    writer.add_page(PdfReader(page3).pages[0])
    mixed = root / "mixed.pdf"
    with mixed.open("wb") as fh:
        writer.write(fh)
    # Page 2 alone as a PNG that records no resolution (taken as A4 wide).
    png = root / "page2.png"
    scan_pages(digital, 150)[1].save(png)
    # Page 2 again, put on the scanner sideways (turned a quarter clockwise), as a JPEG.
    sideways = root / "sideways.jpg"
    scan_pages(digital, 150)[1].rotate(-90, expand=True).save(sideways, quality=90)

    # One process: page progress comes from the process that reads (workers tell files done).
    config = load_config(environ={}, data_dir=root / "data", ingest__workers=1)
    assistant = make_assistant(config, index=make_index(config, embedding=BigramEmbedding()))
    pages: list[tuple[str, int, int]] = []
    results = assistant.library.add([scan, mixed], pages=lambda *p: pages.append(p))
    [png_result] = assistant.library.add([png], Overrides("望川县某某镇人民政府", YEAR))
    [sideways_result] = assistant.library.add([sideways], Overrides("望川县某某乡人民政府", YEAR))
    return {"truth": truth, "results": dict(zip(("scan", "mixed"), results)), "png": png_result,
            "sideways": sideways_result,
            "pages": pages, "assistant": assistant, "digital": digital, "scan": scan}


def _stored(scanned, result):
    return {_key(s.fact): s.fact for s in scanned["assistant"].store.facts(result.report_id)}


def test_a_skewed_noisy_scan_yields_every_fact_of_the_digital_report(scanned):
    result = scanned["results"]["scan"]
    assert result.status == "ingested" and result.ocr_pages == (1, 2, 3), result.reason
    truth = {_key(f): f for f in scanned["truth"].facts}
    stored = _stored(scanned, result)
    assert len(truth) == 200
    equal = [k for k, f in truth.items() if k in stored and stored[k].raw == f.raw and stored[k].value == f.value]
    assert len(equal) >= 0.995 * len(truth), [(k, truth[k].raw, stored.get(k)) for k in truth if k not in equal]
    wrong = [k for k in stored if k in truth and stored[k].raw != truth[k].raw]
    assert wrong == []
    assert all(f.confidence is not None and 0 < f.confidence <= 1 and f.page for f in stored.values())
    assert (result.agency, result.year, result.template) == (AGENCY, YEAR, "2021")
    # The same findings (none) and passages as the digital report: the prose was read too.
    assert result.findings == len(scanned["truth"].findings) == 0
    assert result.passages >= 0.9 * len(scanned["truth"].passages)


def test_a_mixed_pdf_is_read_by_ocr_only_where_it_has_no_text_layer(scanned):
    result = scanned["results"]["mixed"]
    assert result.ocr_pages == (3,)
    truth = {_key(f): f for f in scanned["truth"].facts}
    stored = _stored(scanned, result)
    assert {k: (f.raw, f.page) for k, f in stored.items()} == {k: (f.raw, f.page) for k, f in truth.items()}
    assert all((f.confidence is None) == (f.page != 3) for f in stored.values())
    # The upside-down page's boxes are on the page as scanned: turned, the cell is near the digital one.
    for key, fact in stored.items():
        if fact.page == 3:
            twin = truth[key].bbox
            width, height = 595.2756, 841.8898
            assert abs((width - fact.bbox.x1) - twin.x0) < 3 and abs((height - fact.bbox.bottom) - twin.top) < 3


def test_an_image_file_is_a_report_of_its_own(scanned):
    result = scanned["png"]
    assert result.status == "ingested" and result.ocr_pages == (1,)
    truth = {_key(f): f for f in scanned["truth"].facts if f.page == 2}
    stored = _stored(scanned, result)
    assert set(stored) <= set(truth)
    assert {k: f.raw for k, f in stored.items()} == {k: truth[k].raw for k in stored}
    assert len(stored) >= len(truth) - 7, sorted(set(truth) - set(stored))


def test_a_page_scanned_sideways_is_turned_upright_and_its_cells_boxed_on_the_image(scanned):
    result = scanned["sideways"]
    assert result.status == "ingested" and result.ocr_pages == (1,), result.reason
    truth = {_key(f): f for f in scanned["truth"].facts if f.page == 2}
    stored = _stored(scanned, result)
    assert {k: f.raw for k, f in stored.items()} == {k: truth[k].raw for k in stored}
    assert len(stored) >= len(truth) - 7, sorted(set(truth) - set(stored))
    # Boxes are on the image as it was scanned (landscape, A4 on its side): the page's left
    # edge is the image's top, the page's bottom its left.
    for key, fact in stored.items():
        twin = truth[key].bbox
        assert abs(fact.bbox.top - twin.x0) < 4, key
        assert abs(fact.bbox.x0 - (841.8898 - twin.bottom)) < 4, key


def test_progress_counts_pages_and_the_summary_says_what_was_ocrd(scanned, capsys):
    from ui.cli import _print_totals, _summary_line
    from ui.handlers import format_results

    scan = str(Path(scanned["scan"]).resolve())
    assert [(d, t) for f, d, t in scanned["pages"] if f == scan] == [(1, 3), (2, 3), (3, 3)]
    assert "(OCR: pages 1-3)" in _summary_line(scanned["results"]["scan"])
    assert "(OCR: page 3)" in _summary_line(scanned["results"]["mixed"])
    _print_totals(list(scanned["results"].values()), as_json=False)
    assert "OCR: 4 scanned pages in 2 files: scan.pdf, mixed.pdf" in capsys.readouterr().err
    assert "1 页经 OCR 识别" in format_results([scanned["results"]["mixed"]])


def _rotated(box: BBox, degrees: float, size: tuple[float, float]) -> tuple[float, float]:
    """The centre of ``box`` after the page is turned counter-clockwise about its centre."""
    cx, cy = size[0] / 2, size[1] / 2
    x, y = (box.x0 + box.x1) / 2 - cx, (box.top + box.bottom) / 2 - cy
    a = math.radians(degrees)
    return (cx + x * math.cos(a) + y * math.sin(a), cy - x * math.sin(a) + y * math.cos(a))


def test_a_scanned_fact_is_answered_cited_and_highlighted_on_the_scan(scanned):
    from ui import handlers as h

    assistant = scanned["assistant"]
    truth = {_key(f): f for f in scanned["truth"].facts}
    expected = truth[("t3", "new_received", "total")]
    answer = assistant.ask(f"{AGENCY}{YEAR}年本年新收政府信息公开申请多少件？")
    assert answer.value == expected.value
    [cited] = answer.citations
    assert cited.source_file.endswith(("scan.pdf", "mixed.pdf")) and cited.page == expected.page
    scan_result = scanned["results"]["scan"]
    fact = _stored(scanned, scan_result)[("t3", "new_received", "total")]
    # On the skewed scan the cell's box sits where the digital cell went when the page turned.
    page_size = (595.2756, 841.8898)
    x, y = _rotated(expected.bbox, SKEW.rotate_deg, page_size)
    assert abs((fact.bbox.x0 + fact.bbox.x1) / 2 - x) < 4 and abs((fact.bbox.top + fact.bbox.bottom) / 2 - y) < 4
    citation = type(cited)(**{**cited.to_dict(), "source_file": str(scanned["scan"]), "bbox": fact.bbox,
                              "report_id": scan_result.report_id})
    preview = h.preview_source(assistant, citation)
    assert preview.image is not None and preview.image.info["highlights"] == 1
    scale = 110 / 72
    inside = preview.image.crop((int(fact.bbox.x0 * scale) + 3, int(fact.bbox.top * scale) + 3,
                                 int(fact.bbox.x1 * scale) - 3, int(fact.bbox.bottom * scale) - 3))
    marked = sum(1 for r, g, b in inside.getdata() if r > 200 and g > 200 and b < 200)
    assert marked > 0.4 * inside.width * inside.height


def test_the_preview_of_an_image_report_marks_the_cell(scanned):
    from ingest.models import Citation
    from ui import handlers as h

    result = scanned["png"]
    fact = _stored(scanned, result)[("t3", "new_received", "total")]
    citation = Citation(str(Path(result.path)), result.report_id, result.agency, YEAR, fact.page,
                        table="t3", row="new_received", column="total", bbox=fact.bbox)
    preview = h.preview_source(scanned["assistant"], citation)
    assert preview.image is not None and preview.image.info["highlights"] == 1
    # The image is shown at the PDF preview's size: an A4 page at 110 dpi.
    assert abs(preview.image.width - 595 * 110 / 72) < 3
    scale = 110 / 72
    inside = preview.image.crop((int(fact.bbox.x0 * scale) + 3, int(fact.bbox.top * scale) + 3,
                                 int(fact.bbox.x1 * scale) - 3, int(fact.bbox.bottom * scale) - 3))
    assert sum(1 for r, g, b in inside.getdata() if r > 200 and g > 200 and b < 200) > 0.4 * inside.width * inside.height
    truth = next(f for f in scanned["truth"].facts if _key(f) == ("t3", "new_received", "total"))
    assert abs(fact.bbox.x0 - truth.bbox.x0) < 3 and abs(fact.bbox.top - truth.bbox.top) < 3
