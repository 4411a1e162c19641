"""Loading: a file on disk -> a Document of text lines and table rows in reading order.

Each loader keeps what a citation needs: page numbers and, for PDFs, the
bounding box of every table cell. Bad input raises InputError naming the file.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

from .errors import InputError, UnsupportedFile
from .models import BBox, Block, Cell, Document
from .ocr import MIN_TEXT_LAYER_CHARS, OcrOptions, PageProgress
from .text import normalize_text

SUPPORTED_SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx",
                      ".txt": "text", ".md": "text", ".markdown": "text",
                      ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image",
                      ".tiff": "image"}

for _noisy in ("pdfminer", "pdfplumber"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


def source_kind(path: Path) -> str:
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFile(str(path), f"unsupported file type '{path.suffix or 'none'}' "
                                         f"(supported: {supported})")
    return kind


def check_file(path: Path, max_bytes: int) -> str:
    """Type and size checks that need no parsing; returns the source kind."""
    kind = source_kind(path)
    if not path.is_file():
        raise InputError(str(path), "not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(str(path), "the file is empty (0 bytes)")
    if size > max_bytes:
        raise InputError(str(path), f"the file is {size / 1e6:.1f} MB, over the limit of "
                                    f"{max_bytes / 1e6:.0f} MB (ingest.max_file_mb in config.yaml)")
    return kind


def load(path: Path, max_bytes: int = 50_000_000, ocr: OcrOptions = OcrOptions(),
         pages: PageProgress | None = None) -> Document:
    """The file as a Document. ``ocr`` says whether and how scanned pages are read;
    ``pages(done, total)`` is told as each page of a PDF or image is read."""
    kind = check_file(path, max_bytes)
    if kind == "pdf":
        return load_pdf(path, ocr, pages)
    if kind == "image":
        return load_image(path, ocr, pages)
    loader = {"html": load_html, "docx": load_docx, "text": load_text}[kind]
    return loader(path)


# ------------------------------------------------------------------------ PDF


def load_pdf(path: Path, ocr: OcrOptions = OcrOptions(), pages: PageProgress | None = None) -> Document:
    """Text layer and tables by pdfplumber; with OCR on, a page without a text layer is
    rendered (pypdfium2, at ``ocr.dpi``) and read from its image."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    name = str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pdfplumber.open(path) as pdf:
                blocks: list[Block] = []
                table_id = 0
                chars = 0
                scanned: list[int] = []
                page_count = len(pdf.pages)
                for number, page in enumerate(pdf.pages, start=1):
                    if ocr.enabled and len(page.chars) < MIN_TEXT_LAYER_CHARS:
                        page_blocks, table_id = _ocr_pdf_page(path, page, number, table_id, ocr)
                        scanned.append(number)
                        chars += _text_chars(page_blocks)
                    else:
                        page_blocks, table_id, page_chars = _pdf_page_blocks(page, number, table_id)
                        chars += page_chars
                    blocks.extend(page_blocks)
                    if pages:
                        pages(number, page_count)
                meta = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(name, "the PDF is encrypted (password protected); "
                               "save an unprotected copy and ingest that") from None
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise InputError(name, "the PDF is encrypted (password protected); "
                                   "save an unprotected copy and ingest that") from None
        raise InputError(name, f"the PDF is corrupt or unreadable ({_short(cause)})") from None
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(name, f"the PDF is corrupt or unreadable ({_short(exc)})") from None
    if page_count == 0:
        raise InputError(name, "the PDF has no pages")
    if chars < 20 and scanned:
        raise InputError(name, f"OCR found no text on the {len(scanned)} scanned page(s) "
                               "(blank pages, or a scan too faint to read)")
    if chars < 20:
        raise InputError(name, "the PDF has no text layer (scanned images only) and OCR is off "
                               "(ingest.ocr: off in config.yaml); set ingest.ocr: auto to read it")
    return Document(path=name, kind="pdf", blocks=tuple(blocks), page_count=page_count,
                    title_hint="", meta=meta, ocr_pages=tuple(scanned))


def _text_chars(blocks: list[Block]) -> int:
    return sum(len(b.text) + sum(len(c.text or "") for c in b.cells) for b in blocks)


def _ocr_pdf_page(path: Path, page, number: int, table_id: int, ocr: OcrOptions) -> tuple[list[Block], int]:
    """A page without a text layer, rendered and read by OCR; boxes in the page's points."""
    import pypdfium2

    from .ocr import engine, read_page

    document = pypdfium2.PdfDocument(str(path))
    try:
        image = document[number - 1].render(scale=ocr.dpi / 72.0).to_pil()
    finally:
        document.close()
    read = read_page(image, number, page_size=(float(page.width), float(page.height)),
                     ocr=engine(ocr.threads), dpi=ocr.dpi, first_table_id=table_id)
    return list(read.blocks), table_id + read.tables


# ----------------------------------------------------------------------- images


def load_image(path: Path, ocr: OcrOptions = OcrOptions(), pages: PageProgress | None = None) -> Document:
    """A scanned page as an image file (PNG, JPEG, TIFF; a multi-page TIFF is one page a
    frame), read by OCR. Boxes are in points of the image at its resolution."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from .ocr import engine, image_dpi, image_page_size, read_page

    name = str(path)
    if not ocr.enabled:
        raise InputError(name, "an image can only be read by OCR, and OCR is off "
                               "(ingest.ocr: off in config.yaml); set ingest.ocr: auto to read it")
    try:
        image = Image.open(path)
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(name, f"the image is corrupt or not an image ({_short(exc)})") from None
    blocks: list[Block] = []
    table_id = 0
    for number, frame in enumerate(frames, start=1):
        read = read_page(frame, number, page_size=image_page_size(frame), ocr=engine(ocr.threads),
                         dpi=image_dpi(frame), first_table_id=table_id)
        blocks.extend(read.blocks)
        table_id += read.tables
        if pages:
            pages(number, len(frames))
    if _text_chars(blocks) < 20:
        raise InputError(name, "OCR found no text in the image (a blank or unreadable scan)")
    return Document(path=name, kind="image", blocks=tuple(blocks), page_count=len(frames),
                    ocr_pages=tuple(range(1, len(frames) + 1)))


def _short(exc: object) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _pdf_page_blocks(page, number: int, table_id: int) -> tuple[list[Block], int, int]:
    """Table rows (with cell boxes) and the text lines outside tables, top to bottom."""
    positioned: list[tuple[float, int, Block]] = []
    table_boxes: list[BBox] = []
    for table in page.find_tables():
        rows = table.extract()
        if not rows or max(len(r) for r in rows) < 2:
            continue  # a boxed paragraph, not a table: its text stays as lines
        table_id += 1
        box = BBox(*table.bbox)
        table_boxes.append(box)
        for raw_row, row in zip(rows, table.rows):
            cells = tuple(
                Cell(None if text is None else normalize_text(text),
                     BBox(*cell_box) if cell_box else None)
                for text, cell_box in zip(raw_row, row.cells)
            )
            row_box = BBox(*row.bbox)
            positioned.append((row_box.top, 1, Block("row", number, cells=cells,
                                                     table_id=table_id, bbox=row_box)))
    chars = len(page.chars)
    for line in page.extract_text_lines(keep_blank_chars=False):
        mid = (line["top"] + line["bottom"]) / 2
        if any(b.top <= mid <= b.bottom and line["x0"] < b.x1 and line["x1"] > b.x0
               for b in table_boxes):
            continue
        box = BBox(line["x0"], line["top"], line["x1"], line["bottom"])
        positioned.append((line["top"], 0, Block("text", number, text=normalize_text(line["text"]),
                                                 bbox=box)))
    positioned.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, block in positioned], table_id, chars


# ----------------------------------------------------------------------- HTML

_HTML_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "select", "option",
              "button", "form", "iframe", "svg", "head"}
_HTML_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article",
               "blockquote", "pre", "td", "th", "tr", "dd", "dt", "center"}


def load_html(path: Path) -> Document:
    from bs4 import BeautifulSoup

    name = str(path)
    data = path.read_bytes()
    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception as exc:  # lxml raises many types on broken input
        raise InputError(name, f"the HTML could not be parsed ({_short(exc)})") from None
    title = normalize_text(soup.title.get_text(" ", strip=True)) if soup.title else ""
    root = _html_article(soup)
    if root is None:
        raise InputError(name, "the HTML page has no body text")
    blocks: list[Block] = []
    _html_walk(root, blocks, [0])
    if not any(b.text.strip() or b.cells for b in blocks):
        raise InputError(name, "the HTML page has no text")
    return Document(path=name, kind="html", blocks=tuple(blocks), page_count=0, title_hint=title)


def _html_article(soup):
    """The element holding the report, without the site's navigation around it."""
    body = soup.body or soup
    for tag in body.find_all(_HTML_SKIP):
        tag.decompose()
    anchor = None
    for text in body.find_all(string=re.compile("总体情况")):
        anchor = text.parent
        break
    tables = body.find_all("table")
    if anchor is None:
        return body
    best = body
    for ancestor in anchor.parents:
        if ancestor is None or ancestor.name in ("html", "[document]"):
            break
        if all(t in ancestor.find_all("table") for t in tables[:1]) and \
                re.search("其他需要报告|存在的主要问题", ancestor.get_text()):
            best = ancestor
            break
    return best


def _html_walk(node, blocks: list[Block], table_counter: list[int]) -> None:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush() -> None:
        text = normalize_text("".join(buffer))
        for line in text.split("\n"):
            if line.strip():
                blocks.append(Block("text", None, text=line.strip()))
        buffer.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in ("Comment", "Doctype", "ProcessingInstruction"):
                continue
            buffer.append(str(child))
        elif isinstance(child, Tag):
            if child.name in _HTML_SKIP:
                continue
            if child.name == "br":
                buffer.append("\n")
            elif child.name == "table":
                flush()
                table_counter[0] += 1
                for cells in html_table_grid(child):
                    blocks.append(Block("row", None, cells=cells, table_id=table_counter[0]))
            elif child.name in _HTML_BLOCK or child.find(["table", "p", "div", "br"]):
                flush()
                _html_walk(child, blocks, table_counter)
            else:
                buffer.append(child.get_text())
    flush()


def html_table_grid(table) -> list[tuple[Cell, ...]]:
    """Expand rowspan/colspan; a spanned position holds Cell(None) like pdfplumber."""
    grid: dict[tuple[int, int], Cell] = {}
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in grid:
                c += 1
            rowspan = _span(td.get("rowspan"))
            colspan = _span(td.get("colspan"))
            text = normalize_text(td.get_text("\n", strip=True))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = Cell(text if dr == dc == 0 else None)
            c += colspan
    width = max((c for _, c in grid), default=-1) + 1
    return [tuple(grid.get((r, c), Cell("")) for c in range(width)) for r in range(len(rows))]


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 200))
    except (TypeError, ValueError):
        return 1


# ----------------------------------------------------------------------- DOCX


def load_docx(path: Path) -> Document:
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    name = str(path)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(name, f"the Word file is corrupt or not a .docx ({_short(exc)})") from None
    blocks: list[Block] = []
    table_id = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            for line in normalize_text(item.text).split("\n"):
                if line.strip():
                    blocks.append(Block("text", None, text=line.strip()))
        elif isinstance(item, Table):
            table_id += 1
            for row in item.rows:
                seen: set[int] = set()
                cells = []
                for cell in row.cells:
                    key = id(cell._tc)
                    cells.append(Cell(None if key in seen else normalize_text(cell.text)))
                    seen.add(key)
                blocks.append(Block("row", None, cells=tuple(cells), table_id=table_id))
    if not blocks:
        raise InputError(name, "the Word file has no text")
    title = normalize_text(document.core_properties.title or "")
    return Document(path=name, kind="docx", blocks=tuple(blocks), page_count=0, title_hint=title)


# ----------------------------------------------------------------------- text

_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def read_text_file(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(str(path), "the file is binary, not text")
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(str(path), "the text encoding is not UTF-8, UTF-16 or GB18030")


# Markdown headings and emphasis: the words stay, the marks go ("## 表二" -> "表二", "**一是**" -> "一是").
_MD_MARKUP = re.compile(r"^\s*#{1,6}\s+|\*\*")


def load_text(path: Path) -> Document:
    text = normalize_text(read_text_file(path))
    blocks: list[Block] = []
    table_id = 0
    in_table = False
    for line in text.split("\n"):
        if _MD_SEPARATOR.match(line) and "-" in line:
            continue
        cells = split_row(line)
        if cells is None:
            in_table = False
            line = _MD_MARKUP.sub("", line).strip()
            if line:
                blocks.append(Block("text", None, text=line))
            continue
        if not in_table:
            table_id += 1
            in_table = True
        blocks.append(Block("row", None, cells=tuple(Cell(c) for c in cells), table_id=table_id))
    if not any(b.text or b.cells for b in blocks):
        raise InputError(str(path), "the file has no text")
    return Document(path=str(path), kind="text", blocks=tuple(blocks), page_count=0)


def split_row(line: str) -> list[str] | None:
    """Cells of a tab- or pipe-separated table row, or None for a prose line."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
        return [c.strip() for c in stripped[1:-1].split("|")]
    if "\t" in line.strip("\n") and line.strip():
        # A trailing empty cell is a blank table cell (总计 left empty), not layout: keep it.
        cells = [c.strip() for c in line.rstrip("\n").split("\t")]
        return cells if sum(1 for c in cells if c) >= 2 or (len(cells) >= 2 and cells[0]) else None
    return None
