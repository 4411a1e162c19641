"""The web app in a real browser: headless Chromium (Debian's package) driven by Playwright.

A generated corpus is ingested into a temporary data directory, the server is started
as its own process the way ``xxgk serve`` starts it, and a person's path is walked:
ask, read the answer and its sources, open a source's page, upload a report.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devtools import samples

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ASKED_AGENCY, ASKED_YEAR = "青石市教育局", 2023  # a PDF report in the generated corpus


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    pytest.fail(f"the server did not answer within {timeout:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    root = tmp_path_factory.mktemp("browser")
    files = samples.write_corpus(root / "corpus", n_agencies=2, years=(2022, 2023))
    env = {**os.environ, "XXGK_DATA_DIR": str(root / "data"), "GRADIO_ANALYTICS_ENABLED": "False",
           "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("XXGK_CONFIG", None)
    ingest = subprocess.run(
        [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())",
         "ingest", "--no-progress", *map(str, files)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert ingest.returncode == 0, ingest.stderr
    port = _free_port()
    log = root / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from assistant.config import load_config; from ui.server import serve; "
                                   f"serve(load_config(), port={port})"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_http(url, proc, log)
        yield {"url": url, "root": root, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_ask_open_a_source_and_upload_a_report(server):
    from playwright.sync_api import expect, sync_playwright

    expected = samples.make_series(ASKED_AGENCY, (2022, 2023), 0)[-1].number(("t3", "new_received", "total"))
    upload = samples.write_pdf(samples.make_report("望川县人民政府", 2023, "2021", seed=5),
                               server["root"] / "wangchuan-gov-2023.pdf")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((server["url"], "data:", "blob:")) else None)
            page.goto(server["url"])
            page.locator("#xxgk-question textarea").fill(f"{ASKED_AGENCY}{ASKED_YEAR}年本年新收政府信息公开申请多少件？")
            page.locator("#xxgk-send").click()

            chat = page.locator("#xxgk-chat")
            expect(chat).to_contain_text(f"{expected} 件", timeout=30_000)
            expect(chat).to_contain_text("来源 1 条")
            chat.get_by_text("来源 1 条").click()
            expect(chat).to_contain_text(f"qingshi-edu-{ASKED_YEAR}.pdf")
            expect(chat).to_contain_text("表三 · 一、本年新收政府信息公开申请数量 · 总计")

            sources = page.locator("#xxgk-sources")
            expect(sources).to_contain_text(f"[1] {ASKED_AGENCY} · {ASKED_YEAR}年")
            sources.locator("label").first.click()
            image = page.locator("#xxgk-page img")
            expect(image).to_be_visible(timeout=15_000)
            page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=image.element_handle())
            expect(page.locator("#xxgk-source-text")).to_contain_text("黄色框为所引内容")

            chat.get_by_role("button", name="Like", exact=True).first.click()  # 👍 under the answer is kept
            expect(page.locator("#xxgk-feedback-note")).to_contain_text("已记录评价 👍", timeout=15_000)

            # A shared link asks its question when the page opens, with its filters.
            from urllib.parse import urlencode

            page.goto(server["url"] + "?" + urlencode({"q": "本年新收政府信息公开申请多少件？",
                                                       "agency": ASKED_AGENCY, "year": ASKED_YEAR}))
            expect(page.locator("#xxgk-chat")).to_contain_text(f"{expected} 件", timeout=30_000)
            expect(page.get_by_label("单位 · Agency").first).to_have_value(ASKED_AGENCY, timeout=15_000)

            page.get_by_role("tab", name="报告库 · Library").click()
            page.locator("#xxgk-upload input[type=file]").set_input_files(str(upload))
            expect(page.locator("#xxgk-results")).to_contain_text("1/1 个文件已入库", timeout=60_000)
            expect(page.locator("#xxgk-reports")).to_contain_text("望川县人民政府")
            expect(page.locator("#xxgk-reports")).to_contain_text(re.compile(r"wangchuan-gov-2023\.pdf"))
        finally:
            browser.close()
    assert outside == [], f"the page fetched from outside the server: {outside[:5]}"
    log = server["log"].read_text(errors="replace")
    assert "web app is on http://127.0.0.1:" in log
    assert "share=True" not in log and "Traceback" not in log
