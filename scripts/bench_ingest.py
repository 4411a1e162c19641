"""Benchmark ingestion: parse, embed and store every report under a folder.

    python scripts/bench_ingest.py [FOLDER]        # default ../shared/corpus
    python scripts/bench_ingest.py --generate 20   # 20 generated sample PDFs instead

Each file is first loaded and parsed on its own (timed: the parse share), then the
whole folder is ingested by the real pipeline with the default configuration (USE
embedding, embedded Chroma, unless config.yaml / XXGK_* say otherwise) into a fresh
temporary data directory, timing the embedding calls separately. Nothing is kept.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.offline import stay_offline  # noqa: E402

stay_offline()

from assistant.config import Config, load_config  # noqa: E402
from assistant.factory import make_ingestor  # noqa: E402
from ingest.errors import InputError  # noqa: E402
from ingest.loaders import SUPPORTED_SUFFIXES, load  # noqa: E402
from ingest.pipeline import FileResult, expand_paths, parse_document  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@dataclass
class ParseTiming:
    files: int = 0
    load_s: float = 0.0
    parse_s: float = 0.0
    failed: list[str] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.load_s + self.parse_s


class TimedEmbedding:
    """Wraps the index's embedding function to add up the time spent embedding."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0

    def __call__(self, texts):
        started = time.perf_counter()
        vectors = self.inner(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return vectors

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def report_files(folder: Path) -> list[Path]:
    return [p for p, _ in expand_paths([folder]) if p.suffix.lower() in SUPPORTED_SUFFIXES]


def generate_samples(out_dir: Path, n: int) -> Path:
    """Write n sample PDFs (agencies and years cycled, seeds distinct)."""
    from devtools import samples

    out_dir.mkdir(parents=True, exist_ok=True)
    years = range(2019, 2025)
    for i in range(n):
        agency = samples.AGENCIES[i % len(samples.AGENCIES)]
        year = years[(i // len(samples.AGENCIES)) % len(years)]
        report = samples.make_report(agency.name, year, samples.template_for_year(year), seed=i)
        samples.write_pdf(report, out_dir / f"{agency.slug}-{year}-{i:04d}.pdf")
    return out_dir


def time_parsing(files: list[Path], max_bytes: int) -> ParseTiming:
    timing = ParseTiming()
    for path in files:
        try:
            started = time.perf_counter()
            doc = load(path, max_bytes)
            loaded = time.perf_counter()
            parse_document(doc)
            timing.load_s += loaded - started
            timing.parse_s += time.perf_counter() - loaded
            timing.files += 1
        except InputError as exc:
            timing.failed.append(str(exc))
    return timing


def ingest_all(config: Config, folder: Path) -> tuple[list[FileResult], float, float, TimedEmbedding]:
    """Returns the results, setup seconds (model load), ingest wall seconds and the embed timer."""
    started = time.perf_counter()
    ingestor = make_ingestor(config)
    ingestor.index.embedding(["预热"])  # models may load lazily: count that as setup
    timer = TimedEmbedding(ingestor.index.embedding)
    ingestor.index.embedding = timer
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    results = ingestor.ingest([folder])
    wall_s = time.perf_counter() - started
    ingestor.store.close()
    return results, setup_s, wall_s, timer


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def rate(amount: float, seconds: float) -> float:
    return amount / seconds if seconds > 0 else float("nan")


def print_report(folder: Path, config: Config, parse: ParseTiming, results: list[FileResult],
                 setup_s: float, wall_s: float, embed: TimedEmbedding) -> None:
    ok = [r for r in results if r.status == "ingested"]
    statuses = Counter(r.status for r in results)
    pages = sum(r.pages for r in ok)
    facts = sum(r.facts for r in ok)
    passages = sum(r.passages for r in ok)
    store_s = wall_s - parse.total_s - embed.seconds

    print(f"folder            {folder}")
    print(f"config            embedding={config.embedding.backend} chroma={config.chroma.mode}")
    print(f"files             {len(results)} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})")
    for r in results:
        if r.failed:
            print(f"  failed          {r.reason}")
    print(f"pages             {pages} (PDF pages; HTML/text count 0)")
    print(f"facts             {facts}")
    print(f"passages          {passages}")
    print(f"setup seconds     {setup_s:.2f} (Chroma client, embedding model load + first call)")
    print(f"wall seconds      {wall_s:.2f} (ingest of all files)")
    print(f"pages/s           {rate(pages, wall_s):.2f}")
    print(f"facts/s           {rate(facts, wall_s):.1f}")
    print(f"reports/min       {rate(len(ok), wall_s) * 60:.1f}")
    print("time split (parse measured per file beforehand; store = wall - parse - embed)")
    print(f"  load            {parse.load_s:7.2f} s  {share(parse.load_s, wall_s)}")
    print(f"  parse           {parse.parse_s:7.2f} s  {share(parse.parse_s, wall_s)}")
    print(f"  embed           {embed.seconds:7.2f} s  {share(embed.seconds, wall_s)}"
          f"  ({embed.texts} texts, {rate(embed.texts, embed.seconds):.0f}/s)")
    print(f"  store+other     {store_s:7.2f} s  {share(store_s, wall_s)}")
    print(f"peak RSS MB       {peak_rss_mb():.0f}")


def share(seconds: float, total: float) -> str:
    return f"{100 * seconds / total:5.1f} %" if total > 0 else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder of reports (default {DEFAULT_CORPUS})")
    parser.add_argument("--generate", type=int, metavar="N",
                        help="benchmark N generated sample PDFs instead of the folder")
    parser.add_argument("--config", help="config file (default: $XXGK_CONFIG or ./config.yaml)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="xxgk-bench-", ignore_cleanup_errors=True) as tmp:
        folder = args.folder
        if args.generate:
            started = time.perf_counter()
            folder = generate_samples(Path(tmp) / "samples", args.generate)
            print(f"generated {args.generate} sample PDFs in {time.perf_counter() - started:.1f} s")
        if not folder.is_dir():
            print(f"bench_ingest: {folder} is not a folder", file=sys.stderr)
            return 2
        config = load_config(args.config, data_dir=Path(tmp) / "data")
        files = report_files(folder)
        parse = time_parsing(files, int(config.ingest.max_file_mb * 1_000_000))
        results, setup_s, wall_s, embed = ingest_all(config, folder)
        print_report(folder, config, parse, results, setup_s, wall_s, embed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
