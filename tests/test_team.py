"""A team deployment, for real: one PostgreSQL server and one `chroma run` server on
127.0.0.1, two `xxgk ingest` processes on the same folder at once, two `xxgk serve`
processes on other ports answering the same questions the same way, and a report
ingested while they run answered by both without a restart.

Each process has a data directory of its own, so nothing is shared but the two servers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers import HOST, free_port, start_chroma, stop

from devtools import samples
from devtools.servers import ChromaServer, wait_for_http

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
AGENCIES = ("石桥县人民政府", "青河区公安局")
QUESTION = "{agency}{year}年本年新收政府信息公开申请多少件？"


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    server = start_chroma(tmp_path_factory.mktemp("chroma"))
    try:
        yield server
    finally:
        server.stop()


def _env(root: Path, name: str, store_url: str, chroma: ChromaServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XXGK_")}
    env.update({"XXGK_DATA_DIR": str(root / f"data-{name}"), "XXGK_STORE__URL": store_url,
                "XXGK_CHROMA__MODE": "http", "XXGK_CHROMA__HOST": HOST,
                "XXGK_CHROMA__PORT": str(chroma.port), "HF_HUB_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"})
    return env


def _xxgk(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())", *args]


def _ask(url: str, question: str) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, "", None, api_name="/answer")


def test_two_ingests_and_two_app_processes_on_one_postgres_and_one_chroma(
        tmp_path, postgres_server, chroma):
    store_url = postgres_server.new_database()
    folder = tmp_path / "reports"
    folder.mkdir()
    reports = {}
    for n, agency in enumerate(AGENCIES):
        for report in samples.make_series(agency, (2021, 2022, 2023), seed=n):
            write = samples.write_pdf if report.year == 2022 else samples.write_text
            suffix = "pdf" if report.year == 2022 else "txt"
            write(report, folder / f"{n}-{report.year}.{suffix}")
            reports[(agency, report.year)] = report

    # Two ingests of the same folder at once, one of them with two worker processes.
    ingests = [subprocess.Popen(_xxgk("ingest", "--json", "--workers", workers, str(folder)), cwd=REPO,
                                env=_env(tmp_path, f"ingest{n}", store_url, chroma),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n, workers in enumerate(("2", "1"))]
    for proc in ingests:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        statuses = [json.loads(line)["status"] for line in out.splitlines()]
        assert len(statuses) == 6 and set(statuses) <= {"ingested", "unchanged"}, statuses

    from ingest.store import Store

    store = Store(store_url)
    assert len(store.reports()) == 6 and not store.pending()
    assert len(store.reports(include_duplicates=False)) == 6
    import chromadb
    from chromadb.config import Settings

    client = chromadb.HttpClient(host=HOST, port=chroma.port, settings=Settings(anonymized_telemetry=False))
    [collection] = client.list_collections()
    assert set(collection.get(include=[])["ids"]) == {p.id for p in store.passages()}

    # Two app processes, each with its own data directory, on the same two servers.
    servers, urls = [], []
    try:
        for name in ("app1", "app2"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            with log.open("w") as out:
                servers.append(subprocess.Popen(_xxgk("serve", "--port", str(port)), cwd=REPO,
                                                env=_env(tmp_path, name, store_url, chroma),
                                                stdout=out, stderr=subprocess.STDOUT))
            urls.append(f"http://{HOST}:{port}/")
            wait_for_http(urls[-1], servers[-1], log)
        for (agency, year), report in list(reports.items())[:3]:
            answers = [_ask(url, QUESTION.format(agency=agency, year=year)) for url in urls]
            assert answers[0] == answers[1]
            assert answers[0]["value"] == report.number(("t3", "new_received", "total"))

        # A report ingested while both run is answered by both, without a restart.
        later = samples.make_report(AGENCIES[0], 2024, "2021", seed=12)
        path = samples.write_text(later, tmp_path / "later-2024.txt")
        done = subprocess.run(_xxgk("ingest", "--no-progress", str(path)), cwd=REPO,
                              env=_env(tmp_path, "ingest3", store_url, chroma),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        expected = later.number(("t3", "new_received", "total"))
        for url in urls:
            answer = _ask(url, QUESTION.format(agency=AGENCIES[0], year=2024))
            assert answer["value"] == expected, answer
    finally:
        for proc in servers:
            stop(proc)
