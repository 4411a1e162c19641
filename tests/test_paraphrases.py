"""The question sets (tests/data/paraphrases.jsonl, heldout.jsonl): questions in Chinese and
English over the devtools.places corpus, each with the typed query a correct parse holds.

Both were written for the question-understanding redesign by separate authors, covering:
lookups across the template, one organ printed two ways, OCR look-alikes, unknown and
sibling places and organs, short forms followed by a row name, cross-report scope,
sub-blocks, qualifiers the template does not record, and text questions by answer type.
heldout.jsonl was written without seeing the parser or the first set (fast typing,
pinyin with tones, mixed languages, two-digit years).
"""

from __future__ import annotations

import collections

import pytest

from assistant.understanding import parse_question
from devtools.question_sets import DATA, load, mismatches, places_catalog

ITEMS = list(load())
HELD_OUT = list(load(DATA / "heldout.jsonl"))


@pytest.fixture(scope="module")
def catalog():
    return places_catalog()


def test_the_set_is_big_and_covers_every_class_in_both_languages():
    counts = collections.Counter((item["class"], item["lang"]) for item in ITEMS)
    assert len(ITEMS) >= 300
    classes = {c for c, _ in counts}
    assert classes >= {"lookup", "printings", "unknown", "shortform", "cross", "subblock", "qualifier", "text"}
    assert all(counts[(c, lang)] >= 10 for c in classes for lang in ("zh", "en"))


@pytest.mark.parametrize("item", ITEMS + HELD_OUT, ids=[item["id"] for item in ITEMS + HELD_OUT])
def test_the_question_parses_to_its_typed_query(catalog, item):
    query = parse_question(item["question"], catalog)
    assert not mismatches(item, query), f"{item['question']}: {mismatches(item, query)}"
