"""The ingest pipeline: a pure parse of one document, and the shell that stores it.

parse_document() turns a loaded Document into a ParsedReport without any I/O.
Ingestor walks files and folders (by resolved absolute path), skips what is
already stored, and writes each report all or nothing: a pending marker, the
passages to Chroma under a fresh index key, then the report, its facts, passages
and findings and the choice of which copy answers in one SQLite transaction that
also ends the marker. Index entries that no committed report and no live ingest
owns are removed at the start of the next run; a stored report whose index
entries went missing is repaired when its file is ingested again. Any failure to
read one file is that file's result; the rest of the batch goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import template as tpl
from .agency import identify
from .checks import identity_findings, prose_findings
from .errors import InputError
from .gazetteer import Gazetteer
from .loaders import SUPPORTED_SUFFIXES, check_file, load
from .mapping import map_tables
from .models import Document, ParsedReport, Problem, ReportMeta, ReportRecord, StoredPassage
from .ocr import OcrOptions, PageProgress
from .ocr_check import review_ocr
from .passages import prose_passages, table_row_passages
from .recognize import recognize, short_names
from .store import Store
from .workers import EmbeddingRecipe, ReadingPool, available_cores

SIDECAR_SUFFIX = ".xxgk.json"


@dataclass(frozen=True)
class Overrides:
    """Report facts the user supplies when recognition fails (CLI option or sidecar)."""

    agency: str | None = None
    year: int | None = None
    template: str | None = None

    def merged(self, other: Overrides) -> Overrides:
        return Overrides(self.agency or other.agency, self.year or other.year,
                         self.template or other.template)

    def fields(self) -> tuple[str, ...]:
        return tuple(k for k in ("agency", "year", "template") if getattr(self, k))


def apply_overrides(meta: ReportMeta, overrides: Overrides) -> ReportMeta:
    if not overrides.fields():
        return meta
    agency = overrides.agency or meta.agency
    values = {"agency": agency, "year": overrides.year or meta.year,
              "template": overrides.template or meta.template}
    unknown = tuple(k for k, v in values.items() if v is None)
    names = short_names(agency) if overrides.agency else meta.short_names
    return replace(meta, **values, unknown=unknown, short_names=names)


def _same_overrides(record: ReportRecord, wanted: Overrides) -> bool:
    """Stored with exactly these user-supplied fields and values."""
    stored = {"agency": record.printed_agency or record.agency, "year": record.year,
              "template": record.template}
    return set(record.overridden) == set(wanted.fields()) and all(
        stored[f] == getattr(wanted, f) for f in wanted.fields())


def identify_agency(meta: ReportMeta, doc: Document, gazetteer: Gazetteer) -> ReportMeta:
    """The agency's identity: one id and one name for every printing of the same organ."""
    if not meta.agency:
        return meta
    context = "\n".join(b.text for b in doc.blocks[:300] if b.kind == "text")
    identity = identify(meta.agency, gazetteer, context)
    return replace(meta, agency=identity.name, identity=identity, printed_agency=meta.agency,
                   short_names=short_names(identity.name, meta.agency))


def parse_document(doc: Document, overrides: Overrides = Overrides(),
                   gazetteer: Gazetteer | None = None) -> ParsedReport:
    meta = identify_agency(apply_overrides(recognize(doc), overrides), doc, gazetteer or Gazetteer.load())
    tables = map_tables(doc.blocks, meta.template)
    problems = list(tables.problems)
    cells = tables.facts
    corrections: tuple[str, ...] = ()
    if doc.ocr_pages:
        # A figure from a scanned page is checked by the identities before it is stored; one
        # read from OCR'd text outside a ruled table has no confidence of its own: 0.
        scanned = set(doc.ocr_pages)
        cells = {k: replace(f, confidence=0.0) if f.page in scanned and f.confidence is None else f
                 for k, f in cells.items()}
        review = review_ocr(cells, meta.template)
        cells = review.facts
        problems = list(review.problems) + problems  # what OCR corrected or withheld first
        corrections = tuple(c.message() for c in review.corrections)
    facts = list(cells.values())
    prose = prose_passages(doc.blocks)
    passages = prose + table_row_passages(facts)
    findings = identity_findings(cells, meta.template) + prose_findings(cells, prose)
    if facts and not any(f.table == tpl.T3 for f in facts):
        problems.append(Problem("没有找到表三（收到和处理政府信息公开申请情况）"))
    return ParsedReport(meta=meta, facts=tuple(facts), passages=tuple(passages),
                        findings=tuple(findings), problems=tuple(problems),
                        ocr_pages=doc.ocr_pages, corrections=corrections)


def reidentify(store: Store, gazetteer: Gazetteer | None = None) -> int:
    """Give reports stored before agency identity (or by an older version of it) their
    agency: printings of one organ become one agency. Returns how many were updated."""
    records = store.reports_to_identify()
    if not records:
        return 0
    gazetteer = gazetteer or Gazetteer.load()
    for record in records:
        context = " ".join([record.title] + [p.passage.text for p in store.passages(record.id)[:20]])
        store.set_identity(record.id, identify(record.printed_agency or record.agency or "", gazetteer, context))
    return len(records)


def looks_like_report(parsed: ParsedReport) -> bool:
    """A report has template tables, or at least a report title naming its year."""
    return bool(parsed.facts) or bool(parsed.meta.title and parsed.meta.year)


# ------------------------------------------------------------------ the I/O shell


@dataclass
class FileResult:
    path: str
    status: str  # "ingested", "unchanged", "repaired", "failed", "skipped"
    reason: str = ""
    report_id: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    pages: int = 0
    facts: int = 0
    passages: int = 0
    findings: int = 0
    problems: list[str] = field(default_factory=list)
    unknown: tuple[str, ...] = ()
    duplicate_of: str | None = None  # another copy of this agency's year answers
    superseded: str | None = None  # this copy, a new version, answers instead of that one
    notes: list[str] = field(default_factory=list)  # what the user should know, in English
    seconds: float = 0.0
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR (a scan, or a PDF's pages without text)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Files to ingest, by resolved absolute path; the flag says whether the file was named."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
        path = Path(path).resolve()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") \
                        and not child.name.endswith(SIDECAR_SUFFIX):
                    found.append((child, False))
        else:
            found.append((path, True))
    return found


def read_sidecar(path: Path) -> Overrides:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return Overrides()
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        year = data.get("year")
        return Overrides(data.get("agency"), int(year) if year else None, data.get("template"))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(str(sidecar), f"the override file is not valid JSON with "
                                       f"agency/year/template ({exc})") from None


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_report(path: Path, overrides: Overrides, max_bytes: int, ocr: OcrOptions = OcrOptions(),
                pages: PageProgress | None = None) -> ParsedReport:
    """Load and parse one file. Whatever goes wrong becomes an InputError naming the file."""
    try:
        return parse_document(load(path, max_bytes, ocr, pages), overrides)
    except InputError:
        raise
    except RecursionError:
        raise InputError(str(path), "the file is nested too deeply to read (a damaged or "
                                    "machine-generated document); save it again from its "
                                    "original program") from None
    except MemoryError:
        raise InputError(str(path), "the file needs more memory to read than is available") from None
    except Exception as exc:  # a loader library's own error: XMLSyntaxError, BadZipFile, ...
        detail = " ".join(str(exc).split())[:160]
        raise InputError(str(path), f"the file could not be read ({type(exc).__name__}: {detail}); "
                                    "it may be damaged — open and save it again, then ingest "
                                    "the new copy") from None


CrashHook = Callable[[str], None]
PagesOfFile = Callable[[str, int, int], None]  # (file, pages read, pages in it)


@dataclass(frozen=True)
class ReadJob:
    """A file to read: not stored yet, or stored with other overrides."""

    path: Path
    report_id: str
    overrides: Overrides
    explicit: bool
    started: float

    @property
    def name(self) -> str:
        return str(self.path)


class Ingestor:
    """The I/O shell: files in, reports stored all or nothing, the index kept in step.

    ``crash_hook(step)`` is called at the steps a crash test kills the process at
    ("after_index", "mid_transaction"); production code passes none. ``ocr`` says how
    scanned pages are read. ``pages(path, done, total)``, given to ``ingest``, is told as
    each page of a PDF or image is read (OCR is slow: a progress bar shows pages).
    """

    def __init__(self, store: Store, index, max_file_bytes: int = 50_000_000,
                 crash_hook: CrashHook | None = None, workers: int = 1,
                 ocr: OcrOptions = OcrOptions()):
        self.store = store
        self.index = index
        self.max_file_bytes = max_file_bytes
        self.crash_hook = crash_hook or (lambda step: None)
        self.workers = workers
        self.ocr = ocr
        self._cleaned = False

    def ingest(self, paths: Iterable[Path], overrides: Overrides = Overrides(),
               progress: Callable[[FileResult], None] | None = None,
               workers: int | None = None, pages: PagesOfFile | None = None) -> list[FileResult]:
        """Ingest files and folders; ``workers`` processes read and embed them (default: the
        Ingestor's), while this process writes each report, in the order given.
        ``pages(file, done, total)`` hears of each page read in this process."""
        with self.index.writing():  # one writer at a time for an embedded index
            if not self._cleaned:
                self.remove_orphans()
                self._cleaned = True
            files = expand_paths(paths)
            workers = self.workers if workers is None else workers
            if workers > 1 and len(files) > 1:
                return self._ingest_in_workers(files, overrides, progress, workers)
            results = []
            for path, explicit in files:
                result = self.ingest_file(path, overrides, explicit=explicit, pages=pages)
                results.append(result)
                if progress:
                    progress(result)
            return results

    def _ingest_in_workers(self, files: list[tuple[Path, bool]], overrides: Overrides,
                           progress: Callable[[FileResult], None] | None, workers: int) -> list[FileResult]:
        triaged = [self._triage(path, overrides, explicit) for path, explicit in files]
        reads = [job for job in triaged if isinstance(job, ReadJob)]
        outcomes = iter(())
        if reads:
            workers = min(workers, len(reads))
            # workers tell no page progress: a file's result is their progress
            ocr = self.ocr if self.ocr.threads else replace(self.ocr, threads=max(1, available_cores() // workers))
            pool = ReadingPool(workers, EmbeddingRecipe.of(self.index.embedding, workers),
                               partial(read_report, ocr=ocr), self.max_file_bytes)
            outcomes = pool.read([(job.path, job.overrides) for job in reads])
        results = []
        for job in triaged:
            if isinstance(job, ReadJob):
                outcome = next(outcomes)
                if outcome.parsed is None:
                    result = FileResult(job.name, "failed", outcome.error or "")
                else:
                    result = self._store_parsed(job, outcome.parsed, outcome.vectors)
            else:
                result = job
            results.append(result)
            if progress:
                progress(result)
        return results

    def remove_orphans(self) -> int:
        """Index entries no committed report and no running ingest owns (interrupted ingests)."""
        return self.index.remove_orphans(self._owners)

    def _owners(self, report_id: str | None = None) -> tuple[dict[str, str], set[tuple[str, str]]]:
        """(report id -> committed index key, {(report id, key) of live ingests}), of one
        report or of all; markers of dead ingests are cleared on the way."""
        pending = self.store.pending()
        live = {(p.report_id, p.index_key) for p in pending if p.alive()}
        for p in pending:
            if (p.report_id, p.index_key) not in live:
                self.store.clear_pending(p.report_id, p.index_key)
        if report_id is None:
            return self.store.index_keys(), live
        record = self.store.report(report_id)
        return ({report_id: record.index_key} if record else {}), live

    def ingest_file(self, path: Path, overrides: Overrides = Overrides(), *,
                    explicit: bool = True, pages: PagesOfFile | None = None) -> FileResult:
        job = self._triage(path, overrides, explicit)
        if isinstance(job, FileResult):
            return job
        on_page = (lambda done, total: pages(job.name, done, total)) if pages else None
        try:
            parsed = read_report(job.path, job.overrides, self.max_file_bytes, self.ocr, on_page)
        except InputError as exc:
            return FileResult(job.name, "failed", str(exc))
        return self._store_parsed(job, parsed)

    def _triage(self, path: Path, overrides: Overrides, explicit: bool) -> ReadJob | FileResult:
        """What a file needs before it is read: skipped, failed, unchanged, or to be read."""
        started = time.perf_counter()
        path = Path(path).resolve()
        name = str(path)
        if not explicit and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return FileResult(name, "skipped", f"{name}: not a supported report file type")
        try:
            check_file(path, self.max_file_bytes)
            wanted = overrides.merged(read_sidecar(path))
            report_id = file_hash(path)
        except InputError as exc:
            return FileResult(name, "failed", str(exc))
        existing = self.store.report(report_id)
        if existing is not None and _same_overrides(existing, wanted):
            return self._unchanged(existing, name, started)
        return ReadJob(path, report_id, wanted, explicit, started)

    def _store_parsed(self, job: ReadJob, parsed: ParsedReport, vectors: list | None = None) -> FileResult:
        name = job.name
        if not looks_like_report(parsed):
            reason = (f"{name}: this does not look like a 政府信息公开工作年度报告 "
                      "(no report title and none of the template's tables)")
            # A README beside the reports in a folder is not a failed report.
            return FileResult(name, "failed" if job.explicit else "skipped", reason)
        existing = self.store.report(job.report_id)  # looked at again: the same bytes may be
        if existing is not None and _same_overrides(existing, job.overrides):  # earlier in the batch
            return self._unchanged(existing, name, job.started)
        # The same bytes stored from another file that still exists keep that location.
        source = existing.source_file if existing and Path(existing.source_file).is_file() else name
        return self._save(Path(source), job.report_id, parsed, job.overrides, job.started, vectors)

    def _unchanged(self, record: ReportRecord, name: str, started: float) -> FileResult:
        notes = []
        if record.source_file != name:
            if Path(record.source_file).is_file():
                notes.append(f"the same file is already stored from {record.source_file}; "
                             "that location is kept")
            else:
                self.store.relocate(record.id, name)
                notes.append(f"the file moved from {record.source_file}; the report now points here")
                record = self.store.report(record.id) or record
        repaired = self.repair_index(record)
        if repaired:
            notes.append(f"{repaired} passages were missing from the passage index and were restored")
        result = self._result_from_store(record, "repaired" if repaired else "unchanged", started)
        result.notes = notes
        return result

    def repair_index(self, record: ReportRecord) -> int:
        """Put back index entries of a stored report that the index lost; returns how many."""
        have = self.index.ids(record.id)
        missing = [p for p in self.store.passages(record.id) if p.id not in have]
        if missing:
            self.index.add(missing, record.agency, record.year, record.index_key)
        return len(missing)

    def _save(self, path: Path, report_id: str, parsed: ParsedReport, overrides: Overrides,
              started: float, vectors: list | None = None) -> FileResult:
        meta = parsed.meta
        findings = list(parsed.findings)  # the store adds the carry-over check across years
        replaced = [r.id for r in self.store.reports_for_source(str(path)) if r.id != report_id]
        index_key = secrets.token_hex(4)
        record = ReportRecord(
            id=report_id, source_file=str(path), kind=path.suffix.lower().lstrip("."),
            agency=meta.agency, year=meta.year, template=meta.template, title=meta.title,
            page_count=meta.page_count, short_names=meta.short_names, unknown=meta.unknown,
            overridden=overrides.fields(), printed_agency=meta.printed_agency,
            problems=tuple({"message": p.message, "page": p.page, "text": p.text[:200]}
                           for p in parsed.problems),
            ingested_at=time.time(), index_key=index_key)
        passages = [StoredPassage(f"{report_id[:16]}-{index_key}-{n}", report_id, p)
                    for n, p in enumerate(parsed.passages)]
        # The marker tells a concurrent ingest's clean-up that these entries are ours.
        self.store.mark_pending(report_id, index_key)
        try:
            self.index.add(passages, meta.agency, meta.year, index_key, vectors=vectors)
            self.crash_hook("after_index")
            outcome = self.store.save_report(record, parsed.facts, passages, findings,
                                             replaces=replaced, before_commit=self.crash_hook,
                                             identity=meta.identity)
        except BaseException:
            with contextlib.suppress(Exception):
                self.index.delete_ingest(report_id, index_key)
                self.store.clear_pending(report_id, index_key)
            raise
        for old in replaced:
            self.index.delete_report(old)
        # Entries of earlier ingests of this report go; never those of the ingest that
        # committed it (another process may have, after us) or of one still running.
        self.index.remove_orphans(lambda: self._owners(report_id), report_id)
        notes = [f"{printed} read as {fixed} (one look-alike character; the place {printed} does not exist)"
                 for printed, fixed in (meta.identity.corrections if meta.identity else ())]
        if outcome.duplicate_of:
            other = self.store.report(outcome.duplicate_of)
            notes.append(f"same report as {other.source_file if other else outcome.duplicate_of[:10]}, "
                         "which answers for this agency and year; not counted twice")
        if outcome.superseded:
            other = self.store.report(outcome.superseded)
            notes.append(f"new version of {other.source_file if other else outcome.superseded[:10]} "
                         f"({outcome.differing} figures differ): this one answers from now on, "
                         "the old one is kept (xxgk reports; xxgk delete to remove it)")
        return FileResult(
            str(path), "ingested", report_id=report_id, agency=outcome.agency, year=meta.year,
            template=meta.template, pages=meta.page_count, facts=len(parsed.facts),
            passages=len(passages), findings=self.store.counts(report_id)["findings"],
            problems=[p.message for p in parsed.problems], unknown=meta.unknown,
            duplicate_of=outcome.duplicate_of, superseded=outcome.superseded, notes=notes,
            seconds=time.perf_counter() - started, ocr_pages=parsed.ocr_pages)

    def _result_from_store(self, record: ReportRecord, status: str, started: float) -> FileResult:
        counts = self.store.counts(record.id)
        return FileResult(
            record.source_file, status, report_id=record.id, agency=record.agency,
            year=record.year, template=record.template, pages=record.page_count,
            facts=counts["facts"], passages=counts["passages"], findings=counts["findings"],
            problems=[p["message"] for p in record.problems], unknown=record.unknown,
            duplicate_of=record.duplicate_of, seconds=time.perf_counter() - started)

    def delete(self, report_id: str) -> bool:
        with self.index.writing():
            deleted = self.store.delete_report(report_id)
            self.index.delete_report(report_id)
        return deleted
