"""OCR of scanned pages: a page image -> text lines and table rows with page boxes.

The recogniser is RapidOCR (``rapidocr-onnxruntime``), whose PP-OCR detection,
recognition and direction models ship inside its wheel: nothing is downloaded.
A page is read in four steps:

1. straighten: the skew (``grid.estimate_skew``) and a quarter or half turn (the text
   boxes are taller than wide; the direction model reads most lines upside down);
2. OCR the whole page: lines with their boxes and confidences;
3. find the ruled tables (``grid.find_tables``) and put each line in its cell; a line
   that runs over a cell's rule is read again cell by cell, and a cell with ink but
   no line is read on its own (or marked unreadable, never left blank);
4. map every box back to the page as it was scanned, in page units (points), so a
   citation's box marks the cell on the original scan.

The result is the same ``Block``s a PDF's text layer gives: table rows with a
cell box per cell (and an OCR confidence), and text lines outside the tables.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import grid as g
from .cells import is_value
from .models import BBox, Block, Cell
from .text import normalize_text

OcrMode = Literal["auto", "off"]
DEFAULT_DPI = 200
# A PDF page with fewer characters in its text layer than this is read by OCR.
MIN_TEXT_LAYER_CHARS = 10
# A cell is inked when it holds a component at least this tall (a speck of noise is not);
# a mark at least this long belongs to its text (a minus sign, a decimal point's digit).
MIN_GLYPH_PT = 4.0
MIN_MARK_PT = 1.5
# The text a cell gets when it has ink that OCR cannot read: not a value, so its row is
# reported and not stored, never stored as blank.
UNREADABLE = "?"
# A one-line cell read with less confidence than this is read again from a crop of its ink,
# which suits the recogniser better for a lone digit than the page's line box does.
REREAD_BELOW = 0.98
# The longest image side OCR reads without shrinking it (a long picture of a whole report).
MAX_IMAGE_SIDE = 20000
# Lines the direction model is asked about to decide whether a page is upside down.
ORIENTATION_SAMPLE = 24
# An image file that records no resolution is taken to be this wide (A4's short side, inches;
# a long screenshot of several pages is as wide as one).
PAGE_SHORT_SIDE_INCHES = 8.27


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages are read: ``auto`` OCRs the pages without a text layer."""

    mode: OcrMode = "auto"
    dpi: int = DEFAULT_DPI
    threads: int = 0  # onnxruntime's intra-op threads; 0: its default (all cores)

    @property
    def enabled(self) -> bool:
        return self.mode != "off"


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: g.Box  # pixels of the image it was read from
    confidence: float


class OcrEngine:
    """The I/O shell over RapidOCR: lines of a page, text of crops, upside-down votes."""

    def __init__(self, threads: int = 0):
        from rapidocr_onnxruntime import RapidOCR

        # The page is read at the resolution it was rendered at (the default shrinks it to 2000
        # pixels, which loses a table's digits, and a long picture altogether).
        settings: dict[str, int] = {"max_side_len": MAX_IMAGE_SIDE}
        if threads > 0:
            settings.update(intra_op_num_threads=threads, inter_op_num_threads=1)
        self._ocr = RapidOCR(**settings)
        self._lock = threading.Lock()  # one onnxruntime session per model, used by one thread at a time

    def lines(self, rgb: np.ndarray) -> list[OcrLine]:
        """Every text line on the image (no per-line rotation: the page is straightened first)."""
        with self._lock:
            found, _ = self._ocr(rgb, use_cls=False)
        out = []
        for quad, text, score in found or ():
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            out.append(OcrLine(str(text), g.Box(min(xs), min(ys), max(xs), max(ys)), float(score)))
        return out

    def read(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """The text of each crop (one line each), without detection."""
        if not crops:
            return []
        with self._lock:
            results, _ = self._ocr.text_rec(list(crops))
        return [(str(text), float(score)) for text, score in results]

    def upside_down_share(self, crops: Sequence[np.ndarray]) -> float:
        """The share of the crops the direction model reads as turned by 180 degrees."""
        if not crops:
            return 0.0
        with self._lock:
            _, votes, _ = self._ocr.text_cls(list(crops))
        return sum(1 for label, _ in votes if label == "180") / len(votes)


_engines: dict[int, OcrEngine] = {}
_engines_lock = threading.Lock()


def engine(threads: int = 0) -> OcrEngine:
    """One engine per thread setting, loaded on first use (the models take a second)."""
    with _engines_lock:
        if threads not in _engines:
            _engines[threads] = OcrEngine(threads)
        return _engines[threads]


# ------------------------------------------------------------------ the page


@dataclass(frozen=True)
class PageRead:
    """One OCR'd page as loader blocks, and what the reading came to."""

    blocks: tuple[Block, ...]
    tables: int
    lines: int
    skew_degrees: float
    quarter_turns: int  # counter-clockwise turns applied to read it (0..3)


def _affine(matrix2x3: np.ndarray) -> np.ndarray:
    return np.vstack([matrix2x3, [0.0, 0.0, 1.0]])


def _turn(rgb: np.ndarray, quarter_turns: int) -> tuple[np.ndarray, np.ndarray]:
    """The image turned counter-clockwise, and the matrix from old to new pixels."""
    h, w = rgb.shape[:2]
    k = quarter_turns % 4
    turned = np.ascontiguousarray(np.rot90(rgb, k))
    if k == 0:
        return turned, np.eye(3)
    if k == 1:  # (x, y) -> (y, w - 1 - x)
        m = np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], float)
    elif k == 2:
        m = np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], float)
    else:  # (x, y) -> (h - 1 - y, x)
        m = np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1]], float)
    return turned, m


def _deskew(rgb: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    if abs(angle) < 0.05:
        return rgb, np.eye(3)
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    straight = cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return straight, _affine(m)


def _is_sideways(lines: Sequence[OcrLine]) -> bool:
    """Most boxes of several characters are taller than wide: the text runs down the page."""
    long = [line for line in lines if len(line.text) >= 3]
    if len(long) < 4:
        return False
    tall = sum(1 for line in long if line.box.height > 1.5 * line.box.width)
    return tall > len(long) / 2


def _crop(rgb: np.ndarray, box: g.Box, pad: float = 0.0) -> np.ndarray:
    h, w = rgb.shape[:2]
    x0, top = max(0, int(box.x0 - pad)), max(0, int(box.top - pad))
    x1, bottom = min(w, int(np.ceil(box.x1 + pad))), min(h, int(np.ceil(box.bottom + pad)))
    return rgb[top:bottom, x0:x1]


def _upright(rgb: np.ndarray, ocr: OcrEngine) -> tuple[np.ndarray, np.ndarray, list[OcrLine], int]:
    """The page turned so its text reads left to right, top down; its lines; the turns."""
    lines = ocr.lines(rgb)
    turns = 0
    if _is_sideways(lines):
        turns = 1
        rgb, _ = _turn(rgb, 1)
        lines = ocr.lines(rgb)
    sample = sorted((line for line in lines if line.box.width > 2 * line.box.height),
                    key=lambda line: -line.box.width)[:ORIENTATION_SAMPLE]
    if sample and ocr.upside_down_share([_crop(rgb, line.box) for line in sample]) > 0.5:
        turns += 2
        rgb, _ = _turn(rgb, 2)
        lines = ocr.lines(rgb)
    return rgb, _turn_matrix(rgb, turns), lines, turns


def _turn_matrix(turned: np.ndarray, turns: int) -> np.ndarray:
    """The matrix from the image before the turns to ``turned`` (the image after them)."""
    h, w = turned.shape[:2]
    if turns % 2:
        h, w = w, h  # the size before a quarter turn
    _, m = _turn(np.zeros((h, w), np.uint8), turns)
    return m


def read_page(image, page: int, *, page_size: tuple[float, float], ocr: OcrEngine,
              dpi: float, first_table_id: int = 0) -> PageRead:
    """Blocks of one page image. ``page_size`` is the page in points (width, height):
    boxes are given in it, origin top-left, as on the page that was scanned."""
    import cv2

    rgb = np.asarray(image.convert("RGB"))
    scan_h, scan_w = rgb.shape[:2]
    to_points = np.diag([page_size[0] / scan_w, page_size[1] / scan_h, 1.0])
    angle = g.estimate_skew(g.binarize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)))
    straight, deskew = _deskew(rgb, angle)
    upright, turn, lines, turns = _upright(straight, ocr)
    back = to_points @ np.linalg.inv(turn @ deskew)  # upright pixels -> points on the scan

    ink = g.binarize(cv2.cvtColor(upright, cv2.COLOR_RGB2GRAY))
    tables = g.find_tables(ink, dpi)
    placed, loose = assign_lines(lines, tables)
    placed = _read_split_lines(placed, upright, ocr)
    table_rows: list[tuple[float, Block]] = []
    table_id = first_table_id
    for number, table in enumerate(tables):
        table_id += 1
        texts, confidences = _cell_texts(table, placed.get(number, []), upright, ink, ocr, dpi)
        rows = g.cell_texts(table, texts)
        boxes = {(c.row, c.col): c.box for c in table.cells}
        for r, row in enumerate(rows):
            cells = tuple(
                Cell(None if text is None else normalize_text(text),
                     _page_box(boxes[(r, c)], back) if text is not None else None,
                     confidences.get((r, c)))
                for c, text in enumerate(row))
            row_box = g.Box(table.col_edges[0], table.row_edges[r], table.col_edges[-1], table.row_edges[r + 1])
            table_rows.append((row_box.top, Block("row", page, cells=cells, table_id=table_id,
                                                  bbox=_page_box(row_box, back))))
    text_lines = [(line.box.top, Block("text", page, text=normalize_text(line.text),
                                       bbox=_page_box(line.box, back)))
                  for line in join_same_line(loose)]
    ordered = sorted(table_rows + text_lines, key=lambda item: item[0])
    return PageRead(tuple(b for _, b in ordered), len(tables), len(lines), angle, turns)


def _page_box(box: g.Box, matrix: np.ndarray) -> BBox:
    corners = np.array([[box.x0, box.top, 1], [box.x1, box.top, 1],
                        [box.x0, box.bottom, 1], [box.x1, box.bottom, 1]], float).T
    x, y, _ = matrix @ corners
    return BBox(round(float(x.min()), 2), round(float(y.min()), 2),
                round(float(x.max()), 2), round(float(y.max()), 2))


# ------------------------------------------------------------------ lines into cells


def assign_lines(lines: Sequence[OcrLine], tables: Sequence[g.TableGrid]
                 ) -> tuple[dict[int, list[tuple[OcrLine, list[g.GridCell]]]], list[OcrLine]]:
    """Each line inside a table with the cells it covers; the lines outside every table."""
    placed: dict[int, list[tuple[OcrLine, list[g.GridCell]]]] = {}
    loose: list[OcrLine] = []
    for line in lines:
        x, y = line.box.centre
        table_no = next((n for n, t in enumerate(tables) if t.box.contains(x, y)), None)
        if table_no is None:
            loose.append(line)
            continue
        cells = covered_cells(line.box, tables[table_no])
        if cells:
            placed.setdefault(table_no, []).append((line, cells))
    return placed, loose


def covered_cells(box: g.Box, table: g.TableGrid, min_share: float = 0.2) -> list[g.GridCell]:
    """The cells of the line's row band that hold a real part of it (left to right)."""
    y = box.centre[1]
    out = []
    for cell in table.cells:
        if not cell.box.top <= y <= cell.box.bottom:
            continue
        overlap = min(box.x1, cell.box.x1) - max(box.x0, cell.box.x0)
        if overlap > min_share * min(box.width, cell.box.width) or cell.box.contains(*box.centre):
            out.append(cell)
    return sorted(out, key=lambda c: c.col)


def _read_split_lines(placed: dict[int, list[tuple[OcrLine, list[g.GridCell]]]], rgb: np.ndarray,
                      ocr: OcrEngine) -> dict[int, list[tuple[OcrLine, g.GridCell]]]:
    """A line over several cells is read again, one crop per cell."""
    out: dict[int, list[tuple[OcrLine, g.GridCell]]] = {}
    for table_no, items in placed.items():
        single: list[tuple[OcrLine, g.GridCell]] = []
        pieces: list[tuple[g.Box, g.GridCell]] = []
        for line, cells in items:
            if len(cells) == 1:
                single.append((line, cells[0]))
                continue
            for cell in cells:
                part = g.Box(max(line.box.x0, cell.box.x0), line.box.top,
                             min(line.box.x1, cell.box.x1), line.box.bottom)
                if part.width > 2:
                    pieces.append((part, cell))
        reads = ocr.read([_crop(rgb, box) for box, _ in pieces])
        for (box, cell), (text, score) in zip(pieces, reads):
            if text.strip():
                single.append((OcrLine(text, box, score), cell))
        out[table_no] = single
    return out


def _cell_texts(table: g.TableGrid, items: Sequence[tuple[OcrLine, g.GridCell]], rgb: np.ndarray,
                ink: np.ndarray, ocr: OcrEngine, dpi: float
                ) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], float]]:
    """Each cell's text (its lines top to bottom) and OCR confidence (its weakest line)."""
    by_cell: dict[tuple[int, int], list[OcrLine]] = {}
    for line, cell in items:
        by_cell.setdefault((cell.row, cell.col), []).append(line)
    texts: dict[tuple[int, int], str] = {}
    confidences: dict[tuple[int, int], float] = {}
    for key, lines in by_cell.items():
        texts[key] = "\n".join(line.text for line in stack_lines(lines))
        confidences[key] = min(line.confidence for line in lines)
    cells = {(c.row, c.col): c for c in table.cells}
    for key, cell in cells.items():
        if key not in texts and not has_glyph(ink, cell.box, dpi):
            confidences[key] = 1.0  # blank: nothing the size of a character in it
    doubtful = [key for key, text in texts.items()
                if confidences[key] < REREAD_BELOW and "\n" not in text]
    pad = g.pt_to_px(1.5, dpi)
    rereads = ocr.read([_crop(rgb, glyph_box(ink, cells[key].box, dpi), pad=pad) for key in doubtful])
    for key, (text, score) in zip(doubtful, rereads):
        text = text.strip()
        if not text:
            continue
        if _compact(text) == _compact(texts[key]):
            confidences[key] = max(confidences[key], score)
        elif (is_value(text), score) > (is_value(texts[key]), confidences[key]):
            # Two readings disagree: the one that reads as a cell value (a lone 0 cropped
            # tight can look like 。), else the surer one; with the doubt of the other.
            texts[key], confidences[key] = text, min(confidences[key], score)
    # Ink that OCR found no line in: read the cell alone; what still has no text is unreadable.
    missing = [c for c in table.cells if (c.row, c.col) not in texts and (c.row, c.col) not in confidences]
    crops = [_crop(rgb, glyph_box(ink, c.box, dpi), pad=g.pt_to_px(1.5, dpi)) for c in missing]
    for cell, (text, score) in zip(missing, ocr.read(crops)):
        key = (cell.row, cell.col)
        texts[key] = text.strip() or UNREADABLE
        confidences[key] = score if text.strip() else 0.0
    return texts, confidences


def _compact(text: str) -> str:
    return "".join(normalize_text(text).split())


def stack_lines(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Lines of one cell in reading order: rows top to bottom, left to right within a row."""
    rows = []
    for line in sorted(lines, key=lambda item: item.box.top):
        if rows and _same_row(rows[-1][-1].box, line.box):
            rows[-1].append(line)
        else:
            rows.append([line])
    ordered = []
    for row in rows:
        row.sort(key=lambda item: item.box.x0)
        if len(row) == 1:
            ordered.append(row[0])
        else:
            ordered.append(OcrLine("".join(item.text for item in row),
                                   functools.reduce(_union, (item.box for item in row)),
                                   min(item.confidence for item in row)))
    return ordered


def join_same_line(lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Boxes OCR found side by side on one line of prose become one line."""
    return stack_lines(lines)


def _same_row(a: g.Box, b: g.Box) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height)


def _union(a: g.Box, b: g.Box) -> g.Box:
    return g.Box(min(a.x0, b.x0), min(a.top, b.top), max(a.x1, b.x1), max(a.bottom, b.bottom))


def _inner(box: g.Box, dpi: float) -> g.Box:
    inset = g.pt_to_px(1.5, dpi)
    return g.Box(box.x0 + inset, box.top + inset, box.x1 - inset, box.bottom - inset)


def _ink_components(ink: np.ndarray, box: g.Box, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes of the marks inside the cell larger than a speck of noise (a minus sign is one)."""
    import cv2

    inner = _inner(box, dpi)
    x0, top = int(inner.x0), int(inner.top)
    region = ink[top:int(inner.bottom), x0:int(inner.x1)]
    if region.size == 0:
        return []
    count, _, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    speck = g.pt_to_px(MIN_MARK_PT, dpi)
    return [(x0 + x, top + y, x0 + x + w, top + y + h) for x, y, w, h, _ in stats[1:count]
            if max(w, h) >= speck]


def has_glyph(ink: np.ndarray, box: g.Box, dpi: float) -> bool:
    """Whether the cell holds something the size of a character (not a speck of noise)."""
    tall = g.pt_to_px(MIN_GLYPH_PT, dpi)
    return any(bottom - top >= tall for _, top, _, bottom in _ink_components(ink, box, dpi))


def glyph_box(ink: np.ndarray, box: g.Box, dpi: float) -> g.Box:
    """The box around every mark in the cell: characters, and signs and points beside them."""
    parts = _ink_components(ink, box, dpi)
    if not parts:
        return _inner(box, dpi)
    return g.Box(min(p[0] for p in parts), min(p[1] for p in parts),
                 max(p[2] for p in parts), max(p[3] for p in parts))


# ------------------------------------------------------------------ files


PageProgress = Callable[[int, int], None]  # (pages read so far, pages to read)


def image_dpi(image) -> float:
    """The image's resolution as recorded in the file; without one, that of A4-wide pages."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if 30 <= value <= 1200:
        return value
    return round(min(image.width, image.height) / PAGE_SHORT_SIDE_INCHES, 1)


def image_page_size(image) -> tuple[float, float]:
    """An image file's page in points: its pixels at its resolution."""
    dpi = image_dpi(image)
    return (image.width * 72.0 / dpi, image.height * 72.0 / dpi)
