"""The collaborators the service is built from, as the service uses them.

``ingest.store.Store``, ``assistant.retrieval.HybridRetriever``, ``assistant.llm.LLMAnswerer``,
``ingest.pipeline.Ingestor``, ``assistant.feedback.FeedbackLog`` and the embeddings of
``ingest.index`` are the real ones
(assistant.factory builds them); tests pass anything with these methods.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ingest.models import AgencyRecord, Citation, Fact, Finding, ReportRecord, StoredFact, StoredPassage
from ingest.pipeline import FileResult, Overrides

from .answer import Evidence, Language
from .feedback import FeedbackEntry, Rating
from .llm import FigureSource, LLMResult


class FactStore(Protocol):
    """The stored reports, their cells, passages and findings, and the agencies."""

    path: Path | None  # the SQLite file; None for a database server
    location: str  # shown to users: the file, or the server without its password
    database: Any  # ingest.databases.Database: its ``name`` says which backend
    schema_version: int

    def version(self) -> int: ...
    def reports(self, *, include_duplicates: bool = True) -> list[ReportRecord]: ...
    def report(self, report_id: str) -> ReportRecord | None: ...
    def counts(self, report_id: str) -> dict[str, int]: ...
    def facts(self, report_id: str | None = None, *, agency: str | None = None,
              year: int | None = None, table: str | None = None, row: str | None = None,
              column: str | None = None, include_duplicates: bool = False) -> list[StoredFact]: ...
    def fact_map(self, report_id: str) -> dict[tuple[str, str, str], Fact]: ...
    def fact_maps(self, report_ids: Iterable[str], table: str | None = None,
                  rows: Iterable[str] = ()) -> dict[str, dict[tuple[str, str, str], Fact]]: ...
    def passages(self, report_id: str | None = None) -> list[StoredPassage]: ...
    def findings(self, report_id: str | None = None) -> list[tuple[str, Finding]]: ...
    def agencies(self) -> list[AgencyRecord]: ...
    def printings(self, agency_id: str) -> list[str]: ...
    def rename_agency(self, agency_id: str, name: str) -> None: ...
    def merge_agencies(self, keep: str, other: str) -> int: ...
    def close(self) -> None: ...


class PassageSearch(Protocol):
    """Finds the passages that best match a question (the passage route's retriever)."""

    def search(self, query: str, *, report_ids: Collection[str] | None = None,
               k: int | None = None, ignore: Sequence[str] = ()) -> list[Evidence]: ...
    def warm_up(self) -> None: ...


class Embedding(Protocol):
    """Texts to vectors, one model for questions and passages (zh and en in one space)."""

    def __call__(self, input: Sequence[str]) -> Sequence[Sequence[float]]: ...


class Answerer(Protocol):
    """The optional LLM: writes a reply from evidence, and checks it before anyone sees it."""

    def reply(self, question: str, language: Language, evidence: Sequence[Evidence]) -> str: ...
    def finish(self, raw_text: str, evidence: Sequence[Evidence], *, question: str = "",
               figures_from: FigureSource | None = None) -> LLMResult | None: ...


class ReportWriter(Protocol):
    """Adds and removes reports, every change whole or not at all (ingest.pipeline.Ingestor)."""

    max_file_bytes: int

    def ingest(self, paths: Iterable[Path], overrides: Overrides = ...,
               progress: Callable[[FileResult], None] | None = None,
               workers: int | None = None,
               pages: Callable[[str, int, int], None] | None = None) -> list[FileResult]: ...
    def delete(self, report_id: str) -> bool: ...


class FeedbackStore(Protocol):
    """Users' marks on answers (assistant.feedback.FeedbackLog)."""

    def add(self, question: str, answer: str, rating: Rating, citations: Sequence[Citation] = (), *,
            agency: str | None = None, year: int | None = None) -> FeedbackEntry: ...
    def amend(self, entry_id: str, *, comment: str = "", correction: str = "") -> None: ...
    def entries(self) -> list[FeedbackEntry]: ...
