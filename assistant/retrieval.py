"""Hybrid passage retrieval: BM25 over jieba tokens fused with the Chroma index.

The BM25 index is built lazily from the fact store and rebuilt whenever the
set of stored reports changes. Passages of duplicate reports (the same report
from another file) are never returned. An empty report filter returns nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from ingest.index import PassageIndex
from ingest.models import Citation, ReportRecord, StoredPassage
from ingest.store import Store
from ingest.text import search_tokens, segmenter

from .answer import Evidence
from .extract import expansions

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class _Snapshot:
    """The BM25 index over the passages of the stored, non-duplicate reports."""

    signature: tuple
    passages: tuple[StoredPassage, ...]
    records: dict[str, ReportRecord]
    ranges: dict[str, tuple[int, int]]  # report id -> [start, end) in passages
    positions: dict[str, int]  # passage id -> position
    bm25: Any  # rank_bm25.BM25Okapi, or None when there are no passages


class HybridRetriever(BaseRetriever):
    """BM25 + dense retrieval fused by reciprocal rank fusion, as a langchain retriever.

    ``search()`` is the main API; ``invoke()`` returns langchain Documents whose
    metadata holds ``passage_id``, ``report_id``, ``score`` and ``citation`` (a dict).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    index: PassageIndex | None = None
    k: int = 8
    rrf_k: int = 60
    report_ids: list[str] | None = None

    _snapshot: _Snapshot | None = PrivateAttr(default=None)
    # Tokens by passage text, kept across rebuilds: ingesting one report tokenizes only its passages.
    _tokens: dict[str, list[str]] = PrivateAttr(default_factory=dict)
    _version: tuple[int, int] | None = PrivateAttr(default=None)  # Store.version() last checked
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    # ------------------------------------------------------------ public

    def search(self, query: str, *, report_ids: Collection[str] | None = None,
               k: int | None = None, ignore: Sequence[str] = ()) -> list[Evidence]:
        """The ``k`` passages best matching ``query``, as Evidence (kind 'passage').

        ``report_ids=None`` searches every non-duplicate report; an empty collection
        returns []. ``ignore``: strings (agency names, years) left out of the BM25
        query because the filter already covers them.
        """
        k = self.k if k is None else k
        if k <= 0 or not query.strip():
            return []
        snap = self._current()
        wanted = None if report_ids is None else set(report_ids)
        allowed = [r for r in snap.ranges if wanted is None or r in wanted]
        if not allowed:
            return []
        depth = max(2 * k, 20)
        lexical = self._bm25(snap, self._bm25_query(query, ignore), allowed, depth)
        dense = self._dense(snap, query, allowed, depth)
        fused: dict[int, float] = {}
        for ranking in (lexical, dense):
            for rank, position in enumerate(ranking, start=1):
                fused[position] = fused.get(position, 0.0) + 1.0 / (self.rrf_k + rank)
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [self._evidence(snap, position, score) for position, score in best]

    def warm_up(self) -> None:
        """Load the tokenizer and build the BM25 index now rather than on the first search."""
        segmenter()
        self._current()

    def refresh(self) -> None:
        """Forget the BM25 index; the next search rebuilds it."""
        with self._lock:
            self._snapshot = None

    # ------------------------------------------------------------ langchain

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=e.text, id=e.passage_id,
                         metadata={"passage_id": e.passage_id, "report_id": e.citation.report_id,
                                   "agency": e.citation.agency, "year": e.citation.year,
                                   "score": e.score, "citation": e.citation.to_dict()})
                for e in self.search(query, report_ids=self.report_ids)]

    # ------------------------------------------------------------ internals

    def _current(self) -> _Snapshot:
        version = self.store.version()
        if self._snapshot is not None and self._version == version:
            return self._snapshot
        self._version = version
        records = self.store.reports(include_duplicates=True)
        signature = tuple((r.id, r.duplicate_of, r.ingested_at) for r in records)
        snap = self._snapshot
        if snap is not None and snap.signature == signature:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.signature != signature:
                self._snapshot = _build(signature, records, self.store, self._tokens)
            return self._snapshot

    @staticmethod
    def _bm25_query(query: str, ignore: Sequence[str]) -> list[str]:
        for item in sorted((i for i in ignore if i), key=len, reverse=True):
            query = query.replace(item, " ")
        # English words never match Chinese passages, and reports say 一是 where a
        # question says 第一个: add the Chinese spellings and synonyms.
        return search_tokens(query) + [t for form in expansions(query) for t in search_tokens(form)]

    @staticmethod
    def _bm25(snap: _Snapshot, tokens: list[str], allowed: list[str], depth: int) -> list[int]:
        if snap.bm25 is None or not tokens:
            return []
        if len(allowed) == len(snap.ranges):
            positions = np.arange(len(snap.passages))
            scores = np.asarray(snap.bm25.get_scores(tokens))
        else:
            positions = np.concatenate([np.arange(*snap.ranges[r]) for r in allowed])
            scores = np.asarray(snap.bm25.get_batch_scores(tokens, positions.tolist()))
        order = np.argsort(-scores, kind="stable")[:depth]
        return [int(positions[i]) for i in order if scores[i] > 0]

    def _dense(self, snap: _Snapshot, query: str, allowed: list[str], depth: int) -> list[int]:
        if self.index is None:
            return []
        where = {"report_id": {"$in": list(allowed)}}
        try:
            self.index.refresh_after(self._version)  # another process may have written to it
            hits = self.index.query(query, k=depth, where=where)
        except Exception as exc:  # Chroma raises many kinds; lexical results still stand
            log.warning("dense passage search failed, using BM25 only: %s", exc)
            return []
        return [snap.positions[pid] for pid, _ in hits if pid in snap.positions]

    @staticmethod
    def _evidence(snap: _Snapshot, position: int, score: float) -> Evidence:
        stored = snap.passages[position]
        passage = stored.passage
        record = snap.records[stored.report_id]
        label = None
        if passage.kind == "table_row":
            label = passage.text.split("：", 1)[0]
        citation = Citation(
            source_file=record.source_file, report_id=record.id, agency=record.agency,
            year=record.year, page=passage.page, section=passage.section or None,
            table=passage.table, row=passage.row, label=label, quote=passage.text)
        return Evidence(text=passage.text, citation=citation, score=round(score, 6),
                        kind="passage", passage_id=stored.id)


def _build(signature: tuple, records: list[ReportRecord], store: Store,
           tokens: dict[str, list[str]]) -> _Snapshot:
    from rank_bm25 import BM25Okapi

    primary = {r.id: r for r in records if r.duplicate_of is None}
    passages: list[StoredPassage] = []
    ranges: dict[str, tuple[int, int]] = {}
    for stored in store.passages():  # ordered by report, then reading order
        if stored.report_id not in primary:
            continue
        if stored.report_id not in ranges:
            ranges[stored.report_id] = (len(passages), len(passages))
        passages.append(stored)
        ranges[stored.report_id] = (ranges[stored.report_id][0], len(passages))
    for gone in tokens.keys() - {p.passage.text for p in passages}:
        del tokens[gone]
    corpus = [tokens[p.passage.text] if p.passage.text in tokens
              else tokens.setdefault(p.passage.text, search_tokens(p.passage.text)) for p in passages]
    # BM25Okapi divides by the corpus size; an empty store has no index.
    bm25 = BM25Okapi(corpus) if any(corpus) else None
    return _Snapshot(signature=signature, passages=tuple(passages), records=primary,
                     ranges=ranges, positions={p.id: i for i, p in enumerate(passages)},
                     bm25=bm25)
