"""Scans of generated reports, for the OCR tests and benchmarks.

A generated report PDF (``samples.write_pdf``) is printed to page images with pdfium at
a chosen DPI, then made to look scanned: a slight rotation, grain, JPEG artefacts. The
pages are written as an image-only PDF (no text layer) or as image files.

pdfium draws the reports' Chinese glyphs only when the system has a CJK font (the
samples use the non-embedded STSong-Light); ``cjk_font_available`` says whether it
does (Debian: fonts-wqy-microhei, which .ci/run installs).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Distortion:
    """How a page image is spoiled to look scanned."""

    name: str = "clean"
    rotate_deg: float = 0.0  # counter-clockwise
    noise: float = 0.0  # standard deviation of grey-level grain (0-255)
    jpeg_quality: int | None = None  # JPEG round trip at this quality
    blur: float = 0.0  # Gaussian radius in pixels (a soft scan)


# What the tests and the speed benchmark scan with: a slightly turned, grainy, compressed page.
SKEWED_SCAN = Distortion("scan", rotate_deg=1.2, noise=10.0, jpeg_quality=60)

DISTORTIONS: tuple[Distortion, ...] = (
    Distortion("clean"),
    Distortion("noise", noise=18.0),
    Distortion("rotated 1.5°", rotate_deg=1.5),
    Distortion("jpeg q35", jpeg_quality=35),
    Distortion("all: -1°, noise, blur, jpeg q50", rotate_deg=-1.0, noise=12.0, jpeg_quality=50, blur=0.6),
)


def cjk_font_available() -> bool:
    """Whether fontconfig knows a font with Chinese glyphs (pdfium substitutes from them)."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def render_pages(pdf_path: str | Path, dpi: int) -> list[Image.Image]:
    """Every page of the PDF as a greyscale image at ``dpi``."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [page.render(scale=dpi / 72.0).to_pil().convert("L") for page in document]
    finally:
        document.close()


def distort(image: Image.Image, distortion: Distortion, seed: int = 0) -> Image.Image:
    """The page as a scanner might give it."""
    import numpy as np

    out = image.convert("L")
    if distortion.rotate_deg:
        out = out.rotate(distortion.rotate_deg, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if distortion.blur:
        out = out.filter(ImageFilter.GaussianBlur(distortion.blur))
    if distortion.noise:
        rng = np.random.default_rng(seed)
        grain = rng.normal(0.0, distortion.noise, (out.height, out.width))
        out = Image.fromarray(np.clip(np.asarray(out, float) + grain, 0, 255).astype(np.uint8))
    if distortion.jpeg_quality:
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=distortion.jpeg_quality)
        out = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return out


def scan_pages(pdf_path: str | Path, dpi: int, distortion: Distortion = Distortion(),
               seed: int = 0) -> list[Image.Image]:
    return [distort(page, distortion, seed + n) for n, page in enumerate(render_pages(pdf_path, dpi))]


def write_image_pdf(pages: list[Image.Image], path: str | Path, dpi: int) -> Path:
    """The pages as a PDF of images only (no text layer), each page its image at ``dpi``."""
    path = Path(path)
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return path


def write_images(pages: list[Image.Image], stem: str | Path, dpi: int, suffix: str = ".png") -> list[Path]:
    """One image file a page (``stem-1.png`` …), with its resolution recorded."""
    stem = Path(stem)
    paths = []
    for n, page in enumerate(pages, start=1):
        path = stem.with_name(f"{stem.name}-{n}{suffix}")
        page.save(path, dpi=(dpi, dpi))
        paths.append(path)
    return paths


def write_long_image(pages: list[Image.Image], path: str | Path, dpi: int) -> Path:
    """All pages one under the other in one image (a "long picture", as some sites publish)."""
    path = Path(path)
    width = max(p.width for p in pages)
    sheet = Image.new("L", (width, sum(p.height for p in pages)), 255)
    top = 0
    for page in pages:
        sheet.paste(page.convert("L"), (0, top))
        top += page.height
    sheet.save(path, dpi=(dpi, dpi))
    return path


def write_tiff(pages: list[Image.Image], path: str | Path, dpi: int) -> Path:
    """All pages as one multi-page TIFF."""
    path = Path(path)
    first, *rest = pages
    first.save(path, save_all=True, append_images=rest, dpi=(dpi, dpi), compression="tiff_deflate")
    return path
