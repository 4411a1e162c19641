"""Storage of reports, facts, passages and findings, in SQLite or PostgreSQL (databases.py).

Every state change of a report happens in one transaction: its rows, which copy
of an agency's year answers (``duplicate_of``), the end of its pending marker and
the store's generation. A crash leaves either the whole change or none of it.

Copies of one agency's year: the same report from two files (PDF and saved web
page) or two versions of it (an edited figure). Exactly one copy answers; the
others point at it with ``duplicate_of``. A copy whose figures differ from the
answering one is a new version and answers from then on; an agreeing copy answers
only when it holds more cells. Deleting the answering copy promotes another, so a
stored report never becomes unanswerable.

The keyword index lives here too (the jieba search tokens of each passage in FTS5 on
SQLite, a GIN-indexed tsvector on PostgreSQL), written in the report's transaction; a
search scoped to some reports reads only their rows.

The carry-over check (表三 上年结转 of year N against 结转下年度 of year N-1) spans two
reports, so the store keeps it: whenever the answering copy of an agency's year
changes, the findings of that year and the next are settled in the same transaction,
whatever order the reports came in.

Connections are per thread (questions run concurrently in the web app); readers never
wait for the one writer (SQLite's WAL mode; PostgreSQL's snapshots).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .checks import CARRY_OVER, carry_over_findings
from .databases import Connection, Database, open_database
from .errors import StoreError
from .keywords import CorpusStats, bm25, index_words, passage_words
from .models import (
    AgencyIdentity,
    AgencyRecord,
    BBox,
    Fact,
    Finding,
    Passage,
    ReportRecord,
    StoredFact,
    StoredPassage,
)

MAX_SCOPED_RUNS = 32  # more reports than this in a keyword search: one filtered query instead
IDENTITY_VERSION = 1  # bump when identify() changes what it returns: stored reports are re-identified

# A report answers unless another stored copy of its agency's year does.
ANSWERS = "(r.duplicate_of IS NULL OR r.duplicate_of NOT IN (SELECT id FROM reports))"


@dataclass(frozen=True)
class SaveOutcome:
    """Which copy of the saved report's agency and year answers after the save."""

    primary: str
    agency: str | None = None  # the agency's name in the store (a user's name wins)
    duplicate_of: str | None = None  # the saved report does not answer; this one does
    superseded: str | None = None  # answered before; the saved report (a new version) answers now
    differing: int = 0  # cells whose figures differ between the saved report and the other copy


@dataclass(frozen=True)
class PendingIngest:
    report_id: str
    index_key: str
    host: str
    pid: int
    started_at: float

    def alive(self) -> bool:
        """The ingest that owns this marker still runs (same machine, process alive)."""
        if self.host != socket.gethostname():
            return time.time() - self.started_at < 6 * 3600  # another machine: trust it for a while
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class Store:
    """The fact store over one database: a SQLite file (a path) or a PostgreSQL server
    (``postgresql://…``)."""

    def __init__(self, location: Path | str | Database):
        self.database: Database = location if hasattr(location, "connect") else open_database(location)
        self.location = self.database.location
        self.path: Path | None = getattr(self.database, "path", None)  # the SQLite file
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._guard = threading.Lock()
        self.database.migrate(self.db, _after_migration)

    # ------------------------------------------------------------ connections

    @property
    def db(self) -> Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.database.connect()
            self._local.conn = conn
            with self._guard:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._guard:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        db = self.db
        self.database.begin_write(db)
        try:
            yield db
            db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # ------------------------------------------------------------ writes

    def mark_pending(self, report_id: str, index_key: str) -> None:
        """Say that this process is writing index entries for a report it has not committed."""
        with self.transaction() as db:
            db.execute("INSERT INTO pending VALUES (?,?,?,?,?) ON CONFLICT (report_id, index_key) DO UPDATE "
                       "SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at",
                       (report_id, index_key, socket.gethostname(), os.getpid(), time.time()))

    def clear_pending(self, report_id: str, index_key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pending WHERE report_id = ? AND index_key = ?",
                       (report_id, index_key))

    def pending(self) -> list[PendingIngest]:
        return [PendingIngest(*r) for r in self.db.execute("SELECT * FROM pending")]

    def save_report(self, record: ReportRecord, facts: Sequence[Fact],
                    passages: Iterable[StoredPassage], findings: Iterable[Finding],
                    replaces: Iterable[str] = (), before_commit=None,
                    identity: AgencyIdentity | None = None) -> SaveOutcome:
        """Write one report and settle which copy of its agency's year answers, all at once.

        ``replaces``: earlier versions of the same file, removed in the same transaction.
        ``identity``: who published it; the report joins that agency (or the one a user
        merged it into) and takes the agency's name. ``before_commit``: called inside the
        transaction (the crash tests use it).
        """
        passages = list(passages)
        terms = [" ".join(passage_words(p.passage.text)) for p in passages]  # outside the write lock
        with self.transaction() as db:
            touched: set[tuple[str | None, int | None]] = set()
            for old in (*replaces, record.id):
                gone = db.execute("SELECT agency_id, year FROM reports WHERE id = ?", (old,)).fetchone()
                if gone is not None:
                    touched.add((gone["agency_id"], gone["year"]))
                    _delete_report(db, old)
            agency_id, agency = record.agency_id, record.agency
            if identity is not None:
                agency_id, agency = _join_agency(db, identity)
            elif agency is not None and agency_id is None:
                agency_id = f"name/{agency}"
                db.execute("INSERT INTO agencies (id, name, organ, division, path, place) "
                           "VALUES (?,?,'',NULL,'[]','') ON CONFLICT DO NOTHING", (agency_id, agency))
            record = replace(record, agency_id=agency_id, agency=agency)
            db.execute(
                "INSERT INTO reports (id, source_file, kind, agency, year, template, title, page_count, "
                "short_names, unknown, overridden, problems, duplicate_of, ingested_at, index_key, "
                "agency_id, printed_agency, identity_version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?)",
                (record.id, record.source_file, record.kind, record.agency, record.year,
                 record.template, record.title, record.page_count,
                 json.dumps(record.short_names, ensure_ascii=False),
                 json.dumps(record.unknown), json.dumps(record.overridden),
                 json.dumps(record.problems, ensure_ascii=False),
                 record.ingested_at or time.time(), record.index_key, record.agency_id,
                 record.printed_agency or record.agency,
                 IDENTITY_VERSION if identity is not None else record.identity_version))
            db.executemany(
                "INSERT INTO facts (report_id, tbl, row, col, row_label, col_label, raw, value, unit, "
                "page, bbox, confidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(record.id, f.table, f.row, f.column, f.row_label, f.column_label, f.raw,
                  f.value, f.unit, f.page, json.dumps(asdict(f.bbox)) if f.bbox else None,
                  f.confidence)
                 for f in facts])
            if before_commit:
                before_commit("mid_transaction")
            db.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?)",
                [(p.id, record.id, n, p.passage.section, p.passage.page, p.passage.kind,
                  p.passage.table, p.passage.row, p.passage.text)
                 for n, p in enumerate(passages)])
            _add_terms(db, record.id, [p.id for p in passages], terms)
            db.executemany(
                "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?)",
                [(record.id, f.check, f.message, f.message_en, json.dumps(f.cells), f.expected,
                  f.actual, f.severity) for f in findings])
            outcome = replace(_place(db, record, facts), agency=record.agency)
            for agency_id, year in touched - {(record.agency_id, record.year)}:
                _promote(db, agency_id, year)
            for agency_id, year in touched | {(record.agency_id, record.year)}:
                _settle_carry_over(db, agency_id, year)
            _drop_unused_agencies(db)
            db.execute("DELETE FROM pending WHERE report_id = ? AND index_key = ?",
                       (record.id, record.index_key))
        return outcome

    def relocate(self, report_id: str, source_file: str) -> None:
        """The report's file moved: point the report at its new location."""
        with self.transaction() as db:
            db.execute("UPDATE reports SET source_file = ? WHERE id = ?", (source_file, report_id))

    def delete_report(self, report_id: str) -> bool:
        with self.transaction() as db:
            gone = db.execute("SELECT agency_id, year FROM reports WHERE id = ?", (report_id,)).fetchone()
            if gone is None:
                return False
            _delete_report(db, report_id)
            _promote(db, gone["agency_id"], gone["year"])
            _settle_carry_over(db, gone["agency_id"], gone["year"])
            _drop_unused_agencies(db)
            return True

    # ------------------------------------------------------------ agencies

    def agency_id_for(self, identity_id: str) -> str:
        """The agency an identity belongs to, after the user's merges."""
        alias = self.db.execute("SELECT agency_id FROM agency_aliases WHERE alias = ?", (identity_id,)).fetchone()
        return alias[0] if alias else identity_id

    def agencies(self) -> list[AgencyRecord]:
        return [_agency(r) for r in self.db.execute("SELECT * FROM agencies ORDER BY name")]

    def agency(self, agency_id: str) -> AgencyRecord | None:
        row = self.db.execute("SELECT * FROM agencies WHERE id = ?", (agency_id,)).fetchone()
        return _agency(row) if row else None

    def printings(self, agency_id: str) -> list[str]:
        """Every way this agency's name is printed in its stored reports."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT printed_agency FROM reports WHERE agency_id = ? AND printed_agency IS NOT NULL "
            "ORDER BY printed_agency", (agency_id,))]

    def rename_agency(self, agency_id: str, name: str) -> None:
        """The user's name for an agency; its reports answer under it from now on."""
        with self.transaction() as db:
            db.execute("UPDATE agencies SET name = ?, named_by_user = 1 WHERE id = ?", (name, agency_id))
            db.execute("UPDATE reports SET agency = ? WHERE agency_id = ?", (name, agency_id))

    def merge_agencies(self, keep: str, other: str) -> int:
        """The user says ``other`` is the same agency as ``keep``: its reports join ``keep`` now
        and later ingests of its printings do too. Returns how many reports moved."""
        if keep == other:
            return 0
        with self.transaction() as db:
            target = db.execute("SELECT name FROM agencies WHERE id = ?", (keep,)).fetchone()
            if target is None:
                raise StoreError(f"there is no agency {keep}; xxgk agencies lists them")
            years = [r[0] for r in db.execute("SELECT DISTINCT year FROM reports WHERE agency_id = ?", (other,))]
            moved = db.execute("UPDATE reports SET agency_id = ?, agency = ? WHERE agency_id = ?",
                               (keep, target["name"], other)).rowcount
            db.execute("INSERT INTO agency_aliases VALUES (?, ?) ON CONFLICT (alias) DO UPDATE "
                       "SET agency_id = excluded.agency_id", (other, keep))
            db.execute("UPDATE agency_aliases SET agency_id = ? WHERE agency_id = ?", (keep, other))
            db.execute("DELETE FROM agencies WHERE id = ?", (other,))
            for year in years:
                _promote(db, keep, year)
            for year in {r[0] for r in db.execute("SELECT DISTINCT year FROM reports WHERE agency_id = ?",
                                                  (keep,))}:
                _settle_carry_over(db, keep, year)
            return moved

    def reports_to_identify(self) -> list[ReportRecord]:
        """Reports stored before agency identity, or by an earlier version of it."""
        rows = self.db.execute("SELECT * FROM reports WHERE agency IS NOT NULL AND identity_version < ?",
                               (IDENTITY_VERSION,))
        return [_record(r) for r in rows]

    def set_identity(self, report_id: str, identity: AgencyIdentity) -> None:
        """Re-identify a stored report (after an upgrade); its copies are settled again."""
        with self.transaction() as db:
            old = db.execute("SELECT agency_id, year FROM reports WHERE id = ?", (report_id,)).fetchone()
            if old is None:
                return
            agency_id, agency = _join_agency(db, identity)
            db.execute("UPDATE reports SET agency_id = ?, agency = ?, identity_version = ? WHERE id = ?",
                       (agency_id, agency, IDENTITY_VERSION, report_id))
            _promote(db, old["agency_id"], old["year"])
            _promote(db, agency_id, old["year"])
            _settle_carry_over(db, old["agency_id"], old["year"])
            _settle_carry_over(db, agency_id, old["year"])
            _drop_unused_agencies(db)

    # ------------------------------------------------------------ reads

    def version(self) -> int:
        """Changes whenever any connection, in any process, commits a write."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def report(self, report_id: str) -> ReportRecord | None:
        row = self.db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        return _record(row) if row else None

    def reports(self, *, include_duplicates: bool = True) -> list[ReportRecord]:
        sql = "SELECT * FROM reports r"
        if not include_duplicates:
            sql += f" WHERE {ANSWERS}"
        sql += " ORDER BY agency NULLS FIRST, year NULLS FIRST, source_file"
        return [_record(r) for r in self.db.execute(sql)]

    def reports_for_source(self, source_file: str) -> list[ReportRecord]:
        rows = self.db.execute("SELECT * FROM reports WHERE source_file = ?", (source_file,))
        return [_record(r) for r in rows]

    def reports_for(self, agency: str, year: int) -> list[ReportRecord]:
        rows = self.db.execute("SELECT * FROM reports WHERE agency = ? AND year = ?",
                               (agency, year))
        return [_record(r) for r in rows]

    def answering(self, agency_id: str, year: int) -> ReportRecord | None:
        """The copy of an agency's year that answers questions."""
        row = self.db.execute(f"SELECT * FROM reports r WHERE agency_id = ? AND year = ? AND {ANSWERS} "
                              "ORDER BY ingested_at DESC", (agency_id, year)).fetchone()
        return _record(row) if row else None

    def report_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM reports")}

    def index_keys(self) -> dict[str, str]:
        """Report id -> the index key its committed passages carry."""
        return dict(self.db.execute("SELECT id, index_key FROM reports").fetchall())

    def passage_ids(self, report_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM passages WHERE report_id = ? ORDER BY seq",
                                              (report_id,))]

    def facts(self, report_id: str | None = None, *, agency: str | None = None,
              year: int | None = None, table: str | None = None, row: str | None = None,
              column: str | None = None, include_duplicates: bool = False) -> list[StoredFact]:
        sql = "SELECT f.* FROM facts f JOIN reports r ON r.id = f.report_id WHERE 1=1"
        args: list = []
        for clause, value in (("f.report_id = ?", report_id), ("r.agency = ?", agency),
                              ("r.year = ?", year), ("f.tbl = ?", table), ("f.row = ?", row),
                              ("f.col = ?", column)):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        if not include_duplicates and report_id is None:
            sql += f" AND {ANSWERS}"
        sql += " ORDER BY r.agency NULLS FIRST, r.year NULLS FIRST, f.rowid"
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
        return [_passage(r) for r in self.db.execute(sql, args)]

    def passages_by_id(self, passage_ids: Sequence[str]) -> dict[str, StoredPassage]:
        """The stored passages of these ids (ids not stored are left out)."""
        out: dict[str, StoredPassage] = {}
        for chunk in _chunks(list(dict.fromkeys(passage_ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(f"SELECT * FROM passages WHERE id IN ({marks})", chunk):
                out[r["id"]] = _passage(r)
        return out

    def answering_ids(self, report_ids: Collection[str] | None = None) -> set[str]:
        """Which of these reports answer (all answering reports when None)."""
        if report_ids is None:
            return {r[0] for r in self.db.execute(f"SELECT r.id FROM reports r WHERE {ANSWERS}")}
        out: set[str] = set()
        for chunk in _chunks(list(report_ids)):
            marks = ",".join("?" * len(chunk))
            out |= {r[0] for r in self.db.execute(
                f"SELECT r.id FROM reports r WHERE r.id IN ({marks}) AND {ANSWERS}", chunk)}
        return out

    def silent_ids(self) -> set[str]:
        """Reports that do not answer (copies of another report of their agency's year)."""
        return {r[0] for r in self.db.execute(f"SELECT r.id FROM reports r WHERE NOT {ANSWERS}")}

    def keyword_search(self, tokens: Sequence[str], report_ids: Collection[str] | None = None,
                       k: int = 20) -> list[tuple[str, float]]:
        """The ``k`` passages whose words best match any of ``tokens`` by BM25, as (passage id,
        score; higher is better), among the answering reports, or only among ``report_ids``.

        A scope of a few reports reads only their passages (their runs of rowids) and ranks
        them with FTS5's formula and the corpus statistics; a wider one asks the database's
        own index (databases.py)."""
        words = list(dict.fromkeys(index_words(tokens)))
        if not words or k <= 0 or (report_ids is not None and not report_ids):
            return []
        db = self.db
        if report_ids is not None:
            runs = []  # (report id, first rowid, last rowid) of the answering reports in scope
            for chunk in _chunks(list(dict.fromkeys(report_ids))):
                marks = ",".join("?" * len(chunk))
                runs += db.execute(f"SELECT r.id, terms_from, terms_to FROM reports r WHERE r.id IN ({marks}) "
                                   f"AND {ANSWERS} AND terms_from IS NOT NULL", chunk).fetchall()
            if len(runs) <= MAX_SCOPED_RUNS:
                return self._rank_scoped(words, [(lo, hi) for _, lo, hi in runs], k)
        if report_ids is None:
            scope, args = f"SELECT r.id FROM reports r WHERE {ANSWERS}", ()
        else:
            scope, args = ",".join("?" * len(runs)), tuple(r[0] for r in runs)
        return self.database.wide_search(db, words, scope, args, k, self._rank_rows)

    def _rank_scoped(self, words: list[str], runs: list, k: int) -> list[tuple[str, float]]:
        rows = [row for lo, hi in runs for row in self.db.execute(
            "SELECT rowid, passage_id, tokens FROM passage_terms WHERE rowid BETWEEN ? AND ?", (lo, hi))]
        return self._rank_rows(words, rows, k)

    def _rank_rows(self, words: list[str], rows, k: int) -> list[tuple[str, float]]:
        """(rowid, passage id, tokens) rows ranked by FTS5's BM25 over the whole index."""
        scores = bm25(words, [r[2].split() for r in rows], self._corpus_stats(words))
        ranked = sorted(((-score, r[0], r[1]) for score, r in zip(scores, rows) if score > 0))[:k]
        return [(passage_id, -negative) for negative, _, passage_id in ranked]

    def _corpus_stats(self, words: list[str]) -> CorpusStats:
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('indexed_passages', 'indexed_words')"))
        marks = ",".join("?" * len(words))
        holding = dict(self.db.execute(f"SELECT term, docs FROM term_docs WHERE term IN ({marks})", words))
        return CorpusStats(int(meta.get("indexed_passages", 0)), int(meta.get("indexed_words", 0)), holding)

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


def _after_migration(db: Connection, previous: int) -> None:
    """Repairs an upgraded store needs, in the migration's transaction."""
    _repair_groups(db)
    _settle_all_carry_over(db)
    if previous < 6:
        _count_indexed_words(db)
    _index_terms_of_unindexed_reports(db)


# ---------------------------------------------------------------- copies of one agency's year


def _cells(db: Connection, report_id: str) -> dict[tuple[str, str, str], tuple]:
    return {(r["tbl"], r["row"], r["col"]): (r["value"], r["raw"])
            for r in db.execute("SELECT tbl, row, col, value, raw FROM facts WHERE report_id = ?",
                                (report_id,))}


def _differing(mine: dict, theirs: dict) -> int:
    """Cells both copies hold whose figures differ (the raw text where neither is a number)."""
    count = 0
    for key in mine.keys() & theirs.keys():
        (value_a, raw_a), (value_b, raw_b) = mine[key], theirs[key]
        if value_a is None and value_b is None:
            count += raw_a.replace(" ", "") != raw_b.replace(" ", "")
        else:
            count += value_a != value_b
    return count


def _point_group_at(db: Connection, agency_id: str, year: int, primary: str) -> None:
    db.execute("UPDATE reports SET duplicate_of = ? WHERE agency_id = ? AND year = ? AND id != ?",
               (primary, agency_id, year, primary))
    db.execute("UPDATE reports SET duplicate_of = NULL WHERE id = ?", (primary,))


def _place(db: Connection, record: ReportRecord, facts: Sequence[Fact]) -> SaveOutcome:
    """Decide whether the report just written answers for its agency and year."""
    if record.agency_id is None or record.year is None:
        return SaveOutcome(record.id)
    others = db.execute(
        "SELECT r.id, r.duplicate_of, (SELECT COUNT(*) FROM facts f WHERE f.report_id = r.id) AS n "
        "FROM reports r WHERE agency_id = ? AND year = ? AND id != ? ORDER BY ingested_at",
        (record.agency_id, record.year, record.id)).fetchall()
    if not others:
        return SaveOutcome(record.id)
    answering = [r for r in others if r["duplicate_of"] is None] or list(others)
    current = max(answering, key=lambda r: r["n"])  # the first stored among equals
    mine = {(f.table, f.row, f.column): (f.value, f.raw) for f in facts}
    differing = _differing(mine, _cells(db, current["id"]))
    if differing:  # a new version: it answers; the old one is kept beside it
        _point_group_at(db, record.agency_id, record.year, record.id)
        return SaveOutcome(record.id, superseded=current["id"], differing=differing)
    if len(mine) > current["n"]:  # the same report, read more completely
        _point_group_at(db, record.agency_id, record.year, record.id)
        return SaveOutcome(record.id)
    _point_group_at(db, record.agency_id, record.year, current["id"])
    return SaveOutcome(current["id"], duplicate_of=current["id"])


def _promote(db: Connection, agency_id: str | None, year: int | None) -> None:
    """After the group changed: make sure exactly one copy of the agency's year answers."""
    if agency_id is None or year is None:
        return
    rows = db.execute(
        "SELECT r.id, r.duplicate_of, r.ingested_at, "
        "(SELECT COUNT(*) FROM facts f WHERE f.report_id = r.id) AS n "
        "FROM reports r WHERE agency_id = ? AND year = ?", (agency_id, year)).fetchall()
    if not rows:
        return
    ids = {r["id"] for r in rows}
    answering = [r for r in rows if r["duplicate_of"] is None]
    if len(answering) == 1 and all(r["duplicate_of"] in ids for r in rows if r["duplicate_of"]):
        return
    best = max(answering or rows, key=lambda r: (r["n"], r["ingested_at"]))
    _point_group_at(db, agency_id, year, best["id"])


def _delete_report(db: Connection, report_id: str) -> None:
    """A report's rows; its facts, passages and findings go with it (ON DELETE CASCADE)."""
    run = db.execute("SELECT terms_from, terms_to FROM reports WHERE id = ?", (report_id,)).fetchone()
    if run is not None and run[0] is not None:
        texts = [r[0] for r in db.execute("SELECT tokens FROM passage_terms WHERE rowid BETWEEN ? AND ?", run)]
        _count_words(db, texts, -1)
        db.execute("DELETE FROM passage_terms WHERE rowid BETWEEN ? AND ?", (run[0], run[1]))
    db.execute("DELETE FROM reports WHERE id = ?", (report_id,))


def _add_terms(db: Connection, report_id: str, passage_ids: Sequence[str],
               terms: Sequence[str]) -> None:
    """The report's passages into the keyword index, in one run of rowids after all others."""
    if not passage_ids:
        return
    last = db.execute("SELECT rowid FROM passage_terms ORDER BY rowid DESC LIMIT 1").fetchone()
    start = (last[0] if last else 0) + 1
    db.executemany("INSERT INTO passage_terms (rowid, tokens, passage_id, report_id) VALUES (?,?,?,?)",
                   [(start + n, text, pid, report_id) for n, (pid, text) in enumerate(zip(passage_ids, terms))])
    db.execute("UPDATE reports SET terms_from = ?, terms_to = ? WHERE id = ?",
               (start, start + len(passage_ids) - 1, report_id))
    _count_words(db, terms, +1)


def _count_words(db: Connection, texts: Sequence[str], sign: int) -> None:
    """Add (or take away) passages' words to the corpus statistics."""
    holding = Counter(word for text in texts for word in set(text.split()))
    db.executemany("INSERT INTO term_docs VALUES (?, ?) ON CONFLICT (term) DO UPDATE "
                   "SET docs = term_docs.docs + excluded.docs",
                   [(word, sign * n) for word, n in holding.items()])
    if sign < 0:
        db.executemany("DELETE FROM term_docs WHERE term = ? AND docs <= 0", [(w,) for w in holding])
    db.execute("UPDATE meta SET value = value + ? WHERE key = 'indexed_passages'", (sign * len(texts),))
    db.execute("UPDATE meta SET value = value + ? WHERE key = 'indexed_words'",
               (sign * sum(len(text.split()) for text in texts),))


def _count_indexed_words(db: Connection) -> None:
    """Corpus statistics of a keyword index written before they were kept."""
    db.execute("DELETE FROM term_docs")
    db.execute("UPDATE meta SET value = 0 WHERE key IN ('indexed_passages', 'indexed_words')")
    _count_words(db, [r[0] for r in db.execute("SELECT tokens FROM passage_terms")], +1)


def _index_terms_of_unindexed_reports(db: Connection) -> None:
    """Stores written before the keyword index: tokenise their passages once."""
    for (report_id,) in db.execute("SELECT id FROM reports WHERE terms_from IS NULL").fetchall():
        rows = db.execute("SELECT id, text FROM passages WHERE report_id = ? ORDER BY seq", (report_id,)).fetchall()
        _add_terms(db, report_id, [r[0] for r in rows], [" ".join(passage_words(r[1])) for r in rows])


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _passage(row) -> StoredPassage:
    return StoredPassage(row["id"], row["report_id"],
                         Passage(row["text"], row["section"], row["page"], row["kind"], row["tbl"], row["row"]))


def _answering_id(db: Connection, agency_id: str, year: int) -> str | None:
    row = db.execute(f"SELECT r.id FROM reports r WHERE agency_id = ? AND year = ? AND {ANSWERS} LIMIT 1",
                     (agency_id, year)).fetchone()
    return row[0] if row else None


def _fact_map(db: Connection, report_id: str) -> dict[tuple[str, str, str], Fact]:
    facts = (_fact(r) for r in db.execute("SELECT * FROM facts WHERE report_id = ?", (report_id,)))
    return {(f.table, f.row, f.column): f for f in facts}


def _settle_carry_over(db: Connection, agency_id: str | None, year: int | None) -> None:
    """The carry-over findings of the agency's ``year`` and ``year + 1``, from the copies
    that answer now: the findings of every copy of those years are replaced."""
    if agency_id is None or year is None:
        return
    for current_year in (year, year + 1):
        db.execute(f"DELETE FROM findings WHERE check_key LIKE '{CARRY_OVER}:%' AND report_id IN "
                   "(SELECT id FROM reports WHERE agency_id = ? AND year = ?)", (agency_id, current_year))
        current = _answering_id(db, agency_id, current_year)
        previous = _answering_id(db, agency_id, current_year - 1)
        if current is None or previous is None:
            continue
        findings = carry_over_findings(_fact_map(db, previous), _fact_map(db, current),
                                       current_year - 1, current_year)
        db.executemany("INSERT INTO findings VALUES (?,?,?,?,?,?,?,?)",
                       [(current, f.check, f.message, f.message_en, json.dumps(f.cells), f.expected,
                         f.actual, f.severity) for f in findings])


def _settle_all_carry_over(db: Connection) -> None:
    for row in db.execute("SELECT DISTINCT agency_id, year FROM reports WHERE agency_id IS NOT NULL "
                          "AND year IS NOT NULL").fetchall():
        _settle_carry_over(db, row[0], row[1])


def _repair_groups(db: Connection) -> None:
    """Stores written before migration 2 can hold groups where no copy answers."""
    for row in db.execute("SELECT DISTINCT agency_id, year FROM reports WHERE agency_id IS NOT NULL "
                          "AND year IS NOT NULL").fetchall():
        _promote(db, row[0], row[1])


def _join_agency(db: Connection, identity: AgencyIdentity) -> tuple[str, str]:
    """The agency a report of ``identity`` belongs to (after user merges), created when new;
    returns its id and name."""
    alias = db.execute("SELECT agency_id FROM agency_aliases WHERE alias = ?", (identity.id,)).fetchone()
    agency_id = alias[0] if alias else identity.id
    row = db.execute("SELECT name, organ, named_by_user FROM agencies WHERE id = ?", (agency_id,)).fetchone()
    if row is None:
        db.execute("INSERT INTO agencies (id, name, organ, division, path, place) VALUES (?,?,?,?,?,?)",
                   (agency_id, identity.name, identity.organ, identity.division,
                    json.dumps(identity.path, ensure_ascii=False), identity.place))
        return agency_id, identity.name
    if not row["organ"] and agency_id == identity.id:  # a row from before identities: fill it in
        db.execute("UPDATE agencies SET organ = ?, division = ?, path = ?, place = ? WHERE id = ?",
                   (identity.organ, identity.division, json.dumps(identity.path, ensure_ascii=False),
                    identity.place, agency_id))
    return agency_id, row["name"]


def _drop_unused_agencies(db: Connection) -> None:
    db.execute("DELETE FROM agencies WHERE id NOT IN (SELECT agency_id FROM reports WHERE agency_id IS NOT NULL) "
               "AND named_by_user = 0")


def _agency(row) -> AgencyRecord:
    return AgencyRecord(id=row["id"], name=row["name"], organ=row["organ"], division=row["division"],
                        path=tuple(json.loads(row["path"])), place=row["place"],
                        named_by_user=bool(row["named_by_user"]))


def _record(row) -> ReportRecord:
    return ReportRecord(
        id=row["id"], source_file=row["source_file"], kind=row["kind"], agency=row["agency"],
        year=row["year"], template=row["template"], title=row["title"] or "",
        page_count=row["page_count"], short_names=tuple(json.loads(row["short_names"])),
        unknown=tuple(json.loads(row["unknown"])), overridden=tuple(json.loads(row["overridden"])),
        problems=tuple(json.loads(row["problems"])), duplicate_of=row["duplicate_of"],
        ingested_at=row["ingested_at"], index_key=row["index_key"], agency_id=row["agency_id"],
        printed_agency=row["printed_agency"], identity_version=row["identity_version"])


def _fact(row) -> Fact:
    bbox = BBox(**json.loads(row["bbox"])) if row["bbox"] else None
    return Fact(table=row["tbl"], row=row["row"], column=row["col"], row_label=row["row_label"],
                column_label=row["col_label"], raw=row["raw"], value=row["value"],
                unit=row["unit"], page=row["page"], bbox=bbox, confidence=row["confidence"])
