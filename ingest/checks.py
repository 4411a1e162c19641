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


def prose_findings(facts: Mapping[FactKey, Fact], passages: Iterable[Passage]) -> list[Finding]:
    """Figures the prose states that differ from the table (identity 6)."""
    findings: list[Finding] = []
    seen: set[FactKey] = set()
    for passage in passages:
        if passage.kind != "prose":
            continue
        for claim in tpl.PROSE_CLAIMS:
            fact = facts.get(claim.cell)
            if fact is None or fact.value is None or claim.cell in seen:
                continue
            for pattern in claim.patterns:
                m = re.search(pattern, passage.text)
                if not m:
                    continue
                stated = float(m.group(1))
                seen.add(claim.cell)
                if stated != fact.value:
                    label = tpl.cell_label(*claim.cell)
                    findings.append(Finding(
                        check=f"prose:{claim.cell[1]}",
                        message=f"正文称“{m.group(0)}”，但{label}为 {format_number(fact.value)}",
                        message_en=f"The text states {format_number(stated)} but the table cell "
                                   f"{tpl.cell_label_en(*claim.cell)} is {format_number(fact.value)}",
                        cells=(claim.cell,), expected=fact.value, actual=stated,
                        severity="warning"))
                break
    return findings


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
