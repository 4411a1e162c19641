"""Question-answering speed without an LLM: questions/s and p50/p95 latency, by route.

    python scripts/bench_ask.py                       # sample corpus, its gold questions
    python scripts/bench_ask.py --corpus ../shared/corpus --gold ../shared/corpus/gold-dev.jsonl
    python scripts/bench_ask.py --data-dir data       # an existing store; --gold required

Prints figures; asserts nothing. Uses the configured embedding (USE by default).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

from assistant.config import load_config  # noqa: E402
from assistant.evaluation import load_gold, percentile  # noqa: E402
from assistant.factory import make_assistant, make_index, make_ingestor, make_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="folder of reports to ingest (default: sample corpus)")
    parser.add_argument("--gold", type=Path, help="gold JSONL with question/question_en")
    parser.add_argument("--data-dir", type=Path, help="use this existing store instead of ingesting")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    if args.data_dir:
        config = load_config(data_dir=args.data_dir)
        gold_path = args.gold
        if gold_path is None:
            parser.error("--gold is required with --data-dir")
    else:
        corpus = args.corpus
        gold_path = args.gold
        if corpus is None:
            from devtools.samples import write_corpus

            corpus = Path(tmp.name) / "corpus"
            write_corpus(corpus)
            gold_path = gold_path or corpus / "gold.jsonl"
        config = load_config(environ={}, data_dir=Path(tmp.name) / "data")
    store, index = make_store(config), make_index(config)
    if not args.data_dir:
        started = time.perf_counter()
        make_ingestor(config, store, index).ingest([corpus])
        print(f"ingested {len(store.reports())} reports in {time.perf_counter() - started:.1f} s")
    assistant = make_assistant(config, store, index)
    questions = [q for item in load_gold(gold_path)
                 for q in (item.get("question"), item.get("question_en")) if q]
    assistant.ask(questions[0])  # warm up: jieba, BM25 index, embedding model

    by_mode: dict[str, list[float]] = {}
    started = time.perf_counter()
    for _ in range(args.rounds):
        for question in questions:
            t0 = time.perf_counter()
            answer = assistant.ask(question)
            by_mode.setdefault("abstained" if answer.abstained else answer.mode, []).append(
                (time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    every = [x for xs in by_mode.values() for x in xs]
    print(f"{len(questions)} questions x {args.rounds} rounds, {os.cpu_count()} cores, "
          f"embedding {config.embedding.backend}")
    print(f"{len(every) / wall:.1f} questions/s · p50 {statistics.median(every):.1f} ms · "
          f"p95 {percentile(every, 0.95):.1f} ms · max {max(every):.1f} ms")
    for mode, xs in sorted(by_mode.items()):
        print(f"  {mode:<10} n={len(xs):<5} p50 {statistics.median(xs):7.1f} ms   "
              f"p95 {percentile(xs, 0.95):7.1f} ms")
    tmp.cleanup()


if __name__ == "__main__":
    main()
