"""Answers to a question set over the generated places corpus, by class and language.

    python scripts/eval_questions.py                       # tests/data/paraphrases.jsonl
    python scripts/eval_questions.py tests/data/heldout.jsonl --show-failures

Writes the devtools.places corpus to a temporary folder, ingests it (the test embedding by
default; --use for USE v3), asks every question and judges the answer (devtools.question_sets.judge):
the expected figure with its cells cited, or a refusal without a number where the
question names an agency that is not ingested or a breakdown the tables do not record.
Also prints how many parses match the set's typed query. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

from assistant.config import load_config  # noqa: E402
from assistant.factory import make_assistant, make_index, make_ingestor  # noqa: E402
from devtools.places import by_agency, write_places_corpus  # noqa: E402
from devtools.question_sets import PARAPHRASES, judge, load, mismatches  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=PARAPHRASES)
    parser.add_argument("--use", action="store_true", help="embed with USE v3 instead of the test embedding")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="xxgk-eval-q-"))
    reports = write_places_corpus(tmp / "corpus")
    config = load_config(environ={}, data_dir=tmp / "data")
    embedding = None
    if not args.use:
        from conftest import BigramEmbedding

        embedding = BigramEmbedding()
    index = make_index(config, embedding=embedding)
    ingestor = make_ingestor(config, index=index)
    ingestor.ingest([tmp / "corpus"])
    assistant = make_assistant(config, store=ingestor.store, index=index)
    series = by_agency(reports)
    catalog = assistant.catalog()

    parsed = collections.Counter()
    right = collections.Counter()
    total = collections.Counter()
    failures = []
    for item in load(args.questions):
        key = (item["class"], item["lang"])
        total[key] += 1
        from assistant.understanding import parse_question

        wrong = mismatches(item, parse_question(item["question"], catalog))
        parsed[key] += not wrong
        answer = assistant.ask(item["question"])
        ok, why = judge(item, answer, series)
        right[key] += ok
        if not ok or wrong:
            failures.append((item, why if not ok else "answer ok", wrong, answer.answer[:160]))
    print(f"{args.questions.name}: {sum(total.values())} questions")
    print(f"{'class':<10} {'lang':<4} {'n':>4} {'parse ok':>10} {'answer ok':>10}")
    for key in sorted(total):
        n = total[key]
        print(f"{key[0]:<10} {key[1]:<4} {n:>4} {parsed[key] / n:>9.1%} {right[key] / n:>9.1%}")
    for lang in ("zh", "en"):
        n = sum(v for k, v in total.items() if k[1] == lang)
        print(f"{'all':<10} {lang:<4} {n:>4} {sum(v for k, v in parsed.items() if k[1] == lang) / n:>9.1%} "
              f"{sum(v for k, v in right.items() if k[1] == lang) / n:>9.1%}")
    if args.show_failures:
        for item, why, wrong, text in failures:
            print(f"- {item['id']} [{item['class']}/{item['lang']}] {item['question']}\n    {why}; parse: {wrong}\n    {text}")


if __name__ == "__main__":
    main()
