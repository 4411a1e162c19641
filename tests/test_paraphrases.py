"""The paraphrase set (tests/data/paraphrases.jsonl): questions in Chinese and English over
the devtools.places corpus, each with the typed query a correct parse holds.

Written for the question-understanding redesign, covering: lookups across the template,
one organ printed two ways, OCR look-alikes, unknown and sibling places and organs, short
forms followed by a row name, cross-report scope, sub-blocks, qualifiers the template does
not record, and text questions by answer type.
"""

from __future__ import annotations

import collections

import pytest
from devtools.question_sets import load, mismatches, places_catalog

from assistant.understanding import parse_question

ITEMS = list(load())


@pytest.fixture(scope="module")
def catalog():
    return places_catalog()


def test_the_set_is_big_and_covers_every_class_in_both_languages():
    counts = collections.Counter((item["class"], item["lang"]) for item in ITEMS)
    assert len(ITEMS) >= 300
    classes = {c for c, _ in counts}
    assert classes >= {"lookup", "printings", "unknown", "shortform", "cross", "subblock", "qualifier", "text"}
    assert all(counts[(c, lang)] >= 10 for c in classes for lang in ("zh", "en"))


@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_the_question_parses_to_its_typed_query(catalog, item):
    query = parse_question(item["question"], catalog)
    assert not mismatches(item, query), f"{item['question']}: {mismatches(item, query)}"
