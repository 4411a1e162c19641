"""Checking questions of tests/data/paraphrases.jsonl against the typed query the parser builds.

Each line names a question and what a correct parse holds (``expect``); :func:`mismatches`
says which expected fields the parse got wrong. Used by tests/test_paraphrases.py and, for
figures by class, by scripts/paraphrase_report.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from assistant.understanding import Catalog, CatalogEntry, Query, parse_question
from devtools.places import PLACES
from ingest.recognize import short_names

PARAPHRASES = Path(__file__).with_name("data") / "paraphrases.jsonl"


def places_catalog() -> Catalog:
    """The catalog of the devtools.places corpus, without ingesting it."""
    return Catalog(tuple(
        CatalogEntry(f"{agency}-{year}", agency, year, "2019" if year <= 2020 else "2021",
                     f"/r/{agency}-{year}.txt", short_names(agency), printings=(printed,))
        for printed, agency, years, _ in PLACES for year in years))


def load() -> Iterator[dict]:
    for line in PARAPHRASES.read_text(encoding="utf-8").splitlines():
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
