"""The tutorial RAG baseline of `xxgk eval --baseline` on a couple of generated reports."""

from __future__ import annotations

import pytest
from conftest import BigramEmbedding

from assistant.baseline import CHUNK_SIZE, BaselineRAG, file_pages, split_pages
from assistant.evaluation import Retrieved, hit_at_k
from devtools import samples


class CountingEmbedding(BigramEmbedding):
    calls = 0

    def __call__(self, input):
        CountingEmbedding.calls += 1
        return super().__call__(input)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    r21 = samples.make_report("青石市人民政府", 2023, "2021", seed=7)
    r19 = samples.make_report("望川县人民政府", 2019, "2019", seed=3)
    pdf = samples.write_pdf(r21, out / "qingshi-gov-2023.pdf")
    txt = samples.write_text(r19, out / "wangchuan-gov-2019.txt")
    return {"pdf": (pdf, r21), "txt": (txt, r19), "dir": out}


def test_pages_and_chunks(reports):
    pdf, r21 = reports["pdf"]
    pages = file_pages(pdf)
    assert [n for n, _ in pages] == list(range(1, len(pages) + 1)) and len(pages) > 1
    chunks = split_pages(pages, str(pdf))
    assert chunks and all(len(c.text) <= CHUNK_SIZE for c in chunks)
    assert {c.page for c in chunks} == {n for n, _ in pages}
    assert any(r21.facts_in_prose["proactive_items"] in c.text.replace("\n", "") for c in chunks)
    txt, r19 = reports["txt"]
    (page, text), = file_pages(txt)
    assert page is None and r19.facts_in_prose["new_media"] in text


def test_search_returns_chunks_and_hit_at_k(reports, tmp_path):
    embedding = CountingEmbedding()
    rag = BaselineRAG(embedding, tmp_path / "chroma")
    assert rag.search("anything") == []
    (pdf, _), (txt, r19) = reports["pdf"], reports["txt"]
    assert rag.add_files([pdf, txt]) > 4
    assert "xxgk-test-bigram" in rag.collection.name  # our embedding, never Chroma's default
    before = CountingEmbedding.calls
    question = r19.facts_in_prose["new_media"]  # the sentence itself: bigram retrieval finds it
    found = rag.search(question, k=3)
    assert CountingEmbedding.calls == before + 1
    assert len(found) == 3 and all(c.text for c in found)
    retrieved = [Retrieved(c.source_file, c.text) for c in found]
    answer = r19.fact_answers["new_media"]
    gold = {"report": "wangchuan-gov-2019", "answer": answer, "kind": "text"}
    assert hit_at_k(gold, retrieved, 3)
    assert not hit_at_k({**gold, "report": "qingshi-gov-2023"}, retrieved, 3)
    assert {c.page for c in found if c.stem == "wangchuan-gov-2019"} == {None}
