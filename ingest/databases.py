"""The two databases the fact store runs on: SQLite (one user, the default) and PostgreSQL
(a team: several app processes and ingests on one library).

The store writes one SQL for both (``?`` placeholders, ``ON CONFLICT`` upserts, a ``rowid``
column in every table it orders by); what differs lives here: connecting, the schema and
its migrations, how a write transaction takes the store's one write lock, and the wide
keyword search (FTS5's own BM25 on SQLite; a GIN-indexed ``tsvector`` over the same
pre-tokenised words on PostgreSQL, whose matches are ranked by the store's BM25).

Writers are serialised on both (SQLite's ``BEGIN IMMEDIATE``; a transaction-level
advisory lock on PostgreSQL), so the store's decisions about which copy of an agency's
year answers see every committed report; readers never wait.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .errors import ConfigError, StoreError

# Ordered migrations of a SQLite store; it records the last one applied in schema_version.
SQLITE_MIGRATIONS: tuple[str, ...] = (
    # 1: reports, facts, passages, findings
    """
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
        duplicate_of TEXT,              -- the copy of this agency's year that answers instead
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
    """,
    # 2: the index key of each report's passages, markers of uncommitted ingests,
    #    a generation counter every write bumps
    """
    ALTER TABLE reports ADD COLUMN index_key TEXT NOT NULL DEFAULT '';
    CREATE TABLE IF NOT EXISTS pending (
        report_id TEXT NOT NULL, index_key TEXT NOT NULL,
        host TEXT NOT NULL, pid INTEGER NOT NULL, started_at REAL NOT NULL,
        PRIMARY KEY (report_id, index_key)
    );
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT OR IGNORE INTO meta VALUES ('generation', 0);
    """,
    # 3: agency identity: one agency under every printing of its name; user merges
    """
    ALTER TABLE reports ADD COLUMN agency_id TEXT;
    ALTER TABLE reports ADD COLUMN printed_agency TEXT;
    ALTER TABLE reports ADD COLUMN identity_version INTEGER NOT NULL DEFAULT 0;
    UPDATE reports SET agency_id = 'name/' || agency, printed_agency = agency WHERE agency IS NOT NULL;
    CREATE INDEX IF NOT EXISTS reports_agency_id_year ON reports(agency_id, year);
    CREATE TABLE IF NOT EXISTS agencies (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        organ TEXT NOT NULL,
        division TEXT,                  -- adcode of the innermost division
        path TEXT NOT NULL,             -- JSON list of division names, province first
        place TEXT NOT NULL,
        named_by_user INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS agency_aliases (alias TEXT PRIMARY KEY, agency_id TEXT NOT NULL);
    INSERT OR IGNORE INTO agencies (id, name, organ, division, path, place)
        SELECT DISTINCT agency_id, agency, '', NULL, '[]', '' FROM reports WHERE agency_id IS NOT NULL;
    """,
    # 4: carry-over findings kept by the store for every answering report (settled on upgrade)
    """
    CREATE INDEX IF NOT EXISTS findings_report_check ON findings(report_id, check_key);
    """,
    # 5: the keyword index: each passage's search tokens in FTS5, one report's passages in
    #    one run of rowids [terms_from, terms_to], so a search scoped to reports reads only those
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(
        tokens, passage_id UNINDEXED, report_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');
    ALTER TABLE reports ADD COLUMN terms_from INTEGER;
    ALTER TABLE reports ADD COLUMN terms_to INTEGER;
    """,
    # 6: corpus statistics of the keyword index (passages holding each word; passages and
    #    words indexed), so a scoped search ranks its few passages without reading the rest
    """
    CREATE TABLE IF NOT EXISTS term_docs (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
    INSERT OR IGNORE INTO meta VALUES ('indexed_passages', 0);
    INSERT OR IGNORE INTO meta VALUES ('indexed_words', 0);
    """,
    # 7: OCR's confidence in a cell read from a scan (NULL: read from a text layer)
    """
    ALTER TABLE facts ADD COLUMN confidence REAL;
    """,
)

# Ordered migrations of a PostgreSQL store. It started at the SQLite store's sixth schema,
# so it has none of that one's history; text the store sorts by is compared byte by byte
# (COLLATE "C"), as SQLite does, so both list reports and agencies in one order.
POSTGRES_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS reports (
        id TEXT COLLATE "C" PRIMARY KEY,
        source_file TEXT COLLATE "C" NOT NULL,
        kind TEXT NOT NULL,
        agency TEXT COLLATE "C", year INTEGER, template TEXT, title TEXT,
        page_count INTEGER NOT NULL,
        short_names TEXT NOT NULL, unknown TEXT NOT NULL, overridden TEXT NOT NULL,
        problems TEXT NOT NULL,
        duplicate_of TEXT,
        ingested_at DOUBLE PRECISION NOT NULL,
        index_key TEXT NOT NULL DEFAULT '',
        agency_id TEXT COLLATE "C", printed_agency TEXT COLLATE "C",
        identity_version INTEGER NOT NULL DEFAULT 0,
        terms_from BIGINT, terms_to BIGINT
    );
    CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);
    CREATE INDEX IF NOT EXISTS reports_agency_id_year ON reports(agency_id, year);
    CREATE INDEX IF NOT EXISTS reports_source ON reports(source_file);
    CREATE TABLE IF NOT EXISTS facts (
        report_id TEXT COLLATE "C" NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        tbl TEXT NOT NULL, row TEXT NOT NULL, col TEXT NOT NULL,
        row_label TEXT NOT NULL, col_label TEXT NOT NULL,
        raw TEXT NOT NULL, value DOUBLE PRECISION, unit TEXT NOT NULL,
        page INTEGER, bbox TEXT,
        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,
        PRIMARY KEY (report_id, tbl, row, col)
    );
    CREATE TABLE IF NOT EXISTS passages (
        id TEXT COLLATE "C" PRIMARY KEY,
        report_id TEXT COLLATE "C" NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, section TEXT NOT NULL, page INTEGER,
        kind TEXT NOT NULL, tbl TEXT, row TEXT, text TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS passages_report ON passages(report_id);
    CREATE TABLE IF NOT EXISTS findings (
        report_id TEXT COLLATE "C" NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        check_key TEXT NOT NULL, message TEXT NOT NULL, message_en TEXT NOT NULL,
        cells TEXT NOT NULL, expected DOUBLE PRECISION, actual DOUBLE PRECISION,
        severity TEXT NOT NULL,
        rowid BIGINT GENERATED BY DEFAULT AS IDENTITY
    );
    CREATE INDEX IF NOT EXISTS findings_report_check ON findings(report_id, check_key);
    CREATE TABLE IF NOT EXISTS pending (
        report_id TEXT NOT NULL, index_key TEXT NOT NULL,
        host TEXT NOT NULL, pid INTEGER NOT NULL, started_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (report_id, index_key)
    );
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO meta VALUES ('generation', 0), ('indexed_passages', 0), ('indexed_words', 0)
        ON CONFLICT DO NOTHING;
    CREATE TABLE IF NOT EXISTS agencies (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT COLLATE "C" NOT NULL,
        organ TEXT NOT NULL,
        division TEXT,
        path TEXT NOT NULL,
        place TEXT NOT NULL,
        named_by_user INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS agency_aliases (alias TEXT PRIMARY KEY, agency_id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS passage_terms (
        rowid BIGINT PRIMARY KEY,
        tokens TEXT NOT NULL,
        passage_id TEXT NOT NULL,
        report_id TEXT NOT NULL,
        -- the words as lexemes, never re-parsed: the text is jieba's tokens joined by spaces
        terms TSVECTOR GENERATED ALWAYS AS (array_to_tsvector(string_to_array(tokens, ' '))) STORED
    );
    CREATE INDEX IF NOT EXISTS passage_terms_search ON passage_terms USING GIN (terms);
    CREATE INDEX IF NOT EXISTS passage_terms_report ON passage_terms(report_id);
    CREATE TABLE IF NOT EXISTS term_docs (term TEXT PRIMARY KEY, docs BIGINT NOT NULL);
    """,
    # 2: OCR's confidence in a cell read from a scan (NULL: read from a text layer)
    """
    ALTER TABLE facts ADD COLUMN IF NOT EXISTS confidence DOUBLE PRECISION;
    """,
)

WRITE_LOCK = 0x78786B67  # "xxgk": the advisory lock every PostgreSQL write transaction holds
WIDE_CANDIDATES = 1000  # PostgreSQL: matches read per wide search before BM25 ranks them

Rerank = Callable[[list[str], Sequence[Sequence[Any]], int], list[tuple[str, float]]]
AfterMigration = Callable[[Any, int], None]


class Connection(Protocol):
    """What the store needs of a connection: sqlite3's own interface."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...

    def close(self) -> None: ...


class Database(Protocol):
    """One backend of the fact store."""

    name: str  # "sqlite" or "postgresql"
    location: str  # shown to users: a file path, or the server without its password

    def connect(self) -> Connection: ...

    def begin_write(self, db: Connection) -> None:
        """Start a transaction holding the store's write lock."""

    def migrate(self, db: Connection, after: AfterMigration) -> None:
        """Bring the schema up to date; ``after(db, previous_version)`` runs in the same
        transaction when migrations were applied."""

    def wide_search(self, db: Connection, words: list[str], scope_sql: str, scope_args: Sequence[Any],
                    k: int, rerank: Rerank) -> list[tuple[str, float]]:
        """The ``k`` passages of the reports ``scope_sql`` selects that best match ``words``."""


def open_database(location: str | Path) -> Database:
    """``postgresql://…`` (or ``postgres://…``) is a PostgreSQL server; anything else a SQLite file."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    elif "://" in text:
        raise ConfigError(f"store.url {_without_password(text)} is neither postgresql://… nor a "
                          "SQLite file; leave it empty for the SQLite store in data_dir")
    return SqliteDatabase(Path(text))


# ---------------------------------------------------------------- SQLite


class SqliteDatabase:
    name = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StoreError(f"the data directory {self.path.parent} is not a directory (a file "
                             "of that name exists); set data_dir in config.yaml or XXGK_DATA_DIR "
                             "to a directory") from None
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.path.parent} "
                             f"({exc.strerror}); set data_dir or XXGK_DATA_DIR to a writable "
                             "directory") from None

    def connect(self) -> Connection:
        try:
            conn = sqlite3.connect(str(self.path), timeout=60, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 60000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the fact store {self.path} ({exc}); check that "
                             "the data directory is writable") from None
        return conn

    def begin_write(self, db: Connection) -> None:
        db.execute("BEGIN IMMEDIATE")

    def migrate(self, db: Connection, after: AfterMigration) -> None:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from None
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
            if current is None:  # a store from before versioning holds migration 1 already
                has_reports = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'reports'").fetchone()
                current = 1 if has_reports else 0
            _apply(db, SQLITE_MIGRATIONS, current, after)
        except sqlite3.DatabaseError as exc:
            db.execute("ROLLBACK")
            raise self._unreadable(exc) from None
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _unreadable(self, exc: Exception) -> StoreError:
        return StoreError(f"cannot open the fact store {self.path}: {exc}. Check the data "
                          "directory (XXGK_DATA_DIR) or move the file away and ingest again.")

    def wide_search(self, db: Connection, words: list[str], scope_sql: str, scope_args: Sequence[Any],
                    k: int, rerank: Rerank) -> list[tuple[str, float]]:
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT passage_id, bm25(passage_terms) AS s FROM passage_terms WHERE passage_terms MATCH ? "
            f"AND report_id IN ({scope_sql}) ORDER BY s, rowid LIMIT ?", (match, *scope_args, k)).fetchall()
        return [(r[0], -r[1]) for r in rows]


def _apply(db: Connection, migrations: Sequence[str], current: int, after: AfterMigration) -> None:
    for number, script in enumerate(migrations, start=1):
        if number > current:
            for statement in (s.strip() for s in script.split(";")):
                if statement:
                    db.execute(statement)
    if current < len(migrations):
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version VALUES (?)", (len(migrations),))
        after(db, current)


# ---------------------------------------------------------------- PostgreSQL


class PostgresRow(tuple):
    """A row read by position or by column name, as sqlite3.Row is."""

    _names: dict[str, int]

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor):
    names = {d.name: n for n, d in enumerate(cursor.description or ())}
    row_type = type("Row", (PostgresRow,), {"_names": names})
    return lambda values: row_type(values)


@lru_cache(maxsize=512)
def _to_psycopg(sql: str) -> str:
    """The store's ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg connection (autocommit: the store opens its own transactions) that speaks
    the store's SQL."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self._conn.execute(_to_psycopg(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]):
        cursor = self._conn.cursor()
        rows = [tuple(r) for r in rows]
        if rows:
            cursor.executemany(_to_psycopg(sql), rows)
        return cursor

    def close(self) -> None:
        self._conn.close()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


class PostgresDatabase:
    name = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self.location = _without_password(url)

    def connect(self) -> Connection:
        import psycopg  # only a team store needs the driver

        try:
            conn = psycopg.connect(self.url, autocommit=True, row_factory=_row_factory, connect_timeout=15)
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split())[:200]
            raise StoreError(f"cannot connect to the PostgreSQL store {self.location} ({detail}); "
                             "start the server, or check store.url (XXGK_STORE__URL) and the "
                             "login (a password in the URL or PGPASSWORD)") from None
        return PostgresConnection(conn)

    def begin_write(self, db: Connection) -> None:
        db.execute("BEGIN")
        db.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))

    def migrate(self, db: Connection, after: AfterMigration) -> None:
        self.begin_write(db)  # two processes starting at once migrate one after the other
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if current > len(POSTGRES_MIGRATIONS):
                raise StoreError(f"the PostgreSQL store {self.location} was written by a newer xxgk "
                                 f"(schema {current}, this one knows {len(POSTGRES_MIGRATIONS)}); "
                                 "upgrade xxgk")
            _apply(db, POSTGRES_MIGRATIONS, current, after)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def wide_search(self, db: Connection, words: list[str], scope_sql: str, scope_args: Sequence[Any],
                    k: int, rerank: Rerank) -> list[tuple[str, float]]:
        query = " | ".join(_lexeme(w) for w in words)
        rows = db.execute(
            "SELECT rowid, passage_id, tokens FROM passage_terms WHERE terms @@ ?::tsquery "
            f"AND report_id IN ({scope_sql}) ORDER BY ts_rank(terms, ?::tsquery, 8) DESC, rowid LIMIT ?",
            (query, *scope_args, query, max(WIDE_CANDIDATES, 20 * k))).fetchall()
        return rerank(words, rows, k)


_QUOTE = re.compile(r"(['\\])")


def _lexeme(word: str) -> str:
    """A word as a quoted tsquery lexeme, taken as it is (no parsing, no stemming)."""
    return "'" + _QUOTE.sub(r"\\\1", word) + "'"
