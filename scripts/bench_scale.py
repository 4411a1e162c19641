"""Benchmarks at scale: ingest throughput, query latency, memory and disk at 10, 100 and 1,000 reports.

    python scripts/bench_scale.py                        # sizes 10,100,1000; prints a Markdown block
    python scripts/bench_scale.py --sizes 10,50 --questions 50      # a quick run

Writes N generated report PDFs (devtools.scale_corpus: both template versions, varied
layouts, a known fraction inconsistent) with their gold questions, then:

* parse only (load + parse_document) on a sample: one process vs a process pool on all cores;
* ingest on one core (a subprocess pinned to one CPU, one BLAS thread), growing one store
  10 -> 100 -> 1,000 reports; after each step a separate "server" process builds the
  Assistant on that store and answers a sample of the gold questions (no LLM): latency
  p50/p95, the first (cold) question, accuracy, peak RSS; plus store size on disk and how
  many injected inconsistencies `check` finds;
* ingest on all cores into a fresh store: `ingest(files, workers=cores)` reads and embeds
  in worker processes and stores in order.

Uses the configured embedding (USE by default). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                               "TF_NUM_INTEROP_THREADS")}


# ---------------------------------------------------------------- measurements


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def dir_mb(path: Path) -> float:
    """Bytes on disk under a folder (or of one file), in MB."""
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def machine() -> dict[str, object]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cpu": model, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "ram_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}"}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class TimedEmbedding:
    """Adds up the seconds spent in the embedding function."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds, self.texts = inner, 0.0, 0

    def __call__(self, texts):
        started = time.perf_counter()
        try:
            return self.inner(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


# ---------------------------------------------------------------- parsing


def parse_file(path: str):
    from ingest.loaders import load
    from ingest.pipeline import parse_document

    return parse_document(load(Path(path)))


def _warm(_: int) -> int:
    import ingest.pipeline  # noqa: F401

    return os.getpid()


def make_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent may already run Chroma's and the embedding model's threads.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    list(pool.map(_warm, range(workers)))
    return pool


def time_parse(files: list[Path], workers: int) -> dict[str, float]:
    started = time.perf_counter()
    for path in files:
        parse_file(str(path))
    serial = time.perf_counter() - started
    with make_pool(workers) as pool:
        started = time.perf_counter()
        list(pool.map(parse_file, [str(p) for p in files], chunksize=4))
        pooled = time.perf_counter() - started
    return {"files": len(files), "serial_s": serial, "pool_s": pooled, "workers": workers}


# ---------------------------------------------------------------- worker processes


def worker_ingest(args) -> dict:
    if args.one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from assistant.config import load_config
    from assistant.factory import make_index, make_ingestor, make_store

    files = [Path(line) for line in Path(args.files).read_text().splitlines() if line]
    config = load_config(data_dir=Path(args.data_dir))
    started = time.perf_counter()
    store, index = make_store(config), make_index(config)
    index.embedding(["预热"])
    timer = TimedEmbedding(index.embedding)  # with workers, they embed: this counts nothing
    index.embedding = timer
    ingestor = make_ingestor(config, store, index)
    setup = time.perf_counter() - started
    started = time.perf_counter()
    results = ingestor.ingest(files, workers=args.workers)
    wall = time.perf_counter() - started
    ok = [r for r in results if r.status == "ingested"]
    return {"files": len(files), "ingested": len(ok), "failed": [r.reason for r in results if r.failed],
            "pages": sum(r.pages for r in ok), "facts": sum(r.facts for r in ok),
            "passages": sum(r.passages for r in ok), "setup_s": setup, "wall_s": wall,
            "embed_s": timer.seconds, "embed_texts": timer.texts,
            "cores": len(os.sched_getaffinity(0)), "workers": args.workers,
            "store_mb": dir_mb(config.data_dir),
            "peak_rss_mb": peak_rss_mb(), "pool_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN)}


def worker_query(args) -> dict:
    """A server process: build the Assistant on a store, answer gold questions, report."""
    from assistant.config import load_config
    from assistant.evaluation import build_report, percentile
    from assistant.factory import make_assistant, make_index, make_store
    from ui.eval_run import ask_gold, read_gold

    started = time.perf_counter()
    config = load_config(data_dir=Path(args.data_dir), llm__enabled=False)
    store, index = make_store(config), make_index(config)
    assistant = make_assistant(config, store, index)
    setup = time.perf_counter() - started
    gold = read_gold(Path(args.gold))
    cold = {}
    for kind in ("table", "text"):  # the first question of each route, in a new process
        item = next((g for g in gold if g["kind"] == kind), gold[0])
        started = time.perf_counter()
        assistant.ask(item["question"])
        cold[kind] = time.perf_counter() - started
    trials = ask_gold(assistant, gold, k=5)
    report = build_report(trials, k=5)
    by_route: dict[str, list[float]] = {}
    for o in report.outcomes:
        by_route.setdefault("refused" if o.abstained else o.mode, []).append(o.ms)
    by = {f"{g.kind}/{g.language}": [g.correct.right, g.correct.total] for g in report.groups}
    overall = report.group()
    findings = {rid for rid, f in store.findings() if f.severity == "error"}
    flagged = sorted({Path(r.source_file).stem for r in store.reports() if r.id in findings})
    return {"reports": len(store.reports()), "setup_s": setup, "cold_s": cold, "asks": len(trials),
            "p50_ms": overall.p50_ms, "p95_ms": overall.p95_ms, "correct": by,
            "routes": {mode: [len(xs), percentile(xs, 0.5), percentile(xs, 0.95)]
                       for mode, xs in sorted(by_route.items())},
            "abstention": report.abstention["all"], "flagged": flagged,
            "peak_rss_mb": peak_rss_mb(), "rss_mb": current_rss_mb()}


def run_worker(kind: str, env_extra: dict[str, str] | None = None, **options) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    for key, value in options.items():
        if value is True:
            argv.append(f"--{key.replace('_', '-')}")
        elif value not in (None, False):
            argv += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, **(env_extra or {})}
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the benchmark


def write_list(path: Path, files: list[Path]) -> Path:
    path.write_text("".join(f"{f}\n" for f in files))
    return path


def sample_gold(gold: list[dict], n: int, seed: int) -> list[dict]:
    """Up to n items, every kind represented in proportion, unanswerable ones always kept."""
    if len(gold) <= n:
        return gold
    rng = random.Random(seed)
    keep = [g for g in gold if g["kind"] in ("unanswerable", "cross")][: n // 5]
    rest = [g for g in gold if g not in keep]
    return keep + rng.sample(rest, n - len(keep))


def rate(amount: float, seconds: float) -> float:
    return amount / seconds if seconds > 0 else float("nan")


def fmt_correct(by: dict, kinds=("table", "text", "cross", "unanswerable")) -> str:
    cells = []
    for kind in kinds:
        parts = [by.get(f"{kind}/{lang}") for lang in ("zh", "en")]
        if any(parts):
            cells.append(f"{kind} " + " / ".join(f"{r}/{t}" if t else "-" for r, t in
                                                  (p or (0, 0) for p in parts)))
    return "; ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="store sizes in reports (ascending)")
    parser.add_argument("--questions", type=int, default=150,
                        help="gold items asked per size (each in Chinese and English)")
    parser.add_argument("--parse-sample", type=int, default=100, help="reports in the parse-only timing")
    parser.add_argument("--inconsistent", type=float, default=0.1, help="fraction of inconsistent reports")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep corpus and stores here (default: a temp dir)")
    parser.add_argument("--skip-parallel", action="store_true", help="skip the all-cores ingest")
    parser.add_argument("--worker", choices=("ingest", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--gold", help=argparse.SUPPRESS)
    parser.add_argument("--one-core", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = worker_ingest(args) if args.worker == "ingest" else worker_query(args)
        print(json.dumps(result, ensure_ascii=False))
        return 0

    from devtools.scale_corpus import gold_subset, write_scale_corpus

    sizes = sorted({int(s) for s in args.sizes.split(",")})
    cores = len(os.sched_getaffinity(0))
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="xxgk-scale-", ignore_cleanup_errors=True)
        work = Path(tmp.name)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    info = machine()
    load_start = loadavg()
    log = sys.stderr

    started = time.perf_counter()
    corpus = write_scale_corpus(work / "corpus", sizes[-1], seed=args.seed,
                                inconsistent_fraction=args.inconsistent, workers=cores)
    generate_s = time.perf_counter() - started
    plan, files = corpus.plan, corpus.files
    gold = [json.loads(line) for line in corpus.gold.read_text(encoding="utf-8").splitlines()]
    manifest = {json.loads(line)["stem"]: json.loads(line) for line in
                corpus.manifest.read_text(encoding="utf-8").splitlines()}
    print(f"generated {len(files)} PDFs and {len(gold)} gold items in {generate_s:.1f} s", file=log)

    parse = time_parse(files[: args.parse_sample], cores)
    print(f"parse only: {parse}", file=log)

    steps = []
    data1 = work / "data-one-core"
    previous = 0
    for size in sizes:
        chunk = files[previous:size]
        listing = write_list(work / f"files-{size}.txt", chunk)
        ingest = run_worker("ingest", ONE_THREAD, data_dir=data1, files=listing, one_core=True)
        print(f"ingest {previous}->{size} on one core: {ingest['wall_s']:.1f} s", file=log)
        subset = gold_subset(gold, plan[:size])
        asked = sample_gold(subset, args.questions, args.seed)
        gold_file = work / f"gold-{size}.jsonl"
        gold_file.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in asked),
                             encoding="utf-8")
        query = run_worker("query", data_dir=data1, gold=gold_file)
        print(f"query at {size}: p50 {query['p50_ms']:.1f} ms p95 {query['p95_ms']:.1f} ms", file=log)
        injected = {p.stem for p in plan[:size] if manifest[p.stem]["inconsistent"]}
        flagged = set(query["flagged"])
        steps.append({"size": size, "added": len(chunk), "ingest": ingest, "query": query,
                      "sqlite_mb": dir_mb(data1 / "xxgk.sqlite3") + dir_mb(data1 / "xxgk.sqlite3-wal"),
                      "store_mb": dir_mb(data1), "chroma_mb": dir_mb(data1 / "chroma"),
                      "injected": len(injected), "found": len(injected & flagged),
                      "false_flags": len(flagged - injected)})
        previous = size

    parallel = None
    if not args.skip_parallel:
        listing = write_list(work / "files-all.txt", files)
        parallel = run_worker("ingest", ONE_THREAD, data_dir=work / "data-all-cores", files=listing,
                              workers=cores)
        print(f"ingest all on {cores} cores: {parallel['wall_s']:.1f} s", file=log)

    one_core = [s["ingest"] for s in steps]
    total = {k: sum(i[k] for i in one_core) for k in ("ingested", "pages", "wall_s", "embed_s", "passages")}
    print(render(info, load_start, loadavg(), len(files), generate_s, gold, parse, steps, total,
                 parallel, cores, args))
    if tmp is not None:
        tmp.cleanup()
    return 0


def render(info, load_start, load_end, n_files, generate_s, gold, parse, steps, total, parallel,
           cores, args) -> str:
    kinds = Counter(g["kind"] for g in gold)
    out = ["### Scale benchmark (scripts/bench_scale.py)", "",
           f"Machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), "
           f"{info['ram_gb']} GB RAM, Python {info['python']}, {info['os']}. "
           f"Load average {load_start} at start, {load_end} at end.", "",
           f"Corpus: {n_files} generated report PDFs (devtools.scale_corpus, seed {args.seed}; "
           f"{round(args.inconsistent * 100)} % with one broken identity) written in {generate_s:.1f} s "
           f"on {cores} processes; {len(gold)} gold items ("
           + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ").", "",
           "**Ingest** (load, parse, embed with the configured embedding, Chroma + SQLite)", "",
           "| mode | reports | pages | wall s | pages/s | reports/min | embedding share | peak RSS MB |",
           "|---|---|---|---|---|---|---|---|"]
    for s in steps:
        i = s["ingest"]
        out.append(f"| one core, store {s['size'] - s['added']}→{s['size']} | {i['ingested']} | {i['pages']} | "
                   f"{i['wall_s']:.1f} | {rate(i['pages'], i['wall_s']):.2f} | "
                   f"{rate(i['ingested'], i['wall_s']) * 60:.1f} | {rate(i['embed_s'], i['wall_s']):.0%} | "
                   f"{i['peak_rss_mb']:.0f} |")
    out.append(f"| one core, all steps | {total['ingested']} | {total['pages']} | {total['wall_s']:.1f} | "
               f"{rate(total['pages'], total['wall_s']):.2f} | "
               f"{rate(total['ingested'], total['wall_s']) * 60:.1f} | "
               f"{rate(total['embed_s'], total['wall_s']):.0%} | |")
    if parallel:
        p = parallel
        out.append(f"| all {cores} cores ({p['workers']} workers read and embed, one process stores) | "
                   f"{p['ingested']} | {p['pages']} | {p['wall_s']:.1f} | {rate(p['pages'], p['wall_s']):.2f} | "
                   f"{rate(p['ingested'], p['wall_s']) * 60:.1f} | (in the workers) | "
                   f"{p['peak_rss_mb']:.0f} (+ {p['pool_peak_rss_mb']:.0f} per worker) |")
    out += ["", f"Parse only (load + parse_document, {parse['files']} reports): one process "
                f"{parse['serial_s']:.1f} s ({rate(parse['files'], parse['serial_s']) * 60:.0f} reports/min), "
                f"pool of {parse['workers']} {parse['pool_s']:.1f} s "
                f"({rate(parse['files'], parse['pool_s']) * 60:.0f} reports/min).", "",
            "**Questions without an LLM** (a separate server process on the one-core store; each gold "
            "item asked in Chinese and English; latency of warm questions)", "",
            "| reports | store MB (SQLite + Chroma) | setup s | first table / passage question s "
            "| asked | p50 ms | p95 ms | p50 / p95 ms by route | correct (zh / en) | peak RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for s in steps:
        q = s["query"]
        routes = ", ".join(f"{mode} {p50:.0f} / {p95:.0f}" for mode, (_, p50, p95) in q["routes"].items())
        out.append(f"| {s['size']} | {s['store_mb']:.1f} ({s['sqlite_mb']:.1f} + {s['chroma_mb']:.1f}) | "
                   f"{q['setup_s']:.1f} | {q['cold_s']['table']:.2f} / {q['cold_s']['text']:.2f} | "
                   f"{q['asks']} | {q['p50_ms']:.1f} | {q['p95_ms']:.1f} | {routes} | "
                   f"{fmt_correct(q['correct'])} | {q['peak_rss_mb']:.0f} |")
    out += ["", "**Consistency check** (reports with an error finding vs reports made inconsistent)", "",
            "| reports | injected | flagged of those | clean reports flagged |", "|---|---|---|---|"]
    for s in steps:
        out.append(f"| {s['size']} | {s['injected']} | {s['found']} | {s['false_flags']} |")
    failed = [r for s in steps for r in s["ingest"]["failed"]]
    if failed:
        out += ["", f"Files that failed to ingest: {len(failed)}"] + [f"- {r}" for r in failed[:10]]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
