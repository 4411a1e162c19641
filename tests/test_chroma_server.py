"""The passage index against a real Chroma server (`chroma run`), as with chroma.mode: http.

Starts the server from the venv as a subprocess on a free loopback port, ingests a
generated sample PDF through the factory's Ingestor, and checks the passages land
in (and leave) the server's collection. A tiny hashing embedding keeps it fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import HOST, free_port, start_chroma

from ingest.offline import stay_offline

stay_offline()

from conftest import BigramEmbedding  # noqa: E402

from assistant.config import load_config  # noqa: E402
from assistant.factory import make_ingestor  # noqa: E402
from devtools import samples  # noqa: E402
from ingest.errors import BackendUnavailable  # noqa: E402
from ingest.index import PassageIndex, make_chroma_client  # noqa: E402

pytestmark = pytest.mark.slow

AGENCY = "青石市人民政府"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a `chroma run` server with its own persistence directory."""
    server = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield server.port
    finally:
        server.stop()


def test_ingest_query_delete_through_chroma_server(chroma_server: int, tmp_path: Path) -> None:
    port = chroma_server
    report = samples.make_report(AGENCY, 2022, "2021", seed=7)
    pdf = samples.write_pdf(report, tmp_path / "qingshi-2022.pdf")

    config = load_config(environ={}, data_dir=tmp_path / "data", chroma__mode="http",
                         chroma__host=HOST, chroma__port=port)
    assert config.chroma.mode == "http" and config.chroma.port == port
    client = make_chroma_client(config.chroma.mode, str(config.chroma_path), config.chroma.host,
                                config.chroma.port)
    index = PassageIndex(client, BigramEmbedding(), config.chroma.collection)
    ingestor = make_ingestor(config, index=index)

    [result] = ingestor.ingest([pdf])
    assert result.status == "ingested", result.reason
    assert result.passages > 0
    report_id = result.report_id
    assert report_id is not None and ingestor.store.report(report_id) is not None
    assert ingestor.store.report_ids() == {report_id}

    # Seen through a second, independent client: the data lives in the server.
    other = make_chroma_client("http", "", HOST, port)
    collection = other.get_collection(index.collection.name)
    assert collection.count() == result.passages > 0
    stored = collection.get(include=["metadatas"])
    assert {m["report_id"] for m in stored["metadatas"]} == {report_id}
    assert {m["agency"] for m in stored["metadatas"]} == {AGENCY}
    assert index.count(report_id) == result.passages
    assert index.report_ids() == {report_id}

    hits = index.query("本年新收政府信息公开申请数量", k=5)
    assert hits, "query returned nothing"
    assert all(pid.startswith(report_id[:16] + "-") for pid, _ in hits)
    by_id = collection.get(ids=[pid for pid, _ in hits], include=["metadatas"])
    assert {m["report_id"] for m in by_id["metadatas"]} == {report_id}
    filtered = index.query("行政复议", k=3, where={"report_id": report_id})
    assert len(filtered) == 3

    assert ingestor.delete(report_id) is True
    assert ingestor.store.report(report_id) is None
    assert collection.count() == 0
    assert index.count(report_id) == 0
    assert index.query("本年新收政府信息公开申请数量", k=5) == []


def test_unreachable_server_raises_backend_unavailable() -> None:
    port = free_port()  # released again: nothing listens there
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        make_chroma_client("http", "", HOST, port)
    assert time.monotonic() - started < 10
    assert f"{HOST}:{port}" in str(caught.value)
