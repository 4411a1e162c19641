"""Shared fixtures. Reports are generated at test time; nothing is copied from ../shared."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from ingest.offline import stay_offline

stay_offline()

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


class BigramEmbedding(EmbeddingFunction[Documents]):
    """A fast deterministic embedding for tests whose subject is not the model:
    character bigrams hashed into 64 dimensions."""

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims

    def __call__(self, input: Documents) -> Embeddings:
        out = []
        for text in input:
            vec = np.zeros(self.dims, dtype=np.float32)
            for a, b in zip(text, text[1:]):
                h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "big")
                vec[h % self.dims] += 1.0
            norm = np.linalg.norm(vec)
            out.append(vec / norm if norm else vec + 1.0 / np.sqrt(self.dims))
        return out

    @staticmethod
    def name() -> str:
        return "xxgk-test-bigram"

    def get_config(self) -> dict:
        return {"dims": self.dims}

    @staticmethod
    def build_from_config(config: dict) -> BigramEmbedding:
        return BigramEmbedding(**config)


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the session; each test takes a new database of it."""
    from servers import start_postgres

    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def config(request, tmp_path):
    """The config of a fresh library in tmp_path, ingesting in one process (the tests of
    worker processes ask for them); parametrize it indirectly with a backend name
    (BACKENDS) to run a test on that fact store."""
    from assistant.config import load_config

    backend = getattr(request, "param", "sqlite")
    url = None if backend == "sqlite" else request.getfixturevalue("postgres_server").new_database()
    return load_config(environ={}, data_dir=tmp_path / "data", store__url=url, ingest__workers=1)


def run_on_both_backends(metafunc) -> None:
    """For a module's pytest_generate_tests: each test that uses ``config`` runs on SQLite and
    PostgreSQL, unless marked ``sqlite_only`` (it reaches into the SQLite file itself)."""
    if "config" in metafunc.fixturenames and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("config", BACKENDS, indirect=True)


@pytest.fixture
def ingestor(config):
    from assistant.factory import make_index, make_ingestor

    index = make_index(config, embedding=BigramEmbedding())
    return make_ingestor(config, index=index)


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory):
    """One report per form, generated once: PDFs of both templates, HTML and text."""
    from devtools import samples

    out = tmp_path_factory.mktemp("samples")
    r21 = samples.make_report("青石市人民政府", 2023, "2021", seed=7)
    r19 = samples.make_report("望川县教育局", 2019, "2019", seed=3)
    bad = samples.make_report("青石市人民政府", 2022, "2021", seed=11, inconsistent=True)
    files = {
        "pdf2021": out / "qingshi-2023.pdf",
        "pdf2019": out / "wangchuan-edu-2019.pdf",
        "html": out / "qingshi-2023.html",
        "text": out / "wangchuan-edu-2019.txt",
        "inconsistent": out / "qingshi-2022.pdf",
    }
    samples.write_pdf(r21, files["pdf2021"], split_table3_at=14)
    samples.write_pdf(r19, files["pdf2019"], split_table3_at=9)
    samples.write_html(r21, files["html"])
    samples.write_text(r19, files["text"])
    samples.write_pdf(bad, files["inconsistent"])
    return {"files": files, "reports": {"2021": r21, "2019": r19, "inconsistent": bad}}


def requires_corpus():
    return pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="../shared/corpus is absent")


class DyingEmbedding(BigramEmbedding):
    """Kills the process that embeds a text holding MARKER, as a worker killed by the
    system (out of memory) would die."""

    MARKER = "本段文字让读取它的进程退出"

    def __call__(self, input: Documents) -> Embeddings:
        if any(self.MARKER in text for text in input):
            import os

            os._exit(137)
        return super().__call__(input)

    @staticmethod
    def name() -> str:
        return "xxgk-test-bigram"  # the same vectors as BigramEmbedding, one collection

    @staticmethod
    def build_from_config(config: dict) -> DyingEmbedding:
        return DyingEmbedding(**config)
