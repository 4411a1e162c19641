"""Hybrid passage retrieval over generated reports: BM25, fusion with the dense index,
report filters, duplicates, index rebuilds and the langchain retriever interface."""

from __future__ import annotations

import pytest
from conftest import BigramEmbedding
from langchain_core.documents import Document

from assistant.answer import Evidence
from assistant.retrieval import HybridRetriever
from ingest.index import PassageIndex
from ingest.keywords import index_words
from ingest.text import search_tokens as tokenize


class FakeIndex(PassageIndex):
    """A dense index whose ranking the test chooses; records the filters it was given."""

    def __init__(self, ranking: list[str] | None = None, fail: bool = False) -> None:
        self.ranking = ranking or []
        self.fail = fail
        self.calls: list[dict] = []

    def refresh_after(self, version) -> None:
        pass

    def query(self, text, k=8, where=None):
        self.calls.append({"text": text, "k": k, "where": where})
        if self.fail:
            raise RuntimeError("chroma is down")
        allowed = set(where["report_id"]["$in"]) if where else None
        hits = [pid for pid in self.ranking if allowed is None or pid.split("|")[0] in allowed]
        return [(pid.split("|")[1], 0.1 * n) for n, pid in enumerate(hits[:k])]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, sample_files):
    """Three files ingested once: the 2023 report as PDF and HTML (a duplicate) and the 2019 text."""
    from assistant.config import load_config
    from assistant.factory import make_index, make_ingestor

    config = load_config(environ={}, data_dir=tmp_path_factory.mktemp("retrieval") / "data")
    ingestor = make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))
    files = sample_files["files"]
    results = ingestor.ingest([files["pdf2021"], files["text"], files["html"]])
    assert all(r.status == "ingested" for r in results), [r.reason for r in results]
    by_path = {r.path: r for r in results}
    ids = {
        "2021": by_path[str(files["pdf2021"])].report_id,
        "2019": by_path[str(files["text"])].report_id,
        "html": by_path[str(files["html"])].report_id,
    }
    records = {r.id: r for r in ingestor.store.reports()}
    duplicates = [rid for rid, r in records.items() if r.duplicate_of]
    assert len(duplicates) == 1
    return {"ingestor": ingestor, "ids": ids, "duplicate": duplicates[0],
            "reports": sample_files["reports"]}


def _stored_id(store, report_id: str, sentence: str) -> str:
    return next(p.id for p in store.passages(report_id) if sentence in p.passage.text)


# ------------------------------------------------------------------ tokenize


def test_tokenize_drops_punctuation_and_stopwords_keeps_ascii_and_numbers():
    tokens = tokenize("全年收取了政府信息公开信息处理费 3940 元。WeChat 公众号！")
    assert "3940" in tokens and "wechat" in tokens
    assert "信息处理费" in tokens and "收取" in tokens
    assert not {"了", "。", "！", " ", ""} & set(tokens)
    # Normalised first: full-width digits and CJK radical look-alikes fold to the usual form.
    assert "2024" in tokenize("２０２４年") and "人民" in tokenize("⼈⺠政府")


# ------------------------------------------------------------------ search


def test_bm25_finds_the_passage_holding_a_prose_fact(loaded):
    store = loaded["ingestor"].store
    report = loaded["reports"]["2021"]
    retriever = HybridRetriever(store=store, index=None)
    hits = retriever.search("全年收取了多少信息处理费？", k=3)
    assert hits and all(isinstance(h, Evidence) for h in hits)
    top = hits[0]
    assert report.facts_in_prose["processing_fee"] in top.text
    assert top.kind == "passage" and top.passage_id and top.score > 0
    c = top.citation
    assert (c.report_id, c.agency, c.year) == (loaded["ids"]["2021"], report.agency, report.year)
    assert c.source_file.endswith("qingshi-2023.pdf") and c.page and c.page >= 1
    assert c.section and c.section.startswith("六、") and c.quote == top.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_table_row_passages_cite_their_table_and_row(loaded):
    retriever = HybridRetriever(store=loaded["ingestor"].store, index=None)
    hits = retriever.search("表三 本年新收政府信息公开申请数量 总计", k=8,
                            report_ids=[loaded["ids"]["2021"]])
    rows = [h for h in hits if h.citation.table]
    assert rows, "a table-row passage should match the row's label"
    assert rows[0].citation.table and rows[0].citation.row
    assert rows[0].citation.label and rows[0].text.startswith(rows[0].citation.label)


def test_fusion_puts_a_passage_found_by_both_searches_first(loaded):
    store = loaded["ingestor"].store
    rid = loaded["ids"]["2021"]
    query = "政务新媒体 政策解读 培训"
    lexical = HybridRetriever(store=store, index=None).search(query, report_ids=[rid], k=10)
    assert len(lexical) >= 3
    both = lexical[1].passage_id  # second by BM25 ...
    only_dense = next(p.id for p in store.passages(rid)
                      if p.id not in {h.passage_id for h in lexical})
    fake = FakeIndex([f"{rid}|{only_dense}", f"{rid}|{both}"])  # ... and second by the index
    hits = HybridRetriever(store=store, index=fake).search(query, report_ids=[rid], k=5)
    assert hits[0].passage_id == both
    assert only_dense in {h.passage_id for h in hits}
    assert fake.calls[0]["where"] == {"report_id": {"$in": [rid]}}


def test_hybrid_search_with_the_real_index_finds_the_fact(loaded):
    ingestor = loaded["ingestor"]
    report = loaded["reports"]["2019"]
    retriever = HybridRetriever(store=ingestor.store, index=ingestor.index, k=4)
    hits = retriever.search("政府信息公开工作由谁具体负责", report_ids=[loaded["ids"]["2019"]])
    assert report.facts_in_prose["person_in_charge"] in hits[0].text


def test_report_filter_restricts_both_searches(loaded):
    ingestor = loaded["ingestor"]
    rid = loaded["ids"]["2019"]
    spy = FakeIndex([f"{loaded['ids']['2021']}|x", f"{rid}|{ingestor.store.passages(rid)[0].id}"])
    retriever = HybridRetriever(store=ingestor.store, index=spy)
    hits = retriever.search("政府信息公开工作由谁具体负责", report_ids={rid}, k=20)
    assert hits and {h.citation.report_id for h in hits} == {rid}
    assert spy.calls[-1]["where"] == {"report_id": {"$in": [rid]}}
    real = HybridRetriever(store=ingestor.store, index=ingestor.index)
    assert {h.citation.report_id for h in real.search("结转下年度", report_ids=[rid], k=20)} == {rid}


def test_an_empty_filter_returns_nothing_not_everything(loaded):
    ingestor = loaded["ingestor"]
    spy = FakeIndex()
    retriever = HybridRetriever(store=ingestor.store, index=spy)
    assert retriever.search("政府信息公开申请", report_ids=[]) == []
    assert retriever.search("政府信息公开申请", report_ids=set()) == []
    assert retriever.search("政府信息公开申请", report_ids=["no-such-report"]) == []
    assert spy.calls == [], "a filter that matches nothing must not reach the index"
    assert retriever.search("   ") == [] and retriever.search("申请", k=0) == []


def test_passages_of_duplicate_reports_are_never_returned(loaded):
    ingestor = loaded["ingestor"]
    dup = loaded["duplicate"]
    primary = ingestor.store.report(dup).duplicate_of
    # The index holds the duplicate's passages too; ask for them first.
    spy = FakeIndex([f"{dup}|{p.id}" for p in ingestor.store.passages(dup)])
    for index in (None, ingestor.index, spy):
        retriever = HybridRetriever(store=ingestor.store, index=index)
        hits = retriever.search("全年主动公开政府信息 政策解读 新闻发布会", k=30)
        assert hits and dup not in {h.citation.report_id for h in hits}
        assert primary in {h.citation.report_id for h in hits}
    assert HybridRetriever(store=ingestor.store, index=ingestor.index).search(
        "全年主动公开政府信息", report_ids=[dup]) == []
    assert spy.calls[0]["where"] == {"report_id": {"$nin": [dup]}}  # scoped before scoring


def test_the_index_is_rebuilt_when_reports_are_added(ingestor, sample_files):
    files = sample_files["files"]
    [first] = ingestor.ingest([files["pdf2021"]])
    retriever = HybridRetriever(store=ingestor.store, index=ingestor.index)
    person = sample_files["reports"]["2019"].facts_in_prose["person_in_charge"]
    before = retriever.search("政府信息公开工作由谁具体负责", k=20)
    assert {h.citation.report_id for h in before} == {first.report_id}
    [second] = ingestor.ingest([files["text"]])
    after = retriever.search("政府信息公开工作由谁具体负责", k=20)
    assert second.report_id in {h.citation.report_id for h in after}
    assert any(person in h.text for h in after if h.citation.report_id == second.report_id)
    ingestor.delete(second.report_id)
    assert {h.citation.report_id for h in retriever.search("由谁具体负责", k=20)} == {first.report_id}


def test_dense_failure_falls_back_to_bm25(loaded):
    retriever = HybridRetriever(store=loaded["ingestor"].store, index=FakeIndex(fail=True))
    hits = retriever.search("全年收取了多少信息处理费", k=3)
    assert hits and loaded["reports"]["2021"].facts_in_prose["processing_fee"] in hits[0].text


def test_english_query_reaches_chinese_passages_through_the_term_list(loaded):
    retriever = HybridRetriever(store=loaded["ingestor"].store, index=None)
    hits = retriever.search("How much information processing fee was collected?", k=3,
                            report_ids=[loaded["ids"]["2021"]])
    assert hits and loaded["reports"]["2021"].facts_in_prose["processing_fee"] in hits[0].text


def test_ignored_names_do_not_pull_in_the_preface(loaded):
    report = loaded["reports"]["2021"]
    retriever = HybridRetriever(store=loaded["ingestor"].store, index=None)
    question = f"{report.agency}{report.year}年全年收取了多少信息处理费？"
    hits = retriever.search(question, k=1, report_ids=[loaded["ids"]["2021"]],
                            ignore=[report.agency, f"{report.year}年"])
    assert report.facts_in_prose["processing_fee"] in hits[0].text


def test_a_search_reads_no_passage_it_does_not_return(loaded, monkeypatch):
    """Nothing is built from the whole corpus: a new retriever's first search, scoped or
    not, reads the keyword index and only the passages it returns."""
    store = loaded["ingestor"].store
    monkeypatch.setattr(store, "passages", lambda *a, **kw: pytest.fail("read every passage"))
    read: list[int] = []
    by_id = store.passages_by_id
    monkeypatch.setattr(store, "passages_by_id", lambda ids: read.append(len(ids)) or by_id(ids))
    retriever = HybridRetriever(store=store, index=None, k=3)
    assert retriever.search("全年收取了多少信息处理费？", report_ids=[loaded["ids"]["2021"]])
    assert retriever.search("全年收取了多少信息处理费？")
    assert read and max(read) <= 40  # the fused candidates, not the corpus


def test_the_keyword_index_is_kept_in_the_reports_transaction(ingestor, sample_files):
    """Deleting or replacing a report takes its rows out of the keyword index."""
    files = sample_files["files"]
    [first] = ingestor.ingest([files["text"]])
    store = ingestor.store
    hits = store.keyword_search(["负责"], [first.report_id], k=50)
    assert hits and {store.passages_by_id([p])[p].report_id for p, _ in hits} == {first.report_id}
    ingestor.delete(first.report_id)
    assert store.keyword_search(["负责"], None, k=50) == []
    count = store.db.execute("SELECT COUNT(*) FROM passage_terms").fetchone()[0]
    assert count == 0


# ------------------------------------------------------------------ langchain


def test_invoke_returns_documents_with_citation_metadata(loaded):
    ingestor = loaded["ingestor"]
    rid = loaded["ids"]["2019"]
    retriever = HybridRetriever(store=ingestor.store, index=ingestor.index, k=3, report_ids=[rid])
    docs = retriever.invoke("政府信息公开工作由谁具体负责")
    assert 0 < len(docs) <= 3 and all(isinstance(d, Document) for d in docs)
    meta = docs[0].metadata
    assert meta["report_id"] == rid and meta["passage_id"]
    assert meta["citation"]["report_id"] == rid
    assert meta["citation"]["quote"] == docs[0].page_content
    assert {"source_file", "agency", "year", "page", "section"} <= set(meta["citation"])
    assert HybridRetriever(store=ingestor.store, index=None, report_ids=[]).invoke("申请") == []


def test_a_scoped_search_ranks_as_fts5_does(loaded):
    """Scoped, the store ranks a report's few passages itself; its BM25 agrees with FTS5's."""
    store = loaded["ingestor"].store
    rid = loaded["ids"]["2021"]
    for query in ("政务新媒体 政策解读 培训", "全年收取了多少信息处理费", "行政复议"):
        tokens = HybridRetriever._keyword_query(query, ())
        mine = store.keyword_search(tokens, [rid], k=10)
        many = store.keyword_search(tokens, [rid] + [f"absent-{n}" for n in range(40)], k=10)
        words = " OR ".join(f'"{w}"' for w in dict.fromkeys(index_words(tokens)))
        fts = store.db.execute(
            "SELECT passage_id, -bm25(passage_terms) FROM passage_terms WHERE passage_terms MATCH ? "
            "AND report_id = ? ORDER BY bm25(passage_terms) LIMIT 10", (words, rid)).fetchall()
        assert [p for p, _ in mine] == [p for p, _ in fts] == [p for p, _ in many]
        assert [round(s, 6) for _, s in mine] == [round(s, 6) for _, s in fts]


def test_a_store_written_before_the_keyword_index_is_indexed_on_opening(config):
    """Passages stored by an earlier version are tokenised once, with their statistics."""
    import sqlite3

    from ingest.databases import SQLITE_MIGRATIONS as MIGRATIONS
    from ingest.store import Store

    config.data_dir.mkdir(parents=True)
    old = sqlite3.connect(config.sqlite_path)
    for script in MIGRATIONS[:4]:
        old.executescript(script)
    old.execute("INSERT INTO reports (id, source_file, kind, agency, year, template, title, page_count, "
                "short_names, unknown, overridden, problems, duplicate_of, ingested_at, agency_id) "
                "VALUES ('r1', '/r/1.txt', 'txt', '石桥县人民政府', 2022, '2021', '', 0, '[]', '[]', '[]', "
                "'[]', NULL, 1.0, 'name/石桥县人民政府')")
    old.executemany("INSERT INTO passages VALUES (?, 'r1', ?, '六、存在的主要问题', 1, 'prose', NULL, NULL, ?)",
                    [("p1", 0, "全年收取信息处理费3940元。"), ("p2", 1, "政务新媒体发布信息120条。")])
    old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    old.execute("INSERT INTO schema_version VALUES (4)")
    old.commit()
    old.close()
    store = Store(config.sqlite_path)
    assert store.schema_version == len(MIGRATIONS)
    assert [p for p, _ in store.keyword_search(["信息处理费"], ["r1"])] == ["p1"]
    assert [p for p, _ in store.keyword_search(tokenize("政务新媒体"), None)] == ["p2"]
    counts = dict(store.db.execute("SELECT key, value FROM meta WHERE key LIKE 'indexed_%'"))
    assert counts["indexed_passages"] == 2 and counts["indexed_words"] > 4


def test_a_wide_scope_is_searched_by_fts5_among_those_reports_only(config):
    """More reports than the store ranks itself: FTS5 ranks, still only within the scope."""
    from ingest.models import Passage, ReportRecord, StoredPassage
    from ingest.store import MAX_SCOPED_RUNS, Store

    store = Store(config.sqlite_path)
    ids = [f"r{n:03d}" for n in range(MAX_SCOPED_RUNS + 4)]
    for n, rid in enumerate(ids):
        text = f"全年收取信息处理费{n}元。" if n % 2 else "召开新闻发布会三场。"
        store.save_report(ReportRecord(rid, f"/r/{rid}.txt", "txt", f"第{n}县人民政府", 2023, "2021", "", 0),
                          [], [StoredPassage(f"{rid}-0", rid, Passage(text, "六", 1, "prose"))], [])
    tokens = tokenize("信息处理费")
    everywhere = store.keyword_search(tokens, None, k=100)
    assert {p for p, _ in everywhere} == {f"{rid}-0" for n, rid in enumerate(ids) if n % 2}
    scope = [r for r in ids if r != "r003"]  # wider than the store ranks itself
    assert len(scope) > MAX_SCOPED_RUNS
    assert store.keyword_search(tokens, scope, k=100) == [h for h in everywhere if h[0] != "r003-0"]
    store.close()
