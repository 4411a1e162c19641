"""Serving many users: latency of concurrent table questions, and a question's wait during an upload.

    python scripts/bench_serve.py                  # 20 concurrent clients, a 30-file upload
    python scripts/bench_serve.py --clients 40 --upload-files 10

Starts `xxgk serve` as its own process over a generated corpus (the configured
embedding, USE by default), asks through the app's HTTP API (`/answer`, the same queue
and slots as the chat) with gradio_client, and uploads through the library's event.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from ingest.offline import stay_offline  # noqa: E402

stay_offline()

from assistant.evaluation import percentile  # noqa: E402
from devtools import samples  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="questions per client")
    parser.add_argument("--upload-files", type=int, default=30)
    args = parser.parse_args()

    from gradio_client import Client, handle_file

    tmp = Path(tempfile.mkdtemp(prefix="xxgk-bench-serve-"))
    files = samples.write_corpus(tmp / "corpus", n_agencies=3, years=(2021, 2022, 2023))
    env = {**os.environ, "XXGK_DATA_DIR": str(tmp / "data")}
    env.pop("XXGK_CONFIG", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "--no-progress", *map(str, files)],
                   cwd=REPO, env=env, check=True, capture_output=True)
    print(f"ingested {len(files)} reports in {time.perf_counter() - started:.0f} s")
    (tmp / "to-upload").mkdir()
    uploads = [samples.write_pdf(samples.make_report(f"望川县第{n + 1}街道办事处", 2023, "2021", seed=100 + n),
                                 tmp / "to-upload" / f"street-{n}.pdf") for n in range(args.upload_files)]

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(url, server)
        agencies = [a.name for a in samples.AGENCIES[:3]]
        questions = [f"{a}{y}年本年新收政府信息公开申请多少件？" for a in agencies for y in (2021, 2022, 2023)]

        def ask(client: Client, question: str) -> float:
            t0 = time.perf_counter()
            result = client.predict(question, "", None, api_name="/answer")
            if "error" in result:
                raise SystemExit(result["error"])
            return (time.perf_counter() - t0) * 1000

        clients = [Client(url, verbose=False) for _ in range(args.clients)]
        ask(clients[0], questions[0])  # warm
        alone = [ask(clients[0], q) for q in questions]
        print(f"one client: p50 {statistics.median(alone):.0f} ms, p95 {percentile(alone, 0.95):.0f} ms")

        def client_run(i: int) -> list[float]:
            return [ask(clients[i], questions[(i + r) % len(questions)]) for r in range(args.rounds)]

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = [x for xs in pool.map(client_run, range(args.clients)) for x in xs]
        wall = time.perf_counter() - t0
        print(f"{args.clients} concurrent clients x {args.rounds} table questions: "
              f"p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
              f"max {max(latencies):.0f} ms, {len(latencies) / wall:.1f} questions/s")

        uploader = Client(url, verbose=False)
        done = threading.Event()
        upload_seconds: list[float] = []

        def upload() -> None:
            t = time.perf_counter()
            uploader.predict([handle_file(str(p)) for p in uploads], "", None, api_name="/add_files")
            upload_seconds.append(time.perf_counter() - t)
            done.set()

        thread = threading.Thread(target=upload)
        thread.start()
        time.sleep(2.0)  # the upload is under way
        during = []
        while not done.is_set() and len(during) < 40:
            during.append(ask(clients[1], questions[len(during) % len(questions)]))
            time.sleep(0.2)
        thread.join()
        print(f"upload of {len(uploads)} PDFs took {upload_seconds[0]:.0f} s; "
              f"{len(during)} questions asked meanwhile: p50 {statistics.median(during):.0f} ms, "
              f"max {max(during):.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
