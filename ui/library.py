"""The web app's uploads: files kept on disk, handed to the service's library.

Uploaded files are kept under ``uploads_dir/<first 16 hex of sha256>/<original name>``
so that two different files with the same name never replace each other, the same
bytes uploaded twice (or already ingested from elsewhere) are one copy, and every
report can be re-ingested and previewed later. Ingesting, deleting and correcting
reports are the service's (``assistant.library``).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant import AgencySummary, Assistant
from ingest.errors import InputError, XxgkError
from ingest.loaders import SUPPORTED_SUFFIXES, check_file
from ingest.models import AgencyRecord
from ingest.pipeline import FileResult, Overrides, file_hash

log = logging.getLogger(__name__)

Progress = Callable[..., object]  # progress(fraction, desc=...) as gr.Progress takes it


@dataclass(frozen=True)
class ReportRow:
    """One ingested report as the library lists it."""

    report_id: str
    agency: str | None
    year: int | None
    template: str | None
    pages: int
    facts: int
    passages: int
    findings: int
    source_file: str
    kind: str
    unknown: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    duplicate_of: str | None = None

    @property
    def name(self) -> str:
        return Path(self.source_file).name


class Library:
    def __init__(self, assistant: Assistant, uploads_dir: str | Path | None = None,
                 max_file_bytes: int | None = None):
        self.assistant = assistant
        self.service = assistant.library
        self.uploads_dir = Path(uploads_dir or self.service.data_dir / "uploads").resolve()
        self.max_file_bytes = max_file_bytes or self.service.max_file_bytes
        # Uploads and corrections from several browser tabs take turns in this process.
        self.lock = threading.RLock()

    @staticmethod
    def supported_suffixes() -> list[str]:
        return sorted(SUPPORTED_SUFFIXES)

    # ------------------------------------------------------------ adding

    def check(self, path: Path) -> str | None:
        """Why the file cannot be ingested (type, emptiness, size), or None. Nothing is parsed."""
        try:
            check_file(path, self.max_file_bytes)
        except InputError as exc:
            return exc.reason
        return None

    def add(self, files: Iterable[str | Path], progress: Progress | None = None,
            overrides: Overrides = Overrides()) -> list[FileResult]:
        """Check every file first, keep a copy of the good ones, then ingest them one by one.

        ``overrides`` (agency/year the user typed) apply to every file of the batch, as
        ``xxgk ingest --agency/--year`` does; a file that fails leaves no copy behind.
        """
        paths = [Path(f) for f in files if f]
        results: dict[int, FileResult] = {}
        accepted: list[tuple[int, Path]] = []
        for i, path in enumerate(paths):
            reason = self.check(path)
            if reason:
                results[i] = FileResult(path.name, "failed", reason)
            else:
                accepted.append((i, path))
        with self.lock:
            for n, (i, path) in enumerate(accepted):
                if progress is not None:
                    progress(n / len(accepted), desc=f"正在入库 {path.name}（{n + 1}/{len(accepted)}）")
                results[i] = self._add_one(path, overrides, _page_progress(progress, path.name, n,
                                                                           len(accepted)))
            if progress is not None and accepted:
                progress(1.0, desc="完成")
        return [results[i] for i in range(len(paths))]

    def _add_one(self, path: Path, overrides: Overrides, pages=None) -> FileResult:
        """One file of an upload: whatever goes wrong is this file's result, and its copy goes."""
        kept = self._keep(path)
        try:
            result = self.service.add([kept], overrides, pages=pages)[0]
        except XxgkError as exc:
            result = FileResult(str(kept), "failed", f"{path.name}: {exc}")
        except Exception as exc:  # never lose the rest of the upload to one file
            log.exception("ingesting %s failed", path)
            result = FileResult(str(kept), "failed", f"{path.name}: could not be ingested "
                                                     f"({type(exc).__name__})")
        if result.failed:
            self._forget_copy(kept)
        return result

    def _keep(self, path: Path) -> Path:
        """The copy under uploads/ that the report will point at; bytes already kept are reused."""
        digest = file_hash(path)
        stored = self.service.report(digest)
        if stored is not None and Path(stored.source_file).is_file():
            return Path(stored.source_file)
        folder = self.uploads_dir / digest[:16]
        if folder.is_dir():
            kept = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".part"))
            if kept:
                return kept[0]
        target = folder / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        return target

    # ------------------------------------------------------------ changing

    def delete(self, report_id: str) -> bool:
        """Remove the report, its facts, passages and findings, and its kept upload copy."""
        with self.lock:
            record = self.service.report(report_id)
            if record is None:
                return False
            self.service.delete(report_id)
            self._forget_copy(Path(record.source_file))
        return True

    def _forget_copy(self, path: Path) -> None:
        try:
            resolved = path.resolve()
        except OSError:
            return
        if self.uploads_dir not in resolved.parents:
            return  # ingested from elsewhere (the CLI): not ours to remove
        if any(Path(r.record.source_file).resolve() == resolved for r in self.service.reports()):
            return
        resolved.unlink(missing_ok=True)
        if resolved.parent != self.uploads_dir and not any(resolved.parent.iterdir()):
            resolved.parent.rmdir()

    def override(self, report_id: str, agency: str | None, year: int | None) -> FileResult:
        """Re-ingest the kept file with the agency and/or year given (where recognition failed)."""
        with self.lock:
            return self.service.reingest(report_id, agency, year)

    def merge_agencies(self, keep: str, other: str) -> tuple[AgencyRecord, AgencyRecord, int]:
        with self.lock:
            return self.service.merge_agencies(keep, other)

    def rename_agency(self, agency_id: str, name: str) -> AgencyRecord:
        with self.lock:
            return self.service.rename_agency(agency_id, name)

    # ------------------------------------------------------------ listing

    def agencies(self) -> list[AgencySummary]:
        return self.service.agencies()

    def reports(self) -> list[ReportRow]:
        rows = []
        for summary in self.service.reports():
            r = summary.record
            rows.append(ReportRow(
                report_id=r.id, agency=r.agency, year=r.year, template=r.template,
                pages=r.page_count, facts=summary.facts, passages=summary.passages,
                findings=summary.findings, source_file=r.source_file, kind=r.kind,
                unknown=tuple(r.unknown), overridden=tuple(r.overridden),
                problems=tuple(p.get("message", "") for p in r.problems), duplicate_of=r.duplicate_of))
        return rows

    def find(self, report_id: str) -> ReportRow | None:
        return next((r for r in self.reports() if r.report_id == report_id), None)


def display_reason(result: FileResult) -> str:
    """The failure reason without the file path the pipeline puts in front of it."""
    reason = result.reason or ""
    for prefix in (f"{result.path}: ", f"{Path(result.path).name}: "):
        if reason.startswith(prefix):
            return reason[len(prefix):]
    return reason


def suffixes_text(suffixes: Sequence[str] | None = None) -> str:
    return " ".join(s.lstrip(".").upper() for s in (suffixes or Library.supported_suffixes()))


def _page_progress(progress: Progress | None, name: str, n: int, files: int):
    """The upload's bar moves with the pages of file ``n`` (a scan is read page by page)."""
    if progress is None:
        return None

    def pages(_path: str, done: int, total: int) -> None:
        progress((n + done / max(total, 1)) / files,
                 desc=f"正在入库 {name}（{n + 1}/{files}）第 {done}/{total} 页")

    return pages
