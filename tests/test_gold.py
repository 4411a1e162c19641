"""The gold set in tests/data, over the sample corpus generated at test time, with thresholds.

Run with -s to see the accuracy table. The real default embedding (USE) is used:
English questions meet Chinese sentences only through it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation import format_tallies, load_gold, score

GOLD = Path(__file__).parent / "data" / "gold.jsonl"

# Minimum accuracy per (kind, language).
THRESHOLDS = {
    ("table", "zh"): 1.0, ("table", "en"): 1.0,
    ("cross", "zh"): 1.0, ("cross", "en"): 0.9,
    ("unanswerable", "zh"): 1.0, ("unanswerable", "en"): 1.0,
    ("text", "zh"): 0.9, ("text", "en"): 0.6,
}


@pytest.fixture(scope="module")
def corpus_assistant(tmp_path_factory):
    from assistant.config import load_config
    from assistant.factory import make_assistant, make_index, make_ingestor, make_store
    from devtools.samples import write_corpus

    root = tmp_path_factory.mktemp("gold")
    write_corpus(root / "corpus")
    config = load_config(environ={}, data_dir=root / "data")
    store, index = make_store(config), make_index(config)
    results = make_ingestor(config, store, index).ingest([root / "corpus"])
    assert not [r for r in results if r.failed]
    return make_assistant(config, store=store, index=index)


def test_gold_set_meets_thresholds(corpus_assistant):
    gold = load_gold(GOLD)
    results = []
    for item in gold:
        for field, language in (("question", "zh"), ("question_en", "en")):
            if item.get(field):
                results.append((item, language, corpus_assistant.ask(item[field])))
    tallies = score(results)
    print("\n" + format_tallies(tallies))
    below = {key: t for key, t in tallies.items()
             if key in THRESHOLDS and t.accuracy < THRESHOLDS[key]}
    details = "\n".join(f"{key}: {f['id']} {f['question']} expected {f['expected']!r}, got "
                        f"{f['answered'][:160]!r}" for key, t in below.items() for f in t.failures)
    assert not below, f"\n{format_tallies(tallies)}\n{details}"


def test_every_answer_cites_its_figures(corpus_assistant):
    """A figure is never stated without a citation; refusals cite nothing."""
    for item in load_gold(GOLD):
        answer = corpus_assistant.ask(item["question"])
        if answer.abstained:
            assert not answer.citations and answer.value is None
        else:
            assert answer.citations, item["id"]
