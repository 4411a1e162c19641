"""Team deployment figures: ingest with 1 and 2 workers on SQLite and PostgreSQL, question
latency at 1,000 and 10,000 reports on each, and 20 concurrent clients on two app processes.

    python scripts/bench_team.py                               # 1,000 reports; 10,000 facts-only
    python scripts/bench_team.py --reports 100 --facts-only 1000 --clients 10     # a quick run

* Ingest: N generated report PDFs (devtools.scale_corpus) through `xxgk ingest --workers W`
  into a fresh store of each backend (embedded Chroma, the configured embedding: USE by
  default); wall time, reports/min, peak memory of the whole process tree (workers included).
* Questions: every store of the ingest step answers a sample of its gold questions in one
  process (no LLM): p50/p95 by kind. At 10,000 reports the stores hold facts and findings
  only (files parsed in a pool, saved without passages): embedding half a million passages
  is hours on this machine; table questions are asked there.
* Serving: one PostgreSQL + one `chroma run`, two `xxgk serve` processes, C clients asking
  table and passage questions through the app's HTTP API, spread over both processes.

PostgreSQL and Chroma are started by devtools.servers on loopback ports. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

from assistant.evaluation import percentile  # noqa: E402
from devtools.servers import HOST, ChromaServer, PostgresServer, free_port, stop, wait_for_http  # noqa: E402


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; its wall seconds, the peak memory of its process tree, its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    box: dict[str, str] = {}
    reader = threading.Thread(target=lambda: box.update(zip(("out", "err"), proc.communicate())))
    reader.start()
    while reader.is_alive():
        peak = max(peak, tree_rss_mb(proc.pid))
        reader.join(0.25)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed:\n{box.get('err', '')[-3000:]}")
    return time.perf_counter() - started, peak, box.get("out", "")


def xxgk(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())", *args]


def environment(data_dir: Path, store_url: str | None, chroma: ChromaServer | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")}
    env.update({"XXGK_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "GRADIO_ANALYTICS_ENABLED": "False"})
    if store_url:
        env["XXGK_STORE__URL"] = store_url
    if chroma is not None:
        env.update({"XXGK_CHROMA__MODE": "http", "XXGK_CHROMA__HOST": HOST,
                    "XXGK_CHROMA__PORT": str(chroma.port)})
    return env


# ---------------------------------------------------------------- questions in one process


def ask_sample(data_dir: Path, store_url: str | None, gold: list[dict], *, facts_only: bool) -> dict:
    from assistant.config import load_config
    from assistant.factory import make_assistant, make_reader

    config = load_config(environ={}, data_dir=data_dir, store__url=store_url)
    assistant = make_reader(config) if facts_only else make_assistant(config)
    assistant.warm_up()
    by_kind: dict[str, list[float]] = {}
    for item in gold:
        started = time.perf_counter()
        assistant.ask(item["question"])
        by_kind.setdefault(item["kind"], []).append((time.perf_counter() - started) * 1000)
    everything = [x for xs in by_kind.values() for x in xs]
    return {"asked": len(everything), "p50": statistics.median(everything),
            "p95": percentile(everything, 0.95),
            "by_kind": {k: (len(xs), statistics.median(xs), percentile(xs, 0.95)) for k, xs in by_kind.items()}}


def sample(gold: list[dict], n: int, kinds: tuple[str, ...], seed: int = 0) -> list[dict]:
    picked = [g for g in gold if g["kind"] in kinds]
    random.Random(seed).shuffle(picked)
    return picked[:n]


# ---------------------------------------------------------------- facts-only stores


def _parse_text(job: tuple) -> tuple:
    from devtools import samples
    from ingest.loaders import load
    from ingest.pipeline import parse_document

    report, path = job
    samples.write_text(report, path)
    parsed = parse_document(load(path))
    path.unlink()
    return str(path), parsed


def facts_only_store(store, plan, reports, work: Path, workers: int) -> float:
    """Save every planned report's facts and findings (no passages); seconds taken."""
    from ingest.models import ReportRecord

    started = time.perf_counter()
    jobs = [(r, work / f"{p.stem}.txt") for p, r in zip(plan, reports)]
    with ProcessPoolExecutor(workers) as pool:
        for n, (path, parsed) in enumerate(pool.map(_parse_text, jobs, chunksize=16)):
            meta = parsed.meta
            record = ReportRecord(id=f"{n:064x}", source_file=path, kind="txt", agency=meta.agency, year=meta.year,
                                  template=meta.template, title=meta.title, page_count=meta.page_count,
                                  short_names=meta.short_names, printed_agency=meta.printed_agency)
            store.save_report(record, parsed.facts, [], parsed.findings, identity=meta.identity)
    return time.perf_counter() - started


# ---------------------------------------------------------------- serving


def serve_two(work: Path, store_url: str, chroma: ChromaServer, files: list[Path], clients: int,
              rounds: int, questions: list[str]) -> dict:
    from gradio_client import Client

    run_measured(xxgk("ingest", "--no-progress", *map(str, files)),
                 environment(work / "serve-ingest", store_url, chroma))
    procs, urls = [], []
    try:
        for name in ("app1", "app2"):
            port = free_port()
            log = (work / f"{name}.log").open("w")
            procs.append(subprocess.Popen(xxgk("serve", "--port", str(port)), cwd=REPO,
                                          env=environment(work / name, store_url, chroma),
                                          stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://{HOST}:{port}/")
        for url, proc in zip(urls, procs):
            wait_for_http(url, proc, timeout=240)
        pool = [Client(urls[i % 2], verbose=False) for i in range(clients)]
        for client in pool[:2]:
            client.predict(questions[0], "", None, api_name="/answer")  # warm both

        def ask(i: int) -> list[float]:
            out = []
            for r in range(rounds):
                started = time.perf_counter()
                result = pool[i].predict(questions[(i + r) % len(questions)], "", None, api_name="/answer")
                if "error" in result:
                    raise SystemExit(result["error"])
                out.append((time.perf_counter() - started) * 1000)
            return out

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as threads:
            latencies = [x for xs in threads.map(ask, range(clients)) for x in xs]
        wall = time.perf_counter() - started
        return {"clients": clients, "asked": len(latencies), "p50": statistics.median(latencies),
                "p95": percentile(latencies, 0.95), "max": max(latencies), "per_s": len(latencies) / wall}
    finally:
        for proc in procs:
            stop(proc)


# ---------------------------------------------------------------- the benchmark

BACKENDS = ("sqlite", "postgresql")


class Section:
    """The Markdown section being written; each table row is also printed as it is measured."""

    def __init__(self, heading: list[str]) -> None:
        self.lines = heading
        self.questions_header = False

    def add(self, *lines: str) -> None:
        self.lines += lines

    def row(self, line: str) -> None:
        self.lines.append(line)
        print(line, file=sys.stderr)

    def question_row(self, store: str, reports: int, got: dict, asked: int | None = None) -> None:
        if not self.questions_header:
            count = f"{asked} gold questions; " if asked else ""
            self.add("", f"**Questions** (one process, no LLM; {count}ms)", "",
                     "| store | reports | p50 | p95 | by kind: n · p50 / p95 |", "|---|---|---|---|---|")
            self.questions_header = True
        kinds = ", ".join(f"{k} {n} · {p50:.0f} / {p95:.0f}" for k, (n, p50, p95) in got["by_kind"].items())
        self.row(f"| {store} | {reports} | {got['p50']:.0f} | {got['p95']:.0f} | {kinds} |")


def ingest_and_ask(out: Section, work: Path, postgres: PostgresServer, args, cores: int) -> None:
    """N report PDFs into a fresh store per backend and worker count, then questions on the
    stores of the most workers."""
    from devtools.scale_corpus import write_scale_corpus

    started = time.perf_counter()
    corpus = write_scale_corpus(work / "corpus", args.reports, workers=cores)
    gold = [json.loads(line) for line in corpus.gold.read_text(encoding="utf-8").splitlines()]
    print(f"generated {len(corpus.files)} PDFs in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    out.add(f"**Ingest** of {len(corpus.files)} generated report PDFs (`xxgk ingest --workers W`, "
            "embedded Chroma, USE embedding)", "",
            "| store | workers | wall s | reports/min | peak memory MB (all processes) |", "|---|---|---|---|---|")
    worker_counts = [int(w) for w in args.workers.split(",")]
    stores = {}
    for backend in BACKENDS:
        for workers in worker_counts:
            data = work / f"data-{backend}-{workers}"
            url = postgres.new_database() if backend == "postgresql" else None
            wall, peak, _ = run_measured(xxgk("ingest", "--no-progress", "--workers", str(workers),
                                              *map(str, corpus.files)), environment(data, url))
            stores[(backend, workers)] = (data, url)
            out.row(f"| {backend} | {workers} | {wall:.0f} | {len(corpus.files) / wall * 60:.0f} | {peak:.0f} |")
    asked = sample(gold, args.questions, ("table", "text", "cross", "unanswerable"))
    for backend in BACKENDS:
        data, url = stores[(backend, max(worker_counts))]
        out.question_row(backend, len(corpus.files), ask_sample(data, url, asked, facts_only=False), len(asked))


def facts_only_and_ask(out: Section, work: Path, postgres: PostgresServer, args, cores: int) -> None:
    """N reports' facts and findings (no passages) per backend; table questions on them."""
    from devtools.scale_corpus import build_reports, plan_corpus, scale_gold
    from ingest.store import Store

    plan = plan_corpus(args.facts_only, seed=1)
    reports = build_reports(plan)
    table_gold = sample(scale_gold(plan, reports, seed=1), args.questions, ("table", "cross", "unanswerable"))
    (work / "text").mkdir(exist_ok=True)
    for backend in BACKENDS:
        url = postgres.new_database() if backend == "postgresql" else None
        data = work / f"facts-{backend}"
        store = Store(url or data / "xxgk.sqlite3")
        seconds = facts_only_store(store, plan, reports, work / "text", cores)
        store.close()
        out.question_row(f"{backend}, facts only (saved in {seconds:.0f} s)", args.facts_only,
                         ask_sample(data, url, table_gold, facts_only=True))


def serve_and_ask(out: Section, work: Path, postgres: PostgresServer, chroma: ChromaServer, args) -> None:
    from devtools import samples

    files = samples.write_corpus(work / "serve-corpus", n_agencies=3, years=(2021, 2022, 2023))
    agencies = [a.name for a in samples.AGENCIES[:3]]
    questions = ([f"{a}{y}年本年新收政府信息公开申请多少件？" for a in agencies for y in (2021, 2022, 2023)]
                 + [f"{a}{y}年政府信息公开工作存在哪些问题？" for a in agencies for y in (2022, 2023)])
    got = serve_two(work, postgres.new_database(), chroma, files, args.clients, args.rounds, questions)
    out.add("", f"**Serving**: two `xxgk serve` processes on one PostgreSQL and one `chroma run`, "
                f"{got['clients']} concurrent clients spread over both, {got['asked']} table and passage "
                f"questions: p50 {got['p50']:.0f} ms, p95 {got['p95']:.0f} ms, max {got['max']:.0f} ms, "
                f"{got['per_s']:.1f} questions/s.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000,
                        help="report PDFs ingested per store (0: skip ingest and its questions)")
    parser.add_argument("--workers", default="1,2", help="worker counts to ingest with")
    parser.add_argument("--facts-only", type=int, default=10000, help="reports of the facts-only stores (0: skip)")
    parser.add_argument("--questions", type=int, default=200, help="questions asked per store")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="questions per client")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="xxgk-team-"))
    work.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    postgres = PostgresServer().start()
    chroma = ChromaServer(work).start()
    out = Section(["### Team deployment (scripts/bench_team.py)", "",
                  f"Machine: {cores} cores, {os.cpu_count()} CPUs, PostgreSQL from {postgres.bindir}, "
                  f"load average {os.getloadavg()[0]:.2f} at start.", ""])
    try:
        if args.reports:
            ingest_and_ask(out, work, postgres, args, cores)
        if args.facts_only:
            facts_only_and_ask(out, work, postgres, args, cores)
        serve_and_ask(out, work, postgres, chroma, args)
        out.add(f"\nLoad average {os.getloadavg()[0]:.2f} at the end.")
        print("\n".join(out.lines))
    finally:
        chroma.stop()
        postgres.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
