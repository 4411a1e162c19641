"""The ingest pipeline: a pure parse of one document, and the shell that stores it.

parse_document() turns a loaded Document into a ParsedReport without any I/O.
Ingestor walks files and folders, skips what is already stored, and writes
each report all or nothing: passages go to Chroma first, then the report,
facts, passages and findings in one SQLite transaction. Chroma entries whose
report never committed are removed on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import template as tpl
from .checks import carry_over_findings, identity_findings, prose_findings
from .errors import InputError
from .loaders import SUPPORTED_SUFFIXES, check_file, load
from .mapping import map_tables
from .models import Document, ParsedReport, Problem, ReportMeta
from .passages import prose_passages, table_row_passages
from .recognize import recognize, short_names
from .store import ReportRecord, Store, StoredPassage

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
    return set(record.overridden) == set(wanted.fields()) and all(
        getattr(record, f) == getattr(wanted, f) for f in wanted.fields())


def parse_document(doc: Document, overrides: Overrides = Overrides()) -> ParsedReport:
    meta = apply_overrides(recognize(doc), overrides)
    tables = map_tables(doc.blocks, meta.template)
    facts = list(tables.facts.values())
    prose = prose_passages(doc.blocks)
    passages = prose + table_row_passages(facts)
    findings = identity_findings(tables.facts, meta.template) + prose_findings(tables.facts, prose)
    problems = list(tables.problems)
    if facts and not any(f.table == tpl.T3 for f in facts):
        problems.append(Problem("没有找到表三（收到和处理政府信息公开申请情况）"))
    return ParsedReport(meta=meta, facts=tuple(facts), passages=tuple(passages),
                        findings=tuple(findings), problems=tuple(problems))


def looks_like_report(parsed: ParsedReport) -> bool:
    """A report has template tables, or at least a report title naming its year."""
    return bool(parsed.facts) or bool(parsed.meta.title and parsed.meta.year)


# ------------------------------------------------------------------ the I/O shell


@dataclass
class FileResult:
    path: str
    status: str  # "ingested", "unchanged", "failed", "skipped"
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
    duplicate_of: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Files to ingest; the flag says whether the file was named explicitly."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
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


def _crash_point(name: str) -> None:
    """Lets the crash-consistency test kill the process at a chosen step."""
    if os.environ.get("XXGK_TEST_CRASH_AT") == name:
        os._exit(70)


class Ingestor:
    def __init__(self, store: Store, index, max_file_bytes: int = 50_000_000):
        self.store = store
        self.index = index
        self.max_file_bytes = max_file_bytes
        self._cleaned = False

    def ingest(self, paths: Iterable[Path], overrides: Overrides = Overrides(),
               progress: Callable[[FileResult], None] | None = None) -> list[FileResult]:
        if not self._cleaned:
            self.index.remove_orphans(self.store.report_ids())
            self._cleaned = True
        results = []
        for path, explicit in expand_paths(paths):
            result = self.ingest_file(path, overrides, explicit=explicit)
            results.append(result)
            if progress:
                progress(result)
        return results

    def ingest_file(self, path: Path, overrides: Overrides = Overrides(), *,
                    explicit: bool = True) -> FileResult:
        started = time.perf_counter()
        name = str(path)
        if not explicit and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return FileResult(name, "skipped", f"{name}: not a supported report file type")
        try:
            check_file(path, self.max_file_bytes)
            wanted = overrides.merged(read_sidecar(path))
            report_id = file_hash(path)
            existing = self.store.report(report_id)
            if existing is not None and existing.source_file == name and _same_overrides(existing, wanted):
                return self._result_from_store(existing, "unchanged", started)
            parsed = parse_document(load(path, self.max_file_bytes), wanted)
            if not looks_like_report(parsed):
                reason = (f"{name}: this does not look like a 政府信息公开工作年度报告 "
                          "(no report title and none of the template's tables)")
                # A README beside the reports in a folder is not a failed report.
                return FileResult(name, "failed" if explicit else "skipped", reason)
            return self._save(path, report_id, parsed, wanted, started)
        except InputError as exc:
            return FileResult(name, "failed", str(exc))

    def _save(self, path: Path, report_id: str, parsed: ParsedReport, overrides: Overrides,
              started: float) -> FileResult:
        meta = parsed.meta
        findings = list(parsed.findings) + self._carry_over(meta, parsed)
        replaced = [r.id for r in self.store.reports_for_source(str(path)) if r.id != report_id]
        duplicate_of = self._duplicate_of(report_id, meta, parsed)
        record = ReportRecord(
            id=report_id, source_file=str(path), kind=path.suffix.lower().lstrip("."),
            agency=meta.agency, year=meta.year, template=meta.template, title=meta.title,
            page_count=meta.page_count, short_names=meta.short_names, unknown=meta.unknown,
            overridden=overrides.fields(),
            problems=tuple({"message": p.message, "page": p.page, "text": p.text[:200]}
                           for p in parsed.problems),
            duplicate_of=duplicate_of, ingested_at=time.time())
        passages = [StoredPassage(f"{report_id[:20]}:{n}", report_id, p)
                    for n, p in enumerate(parsed.passages)]
        self.index.add(passages, meta.agency, meta.year)
        _crash_point("after_index")
        self.store.save_report(record, parsed.facts, passages, findings, replaces=replaced,
                               crash_hook=_crash_point)
        for old in replaced:
            self.index.delete_report(old)
        return FileResult(
            str(path), "ingested", report_id=report_id, agency=meta.agency, year=meta.year,
            template=meta.template, pages=meta.page_count, facts=len(parsed.facts),
            passages=len(passages), findings=len(findings),
            problems=[p.message for p in parsed.problems], unknown=meta.unknown,
            duplicate_of=duplicate_of, seconds=time.perf_counter() - started)

    def _duplicate_of(self, report_id: str, meta: ReportMeta, parsed: ParsedReport) -> str | None:
        """The same report from another file (PDF and saved web page) must not count twice.

        The copy with more facts stays primary; on a tie, the one stored first.
        """
        if meta.agency is None or meta.year is None:
            return None
        others = [r for r in self.store.reports_for(meta.agency, meta.year)
                  if r.id != report_id and r.duplicate_of is None]
        if not others:
            return None
        primary = others[0]
        if len(parsed.facts) > self.store.counts(primary.id)["facts"]:
            self.store.set_duplicate(primary.id, report_id)
            return None
        return primary.id

    def _carry_over(self, meta: ReportMeta, parsed: ParsedReport) -> list:
        if meta.agency is None or meta.year is None:
            return []
        facts = {(f.table, f.row, f.column): f for f in parsed.facts}
        findings = []
        for previous in self.store.reports_for(meta.agency, meta.year - 1):
            if previous.duplicate_of is None:
                findings += carry_over_findings(self.store.fact_map(previous.id), facts,
                                                meta.year - 1, meta.year)
        return findings

    def _result_from_store(self, record: ReportRecord, status: str, started: float) -> FileResult:
        counts = self.store.counts(record.id)
        return FileResult(
            record.source_file, status, report_id=record.id, agency=record.agency,
            year=record.year, template=record.template, pages=record.page_count,
            facts=counts["facts"], passages=counts["passages"], findings=counts["findings"],
            problems=[p["message"] for p in record.problems], unknown=record.unknown,
            duplicate_of=record.duplicate_of, seconds=time.perf_counter() - started)

    def delete(self, report_id: str) -> bool:
        deleted = self.store.delete_report(report_id)
        self.index.delete_report(report_id)
        return deleted
