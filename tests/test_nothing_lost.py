"""Nothing lost: edited reports, interrupted and concurrent ingests, bad files in a batch.

Each test reproduces a fault found by a fault run of an earlier version, then checks that
every stored report stays answerable and that the fact store and Chroma agree. Every test
with a ``config`` runs on both fact stores: SQLite and a real PostgreSQL server.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import BigramEmbedding, run_on_both_backends

from assistant.factory import make_assistant, make_index, make_ingestor
from devtools import samples
from ingest import template as tpl

DRIVER = Path(__file__).with_name("ingest_driver.py")


def pytest_generate_tests(metafunc):
    run_on_both_backends(metafunc)

PENALTY = (tpl.T2, "penalty", "decisions")


def _report(agency: str = "石桥县人民政府", year: int = 2022, seed: int = 5) -> samples.SampleReport:
    return samples.make_report(agency, year, tpl.TEMPLATE_2021, seed=seed)


def _edited(report: samples.SampleReport, cell=PENALTY, delta: int = 1) -> samples.SampleReport:
    values = dict(report.values)
    values[cell] = str(int(values[cell]) + delta)
    return dataclasses.replace(report, values=values)


def _assistant(ingestor):
    return make_assistant(ingestor_config(ingestor), ingestor.store, ingestor.index)


def ingestor_config(ingestor):
    from assistant.config import load_config

    store = ingestor.store
    if store.path is not None:
        return load_config(environ={}, data_dir=store.path.parent)
    import tempfile

    return load_config(environ={}, data_dir=Path(tempfile.mkdtemp(prefix="xxgk-data-")),
                       store__url=store.database.url)


def _penalties(ingestor, agency: str = "石桥县人民政府", year: int = 2022):
    return _assistant(ingestor).ask(f"{agency}{year}年行政处罚决定多少件？")


def assert_index_agrees(ingestor) -> None:
    """Every committed passage is in Chroma, and Chroma holds nothing else."""
    store, index = ingestor.store, ingestor.index
    expected = {p.id for p in store.passages()}
    listed = set(index.collection.get(include=[])["ids"])
    assert expected == listed, (len(expected - listed), len(listed - expected))


def assert_every_group_answers(ingestor) -> None:
    store = ingestor.store
    groups = {(r.agency, r.year) for r in store.reports() if r.agency and r.year}
    answering = [(r.agency, r.year) for r in store.reports(include_duplicates=False) if r.agency and r.year]
    assert sorted(groups) == sorted(answering), "each agency's year has exactly one answering copy"


# ------------------------------------------------------------------ edited reports


def test_a_report_edited_in_place_replaces_the_old_version(ingestor, tmp_path):
    report = _report()
    path = samples.write_text(report, tmp_path / "shiqiao-2022.txt")
    [first] = ingestor.ingest([path])
    samples.write_text(_edited(report), path)
    [second] = ingestor.ingest([path])
    assert second.status == "ingested" and second.duplicate_of is None
    assert [r.id for r in ingestor.store.reports()] == [second.report_id]
    answer = _penalties(ingestor)
    assert answer.value == int(report.values[PENALTY]) + 1, answer.answer
    [again] = ingestor.ingest([path])
    assert again.status == "unchanged"
    assert_index_agrees(ingestor)


def test_an_edited_copy_answers_and_the_old_one_is_kept_beside_it(ingestor, tmp_path):
    report = _report()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    original = samples.write_text(report, tmp_path / "a" / "shiqiao-2022.txt")
    edited = samples.write_text(_edited(report, delta=-1), tmp_path / "b" / "shiqiao-2022-fixed.txt")
    [first] = ingestor.ingest([original])
    [second] = ingestor.ingest([edited])
    assert second.status == "ingested"
    assert second.superseded == first.report_id and second.duplicate_of is None
    assert any("new version" in n and "1 figures differ" in n for n in second.notes), second.notes
    assert len(ingestor.store.reports()) == 2
    answer = _penalties(ingestor)
    assert answer.value == int(report.values[PENALTY]) - 1
    assert answer.citations[0].source_file == str(edited.resolve())
    # Re-ingesting either file changes nothing; deleting the new version brings the old back.
    assert [r.status for r in ingestor.ingest([original, edited])] == ["unchanged", "unchanged"]
    assert _penalties(ingestor).value == int(report.values[PENALTY]) - 1
    ingestor.delete(second.report_id)
    assert _penalties(ingestor).value == int(report.values[PENALTY])
    assert_every_group_answers(ingestor)


def test_an_agreeing_copy_with_fewer_cells_never_hides_the_answering_one(ingestor, sample_files, tmp_path):
    """The same report as PDF then as text with a table row lost: the PDF keeps answering."""
    report = sample_files["reports"]["2021"]
    partial = samples.write_text(report, tmp_path / "partial.txt")
    lines = partial.read_text(encoding="utf-8").splitlines()
    partial.write_text("\n".join(line for line in lines if "属于国家秘密" not in line), encoding="utf-8")
    [pdf] = ingestor.ingest([sample_files["files"]["pdf2021"]])
    [text] = ingestor.ingest([partial])
    assert text.duplicate_of == pdf.report_id
    assert any("same report as" in n for n in text.notes)
    catalog = _assistant(ingestor).catalog()
    assert [e.report_id for e in catalog.entries] == [pdf.report_id]
    ingestor.delete(pdf.report_id)
    assert [e.report_id for e in _assistant(ingestor).catalog().entries] == [text.report_id]


@pytest.mark.sqlite_only
def test_a_store_of_the_earlier_version_is_migrated_and_its_hidden_reports_answer(config):
    """Stores written by the earlier version can point every copy of a year at a deleted one."""
    import sqlite3

    from ingest.databases import SQLITE_MIGRATIONS as MIGRATIONS
    from ingest.store import Store

    config.data_dir.mkdir(parents=True)
    old = sqlite3.connect(config.sqlite_path)
    old.executescript(MIGRATIONS[0])
    for report_id in ("a" * 64, "b" * 64):
        old.execute("INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (report_id, f"/r/{report_id[0]}.txt", "txt", "石桥县人民政府", 2022, "2021", "", 0,
                     "[]", "[]", "[]", "[]", "gone", 1.0))
    old.commit()
    old.close()
    store = Store(config.sqlite_path)
    assert store.schema_version == len(MIGRATIONS)
    assert len(store.reports(include_duplicates=False)) == 1
    assert store.answering("name/石桥县人民政府", 2022) is not None


# ------------------------------------------------------------------ interrupted ingests


def _run_driver(config, *paths: Path, crash_at: str | None = None, slow: float = 0.0, workers: int = 1):
    args = [sys.executable, str(DRIVER), str(config.data_dir), *map(str, paths), "--workers", str(workers)]
    if config.store.url:
        args += ["--store-url", config.store.url]
    if crash_at:
        args += ["--crash-at", crash_at]
    if slow:
        args += ["--slow", str(slow)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("crash_at", ["after_index", "mid_transaction"])
def test_a_killed_ingest_of_a_new_version_leaves_the_stored_one_answering(config, tmp_path, crash_at):
    report = _report()
    original = samples.write_text(report, tmp_path / "r.txt")
    edited = samples.write_text(_edited(report), tmp_path / "r-edited.txt")
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    [first] = ingestor.ingest([original])
    proc = _run_driver(config, edited, crash_at=crash_at)
    proc.communicate(timeout=300)
    assert proc.returncode == 70

    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    assert [r.id for r in ingestor.store.reports()] == [first.report_id]
    assert _penalties(ingestor).value == int(report.values[PENALTY])
    [again] = ingestor.ingest([edited])  # the next run cleans up and ingests it whole
    assert again.status == "ingested" and again.superseded == first.report_id
    assert_index_agrees(ingestor)
    assert not ingestor.store.pending()


def test_a_killed_first_ingest_leaves_nothing_behind(config, sample_files):
    proc = _run_driver(config, sample_files["files"]["pdf2019"], crash_at="mid_transaction")
    proc.communicate(timeout=300)
    assert proc.returncode == 70
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    assert ingestor.store.reports() == [] and ingestor.store.passages() == []
    [result] = ingestor.ingest([sample_files["files"]["pdf2019"]])
    assert result.status == "ingested"
    assert_index_agrees(ingestor)


def test_clean_up_keeps_entries_a_live_ingest_owns_and_removes_a_dead_ones(ingestor, tmp_path):
    """The second of two ingests at once must not delete what the first has not committed yet."""
    from ingest.store import StoredPassage

    passage = samples.write_text(_report(), tmp_path / "r.txt")  # any report, for its passages
    [stored] = ingestor.ingest([passage])
    text = ingestor.store.passages(stored.report_id)[0].passage
    live = [StoredPassage(f"live-{n}", "live-report", text) for n in range(3)]
    dead = [StoredPassage(f"dead-{n}", "dead-report", text) for n in range(2)]
    ingestor.store.mark_pending("live-report", "k1")  # this process: alive
    ingestor.index.add(live, "某单位", 2022, "k1")
    ingestor.store.mark_pending("dead-report", "k2")
    with ingestor.store.transaction() as db:  # a process that was killed
        db.execute("UPDATE pending SET pid = ? WHERE report_id = 'dead-report'", (_dead_pid(),))
    ingestor.index.add(dead, "某单位", 2022, "k2")

    removed = ingestor.remove_orphans()
    assert removed == 2
    assert ingestor.index.ids("live-report") == {p.id for p in live}
    assert ingestor.index.ids("dead-report") == set()
    assert [p.report_id for p in ingestor.store.pending()] == ["live-report"]
    assert ingestor.index.count(stored.report_id) == stored.passages


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_two_ingests_at_once_lose_no_passages(config, tmp_path):
    """Two processes ingest different folders into one store at the same time."""
    folders = []
    for n, agency in enumerate(("石桥县人民政府", "青河区人民政府")):
        folder = tmp_path / f"f{n}"
        folder.mkdir()
        for year in (2021, 2022, 2023):
            samples.write_text(_report(agency, year, seed=year + n), folder / f"{year}.txt")
        folders.append(folder)
    procs = [_run_driver(config, folder, slow=0.2) for folder in folders]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert all(json.loads(line)["status"] == "ingested" for line in out.decode().splitlines())
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    assert len(ingestor.store.reports()) == 6
    assert_index_agrees(ingestor)
    assert all(ingestor.store.counts(r.id)["passages"] == ingestor.index.count(r.id)
               for r in ingestor.store.reports())


def test_a_report_whose_index_entries_went_missing_is_repaired(ingestor, tmp_path):
    path = samples.write_text(_report(), tmp_path / "r.txt")
    [first] = ingestor.ingest([path])
    ingestor.index.delete_report(first.report_id)
    [again] = ingestor.ingest([path])
    assert again.status == "repaired"
    assert any("restored" in n for n in again.notes)
    assert ingestor.index.count(first.report_id) == first.passages
    assert ingestor.ingest([path])[0].status == "unchanged"


@pytest.mark.slow
def test_fault_run_kills_at_random_moments(config, tmp_path):
    """kill -9 at random moments of ingesting a folder, again and again, then a clean run."""
    import random

    folder = tmp_path / "reports"
    folder.mkdir()
    for year in (2020, 2021, 2022, 2023):
        version = samples.template_for_year(year)
        report = samples.make_report("石桥县人民政府", year, version, seed=year)
        samples.write_text(report, folder / f"{year}.txt")
        if year == 2022:
            samples.write_text(_edited(report), folder / f"{year}-edited.txt")
    rng = random.Random(4)
    for _ in range(6):
        proc = _run_driver(config, folder, slow=0.05)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
        assert_every_group_answers(ingestor)
        ingestor.store.close()
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    results = ingestor.ingest([folder])
    assert not [r for r in results if r.failed]
    assert_index_agrees(ingestor)
    assert_every_group_answers(ingestor)
    assistant = _assistant(ingestor)
    for year in (2020, 2021, 2022, 2023):
        answer = assistant.ask(f"石桥县人民政府{year}年本年新收政府信息公开申请多少件？")
        assert answer.value is not None, answer.answer


# ------------------------------------------------------------------ every batch keeps going


def _broken_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   '</Relationships>')
        z.writestr("word/document.xml", "<w:document><w:body><w:p>unclosed")
    return path


def _deep_html(path: Path) -> Path:
    path.write_text("<html><body>" + "<div>" * 20000 + "年度报告" + "</div>" * 20000 + "</body></html>",
                    encoding="utf-8")
    return path


def _huge_text(path: Path, report: samples.SampleReport) -> Path:
    samples.write_text(report, path)
    filler = "\n\n".join(f"第{n}条 本机关持续推进政务公开标准化规范化建设，更新公开目录。" for n in range(6200))
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n\n" + filler)
    return path


def test_a_batch_with_every_bad_file_goes_in_and_names_each(ingestor, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    samples.write_text(_report(), folder / "good.txt")
    _broken_docx(folder / "broken.docx")
    _deep_html(folder / "deep.html")
    _huge_text(folder / "huge.txt", _report("青河区人民政府", 2023, seed=9))
    results = {Path(r.path).name: r for r in ingestor.ingest([folder])}
    assert results["good.txt"].status == "ingested"
    assert results["broken.docx"].failed and "broken.docx" in results["broken.docx"].reason
    assert "could not be read" in results["broken.docx"].reason
    assert results["deep.html"].status in ("failed", "skipped")
    assert "deep.html" in results["deep.html"].reason
    assert results["huge.txt"].status == "ingested", results["huge.txt"].reason
    assert results["huge.txt"].passages > 6000
    assert ingestor.index.count(results["huge.txt"].report_id) == results["huge.txt"].passages
    assert_index_agrees(ingestor)


def test_the_same_bytes_under_another_path_are_unchanged_and_noted(ingestor, tmp_path):
    path = samples.write_text(_report(), tmp_path / "r.txt")
    other = tmp_path / "copy" / "r.txt"
    other.parent.mkdir()
    other.write_bytes(path.read_bytes())
    [first] = ingestor.ingest([path])
    [second] = ingestor.ingest([other])
    assert second.status == "unchanged" and second.report_id == first.report_id
    assert any(str(path) in n for n in second.notes)
    assert ingestor.store.report(first.report_id).source_file == str(path)
    path.unlink()  # the original moved away: the report follows, and says so
    [third] = ingestor.ingest([other])
    assert third.status == "unchanged" and any("moved" in n for n in third.notes)
    assert ingestor.store.report(first.report_id).source_file == str(other.resolve())


def test_relative_paths_are_stored_absolute(ingestor, tmp_path, monkeypatch):
    samples.write_text(_report(), tmp_path / "r.txt")
    monkeypatch.chdir(tmp_path)
    [result] = ingestor.ingest([Path("r.txt")])
    assert result.path == str(tmp_path / "r.txt")
    assert ingestor.store.report(result.report_id).source_file == str(tmp_path / "r.txt")


# ------------------------------------------------------------------ blank is not zero


def test_an_identity_with_a_blank_cell_cannot_be_checked_and_is_no_finding(ingestor, tmp_path):
    report = _report()
    values = dict(report.values)
    for col in samples.APPLICANT_COLUMNS[1:]:  # legal-person cells left blank, as real reports do
        for row in tpl.t3_rows(tpl.TEMPLATE_2021):
            if values.get((tpl.T3, row.key, col)) == "0":
                values[(tpl.T3, row.key, col)] = ""
    values[(tpl.T3, "total_handled", "total")] = ""
    blank = dataclasses.replace(report, values=values)
    [result] = ingestor.ingest([samples.write_html(blank, tmp_path / "blank.html")])
    [text] = ingestor.ingest([samples.write_text(blank, tmp_path / "blank.txt")])
    assert text.findings == 0, [f.message for _, f in ingestor.store.findings(text.report_id)]
    assert result.findings == 0, [f.message for _, f in ingestor.store.findings(result.report_id)]
    answer = _assistant(ingestor).ask("石桥县人民政府2022年的报告加起来对吗？")
    assert "无法核对" in answer.answer and "自洽" in answer.answer


def test_carry_over_with_a_blank_cell_is_not_a_finding():
    from ingest.checks import carry_over_findings
    from ingest.models import Fact

    def fact(row, raw, value):
        return Fact(tpl.T3, row, "natural_person", row, "自然人", raw, value, "件")

    previous = {(tpl.T3, "carried_forward", "natural_person"): fact("carried_forward", "", None)}
    current = {(tpl.T3, "carried_over", "natural_person"): fact("carried_over", "3", 3.0)}
    assert carry_over_findings(previous, current, 2021, 2022) == []
    previous = {(tpl.T3, "carried_forward", "natural_person"): fact("carried_forward", "2", 2.0)}
    assert len(carry_over_findings(previous, current, 2021, 2022)) == 1


def test_a_process_sees_what_another_process_wrote_to_the_index(config, tmp_path):
    """Embedded Chroma: a question after another process's ingest finds the new passages."""
    index = make_index(config, embedding=BigramEmbedding())
    ingestor = make_ingestor(config, index=index)
    ingestor.ingest([samples.write_text(_report(), tmp_path / "first.txt")])
    later = samples.write_text(_report("青河区人民政府", 2023, seed=3), tmp_path / "later.txt")
    proc = _run_driver(config, later)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    report_id = json.loads(out.decode().splitlines()[0])["report_id"]
    passages = ingestor.store.counts(report_id)["passages"]
    hits = index.query("青河区人民政府 政府信息公开", k=passages, where={"report_id": report_id})
    assert len(hits) == passages


def test_a_web_upload_during_a_command_line_ingest_waits_its_turn(config, tmp_path):
    from ui.library import Library

    folder = tmp_path / "cli"
    folder.mkdir()
    for year in (2020, 2021, 2022):
        samples.write_text(samples.make_report("石桥县人民政府", year, samples.template_for_year(year), seed=year),
                           folder / f"{year}.txt")
    proc = _run_driver(config, folder, slow=0.3)
    time.sleep(1.0)
    index = make_index(config, embedding=BigramEmbedding())
    library = Library(make_assistant(config, index=index), tmp_path / "uploads")
    upload = samples.write_text(_report("青河区人民政府", 2023, seed=3), tmp_path / "upload.txt")
    [result] = library.add([upload])
    proc.communicate(timeout=300)
    assert result.status == "ingested" and proc.returncode == 0
    fresh = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    assert len(fresh.store.reports()) == 4
    assert_index_agrees(fresh)
