"""The xxgk command as a user runs it (in-process, with the test embedding)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import BigramEmbedding

from assistant.config import load_config
from ingest.errors import ConfigError
from ui import cli


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    monkeypatch.chdir(tmp_path)

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


def test_ask_json_carries_the_rows_of_an_answer_over_several_years(run, sample_files):
    run("ingest", sample_files["files"]["pdf2021"], sample_files["files"]["inconsistent"])
    code, out, _ = run("ask", "--json", "青石市人民政府2022到2023年每年收到多少申请？")
    answer = json.loads(out)
    assert code == 0 and answer["rows_over"] == "year"
    assert [r["year"] for r in answer["rows"]] == [2022, 2023]
    newest = sample_files["reports"]["2021"].values[("t3", "new_received", "total")]
    assert answer["rows"][1]["value"] == float(newest) and answer["rows"][1]["state"] == "value"
    [cell] = answer["rows"][1]["citations"]
    assert cell["source_file"].endswith("qingshi-2023.pdf") and cell["page"] and cell["row"] == "new_received"
    assert cell in answer["citations"]


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


def test_ask_needs_a_question_or_a_batch(run):
    assert run("ask")[0] == 2


def test_ask_batch_answers_every_line_and_reports_the_bad_ones(run, sample_files, tmp_path):
    run("ingest", sample_files["files"]["pdf2021"])
    batch = tmp_path / "mixed.jsonl"
    batch.write_text("\n".join([
        "not json",
        json.dumps({"question": "青石市人民政府2023年行政复议多少件？"}, ensure_ascii=False),
        json.dumps({"q": "no question field"}),
        json.dumps({"question": "   "}),
        json.dumps(["a", "list"]),
        json.dumps({"question": "青石市人民政府2023年行政处罚多少件？", "id": 7}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    code, out, err = run("ask", "--batch", batch, "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == cli.EXIT_SOME_FAILED
    assert len(lines) == 6
    assert [line.get("line") for line in lines if "error" in line] == [1, 3, 4, 5]
    answered = [line for line in lines if "error" not in line]
    assert [a["mode"] for a in answered] == ["facts", "facts"] and answered[1]["id"] == 7
    assert "mixed.jsonl line 1" in err and "4 of 6 lines failed" in err


def test_output_piped_into_head_ends_quietly(tmp_path):
    """`xxgk reports | head -1` must not print a BrokenPipeError traceback."""
    import subprocess
    import sys

    data = tmp_path / "data"
    script = ("import sys; from ingest.store import Store, ReportRecord\n"
              f"s = Store(__import__('pathlib').Path({str(data / 'xxgk.sqlite3')!r}))\n"
              "for n in range(3000):\n"
              "    s.save_report(ReportRecord(f'{n:064d}', f'/r/{n}.txt', 'txt', f'单位{n}', 2022, '2021',"
              " '', 0), [], [], [])\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parents[1])
    pipeline = subprocess.run(f"{sys.executable} -m ui.cli --data-dir {data} reports | head -1",
                              shell=True, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert pipeline.stdout.count("\n") == 1
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr


def test_a_data_dir_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("oops", encoding="utf-8")
    code = cli.main(["--data-dir", str(not_a_dir), "reports"])
    err = capsys.readouterr().err
    assert code == 4 and "is not a directory" in err and str(not_a_dir) in err


def test_an_unknown_environment_setting_is_named_as_such(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XXGK_CHROMA__PROT", "9000")
    code = cli.main(["--data-dir", str(tmp_path / "d"), "reports"])
    err = capsys.readouterr().err
    assert code == ConfigError.exit_code
    assert "environment variable XXGK_CHROMA__PROT names no setting" in err and "port" in err
    monkeypatch.delenv("XXGK_CHROMA__PROT")
    monkeypatch.setenv("XXGK_CHROMA__PORT", "many")
    assert cli.main(["--data-dir", str(tmp_path / "d"), "reports"]) == ConfigError.exit_code
    assert "from environment variable XXGK_CHROMA__PORT" in capsys.readouterr().err


def test_a_relative_data_dir_in_the_config_file_is_relative_to_that_file(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "config.yaml").write_text("data_dir: store\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_config(folder / "config.yaml", environ={}).data_dir == folder / "store"
    assert load_config(folder / "config.yaml", environ={"XXGK_DATA_DIR": "mine"}).data_dir == tmp_path / "mine"


def test_demo_without_its_extra_says_how_to_install_it(run, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "devtools.samples", None)  # reportlab absent
    code, out, err = run("demo", "--out", tmp_path / "corpus")
    assert code == ConfigError.exit_code
    assert "xxgk[demo]" in err and "make demo" in err and not (tmp_path / "corpus").exists()


def test_demo_ingests_its_reports_and_skips_nothing(run, tmp_path):
    code, out, err = run("demo", "--out", tmp_path / "corpus")
    assert code == 0
    assert "SKIPPED" not in out and "gold.jsonl" not in out
    assert " 0 skipped" in err and " 0 failed" in err


def test_feedback_export_writes_gold_lines_and_says_what_it_left_out(run, tmp_path):
    from assistant.feedback import FeedbackLog
    from ingest.models import Citation

    log = FeedbackLog(tmp_path / "data" / "feedback.jsonl")
    cell = Citation("/r/qingshi-2023.pdf", "r1", "青石市人民政府", 2023, 4, table="t3", row="new_received",
                    column="total", label="表三 · 本年新收 · 总计")
    liked = log.add("青石市人民政府2023年新收多少件申请？", "### 713 件\n\n（表三）", "up", [cell])
    log.add("How many lawsuits?", "### 3 件", "down", [cell])
    refused = log.add("青石市人民政府2030年新收多少件？", "没有收录青石市人民政府2030年的年度报告。", "up")
    code, out, err = run("feedback", "export")
    assert code == 0 and "1 mark(s) left out" in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(g["id"], g["answer"], g["kind"]) for g in lines] == [
        (f"feedback-{liked.id}", "713 件", "table"), (f"feedback-{refused.id}", "unanswerable", "unanswerable")]
    assert lines[0]["report"] == "qingshi-2023" and lines[0]["evidence"] == "表三 · 本年新收 · 总计"
    code, out, _ = run("feedback")
    assert code == 0 and out.count("[up]") == 2 and "[down]" in out
