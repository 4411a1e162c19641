"""Passage search at scale: the store's FTS5 keyword index beside the old in-memory BM25.

    python scripts/bench_passages.py                       # 10, 1,000 and 10,000 reports
    python scripts/bench_passages.py --sizes 10,200 --questions 40

Grows one store to each size. Reports are written straight into the store (not rendered
and parsed): a pool of generated text reports is parsed once, and every planned report
of devtools.scale_corpus takes the passages and facts of one of them under its own
agency name, so the store holds about 50 passages per report. The dense (Chroma) side
is left out: it is unchanged, scoped by a ``report_id`` filter as before.

At each size, in one run, it prints for the keyword search of the passage route:

* scoped (one report, as a question about one agency and year) and unscoped (all
  reports) p50/p95 over the questions, FTS5 and the old rank-bm25 index side by side;
* the first question of a new process (store opened, tokenizer loaded, nothing else),
  and for the old index the build it needs first;
* ingesting one more report into the store of that size (tokenise, write, index).

Prints figures; asserts nothing. The old index needs rank-bm25 (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

QUESTIONS = ("全年收取了多少信息处理费", "政务新媒体发布信息多少条", "政府信息公开工作由谁具体负责",
             "本年度召开了多少场新闻发布会", "行政复议结果纠正", "主动公开规范性文件", "存在的主要问题",
             "政策解读", "门户网站", "依申请公开办理时限", "培训", "公开指南",
             "How much information processing fee was collected?", "Who is in charge of disclosure work?",
             "How many press conferences were held?", "What problems did the report name?")


PLANNED = 5000  # distinct agency-years drawn from devtools.scale_corpus


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return (f"{model}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GB RAM, "
            f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# ---------------------------------------------------------------- writing the store


def parsed_pool(n: int, work: Path):
    """``n`` generated reports, parsed once: (agency printed in it, ParsedReport)."""
    from devtools import samples
    from ingest.loaders import load
    from ingest.pipeline import parse_document

    pool = []
    for i, profile in enumerate(samples.AGENCIES[:n]):
        report = samples.make_report(profile.name, 2021 + i % 4, "2021", seed=100 + i)
        path = samples.write_text(report, work / f"pool-{i}.txt")
        pool.append((profile.name, parse_document(load(path))))
    return pool


def write_reports(store, plan, pool, start: int, stop: int) -> None:
    from ingest.models import ReportRecord, StoredPassage

    for n in range(start, stop):
        planned = plan[n % len(plan)]  # past the generator's agencies: the same ones, earlier years
        year = planned.year - 10 * (n // len(plan))
        printed, parsed = pool[n % len(pool)]
        agency = planned.profile.name
        report_id = f"bench-{n:06d}"
        passages = [StoredPassage(f"{report_id}-{i}", report_id,
                                  replace(p, text=p.text.replace(printed, agency)))
                    for i, p in enumerate(parsed.passages)]
        record = ReportRecord(id=report_id, source_file=f"{planned.stem}.txt", kind="txt", agency=agency,
                              year=year, template=parsed.meta.template, title=f"{agency}{year}年报",
                              page_count=0, ingested_at=time.time(), index_key="bench")
        store.save_report(record, parsed.facts, passages, parsed.findings)


# ---------------------------------------------------------------- the two keyword indexes


class OldBM25:
    """What the passage route did before: rank-bm25 over every passage, built in memory."""

    def __init__(self, store) -> None:
        from rank_bm25 import BM25Okapi

        from ingest.text import search_tokens

        self.passages = store.passages()
        self.ranges: dict[str, tuple[int, int]] = {}
        for position, stored in enumerate(self.passages):
            lo, _ = self.ranges.get(stored.report_id, (position, position))
            self.ranges[stored.report_id] = (lo, position + 1)
        self.corpus = [search_tokens(p.passage.text) for p in self.passages]
        self.bm25 = BM25Okapi(self.corpus)

    def rebuild(self) -> float:
        """After an ingest the old retriever rebuilt BM25 over its cached tokens: seconds."""
        from rank_bm25 import BM25Okapi

        started = time.perf_counter()
        self.bm25 = BM25Okapi(self.corpus)
        return time.perf_counter() - started

    def search(self, tokens: list[str], report_ids: list[str] | None, k: int) -> list[str]:
        import numpy as np

        if report_ids is None:
            positions = np.arange(len(self.passages))
            scores = np.asarray(self.bm25.get_scores(tokens))
        else:
            positions = np.concatenate([np.arange(*self.ranges[r]) for r in report_ids])
            scores = np.asarray(self.bm25.get_batch_scores(tokens, positions.tolist()))
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.passages[int(positions[i])].id for i in order if scores[i] > 0]


def query_tokens() -> list[list[str]]:
    from assistant.retrieval import HybridRetriever

    return [HybridRetriever._keyword_query(q, ()) for q in QUESTIONS]


def time_searches(search, tokens: list[list[str]], report_ids: list[str], rounds: int, k: int = 20,
                  seed: int = 0) -> dict[str, list[float]]:
    rng = random.Random(seed)
    scoped, unscoped = [], []
    for _ in range(rounds):
        for t in tokens:
            rid = rng.choice(report_ids)
            started = time.perf_counter()
            search(t, [rid], k)
            scoped.append(1000 * (time.perf_counter() - started))
    for t in tokens:
        started = time.perf_counter()
        search(t, None, k)
        unscoped.append(1000 * (time.perf_counter() - started))
    return {"scoped": scoped, "unscoped": unscoped}


def cold_first_question(data_dir: Path) -> dict[str, float]:
    """A new process: open the store, ask one scoped passage question."""
    code = (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from ingest.store import Store\n"
        "from assistant.retrieval import HybridRetriever\n"
        "store = Store(Path(sys.argv[1]) / 'xxgk.sqlite3')\n"
        "retriever = HybridRetriever(store=store, index=None)\n"
        "t1 = time.perf_counter()\n"
        "retriever.warm_up()\n"
        "tw = time.perf_counter()\n"
        "hits = retriever.search('全年收取了多少信息处理费', report_ids=['bench-000003'], k=5)\n"
        "t2 = time.perf_counter()\n"
        "hits = retriever.search('政务新媒体发布信息多少条', report_ids=['bench-000004'], k=5)\n"
        "t3 = time.perf_counter()\n"
        "print(json.dumps({'import_open_s': t1 - t0, 'tokenizer_s': tw - t1, 'first_s': t2 - tw,"
        " 'second_s': t3 - t2,"
        " 'hits': len(hits)}))\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True,
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--rounds", type=int, default=8, help="scoped rounds over the questions")
    parser.add_argument("--old-up-to", type=int, default=10000, help="largest size to build the old index at")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from devtools.scale_corpus import plan_corpus
    from ingest.store import Store

    sizes = sorted({int(s) for s in args.sizes.split(",")})
    work = Path(tempfile.mkdtemp(prefix="xxgk-passages-"))
    log = sys.stderr
    plan = plan_corpus(min(sizes[-1] + 1, PLANNED), seed=args.seed)
    pool = parsed_pool(12, work)
    store = Store(work / "data" / "xxgk.sqlite3")
    tokens = query_tokens()
    rows = []
    written = 0
    for size in sizes:
        started = time.perf_counter()
        write_reports(store, plan, pool, written, size)
        print(f"wrote {size - written} reports in {time.perf_counter() - started:.1f} s", file=log)
        written = size
        passages = store.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        ids = [f"bench-{n:06d}" for n in range(size)]
        fts = time_searches(lambda t, r, k: store.keyword_search(t, r, k), tokens, ids, args.rounds)
        cold = cold_first_question(work / "data")
        started = time.perf_counter()
        write_reports(store, plan, pool, size, size + 1)  # one more report ...
        one_more = time.perf_counter() - started
        store.delete_report(f"bench-{size:06d}")  # ... taken out again for the next size
        row = {"size": size, "passages": passages, "fts": fts, "cold": cold, "one_more_s": one_more,
               "sqlite_mb": (work / "data" / "xxgk.sqlite3").stat().st_size / 1e6}
        if size <= args.old_up_to:
            started = time.perf_counter()
            old = OldBM25(store)
            row["old_build_s"] = time.perf_counter() - started
            row["old"] = time_searches(old.search, tokens, ids, max(1, args.rounds // 4))
            row["old_rebuild_s"] = old.rebuild()
            del old
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k not in ("fts", "old")}), file=log)

    print(f"\nMachine: {machine()}\n")
    print("| reports | passages | index | scoped p50 / p95 ms | all reports p50 / p95 ms | "
          "first question (new process) | one more report |")
    print("|---:|---:|---|---|---|---|---|")
    for row in rows:
        f = row["fts"]
        cold = row["cold"]
        print(f"| {row['size']:,} | {row['passages']:,} | FTS5 (store) | "
              f"{statistics.median(f['scoped']):.1f} / {percentile(f['scoped'], 0.95):.1f} | "
              f"{statistics.median(f['unscoped']):.1f} / {percentile(f['unscoped'], 0.95):.1f} | "
              f"{1000 * cold['first_s']:.0f} ms (after {cold['tokenizer_s']:.1f} s loading jieba) | "
              f"{row['one_more_s']:.2f} s |")
        if "old" in row:
            o = row["old"]
            print(f"| | | rank-bm25 (memory) | "
                  f"{statistics.median(o['scoped']):.1f} / {percentile(o['scoped'], 0.95):.1f} | "
                  f"{statistics.median(o['unscoped']):.1f} / {percentile(o['unscoped'], 0.95):.1f} | "
                  f"{row['old_build_s']:.1f} s to build first | index rebuilt: {row['old_rebuild_s']:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
