"""Scoring against a gold set (assistant.evaluation) and the `xxgk eval` command."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from conftest import BigramEmbedding

from assistant.answer import Answer
from assistant.evaluation import (
    Retrieved,
    Trial,
    abstention_scores,
    build_report,
    citation_correct,
    format_markdown,
    hit_at_k,
    holds_answer,
    is_correct,
    judge,
    number_matches,
    percentile,
    text_contains,
)
from ingest.models import Citation
from ui import cli

GOLD = Path(__file__).parent / "data" / "gold.jsonl"


def gold(answer, kind="table", report="qingshi-gov-2021", **extra) -> dict:
    return {"id": extra.pop("id", "q1"), "report": report, "agency": "青石市人民政府", "year": 2021,
            "question": "青石市人民政府2021年新收了多少件申请？", "question_en": "How many?",
            "answer": answer, "kind": kind, "evidence": "", **extra}


def cell(stem="qingshi-gov-2021", row="new_received", column="total", year=2021) -> Citation:
    return Citation(f"corpus/pdf/{stem}.pdf", "r1", "青石市人民政府", year, 4, table="t3", row=row,
                    column=column, label=f"表三 · {row} · {column}")


def passage(stem="qingshi-gov-2021") -> Citation:
    return Citation(f"corpus/pdf/{stem}.pdf", "r1", "青石市人民政府", 2021, 2, section="一、总体情况",
                    quote="全年主动公开政府信息1234条")


def answered(value=None, text="", citations=(), abstained=False) -> Answer:
    return Answer(question="q", answer=text or ("无法回答" if abstained else f"{value}件"),
                  mode="none" if abstained else "facts", value=value, abstained=abstained,
                  citations=tuple(citations))


def trial(g, a, cell_values=(), language="zh", **kw) -> Trial:
    return Trial(g, language, a, 5.0, tuple(cell_values), **kw)


# ---------------------------------------------------------------- metrics


def test_right_number_with_a_citation_of_another_report_is_not_correct():
    g = gold(583)
    wrong_report = trial(g, answered(583, citations=[cell("qingshi-gov-2022", year=2022)]), [583.0])
    outcome = judge(wrong_report, k=5)
    assert outcome.answer_ok and outcome.citation_ok is False and not outcome.correct
    assert "wrong citation" in outcome.reason
    right = judge(trial(g, answered(583, citations=[cell()]), [583.0]), k=5)
    assert right.correct and right.reason == ""


def test_table_answer_needs_a_cited_cell_holding_the_gold_value():
    g = gold(583)
    # The right report, but the cited cell holds another figure (or the citation is prose).
    assert not judge(trial(g, answered(583, citations=[cell(row="granted")]), [227.0]), 5).correct
    assert not judge(trial(g, answered(583, citations=[passage()]), [None]), 5).correct
    # Two cited cells that add up to the answer (行政诉讼 = both litigation rows) support it.
    two = [cell(row="litigation_direct"), cell(row="litigation_after")]
    assert citation_correct(gold(12), answered(12, citations=two), [5.0, 7.0])


def test_refusals():
    answerable = judge(trial(gold(583), answered(abstained=True)), 5)
    assert not answerable.correct and answerable.reason == "refused an answerable question"
    unanswerable = gold("unanswerable", kind="unanswerable", report=None)
    assert judge(trial(unanswerable, answered(abstained=True)), 5).correct
    guessed = judge(trial(unanswerable, answered(7, citations=[cell()]), [7.0]), 5)
    assert not guessed.correct and guessed.citation_ok is None


def test_abstention_precision_and_recall():
    # (unanswerable?, abstained?): 2 right refusals, 1 refusal of an answerable question,
    # 1 unanswerable question answered.
    pairs = [(True, True), (True, True), (False, True), (True, False), (False, False)]
    precision, recall = abstention_scores(pairs)
    assert precision == pytest.approx(2 / 3) and recall == pytest.approx(2 / 3)
    assert abstention_scores([(False, False)]) == (None, None)


def test_numbers_match_to_the_printed_precision():
    assert number_matches("61.72万元", 61.724)
    assert not number_matches("61.72万元", 61.73)
    assert number_matches(12.5, 12.54) and not number_matches(12.5, 12.56)
    assert number_matches(3119, 3119.0) and not number_matches(3119, 3120)
    assert number_matches("少12件（…）", -12) and not number_matches(3119, None)
    assert is_correct(gold(61.72), answered(61.72)) and not is_correct(gold(61.72), answered(61.7))


def test_text_answers_by_normalised_containment():
    assert text_contains("副局长王建国", "据报告：“具体由副局长 王建国负责”。")
    assert text_contains("1234条", "全年主动公开政府信息 1234 条")
    assert not text_contains("副局长王建国", "具体由副局长李建国负责")
    g = gold("副局长王建国", kind="text")
    ok = answered(text="据青石市人民政府2021年报告：“具体由副局长王建国负责”", citations=[passage()])
    assert judge(trial(g, ok, [None]), 5).correct


def test_cross_report_questions_accept_any_of_their_reports():
    g = gold(944, kind="cross", report="qingshi-gov-2021,qingshi-gov-2022")
    assert judge(trial(g, answered(944, citations=[cell("qingshi-gov-2022", year=2022)]), [602.0]), 5).correct
    assert not judge(trial(g, answered(944, citations=[cell("wangchuan-gov-2022")]), [1.0]), 5).correct


def test_gold_without_a_report_matches_agency_and_year():
    g = gold(32, report=None)
    assert judge(trial(g, answered(32, citations=[cell()]), [32.0]), 5).correct
    assert not judge(trial(g, answered(32, citations=[cell(year=2022)]), [32.0]), 5).correct


def test_hit_at_k():
    g = gold("1234条", kind="text")
    ranked = [Retrieved("pdf/qingshi-gov-2021.pdf", "上年结转12件"),
              Retrieved("pdf/qingshi-gov-2022.pdf", "全年主动公开政府信息1234条"),  # wrong report
              Retrieved("pdf/qingshi-gov-2021.pdf", "全年主动公开政府信息 1234 条，其中")]
    assert not hit_at_k(g, ranked, 2) and hit_at_k(g, ranked, 3)
    assert not hit_at_k(gold("1234条", kind="text", report="other"), ranked, 3)
    assert holds_answer("予以公开 1362 件", 1362) and not holds_answer("予以公开13620件", 1362)
    assert not holds_answer("61.725万元", 61.72) and holds_answer("金额61.72 万元。", 61.72)
    # Page text of a table row: spaces go, but the cells do not run together.
    row = "（一）予以公开 1288 21 0 0 50 3 1362"
    assert holds_answer(row, 1362) and not holds_answer(row, 31362) and not holds_answer(row, 2121)


def test_report_lists_every_failure_and_serialises():
    g_ok, g_bad, g_none = gold(583, id="a"), gold(227, id="b"), gold("unanswerable", kind="unanswerable",
                                                                      report=None, id="c")
    trials = [trial(g_ok, answered(583, citations=[cell()]), [583.0]),
              trial(g_ok, answered(583, citations=[cell()]), [583.0], language="en"),
              trial(g_bad, answered(228, citations=[cell(row="granted")]), [228.0],
                    baseline=(Retrieved("pdf/qingshi-gov-2021.pdf", "予以公开227件"),)),
              trial(g_none, answered(abstained=True))]
    report = build_report(trials, k=5, gold="gold.jsonl", baseline=True)
    assert str(report.group().correct) == "3/4 (75.0%)"
    assert report.group("table", "zh").answer_match.right == 1
    assert report.group("table", "zh").baseline_hit.right == 1
    assert report.abstention["all"] == (1.0, 1.0)
    assert [o.id for o in report.failures] == ["b"]
    text = format_markdown(report)
    assert "| table | zh | 2 |" in text and "baseline context hit@5" in text
    assert "**b** (table, zh) — wrong answer" in text
    assert "expected: `227`" in text and "answered: 228件" in text
    assert "cited: qingshi-gov-2021 p.4 表三 · granted · total" in text
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["failures"][0]["id"] == "b" and len(data["results"]) == 4
    assert percentile([1, 2, 3, 4], 0.5) in (2, 3) and percentile([], 0.5) != percentile([], 0.5)


# ---------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """`xxgk eval` on tests/data/gold.jsonl over the generated corpus: once ingesting it
    (JSON, baseline), once against the stored data (Markdown)."""
    from devtools.samples import write_corpus

    root = tmp_path_factory.mktemp("eval")
    write_corpus(root / "corpus")
    data = root / "data"
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    mp.setattr("assistant.factory.make_embedding", lambda config: BigramEmbedding())
    runs = {}
    try:
        for name, args in (("json", ["eval", GOLD, "--ingest", root / "corpus", "--baseline", "--json"]),
                           ("markdown", ["eval", GOLD, "--k", "3"])):
            capture = root / f"{name}.out"
            with capture.open("w", encoding="utf-8") as fh, contextlib.redirect_stdout(fh):
                code = cli.main(["--data-dir", str(data), *map(str, args)])
            runs[name] = (code, capture.read_text(encoding="utf-8"))
    finally:
        mp.undo()
    return runs, data


def test_eval_json_over_the_generated_corpus(evaluated):
    runs, data = evaluated
    code, out = runs["json"]
    assert code == 0
    report = json.loads(out)
    n_gold = sum(1 for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(report["results"]) == 2 * n_gold
    groups = {(g["kind"], g["language"]): g for g in report["groups"]}
    assert set(groups) >= {("all", "all"), ("table", "zh"), ("table", "en"), ("text", "zh"),
                           ("unanswerable", "en"), ("cross", "zh")}
    for language in ("zh", "en"):
        assert groups["table", language]["correct"]["rate"] >= 0.95
        assert groups["unanswerable", language]["correct"]["rate"] == 1.0
        assert groups["text", language]["hit"]["total"] == groups["text", language]["questions"]
        assert groups["table", language]["baseline_hit"]["total"] == groups["table", language]["questions"]
    assert report["abstention"]["all"]["recall"] == 1.0
    assert report["baseline"] and any(n.startswith("baseline:") for n in report["notes"])
    failed = {(f["id"], f["language"]) for f in report["failures"]}
    assert failed == {(r["id"], r["language"]) for r in report["results"] if not r["correct"]}
    assert all({"question", "expected", "answered", "cited", "reason"} <= set(f) for f in report["failures"])
    assert (data / "xxgk.sqlite3").exists()  # --data-dir given: ingested there, not in a temp dir


def test_eval_markdown_against_the_configured_store(evaluated):
    runs, _ = evaluated
    code, out = runs["markdown"]
    assert code == 0
    assert out.startswith("## xxgk eval:") and "store: 12 reports" in out
    assert "| kind | lang | n | correct (answer + citation) |" in out and "xxgk passage hit@3" in out
    assert "baseline" not in out.split("\n\n")[2]  # no baseline column without --baseline
    assert "| table | en |" in out and "| unanswerable | zh |" in out
    assert "Abstention on `unanswerable`" in out and "### Failures (" in out


def test_eval_ingests_into_a_temporary_directory_and_reports_failed_files(tmp_path, monkeypatch, capsys):
    from devtools import samples

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("assistant.factory.make_embedding", lambda config: BigramEmbedding())
    folder = tmp_path / "reports"
    folder.mkdir()
    report = samples.make_report("青石市人民政府", 2023, "2021", seed=7)
    samples.write_text(report, folder / "qingshi-gov-2023.txt")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    item = {"id": "g1", "report": "qingshi-gov-2023", "agency": report.agency, "year": 2023,
            "question": f"{report.agency}2023年新收了多少件政府信息公开申请？", "question_en": "",
            "answer": report.number(("t3", "new_received", "total")), "kind": "table", "evidence": ""}
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")

    code = cli.main(["eval", str(gold_file), "--ingest", str(folder), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # a file failed to ingest, as `xxgk ingest` says
    assert out["groups"][0]["correct"] == {"right": 1, "total": 1, "rate": 1.0}
    assert any("broken.pdf" in n for n in out["notes"])
    assert not (tmp_path / "data").exists()  # the configured data directory is untouched


def test_eval_input_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["eval", str(tmp_path / "missing.jsonl")]) == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert cli.main(["eval", str(bad)]) == 3
    assert "line 1 needs id, answer, kind" in capsys.readouterr().err


# ---------------------------------------------------------------- the scale corpus's gold


def test_scale_corpus_plan_layouts_and_gold(tmp_path):
    """devtools.scale_corpus (bench_scale's corpus): a known fraction inconsistent, varied
    layouts that still parse to the printed cells, and gold items per report and agency."""
    from devtools.scale_corpus import build_reports, gold_subset, plan_corpus, scale_gold, write_scale_corpus
    from ingest.loaders import load
    from ingest.pipeline import parse_document

    plan = plan_corpus(60, seed=1, inconsistent_fraction=0.1)
    assert plan == plan_corpus(60, seed=1, inconsistent_fraction=0.1)
    assert len(plan) == 60 and len({p.stem for p in plan}) == 60
    assert sum(p.inconsistent for p in plan) == 6
    assert {p.version for p in plan} == {"2019", "2021"}
    assert len({p.layout for p in plan}) > 30 and len({p.profile.en for p in plan}) > 10
    reports = build_reports(plan)
    assert [r.broken is not None for r in reports] == [p.inconsistent for p in plan]
    gold = scale_gold(plan, reports, seed=1)
    kinds = [g["kind"] for g in gold]
    assert kinds.count("table") == 5 * 60 and kinds.count("unanswerable") == len({p.profile for p in plan})
    english = {p.profile.en for p in plan}  # e.g. "the Qingchuan Municipal Education Bureau"
    assert all(any(name in g["question_en"] for name in english) for g in gold)
    assert len(gold_subset(gold, plan[:10])) < len(gold)
    big = plan_corpus(10_000, seed=1)  # more reports than place names: places come back at the other level
    assert len({p.stem for p in big}) == 10_000 and [(p.profile, p.year) for p in big[:60]] == [(p.profile, p.year) for p in plan]
    assert len({p.profile.name for p in big}) == len({p.profile.slug for p in big}) == len({p.profile.en for p in big})

    corpus = write_scale_corpus(tmp_path, 3, seed=2, inconsistent_fraction=0)
    for path, p, report in zip(corpus.files, corpus.plan, build_reports(corpus.plan)):
        parsed = parse_document(load(path))
        assert (parsed.meta.agency, parsed.meta.year) == (p.profile.name, p.year)
        printed = {(f.table, f.row, f.column): f.raw for f in parsed.facts}
        assert printed == {ref: v for ref, v in report.values.items() if ref in printed}
        assert len(printed) == len(report.values), p.layout
