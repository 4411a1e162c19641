"""Hybrid passage retrieval: the store's keyword index fused with the Chroma index.

Both searches are scoped before they score: a question about some reports reads only
their rows of the FTS5 keyword index (ingest/store.py) and asks Chroma with a
``report_id`` filter. Nothing is built in memory, so a new process answers its first
question at once and sees what another process ingested. Passages of duplicate
reports (the same report from another file) are never returned. An empty report
filter returns nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.index import PassageIndex
from ingest.models import Citation, ReportRecord, StoredPassage
from ingest.store import Store
from ingest.text import search_tokens, segmenter

from .answer import Evidence
from .extract import expansions

log = logging.getLogger(__name__)


class HybridRetriever(BaseRetriever):
    """Keyword (FTS5 BM25) + dense retrieval fused by reciprocal rank fusion, as a langchain
    retriever.

    ``search()`` is the main API; ``invoke()`` returns langchain Documents whose
    metadata holds ``passage_id``, ``report_id``, ``score`` and ``citation`` (a dict).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    index: PassageIndex | None = None
    k: int = 8
    rrf_k: int = 60
    report_ids: list[str] | None = None

    # ------------------------------------------------------------ public

    def search(self, query: str, *, report_ids: Collection[str] | None = None,
               k: int | None = None, ignore: Sequence[str] = ()) -> list[Evidence]:
        """The ``k`` passages best matching ``query``, as Evidence (kind 'passage').

        ``report_ids=None`` searches every answering report; an empty collection, or one
        no answering report is in, returns []. ``ignore``: strings (agency names, years)
        left out of the keyword query because the filter already covers them.
        """
        k = self.k if k is None else k
        if k <= 0 or not query.strip():
            return []
        scope = None
        if report_ids is not None:
            answering = self.store.answering_ids(report_ids)
            scope = [r for r in dict.fromkeys(report_ids) if r in answering]
            if not scope:
                return []
        depth = max(2 * k, 20)
        lexical = [pid for pid, _ in self.store.keyword_search(self._keyword_query(query, ignore), scope, depth)]
        dense = self._dense(query, scope, depth)
        fused: dict[str, float] = {}
        for ranking in (lexical, dense):
            for rank, passage_id in enumerate(ranking, start=1):
                fused[passage_id] = fused.get(passage_id, 0.0) + 1.0 / (self.rrf_k + rank)
        order = sorted(fused.items(), key=lambda item: -item[1])
        stored = self.store.passages_by_id([pid for pid, _ in order[: 2 * depth]])
        allowed = set(scope) if scope is not None else self.store.answering_ids(
            {p.report_id for p in stored.values()})
        records: dict[str, ReportRecord | None] = {}
        out: list[Evidence] = []
        for passage_id, score in order:
            passage = stored.get(passage_id)
            if passage is None or passage.report_id not in allowed:
                continue  # a dense hit of a report not stored (yet), or of a silent copy
            if passage.report_id not in records:
                records[passage.report_id] = self.store.report(passage.report_id)
            record = records[passage.report_id]
            if record is not None:
                out.append(_evidence(passage, record, score))
            if len(out) == k:
                break
        return out

    def warm_up(self) -> None:
        """Load the tokenizer now rather than on the first question."""
        segmenter()

    # ------------------------------------------------------------ langchain

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=e.text, id=e.passage_id,
                         metadata={"passage_id": e.passage_id, "report_id": e.citation.report_id,
                                   "agency": e.citation.agency, "year": e.citation.year,
                                   "score": e.score, "citation": e.citation.to_dict()})
                for e in self.search(query, report_ids=self.report_ids)]

    # ------------------------------------------------------------ internals

    @staticmethod
    def _keyword_query(query: str, ignore: Sequence[str]) -> list[str]:
        for item in sorted((i for i in ignore if i), key=len, reverse=True):
            query = query.replace(item, " ")
        # English words never match Chinese passages, and reports say 一是 where a
        # question says 第一个: add the Chinese spellings and synonyms.
        return search_tokens(query) + [t for form in expansions(query) for t in search_tokens(form)]

    def _dense(self, query: str, scope: list[str] | None, depth: int) -> list[str]:
        if self.index is None:
            return []
        if scope is not None:
            where = {"report_id": {"$in": scope}}
        else:
            silent = sorted(self.store.silent_ids())
            where = {"report_id": {"$nin": silent}} if silent else None
        try:
            self.index.refresh_after(self.store.version())  # another process may have written to it
            hits = self.index.query(query, k=depth, where=where)
        except Exception as exc:  # Chroma raises many kinds; keyword results still stand
            log.warning("dense passage search failed, using keyword search only: %s", exc)
            return []
        return [pid for pid, _ in hits]


def _evidence(stored: StoredPassage, record: ReportRecord, score: float) -> Evidence:
    passage = stored.passage
    label = passage.text.split("：", 1)[0] if passage.kind == "table_row" else None
    citation = Citation(
        source_file=record.source_file, report_id=record.id, agency=record.agency,
        year=record.year, page=passage.page, section=passage.section or None,
        table=passage.table, row=passage.row, label=label, quote=passage.text)
    return Evidence(text=passage.text, citation=citation, score=round(score, 6),
                    kind="passage", passage_id=stored.id)
