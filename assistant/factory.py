"""Builds the backends a Config names. The one place that chooses implementations."""

from __future__ import annotations

from ingest.errors import ConfigError
from ingest.index import (
    PassageIndex,
    SentenceTransformerEmbedding,
    UseEmbedding,
    file_lock,
    make_chroma_client,
)
from ingest.pipeline import Ingestor, reidentify
from ingest.store import Store

from .config import Config


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
    store = Store(config.sqlite_path)
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
    return Ingestor(store or make_store(config), index or make_index(config),
                    max_file_bytes=int(config.ingest.max_file_mb * 1_000_000))


def make_assistant(config: Config, store: Store | None = None, index: PassageIndex | None = None,
                   chat_model=None):
    """The Assistant with the backends the config names; pass fakes to replace any of them."""
    from .llm import LLMAnswerer
    from .retrieval import HybridRetriever
    from .service import Assistant

    store = store or make_store(config)
    index = index or make_index(config)
    retriever = HybridRetriever(store=store, index=index)
    llm = None
    if chat_model is not None:
        llm = LLMAnswerer(chat_model)
    elif config.llm.enabled:
        llm = LLMAnswerer.from_config(config.llm)
    return Assistant(store, retriever, llm=llm, embed=index.embedding)
