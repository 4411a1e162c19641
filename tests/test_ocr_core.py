"""The pure parts of reading scans: the table grid from ruling lines, the skew, and the
identities as the check on OCR digits. No OCR runs here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from devtools import samples
from ingest import grid
from ingest.errors import InputError
from ingest.loaders import load
from ingest.ocr import OcrOptions, image_dpi
from ingest.ocr_check import review_ocr, single_digit_variants
from ingest.pipeline import parse_document

DPI = 200


def _ruled(rows: list[float], cols: list[float], *, skip: tuple = (), size=(1000, 1400)) -> np.ndarray:
    """Ink (255) of a ruled table; ``skip`` names boundaries not drawn: ("v", col_edge, row)
    is the vertical rule at col_edge within row, ("h", row_edge, col) the horizontal one."""
    ink = np.zeros(size[::-1], np.uint8)
    for r, y in enumerate(rows):
        for c in range(len(cols) - 1):
            if ("h", r, c) not in skip:
                ink[int(y) - 1:int(y) + 1, int(cols[c]):int(cols[c + 1]) + 1] = 255
    for c, x in enumerate(cols):
        for r in range(len(rows) - 1):
            if ("v", c, r) not in skip:
                ink[int(rows[r]):int(rows[r + 1]) + 1, int(x) - 1:int(x) + 1] = 255
    return ink


def test_grid_rows_columns_and_merged_cells_from_the_rules():
    rows = [100, 160, 220, 280, 340]
    cols = [100, 350, 500, 650, 800]
    # Row 0: one cell over columns 1-3 (no vertical rules inside it); column 0: rows 2-3 merged.
    ink = _ruled(rows, cols, skip=(("v", 2, 0), ("v", 3, 0), ("h", 3, 0)))
    [table] = grid.find_tables(ink, DPI)
    assert (table.n_rows, table.n_cols) == (4, 4)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans[(0, 1)] == (1, 3) and spans[(2, 0)] == (2, 1) and spans[(1, 2)] == (1, 1)
    assert len(table.cells) == 16 - 2 - 1
    texts = grid.cell_texts(table, {(0, 0): "信息内容", (0, 1): "申请人情况"})
    assert texts[0] == ["信息内容", "申请人情况", None, None]
    assert texts[3][0] is None and texts[2][0] == "" and texts[3][1] == ""
    merged = next(c for c in table.cells if (c.row, c.col) == (0, 1))
    assert abs(merged.box.x0 - 350) <= 2 and abs(merged.box.x1 - 800) <= 2


def test_glyph_strokes_and_lone_rules_are_not_tables():
    ink = np.zeros((1400, 1000), np.uint8)
    ink[200:202, 100:900] = 255  # a signature line
    for x in range(100, 900, 30):  # a row of characters' strokes
        ink[400:402, x:x + 24] = 255
        ink[380:420, x + 12:x + 14] = 255
    assert grid.find_tables(ink, DPI) == []


def test_skew_is_measured_to_a_tenth_of_a_degree():
    import cv2

    ink = _ruled([200, 260, 320, 380, 440, 500], [150, 450, 600, 750, 850])
    for angle in (0.0, 1.2, -2.5):
        m = cv2.getRotationMatrix2D((500, 700), angle, 1.0)
        skewed = cv2.warpAffine(ink, m, (1000, 1400))
        assert abs(grid.estimate_skew(skewed) + angle) < 0.15


def test_single_digit_variants():
    assert "18" in single_digit_variants("13") and "03" not in single_digit_variants("13")
    assert len(single_digit_variants("7")) == 9 and single_digit_variants("-") == []
    assert "1228.6" in single_digit_variants("1228.5")


@pytest.fixture(scope="module")
def truth():
    """The facts of a generated 2021 report as read from its text layer, as if OCR'd."""
    report = samples.make_report("望川县人民政府", 2023, "2021", 7)
    path = Path(__file__).parent / ".ocr-core-report.pdf"
    try:
        samples.write_pdf(report, path)
        parsed = parse_document(load(path))
    finally:
        path.unlink(missing_ok=True)
    return {k: replace(f, confidence=0.99) for f in parsed.facts for k in [(f.table, f.row, f.column)]}


def _misread(facts, key, raw):
    return {**facts, key: replace(facts[key], raw=raw, value=float(raw))}


def test_consistent_ocr_digits_are_stored_as_read(truth):
    review = review_ocr(truth, "2021")
    assert review.facts == truth and not review.problems


def test_one_misread_digit_that_one_change_explains_is_corrected_and_said(truth):
    key = ("t3", "granted", "natural_person")
    printed = truth[key].raw
    wrong = str(int(printed) + 30) if int(printed) < 70 else str(int(printed) - 30)
    review = review_ocr(_misread(truth, key, wrong), "2021")
    assert review.facts[key].raw == printed and review.facts[key].value == truth[key].value
    [correction] = review.corrections
    assert correction.cell == key and correction.read == wrong and correction.corrected == printed
    assert set(correction.identities) >= {"t3_row:granted", "t3_total:natural_person"}
    [problem] = review.problems
    assert wrong in problem.message and "single-digit" in problem.message and "予以公开" in problem.message


def test_misreads_no_single_change_explains_are_not_stored(truth):
    a, b = ("t3", "granted", "natural_person"), ("t3", "granted", "business")
    facts = _misread(_misread(truth, a, str(truth[a].value + 1.0)[:-2]), b, str(truth[b].value + 2)[:-2])
    review = review_ocr(facts, "2021")
    assert a not in review.facts and b not in review.facts and not review.corrections
    assert review.problems and all("not stored" in p.message for p in review.problems)
    assert "t3_row:granted" in review.problems[0].message
    # The cells that a holding identity confirms are stored (the row's total, by its column).
    assert review.facts[("t3", "granted", "total")] == truth[("t3", "granted", "total")]
    assert all(review.facts[k] == f for k, f in truth.items() if k in review.facts)
    assert set(review.withheld) == {a, b} and len(review.facts) == len(truth) - 2


def test_a_cell_no_identity_checks_needs_a_confident_reading(truth):
    sure, unsure = ("t2", "licensing", "decisions"), ("t2", "penalty", "decisions")
    facts = {**truth, unsure: replace(truth[unsure], confidence=0.6)}
    review = review_ocr(facts, "2021")
    assert sure in review.facts and unsure not in review.facts
    assert any("confidence 0.60" in p.message for p in review.problems)


def test_text_layer_facts_are_not_reviewed(truth):
    digital = {k: replace(f, confidence=None) for k, f in truth.items()}
    key = ("t3", "granted", "natural_person")
    broken = _misread(digital, key, "999")
    assert review_ocr(broken, "2021").facts == broken  # the checks report it; nothing is withheld


def test_ocr_off_refuses_a_scan_and_names_the_setting(tmp_path):
    from PIL import Image

    page = Image.new("L", (1654, 2339), 255)
    pdf = tmp_path / "scan.pdf"
    page.save(pdf, "PDF", resolution=200.0)
    with pytest.raises(InputError) as refused:
        load(pdf, ocr=OcrOptions(mode="off"))
    assert str(pdf) in str(refused.value) and "ingest.ocr" in str(refused.value)
    png = tmp_path / "scan.png"
    page.save(png)
    with pytest.raises(InputError, match="ingest.ocr"):
        load(png, ocr=OcrOptions(mode="off"))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(InputError, match="broken.png: the image is corrupt"):
        load(broken)


def test_image_resolution_from_the_file_or_an_a4_width():
    from PIL import Image

    assert image_dpi(Image.new("L", (1654, 2339))) == pytest.approx(200, abs=0.5)
    assert image_dpi(Image.new("L", (1240, 5000))) == pytest.approx(150, abs=0.5)  # a long picture
    tagged = Image.new("L", (100, 100))
    tagged.info["dpi"] = (300, 300)
    assert image_dpi(tagged) == 300


def test_config_has_ocr_settings_with_env_overrides(tmp_path):
    from assistant.config import load_config

    config = load_config(environ={"XXGK_INGEST__OCR": "off", "XXGK_INGEST__OCR_DPI": "150"},
                         data_dir=tmp_path)
    assert config.ingest.ocr == "off" and config.ingest.ocr_dpi == 150
    assert load_config(environ={}, data_dir=tmp_path).ingest.ocr == "auto"
