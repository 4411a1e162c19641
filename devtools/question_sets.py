"""Question sets with typed expectations (tests/data/paraphrases.jsonl, heldout.jsonl).

Each line names a question and what a correct parse holds (``expect``): :func:`mismatches`
says which expected fields a parse got wrong, :func:`judge` whether an Answer is right
(the expected figure from the generated reports, or a refusal without a number). Used by
tests/test_paraphrases.py and scripts/eval_questions.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from assistant.understanding import Catalog, CatalogEntry, Query, parse_question
from devtools.places import PLACES
from ingest.recognize import short_names

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PARAPHRASES = DATA / "paraphrases.jsonl"


def places_catalog() -> Catalog:
    """The catalog of the devtools.places corpus, without ingesting it."""
    return Catalog(tuple(
        CatalogEntry(f"{agency}-{year}", agency, year, "2019" if year <= 2020 else "2021",
                     f"/r/{agency}-{year}.txt", short_names(agency), printings=(printed,))
        for printed, agency, years, _ in PLACES for year in years))


def load(path: Path = PARAPHRASES) -> Iterator[dict]:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def _cells(measure) -> set[tuple[str, str, str]]:
    """The (table, row, column) cells a measure names (a metric with no column: the row)."""
    return {(table, row, column) for table, rows, columns in measure for row in rows
            for column in (columns or ("",))}


def _measure(query: Query) -> set[tuple[str, str, str]]:
    return _cells((m.table, m.rows, m.columns) for m in query.metrics)


def mismatches(item: dict, query: Query) -> list[str]:
    """The expected fields the parse got wrong, each as 'field: expected … got …'."""
    expect = item["expect"]
    wrong = []

    def check(name: str, expected, got) -> None:
        if expected != got:
            wrong.append(f"{name}: expected {expected!r}, got {got!r}")

    if "agencies" in expect:
        check("agencies", set(expect["agencies"]), set(query.agencies) or set(query.scope_agencies))
    if "unknown" in expect:
        check("unknown", bool(expect["unknown"]), query.unknown_agency is not None and not query.agencies)
    if expect.get("available"):
        missing = set(expect["available"]) - set(query.available)
        if missing:
            wrong.append(f"available: missing {sorted(missing)} in {list(query.available)}")
    if "years" in expect:
        check("years", set(expect["years"]), set(query.years))
    if "measure" in expect:
        wanted = _cells((m["table"], m["rows"], m["columns"]) for m in expect["measure"])
        check("measure", wanted, _measure(query))
    if "operation" in expect:
        check("operation", expect["operation"], query.operation)
    if "over" in expect:
        check("over", expect["over"], query.over)
    if "threshold" in expect:
        got = [query.threshold.comparator, query.threshold.value] if query.threshold else None
        check("threshold", list(expect["threshold"]), got)
    if "every_agency" in expect:
        check("every_agency", bool(expect["every_agency"]), query.every_agency)
    if "residual" in expect:
        check("residual", bool(expect["residual"]), bool(query.residual))
    if "answer_type" in expect:
        check("answer_type", expect["answer_type"], query.answer_type)
    return wrong


def run(catalog: Catalog | None = None) -> list[tuple[dict, Query, list[str]]]:
    catalog = catalog or places_catalog()
    return [(item, q := parse_question(item["question"], catalog), mismatches(item, q)) for item in load()]


# ---------------------------------------------------------------- judging answers


def _cell_value(values: dict, cell: tuple[str, str, str]) -> float | None:
    from ingest.cells import parse_value

    parsed = parse_value(values.get(cell))
    return parsed.value if parsed else None


def _expected_cells(expect: dict, version: str) -> list[tuple[str, str, str]]:
    from ingest import template as tpl

    cells = []
    for m in expect.get("measure", []):
        rows = []
        for r in m["rows"]:
            if r == "other_handling" and version == tpl.TEMPLATE_2021:
                rows += list(tpl.T3_DISPOSITION_GROUPS["other_handling"])
            else:
                rows.append(r)
        cells += [(m["table"], r, c) for r in rows for c in (m["columns"] or ["*"])]
    return cells


def _figure(reports: dict, agency: str, year: int, expect: dict) -> float | None:
    """The sum of the expected cells of one report; None when a cell is not a number."""
    report = reports.get(agency, {}).get(year)
    if report is None:
        return None
    cells = _expected_cells(expect, report.version)
    if not cells or any(c[2] == "*" for c in cells):
        return None
    numbers = [_cell_value(report.values, c) for c in cells]
    return None if any(n is None for n in numbers) else sum(numbers)


def judge(item: dict, answer, reports: dict) -> tuple[bool, str]:
    """Is ``answer`` right for ``item``? ``reports``: agency -> year -> SampleReport.

    Refusals are right when nothing names a figure; table answers when the figure is the
    expected cells' sum (or difference, maximum, count, share) and cites them."""
    expect = item["expect"]
    refuse = item["class"] == "qualifier" or expect.get("residual") is True and item["class"] != "text" \
        or expect.get("unknown")
    if item["class"] == "text":
        return True, "text: judged by hand (abstained)" if answer.abstained else "text: quoted"
    if refuse:
        ok = answer.abstained and answer.value is None and not any(c.table for c in answer.citations)
        named = expect.get("available")
        if ok and named and not any(a in answer.answer for a in named):
            return False, "refused without listing the place's ingested agencies"
        return ok, "refused" if ok else f"answered: {answer.answer[:120]}"
    if answer.abstained:
        return False, f"refused: {answer.answer[:120]}"
    operation = expect.get("operation", "lookup")
    agencies = expect.get("agencies") or sorted(reports)
    years = expect.get("years") or sorted({y for a in agencies for y in reports.get(a, {})})
    pairs = [(a, y) for a in agencies for y in years if y in reports.get(a, {})]
    figures = {(a, y): _figure(reports, a, y, expect) for a, y in pairs}
    cited = {(c.agency, c.year, c.table, c.row, c.column) for c in answer.citations}
    if operation in ("lookup", "sum", "series") and len(pairs) >= 1:
        for a, y in pairs:
            report = reports[a][y]
            for cell in _expected_cells(expect, report.version):
                if cell[2] != "*" and (a, y, *cell) not in cited:
                    return False, f"cell {cell} of {a} {y} not cited"
        if operation == "sum" or (operation == "lookup" and len(pairs) == 1):
            values = [v for v in figures.values() if v is not None]
            if len(values) == len(figures) and values and (operation == "sum" or len(pairs) == 1):
                expected = sum(values)
                if answer.value is None or abs(answer.value - expected) > 1e-6:
                    return False, f"value {answer.value} != {expected}"
        return True, "cells cited"
    if operation == "diff":
        values = [v for v in figures.values() if v is not None]
        if len(values) == 2 and answer.value is not None:
            ok = abs(abs(answer.value) - abs(values[0] - values[1])) < 1e-6
            return ok, "difference" if ok else f"difference {answer.value} != ±{values[0] - values[1]}"
        return answer.value is not None, "difference (not checked)"
    if operation == "rank":
        values = [v for v in figures.values() if v is not None]
        if values:
            best = max(values) if "最少" not in item["question"] and not any(
                w in item["question"].lower() for w in ("fewest", "least", "lowest")) else min(values)
            ok = answer.value is not None and abs(answer.value - best) < 1e-6
            return ok, "top value" if ok else f"top {answer.value} != {best}"
        return True, "rank (not checked)"
    if operation == "filter" and "threshold" in expect:
        comparator, limit = expect["threshold"]
        test = {"<": lambda v: v < limit, "<=": lambda v: v <= limit, ">": lambda v: v > limit,
                ">=": lambda v: v >= limit}[comparator]
        matching = sum(1 for v in figures.values() if v is not None and test(v))
        ok = answer.value == matching
        return ok, "matching reports" if ok else f"{answer.value} matching != {matching}"
    return not answer.abstained, f"{operation}: answered"
