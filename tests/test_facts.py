"""The facts route over generated reports: exact figures, every cell cited, honest misses."""

from __future__ import annotations

import pytest

from assistant.messages import Miss
from assistant.service import Assistant
from assistant.understanding import Metric, Query
from ingest.template import T2, T3, T4, cell_label


@pytest.fixture
def stored(ingestor, sample_files):
    files = sample_files["files"]
    results = ingestor.ingest([files["pdf2021"], files["pdf2019"], files["inconsistent"]])
    assert all(r.status == "ingested" for r in results)
    return ingestor.store, sample_files["reports"]


@pytest.fixture
def facts_only(stored):
    """An Assistant without passages: only the facts route and abstention."""
    return Assistant(stored[0])


def number(report, ref) -> float:
    return float(report.values[ref])


def test_single_figure_is_exact_and_cites_its_cell(facts_only, stored):
    _, reports = stored
    answer = facts_only.ask("青石市人民政府2023年新收了多少件政府信息公开申请？")
    assert answer.mode == "facts" and not answer.abstained
    assert answer.value == number(reports["2021"], (T3, "new_received", "total"))
    assert answer.unit == "件"
    [c] = answer.citations
    assert (c.table, c.row, c.column) == (T3, "new_received", "total")
    assert c.source_file.endswith("qingshi-2023.pdf") and c.page and c.bbox is not None
    assert c.label == cell_label(T3, "new_received", "total")
    assert c.agency == "青石市人民政府" and c.year == 2023
    assert str(int(answer.value)) in answer.answer


def test_english_question_same_figure(facts_only, stored):
    _, reports = stored
    answer = facts_only.ask("How many requests did the Qingshi Municipal People's Government "
                            "fully grant in 2023?")
    assert answer.language == "en" and answer.value == number(reports["2021"], (T3, "granted", "total"))
    assert "granted" in answer.answer


def test_2019_penalty_answers_decisions_and_mentions_the_other_columns(facts_only, stored):
    _, reports = stored
    r19 = reports["2019"]
    answer = facts_only.ask("望川县教育局2019年行政处罚多少件？")
    assert answer.value == number(r19, (T2, "penalty", "decisions"))
    assert answer.citations[0].column == "decisions"
    cited = {c.column for c in answer.citations}
    assert {"prev_items", "change"} <= cited
    assert "上一年项目数量" in answer.answer and "本年增/减" in answer.answer


def test_litigation_sums_both_rows_and_cites_both(facts_only, stored):
    _, reports = stored
    r = reports["2021"]
    answer = facts_only.ask("青石市人民政府2023年被提起的行政诉讼总计几件？")
    expected = sum(number(r, (T4, row, "total"))
                   for row in ("litigation_direct", "litigation_after_reconsideration"))
    assert answer.value == expected
    assert {c.row for c in answer.citations} == {"litigation_direct", "litigation_after_reconsideration"}


def test_sum_across_years_cites_every_cell(facts_only, stored):
    _, reports = stored
    ref = (T3, "new_received", "total")
    answer = facts_only.ask("青石市人民政府2022年和2023年一共新收了多少件申请？")
    assert answer.value == number(reports["2021"], ref) + number(reports["inconsistent"], ref)
    assert {c.year for c in answer.citations} == {2022, 2023}


def test_year_over_year_difference(facts_only, stored):
    _, reports = stored
    ref = (T2, "penalty", "decisions")
    now, before = number(reports["2021"], ref), number(reports["inconsistent"], ref)
    answer = facts_only.ask("青石市人民政府2023年行政处罚同比增长多少？")
    assert answer.value == now - before
    word = "多" if now > before else "少"
    assert f"{word}{int(abs(now - before))}件" in answer.answer
    assert len(answer.citations) == 2


def test_ranking_over_years_of_one_agency(facts_only, stored):
    _, reports = stored
    ref = (T3, "new_received", "total")
    answer = facts_only.ask("青石市人民政府哪一年新收的申请最多？")
    best = max((number(reports["2021"], ref), 2023), (number(reports["inconsistent"], ref), 2022))
    assert answer.value == best[0] and f"{best[1]}年" in answer.answer.splitlines()[0]


def test_disclosure_rate(facts_only, stored):
    _, reports = stored
    r = reports["2021"]
    rate = (number(r, (T3, "granted", "total")) + number(r, (T3, "partially_granted", "total"))) \
        / number(r, (T3, "total_handled", "total")) * 100
    answer = facts_only.ask("青石市人民政府2023年的公开率是多少？")
    assert answer.unit == "%" and answer.value == round(rate, 1)
    assert {c.row for c in answer.citations} == {"granted", "partially_granted", "total_handled"}


def test_missing_year_answers_each_report_and_says_so(facts_only, stored):
    answer = facts_only.ask("青石市人民政府行政复议多少件？")
    assert set(answer.readings) == {"青石市人民政府 2022", "青石市人民政府 2023"}
    assert answer.value is None and "2022" in answer.answer and "2023" in answer.answer


def test_broken_identity_is_reported_with_the_answer(stored):
    store, reports = stored
    bad = reports["inconsistent"]
    table, row, column = bad.broken
    query = Query("q", "zh", agencies=("青石市人民政府",), years=(2022,),
                  metrics=(Metric(table, (row,), (column,)),))
    answer = Assistant(store).table_answer(query, Assistant(store).catalog())
    assert answer.findings and all(bad.broken in f.cells for f in answer.findings)
    assert "不能自洽" in answer.answer


def test_figure_not_in_the_template_is_a_miss(stored):
    store, _ = stored
    query = Query("q", "zh", agencies=("青石市人民政府",), years=(2023,),
                  metrics=(Metric(T2, ("procurement",), ("procurement_amount",)),))
    miss = Assistant(store).table_answer(query, Assistant(store).catalog())
    assert isinstance(miss, Miss) and "2021版模板" in miss.reason and "政府集中采购" in miss.reason


def test_report_not_ingested_is_refused_with_what_exists(facts_only):
    answer = facts_only.ask("青石市人民政府2020年新收多少件申请？")
    assert answer.abstained and answer.value is None and not answer.citations
    assert "2020" in answer.answer and "2022、2023" in answer.answer


def test_unknown_agency_is_refused(facts_only):
    answer = facts_only.ask("北京市人民政府2023年新收多少件申请？")
    assert answer.abstained and "北京市人民政府" in answer.answer


def test_blank_cell_is_not_a_zero(ingestor, tmp_path):
    from devtools import samples

    report = next(r for r in (samples.make_report("青石市教育局", 2021, "2021", seed=s) for s in range(50))
                  if any(v == "" for (t, _, _), v in r.values.items() if t == T3))
    ingestor.ingest([samples.write_text(report, tmp_path / "edu-2021.txt")])
    table, row, column = next(k for k, v in report.values.items() if v == "" and k[0] == T3)
    query = Query("q", "zh", agencies=("青石市教育局",), years=(2021,),
                  metrics=(Metric(table, (row,), (column,)),))
    answer = Assistant(ingestor.store).table_answer(query, Assistant(ingestor.store).catalog())
    assert answer.value is None and "为空" in answer.answer and answer.citations


def test_does_the_report_add_up(facts_only, stored):
    _, reports = stored
    bad = reports["inconsistent"]
    answer = facts_only.ask("青石市人民政府2022年的报告加起来对吗？")
    assert answer.mode == "facts" and "不能自洽" in answer.answer and answer.findings
    assert any(bad.broken in f.cells for f in answer.findings)
    assert any((c.table, c.row, c.column) == bad.broken for c in answer.citations)
    # The 2023 report adds up on its own; the fixture years do not chain, which is reported too.
    other = facts_only.ask("Does the 2023 report of the Qingshi Municipal People's Government add up?")
    assert other.language == "en" and other.findings
    assert all(cell[1] == "carried_over" for f in other.findings for cell in f.cells)


def test_money_asked_of_a_count_is_refused_not_answered_with_the_count(facts_only):
    for question in ("青石市人民政府2023年行政处罚罚款金额是多少？",
                     "How much money did the Qingshi Municipal People's Government collect in fines in 2023?"):
        answer = facts_only.ask(question)
        assert answer.abstained and answer.value is None
        assert "金额" in answer.answer or "money" in answer.answer
