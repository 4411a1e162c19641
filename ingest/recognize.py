"""Report recognition: agency, statistics year, template version, title.

Pure functions over a Document. What cannot be found is returned as None and
listed in ReportMeta.unknown; nothing is guessed.
"""

from __future__ import annotations

import re

from . import template as tpl
from .domain import organ_data
from .models import Document, ReportMeta
from .text import fold_label

_TITLE_TAIL = r"(?:年度)?政府信息公开(?:工作)?年度?报告"
_YEAR = r"(20\d\d|19\d\d)"
_TITLE_AGENCY_FIRST = re.compile(rf"^(?:关于)?(.{{2,40}}?){_YEAR}年?(?:度)?(?:的)?政府信息公开(?:工作)?(?:年度)?报告")
_TITLE_YEAR_FIRST = re.compile(rf"^{_YEAR}年(?:度)?(.{{2,40}}?)政府信息公开(?:工作)?(?:年度)?报告")
_PERIOD = re.compile(rf"(?:统计|期限|时限|周期|时间).{{0,20}}?{_YEAR}年1月1日(?:起)?(?:至|到|—|-)\s*(?:{_YEAR}年)?12月31日")
_PUBLISHER = re.compile(r"^(?:发布机构|发布机关|发文机关|来源)[:：]\s*(\S{3,40})")
_CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def recognize(doc: Document, head_lines: int = 60) -> ReportMeta:
    lines = [fold_label(b.text) for b in doc.blocks if b.kind == "text" and b.text.strip()]
    head = lines[:head_lines]
    all_text = "\n".join(lines + [fold_label(c.text or "") for b in doc.blocks for c in b.cells])

    title, title_agency, title_year = find_title(head, fold_label(doc.title_hint))
    year = statistics_year(all_text) or title_year
    agency = title_agency or publisher(head)
    printed = agency
    if agency:
        agency = full_agency_name(agency)
    version = template_version(all_text, year)
    unknown = tuple(name for name, value in (("agency", agency), ("year", year),
                                             ("template", version)) if value is None)
    short = short_names(agency, printed) if agency else ()
    return ReportMeta(agency=agency, year=year, template=version, title=title or "",
                      page_count=doc.page_count, short_names=short, unknown=unknown)


def find_title(head: list[str], hint: str) -> tuple[str | None, str | None, int | None]:
    candidates = [hint.split("_")[0]] if hint else []
    # Titles wrap over two lines ("2024年上海市科委政府信息公开工作" / "年度报告").
    candidates += [a + b for a, b in zip(head, head[1:])] + head
    for text in candidates:
        text = re.sub(r"^(?:标题|名称|题目)[:：]", "", text)
        m = _TITLE_AGENCY_FIRST.match(text)
        if m and _plausible_agency(m.group(1)):
            return m.group(0), _clean_agency(m.group(1)), int(m.group(2))
        m = _TITLE_YEAR_FIRST.match(text)
        if m and _plausible_agency(m.group(2)):
            return m.group(0), _clean_agency(m.group(2)), int(m.group(1))
    return None, None, None


_SELF_REFERENCES = re.compile(r"^(?:本|我)(?:机关|单位|局|委|办|市|县|区|部门|厅|署)?$")


def _plausible_agency(text: str) -> bool:
    text = _clean_agency(text)
    return (2 <= len(text) <= 40 and not _SELF_REFERENCES.match(text)
            and not re.search(r"[，。：；、《》]|根据|按照|本报告", text))


def _clean_agency(text: str) -> str:
    return text.strip(" “”\"'《》（）").removesuffix("的")


def statistics_year(text: str) -> int | None:
    m = _PERIOD.search(text.translate(_CHINESE_DIGITS))
    return int(m.group(1)) if m else None


def publisher(head: list[str]) -> str | None:
    for line in head:
        m = _PUBLISHER.match(line)
        if m and _plausible_agency(m.group(1)):
            return _clean_agency(m.group(1))
    return None


def template_version(text: str, year: int | None) -> str | None:
    scores = {v: sum(text.count(marker) for marker in markers)
              for v, markers in tpl.VERSION_MARKERS.items()}
    if scores[tpl.TEMPLATE_2021] > scores[tpl.TEMPLATE_2019]:
        return tpl.TEMPLATE_2021
    if scores[tpl.TEMPLATE_2019] > scores[tpl.TEMPLATE_2021]:
        return tpl.TEMPLATE_2019
    return None


def split_place(name: str) -> tuple[str, str]:
    """'淮安市人民政府' -> ('淮安市', '人民政府'); the longest admin-level suffix wins."""
    best = ("", name)
    for suffix in tpl.ADMIN_LEVEL_SUFFIXES:
        for m in re.finditer(re.escape(suffix), name):
            end = m.end()
            if 2 <= end < len(name) + 1 and end > len(best[0]) and end - len(suffix) >= 1:
                # Only split where the organ part does not itself start a place name.
                best = (name[:end], name[end:])
            break
    return best


def full_agency_name(printed: str) -> str:
    """Expand abbreviations (市科委 -> 市科学技术委员会) and bare places (平潭综合实验区 ->
    平潭综合实验区管委会) to the organ's full name."""
    organs = organ_data()
    place, organ = split_place(printed)
    if place and not organ:
        return place + organs.shown(organs.government_of(place))
    for entry in organs.organs:
        for alias in sorted(entry.aliases, key=len, reverse=True):
            # An abbreviation, not another printing of the same length (政府, 管委会 stay as printed).
            if printed.endswith(alias) and not printed.endswith(entry.name) and alias != entry.shown \
                    and alias not in ("政府", "办事处"):
                return printed[: -len(alias)] + entry.name
    return printed


def short_names(agency: str, printed: str | None = None) -> tuple[str, ...]:
    """The forms people use: 淮安市政府, 淮安市, 淮安, 市政府; 上海市科委, 市科委."""
    names: list[str] = []
    place, organ = split_place(agency)
    organ_forms = [organ, *organ_data().short_forms(organ)]
    level = next((s for s in tpl.ADMIN_LEVEL_SUFFIXES if place.endswith(s)), "")
    stem = place[: -len(level)] if level and len(place) - len(level) >= 2 else ""
    for form in organ_forms:
        names.append(place + form)
        if stem:
            names.append(stem + form)
        if level and form:
            names.append(level + form)
    if printed:
        names.append(printed)
    seen: list[str] = []
    for n in names:
        if n and n != agency and n not in seen and len(n) >= 2:
            seen.append(n)
    return tuple(seen)
