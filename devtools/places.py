"""A corpus of generated reports by organs of real places (the reports' figures are invented).

For agency identity and question understanding: several organs of one place (a
government, its office, bureaus), one organ printed two ways across years, a place
printed with an OCR look-alike character, departments of a zone that is no division,
a district beside the city of the same name, and a fictional agency no gazetteer knows.

    reports = write_places_corpus(folder)      # PlacesReport per file
    by_agency(reports)                         # agency name -> {year: SampleReport}
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import samples

# (printed name, the name xxgk gives the agency, years, file form)
PLACES: tuple[tuple[str, str, tuple[int, ...], str], ...] = (
    ("平潭综合实验区管委会", "平潭综合实验区管委会", (2021, 2022, 2023), "text"),
    ("平潭综合实验区公安局", "平潭综合实验区公安局", (2021, 2022), "pdf"),
    ("平潭综合实验区交通与建设局", "平潭综合实验区交通与建设局", (2022,), "html"),
    ("平潭综合实验区财政金融局", "平潭综合实验区财政金融局", (2022,), "text"),
    ("淮安市人民政府", "淮安市人民政府", (2023, 2024), "pdf"),
    ("淮安市淮安区人民政府", "淮安区人民政府", (2023,), "text"),  # printed with its city …
    ("淮安区人民政府", "淮安区人民政府", (2024,), "html"),  # … and without: one agency
    ("淮安市教育局", "淮安市教育局", (2024,), "text"),
    ("沭阳县发展和改革局", "沭阳县发展和改革局", (2022, 2023), "pdf"),
    ("沭阳县人民政府办公室", "沭阳县人民政府办公室", (2023,), "text"),
    ("宿迁市沐阳县交通运输局", "沭阳县交通运输局", (2023,), "text"),  # 沐 for 沭: an OCR look-alike
    ("海东市人民政府", "海东市人民政府", (2019, 2020), "text"),
    ("海东市教育局", "海东市教育局", (2019, 2020), "html"),
    ("黄山市屯溪区人民政府", "屯溪区人民政府", (2021, 2022), "text"),
    ("上海市浦东新区人民政府", "浦东新区人民政府", (2024,), "text"),
    ("青石市人民政府", "青石市人民政府", (2022, 2023), "text"),  # fictional: no gazetteer knows it
)


@dataclass(frozen=True)
class PlacesReport:
    path: Path
    printed: str  # the agency as the report prints it
    agency: str  # the agency as xxgk names it
    report: samples.SampleReport


def write_places_corpus(out_dir: str | Path, seed: int = 0) -> list[PlacesReport]:
    """Write every report of :data:`PLACES`; same arguments, same bytes."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for printed, agency, years, form in PLACES:
        profile = samples.agency_profile(agency)
        for year in years:
            version = samples.template_for_year(year)
            report = samples.make_report(printed, year, version,
                                         zlib.crc32(f"{seed}:{printed}:{year}".encode()), profile=profile)
            stem = f"{zlib.crc32(printed.encode()):08x}-{year}"
            writer = {"pdf": samples.write_pdf, "html": samples.write_html, "text": samples.write_text}[form]
            suffix = {"pdf": ".pdf", "html": ".html", "text": ".txt"}[form]
            written.append(PlacesReport(writer(report, out / f"{stem}{suffix}"), printed, agency, report))
    return written


def by_agency(reports: Sequence[PlacesReport]) -> dict[str, dict[int, samples.SampleReport]]:
    out: dict[str, dict[int, samples.SampleReport]] = {}
    for r in reports:
        out.setdefault(r.agency, {})[r.report.year] = r.report
    return out
