"""Table structure from a page image: ruling lines -> grid -> cells, merged cells included.

Pure functions over numpy arrays (OpenCV for the morphology); nothing here reads a
file or runs OCR. A scanned page becomes ink (``binarize``), its straight rules are
found by opening the ink with long thin kernels (``ruling_masks``), each group of
crossing rules is a table (``find_tables``): the rules' positions are its row and
column edges, and two neighbouring grid cells are one merged cell when the rule
between them is not drawn. The cells come out like pdfplumber's: the text of a
merged cell at its top-left position, ``None`` at the positions it covers.

Sizes are in points (1/72 inch) and converted with the image's DPI, so the same
page scanned at 150 or 200 DPI gives the same grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A horizontal rule is at least this long; the longest stroke of a glyph (一 in an
# 18-point title) is shorter.
MIN_RULE_PT = 24.0
# A vertical rule segment spans at least a table row; a glyph's vertical stroke in
# 12-point body text is shorter.
MIN_VERTICAL_RULE_PT = 13.0
# Edges of one rule closer than this are one edge (a thick or doubled line).
EDGE_MERGE_PT = 3.5
# The part of a boundary that must be inked for two grid cells to be separate.
DRAWN_SHARE = 0.5
# A rule runs the whole side of at least one cell; a run of glyph strokes in a label does not.
FULL_SIDE_SHARE = 0.9
# Skew is searched in this range (degrees) and refined to this step.
MAX_SKEW_DEG = 5.0
SKEW_STEP_DEG = 0.05


@dataclass(frozen=True)
class Box:
    """A rectangle in image pixels, origin top-left."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.top + self.bottom) / 2)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box  # inside the rules


@dataclass(frozen=True)
class TableGrid:
    box: Box
    row_edges: tuple[float, ...]  # y of each horizontal rule, top to bottom
    col_edges: tuple[float, ...]  # x of each vertical rule, left to right
    cells: tuple[GridCell, ...]  # one per (merged) cell, row-major by top-left position

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    @property
    def n_cols(self) -> int:
        return len(self.col_edges) - 1

    def cell_at(self, x: float, y: float) -> GridCell | None:
        for cell in self.cells:
            if cell.box.contains(x, y):
                return cell
        return None


def pt_to_px(points: float, dpi: float) -> int:
    return max(1, round(points * dpi / 72.0))


def binarize(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0: Otsu's threshold, robust to a grey or noisy scan."""
    import cv2

    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    _, ink = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def estimate_skew(ink: np.ndarray, max_deg: float = MAX_SKEW_DEG) -> float:
    """The rotation (degrees, counter-clockwise) that straightens the page: the angle that makes
    the rows of ink sharpest (the variance of the horizontal projection is largest)."""
    import cv2

    scale = min(1.0, 800.0 / max(ink.shape))
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(small, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.var(profile))

    best = max(np.arange(-max_deg, max_deg + 1e-9, 0.5), key=sharpness)
    for step in (0.1, SKEW_STEP_DEG):
        around = np.arange(best - 5 * step, best + 5 * step + 1e-9, step)
        best = max(around, key=sharpness)
    return float(best)


def ruling_masks(ink: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rules: ink that survives an opening with a long thin kernel."""
    import cv2

    # Close small gaps across a rule first (noise, JPEG blocks, a faint print).
    bridged = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    horizontal = cv2.morphologyEx(
        bridged, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (pt_to_px(MIN_RULE_PT, dpi), 1)))
    vertical = cv2.morphologyEx(
        bridged, cv2.MORPH_OPEN,
        cv2.getStructuringElement(cv2.MORPH_RECT, (1, pt_to_px(MIN_VERTICAL_RULE_PT, dpi))))
    return horizontal, vertical


def _edges(profile: np.ndarray, threshold: float, merge_px: int) -> list[float]:
    """Centres of the runs of positions whose profile reaches the threshold."""
    hits = np.flatnonzero(profile >= threshold)
    if hits.size == 0:
        return []
    edges: list[float] = []
    start = prev = int(hits[0])
    for h in hits[1:]:
        h = int(h)
        if h - prev > merge_px:
            edges.append((start + prev) / 2)
            start = h
        prev = h
    edges.append((start + prev) / 2)
    return edges


def _drawn(mask: np.ndarray, *, x: float | None = None, y: float | None = None,
           span: tuple[float, float], band: int, share: float = DRAWN_SHARE) -> bool:
    """Whether the rule at x (vertical) or y (horizontal) is inked along ``span``."""
    a, b = int(round(span[0])), int(round(span[1]))
    inset = max(1, (b - a) // 8)  # away from the crossing rules at the ends
    a, b = a + inset, b - inset
    if b <= a:
        return True
    if x is not None:
        xi = int(round(x))
        strip = mask[a:b, max(0, xi - band):xi + band + 1]
        covered = strip.any(axis=1)
    else:
        yi = int(round(y or 0))
        strip = mask[max(0, yi - band):yi + band + 1, a:b]
        covered = strip.any(axis=0)
    return covered.size > 0 and float(covered.mean()) >= share


def _real_edges(mask: np.ndarray, edges: list[float], across: list[float], band: int, *,
                vertical: bool) -> list[float]:
    """The edges that are rules: drawn along the whole side of some cell of the grid."""
    kept = []
    for n, edge in enumerate(edges):
        if n in (0, len(edges) - 1):
            kept.append(edge)  # the frame
            continue
        spans = zip(across, across[1:])
        if any(_drawn(mask, **({"x": edge} if vertical else {"y": edge}), span=span, band=band,
                      share=FULL_SIDE_SHARE) for span in spans):
            kept.append(edge)
    return kept


def find_tables(ink: np.ndarray, dpi: float) -> list[TableGrid]:
    """Every ruled table on the page, top to bottom."""
    import cv2

    horizontal, vertical = ruling_masks(ink, dpi)
    rules = cv2.dilate(horizontal | vertical, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    merge = pt_to_px(EDGE_MERGE_PT, dpi)
    band = max(2, merge // 2 + 1)
    min_side = pt_to_px(MIN_RULE_PT, dpi)
    grids: list[TableGrid] = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if w < min_side or h < pt_to_px(MIN_VERTICAL_RULE_PT, dpi):
            continue
        region_h = horizontal[y:y + h, x:x + w]
        region_v = vertical[y:y + h, x:x + w]
        # A rule is an edge where a long enough run of it exists in the region.
        ys = _edges((region_h > 0).sum(axis=1), min_side, merge)
        xs = _edges((region_v > 0).sum(axis=0), pt_to_px(MIN_VERTICAL_RULE_PT, dpi), merge)
        if len(ys) < 2 or len(xs) < 2:
            continue  # a lone rule (an underline, a signature line), not a table
        ys = [v + y for v in ys]
        xs = [v + x for v in xs]
        ys = _real_edges(horizontal, ys, xs, band, vertical=False)
        xs = _real_edges(vertical, xs, ys, band, vertical=True)
        grid = _grid(horizontal, vertical, ys, xs, band)
        if grid.n_cols < 2:
            continue  # a boxed paragraph, not a table: its text stays as lines (as for PDFs)
        grids.append(grid)
    grids.sort(key=lambda g: g.box.top)
    return grids


def _grid(horizontal: np.ndarray, vertical: np.ndarray, ys: list[float], xs: list[float],
          band: int) -> TableGrid:
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for r in range(n_rows):
        for c in range(n_cols):
            here = r * n_cols + c
            if c + 1 < n_cols and not _drawn(vertical, x=xs[c + 1], span=(ys[r], ys[r + 1]), band=band):
                join(here, here + 1)
            if r + 1 < n_rows and not _drawn(horizontal, y=ys[r + 1], span=(xs[c], xs[c + 1]), band=band):
                join(here, here + n_cols)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0 = min(r for r, _ in members)
        r1 = max(r for r, _ in members)
        c0 = min(c for _, c in members)
        c1 = max(c for _, c in members)
        box = Box(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, box))
    cells.sort(key=lambda cell: (cell.row, cell.col))
    # A merged group that is not a rectangle is read as its bounding rectangle; a
    # position two groups claim goes to the first.
    claimed: set[tuple[int, int]] = set()
    kept = []
    for cell in cells:
        spots = {(r, c) for r in range(cell.row, cell.row + cell.rowspan)
                 for c in range(cell.col, cell.col + cell.colspan)}
        if (cell.row, cell.col) in claimed:
            continue
        claimed |= spots
        kept.append(cell)
    return TableGrid(Box(xs[0], ys[0], xs[-1], ys[-1]), tuple(ys), tuple(xs), tuple(kept))


def cell_texts(grid: TableGrid, texts: dict[tuple[int, int], str]) -> list[list[str | None]]:
    """The grid as rows of cell texts: the text at a cell's top-left position, None where
    a merged cell covers, '' for an empty cell (pdfplumber's shape)."""
    rows: list[list[str | None]] = [[None] * grid.n_cols for _ in range(grid.n_rows)]
    for cell in grid.cells:
        rows[cell.row][cell.col] = texts.get((cell.row, cell.col), "")
    return rows


def ink_share(ink: np.ndarray, box: Box, inset: float) -> float:
    """The share of inked pixels inside ``box`` shrunk by ``inset`` pixels (away from its rules)."""
    x0, top = int(box.x0 + inset), int(box.top + inset)
    x1, bottom = int(box.x1 - inset), int(box.bottom - inset)
    if x1 <= x0 or bottom <= top:
        return 0.0
    return float((ink[top:bottom, x0:x1] > 0).mean())
