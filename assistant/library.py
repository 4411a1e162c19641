"""The library of ingested reports, as the service offers it: list, add, delete, correct.

Adapters (the CLI, the web app) call this instead of the store or the ingest shell:
what ingest writes goes through one Ingestor built from the configuration (its size
limit, its index), and every read comes back as typed records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ConfigError, InputError, NotFound
from ingest.models import AgencyRecord, ReportRecord
from ingest.pipeline import FileResult, Overrides

from .ports import FactStore, ReportWriter


@dataclass(frozen=True)
class ReportSummary:
    """One stored report with its counts, as a library lists it."""

    record: ReportRecord
    facts: int
    passages: int
    findings: int

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def counts(self) -> dict[str, int]:
        return {"facts": self.facts, "passages": self.passages, "findings": self.findings}


@dataclass(frozen=True)
class AgencySummary:
    agency: AgencyRecord
    printings: tuple[str, ...]
    reports: tuple[ReportRecord, ...]


@dataclass(frozen=True)
class StoreStatus:
    backend: str  # "sqlite" or "postgresql"
    location: str  # the file, or the server without its password
    schema_version: int
    reports: int


class ReportLibrary:
    """Reads go to the store; changes go through the Ingestor (None: a read-only library)."""

    def __init__(self, store: FactStore, ingestor: ReportWriter | None = None,
                 data_dir: Path | None = None):
        self.store = store
        self._ingestor = ingestor
        self._data_dir = data_dir

    @property
    def ingestor(self) -> ReportWriter:
        if self._ingestor is None:
            raise ConfigError("this assistant was built without an ingest pipeline; build it with "
                              "assistant.factory.make_assistant to add or change reports")
        return self._ingestor

    @property
    def data_dir(self) -> Path:
        """Where this library keeps its files (uploads, feedback): the configured data
        directory, or the one holding a SQLite store."""
        if self._data_dir is not None:
            return Path(self._data_dir)
        if self.store.path is None:
            raise ConfigError("this library's store is a server; build the assistant with "
                              "assistant.factory.make_assistant so it knows its data_dir")
        return Path(self.store.path).parent

    @property
    def max_file_bytes(self) -> int:
        return self.ingestor.max_file_bytes

    # ------------------------------------------------------------ reading

    def store_status(self) -> StoreStatus:
        """Which store this library is on; opening it applied any migration it lacked."""
        return StoreStatus(self.store.database.name, self.store.location, self.store.schema_version,
                           len(self.store.report_ids()))

    def reports(self) -> list[ReportSummary]:
        return [ReportSummary(r, **self.store.counts(r.id)) for r in self.store.reports()]

    def report(self, report_id: str) -> ReportRecord | None:
        return self.store.report(report_id)

    def find(self, prefix: str) -> ReportRecord:
        """The one report whose id starts with ``prefix``."""
        matches = [r for r in self.store.reports() if r.id.startswith(prefix)]
        if len(matches) != 1:
            raise NotFound(f"{len(matches)} reports match '{prefix}'; give a longer id prefix "
                           "(xxgk reports lists them)")
        return matches[0]

    def agencies(self) -> list[AgencySummary]:
        reports = self.store.reports()
        return [AgencySummary(a, tuple(self.store.printings(a.id)),
                              tuple(sorted((r for r in reports if r.agency_id == a.id), key=lambda r: r.year or 0)))
                for a in self.store.agencies()]

    def agency(self, given: str) -> AgencyRecord:
        """The one agency with this id or name."""
        matches = [a for a in self.store.agencies() if given in (a.id, a.name)]
        if len(matches) != 1:
            raise InputError(given, f"{len(matches)} agencies have this id or name; xxgk agencies lists them")
        return matches[0]

    # ------------------------------------------------------------ changing

    def add(self, paths: Iterable[Path], overrides: Overrides = Overrides(),
            progress: Callable[[FileResult], None] | None = None,
            workers: int | None = None,
            pages: Callable[[str, int, int], None] | None = None) -> list[FileResult]:
        """Ingest files and folders; ``workers`` processes read them (default: ingest.workers);
        ``progress`` hears of each file done, ``pages(file, done, total)`` of each page read
        in this process (a scanned page takes seconds)."""
        return self.ingestor.ingest(paths, overrides, progress, workers=workers, pages=pages)

    def delete(self, report_id: str) -> bool:
        return self.ingestor.delete(report_id)

    def reingest(self, report_id: str, agency: str | None, year: int | None) -> FileResult:
        """Ingest a stored report's file again with the agency and/or year given."""
        agency = (agency or "").strip() or None
        year = int(year) if year else None
        if agency is None and year is None:
            raise InputError(report_id[:12], "请填写单位名称或年度（give an agency or a year）")
        record = self.store.report(report_id)
        if record is None:
            raise NotFound(f"没有这份报告（{report_id[:12]}），它可能已被删除")
        path = Path(record.source_file)
        if not path.is_file():
            raise NotFound(f"原文件已不存在：{path}。请重新上传该文件，并在上传后修改单位或年度。")
        printed = record.printed_agency or record.agency
        wanted = Overrides(
            agency if agency and (agency != printed or "agency" in record.overridden) else None,
            year if year and (year != record.year or "year" in record.overridden) else None)
        return self.ingestor.ingest([path], wanted)[0]

    def merge_agencies(self, keep: str, other: str) -> tuple[AgencyRecord, AgencyRecord, int]:
        """``other`` is the same agency as ``keep`` (given by id or name): its reports, and later
        ingests of its printings, answer under ``keep``. Returns both and how many reports moved."""
        kept, merged = self.agency(keep), self.agency(other)
        if kept.id == merged.id:
            raise InputError(other, "this is the agency to keep; choose two different agencies to merge")
        return kept, merged, self.store.merge_agencies(kept.id, merged.id)

    def rename_agency(self, given: str, name: str) -> AgencyRecord:
        """The user's name for an agency (given by id or name); returns it as it was before."""
        agency = self.agency(given)
        if not name.strip():
            raise InputError(given, "give the new name (it cannot be empty)")
        self.store.rename_agency(agency.id, name.strip())
        return agency
