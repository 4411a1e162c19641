"""Pure stages on hand-made input: normalising, cell values, rows, template mapping, checks."""

from __future__ import annotations

import pytest

from ingest import template as tpl
from ingest.cells import parse_value
from ingest.checks import identity_findings
from ingest.mapping import map_tables, split_numbers
from ingest.models import Block, Cell
from ingest.normalize import clean_prose, is_page_mark, join_wrapped_lines
from ingest.recognize import full_agency_name, recognize, short_names
from ingest.rows import text_row
from ingest.text import normalize_text


def row(*cells, page=1):
    return Block("row", page, cells=tuple(Cell(c) for c in cells), table_id=1)


def text(line, page=1):
    return Block("text", page, text=line)


# ---------------------------------------------------------------- normalising


def test_radicals_and_spaces_are_normalised():
    assert normalize_text("中华⼈⺠共和国⾏政") == "中华人民共和国行政"
    assert clean_prose("全年收到政府信息公开申请 34 件，2024 年") == "全年收到政府信息公开申请34件，2024年"
    assert clean_prose("see www.example.gov.cn for details") == "see www.example.gov.cn for details"


@pytest.mark.parametrize("line", ["- 1 -", "—2—", "第 3 页 共 6 页", "4/6", "12"])
def test_page_marks(line):
    assert is_page_mark(line)


def test_wrapped_lines_are_rejoined_but_headings_start_paragraphs():
    lines = ["本报告由市政府办公室根据《条例》规定编", "制。", "一、总体情况", "2024年，我市"]
    assert join_wrapped_lines(lines) == ["本报告由市政府办公室根据《条例》规定编制。", "一、总体情况",
                                         "2024年，我市"]


# ---------------------------------------------------------------- cell values


@pytest.mark.parametrize("raw, value, unit, empty", [
    ("136", 136, None, False), ("", None, None, True), ("/", None, None, True),
    ("—", None, None, True), ("0", 0, None, False), ("251000元", 251000, "元", False),
    ("61.72 万元", 61.72, "万元", False), ("+1036", 1036, None, False), ("-12", -12, None, False),
    ("55（含自然失效29件）", 55, None, False), ("1,234", 1234, None, False),
])
def test_cell_values_keep_blank_apart_from_zero(raw, value, unit, empty):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.unit, parsed.empty) == (value, unit, empty)
    assert parsed.raw == raw.strip()


def test_labels_are_not_values():
    assert parse_value("（一）予以公开") is None


def test_text_lines_ending_in_numbers_are_rows_but_prose_years_are_not():
    r = text_row(text("行政许可 447228"))
    assert r.labels == ("行政许可",) and [c.text for c in r.values] == ["447228"]
    assert text_row(text("0 0 0 1 1")).labels == ()
    assert text_row(text("截至2024 年")) is None


# ---------------------------------------------------------------- run-together digits


def test_a_run_together_row_splits_only_when_unique():
    rows = [s for s in split_numbers(["640020470"], 7) if sum(s[:-1]) == s[-1]]
    assert rows == [(64, 0, 0, 2, 0, 4, 70)]
    ambiguous = [s for s in split_numbers(["270020130"], 7) if sum(s[:-1]) == s[-1]]
    assert len(ambiguous) == 2


T3_HEADER = [
    row("（本列数据的勾稽关系为：第一项加第二项之和，\n等于第三项加第四项之和）", None, None, "申请人情况",
        None, None, None, None, None, None),
    row(None, None, None, "自然人", "法人或其他组织", None, None, None, None, "总计"),
    row(None, None, None, None, "商业企\n业", "科研机\n构", "社会公益\n组织", "法律服务\n机构", "其他", None),
]


def _t3_rows(version: str, values: dict[str, list[str]]) -> list[Block]:
    blocks = []
    for r in tpl.t3_rows(version):
        cells = values.get(r.key, ["0"] * 7)
        blocks.append(row(None, r.group or None, r.zh, *cells))
    return blocks


def test_table_three_with_merged_header_and_a_label_broken_across_pages():
    blocks = list(T3_HEADER) + _t3_rows("2021", {"new_received": ["3", "1", "", "", "", "", "4"],
                                                 "total_handled": ["3", "1", "", "", "", "", "4"],
                                                 "granted": ["3", "1", "", "", "", "", "4"]})
    # The page breaks inside （四）无法提供: its group label arrives as "（四）无" / "法提供".
    idx = next(i for i, b in enumerate(blocks) if b.cells and b.cells[2].text == "2.没有现成信息需要另行制作")
    blocks[idx - 1] = row(None, "（四）无", "1.本机关不掌握相关政府信息", *["0"] * 7, page=1)
    blocks[idx] = row("", "法提供", "2.没有现成信息需要另行制作", *["0"] * 7, page=2)
    for b in blocks[idx:]:
        object.__setattr__(b, "page", 2)
    result = map_tables(tuple(blocks), "2021")
    assert not result.problems
    assert result.facts[(tpl.T3, "new_received", "business")].value == 1
    assert result.facts[(tpl.T3, "new_received", "research")].raw == ""
    assert result.facts[(tpl.T3, "new_received", "research")].value is None
    assert result.facts[(tpl.T3, "unable_needs_creation", "total")].page == 2
    assert len([k for k in result.facts if k[0] == tpl.T3]) == len(tpl.t3_rows("2021")) * 7


def test_2019_single_other_row_and_label_variants():
    blocks = list(T3_HEADER) + _t3_rows("2019", {"other_handling": ["2", "0", "0", "0", "0", "0", "2"]})
    blocks = [row(*[("2.其他法律行政止公开" if c.text == "2.其他法律行政法规禁止公开" else c.text)
                    for c in b.cells]) for b in blocks]
    result = map_tables(tuple(blocks), "2019")
    assert result.facts[(tpl.T3, "other_handling", "total")].value == 2
    assert (tpl.T3, "withheld_prohibited", "total") in result.facts
    assert not any(k[1].startswith("other_overdue") for k in result.facts)


def test_left_shifted_rows_where_spanning_labels_appear_once():
    blocks = [row("（三）不予公开", "1.属于国家秘密", "0", "", "", "", "", "", "0"),
              row("2.其他法律行政法规禁止公开", "5", "", "", "", "", "", "5", None)]
    result = map_tables(tuple(blocks), "2021")
    assert result.facts[(tpl.T3, "withheld_prohibited", "total")].value == 5
    assert result.facts[(tpl.T3, "withheld_prohibited", "natural_person")].value == 5


def test_table_two_stacked_subtables_split_over_pages_and_table_four():
    blocks = [
        row("第二十条第（一）项", None, None, None), row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        row("规章", "1", "0", "11"), row("行政规范性文件", "8", "26", "66"),
        row("第二十条第（五）项", None, None, None), row("信息内容", "本年处理决定数量", None, None),
        row("行政许可", "447228", None, None), row("第二十条第（六）项", None, None, None),
        row("信息内容", "本年处理决定数量", page=2), row("行政处罚", "3985758", page=2),
        row("第二十条第（八）项", None, page=2), row("信息内容", "本年收费金额（单位：万元）", page=2),
        row("行政事业性收费", "96171.6", page=2),
        row("行政复议", None, None, None, None, "行政诉讼", *[None] * 9, page=2),
        row(*"72 64 178 37 351 13 4 8 1 26 12 1 1 6 20".split(), page=2),
    ]
    result = map_tables(tuple(blocks), "2021")
    facts = result.facts
    assert facts[(tpl.T2, "normative_docs", "repealed")].value == 26
    assert facts[(tpl.T2, "penalty", "decisions")].page == 2
    assert facts[(tpl.T2, "fees", "fee_amount")].unit == "万元"
    assert facts[(tpl.T4, "litigation_direct", "corrected")].value == 4
    assert facts[(tpl.T4, "litigation_after_reconsideration", "total")].value == 20


def test_flattened_text_recovers_only_unique_splits():
    flat = ("三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量640020470"
            "二、上年结转政府信息公开申请数量0000000三、本年度办理结果（一）予以公开270020130"
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）0000000（三）不予公开1.属于国家秘密0000000"
            "2.其他法律行政法规禁止公开00000003.危及“三安全一稳定”00000004.保护第三方合法权益0000000"
            "5.属于三类内部事务信息00000006.属于四类过程性信息00000007.属于行政执法案卷0000000"
            "8.属于行政查询事项0000000（四）无法提供1.本机关不掌握相关政府信息3700003402.没有现成信息需要另行制作0000000"
            "3.补正后申请内容仍不明确0000000（五）不予处理1.信访举报投诉类申请00000002.重复申请0000000"
            "3.要求提供公开出版物00000004.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000"
            "（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他0000000"
            "（七）总计640020470四、结转下年度继续办理0000000")
    result = map_tables((text(flat),), "2021")
    facts = result.facts
    assert [facts[(tpl.T3, "new_received", c.key)].value for c in tpl.T3_COLUMNS] == [64, 0, 0, 2, 0, 4, 70]
    # 270020130 alone splits two ways; the column identities pick 27,0,0,2,0,1,30.
    assert facts[(tpl.T3, "granted", "natural_person")].value == 27
    assert facts[(tpl.T3, "unable_not_held", "total")].value == 40


def test_ambiguous_flattened_row_is_reported_not_stored():
    flat = ("一、本年新收政府信息公开申请数量270020130二、上年结转政府信息公开申请数量0000000"
            "三、本年度办理结果（一）予以公开0000000（二）部分公开（区分处理的，只计这一情形，不计其他情形）0000000")
    result = map_tables((text(flat),), "2021")
    assert (tpl.T3, "new_received", "total") not in result.facts
    assert any("无法唯一确定" in p.message for p in result.problems)


# ---------------------------------------------------------------- checks


def test_identities_report_broken_cells():
    blocks = list(T3_HEADER) + _t3_rows("2021", {"new_received": ["0"] * 7,
                                                 "granted": ["136", "0", "0", "0", "0", "0", "136"],
                                                 "total_handled": ["136", "0", "0", "0", "0", "0", "136"]})
    facts = map_tables(tuple(blocks), "2021").facts
    findings = identity_findings(facts, "2021")
    balance = [f for f in findings if f.check == "t3_balance:total"]
    assert balance and balance[0].actual == 0 and balance[0].expected == 136
    assert (tpl.T3, "new_received", "total") in balance[0].cells


# ---------------------------------------------------------------- recognition


def test_statistics_year_not_publication_year():
    doc_blocks = (text("青石市人民政府2023年政府信息公开工作年度报告"),
                  text("本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。"),
                  text("青石市人民政府办公室 2024年1月20日"))
    from ingest.models import Document

    meta = recognize(Document("x.txt", "text", doc_blocks, 0))
    assert (meta.agency, meta.year) == ("青石市人民政府", 2023)
    assert meta.template is None and meta.unknown == ("template",)


@pytest.mark.parametrize("printed, full", [("上海市科委", "上海市科学技术委员会"),
                                           ("平潭综合实验区", "平潭综合实验区管委会"),
                                           ("淮安市人民政府", "淮安市人民政府")])
def test_agency_full_names(printed, full):
    assert full_agency_name(printed) == full


def test_short_names():
    assert {"淮安市政府", "淮安", "市政府"} <= set(short_names("淮安市人民政府"))
    assert "市科委" in short_names("上海市科学技术委员会")
    assert "沭阳县发改局" in short_names("沭阳县发展和改革局")


def test_markdown_marks_do_not_reach_the_prose(tmp_path):
    from ingest.loaders import load

    path = tmp_path / "report.md"
    path.write_text("## 五、存在的主要问题及改进情况\n\n存在以下问题：**一是**人员不足；二是培训不够。\n",
                    encoding="utf-8")
    heading, prose = [b.text for b in load(path).blocks if b.kind == "text"]
    assert heading == "五、存在的主要问题及改进情况"
    assert "**" not in prose and "一是人员不足" in prose
