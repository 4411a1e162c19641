"""Builds the backends a Config names. The one place that chooses implementations."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import ConfigError
from ingest.index import (
    PassageIndex,
    SentenceTransformerEmbedding,
    UseEmbedding,
    file_lock,
    make_chroma_client,
)
from ingest.ocr import OcrOptions
from ingest.pipeline import Ingestor, reidentify
from ingest.store import Store
from ingest.workers import available_cores

from .config import Config, load_config
from .feedback import FeedbackLog
from .llm import LLMAnswerer
from .retrieval import HybridRetriever
from .service import Assistant


def make_embedding(config: Config):
    emb = config.embedding
    if emb.backend == "use":
        return UseEmbedding(batch_size=emb.batch_size)
    if emb.backend == "sentence-transformers":
        if not emb.model:
            raise ConfigError("embedding.model must name a sentence-transformers model or a "
                              "local model directory when embedding.backend is "
                              "'sentence-transformers'")
        return SentenceTransformerEmbedding(emb.model, batch_size=emb.batch_size)
    raise ConfigError(f"unknown embedding.backend '{emb.backend}'")


def make_store(config: Config) -> Store:
    """The fact store; reports stored before agency identity get theirs now (once)."""
    store = Store(config.store_location)
    reidentify(store)
    return store


def make_index(config: Config, embedding=None) -> PassageIndex:
    def client():
        return make_chroma_client(config.chroma.mode, str(config.chroma_path), config.chroma.host,
                                  config.chroma.port)

    embedding = embedding or make_embedding(config)
    if config.chroma.mode != "embedded":
        return PassageIndex(client(), embedding, config.chroma.collection)
    # Two processes must not create or open one embedded directory at the same moment.
    lock = config.chroma_path.parent / ".xxgk-chroma.lock"
    with file_lock(lock):
        return PassageIndex(client(), embedding, config.chroma.collection, reopen=client, lock_file=lock)


def make_ingestor(config: Config, store: Store | None = None,
                  index: PassageIndex | None = None) -> Ingestor:
    ocr = OcrOptions(config.ingest.ocr, config.ingest.ocr_dpi, config.ingest.ocr_threads)
    return Ingestor(store or make_store(config), index or make_index(config),
                    max_file_bytes=int(config.ingest.max_file_mb * 1_000_000),
                    workers=config.ingest.workers or available_cores(), ocr=ocr)


def make_assistant(config: Config, store: Store | None = None, index: PassageIndex | None = None,
                   chat_model=None) -> Assistant:
    """The Assistant with the backends the config names; pass fakes to replace any of them."""
    store = store or make_store(config)
    index = index or make_index(config)
    retriever = HybridRetriever(store=store, index=index)
    llm = None
    if chat_model is not None:
        llm = LLMAnswerer(chat_model)
    elif config.llm.enabled:
        llm = LLMAnswerer.from_config(config.llm)
    return Assistant(store, retriever, llm=llm, embed=index.embedding,
                     ingestor=make_ingestor(config, store, index), feedback=make_feedback(config),
                     data_dir=config.data_dir)


def make_reader(config: Config) -> Assistant:
    """The service over the fact store alone (no passage index, no embedding model): it lists
    reports, facts, findings and agencies, corrects agencies and answers table questions,
    but adds no reports."""
    return Assistant(make_store(config), feedback=make_feedback(config), data_dir=config.data_dir)


def make_feedback(config: Config) -> FeedbackLog:
    """Where users' marks on answers are kept: feedback.jsonl in the data directory."""
    return FeedbackLog(config.data_dir / "feedback.jsonl")


def from_config(path: str | Path | None = None, **overrides) -> Assistant:
    """The Assistant config.yaml and the XXGK_* variables describe; keyword overrides as in
    load_config (``from_config(data_dir="…")``)."""
    return make_assistant(load_config(path, **overrides))
