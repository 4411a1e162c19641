"""The xxgk command as a user runs it (in-process, with the test embedding)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import BigramEmbedding

from assistant import cli
from assistant.config import load_config
from ingest.errors import ConfigError


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    monkeypatch.chdir(tmp_path)

    def fake_ingestor(config):
        from assistant.factory import make_index, make_ingestor

        return make_ingestor(config, index=make_index(config, embedding=BigramEmbedding()))

    monkeypatch.setattr(cli, "_ingestor", fake_ingestor)

    def fake_assistant(config):
        from assistant.factory import make_assistant, make_index

        return make_assistant(config, index=make_index(config, embedding=BigramEmbedding()))

    monkeypatch.setattr(cli, "_assistant", fake_assistant)

    def invoke(*args):
        code = cli.main(["--data-dir", str(data), *map(str, args)])
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke


def test_ingest_reports_facts_check(run, sample_files, tmp_path):
    files = sample_files["files"]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    code, out, err = run("ingest", files["pdf2021"], files["inconsistent"], broken)
    assert code == 1
    assert "INGESTED" in out and "青石市人民政府 · 2023 · template 2021" in out
    assert "FAILED" in out and "broken.pdf" in out and "corrupt" in out
    assert "2 ingested" in err and "1 failed" in err

    code, out, _ = run("reports", "--json")
    reports = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and {r["year"] for r in reports} == {2022, 2023}

    code, out, _ = run("facts", "--year", 2023, "--table", "t3", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = sample_files["reports"]["2021"].values[("t3", "new_received", "total")]
    cell = next(r for r in rows if r["row"] == "new_received" and r["column"] == "total")
    assert cell["raw"] == expected and cell["page"] and cell["label"].startswith("表三")

    code, out, _ = run("check", "--json")
    findings = [json.loads(line) for line in out.splitlines()]
    assert any(f["year"] == 2022 and f["severity"] == "error" for f in findings)

    code, out, _ = run("check")
    # The two generated years do not chain: the cross-year carry-over check says so.
    assert "finding(s)" in out and "2022年结转下年度继续办理为" in out


def test_ingest_of_a_missing_path_fails_clearly(run):
    code, out, _ = run("ingest", "no-such-file.pdf")
    assert code == 1 and "no-such-file.pdf: no such file or folder" in out


def test_config_env_overrides_and_errors(tmp_path):
    config = load_config(environ={"XXGK_DATA_DIR": str(tmp_path), "XXGK_CHROMA__MODE": "http",
                                  "XXGK_CHROMA__PORT": "9001"})
    assert config.data_dir == tmp_path and config.chroma.mode == "http" and config.chroma.port == 9001
    bad = tmp_path / "bad.yaml"
    bad.write_text("chroma:\n  mode: cloud\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="chroma.mode"):
        load_config(bad, environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(environ={"XXGK_CONFIG": str(tmp_path / "missing.yaml")})


def test_config_errors_map_to_exit_codes(tmp_path, capsys):
    code = cli.main(["--config", str(tmp_path / "missing.yaml"), "reports"])
    assert code == ConfigError.exit_code
    assert "not found" in capsys.readouterr().err


def test_ask_prints_the_answer_and_its_sources(run, sample_files):
    run("ingest", sample_files["files"]["pdf2021"])
    expected = sample_files["reports"]["2021"].values[("t3", "new_received", "total")]
    code, out, _ = run("ask", "青石市人民政府2023年新收了多少件政府信息公开申请？")
    assert code == 0 and expected in out
    assert "qingshi-2023.pdf p." in out and "一、本年新收政府信息公开申请数量" in out

    code, out, _ = run("ask", "--json", "How many requests did Qingshi's government receive in 2023?")
    answer = json.loads(out)
    assert answer["mode"] == "facts" and answer["value"] == float(expected)
    assert answer["citations"][0]["column"] == "total" and answer["citations"][0]["page"]


def test_ask_batch_writes_one_answer_per_line(run, sample_files, tmp_path):
    run("ingest", sample_files["files"]["pdf2021"])
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": "青石市人民政府2023年行政复议多少件？", "answer": 5},
                   ensure_ascii=False) + "\n\n"
        + json.dumps({"id": "b", "question": "青石市人民政府2023年的经费预算是多少？"},
                     ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run("ask", "--batch", questions, "--json")
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0 and first["id"] == "a" and first["input_answer"] == 5
    assert first["mode"] == "facts" and first["citations"]
    assert second["id"] == "b" and second["abstained"] is True


def test_ask_needs_a_question_or_a_batch(run, tmp_path):
    assert run("ask")[0] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    code, _, err = run("ask", "--batch", bad)
    assert code == 3 and "line 1" in err and "bad.jsonl" in err
