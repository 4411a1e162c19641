"""Calibrate passage search and sentence extraction on gold questions (prints, asserts nothing).

    python scripts/calibrate_passages.py [--corpus ../shared/corpus] [--k 8] [--no-samples] [-v]

Section 1 ingests the development corpus into a temporary data directory with the
real USE embedding; section 2 does the same for a generated sample corpus
(devtools.samples.write_corpus). For every gold question of kind ``text`` or
``unanswerable``, in Chinese and in English, the search is restricted to the
gold report (agency/year given) or, when the gold leaves them open, to the
reports whose name the question mentions (what the question router does). A
text answer is correct when the gold answer, without spaces, is inside the
extracted sentences; an unanswerable question is correct when nothing is
extracted.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from ingest.offline import stay_offline  # noqa: E402

stay_offline()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import load_config  # noqa: E402
from assistant.extract import extract_answer, quantity_in  # noqa: E402
from assistant.factory import make_index, make_ingestor  # noqa: E402
from assistant.retrieval import HybridRetriever  # noqa: E402
from devtools import samples  # noqa: E402
from ingest.index import UseEmbedding  # noqa: E402
from ingest.models import ReportRecord  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
KINDS = ("text", "unanswerable")


def squash(text: str) -> str:
    return re.sub(r"[\s*]+", "", str(text))


def scope(row: dict, question: str, reports: list[ReportRecord]) -> list[ReportRecord]:
    """The reports a question is about: the gold's agency/year, else the names it mentions."""
    agency, year = row.get("agency"), row.get("year")
    if agency:
        return [r for r in reports if r.agency == agency and (year is None or r.year == year)]
    years = {int(y) for y in re.findall(r"(?:19|20)\d\d", question)}
    named = [r for r in reports if r.agency and any(
        n and n in question for n in (r.agency, *r.short_names))]
    if years:
        named = [r for r in named if r.year in years]
    return named


def ignore_for(reports: list[ReportRecord]) -> list[str]:
    out: list[str] = []
    for r in reports:
        out += [n for n in (r.agency, *r.short_names) if n]
        if r.year:
            out += [f"{r.year}年", str(r.year)]
    return list(dict.fromkeys(out))


def ingest(folder: Path, data_dir: Path, embedding) -> HybridRetriever:
    config = load_config(environ={}, data_dir=data_dir)
    index = make_index(config, embedding=embedding)
    ingestor = make_ingestor(config, index=index)
    started = time.perf_counter()
    results = ingestor.ingest([folder])
    done = [r for r in results if r.status == "ingested"]
    print(f"ingested {len(done)} files from {folder} in {time.perf_counter() - started:.1f}s "
          f"({sum(r.passages for r in done)} passages)")
    return HybridRetriever(store=ingestor.store, index=index)


def run(title: str, gold: list[dict], retriever: HybridRetriever, embedding, k: int,
        verbose: bool, use_embed: bool = True) -> None:
    print(f"\n=== {title}: {len(gold)} questions ===")
    reports = retriever.store.reports(include_duplicates=False)
    lexical = HybridRetriever(store=retriever.store, index=None)
    for r in (retriever, lexical):  # the first search loads jieba
        started = time.perf_counter()
        r.search("政府信息公开申请")
        print(f"first search ({'hybrid' if r.index else 'BM25 only'}, loads jieba): "
              f"{1000 * (time.perf_counter() - started):.0f} ms")
    embed = embedding if use_embed else None
    totals: dict[tuple[str, str], list[bool]] = defaultdict(list)
    recall: dict[tuple[str, str], list[bool]] = defaultdict(list)
    search_ms: list[float] = []
    bm25_ms: list[float] = []
    extract_ms: list[float] = []
    for row in gold:
        for lang, field in (("zh", "question"), ("en", "question_en")):
            question = row[field]
            about = scope(row, row["question"], reports)
            ids = [r.id for r in about] or None
            ignore = ignore_for(about)
            started = time.perf_counter()
            hits = retriever.search(question, report_ids=ids, k=k, ignore=ignore)
            search_ms.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            lexical.search(question, report_ids=ids, k=k, ignore=ignore)
            bm25_ms.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            extracts = extract_answer(question, hits, ignore=ignore, embed=embed)
            extract_ms.append(1000 * (time.perf_counter() - started))
            got = "".join(squash(e.sentence) for e in extracts)
            if row["kind"] == "text":
                answer = squash(row["answer"])
                ok = answer in got
                recall[row["kind"], lang].append(any(answer in squash(h.text) for h in hits))
            else:
                ok = not extracts
            totals[row["kind"], lang].append(ok)
            if verbose or not ok:
                mark = "ok " if ok else "BAD"
                print(f"[{mark}] {row['id']} {lang} {question}")
                print(f"      expected: {row['answer']}   scope: "
                      f"{', '.join(f'{r.agency} {r.year}' for r in about) or 'all reports'}")
                for e in extracts:
                    value = quantity_in(e.sentence, question)
                    print(f"      extract : ({e.score:.3f}) {e.sentence[:150]}"
                          + (f"   -> {value[0]:.12g}{value[1]}" if value else ""))
                if not extracts:
                    print("      extract : (none)")
    print("\n--- totals ---")
    for (kind, lang), oks in sorted(totals.items()):
        line = f"{kind:13s} {lang}: {sum(oks)}/{len(oks)} correct"
        if kind == "text":
            hits = recall[kind, lang]
            line += f"   (answer in the top-{k} passages: {sum(hits)}/{len(hits)})"
        print(line)
    print(f"search latency: median {statistics.median(search_ms):.1f} ms, max "
          f"{max(search_ms):.1f} ms (with the dense query embedding); BM25 only: median "
          f"{statistics.median(bm25_ms):.2f} ms, max {max(bm25_ms):.2f} ms")
    print(f"extraction: median {statistics.median(extract_ms):.1f} ms, max {max(extract_ms):.1f} ms"
          f" ({'with' if embed else 'without'} the embedding)")


def load_gold(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["kind"] in KINDS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--no-samples", action="store_true", help="skip the generated corpus")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every question")
    parser.add_argument("--no-embed", action="store_true",
                        help="extract without the embedding (lexical evidence only)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated corpus")
    parser.add_argument("--agencies", type=int, default=3, help="agencies in the generated corpus")
    args = parser.parse_args(argv)

    embedding = UseEmbedding()
    with tempfile.TemporaryDirectory(prefix="xxgk-calibrate-") as tmp:
        tmp_path = Path(tmp)
        if (args.corpus / "gold-dev.jsonl").exists():
            retriever = ingest(args.corpus, tmp_path / "dev", embedding)
            run("development corpus", load_gold(args.corpus / "gold-dev.jsonl"), retriever,
                embedding, args.k, args.verbose, not args.no_embed)
        else:
            print(f"{args.corpus} has no gold-dev.jsonl; skipping the development corpus")
        if not args.no_samples:
            folder = tmp_path / "samples"
            samples.write_corpus(folder, n_agencies=args.agencies, seed=args.seed)
            retriever = ingest(folder, tmp_path / "samples-data", embedding)
            run("generated sample corpus", load_gold(folder / "gold.jsonl"), retriever,
                embedding, args.k, args.verbose, not args.no_embed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
