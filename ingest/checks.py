"""Consistency checks: the template identities, evaluated and reported, never repaired."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import template as tpl
from .cells import format_number
from .models import Fact, Finding, Passage

FactKey = tuple[str, str, str]


def _sum(facts: Mapping[FactKey, Fact], terms: Iterable[FactKey]) -> float:
    return sum(facts[t].value or 0.0 for t in terms)


def _present(facts: Mapping[FactKey, Fact], terms: tuple[FactKey, ...]) -> bool:
    return all(t in facts for t in terms)


@dataclass(frozen=True)
class IdentityCheck:
    """What the identities of one report came to."""

    findings: tuple[Finding, ...]
    held: int  # identities whose every cell is a number and that hold
    unchecked: int  # identities with a blank or non-numeric cell: cannot be checked


def check_identities(facts: Mapping[FactKey, Fact], version: str | None) -> IdentityCheck:
    findings: list[Finding] = []
    held = unchecked = 0
    for identity in tpl.identities(version or tpl.TEMPLATE_2021):
        options = [identity.right, *identity.alternatives]
        right = next((o for o in options if _present(facts, identity.left + o)), None)
        if right is None:
            continue  # cells missing: reported as parse problems, not as a broken identity
        if any(facts[t].value is None for t in identity.left + right):
            unchecked += 1  # a blank is not a 0
            continue
        left_value, right_value = _sum(facts, identity.left), _sum(facts, right)
        if abs(left_value - right_value) <= 1e-6:
            held += 1
            continue
        findings.append(Finding(
            check=identity.key,
            message=f"{identity.zh}：左边为 {format_number(left_value)}，右边之和为 "
                    f"{format_number(right_value)}，相差 {format_number(left_value - right_value)}",
            message_en=f"{identity.en}: {format_number(left_value)} vs "
                       f"{format_number(right_value)}",
            cells=identity.left + right, expected=right_value, actual=left_value))
    return IdentityCheck(tuple(findings), held, unchecked)


def identity_findings(facts: Mapping[FactKey, Fact], version: str | None) -> list[Finding]:
    return list(check_identities(facts, version).findings)


# Between a claim's verb and its subject: a few words that name no other subject (受理社会公众
# …申请, but not 受理群众信访和…申请); between the subject and the figure: words of counting.
_BEFORE_SUBJECT = r"[^，,。；;：:\d和及与、]{0,4}?"
_BEFORE_FIGURE = r"(?:事项|共计|合计|总计|累计|总数|数量|数|共|计|为|达|了|\s)*"


def claim_patterns(claim: tpl.ProseClaim) -> tuple[re.Pattern[str], ...]:
    """The claim's shapes, each capturing the figure."""
    shapes = list(claim.patterns)
    if claim.verbs and claim.subjects:
        verbs = "|".join(map(re.escape, claim.verbs))
        subjects = "|".join(map(re.escape, sorted(claim.subjects, key=len, reverse=True)))
        shapes.append(rf"(?:{verbs})了?{_BEFORE_SUBJECT}(?:{subjects}){_BEFORE_FIGURE}(\d+)\s*件")
    return tuple(re.compile(shape) for shape in shapes)


def _reading(facts: Mapping[FactKey, Fact], cells: tuple[FactKey, ...]) -> float | None:
    """The sum of the cells, or None when one is missing or blank (cannot be checked)."""
    values = [facts[c].value if c in facts else None for c in cells]
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]


def _reading_label(cells: tuple[FactKey, ...], english: bool) -> str:
    if english:
        return " + ".join(tpl.row(t, r).en for t, r, _ in cells)
    return "＋".join(tpl.row(t, r).zh for t, r, _ in cells)


def prose_findings(facts: Mapping[FactKey, Fact], passages: Iterable[Passage]) -> list[Finding]:
    """Figures the prose states that differ from the table (identity 6): every claim of a
    cell is compared with each reading of it and reported when none matches."""
    findings: list[Finding] = []
    reported: set[tuple[FactKey, float]] = set()
    patterns = {claim.cell: claim_patterns(claim) for claim in tpl.PROSE_CLAIMS}
    for passage in passages:
        if passage.kind != "prose":
            continue
        for claim in tpl.PROSE_CLAIMS:
            readings = [(cells, value) for cells in claim.readings
                        if (value := _reading(facts, cells)) is not None]
            if not readings:
                continue  # blank or missing cells: cannot be checked
            for m in (m for p in patterns[claim.cell] for m in p.finditer(passage.text)):
                stated = float(m.group(1))
                if (claim.cell, stated) in reported or any(abs(stated - v) < 1e-6 for _, v in readings):
                    continue
                reported.add((claim.cell, stated))
                findings.append(_contradiction(claim, m.group(0), stated, readings))
    return findings


def _contradiction(claim: tpl.ProseClaim, quote: str, stated: float,
                   readings: list[tuple[tuple[FactKey, ...], float]]) -> Finding:
    (_, table_value), others = readings[0], readings[1:]
    also = "".join(f"，{_reading_label(cells, False)}为 {format_number(v)}" for cells, v in others)
    also_en = "".join(f"; {_reading_label(cells, True)} is {format_number(v)}" for cells, v in others)
    return Finding(
        check=f"prose:{claim.cell[1]}",
        message=f"正文称“{quote}”，但{tpl.cell_label(*claim.cell)}为 {format_number(table_value)}{also}",
        message_en=f"The text states {format_number(stated)} but the table cell "
                   f"{tpl.cell_label_en(*claim.cell)} is {format_number(table_value)}{also_en}",
        cells=(claim.cell,), expected=table_value, actual=stated, severity="warning")


CARRY_OVER = "carry_over"  # the check key's prefix: carry_over:<column>


def carry_over_findings(previous: Mapping[FactKey, Fact], current: Mapping[FactKey, Fact],
                        previous_year: int, current_year: int) -> list[Finding]:
    """Identity 5: 上年结转 of year N = 结转下年度继续办理 of year N-1, per column."""
    findings = []
    for col in tpl.T3_COLUMNS:
        before = previous.get((tpl.T3, "carried_forward", col.key))
        now = current.get((tpl.T3, "carried_over", col.key))
        if before is None or now is None or before.value is None or now.value is None:
            continue  # blank on either side: cannot be checked
        if before.value == now.value:
            continue
        findings.append(Finding(
            check=f"{CARRY_OVER}:{col.key}",
            message=f"表三「{col.zh}」列：{current_year}年上年结转为 {format_number(now.value or 0)}，"
                    f"但{previous_year}年结转下年度继续办理为 {format_number(before.value or 0)}",
            message_en=f"Table 3, {col.en}: carried over into {current_year} is "
                       f"{format_number(now.value or 0)} but {previous_year} carried forward "
                       f"{format_number(before.value or 0)}",
            cells=((tpl.T3, "carried_over", col.key),), expected=before.value or 0,
            actual=now.value or 0, severity="warning"))
    return findings
