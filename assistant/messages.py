"""What the assistant says when it cannot answer from the tables, in both languages.

One builder per situation, so that the command line, the web app and every operation
word a missing report the same way. Pure functions returning :class:`Miss`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ingest import template as tpl

MissKind = Literal["scope", "template", "unread", "qualifier", "money", "none"]
SHOWN_AGENCIES = 8  # a place's other ingested agencies named in a "not ingested" message


@dataclass(frozen=True)
class Miss:
    """The question is about table cells, but they cannot be answered; why, in both languages."""

    reason: str
    reason_en: str
    report_ids: tuple[str, ...] = ()
    clarify: bool = False  # the question needs narrowing; no other route should guess
    kind: MissKind = "none"


def no_reports(*, how_to_add: str = "", how_to_add_en: str = "") -> Miss:
    """Nothing is ingested yet; ``how_to_add`` tells the user of this surface what to do."""
    return Miss(f"还没有收录任何年度报告。{how_to_add}", f"No reports have been ingested yet.{how_to_add_en}",
                kind="scope")


def agency_not_ingested(name: str, available: Sequence[str] = ()) -> Miss:
    """An agency the question names that no ingested report belongs to, with the
    agencies of the same place that are ingested."""
    if not available:
        return Miss(f"没有收录“{name}”的年度报告。", f"No report of {name} has been ingested.", kind="scope")
    more = len(available) > SHOWN_AGENCIES
    shown = available[:SHOWN_AGENCIES]
    return Miss(f"没有收录“{name}”的年度报告。已收录的该地单位有：{'、'.join(shown)}{'等' if more else ''}。",
                f"No report of {name} has been ingested. Ingested for that place: "
                f"{', '.join(shown)}{', …' if more else ''}.", kind="scope")


def reports_not_ingested(agencies: Sequence[str], years: Sequence[int],
                         years_of: Callable[[str], Sequence[int]], *, purpose: str = "",
                         purpose_en: str = "") -> Miss:
    """The asked agencies have no report for the asked years; says which years they have.
    ``purpose`` names what needed them (比较 · the comparison)."""
    have = "；".join(f"{a}：{'、'.join(map(str, years_of(a))) or '无'}" for a in agencies)
    have_en = "; ".join(f"{a}: {', '.join(map(str, years_of(a))) or 'none'}" for a in agencies)
    asked = "、".join(agencies) + ("、".join(map(str, years)) + "年" if years else "")
    asked_en = ", ".join(agencies) + (f" for {', '.join(map(str, years))}" if years else "")
    if not agencies:
        asked_en = f"for {', '.join(map(str, years))}" if years else "for that year"
    zh = f"{purpose}需要{asked}的年度报告，但未收录" if purpose else f"没有收录{asked}的年度报告"
    en = (f"{purpose_en} needs the report of {asked_en}, which is not ingested" if purpose_en
          else f"No report {'of ' if agencies else ''}{asked_en} is ingested")
    return Miss(zh + (f"（已收录 {have}）。" if have else "。"), en + (f" (available: {have_en})." if have_en else "."),
                kind="scope")


# What each table breaks its figures down by: said when a question asks for something else.
BREAKDOWN = {
    tpl.T2: ("表二只按事项统计（规章、规范性文件的制发、废止和现行有效件数；行政许可、处罚、强制的处理决定数量；行政事业性收费金额）",
             "Table 2 counts only by item (rules and normative documents issued, repealed and in force; "
             "licensing, penalty and coercion decisions; administrative fees)"),
    tpl.T3: ("表三只按申请人类型（自然人，以及商业企业、科研机构、社会公益组织、法律服务机构、其他组织）和办理结果统计",
             "Table 3 breaks requests down only by applicant type (natural persons; businesses, research "
             "institutions, public-interest organisations, legal service agencies, other organisations) "
             "and by how they were handled"),
    tpl.T4: ("表四只按行政复议、行政诉讼（未经复议直接起诉、复议后起诉）和结果（维持、纠正、其他、尚未审结）统计",
             "Table 4 counts only reconsideration and litigation (sued directly or after reconsideration) "
             "by outcome (upheld, corrected, other, pending)"),
}


def not_recorded(residual: Sequence[str], tables: Sequence[str]) -> Miss:
    """The question qualifies a figure in a way the template does not record."""
    words = "、".join(f"“{w}”" for w in residual)
    words_en = ", ".join(f"'{w}'" for w in residual)
    tables = list(dict.fromkeys(tables)) or [tpl.T3]
    zh = "；".join(BREAKDOWN[t][0] for t in tables)
    en = "; ".join(BREAKDOWN[t][1] for t in tables)
    return Miss(f"年报表格没有按{words}统计：{zh}。正文也没有找到相应的说法，这里不用别的数字代替。",
                f"The report's tables do not record {words_en}: {en}. The text does not say it either, "
                "and xxgk does not answer with another figure.", kind="qualifier")
