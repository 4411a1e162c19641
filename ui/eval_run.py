"""The I/O shell of ``xxgk eval``: ingest if asked, ask every gold question in both
languages, run the baseline if asked, and hand the observations to the pure scoring
in :mod:`assistant.evaluation`. It calls the service only.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant import Assistant
from assistant.baseline import CHUNK_OVERLAP, CHUNK_SIZE, BaselineRAG
from assistant.config import Config
from assistant.evaluation import (
    QUESTION_FIELDS,
    UNANSWERABLE,
    EvalReport,
    Retrieved,
    Trial,
    build_report,
)
from assistant.factory import make_assistant
from ingest.errors import InputError
from ingest.models import Citation

REQUIRED_FIELDS = ("id", "answer", "kind")


@dataclass
class EvalRun:
    report: EvalReport
    ingest_failed: list[str] = field(default_factory=list)  # reasons, one per file that failed


def read_gold(path: Path) -> list[dict]:
    """The gold items (as load_gold reads them), or an InputError naming the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the gold file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "the gold file is not UTF-8 text") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(str(path), f"line {number} is not JSON") from None
        if not isinstance(item, dict) or any(f not in item for f in REQUIRED_FIELDS) \
                or not any(item.get(f) for f, _ in QUESTION_FIELDS):
            raise InputError(str(path), f"line {number} needs id, answer, kind and a question "
                                        "or question_en")
        items.append(item)
    if not items:
        raise InputError(str(path), "the gold file has no questions")
    return items


class CellValues:
    """Stored values of cited table cells, read once per report."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._maps: dict[str, dict] = {}

    def __call__(self, citation: Citation) -> float | None:
        if not (citation.table and citation.row and citation.column):
            return None
        if citation.report_id not in self._maps:
            self._maps[citation.report_id] = self.assistant.cells(citation.report_id)
        fact = self._maps[citation.report_id].get((citation.table, citation.row, citation.column))
        if fact is None:
            return None
        # A blank (or dashed) cell counts as 0, as in the template's own arithmetic.
        return fact.value if fact.value is not None else 0.0


def retrieve_passages(assistant, question: str, k: int) -> list[Retrieved]:
    """The top-k passages the assistant's passage route reads for a question."""
    return [Retrieved(h.citation.source_file, h.text, h.citation.agency, h.citation.year)
            for h in assistant.search(question, k=k)]


def ask_gold(assistant, gold: Sequence[dict], *, k: int = 5,
             progress: Callable[[int, int], None] | None = None) -> list[Trial]:
    """Ask each gold question in each language it has; text questions also get hit@k retrieval."""
    cells = CellValues(assistant)
    asks = [(item, field_name, lang) for item in gold for field_name, lang in QUESTION_FIELDS
            if item.get(field_name)]
    trials = []
    for n, (item, field_name, language) in enumerate(asks, start=1):
        question = item[field_name]
        started = time.perf_counter()
        answer = assistant.ask(question)
        ms = (time.perf_counter() - started) * 1000
        retrieved = None
        if item["kind"] == "text":
            retrieved = tuple(retrieve_passages(assistant, question, k))
        trials.append(Trial(item, language, answer, ms, tuple(cells(c) for c in answer.citations),
                            retrieved))
        if progress:
            progress(n, len(asks))
    return trials


def add_baseline(trials: Sequence[Trial], files: Mapping[str, tuple[str | None, int | None]],
                 embedding, workdir: Path, k: int) -> tuple[list[Trial], str]:
    """Index the files the tutorial way and attach its top-k chunks to each answerable trial.

    ``files`` maps each file to its report's (agency, year), so that gold items naming no
    report file can still be matched; the baseline itself never sees them."""
    rag = BaselineRAG(embedding, workdir)
    chunks = rag.add_files(Path(f) for f in files)
    field_of = {language: name for name, language in QUESTION_FIELDS}
    out = []
    for trial in trials:
        if trial.gold["answer"] == UNANSWERABLE:
            out.append(trial)
            continue
        found = rag.search(trial.gold[field_of[trial.language]], k)
        out.append(replace(trial, baseline=tuple(
            Retrieved(c.source_file, c.text, *files.get(c.source_file, (None, None))) for c in found)))
    note = (f"baseline: {chunks} chunks of {len(files)} files (pdfplumber page text; "
            f"RecursiveCharacterTextSplitter({CHUNK_SIZE}/{CHUNK_OVERLAP}); Chroma, same embedding "
            f"{embedding.name()}; top-{k} similarity, no filters)")
    return out, note


def evaluate(gold_path: Path, config: Config, *, ingest_dir: Path | None = None,
             temp_data_dir: bool = False, baseline: bool = False, k: int = 5,
             progress: Callable[[int, int], None] | None = None) -> EvalRun:
    """Run the gold set against the configured store, or against ``ingest_dir`` ingested
    first (into a temporary data directory when ``temp_data_dir``)."""
    if k < 1:
        raise InputError("--k", "k must be at least 1")
    gold = read_gold(gold_path)
    if ingest_dir is not None and not Path(ingest_dir).exists():
        raise InputError(str(ingest_dir), "no such file or folder to ingest")
    notes: list[str] = []
    failed: list[str] = []
    with ExitStack() as stack:
        if temp_data_dir:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="xxgk-eval-",
                                                                  ignore_cleanup_errors=True))
            config = config.model_copy(update={"data_dir": Path(tmp) / "data"})
        assistant = make_assistant(config)
        stack.callback(assistant.close)
        if ingest_dir is not None:
            results = assistant.library.add([Path(ingest_dir)])
            counts = Counter(r.status for r in results)
            failed = [r.reason for r in results if r.failed]
            where = "a temporary data directory" if temp_data_dir else str(config.data_dir)
            notes.append(f"ingested {ingest_dir} into {where}: "
                         + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
            notes += [f"ingest failed: {reason}" for reason in failed]
        records = [s.record for s in assistant.library.reports()]
        primary = [r for r in records if r.duplicate_of is None]
        notes.append(f"store: {len(primary)} reports ({len(records) - len(primary)} duplicate files "
                     f"not counted twice); embedding {config.embedding.backend}; "
                     f"LLM {'on' if config.llm.enabled else 'off'}")
        trials = ask_gold(assistant, gold, k=k, progress=progress)
        if baseline:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="xxgk-baseline-", ignore_cleanup_errors=True)))
            files = {r.source_file: (r.agency, r.year) for r in sorted(records, key=lambda r: r.source_file)
                     if Path(r.source_file).exists()}
            trials, note = add_baseline(trials, files, assistant.embed, workdir, k)
            notes.append(note)
        report = build_report(trials, k=k, gold=str(gold_path), baseline=baseline, notes=notes)
    return EvalRun(report, failed)


def report_json(report: EvalReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)
