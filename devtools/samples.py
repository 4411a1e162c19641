"""Sample 政府信息公开工作年度报告 of fictional agencies, for tests and the demo.

Two layers:

* a pure data core, :func:`make_report`, which draws a report's tables from a
  seeded ``random.Random`` so that every identity of
  :func:`ingest.template.identities` holds (or exactly one is broken, on
  request), and writes prose that restates some figures and adds facts of its
  own;
* thin writers that print a :class:`SampleReport` the way real reports arrive:
  a Word-export-like PDF (:func:`write_pdf`), a saved web page
  (:func:`write_html`) and text copied out of a PDF (:func:`write_text`), plus
  :func:`write_corpus`, which writes a small corpus with a ``gold.jsonl``.

All labels come from :mod:`ingest.template`; the only strings spelt out here are
those the template module does not carry (the 表三 balance note, the
申请人情况 / 信息内容 header cells) and the prose itself.
"""

from __future__ import annotations

import html
import json
import random
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ingest import template as tpl
from ingest.template import T2, T3, T4, CellRef

# --------------------------------------------------------------------------
# Fictional agencies
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    """A fictional agency and the knobs that shape its figures."""

    name: str
    en: str
    slug: str  # file-stem prefix
    short: str  # how the report refers to itself, e.g. 市教育局
    office: str  # who compiles the report
    leader: str  # title of the person in charge of disclosure work
    scale: int  # rough number of disclosure requests a year
    makes_rules: bool = False  # may issue 规章
    enforcement: int = 1  # rough weight of licensing/penalty activity (0 = none)


# 青石市 and 望川县 are invented; neither is a real place.
AGENCIES: tuple[Agency, ...] = (
    Agency("青石市人民政府", "the Qingshi Municipal People's Government", "qingshi-gov",
           "市政府", "青石市人民政府办公室", "市政府副秘书长", 600, True, 40),
    Agency("青石市教育局", "the Qingshi Municipal Education Bureau", "qingshi-edu",
           "市教育局", "青石市教育局办公室", "副局长", 45, False, 1),
    Agency("望川县发展和改革局", "the Wangchuan County Development and Reform Bureau",
           "wangchuan-fgj", "县发改局", "望川县发展和改革局办公室", "副局长", 12, False, 1),
    Agency("望川县人民政府", "the Wangchuan County People's Government", "wangchuan-gov",
           "县政府", "望川县人民政府办公室", "县政府办公室主任", 150, False, 12),
    Agency("青石市生态环境局", "the Qingshi Municipal Ecology and Environment Bureau",
           "qingshi-sthj", "市生态环境局", "青石市生态环境局办公室", "副局长", 60, False, 4),
)


def agency_profile(agency: str) -> Agency:
    """The profile of a known fictional agency, or a modest default for any name."""
    for a in AGENCIES:
        if a.name == agency:
            return a
    slug = f"agency{zlib.crc32(agency.encode()) % 10000:04d}"
    return Agency(agency, agency, slug, "本机关", f"{agency}办公室", "副局长", 30)


def template_for_year(year: int) -> str:
    """Template version a report for ``year`` uses (2019 form for 2019 and 2020)."""
    return tpl.TEMPLATE_2019 if year <= 2020 else tpl.TEMPLATE_2021


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------

APPLICANT_COLUMNS: tuple[str, ...] = tuple(c.key for c in tpl.T3_COLUMNS[:-1])
LEGAL_PERSON_COLUMNS: tuple[str, ...] = APPLICANT_COLUMNS[1:]


@dataclass(frozen=True)
class SampleReport:
    agency: str
    year: int
    version: str  # "2019" or "2021"
    title: str
    preface: str  # printed in a box on page 1
    sections: list[tuple[str, list[str]]]  # six (heading, paragraphs), template order
    values: dict[CellRef, str]  # (table, row, column) -> cell text as printed
    facts_in_prose: dict[str, str] = field(default_factory=dict)  # key -> exact sentence
    fact_answers: dict[str, str] = field(default_factory=dict)  # key -> short answer
    broken: CellRef | None = None  # the altered cell of an inconsistent report

    def number(self, ref: CellRef) -> int:
        """Integer value of a count cell; a blank (or missing) cell counts as 0."""
        text = self.values.get(ref, "")
        return int(text) if text else 0

    def carried_forward(self) -> dict[str, int]:
        """四、结转下年度继续办理 per applicant column: next year's 上年结转."""
        return {c: self.number((T3, "carried_forward", c)) for c in APPLICANT_COLUMNS}


def make_report(agency: str, year: int, version: str, seed: int, *,
                inconsistent: bool = False,
                carried_over: Mapping[str, int] | None = None,
                profile: Agency | None = None) -> SampleReport:
    """Draw a report whose tables satisfy ``template.identities(version)``.

    ``carried_over`` (applicant column -> count) fixes 二、上年结转, so a series of
    reports can chain year to year. With ``inconsistent`` one cell is altered so
    that exactly one identity fails; ``broken`` names that cell. The same seed
    gives the same report with or without ``inconsistent``, apart from that cell
    and any prose sentence restating it. ``profile`` replaces the agency's
    built-in profile (for agencies that are not in :data:`AGENCIES`).
    """
    if version not in tpl.TEMPLATE_VERSIONS:
        raise ValueError(f"unknown template version {version!r}")
    profile = profile or agency_profile(agency)
    rng = random.Random(seed)
    values: dict[CellRef, str] = {}
    values.update(_t2_values(rng, profile, version))
    values.update(_t3_cells(rng, _t3_numbers(rng, profile.scale, version, carried_over)))
    values.update(_t4_values(rng, profile.scale))
    broken = _break_one_identity(random.Random(f"break:{seed}"), values) if inconsistent else None

    facts = _prose_facts(rng, profile, year, version, values)
    return SampleReport(
        agency=agency,
        year=year,
        version=version,
        title=f"{agency}{year}年政府信息公开工作年度报告",
        preface=_preface(profile, year),
        sections=_sections(rng, profile, year, version, values, facts),
        values=values,
        facts_in_prose={k: sentence for k, (sentence, _) in facts.items()},
        fact_answers={k: answer for k, (_, answer) in facts.items()},
        broken=broken,
    )


# --------------------------------------------------------------------------
# Table 二
# --------------------------------------------------------------------------


def _decimal(x: float, places: int = 2) -> str:
    """'96171.60' -> '96171.6', '12.00' -> '12'."""
    text = f"{x:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def _activity(rng: random.Random, p: Agency, per_unit: int) -> int:
    if not p.enforcement:
        return 0
    mean = p.enforcement * per_unit
    return max(0, round(rng.uniform(0.3, 1.7) * mean))


def _t2_values(rng: random.Random, p: Agency, version: str) -> dict[CellRef, str]:
    cells = _t2_2021(rng, p) if version == tpl.TEMPLATE_2021 else _t2_2019(rng, p)
    return {(T2, row, col): text for (row, col), text in cells.items()}


def _t2_2021(rng: random.Random, p: Agency) -> dict[tuple[str, str], str]:
    v: dict[tuple[str, str], str] = {}
    for row, most in (("rules", 3 if p.makes_rules else 0), ("normative_docs", max(2, p.scale // 25))):
        issued, repealed = rng.randint(0, most), rng.randint(0, most)
        in_force = issued + rng.randint(3 * most, 12 * most) if most else 0
        v[row, "issued"], v[row, "repealed"], v[row, "in_force"] = str(issued), str(repealed), str(in_force)
    for row, per_unit in (("licensing", 900), ("penalty", 120), ("coercion", 8)):
        v[row, "decisions"] = str(_activity(rng, p, per_unit))
    v["fees", "fee_amount"] = _decimal(rng.uniform(5, 60) * p.scale, rng.choice((1, 2))) \
        if p.enforcement else "0"
    return v


def _t2_2019(rng: random.Random, p: Agency) -> dict[tuple[str, str], str]:
    v: dict[tuple[str, str], str] = {}
    for row, most in (("rules", 3 if p.makes_rules else 0), ("normative_docs", max(2, p.scale // 25))):
        made = rng.randint(0, most)
        published = made - (1 if made and rng.random() < 0.2 else 0)
        total = published + rng.randint(3 * most, 12 * most) if most else 0
        v[row, "new_made"], v[row, "new_published"] = str(made), str(published)
        v[row, "total_published"] = str(total)
    for row, items, per_unit in (("licensing", 60, 900), ("other_services", 20, 50),
                                 ("penalty", 300, 120), ("coercion", 20, 8)):
        prev = _activity(rng, p, items // 10 + 1) if p.enforcement else 0
        v[row, "prev_items"] = str(prev)
        v[row, "change"] = _signed(rng.randint(-min(prev, 12), 6) if prev else 0)
        v[row, "decisions"] = str(_activity(rng, p, per_unit))
    fee_items = rng.randint(0, 8)
    v["fees", "prev_items"] = str(fee_items)
    v["fees", "change"] = _signed(rng.randint(-min(fee_items, 2), 1))
    v["procurement", "procurement_items"] = str(rng.randint(1, max(2, p.scale // 10)))
    v["procurement", "procurement_amount"] = f"{rng.uniform(3, 40) * p.scale / 10:.2f} 万元"
    return v


# --------------------------------------------------------------------------
# Table 三
# --------------------------------------------------------------------------

# Expected share of requests per applicant type, and of outcomes, keyed by the
# row/column keys of ingest.template (labels stay there).
_APPLICANT_SHARE = {"natural_person": 0.86, "business": 0.06, "research": 0.005,
                    "public_interest": 0.01, "legal_service": 0.045, "other_org": 0.02}
_OUTCOME_WEIGHT = {
    "granted": 30, "partially_granted": 10,
    "withheld_state_secret": 0.3, "withheld_prohibited": 1, "withheld_three_safeties": 0.3,
    "withheld_third_party": 1, "withheld_internal": 1, "withheld_process": 1.5,
    "withheld_enforcement": 1, "withheld_inquiry": 2,
    "unable_not_held": 25, "unable_needs_creation": 3, "unable_unclear": 1,
    "not_processed_petition": 4, "not_processed_duplicate": 3, "not_processed_publication": 0.3,
    "not_processed_repeated": 0.3, "not_processed_confirmation": 0.3,
    "other_overdue_correction": 4, "other_overdue_fee": 0.3, "other_other": 4,
    "other_handling": 8,
}
T3Numbers = dict[str, dict[str, int]]  # row -> column -> count


def _outcome_rows(version: str) -> tuple[str, ...]:
    other = tpl.T3_DISPOSITION_GROUPS["other_handling"] if version == tpl.TEMPLATE_2021 \
        else ("other_handling",)
    return (*tpl.T3_RESULT_PARTS, *other)


def _new_requests(rng: random.Random, scale: int) -> dict[str, int]:
    total = max(1, round(scale * rng.uniform(0.5, 1.5)))
    new = {}
    for col in LEGAL_PERSON_COLUMNS:
        expected = total * _APPLICANT_SHARE[col]
        new[col] = max(0, round(rng.gauss(expected, expected * 0.6 + 0.3)))
    new["natural_person"] = max(0, total - sum(new.values()))
    return new


def _t3_numbers(rng: random.Random, scale: int, version: str,
                carried_over: Mapping[str, int] | None) -> T3Numbers:
    outcomes = _outcome_rows(version)
    weights = [_OUTCOME_WEIGHT[k] * rng.uniform(0.4, 1.6) for k in outcomes]
    new = _new_requests(rng, scale)
    rows = [r.key for r in tpl.t3_rows(version)]
    nums: T3Numbers = {r: dict.fromkeys(APPLICANT_COLUMNS, 0) for r in rows}
    for col in APPLICANT_COLUMNS:
        if carried_over is not None:
            before = int(carried_over.get(col, 0))
        else:
            before = rng.randint(0, max(0, new[col] // 15)) if new[col] else 0
        available = new[col] + before
        forward = rng.randint(0, available // 8) if available else 0
        handled = available - forward
        for key, n in Counter(rng.choices(outcomes, weights, k=handled)).items():
            nums[key][col] = n
        nums["new_received"][col] = new[col]
        nums["carried_over"][col] = before
        nums["total_handled"][col] = handled
        nums["carried_forward"][col] = forward
    for r in rows:
        nums[r]["total"] = sum(nums[r][c] for c in APPLICANT_COLUMNS)
    return nums


def _t3_cells(rng: random.Random, nums: T3Numbers) -> dict[CellRef, str]:
    """Print the numbers; some reports leave zero legal-person cells blank."""
    blank_cols: set[str] = set()
    if rng.random() < 0.5:
        blank_cols = set(rng.sample(LEGAL_PERSON_COLUMNS[1:], k=rng.randint(1, 4)))
    return {(T3, r, c): ("" if c in blank_cols and n == 0 else str(n))
            for r, by_col in nums.items() for c, n in by_col.items()}


# --------------------------------------------------------------------------
# Table 四, and breaking one identity
# --------------------------------------------------------------------------


def _t4_values(rng: random.Random, scale: int) -> dict[CellRef, str]:
    out: dict[CellRef, str] = {}
    for block, factor in zip(tpl.T4_ROWS, (1 / 60, 1 / 150, 1 / 300)):
        parts = [int(rng.expovariate(1 / (scale * factor + 0.05))) for _ in tpl.T4_COLUMNS[:-1]]
        for col, n in zip(tpl.T4_COLUMNS, (*parts, sum(parts))):
            out[T4, block.key, col.key] = str(n)
    return out


def _break_one_identity(rng: random.Random, values: dict[CellRef, str]) -> CellRef:
    """Alter one 表四 cell so that exactly one identity fails.

    Every 表三 cell takes part in two or three identities (its row and its
    column), so no single 表三 change breaks exactly one; a 表四 cell belongs
    only to its block's identity.
    """
    ref = (T4, rng.choice(tpl.T4_ROWS).key, rng.choice(tpl.T4_COLUMNS).key)
    n = int(values[ref])
    delta = rng.randint(1, 3)
    values[ref] = str(n - delta if n >= delta and rng.random() < 0.5 else n + delta)
    return ref


# --------------------------------------------------------------------------
# Prose
# --------------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何林罗高"
_GIVEN = ("建国", "晓岚", "志强", "海燕", "文博", "丽华", "振宇", "春梅", "国栋", "雪松",
          "明远", "慧敏", "思源", "立新", "静怡", "卫东")
_ROADS = ("人民路", "建设大道", "滨河东路", "文昌街", "中山大道", "青云路")
_PROBLEMS = (
    "政策解读的形式还不够丰富，图表、音视频等解读产品偏少",
    "部分栏目信息更新不够及时，内容有待进一步充实",
    "依申请公开答复的规范化水平仍需提升",
    "政务公开工作人员业务能力有待加强，人员流动较快",
    "政务新媒体互动回应不够及时",
    "基层政务公开标准化规范化建设推进还不够平衡",
    "公开内容与群众需求的契合度还不够高",
)
_FIXES = (
    "加强政策解读，推出更多图解、视频等通俗易懂的解读产品",
    "建立栏目巡查机制，确保信息更新及时、内容准确",
    "完善依申请公开办理流程，加强答复前的合法性审查",
    "定期组织业务培训，提升工作人员能力水平",
    "强化政务新媒体管理，及时回应公众关切",
)

Facts = dict[str, tuple[str, str]]  # key -> (sentence as printed, short answer)


def _person_in_charge(p: Agency) -> str:
    # Derived from the agency alone so the same person answers in every year.
    r = random.Random(f"person:{p.name}")
    return f"{p.leader}{r.choice(_SURNAMES)}{r.choice(_GIVEN)}"


def _prose_facts(rng: random.Random, p: Agency, year: int, version: str,
                 values: Mapping[CellRef, str]) -> Facts:
    """Sentences the prose will contain, with their answers.

    The first four restate table cells (they match template.PROSE_CLAIMS); the
    rest are facts found only in the prose.
    """
    new = values[T3, "new_received", "total"]
    granted = values[T3, "granted", "total"]
    forward = values[T3, "carried_forward", "total"]
    review = values[T4, "reconsideration", "total"]
    items = round(p.scale * rng.uniform(3, 8)) + rng.randint(50, 400)
    media = rng.randint(2, max(3, p.scale // 8))
    readings = rng.randint(3, max(4, p.scale // 10))
    trainings = rng.randint(1, 12)
    person = _person_in_charge(p)
    problem = rng.choice(_PROBLEMS)
    facts: Facts = {
        "new_received": (f"全年共收到政府信息公开申请{new}件", f"{new}件"),
        "granted": (f"予以公开{granted}件", f"{granted}件"),
        "carried_forward": (f"{forward}件结转下年度继续办理", f"{forward}件"),
        "reconsideration": (f"因政府信息公开工作被申请行政复议案件共{review}件", f"{review}件"),
        "proactive_items": (f"全年主动公开政府信息{items}条", f"{items}条"),
        "policy_interpretations": (f"发布政策解读{readings}篇", f"{readings}篇"),
        "new_media": (f"在运维政务新媒体共计{media}个", f"{media}个"),
        "trainings": (f"组织政务公开业务培训{trainings}次", f"{trainings}次"),
        "person_in_charge": (f"具体由{person}负责", person),
        "first_problem": (f"一是{problem}", problem),
    }
    if version == tpl.TEMPLATE_2021:
        fee = rng.choice((0, 0, 0, 20, 150, 1260))
        facts["processing_fee"] = (f"全年收取信息处理费{fee}元", f"{fee}元")
    facts.update(_contact_facts(p, year))
    return facts


def _contact_facts(p: Agency, year: int) -> Facts:
    """Facts of a known answer type (a phone number, a web address, a percentage, a count of
    languages, a date, a count of events), drawn from their own random stream so that adding
    them changed no other figure."""
    r = random.Random(f"contact:{p.name}:{year}")
    phone = f"0{r.randint(510, 599)}-{r.randint(80000000, 89999999)}"
    site = f"http://www.{p.slug}.example.gov.cn"
    rate = r.choice(("100", "98.5", "99.2", "96"))
    languages = r.randint(2, 5)
    day = r.randint(10, 28)
    open_days = r.randint(1, 9)
    return {
        "contact_phone": (f"咨询电话：{phone}", phone),
        "website": (f"政府信息公开专栏网址为{site}", site),
        "on_time_rate": (f"依申请公开按时答复率为{rate}%", f"{rate}%"),
        "languages": (f"门户网站提供{languages}种语言版本", f"{languages}种"),
        "published": (f"本报告于{year + 1}年1月{day}日在门户网站发布", f"{year + 1}年1月{day}日"),
        "open_days": (f"举办政府开放日活动{open_days}场", f"{open_days}场"),
    }


def _preface(p: Agency, year: int) -> str:
    road = random.Random(f"road:{p.name}").choice(_ROADS)
    place = p.name[:3]
    return (f"本报告由{p.office}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）"
            f"和国务院办公厅政府信息公开办公室有关要求编制。"
            f"本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。"
            f"如对本报告有疑问，请与{p.office}联系（地址：{place}{road}"
            f"{zlib.crc32(p.name.encode()) % 200 + 1}号；电子邮箱：xxgk@{p.slug}.example）。")


def _sections(rng: random.Random, p: Agency, year: int, version: str,
              values: Mapping[CellRef, str], facts: Facts) -> list[tuple[str, list[str]]]:
    s = {k: sentence for k, (sentence, _) in facts.items()}
    overview = [
        (f"{year}年，{p.short}认真贯彻落实《条例》和上级关于政务公开工作的部署要求，"
         "坚持以公开为常态、不公开为例外，围绕中心工作深化重点领域信息公开，"
         "政府信息公开工作取得新进展。现将有关情况报告如下。"),
        (f"（一）主动公开情况。{s['proactive_items']}，其中{s['policy_interpretations']}，"
         f"召开新闻发布会{rng.randint(1, 20)}场，及时回应社会关切。"),
        (f"（二）依申请公开情况。{s['new_received']}，"
         f"上年结转{values[T3, 'carried_over', 'total']}件。"
         f"全年办结{values[T3, 'total_handled', 'total']}件，其中{s['granted']}、"
         f"部分公开{values[T3, 'partially_granted', 'total']}件，{s['carried_forward']}。"
         f"全年{s['reconsideration']}。"),
        (f"（三）政府信息管理情况。严格落实信息发布审核制度，{s['trainings']}，"
         "动态调整主动公开基本目录，确保公开信息准确规范。"),
        ("（四）政府信息公开平台建设情况。进一步优化政府网站政务公开专栏设置，"
         f"加强政务新媒体管理，截至{year}年底，{s['new_media']}。{s['website']}，{s['languages']}。"
         f"全年{s['open_days']}，{s['on_time_rate']}。"),
        (f"（五）监督保障情况。{p.short}成立政务公开工作领导小组，{s['person_in_charge']}，"
         f"{p.office}具体承办政府信息公开各项工作，并将政务公开纳入年度绩效考核。"
         f"{s['published']}，{s['contact_phone']}。"),
    ]
    others = [x for x in _PROBLEMS if x != facts["first_problem"][1]]
    second, third = rng.sample(others, 2)
    fixes = rng.sample(_FIXES, 2)
    problems = [
        (f"{year}年，{p.short}政务公开工作取得了一定成效，但对照新要求仍存在一些不足："
         f"{s['first_problem']}；二是{second}；三是{third}。"),
        f"下一步，{p.short}将着力做好以下工作：一是{fixes[0]}；二是{fixes[1]}。",
    ]
    if version == tpl.TEMPLATE_2021:
        other = [(f"{year}年，{p.short}依据《政府信息公开信息处理费管理办法》，"
                  f"{s['processing_fee']}。无其他需要报告的事项。")]
    else:
        other = ["无。"]
    paragraphs = (overview, [], [], [], problems, other)
    return [(sec.zh, list(paras)) for sec, paras in zip(tpl.SECTIONS, paragraphs)]


# --------------------------------------------------------------------------
# Table layout shared by the writers: a grid of (possibly merged) cells
# --------------------------------------------------------------------------

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
T2_LABEL_HEADER = "信息内容"


@dataclass(frozen=True)
class _Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    label: bool = True  # False for number cells


@dataclass(frozen=True)
class _Grid:
    n_rows: int
    n_cols: int
    cells: tuple[_Cell, ...]
    header_rows: int = 0

    def matrix(self) -> list[list[str]]:
        """Cell texts by position; positions covered by a merged cell are ''."""
        m = [[""] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            m[c.row][c.col] = c.text
        return m


def _wrap(text: str, at: int) -> str:
    """Line break inside a header cell, as Word prints narrow cells ('商业企\\n业')."""
    return text if len(text) <= at else f"{text[:at]}\n{text[at:]}"


def _t2_row_label(row: tpl.Row, version: str) -> str:
    # The 2019 form prints the short name (the first alias), e.g. 规范性文件.
    if version == tpl.TEMPLATE_2019 and row.key == "normative_docs":
        return row.aliases[0]
    return row.zh


def _t2_col_label(key: str, version: str) -> str:
    col = tpl.column(T2, key)
    if version == tpl.TEMPLATE_2019 and key == "decisions":
        return col.aliases[0]  # 处理决定数量
    return col.zh


def _spread(row: int, first: str, rest: Sequence[str], n_cols: int, *, label: bool) -> list[_Cell]:
    """A 表二 line: a label, then values; the last value stretches to the edge."""
    cells = [_Cell(row, 0, first)]
    for i, text in enumerate(rest, start=1):
        span = n_cols - i if i == len(rest) else 1
        cells.append(_Cell(row, i, text, colspan=span, label=label))
    return cells


def _t2_grid(report: SampleReport) -> _Grid:
    v, n_cols = report.version, 4
    cells: list[_Cell] = []
    r = 0
    for item in tpl.T2_ITEMS:
        rows = [x for x in tpl.t2_rows(v) if x.item == item]
        if not rows:
            continue
        cols = tpl.T2_ITEM_COLUMNS[(v, item)]
        cells.append(_Cell(r, 0, item, colspan=n_cols))
        cells += _spread(r + 1, T2_LABEL_HEADER, [_t2_col_label(c, v) for c in cols], n_cols,
                         label=True)
        r += 2
        for row in rows:
            texts = [report.values[T2, row.key, c] for c in cols]
            cells += _spread(r, _t2_row_label(row, v), texts, n_cols, label=False)
            r += 1
    return _Grid(r, n_cols, tuple(cells))


def _t3_header() -> list[_Cell]:
    cols = tpl.T3_COLUMNS
    cells = [
        _Cell(0, 0, T3_NOTE, rowspan=3, colspan=3),
        _Cell(0, 3, APPLICANT_HEADER, colspan=7),
        _Cell(1, 3, cols[0].zh, rowspan=2),
        _Cell(1, 4, tpl.T3_LEGAL_PERSON_GROUP, colspan=5),
        _Cell(1, 9, cols[-1].zh, rowspan=2),
    ]
    for i, c in enumerate(cols[1:-1]):
        cells.append(_Cell(2, 4 + i, _wrap(c.zh, len(c.zh) - 1 if len(c.zh) <= 4 else 4)))
    return cells


def _t3_label_cells(rows: Sequence[tpl.Row], first: int) -> list[_Cell]:
    """Label cells of the data rows in three label columns, as in the template:
    col 0 三、本年度办理结果 over all result rows, col 1 the sub-groups, col 2 leaves.
    """
    in_results = [i for i, r in enumerate(rows) if r.group]
    cells = [_Cell(first + in_results[0], 0, tpl.G_RESULTS, rowspan=len(in_results))]
    for i, r in enumerate(rows):
        if not r.group:
            cells.append(_Cell(first + i, 0, r.zh, colspan=3))
        elif r.group == tpl.G_RESULTS:
            cells.append(_Cell(first + i, 1, r.zh, colspan=2))
        else:
            if i == 0 or rows[i - 1].group != r.group:
                size = sum(1 for x in rows if x.group == r.group)
                cells.append(_Cell(first + i, 1, r.group, rowspan=size))
            cells.append(_Cell(first + i, 2, r.zh))
    return cells


def _t3_grid(report: SampleReport) -> _Grid:
    rows = tpl.t3_rows(report.version)
    cells = _t3_header() + _t3_label_cells(rows, 3)
    for i, r in enumerate(rows):
        for j, c in enumerate(tpl.T3_COLUMNS):
            cells.append(_Cell(3 + i, 3 + j, report.values[T3, r.key, c.key], label=False))
    return _Grid(3 + len(rows), 10, tuple(cells), header_rows=3)


def _t4_grid(report: SampleReport) -> _Grid:
    review, direct, after = tpl.T4_ROWS
    litigation = direct.zh.split("·")[0]  # 行政诉讼
    cols = tpl.T4_COLUMNS
    cells = [_Cell(0, 0, review.zh, colspan=5), _Cell(0, 5, litigation, colspan=10),
             _Cell(1, 5, direct.zh.split("·")[1], colspan=5),
             _Cell(1, 10, after.zh.split("·")[1], colspan=5)]
    for i, c in enumerate(cols):
        cells.append(_Cell(1, i, _wrap(c.zh, 2), rowspan=2))
        cells.append(_Cell(2, 5 + i, _wrap(c.zh, 2)))
        cells.append(_Cell(2, 10 + i, _wrap(c.zh, 2)))
    for b, block in enumerate(tpl.T4_ROWS):
        for i, c in enumerate(cols):
            cells.append(_Cell(3, 5 * b + i, report.values[T4, block.key, c.key], label=False))
    return _Grid(4, 15, tuple(cells), header_rows=3)


def _break_text(text: str) -> tuple[str, str]:
    """'（四）无法提供' -> ('（四）无', '法提供'): where a page break cuts a label."""
    cut = text.find("）") + 2 if "）" in text else len(text) // 2
    return text[:cut], text[cut:]


def _split_grid(g: _Grid, at: int, break_label: bool) -> tuple[_Grid, _Grid]:
    """Split before grid row ``at``; the second part gets no header.

    A label spanning the cut goes on both parts: the outermost (col 0) label is
    printed whole on the first part and left blank on the second; deeper group
    labels are cut in two when ``break_label``.
    """
    first: list[_Cell] = []
    second: list[_Cell] = []
    for c in g.cells:
        end = c.row + c.rowspan
        if end <= at:
            first.append(c)
        elif c.row >= at:
            second.append(replace(c, row=c.row - at))
        else:
            head, tail = _break_text(c.text) if break_label and c.col > 0 else (c.text, "")
            first.append(replace(c, text=head, rowspan=at - c.row))
            second.append(replace(c, row=0, text=tail, rowspan=end - at))
    return (_Grid(at, g.n_cols, tuple(first), g.header_rows),
            _Grid(g.n_rows - at, g.n_cols, tuple(second)))


def default_table3_split(version: str) -> int:
    """Data-row index where 表三 continues on the next page by default: inside
    （四）无法提供, so that its label breaks across the pages as in real reports."""
    rows = tpl.t3_rows(version)
    return next(i for i, r in enumerate(rows) if r.group == tpl.G_UNABLE) + 1


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------

ColWidths = Literal["standard", "narrow"]
_T3_LABEL_WIDTHS = {"standard": (26, 62, 128), "narrow": (22, 48, 96)}
_T2_LABEL_WIDTH = {"standard": 150, "narrow": 110}
_CONTENT_WIDTH = 451  # A4 minus 72pt margins


def _register_font(font: str) -> None:
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))


def _pdf_styles(font: str, size: float = 12, cell_size: float = 8.5) -> dict[str, ParagraphStyle]:
    # Sizes scale with the body size; at the defaults these are the original numbers.
    k = size / 12
    body = ParagraphStyle("body", fontName=font, fontSize=size, leading=21 * k,
                          firstLineIndent=2 * size, wordWrap="CJK", spaceAfter=2)
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=18 * k, leading=28 * k,
                                alignment=TA_CENTER, firstLineIndent=0),
        "heading": ParagraphStyle("heading", parent=body, spaceBefore=8, firstLineIndent=2 * size),
        "body": body,
        "box": ParagraphStyle("box", parent=body, leading=20 * k),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=cell_size, leading=cell_size + 2,
                               wordWrap="CJK", alignment=TA_CENTER),
    }


def _pdf_table(g: _Grid, widths: Sequence[float], cell_style: ParagraphStyle, font: str,
               number_font: str | None = None) -> Table:
    data: list[list[object]] = [[""] * g.n_cols for _ in range(g.n_rows)]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("FONT", (0, 0), (-1, -1), font, cell_style.fontSize),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for c in g.cells:
        if number_font and not c.label and c.text.isascii():
            # Word documents often print digits in a Latin font (Times New Roman).
            commands.append(("FONT", (c.col, c.row), (c.col, c.row), number_font, cell_style.fontSize))
        if c.label and "\n" not in c.text:
            # Paragraphs wrap long labels to the cell width, as Word does.
            data[c.row][c.col] = Paragraph(xml_escape(c.text), cell_style)
        else:
            data[c.row][c.col] = c.text
        if c.rowspan > 1 or c.colspan > 1:
            commands.append(("SPAN", (c.col, c.row),
                             (c.col + c.colspan - 1, c.row + c.rowspan - 1)))
    return Table(data, colWidths=list(widths), style=TableStyle(commands), repeatRows=0)


def _boxed(text: str, style: ParagraphStyle) -> Table:
    """A bordered paragraph. The thin empty top row mimics Word's paragraph
    border and makes pdfplumber see a one-column table (it drops one-cell ones)."""
    box = TableStyle([("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                      ("LEFTPADDING", (0, 0), (-1, -1), 10), ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                      ("TOPPADDING", (0, 1), (-1, 1), 8), ("BOTTOMPADDING", (0, 1), (-1, 1), 8)])
    return Table([[""], [Paragraph(xml_escape(text), style)]], colWidths=[_CONTENT_WIDTH],
                 rowHeights=[4, None], style=box)


def write_pdf(report: SampleReport, path: str | Path, *, split_table3_at: int | None = None,
              break_label: bool = True, font: str = "STSong-Light",
              col_widths: ColWidths = "standard", font_size: float = 12,
              cell_font_size: float = 8.5, number_font: str | None = None) -> Path:
    """Print the report as a Word-export-like PDF.

    ``split_table3_at`` is the data-row index (into ``template.t3_rows``) that
    starts the continuation page of 表三, which repeats no header; by default a
    row inside （四）无法提供. ``font`` must be a reportlab built-in CID font.
    ``font_size`` is the body text size (headings and title scale with it),
    ``cell_font_size`` the table text size; ``number_font`` (a standard PDF
    font such as Times-Roman) prints the number cells of the tables.
    """
    n_rows = len(tpl.t3_rows(report.version))
    at = default_table3_split(report.version) if split_table3_at is None else split_table3_at
    if not 1 <= at < n_rows:
        raise ValueError(f"split_table3_at must be in 1..{n_rows - 1}, got {at}")
    _register_font(font)
    st = _pdf_styles(font, font_size, cell_font_size)
    label_w = _T3_LABEL_WIDTHS[col_widths]
    t3_widths = [*label_w, *[(_CONTENT_WIDTH - sum(label_w)) / 7] * 7]
    t2_label = _T2_LABEL_WIDTH[col_widths]
    t2_widths = [t2_label, *[(_CONTENT_WIDTH - t2_label) / 3] * 3]

    def para(text: str, style: str = "body") -> Paragraph:
        return Paragraph(xml_escape(text), st[style])

    story: list[Flowable] = [para(report.agency, "title"),
                           para(f"{report.year}年政府信息公开工作年度报告", "title"),
                           Spacer(1, 12), _boxed(report.preface, st["box"]), Spacer(1, 12)]
    for sec, (heading, paragraphs) in zip(tpl.SECTIONS, report.sections):
        head = [para(heading, "heading"), *[para(p) for p in paragraphs]]
        if sec.key == "proactive":
            story += [*head, _pdf_table(_t2_grid(report), t2_widths, st["cell"], font, number_font)]
        elif sec.key == "requests":
            part1, part2 = _split_grid(_t3_grid(report), 3 + at, break_label)
            story += [KeepTogether([*head, _pdf_table(part1, t3_widths, st["cell"], font, number_font)]),
                      PageBreak(), _pdf_table(part2, t3_widths, st["cell"], font, number_font)]
        elif sec.key == "review":
            story += [*head, _pdf_table(_t4_grid(report), [_CONTENT_WIDTH / 15] * 15,
                                        st["cell"], font, number_font)]
        else:
            story += head

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 10.5)
        canvas.drawCentredString(A4[0] / 2, 40, f"- {doc.page} -")
        canvas.restoreState()

    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=72, rightMargin=72,
                            topMargin=72, bottomMargin=72, title=report.title,
                            author=report.agency, invariant=True)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


def _html_table(g: _Grid) -> str:
    covered = {(c.row + i, c.col + j) for c in g.cells
               for i in range(c.rowspan) for j in range(c.colspan)} - \
              {(c.row, c.col) for c in g.cells}
    at = {(c.row, c.col): c for c in g.cells}
    lines = ['<table border="1" cellspacing="0" cellpadding="0" class="MsoNormalTable">', "<tbody>"]
    for r in range(g.n_rows):
        tds = []
        for col in range(g.n_cols):
            c = at.get((r, col))
            if c is None:
                if (r, col) not in covered:
                    tds.append("<td></td>")
                continue
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                    (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            text = html.escape(c.text.replace("\n", ""))
            tds.append(f'<td{attrs}><p style="text-align:center">{text}</p></td>')
        lines.append("<tr>" + "".join(tds) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _site_name(agency: str) -> str:
    place = agency[:3] if agency[2:3] in "市县区" else agency
    return f"{place}人民政府门户网站"


def write_html(report: SampleReport, path: str | Path) -> Path:
    """Save the report as a government web page: navigation and footer around
    an article whose tables use rowspan/colspan like real pages."""
    esc = html.escape
    day = zlib.crc32(report.title.encode()) % 27 + 1
    body: list[str] = [f'<p style="text-indent:2em">{esc(report.preface)}</p>']
    tables = {"proactive": _t2_grid, "requests": _t3_grid, "review": _t4_grid}
    for sec, (heading, paragraphs) in zip(tpl.SECTIONS, report.sections):
        body.append(f"<p><strong>{esc(heading)}</strong></p>")
        body += [f'<p style="text-indent:2em">{esc(p)}</p>' for p in paragraphs]
        if sec.key in tables:
            body.append(_html_table(tables[sec.key](report)))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(report.title)}_{esc(_site_name(report.agency))}</title>
<link rel="stylesheet" href="/static/css/common.css">
<script src="/static/js/jquery.min.js"></script>
</head>
<body>
<div class="top-bar"><a href="#">无障碍浏览</a> | <a href="#">长者模式</a> | <a href="#">English</a></div>
<div class="header">
  <div class="logo">{esc(_site_name(report.agency))}</div>
  <ul class="nav">
    <li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
    <li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li>
  </ul>
  <form class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></form>
</div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>
<div class="article">
  <h1 class="article-title">{esc(report.title)}</h1>
  <div class="article-info">发布时间：{report.year + 1}-01-{day:02d} 来源：{esc(agency_profile(report.agency).office)} 【字体：大 中 小】 浏览次数：{day * 37}</div>
  <div class="article-content">
{chr(10).join(body)}
  </div>
  <div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="#">政府信息公开指南</a></li><li><a href="#">政府信息公开制度</a></li></ul></div>
<div class="footer">
  <p>主办单位：{esc(report.agency)} 承办单位：{esc(agency_profile(report.agency).office)}</p>
  <p>本网站为示例页面，所涉机关均为虚构</p>
</div>
<script>var _hmt = _hmt || [];</script>
</body>
</html>
"""
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------


def _text_table(g: _Grid) -> list[str]:
    return ["\t".join(cell.replace("\n", "") for cell in row) for row in g.matrix()]


def write_text(report: SampleReport, path: str | Path) -> Path:
    """Plain text as copied out of a PDF: prose lines, table rows tab-separated."""
    lines = [report.agency, "", f"{report.year}年政府信息公开工作年度报告", "",
             report.preface, ""]
    tables = {"proactive": _t2_grid, "requests": _t3_grid, "review": _t4_grid}
    for sec, (heading, paragraphs) in zip(tpl.SECTIONS, report.sections):
        lines += [heading, ""]
        for p in paragraphs:
            lines += [p, ""]
        if sec.key in tables:
            lines += [*_text_table(tables[sec.key](report)), ""]
    path = Path(path)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# Corpus and gold questions
# --------------------------------------------------------------------------

# (cell, Chinese question, English question); {a}=agency, {e}=English name, {y}=year
_TABLE_QUESTIONS: tuple[tuple[CellRef, str, str], ...] = (
    ((T3, "new_received", "total"), "{a}{y}年新收了多少件政府信息公开申请？",
     "How many new government information disclosure requests did {e} receive in {y}?"),
    ((T3, "granted", "total"), "{a}{y}年依申请“予以公开”的一共多少件？",
     "In {y}, how many disclosure requests did {e} fully grant?"),
    ((T2, "penalty", "decisions"), "{a}{y}年行政处罚的处理决定数量是多少？",
     "How many administrative penalty decisions did {e} report for {y}?"),
    ((T4, "reconsideration", "total"), "{a}{y}年政府信息公开行政复议总计多少件？",
     ("How many administrative reconsideration cases concerning information disclosure "
      "did {e} have in {y}?")),
    ((T2, "fees", "fee_amount"), "{a}{y}年行政事业性收费金额是多少万元？",
     "How much administrative fee revenue (in 10,000 yuan) did {e} report for {y}?"),
    ((T2, "procurement", "procurement_amount"), "{a}{y}年政府集中采购总金额是多少？",
     ("What was the total amount of centralized government procurement reported by {e} "
      "for {y}?")),
    ((T3, "carried_forward", "total"), "{a}{y}年有多少件申请结转下年度继续办理？",
     "How many of {e}'s {y} requests were carried forward to the next year?"),
    ((T3, "unable_not_held", "total"), "{a}{y}年因“本机关不掌握相关政府信息”而无法提供的申请有多少件？",
     "How many {y} requests could {e} not answer because it did not hold the information?"),
    ((T3, "new_received", "business"), "{a}{y}年有多少件新申请是商业企业提出的？",
     "How many of {e}'s new {y} requests came from businesses?"),
    ((T2, "licensing", "decisions"), "{a}{y}年行政许可处理决定数量是多少？",
     "How many administrative licensing decisions did {e} report for {y}?"),
    ((T3, "carried_over", "total"), "{a}{y}年上年结转的政府信息公开申请有多少件？",
     "How many disclosure requests did {e} carry over into {y} from the previous year?"),
)
_TEXT_QUESTIONS: dict[str, tuple[str, str]] = {
    "proactive_items": ("{a}{y}年全年主动公开了多少条政府信息？",
                        "How many items of government information did {e} proactively publish in {y}?"),
    "new_media": ("截至{y}年底，{a}在运维的政务新媒体有多少个？",
                  "How many government new-media accounts did {e} operate at the end of {y}?"),
    "person_in_charge": ("{a}{y}年的政府信息公开工作由谁具体负责？",
                         "Who was in charge of government information disclosure at {e} in {y}?"),
    "policy_interpretations": ("{a}{y}年发布了多少篇政策解读？",
                               "How many policy interpretations did {e} publish in {y}?"),
    "trainings": ("{a}{y}年组织了多少次政务公开业务培训？",
                  "How many training sessions on government disclosure did {e} organise in {y}?"),
    "first_problem": ("{a}{y}年年报列出的第一个问题是什么？",
                      "What is the first problem listed in {e}'s {y} report?"),
    "processing_fee": ("{a}{y}年全年收取了多少信息处理费？",
                       "How much information processing fee did {e} collect in {y}?"),
}
TABLE_QUESTIONS_PER_REPORT = 5
TEXT_QUESTIONS_PER_REPORT = 2


def _answer(raw: str) -> int | float | str:
    """A number where the cell is a plain number, else the text as printed."""
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    if re.fullmatch(r"\d+\.\d+", raw):
        return float(raw)
    return raw


def _gold_entry(qid: str, report: str | None, agency: str | None, year: int | None,
                question: str, question_en: str, answer: object, kind: str,
                evidence: str) -> dict[str, object]:
    return {"id": qid, "report": report, "agency": agency, "year": year, "question": question,
            "question_en": question_en, "answer": answer, "kind": kind, "evidence": evidence}


def _report_questions(report: SampleReport, stem: str, rng: random.Random, *,
                      profile: Agency | None = None) -> list[dict[str, object]]:
    p = profile or agency_profile(report.agency)
    fill = {"a": report.agency, "e": p.en, "y": report.year}
    usable = [q for q in _TABLE_QUESTIONS if report.values.get(q[0], "") != ""]
    # The first two are asked of every report; the rest vary.
    chosen = usable[:2] + rng.sample(usable[2:], TABLE_QUESTIONS_PER_REPORT - 2)
    out = []
    for i, (ref, zh, en) in enumerate(chosen, start=1):
        raw = report.values[ref]
        out.append(_gold_entry(f"{stem}-t{i:02d}", stem, report.agency, report.year,
                               zh.format(**fill), en.format(**fill), _answer(raw), "table",
                               f"{tpl.cell_label(*ref)} = {raw}"))
    keys = [k for k in _TEXT_QUESTIONS if k in report.facts_in_prose]
    for i, key in enumerate(rng.sample(keys, TEXT_QUESTIONS_PER_REPORT), start=1):
        zh, en = _TEXT_QUESTIONS[key]
        heading = next(h for h, paras in report.sections
                       if any(report.facts_in_prose[key] in x for x in paras))
        out.append(_gold_entry(f"{stem}-x{i:02d}", stem, report.agency, report.year,
                               zh.format(**fill), en.format(**fill), report.fact_answers[key],
                               "text", f"{heading}：“{report.facts_in_prose[key]}”"))
    return out


def _cross_questions(a: SampleReport, b: SampleReport, stems: tuple[str, str]) -> list[dict[str, object]]:
    """Two questions over two years of one agency: a sum and a difference."""
    p = agency_profile(a.agency)
    report = ",".join(stems)
    ref_new = (T3, "new_received", "total")
    na, nb = a.number(ref_new), b.number(ref_new)
    ref_pen = (T2, "penalty", "decisions")
    pa, pb = a.number(ref_pen), b.number(ref_pen)
    diff = pb - pa
    verdict = f"多{diff}件" if diff > 0 else f"少{-diff}件" if diff < 0 else "相同"
    return [
        _gold_entry("demo-cross-01", report, a.agency, None,
                    f"{a.agency}{a.year}年和{b.year}年一共新收了多少件政府信息公开申请？",
                    f"How many new disclosure requests did {p.en} receive in {a.year} and "
                    f"{b.year} combined?", na + nb, "cross",
                    f"表三 本年新收 总计：{a.year}={na}，{b.year}={nb}；{na}+{nb}={na + nb}"),
        _gold_entry("demo-cross-02", report, a.agency, None,
                    f"{a.agency}{b.year}年的行政处罚处理决定数量比{a.year}年多还是少？差多少？",
                    f"Did {p.en} make more or fewer administrative penalty decisions in {b.year} "
                    f"than in {a.year}, and by how much?",
                    f"{verdict}（{b.year}年{pb}件，{a.year}年{pa}件）", "cross",
                    f"表二 行政处罚 处理决定数量：{a.year}={pa}，{b.year}={pb}；{pb}-{pa}={diff}"),
    ]


def _unanswerable(reports: Sequence[SampleReport]) -> list[dict[str, object]]:
    first = reports[0]
    out = [_gold_entry("demo-unanswerable-01", None, first.agency, first.year,
                       f"{first.agency}{first.year}年政府信息公开工作的经费预算是多少？",
                       f"What was {agency_profile(first.agency).en}'s {first.year} budget for "
                       "information disclosure work?", "unanswerable", "unanswerable",
                       "报告未提供经费预算")]
    new_form = next((r for r in reports if r.version == tpl.TEMPLATE_2021), None)
    if new_form is not None:
        out.append(_gold_entry(
            "demo-unanswerable-02", None, new_form.agency, new_form.year,
            f"{new_form.agency}{new_form.year}年政府集中采购金额是多少？",
            f"What was {agency_profile(new_form.agency).en}'s centralized procurement amount "
            f"in {new_form.year}?", "unanswerable", "unanswerable",
            "2021年起的新版年报格式已无第二十条第（九）项政府集中采购栏目，报告未提供"))
    else:
        out.append(_gold_entry(
            "demo-unanswerable-02", None, first.agency, first.year,
            f"{first.agency}{first.year}年政府网站的访问量是多少？",
            f"What was the website traffic of {agency_profile(first.agency).en} in {first.year}?",
            "unanswerable", "unanswerable", "报告未提供网站访问量"))
    return out


def _report_seed(seed: int, slug: str, year: int) -> int:
    return zlib.crc32(f"{seed}:{slug}:{year}".encode())


def make_series(agency: str, years: Iterable[int], seed: int, *,
                inconsistent_year: int | None = None) -> list[SampleReport]:
    """One report per year, in year order, each on the template of its year.

    Consecutive years chain: 二、上年结转 of year N equals 四、结转下年度继续办理
    of year N-1. The report of ``inconsistent_year`` breaks one identity.
    """
    slug = agency_profile(agency).slug
    series: list[SampleReport] = []
    for year in sorted(years):
        before = series[-1].carried_forward() if series and series[-1].year == year - 1 else None
        series.append(make_report(agency, year, template_for_year(year),
                                  _report_seed(seed, slug, year),
                                  inconsistent=year == inconsistent_year, carried_over=before))
    return series


def write_corpus(out_dir: str | Path, *, n_agencies: int = 3,
                 years: Sequence[int] = (2019, 2020, 2021, 2022), seed: int = 0,
                 with_inconsistent: bool = True) -> list[Path]:
    """Write a demo corpus of fictional agencies and its ``gold.jsonl``.

    Layout (as the development corpus): ``pdf/<stem>.pdf`` for most reports,
    one ``html/<stem>.html`` (first agency, last year), one ``text/<stem>.txt``
    (second agency, first year), and ``gold.jsonl``; the stem is
    ``<agency slug>-<year>``. With ``with_inconsistent`` the third agency's
    second year breaks one 表四 identity. Returns the report files written,
    in agency then year order. Same arguments, same bytes.
    """
    if not 1 <= n_agencies <= len(AGENCIES):
        raise ValueError(f"n_agencies must be in 1..{len(AGENCIES)}")
    if not years:
        raise ValueError("years must not be empty")
    out = Path(out_dir)
    ys = sorted(years)
    agencies = AGENCIES[:n_agencies]
    broken_year = ys[min(1, len(ys) - 1)] if with_inconsistent else None
    series = [make_series(a.name, ys, seed, inconsistent_year=broken_year if i == 2 else None)
              for i, a in enumerate(agencies)]
    html_key = (agencies[0].slug, ys[-1])
    text_key = (agencies[min(1, n_agencies - 1)].slug, ys[0])

    written: list[Path] = []
    gold: list[dict[str, object]] = []
    for agency, reports in zip(agencies, series):
        for report in reports:
            stem = f"{agency.slug}-{report.year}"
            key = (agency.slug, report.year)
            rng = random.Random(f"layout:{seed}:{stem}")
            if key == html_key:
                path = write_html(report, _mkdir(out / "html") / f"{stem}.html")
            elif key == text_key:
                path = write_text(report, _mkdir(out / "text") / f"{stem}.txt")
            else:
                path = write_pdf(report, _mkdir(out / "pdf") / f"{stem}.pdf",
                                 **_pdf_variant(rng, report.version))
            written.append(path)
            gold += _report_questions(report, stem, rng)
    first = series[0]
    if len(first) >= 2:
        a, b = first[-2], first[-1]
        gold += _cross_questions(a, b, (f"{agencies[0].slug}-{a.year}",
                                        f"{agencies[0].slug}-{b.year}"))
    gold += _unanswerable([r for s in series for r in s])
    lines = [json.dumps(g, ensure_ascii=False) for g in gold]
    (out / "gold.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pdf_variant(rng: random.Random, version: str) -> dict[str, object]:
    """Vary where 表三 breaks, whether its label breaks, and column widths."""
    rows = tpl.t3_rows(version)
    # Rows that continue a sub-group: splitting there cuts the group's label.
    inside = [i for i in range(1, len(rows))
              if rows[i].group not in ("", tpl.G_RESULTS) and rows[i].group == rows[i - 1].group]
    return {"split_table3_at": rng.choice([default_table3_split(version), *inside]),
            "break_label": rng.random() < 0.75,
            "col_widths": rng.choice(("standard", "narrow"))}
