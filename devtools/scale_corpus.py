"""A corpus of N generated report PDFs, with gold questions, for benchmarks at scale.

Built on :mod:`devtools.samples`. Agencies are invented: a two-character place
name drawn from syllable pools (any likeness to a real place is accidental),
a level (市/县) and one of the organs the question parser can name in English.
Each agency reports for a run of consecutive years, so both template versions
occur and 上年结转 chains year to year. Every report gets its own layout: where
表三 breaks across pages (any data row), whether the label breaks with it,
column widths, body and table font sizes, and whether numbers are printed in a
Latin font; about half leave zero legal-person cells blank (as samples does).
A known fraction of reports breaks exactly one identity.

:func:`plan_corpus`, :func:`build_reports` and :func:`scale_gold` are pure;
:func:`write_scale_corpus` writes ``pdf/<stem>.pdf``, ``gold.jsonl`` and
``manifest.jsonl`` (one line per report: agency, year, template, layout,
whether it was made inconsistent and which cell).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from pypinyin import lazy_pinyin

from devtools import samples
from devtools.samples import Agency, SampleReport
from ingest import template as tpl
from ingest.template import T3

YEARS = tuple(range(2019, 2025))
_FIRST = "青望云松柳梅竹桐枫榆槐杏桃兰芷菱荷砚墨琴鹤燕鹭雁岚霞泽涧苍翠"
_SECOND = "川岭江河泉溪湾原丘峰坪塘浦渚阳宁陵屏岩"
_RESERVED = {"青石", "望川"}  # the places of samples.AGENCIES


@dataclass(frozen=True)
class _Organ:
    zh: str
    en: str  # as ingest/domain/organs.yaml names it in English
    code: str  # slug suffix
    short: str  # after the level: 市 + 教育局
    leader: str
    scale: tuple[int, int]  # range of yearly disclosure requests
    enforcement: tuple[int, int]
    makes_rules: bool = False
    city_only: bool = False


_GOVERNMENT = _Organ("人民政府", "People's Government", "gov", "政府", "政府办公室副主任",
                     (120, 900), (8, 40), makes_rules=True)
_BUREAUS: tuple[_Organ, ...] = (
    _Organ("教育局", "Education Bureau", "edu", "教育局", "副局长", (15, 90), (0, 2)),
    _Organ("发展和改革局", "Development and Reform Bureau", "fgj", "发改局", "副局长", (6, 40), (1, 3)),
    _Organ("生态环境局", "Ecology and Environment Bureau", "sthj", "生态环境局", "副局长",
           (20, 120), (2, 8)),
    _Organ("科学技术局", "Science and Technology Bureau", "kjj", "科技局", "副局长", (4, 30), (0, 1)),
    _Organ("发展和改革委员会", "Development and Reform Commission", "fgw", "发改委", "副主任",
           (10, 60), (1, 3), city_only=True),
)
_LEVELS = {"市": "Municipal", "县": "County"}
_LEVEL_SLUGS = {"市": "shi", "县": "xian"}
_OTHER_LEVEL = {"市": "县", "县": "市"}


@dataclass(frozen=True)
class Layout:
    """How one report is printed: keyword options of :func:`devtools.samples.write_pdf`."""

    split_table3_at: int
    break_label: bool
    col_widths: str
    font_size: float
    cell_font_size: float
    number_font: str | None

    def pdf_options(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PlannedReport:
    stem: str
    profile: Agency
    year: int
    version: str
    seed: int
    inconsistent: bool
    layout: Layout


def _places(rng: random.Random) -> Iterable[tuple[str, str]]:
    """(place stem, its pinyin), each pinyin once, in a seeded order."""
    pairs = [a + b for a in _FIRST for b in _SECOND if a != b]
    rng.shuffle(pairs)
    seen: set[str] = set()
    for stem in pairs:
        spelled = "".join(lazy_pinyin(stem))
        if stem in _RESERVED or spelled in seen:
            continue
        seen.add(spelled)
        yield stem, spelled


def _profile(stem: str, spelled: str, level: str, organ: _Organ, rng: random.Random, *,
             second_level: bool = False) -> Agency:
    place = stem + level
    name = place + organ.zh
    en_place = spelled.capitalize()
    slug = f"{spelled}-{_LEVEL_SLUGS[level]}-{organ.code}" if second_level else f"{spelled}-{organ.code}"
    return Agency(
        name=name, en=f"the {en_place} {_LEVELS[level]} {organ.en}", slug=slug,
        short=level + organ.short, office=f"{name}办公室", leader=organ.leader,
        scale=rng.randint(*organ.scale), makes_rules=organ.makes_rules,
        enforcement=rng.randint(*organ.enforcement))


def _layout(rng: random.Random, version: str) -> Layout:
    n_rows = len(tpl.t3_rows(version))
    return Layout(split_table3_at=rng.randint(1, n_rows - 1), break_label=rng.random() < 0.6,
                  col_widths=rng.choice(("standard", "narrow")),
                  font_size=rng.choice((10.5, 12, 12, 14)),
                  cell_font_size=rng.choice((7.5, 8, 8.5, 9)),
                  number_font=rng.choice((None, None, "Times-Roman", "Helvetica")))


def plan_corpus(n: int, *, seed: int = 0, inconsistent_fraction: float = 0.1) -> list[PlannedReport]:
    """N reports, agency by agency (so any prefix holds whole series), each agency a run
    of consecutive years. Exactly round(n * inconsistent_fraction) are made inconsistent."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0 <= inconsistent_fraction <= 1:
        raise ValueError("inconsistent_fraction must be in 0..1")
    rng = random.Random(f"scale:{seed}")
    series: list[tuple[Agency, list[int]]] = []
    total = 0
    places = _places(rng)
    first_pass: list[tuple[str, str, str]] = []
    second_pass: Iterator[tuple[str, str, str]] | None = None
    while total < n:
        got = next(places, None)
        if got is not None:
            stem, spelled = got
            level = rng.choice(("市", "市", "县"))
            first_pass.append((stem, spelled, level))
        else:
            # Every place name is taken: each comes back once at its other level
            # (青川市 then 青川县), so a 10,000-report corpus still has distinct agencies.
            if second_pass is None:
                second_pass = iter([(s, sp, _OTHER_LEVEL[lv]) for s, sp, lv in first_pass])
            try:
                stem, spelled, level = next(second_pass)
            except StopIteration:
                raise ValueError(f"more reports than the generator has agencies for ({total})") from None
        bureaus = [o for o in _BUREAUS if level == "市" or not o.city_only]
        for organ in [_GOVERNMENT, *rng.sample(bureaus, rng.randint(1, 3))]:
            length = rng.randint(2, len(YEARS))
            last = rng.randint(YEARS[0] + length - 1, YEARS[-1])
            years = list(range(last - length + 1, last + 1))
            profile = _profile(stem, spelled, level, organ, rng, second_level=second_pass is not None)
            series.append((profile, years))
            total += len(years)
    plan_rng = random.Random(f"scale-plan:{seed}")
    broken = set(plan_rng.sample(range(n), round(n * inconsistent_fraction)))
    planned: list[PlannedReport] = []
    for profile, years in series:
        for year in years:
            if len(planned) == n:
                return planned
            version = samples.template_for_year(year)
            planned.append(PlannedReport(
                stem=f"{profile.slug}-{year}", profile=profile, year=year, version=version,
                seed=plan_rng.randrange(1 << 30), inconsistent=len(planned) in broken,
                layout=_layout(plan_rng, version)))
    return planned


def build_reports(plan: Sequence[PlannedReport]) -> list[SampleReport]:
    """The reports of a plan; consecutive years of one agency chain 上年结转."""
    reports: list[SampleReport] = []
    for i, p in enumerate(plan):
        before = plan[i - 1] if i else None
        chained = before is not None and before.profile == p.profile and before.year == p.year - 1
        reports.append(samples.make_report(
            p.profile.name, p.year, p.version, p.seed, inconsistent=p.inconsistent,
            carried_over=reports[-1].carried_forward() if chained else None, profile=p.profile))
    return reports


def _entry(qid: str, report: str | None, agency: str, year: int | None, zh: str, en: str,
           answer: object, kind: str, evidence: str) -> dict[str, object]:
    return {"id": qid, "report": report, "agency": agency, "year": year, "question": zh,
            "question_en": en, "answer": answer, "kind": kind, "evidence": evidence}


def scale_gold(plan: Sequence[PlannedReport], reports: Sequence[SampleReport], *,
               seed: int = 0) -> list[dict[str, object]]:
    """Per report the sample generator's table and text questions; per agency one
    cross-year sum (when it has two years) and one unanswerable question."""
    gold: list[dict[str, object]] = []
    by_agency: dict[str, list[tuple[PlannedReport, SampleReport]]] = {}
    for p, report in zip(plan, reports):
        rng = random.Random(f"gold:{seed}:{p.stem}")
        gold += samples._report_questions(report, p.stem, rng, profile=p.profile)
        by_agency.setdefault(p.profile.slug, []).append((p, report))
    ref = (T3, "new_received", "total")
    for slug, items in by_agency.items():
        profile = items[0][0].profile
        a, e = profile.name, profile.en
        if len(items) >= 2:
            (pa, ra), (pb, rb) = items[-2], items[-1]
            na, nb = ra.number(ref), rb.number(ref)
            gold.append(_entry(
                f"{slug}-cross", f"{pa.stem},{pb.stem}", a, None,
                f"{a}{pa.year}年和{pb.year}年一共新收了多少件政府信息公开申请？",
                f"How many new disclosure requests did {e} receive in {pa.year} and {pb.year} combined?",
                na + nb, "cross", f"表三 本年新收 总计：{pa.year}={na}，{pb.year}={nb}"))
        first = items[0][0]
        if random.Random(f"unanswerable:{seed}:{slug}").random() < 0.5:
            missing = first.year - 1
            gold.append(_entry(
                f"{slug}-u01", None, a, missing, f"{a}{missing}年新收了多少件政府信息公开申请？",
                f"How many new disclosure requests did {e} receive in {missing}?",
                "unanswerable", "unanswerable", f"没有{missing}年的报告"))
        else:
            gold.append(_entry(
                f"{slug}-u01", None, a, first.year, f"{a}{first.year}年政府信息公开工作的经费预算是多少？",
                f"What was {e}'s {first.year} budget for information disclosure work?",
                "unanswerable", "unanswerable", "报告未提供经费预算"))
    return gold


def gold_subset(gold: Iterable[dict], plan: Sequence[PlannedReport]) -> list[dict]:
    """Gold items answerable from these reports alone: all their report stems are in the
    plan; unanswerable items when their agency is."""
    stems = {p.stem for p in plan}
    agencies = {p.profile.name for p in plan}
    out = []
    for item in gold:
        names = [s for s in str(item.get("report") or "").split(",") if s]
        if names and set(names) <= stems or not names and item.get("agency") in agencies:
            out.append(item)
    return out


def manifest_entry(p: PlannedReport, report: SampleReport) -> dict[str, object]:
    return {"stem": p.stem, "agency": p.profile.name, "year": p.year, "template": p.version,
            "inconsistent": p.inconsistent, "broken": list(report.broken) if report.broken else None,
            "layout": p.layout.pdf_options()}


def _write_one(args: tuple[SampleReport, Path, dict[str, object]]) -> Path:
    report, path, options = args
    return samples.write_pdf(report, path, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScaleCorpus:
    files: list[Path]
    gold: Path
    manifest: Path
    plan: list[PlannedReport]


def write_scale_corpus(out_dir: str | Path, n: int, *, seed: int = 0,
                       inconsistent_fraction: float = 0.1, workers: int = 1) -> ScaleCorpus:
    """Write N report PDFs with ``gold.jsonl`` and ``manifest.jsonl``; same arguments, same bytes."""
    out = Path(out_dir)
    (out / "pdf").mkdir(parents=True, exist_ok=True)
    plan = plan_corpus(n, seed=seed, inconsistent_fraction=inconsistent_fraction)
    reports = build_reports(plan)
    jobs = [(r, out / "pdf" / f"{p.stem}.pdf", p.layout.pdf_options()) for p, r in zip(plan, reports)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            files = list(pool.map(_write_one, jobs, chunksize=8))
    else:
        files = [_write_one(job) for job in jobs]
    gold = scale_gold(plan, reports, seed=seed)
    (out / "gold.jsonl").write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold),
                                    encoding="utf-8")
    (out / "manifest.jsonl").write_text(
        "".join(json.dumps(manifest_entry(p, r), ensure_ascii=False) + "\n" for p, r in zip(plan, reports)),
        encoding="utf-8")
    return ScaleCorpus(files, out / "gold.jsonl", out / "manifest.jsonl", plan)
