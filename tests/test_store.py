"""The fact store on both of its databases: SQLite (a file) and PostgreSQL (a real server on
127.0.0.1). Every test with ``config`` runs on each; some compare the two side by side.
The edited-copy, crash and concurrency tests of tests/test_nothing_lost.py also run on both.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import BigramEmbedding, run_on_both_backends

from assistant.factory import make_assistant, make_index, make_ingestor
from devtools import samples
from ingest import template as tpl
from ingest.errors import StoreError
from ingest.models import Passage, ReportRecord, StoredPassage
from ingest.store import MAX_SCOPED_RUNS, Store
from ingest.text import search_tokens

REPO = Path(__file__).resolve().parents[1]
AGENCIES = ("石桥县人民政府", "青河区人民政府", "望川县教育局")


def pytest_generate_tests(metafunc):
    run_on_both_backends(metafunc)


def _ingestor(config):
    return make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))


def _corpus(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    files = []
    for n, agency in enumerate(AGENCIES):
        for report in samples.make_series(agency, (2021, 2022, 2023), seed=n):
            files.append(samples.write_text(report, folder / f"{n}-{report.year}.txt"))
    return files


def _record(rid: str, agency: str, year: int = 2023) -> ReportRecord:
    return ReportRecord(rid, f"/r/{rid}.txt", "txt", agency, year, "2021", "", 0)


def test_the_configured_backend_is_the_one_in_use(config):
    store = Store(config.store_location)
    assert store.database.name == ("postgresql" if config.store.url else "sqlite")
    assert (store.path is None) == bool(config.store.url)
    assert store.schema_version >= 1


def test_ingest_and_ask_across_years(config, tmp_path):
    ingestor = _ingestor(config)
    results = ingestor.ingest(_corpus(tmp_path / "reports"))
    assert [r.status for r in results] == ["ingested"] * 9
    assistant = make_assistant(config, ingestor.store, ingestor.index)
    report = samples.make_series(AGENCIES[1], (2021, 2022, 2023), seed=1)[1]
    answer = assistant.ask(f"{AGENCIES[1]}2022年本年新收政府信息公开申请多少件？")
    assert answer.value == report.number((tpl.T3, "new_received", "total"))
    assert answer.citations and answer.citations[0].source_file.endswith("1-2022.txt")
    # The carry-over check of year N against year N-1 is kept by the store on both backends.
    assert not [f for _, f in ingestor.store.findings() if f.check.startswith("carry_over")]


def test_both_backends_store_and_list_the_same(tmp_path, postgres_server):
    """One corpus into a SQLite store and a PostgreSQL store: the same reports, facts, order,
    findings, agencies and keyword-search rankings, scoped and over everything."""
    from assistant.config import load_config

    files = _corpus(tmp_path / "reports")
    stores = []
    for name, url in (("sqlite", None), ("postgresql", postgres_server.new_database())):
        config = load_config(environ={}, data_dir=tmp_path / name, store__url=url, ingest__workers=1)
        ingestor = _ingestor(config)
        assert all(r.status == "ingested" for r in ingestor.ingest(files))
        stores.append(ingestor.store)
    lite, pg = stores

    def listing(store):
        return ([(r.id, r.agency, r.year, r.duplicate_of) for r in store.reports()],
                [(f.report_id, f.fact) for f in store.facts()],
                store.findings(), store.agencies())

    assert listing(lite) == listing(pg)
    some = [r.id for r in lite.reports()][:2]
    for query in ("政务新媒体 政策解读 培训", "行政复议 行政诉讼", "信息处理费"):
        tokens = search_tokens(query)
        for scope in (some, None):
            ranked = [_hits(store, store.keyword_search(tokens, scope, k=10)) for store in stores]
            assert ranked[0] and ranked[0] == ranked[1], (query, scope)


def _hits(store: Store, ranked: list[tuple[str, float]]) -> list[tuple[str, str, float]]:
    """Passage ids carry a random ingest key: compare report, text and score instead."""
    passages = store.passages_by_id([p for p, _ in ranked])
    return [(passages[p].report_id, passages[p].passage.text, round(score, 6)) for p, score in ranked]


def test_a_wide_keyword_scope_searches_only_those_reports(config):
    store = Store(config.store_location)
    ids = [f"r{n:03d}" for n in range(MAX_SCOPED_RUNS + 4)]
    for n, rid in enumerate(ids):
        text = f"全年收取信息处理费{n}元。" if n % 2 else "召开新闻发布会三场。"
        store.save_report(_record(rid, f"第{n}县人民政府"), [],
                          [StoredPassage(f"{rid}-0", rid, Passage(text, "六", 1, "prose"))], [])
    tokens = search_tokens("信息处理费")
    everywhere = store.keyword_search(tokens, None, k=100)
    assert {p for p, _ in everywhere} == {f"{rid}-0" for n, rid in enumerate(ids) if n % 2}
    scope = [r for r in ids if r != "r003"]
    assert store.keyword_search(tokens, scope, k=100) == [h for h in everywhere if h[0] != "r003-0"]
    store.delete_report("r001")
    assert "r001-0" not in {p for p, _ in store.keyword_search(tokens, None, k=100)}


def test_a_write_by_one_connection_is_seen_by_another_at_once(config):
    """Two processes on one store: the generation counter tells readers something changed."""
    writer, reader = Store(config.store_location), Store(config.store_location)
    before = reader.version()
    writer.save_report(_record("r1", AGENCIES[0]), [], [], [])
    assert reader.version() > before
    assert [r.id for r in reader.reports()] == ["r1"]
    writer.close()
    reader.close()


def test_writers_in_many_threads_keep_one_answering_copy_per_year(config):
    """Copies of one agency's year saved at once from many connections: exactly one answers."""
    store_location = config.store_location
    Store(store_location).close()  # migrate once
    errors: list[BaseException] = []

    def save(n: int) -> None:
        store = Store(store_location)
        try:
            store.save_report(_record(f"copy-{n}", AGENCIES[0]), [], [], [])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    store = Store(store_location)
    assert len(store.reports()) == 8
    assert len(store.reports(include_duplicates=False)) == 1


def test_migrate_is_idempotent_and_reported_by_the_cli(config):
    env = {"XXGK_DATA_DIR": str(config.data_dir), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    if config.store.url:
        env["XXGK_STORE__URL"] = config.store.url
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())",
                               "migrate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "schema version" in done.stdout
    store = Store(config.store_location)
    assert f"schema version {store.schema_version}" in done.stdout


@pytest.mark.sqlite_only
def test_an_unreachable_server_is_a_store_error_naming_it_without_the_password():
    from servers import free_port

    url = f"postgresql://xxgk:s3cret@127.0.0.1:{free_port()}/xxgk"
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert "127.0.0.1" in message and "s3cret" not in message and "XXGK_STORE__URL" in message


@pytest.mark.sqlite_only
def test_a_url_of_another_database_is_refused():
    from ingest.errors import ConfigError

    with pytest.raises(ConfigError, match="postgresql://"):
        Store("mysql://root@127.0.0.1/xxgk")


# ---------------------------------------------------------------- ingest in worker processes


def test_workers_store_exactly_what_one_process_stores(config, tmp_path):
    files = _corpus(tmp_path / "reports")
    copy = tmp_path / "reports" / "copy-of-0-2021.txt"  # the same bytes twice in one batch
    copy.write_bytes(files[0].read_bytes())
    files.append(copy)
    parallel = _ingestor(config)
    results = parallel.ingest(files, workers=2)
    assert [r.status for r in results] == ["ingested"] * 9 + ["unchanged"]
    assert results[-1].report_id == results[0].report_id
    assert any("already stored" in n for n in results[-1].notes)

    from assistant.config import load_config

    alone = _ingestor(load_config(environ={}, data_dir=tmp_path / "alone"))
    alone.ingest(files, workers=1)
    for a, b in zip(parallel.store.reports(), alone.store.reports(), strict=True):
        assert (a.id, a.agency, a.year, a.duplicate_of) == (b.id, b.agency, b.year, b.duplicate_of)
        assert parallel.store.fact_map(a.id) == alone.store.fact_map(b.id)
        assert parallel.index.count(a.id) == parallel.store.counts(a.id)["passages"] > 0
    # The vectors a worker made are the ones this process would have made.
    some = parallel.store.passages(results[0].report_id)[0]
    stored = parallel.index.collection.get(ids=[some.id], include=["embeddings"])["embeddings"][0]
    assert list(stored) == pytest.approx(list(BigramEmbedding()([some.passage.text])[0]))


def test_a_killed_worker_fails_its_file_only_and_leaves_nothing_half_written(config, tmp_path):
    from conftest import DyingEmbedding

    folder = tmp_path / "reports"
    files = _corpus(folder)[:3]
    killer = samples.make_report(AGENCIES[2], 2020, "2019", seed=9)
    killer = dataclasses.replace(killer, preface=killer.preface + DyingEmbedding.MARKER)
    files.insert(1, samples.write_text(killer, folder / "killer.txt"))
    ingestor = make_ingestor(config, index=make_index(config, embedding=DyingEmbedding()))
    results = ingestor.ingest(files, workers=2)
    assert [r.status for r in results] == ["ingested", "failed", "ingested", "ingested"]
    assert "stopped" in results[1].reason and "killer.txt" in results[1].reason
    assert len(ingestor.store.reports()) == 3 and not ingestor.store.pending()
    assert {p.id for p in ingestor.store.passages()} == set(ingestor.index.collection.get(include=[])["ids"])


def _processes_tagged(tag: str) -> list[int]:
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"XXGK_TEST_TAG={tag}".encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_an_ingest_killed_with_its_workers_running_leaves_no_worker_and_no_half_report(config, tmp_path):
    import os
    import signal
    import time
    import uuid

    folder = tmp_path / "reports"
    _corpus(folder)
    tag = uuid.uuid4().hex
    args = [sys.executable, str(REPO / "tests" / "ingest_driver.py"), str(config.data_dir), str(folder),
            "--workers", "2", "--slow", "0.3"]
    if config.store.url:
        args += ["--store-url", config.store.url]
    proc = subprocess.Popen(args, env={**os.environ, "XXGK_TEST_TAG": tag},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_processes_tagged(tag)) < 3 and time.monotonic() < deadline:  # the driver and 2 workers
        time.sleep(0.2)
    assert len(_processes_tagged(tag)) >= 3, "the workers never started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)  # returns once no worker holds the pipes
    deadline = time.monotonic() + 10
    while _processes_tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_tagged(tag) == []
    ingestor = _ingestor(config)
    for record in ingestor.store.reports():  # whatever was stored is whole
        assert ingestor.store.counts(record.id)["facts"] > 0
        assert ingestor.index.count(record.id) == ingestor.store.counts(record.id)["passages"]
    results = ingestor.ingest([folder])
    assert not [r for r in results if r.failed]
    assert len(ingestor.store.reports()) == 9


def test_a_store_from_before_ocr_is_migrated_and_keeps_answering(config, tmp_path):
    """A library stored before facts had an OCR confidence gains the column on opening:
    its facts read back (with no confidence) and a new report stores one."""
    ingestor = _ingestor(config)
    files = _corpus(tmp_path / "reports")
    ingestor.ingest(files[:3])
    store = ingestor.store
    latest = store.schema_version
    with store.transaction() as db:  # undo the last migration, as an older xxgk left it
        db.execute("ALTER TABLE facts DROP COLUMN confidence")
        db.execute("UPDATE schema_version SET version = ?", (latest - 1,))
    store.close()

    reopened = Store(config.store_location)
    assert reopened.schema_version == latest
    facts = reopened.facts()
    assert facts and all(stored.fact.confidence is None for stored in facts)
    ingestor = make_ingestor(config, store=reopened, index=ingestor.index)
    assert [r.status for r in ingestor.ingest(files[3:4])] == ["ingested"]
    assistant = make_assistant(config, reopened, ingestor.index)
    report = samples.make_series(AGENCIES[0], (2021, 2022, 2023), seed=0)[1]
    answer = assistant.ask(f"{AGENCIES[0]}2022年本年新收政府信息公开申请多少件？")
    assert answer.value == report.number((tpl.T3, "new_received", "total"))
