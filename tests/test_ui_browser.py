"""The web app in a real browser: headless Chromium (Debian's package) driven by Playwright.

A generated corpus is ingested into a temporary data directory, the server is started
as its own process the way ``xxgk serve`` starts it, and a person's path is walked:
ask, read the answer and its sources, open a source's page, upload a report.
"""

from __future__ import annotations

import json
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
YEARS = (2021, 2022, 2023)
# XXGK_SCREENSHOTS=docs: the chat with a series answer and the Data tab are saved there
SCREENSHOTS = os.environ.get("XXGK_SCREENSHOTS")


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
    files = samples.write_corpus(root / "corpus", n_agencies=2, years=YEARS)
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
        yield {"url": url, "root": root, "log": log, "env": env}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_ask_open_a_source_and_upload_a_report(server):
    from playwright.sync_api import expect, sync_playwright

    series = samples.make_series(ASKED_AGENCY, YEARS, 0)
    expected = series[-1].number(("t3", "new_received", "total"))
    upload = samples.write_pdf(samples.make_report("望川县人民政府", 2023, "2021", seed=5),
                               server["root"] / "wangchuan-gov-2023.pdf")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                          permissions=["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((server["url"], "data:", "blob:")) else None)
            page.goto(server["url"])
            for part in ("#xxgk-year [data-testid='block-info']", "#xxgk-year input"):  # label and value whole
                expect(page.locator(part)).to_be_visible(timeout=15_000)
                assert page.locator(part).evaluate("e => e.scrollWidth <= e.clientWidth + 1"), part
            page.locator("#xxgk-question textarea").fill(f"{ASKED_AGENCY}{ASKED_YEAR}年本年新收政府信息公开申请多少件？")
            page.locator("#xxgk-send").click()

            chat = page.locator("#xxgk-chat")
            expect(chat).to_contain_text(f"{expected} 件", timeout=30_000)
            expect(chat).to_contain_text("来源 1 条")
            expect(chat.locator(".bot-row .message-buttons:visible")).to_have_count(1)  # one toolbar per answer
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

            # A question over several years: a table (a row per year, each linked to its cell),
            # a chart of the series, the rows as CSV, and the copy button copies the citations.
            page.locator("#xxgk-question textarea").fill(f"{ASKED_AGENCY}{YEARS[0]}到{YEARS[-1]}年每年收到多少申请？")
            page.locator("#xxgk-send").click()
            table = chat.locator("table").last
            expect(table).to_contain_text(str(YEARS[0]), timeout=30_000)
            expect(table.locator("tbody tr")).to_have_count(len(YEARS))
            expect(table).to_contain_text(f"{expected} 件")
            chart = chat.locator("svg.xxgk-chart").last
            expect(chart.locator("circle")).to_have_count(len(YEARS))
            expect(page.locator("#xxgk-table-csv")).to_be_visible()
            with page.expect_download() as download:
                page.locator("#xxgk-table-csv").click()
            rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
            assert len(rows) == 1 + len(YEARS) and f"qingshi-edu-{ASKED_YEAR}.pdf" in rows[-1]
            chart.locator("a.xxgk-point").first.click()  # a point opens its cited cell beside the chat
            expect(sources.locator("input:checked")).to_have_count(1, timeout=15_000)
            expect(page.locator("#xxgk-source-text")).to_contain_text(f"{YEARS[0]}年", timeout=15_000)
            if SCREENSHOTS:  # once the sources list has finished updating (no longer faded)
                page.wait_for_function("() => !document.querySelector('#xxgk-sources .pending')", timeout=15_000)
                page.screenshot(path=str(Path(SCREENSHOTS) / "chat-series.png"), full_page=True)
            chat.get_by_role("button", name="Copy message").last.click()
            # the button writes the bubble's Markdown itself; the plain text lands after it and stays
            plain_js = ("async () => { const text = await navigator.clipboard.readText();"
                        " return text.includes('来源：') && !text.includes('<svg'); }")
            page.wait_for_function(plain_js, timeout=15_000)
            page.wait_for_timeout(1500)
            page.wait_for_function(plain_js, timeout=1_000)
            copied = page.evaluate("navigator.clipboard.readText()")
            assert "<svg" not in copied and f"qingshi-edu-{ASKED_YEAR}.pdf · 第" in copied
            assert "表三 · 一、本年新收政府信息公开申请数量 · 总计" in copied

            # 👎 with the right answer is kept, and `xxgk feedback export` has the line
            chat.get_by_role("button", name="Dislike", exact=True).last.click()
            expect(page.locator("#xxgk-feedback-note")).to_contain_text("已记录评价 👎", timeout=15_000)
            page.get_by_role("button", name="补充说明或正确答案 · Add a comment or the right answer").click()
            page.get_by_label("正确答案 · Right answer").fill("每年的数字见表格")
            page.get_by_role("button", name="补充到上一条评价 · Add").click()
            expect(page.locator("#xxgk-feedback-note")).to_contain_text("已补充", timeout=15_000)
            exported = subprocess.run(
                [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())", "feedback", "export"],
                cwd=REPO, env=server["env"], capture_output=True, text=True, timeout=60)
            marked = [json.loads(line) for line in exported.stdout.splitlines()]
            assert any(m["feedback"] == "down" and m["answer"] == "每年的数字见表格" for m in marked), exported

            # a reload shows the conversation again (the browser's local storage)
            page.reload()
            expect(page.locator("#xxgk-chat table").last).to_contain_text(str(YEARS[0]), timeout=30_000)
            expect(page.locator("#xxgk-chat")).to_contain_text(f"{expected} 件")

            # the Data tab's chart: a line per agency, each point opens its cited cell
            page.get_by_role("tab", name="数据 · Data").click()
            data_chart = page.locator("#xxgk-chart svg.xxgk-chart")
            expect(data_chart.locator("circle")).to_have_count(2 * len(YEARS), timeout=15_000)
            data_chart.locator("a.xxgk-point").last.click()
            expect(page.locator("#xxgk-chart-source")).to_contain_text("表三", timeout=15_000)
            if SCREENSHOTS:
                page.screenshot(path=str(Path(SCREENSHOTS) / "data-tab.png"), full_page=True)
            page.get_by_role("tab", name="问答 · Ask").click()

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
