"""Storage of reports, facts, passages and findings in SQLite.

One report is written in one transaction: a crash leaves either the whole
report or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import StoreError
from .models import BBox, Fact, Finding, Passage

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,            -- sha256 of the file's bytes
    source_file TEXT NOT NULL,
    kind TEXT NOT NULL,
    agency TEXT, year INTEGER, template TEXT, title TEXT,
    page_count INTEGER NOT NULL,
    short_names TEXT NOT NULL,      -- JSON list
    unknown TEXT NOT NULL,          -- JSON list of fields not recognised
    overridden TEXT NOT NULL,       -- JSON list of fields the user supplied
    problems TEXT NOT NULL,         -- JSON list of {message, page, text}
    duplicate_of TEXT,              -- the same report ingested from another file
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);
CREATE TABLE IF NOT EXISTS facts (
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    tbl TEXT NOT NULL, row TEXT NOT NULL, col TEXT NOT NULL,
    row_label TEXT NOT NULL, col_label TEXT NOT NULL,
    raw TEXT NOT NULL, value REAL, unit TEXT NOT NULL,
    page INTEGER, bbox TEXT,
    PRIMARY KEY (report_id, tbl, row, col)
);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, section TEXT NOT NULL, page INTEGER,
    kind TEXT NOT NULL, tbl TEXT, row TEXT, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_report ON passages(report_id);
CREATE TABLE IF NOT EXISTS findings (
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    check_key TEXT NOT NULL, message TEXT NOT NULL, message_en TEXT NOT NULL,
    cells TEXT NOT NULL, expected REAL, actual REAL, severity TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_report ON findings(report_id);
"""


@dataclass(frozen=True)
class ReportRecord:
    id: str
    source_file: str
    kind: str
    agency: str | None
    year: int | None
    template: str | None
    title: str
    page_count: int
    short_names: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()
    problems: tuple[dict, ...] = ()
    duplicate_of: str | None = None
    ingested_at: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class StoredPassage:
    id: str
    report_id: str
    passage: Passage


@dataclass(frozen=True)
class StoredFact:
    report_id: str
    fact: Fact


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the fact store {self.path}: {exc}. "
                             "Check the data directory (XXGK_DATA_DIR) or move the file away "
                             "and ingest again.") from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # ------------------------------------------------------------ writes

    def save_report(self, record: ReportRecord, facts: Iterable[Fact],
                    passages: Iterable[StoredPassage], findings: Iterable[Finding],
                    replaces: Iterable[str] = (), crash_hook=None) -> None:
        with self.transaction() as db:
            for old in replaces:
                db.execute("DELETE FROM reports WHERE id = ?", (old,))
                db.execute("UPDATE reports SET duplicate_of = NULL WHERE duplicate_of = ?", (old,))
            db.execute("DELETE FROM reports WHERE id = ?", (record.id,))
            db.execute(
                "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (record.id, record.source_file, record.kind, record.agency, record.year,
                 record.template, record.title, record.page_count,
                 json.dumps(record.short_names, ensure_ascii=False),
                 json.dumps(record.unknown), json.dumps(record.overridden),
                 json.dumps(record.problems, ensure_ascii=False), record.duplicate_of,
                 record.ingested_at or time.time()))
            db.executemany(
                "INSERT INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(record.id, f.table, f.row, f.column, f.row_label, f.column_label, f.raw,
                  f.value, f.unit, f.page, json.dumps(asdict(f.bbox)) if f.bbox else None)
                 for f in facts])
            if crash_hook:
                crash_hook("mid_transaction")
            db.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?)",
                [(p.id, record.id, n, p.passage.section, p.passage.page, p.passage.kind,
                  p.passage.table, p.passage.row, p.passage.text)
                 for n, p in enumerate(passages)])
            db.executemany(
                "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?)",
                [(record.id, f.check, f.message, f.message_en, json.dumps(f.cells), f.expected,
                  f.actual, f.severity) for f in findings])

    def delete_report(self, report_id: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("DELETE FROM reports WHERE id = ?", (report_id,))
            db.execute("UPDATE reports SET duplicate_of = NULL WHERE duplicate_of = ?",
                       (report_id,))
            return cur.rowcount > 0

    def set_duplicate(self, report_id: str, duplicate_of: str | None) -> None:
        self.db.execute("UPDATE reports SET duplicate_of = ? WHERE id = ?",
                        (duplicate_of, report_id))

    # ------------------------------------------------------------ reads

    def version(self) -> tuple[int, int]:
        """Changes whenever any connection commits a write: a cheap test for 'anything new?'."""
        data_version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return data_version, self.db.total_changes

    def report(self, report_id: str) -> ReportRecord | None:
        row = self.db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        return _record(row) if row else None

    def reports(self, *, include_duplicates: bool = True) -> list[ReportRecord]:
        sql = "SELECT * FROM reports"
        if not include_duplicates:
            sql += " WHERE duplicate_of IS NULL"
        sql += " ORDER BY agency, year, source_file"
        return [_record(r) for r in self.db.execute(sql)]

    def reports_for_source(self, source_file: str) -> list[ReportRecord]:
        rows = self.db.execute("SELECT * FROM reports WHERE source_file = ?", (source_file,))
        return [_record(r) for r in rows]

    def reports_for(self, agency: str, year: int) -> list[ReportRecord]:
        rows = self.db.execute("SELECT * FROM reports WHERE agency = ? AND year = ?",
                               (agency, year))
        return [_record(r) for r in rows]

    def report_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM reports")}

    def facts(self, report_id: str | None = None, *, agency: str | None = None,
              year: int | None = None, table: str | None = None, row: str | None = None,
              column: str | None = None, include_duplicates: bool = False) -> list[StoredFact]:
        sql = ("SELECT f.* FROM facts f JOIN reports r ON r.id = f.report_id WHERE 1=1")
        args: list = []
        for clause, value in (("f.report_id = ?", report_id), ("r.agency = ?", agency),
                              ("r.year = ?", year), ("f.tbl = ?", table), ("f.row = ?", row),
                              ("f.col = ?", column)):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        if not include_duplicates and report_id is None:
            sql += " AND r.duplicate_of IS NULL"
        sql += " ORDER BY r.agency, r.year, f.rowid"
        return [StoredFact(r["report_id"], _fact(r)) for r in self.db.execute(sql, args)]

    def fact_maps(self, report_ids: Iterable[str], table: str | None = None,
                  rows: Iterable[str] = ()) -> dict[str, dict[tuple[str, str, str], Fact]]:
        """Facts of many reports in one query, optionally of one table's rows: report id -> cells."""
        ids, rows = list(report_ids), list(rows)
        out: dict[str, dict[tuple[str, str, str], Fact]] = {i: {} for i in ids}
        for start in range(0, len(ids), 500):  # SQLite caps the number of parameters
            chunk = ids[start:start + 500]
            sql = f"SELECT * FROM facts WHERE report_id IN ({','.join('?' * len(chunk))})"
            args: list = list(chunk)
            if table:
                sql += " AND tbl = ?"
                args.append(table)
            if rows:
                sql += f" AND row IN ({','.join('?' * len(rows))})"
                args += rows
            for r in self.db.execute(sql, args):
                fact = _fact(r)
                out[r["report_id"]][(fact.table, fact.row, fact.column)] = fact
        return out

    def fact_map(self, report_id: str) -> dict[tuple[str, str, str], Fact]:
        return {(s.fact.table, s.fact.row, s.fact.column): s.fact for s in self.facts(report_id)}

    def passages(self, report_id: str | None = None) -> list[StoredPassage]:
        sql = "SELECT * FROM passages"
        args: tuple = ()
        if report_id:
            sql += " WHERE report_id = ?"
            args = (report_id,)
        sql += " ORDER BY report_id, seq"
        return [StoredPassage(r["id"], r["report_id"],
                              Passage(r["text"], r["section"], r["page"], r["kind"], r["tbl"],
                                      r["row"]))
                for r in self.db.execute(sql, args)]

    def findings(self, report_id: str | None = None) -> list[tuple[str, Finding]]:
        sql = "SELECT * FROM findings"
        args: tuple = ()
        if report_id:
            sql += " WHERE report_id = ?"
            args = (report_id,)
        return [(r["report_id"], Finding(r["check_key"], r["message"], r["message_en"],
                                         tuple(tuple(c) for c in json.loads(r["cells"])),
                                         r["expected"], r["actual"], r["severity"]))
                for r in self.db.execute(sql + " ORDER BY rowid", args)]

    def counts(self, report_id: str) -> dict[str, int]:
        return {name: self.db.execute(f"SELECT COUNT(*) FROM {name} WHERE report_id = ?",
                                      (report_id,)).fetchone()[0]
                for name in ("facts", "passages", "findings")}


def _record(row: sqlite3.Row) -> ReportRecord:
    return ReportRecord(
        id=row["id"], source_file=row["source_file"], kind=row["kind"], agency=row["agency"],
        year=row["year"], template=row["template"], title=row["title"] or "",
        page_count=row["page_count"], short_names=tuple(json.loads(row["short_names"])),
        unknown=tuple(json.loads(row["unknown"])), overridden=tuple(json.loads(row["overridden"])),
        problems=tuple(json.loads(row["problems"])), duplicate_of=row["duplicate_of"],
        ingested_at=row["ingested_at"])


def _fact(row: sqlite3.Row) -> Fact:
    bbox = BBox(**json.loads(row["bbox"])) if row["bbox"] else None
    return Fact(table=row["tbl"], row=row["row"], column=row["col"], row_label=row["row_label"],
                column_label=row["col_label"], raw=row["raw"], value=row["value"],
                unit=row["unit"], page=row["page"], bbox=bbox)
