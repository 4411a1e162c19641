"""How well scanned reports read: generated reports printed to images, spoiled like scans,
ingested, and every fact compared with the digital original's.

    python scripts/ocr_accuracy.py [--dpi 150 200] [--quick]

For each template version (2019 and 2021 forms, 表三 split over two pages), DPI and
distortion (devtools.scans.DISTORTIONS), the pages go in as an image-only PDF, and, clean
and with every distortion at once, as one long PNG. Printed per case: the share of the digital report's cells stored with the same
value (the printed text equal but for spaces), cells withheld (reported, not stored), cells corrected by the identities, and wrong
values stored — with and without a finding on them. Needs a CJK font (fonts-wqy-microhei).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools.samples import make_report, write_pdf  # noqa: E402
from devtools.scans import DISTORTIONS, cjk_font_available, scan_pages, write_image_pdf, write_long_image  # noqa: E402
from ingest.loaders import load  # noqa: E402
from ingest.ocr import OcrOptions  # noqa: E402
from ingest.pipeline import parse_document  # noqa: E402

REPORTS = (("望川县人民政府", 2023, "2021", 7), ("青石市生态环境局", 2020, "2019", 11))


@dataclass
class Outcome:
    cells: int = 0
    equal: int = 0
    withheld: int = 0
    corrected: int = 0
    wrong_flagged: int = 0
    wrong_silent: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, other: Outcome) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def compare(digital_pdf: Path, scan: Path, dpi: int) -> Outcome:
    truth = {(f.table, f.row, f.column): f for f in parse_document(load(digital_pdf)).facts}
    started = time.perf_counter()
    doc = load(scan, ocr=OcrOptions(dpi=dpi))
    parsed = parse_document(doc)
    seconds = time.perf_counter() - started
    read = {(f.table, f.row, f.column): f for f in parsed.facts}
    flagged = {cell for finding in parsed.findings for cell in finding.cells}
    out = Outcome(cells=len(truth), pages=len(doc.ocr_pages), seconds=seconds,
                  corrected=len(parsed.corrections))
    for key, fact in truth.items():
        got = read.get(key)
        if got is None:
            out.withheld += 1
        elif "".join(got.raw.split()) == "".join(fact.raw.split()) and got.value == fact.value:
            out.equal += 1
        elif key in flagged:
            out.wrong_flagged += 1
        else:
            out.wrong_silent += 1
            print(f"    WRONG {key}: {fact.raw!r} read {got.raw!r} ({got.confidence})", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200])
    parser.add_argument("--quick", action="store_true", help="clean and the combined distortion only")
    args = parser.parse_args()
    if not cjk_font_available():
        print("no CJK font: pdfium cannot draw the reports' glyphs (apt-get install fonts-wqy-microhei)")
        return 2
    distortions = [DISTORTIONS[0], DISTORTIONS[-1]] if args.quick else list(DISTORTIONS)
    totals: dict[tuple[int, str], Outcome] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for agency, year, version, seed in REPORTS:
            digital = write_pdf(make_report(agency, year, version, seed), folder / f"{version}.pdf")
            for dpi in args.dpi:
                for distortion in distortions:
                    pages = scan_pages(digital, dpi, distortion, seed)
                    forms = [("pdf", write_image_pdf(pages, folder / "scan.pdf", dpi))]
                    if distortion in (DISTORTIONS[0], DISTORTIONS[-1]):  # the image path, clean and worst
                        forms.append(("png", write_long_image(pages, folder / "scan.png", dpi)))
                    for form, path in forms:
                        outcome = compare(digital, path, dpi)
                        totals.setdefault((dpi, distortion.name), Outcome()).add(outcome)
                        print(f"{version} {dpi} dpi {distortion.name:32} {form}: "
                              f"{outcome.equal}/{outcome.cells} equal, {outcome.withheld} withheld, "
                              f"{outcome.corrected} corrected, wrong {outcome.wrong_flagged} flagged "
                              f"{outcome.wrong_silent} silent ({outcome.seconds:.1f} s)", flush=True)
    print("\n| DPI | distortion | cells equal | withheld | corrected | wrong, with a finding | "
          "wrong, no finding | s/page |")
    print("|---|---|---|---|---|---|---|---|")
    for (dpi, name), o in sorted(totals.items()):
        print(f"| {dpi} | {name} | {o.equal}/{o.cells} ({100 * o.equal / o.cells:.1f} %) | {o.withheld} | "
              f"{o.corrected} | {o.wrong_flagged} | {o.wrong_silent} | {o.seconds / max(o.pages, 1):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
