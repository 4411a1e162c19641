"""OCR speed on one core: scanned pages read per second, and the process's peak memory.

    python scripts/bench_ocr.py [--dpi 150 200] [--pages 6]

Generated reports (both template forms) are printed to page images at each DPI and
read by ``ingest.ocr.read_page`` exactly as the loader reads a scanned page (skew,
orientation, OCR, table grid, cells), with onnxruntime limited to one thread and the
process pinned to one core. Needs a CJK font (fonts-wqy-microhei) to print the pages.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.samples import make_report, write_pdf  # noqa: E402
from devtools.scans import SKEWED_SCAN, cjk_font_available, scan_pages  # noqa: E402
from ingest.ocr import engine, read_page  # noqa: E402

A4 = (595.2756, 841.8898)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    parser.add_argument("--pages", type=int, default=6, help="pages read per DPI")
    args = parser.parse_args()
    if not cjk_font_available():
        print("no CJK font: pdfium cannot draw the reports' glyphs (apt-get install fonts-wqy-microhei)")
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    ocr = engine(threads=1)
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = [write_pdf(make_report("望川县人民政府", 2023, "2021", 7), Path(tmp) / "a.pdf"),
                write_pdf(make_report("青石市生态环境局", 2020, "2019", 11), Path(tmp) / "b.pdf")]
        for dpi in args.dpi:
            pages = [p for pdf in pdfs for p in scan_pages(pdf, dpi, SKEWED_SCAN)]
            pages = (pages * (args.pages // len(pages) + 1))[:args.pages]
            read_page(pages[0], 1, page_size=A4, ocr=ocr, dpi=dpi)  # models loaded, caches warm
            started = time.perf_counter()
            cells = 0
            for n, page in enumerate(pages, start=1):
                result = read_page(page, n, page_size=A4, ocr=ocr, dpi=dpi)
                cells += sum(len(b.cells) for b in result.blocks)
            seconds = time.perf_counter() - started
            print(f"{dpi} dpi: {len(pages)} pages in {seconds:.1f} s = {len(pages) / seconds:.3f} pages/s "
                  f"({seconds / len(pages):.1f} s/page, {cells} table cells), one core", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
