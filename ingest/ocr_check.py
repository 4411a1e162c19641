"""The template's identities as the check on OCR: a misread digit is caught, not stored.

Pure: facts in, facts out with what happened to each doubtful cell. For the cells read
by OCR (``Fact.confidence`` is set), every identity they take part in is evaluated
(a blank counts as 0 here: the question is whether the digits were read right, not
whether the report adds up):

- an identity that holds confirms its cells;
- where identities break, the broken identities that share cells form a group; a
  group is **corrected** only when exactly one change of a single digit in one OCR
  cell makes every identity of the group hold, and every other identity that cell is
  part of still holds; the correction says which cell, from what to what, and why;
- otherwise the OCR cells of the group's broken identities that no holding identity
  confirms are **withheld**: reported and not stored (all of the group's cells, when
  each is confirmed elsewhere and the breaks cannot be placed);
- a cell that no identity checks (表二) is withheld when OCR was not confident in it.

Nothing is guessed silently: every correction and every withheld cell is a Problem.
A printed table that does not add up is indistinguishable, on a scan, from a misread
one: such a report's cells are withheld (or, when one digit explains it, corrected
with a note), never stored as if read with certainty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from . import template as tpl
from .cells import parse_value
from .models import Fact, Problem

FactKey = tuple[str, str, str]
# OCR's confidence below which a cell no identity checks is not stored.
UNCHECKED_MIN_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Correction:
    cell: FactKey
    read: str
    corrected: str
    identities: tuple[str, ...]
    confidence: float | None

    def message(self) -> str:
        table, row, column = self.cell
        return (f"OCR: {tpl.cell_label(table, row, column)} read as {self.read!r}, stored as "
                f"{self.corrected!r}: the only single-digit change that makes "
                f"{', '.join(self.identities)} hold (OCR confidence "
                f"{'?' if self.confidence is None else f'{self.confidence:.2f}'})")


@dataclass(frozen=True)
class OcrReview:
    facts: dict[FactKey, Fact]
    corrections: tuple[Correction, ...]
    withheld: tuple[FactKey, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class _Equation:
    key: str
    left: tuple[FactKey, ...]
    right: tuple[FactKey, ...]

    @property
    def cells(self) -> tuple[FactKey, ...]:
        return self.left + self.right

    def holds(self, values: Mapping[FactKey, float]) -> bool:
        return abs(sum(values[c] for c in self.left) - sum(values[c] for c in self.right)) <= 1e-6


def _equations(facts: Mapping[FactKey, Fact], version: str | None) -> list[_Equation]:
    """The identities whose cells are all present (the first printed form of each)."""
    out = []
    for identity in tpl.identities(version or tpl.TEMPLATE_2021):
        for right in (identity.right, *identity.alternatives):
            if all(c in facts for c in identity.left + right):
                out.append(_Equation(identity.key, identity.left, right))
                break
    return out


def _number(fact: Fact) -> float | None:
    """The cell for arithmetic: a blank is 0; text that is not a value is None."""
    if fact.value is not None:
        return fact.value
    parsed = parse_value(fact.raw)
    return 0.0 if parsed is not None and parsed.empty else None


def single_digit_variants(raw: str) -> list[str]:
    """Every text that differs from ``raw`` in exactly one digit (no new leading zero)."""
    out = []
    for i, ch in enumerate(raw):
        if not ch.isdigit():
            continue
        for digit in "0123456789":
            if digit == ch or (digit == "0" and i == 0 and len(raw) > 1 and raw[1:2].isdigit()):
                continue
            out.append(raw[:i] + digit + raw[i + 1:])
    return out


def review_ocr(facts: Mapping[FactKey, Fact], version: str | None) -> OcrReview:
    ocr_cells = {k for k, f in facts.items() if f.confidence is not None}
    if not ocr_cells:
        return OcrReview(dict(facts), (), (), ())
    values = {k: v for k, f in facts.items() if (v := _number(f)) is not None}
    equations = [e for e in _equations(facts, version)
                 if any(c in ocr_cells for c in e.cells) and all(c in values for c in e.cells)]
    broken = [e for e in equations if not e.holds(values)]
    out = dict(facts)
    corrections: list[Correction] = []
    withheld: list[FactKey] = []
    problems: list[Problem] = []
    for group in _groups(broken):
        fix = _unique_fix(group, equations, facts, values, ocr_cells)
        if fix is not None:
            cell, text = fix
            fact = facts[cell]
            parsed = parse_value(text)
            out[cell] = replace(fact, raw=text, value=parsed.value if parsed else fact.value)
            values[cell] = out[cell].value or 0.0
            correction = Correction(cell, fact.raw, text, tuple(e.key for e in group), fact.confidence)
            corrections.append(correction)
            problems.append(Problem(correction.message(), fact.page, fact.raw))
            continue
        # A cell some identity confirms (one that holds) keeps; the others of the broken
        # identities are what the misreading can be in: withheld. When every cell is
        # confirmed elsewhere, the broken identities cannot say which: all of theirs go.
        in_group = sorted({c for e in group for c in e.cells if c in ocr_cells})
        confirmed = {c for e in equations if e.holds(values) for c in e.cells}
        cells = [c for c in in_group if c not in confirmed] or in_group
        for cell in cells:
            out.pop(cell, None)
        withheld += cells
        keys = ", ".join(e.key for e in group)
        problems.append(Problem(
            f"OCR: {len(cells)} cells not stored: {keys} do not hold as read and no single-digit "
            f"change of one cell makes them hold ({_listing(facts, cells)})",
            facts[cells[0]].page if cells else None, _listing(facts, cells)))
    checked = {c for e in equations for c in e.cells}
    for cell in sorted(ocr_cells - checked):
        fact = facts[cell]
        if cell in out and (fact.confidence or 0.0) < UNCHECKED_MIN_CONFIDENCE:
            out.pop(cell)
            withheld.append(cell)
            problems.append(Problem(
                f"OCR: {tpl.cell_label(*cell)} not stored: read as {fact.raw!r} with confidence "
                f"{fact.confidence:.2f}, and no identity of the template checks it", fact.page, fact.raw))
    return OcrReview(out, tuple(corrections), tuple(withheld), tuple(problems))


def _listing(facts: Mapping[FactKey, Fact], cells: list[FactKey]) -> str:
    shown = "; ".join(f"{tpl.cell_label(*c)} = {facts[c].raw or '(blank)'}" for c in cells[:6])
    return shown + ("; …" if len(cells) > 6 else "")


def _groups(broken: list[_Equation]) -> list[list[_Equation]]:
    """Broken identities that share a cell, together."""
    groups: list[list[_Equation]] = []
    for equation in broken:
        touching = [grp for grp in groups if any(set(equation.cells) & set(e.cells) for e in grp)]
        merged = [equation] + [e for grp in touching for e in grp]
        groups = [grp for grp in groups if grp not in touching] + [merged]
    return groups


def _unique_fix(group: list[_Equation], equations: list[_Equation], facts: Mapping[FactKey, Fact],
                values: Mapping[FactKey, float], ocr_cells: set[FactKey]) -> tuple[FactKey, str] | None:
    suspects = sorted({c for e in group for c in e.cells if c in ocr_cells})
    found: list[tuple[FactKey, str]] = []
    for cell in suspects:
        involved = [e for e in equations if cell in e.cells]
        for text in single_digit_variants(facts[cell].raw):
            parsed = parse_value(text)
            if parsed is None or parsed.value is None:
                continue
            trial = {**values, cell: parsed.value}
            if all(e.holds(trial) for e in group) and all(e.holds(trial) for e in involved):
                found.append((cell, text))
                if len(found) > 1:
                    return None
    return found[0] if found else None
