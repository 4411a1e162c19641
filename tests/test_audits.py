"""Audits: every real inconsistency found, none invented.

Prose figures are compared with a table cell only when the sentence claims that cell's
subject, and only when the figure equals no reading the template allows; a run-together
row the digits force into one split is stored so its broken identity is reported.
Reports are generated here with agencies, places and wordings of their own.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from devtools import samples
from ingest import template as tpl
from ingest.checks import prose_findings
from ingest.loaders import load
from ingest.mapping import map_tables
from ingest.models import Block, Fact, Passage
from ingest.pipeline import parse_document

T3, T4 = tpl.T3, tpl.T4


def _facts(**totals: float | None) -> dict:
    """表三 totals by row key (None: a blank cell)."""
    return {(T3, row, "total"): Fact(T3, row, "total", row, "总计", "" if v is None else str(v), v, "件", 1)
            for row, v in totals.items()}


def _prose(*sentences: str) -> list[Passage]:
    return [Passage(s, "三、收到和处理政府信息公开申请情况", 1, "prose") for s in sentences]


def _checks(findings) -> set[str]:
    return {f.check for f in findings}


# ---------------------------------------------------------------- which sentences claim a cell

@pytest.mark.parametrize("sentence", [
    "通过关联12345平台受理群众各类诉求，全年累计受理4355件。",
    "全年受理人大代表建议和政协委员提案共86件。",
    "本年度共受理群众信访和政府信息公开申请共4355件。",  # two subjects: no claim on either
    "办理网络问政留言受理1200件，办结率100%。",
    "接收各类咨询电话共计3150件次。",
])
def test_a_count_of_something_else_that_shares_the_verb_is_no_claim(sentence):
    facts = _facts(new_received=32, carried_over=2)
    assert prose_findings(facts, _prose(sentence)) == []


@pytest.mark.parametrize("sentence", [
    "本年度共受理政府信息公开申请{n}件。",
    "实验区管委会（办公室）共受理公开申请{n}件，均按时答复。",
    "全年新收信息公开申请{n}件。",
    "2024年，本机关收到依申请公开申请 {n} 件。",
    "共接到社会公众申请公开政府信息{n}件。",
    "全年共收到依申请公开事项{n}件。",
    "全年共收到各类政府信息公开申请总计{n}件。",
])
def test_each_wording_of_the_request_claim_is_checked(sentence):
    facts = _facts(new_received=32, carried_over=2)
    assert prose_findings(facts, _prose(sentence.format(n=32))) == []
    [finding] = prose_findings(facts, _prose(sentence.format(n=29)))
    assert finding.check == "prose:new_received" and finding.actual == 29 and finding.expected == 32
    assert "29" in finding.message and "32" in finding.message and "34" in finding.message


def test_a_figure_that_counts_the_carried_over_requests_too_is_no_contradiction():
    facts = _facts(new_received=713, carried_over=36)
    assert prose_findings(facts, _prose("全年共受理政府信息公开申请749件。")) == []
    [finding] = prose_findings(facts, _prose("全年共受理政府信息公开申请750件。"))
    # The finding names every reading it compared: 新收 713, 新收＋上年结转 749.
    assert "713" in finding.message and "749" in finding.message
    assert "713" in finding.message_en and "749" in finding.message_en


def test_granted_may_count_the_partly_granted_requests():
    facts = _facts(granted=20, partially_granted=5)
    assert prose_findings(facts, _prose("予以公开25件。")) == []
    assert _checks(prose_findings(facts, _prose("予以公开27件。"))) == {"prose:granted"}


def test_a_blank_cell_leaves_the_claim_unchecked():
    facts = _facts(new_received=None, carried_over=None)
    assert prose_findings(facts, _prose("全年共受理政府信息公开申请749件。")) == []


# ---------------------------------------------------------------- run-together rows

def _t4_text(digits: str) -> tuple[Block, ...]:
    return (Block("text", 3, text="四、结转下年度继续办理0000000 四、政府信息公开行政复议、行政诉讼情况 "
                                  f"行政复议 行政诉讼 {digits}"),)


def test_a_row_the_digits_force_is_stored_and_its_broken_identity_reported():
    """15 digits for 15 cells have one split; it breaks 复议's total and is stored anyway."""
    result = map_tables(_t4_text("010000000000000"), "2021")
    facts = result.facts
    assert facts[(T4, "reconsideration", "corrected")].value == 1
    assert facts[(T4, "reconsideration", "total")].value == 0
    from ingest.checks import identity_findings

    assert "t4_block:reconsideration" in _checks(identity_findings(facts, "2021"))


def test_among_several_splits_the_identities_choose():
    # 17 digits for 15 cells split 12 ways; only 3, 12, 0, 0, 15 keeps 复议's total.
    result = map_tables(_t4_text("3120015" + "0" * 10), "2021")
    assert result.facts[(T4, "reconsideration", "upheld")].value == 3
    assert result.facts[(T4, "reconsideration", "corrected")].value == 12
    assert result.facts[(T4, "reconsideration", "total")].value == 15


# ---------------------------------------------------------------- generated reports, end to end

def _with_sentence(report: samples.SampleReport, section: int, sentence: str) -> samples.SampleReport:
    sections = list(report.sections)
    heading, paragraphs = sections[section]
    sections[section] = (heading, [*paragraphs, sentence])
    return replace(report, sections=sections)


def _parse(report: samples.SampleReport, tmp_path, name: str):
    return parse_document(load(samples.write_text(report, tmp_path / f"{name}.txt")))


UNSEEN = ("浏阳市交通运输局", "红河州生态环境局", "鼓楼区民政局")


@pytest.mark.parametrize("agency", UNSEEN)
def test_generated_reports_find_the_real_contradiction_and_invent_none(agency, tmp_path):
    profile = replace(samples.AGENCIES[0], name=agency, short=agency[-3:])
    report = samples.make_report(agency, 2023, "2021", seed=UNSEEN.index(agency) + 30, profile=profile)
    new = report.number((T3, "new_received", "total"))
    carried = report.number((T3, "carried_over", "total"))
    hotline = _with_sentence(report, 0, f"依托12345政务服务便民热线，全年受理群众诉求{new * 40 + 17}件。")
    both = _with_sentence(hotline, 2, f"全年共受理公开申请{new + carried}件（含上年结转{carried}件）。")
    parsed = _parse(both, tmp_path, "consistent")
    assert parsed.findings == (), [f.message for f in parsed.findings]

    # The generator's own (right) restatement comes first; the wrong one later is still found.
    wrong = _with_sentence(report, 4, f"全年共收到信息公开申请{new + carried + 3}件。")
    parsed = _parse(wrong, tmp_path, "contradiction")
    assert [f.check for f in parsed.findings] == ["prose:new_received"]
    assert parsed.findings[0].actual == new + carried + 3


def test_a_folder_of_consistent_reports_reports_nothing(tmp_path):
    for n, (agency, year, version) in enumerate([("浏阳市交通运输局", 2019, "2019"),
                                                 ("红河州生态环境局", 2021, "2021"),
                                                 ("鼓楼区民政局", 2024, "2021")]):
        profile = replace(samples.AGENCIES[n % len(samples.AGENCIES)], name=agency, short=agency[-3:])
        report = samples.make_report(agency, year, version, seed=40 + n, profile=profile)
        parsed = _parse(report, tmp_path, f"r{n}")
        assert parsed.findings == (), (agency, [f.message for f in parsed.findings])
