"""A PDF page as an image, with the cited cell or passage highlighted.

pdfplumber renders the page (through pypdfium2). Reports often use fonts they do
not embed (the generated samples use STSong-Light): pdfium then substitutes a
system font, and where none covers CJK the glyphs are left out — the page,
its table rules, digits and the highlight still show.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from ingest.errors import NotFound
from ingest.models import BBox
from ingest.text import fold_label

RESOLUTION = 110  # dpi: an A4 page is about 910 x 1290 pixels
FILL = (255, 214, 0, 96)
EDGE = (230, 81, 0, 255)
PAD = 2.0  # points around a highlighted box
MIN_LINE_CHARS = 4  # shorter lines (page numbers, "2023") match quotes by accident
MIN_OVERLAP = 6


def render_page(pdf_path: str | Path, page: int, *, bbox: BBox | None = None, quote: str | None = None,
                resolution: int = RESOLUTION) -> Image.Image:
    """Page ``page`` (1-based) of the PDF as an RGB image.

    With ``bbox`` that box is highlighted; otherwise the lines that carry ``quote``
    are, when the page text has them. ``image.info["highlights"]`` says how many
    boxes were drawn (0: the page is shown as it is).
    """
    import pdfplumber

    path = Path(pdf_path)
    if not path.is_file():
        raise NotFound(f"原文件不存在：{path}（它可能已被移动或删除）")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pdfplumber.open(path) as pdf:
            if not 1 <= page <= len(pdf.pages):
                raise NotFound(f"{path.name} 没有第 {page} 页（共 {len(pdf.pages)} 页）")
            pdf_page = pdf.pages[page - 1]
            boxes = [bbox] if bbox is not None else quote_boxes(pdf_page, quote or "")
            image = pdf_page.to_image(resolution=resolution).original.convert("RGB")
            origin = (float(pdf_page.bbox[0]), float(pdf_page.bbox[1]))
    out = highlight(image, boxes, scale=resolution / 72.0, origin=origin)
    out.info["highlights"] = len(boxes)
    return out


def render_image_page(image_path: str | Path, page: int, *, bbox: BBox | None = None,
                      resolution: int = RESOLUTION) -> Image.Image:
    """Page ``page`` (a frame of a TIFF; 1 for PNG/JPEG) of a scanned image, at the size the
    page preview shows PDF pages, with ``bbox`` (points of the image at its resolution, as the
    OCR loader gives them) highlighted."""
    from PIL import ImageSequence, UnidentifiedImageError

    from ingest.ocr import image_page_size

    path = Path(image_path)
    if not path.is_file():
        raise NotFound(f"原文件不存在：{path}（它可能已被移动或删除）")
    try:
        frames = ImageSequence.Iterator(Image.open(path))
        frame = next((f for n, f in enumerate(frames, start=1) if n == page), None)
    except (UnidentifiedImageError, OSError) as exc:
        raise NotFound(f"{path.name} 无法打开（{type(exc).__name__}）") from None
    if frame is None:
        raise NotFound(f"{path.name} 没有第 {page} 页")
    width_pt, height_pt = image_page_size(frame)
    scale = resolution / 72.0
    shown = frame.convert("RGB").resize((max(1, round(width_pt * scale)), max(1, round(height_pt * scale))))
    boxes = [bbox] if bbox is not None else []
    out = highlight(shown, boxes, scale=scale)
    out.info["highlights"] = len(boxes)
    return out


def highlight(image: Image.Image, boxes: Sequence[BBox], *, scale: float,
              origin: tuple[float, float] = (0.0, 0.0)) -> Image.Image:
    """Boxes in PDF points (top-left origin) drawn as translucent marks with an edge."""
    if not boxes:
        return image
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    width = max(2, round(scale * 1.5))
    for box in boxes:
        x0 = (box.x0 - origin[0] - PAD) * scale
        top = (box.top - origin[1] - PAD) * scale
        x1 = (box.x1 - origin[0] + PAD) * scale
        bottom = (box.bottom - origin[1] + PAD) * scale
        draw.rectangle((x0, top, x1, bottom), fill=FILL, outline=EDGE, width=width)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def _compact(text: str) -> str:
    return fold_label(text)


def _overlap(line: str, quote: str) -> int:
    """How many characters the end of one meets the start of the other."""
    best = 0
    for k in range(MIN_OVERLAP, min(len(line), len(quote)) + 1):
        if line.endswith(quote[:k]) or quote.endswith(line[:k]):
            best = k
    return best


def quote_boxes(pdf_page, quote: str) -> list[BBox]:
    """Boxes of the page's text lines that carry ``quote`` (a stored, normalised passage)."""
    wanted = _compact(quote)
    if len(wanted) < 2:
        return []
    boxes: list[BBox] = []
    for line in pdf_page.extract_text_lines(keep_blank_chars=False):
        text = _compact(line["text"])
        if not text:
            continue
        inside = len(text) >= MIN_LINE_CHARS and text in wanted
        holds = len(wanted) >= MIN_LINE_CHARS and wanted in text
        if inside or holds or _overlap(text, wanted):
            boxes.append(BBox(line["x0"], line["top"], line["x1"], line["bottom"]))
    return boxes
