"""The tutorial RAG a user would build instead of xxgk, for the side-by-side in ``xxgk eval``.

pdfplumber page text (for HTML, Word and text files, the lines ingest.loaders reads),
langchain's ``RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)``, a
Chroma collection in its own directory embedded with the same embedding function
as xxgk's index (never Chroma's default, which downloads a model), and top-k
similarity search. It has no tables, no filters and no answer step: what it can be
judged on is whether the right chunk comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.loaders import load, source_kind
from ingest.offline import stay_offline

stay_offline()

CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
_ADD_BATCH = 500


@dataclass(frozen=True)
class Chunk:
    source_file: str
    page: int | None  # PDF page number; None for other files
    text: str

    @property
    def stem(self) -> str:
        return Path(self.source_file).stem


def file_pages(path: Path) -> list[tuple[int | None, str]]:
    """The text a tutorial reads: one string per PDF page, or the whole file's lines."""
    path = Path(path)
    if source_kind(path) == "pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return [(n, page.extract_text() or "") for n, page in enumerate(pdf.pages, start=1)]
    lines = []
    for block in load(path).blocks:
        if block.kind == "row":
            lines.append(" ".join(c.text for c in block.cells if c.text))
        elif block.text:
            lines.append(block.text)
    return [(None, "\n".join(lines))]


def split_pages(pages: Sequence[tuple[int | None, str]], source_file: str, *,
                chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    documents = splitter.create_documents([text for _, text in pages],
                                          metadatas=[{"page": page} for page, _ in pages])
    return [Chunk(source_file, d.metadata["page"], d.page_content) for d in documents
            if d.page_content.strip()]


class BaselineRAG:
    """Chunks of the given files in a Chroma collection of their own; top-k similarity search."""

    def __init__(self, embedding, path: str | Path, collection: str = "baseline"):
        import chromadb
        from chromadb.config import Settings

        self.embedding = embedding
        self.client = chromadb.PersistentClient(path=str(path),
                                                settings=Settings(anonymized_telemetry=False))
        self.collection = self.client.get_or_create_collection(
            name=f"{collection}-{embedding.name()}", embedding_function=embedding,
            configuration={"hnsw": {"space": "cosine"}})
        self._count = self.collection.count()

    def add_files(self, paths: Iterable[Path]) -> int:
        """Split and index each file; returns the number of chunks added."""
        added = 0
        for path in paths:
            added += self.add_chunks(split_pages(file_pages(Path(path)), str(path)))
        return added

    def add_chunks(self, chunks: Sequence[Chunk]) -> int:
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start:start + _ADD_BATCH]
            texts = [c.text for c in batch]
            self.collection.add(
                ids=[f"c{self._count + start + i}" for i in range(len(batch))],
                documents=texts, embeddings=self.embedding(texts),
                metadatas=[{"source_file": c.source_file, "page": c.page if c.page is not None else -1}
                           for c in batch])
        self._count += len(chunks)
        return len(chunks)

    def search(self, question: str, k: int = 5) -> list[Chunk]:
        if self._count == 0 or k <= 0:
            return []
        result = self.collection.query(query_embeddings=self.embedding([question]),
                                       n_results=min(k, self._count),
                                       include=["documents", "metadatas"])
        return [Chunk(m["source_file"], None if m["page"] == -1 else m["page"], doc)
                for doc, m in zip(result["documents"][0], result["metadatas"][0])]
