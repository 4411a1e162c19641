"""Question parsing: agencies, years, metrics and operations, in Chinese and English."""

from __future__ import annotations

import pytest

from assistant.understanding import Catalog, CatalogEntry, Metric, parse_question
from ingest.recognize import short_names
from ingest.template import T2, T3, T4
from ingest.text import language_of


def _entry(agency: str, year: int, template: str = "2021") -> CatalogEntry:
    return CatalogEntry(f"{agency}-{year}", agency, year, template, f"/r/{agency}-{year}.pdf",
                        short_names(agency))


CATALOG = Catalog((
    _entry("淮安市人民政府", 2023), _entry("淮安市人民政府", 2024),
    _entry("淮安市教育局", 2024),
    _entry("上海市科学技术委员会", 2024), _entry("上海市人民政府办公厅", 2024),
    _entry("平潭综合实验区管委会", 2021), _entry("平潭综合实验区管委会", 2022),
    _entry("海东市教育局", 2019, "2019"), _entry("海东市人民政府", 2019, "2019"),
    _entry("沭阳县发展和改革局", 2023),
))


def parse(text: str, **kw):
    return parse_question(text, CATALOG, **kw)


@pytest.mark.parametrize("question, agency", [
    ("淮安市人民政府2024年新收多少件申请？", "淮安市人民政府"),
    ("淮安市政府2024年新收多少件申请？", "淮安市人民政府"),
    ("淮安2024年新收多少件申请？", "淮安市人民政府"),  # a bare place means its government
    ("淮安市教育局2024年新收多少件申请？", "淮安市教育局"),
    ("上海市科委2024年新收多少件申请？", "上海市科学技术委员会"),
    ("市科委2024年予以公开几件？", "上海市科学技术委员会"),
    ("上海市府办公厅2024年予以公开几件？", "上海市人民政府办公厅"),
    ("沭阳发改局2023年收到多少件申请？", "沭阳县发展和改革局"),
    ("平潭2021年行政处罚多少件？", "平潭综合实验区管委会"),
    ("How many requests did Huai'an's city government receive in 2024?", "淮安市人民政府"),
    ("How many requests did the Haidong Education Bureau receive in 2019?", "海东市教育局"),
    ("How many normative documents did the Shuyang DRB issue in 2023?", "沭阳县发展和改革局"),
    ("How many licensing decisions did the Shanghai S&T Commission make in 2024?",
     "上海市科学技术委员会"),
])
def test_agency_by_full_and_short_names(question, agency):
    assert parse(question).agencies == (agency,)


def test_a_short_name_shared_by_two_agencies_is_ambiguous():
    q = parse("市政府2019年新收多少件申请？")  # 淮安市人民政府 and 海东市人民政府
    assert q.agencies == ()
    assert set(q.ambiguous[0]) == {"淮安市人民政府", "海东市人民政府"}


def test_an_agency_not_ingested_is_named_as_unknown():
    q = parse("北京市教育局2024年新收多少件申请？")
    assert q.agencies == () and q.unknown_agency == "北京市教育局"
    q = parse("How many requests did the Beijing Municipal Education Bureau receive in 2024?")
    assert q.agencies == () and q.unknown_agency == "Beijing Municipal Education Bureau"


def test_several_agencies():
    q = parse("淮安市人民政府和淮安市教育局2024年合计新收多少件申请？")
    assert set(q.agencies) == {"淮安市人民政府", "淮安市教育局"} and q.operation == "sum"


@pytest.mark.parametrize("question, years", [
    ("淮安市政府2024年新收多少件申请？", (2024,)),
    ("淮安市政府2024年度新收多少件申请？", (2024,)),
    ("淮安市政府二〇二三年新收多少件申请？", (2023,)),
    ("去年淮安市政府新收多少件申请？", (2024,)),  # the newest report's year
    ("前年淮安市政府新收多少件申请？", (2023,)),
    ("淮安市政府2023年到2024年一共新收多少件申请？", (2023, 2024)),
    ("How many requests did Huai'an receive from 2023 to 2024?", (2023, 2024)),
    ("How many requests did Huai'an receive last year?", (2024,)),
    ("淮安市政府新收多少件申请？", ()),
])
def test_years(question, years):
    assert tuple(sorted(parse(question).years)) == years


def test_a_number_that_is_not_a_year_is_not_a_year():
    assert parse("淮安市政府2024年新收申请是否超过3119件？").years == (2024,)


def test_compared_year_and_subject():
    q = parse("平潭2022年的行政处罚处理决定数量比2021年多还是少？")
    assert q.operation == "diff" and q.subject_year == 2022 and set(q.years) == {2021, 2022}
    q = parse("淮安市政府2024年新收申请比去年多多少？")
    assert q.operation == "diff" and q.years == (2024,)


@pytest.mark.parametrize("question, metric", [
    ("淮安市人民政府2024年新收了多少件政府信息公开申请？", Metric(T3, ("new_received",), ("total",))),
    ("淮安2024年有多少件新申请是商业企业提出的？", Metric(T3, ("new_received",), ("business",))),
    ("淮安市2024年依申请公开的申请总数是多少", Metric(T3, ("new_received",), ("total",))),
    ("淮安市政府2024年依申请“予以公开”的一共多少件？", Metric(T3, ("granted",), ("total",))),
    ("平潭2022年从上年结转了几件申请？", Metric(T3, ("carried_over",), ("total",))),
    ("平潭2021年结转下年度继续办理的申请几件？", Metric(T3, ("carried_forward",), ("total",))),
    ("淮安市政府2024年因“本机关不掌握相关政府信息”而无法提供的申请共多少件？",
     Metric(T3, ("unable_not_held",), ("total",))),
    ("上海市科委2024年办结的申请总计多少件？", Metric(T3, ("total_handled",), ("total",))),
    ("淮安2024年法人或其他组织提出了多少件新申请？",
     Metric(T3, ("new_received",), ("business", "research", "public_interest", "legal_service",
                                    "other_org"))),
    ("2024年淮安市行政处罚的本年处理决定数量是多少？", Metric(T2, ("penalty",), ("decisions",))),
    ("淮安市2024年罚款多少件？", Metric(T2, ("penalty",), ("decisions",))),
    ("淮安市2024年行政事业性收费金额是多少万元？", Metric(T2, ("fees",), ("fee_amount",))),
    ("淮安市人民政府2024年行政规范性文件废止了多少件？", Metric(T2, ("normative_docs",), ("repealed",))),
    ("海东市教育局对外公开的规范性文件总数是多少（2019年报）？",
     Metric(T2, ("normative_docs",), ("total_published",))),
    ("海东市教育局2019年政府集中采购总金额是多少？",
     Metric(T2, ("procurement",), ("procurement_amount",))),
    ("海东市教育局行政事业性收费的上一年项目数量是多少？", Metric(T2, ("fees",), ("prev_items",))),
    ("淮安市人民政府2024年年报里，政府信息公开行政复议总计多少件？",
     Metric(T4, ("reconsideration",), ("total",))),
    ("沭阳发改局2023年涉及政府信息公开的行政复议尚未审结的有几件？",
     Metric(T4, ("reconsideration",), ("pending",))),
    ("淮安市2024年未经复议直接起诉的行政诉讼中，结果纠正的有几件？",
     Metric(T4, ("litigation_direct",), ("corrected",))),
    ("海东市教育局2019年被提起的行政诉讼总计几件？",
     Metric(T4, ("litigation_direct", "litigation_after_reconsideration"), ("total",))),
    ("淮安市政府2024年打了几场官司？",
     Metric(T4, ("litigation_direct", "litigation_after_reconsideration"), ("total",))),
    # English
    ("How many new government information disclosure requests did Huai'an receive in 2024?",
     Metric(T3, ("new_received",), ("total",))),
    ("How many requests did Pingtan carry over into 2022?", Metric(T3, ("carried_over",), ("total",))),
    ("How many Pingtan requests were carried forward at the end of 2021?",
     Metric(T3, ("carried_forward",), ("total",))),
    ("How many of Huai'an's new 2024 requests came from commercial enterprises?",
     Metric(T3, ("new_received",), ("business",))),
    ("How many 2024 requests to Huai'an's government could not be provided because the agency "
     "did not hold the information?", Metric(T3, ("unable_not_held",), ("total",))),
    ("How many administrative penalties did Huai'an impose in 2024?",
     Metric(T2, ("penalty",), ("decisions",))),
    ("How many normative documents of the Shuyang DRB were in force per its 2023 report?",
     Metric(T2, ("normative_docs",), ("in_force",))),
    ("How many lawsuits did Huai'an lose in 2024?",
     Metric(T4, ("litigation_direct", "litigation_after_reconsideration"), ("corrected",))),
    ("How many direct lawsuits (no reconsideration) did Pingtan face in 2021?",
     Metric(T4, ("litigation_direct",), ("total",))),
    ("How many of Pingtan's 2022 reconsideration cases ended with the decision corrected?",
     Metric(T4, ("reconsideration",), ("corrected",))),
])
def test_metric(question, metric):
    assert parse(question).metrics == (metric,)


def test_prose_questions_name_no_cells():
    assert parse("平潭2021年全年主动公开了多少条政府信息？").metrics == ()
    assert parse("沭阳县发改局2023年受理网络问政多少件？").metrics == ()
    assert parse("淮安市政府2024年全年收取了多少政府信息公开信息处理费？").metrics == ()
    assert parse("How much information processing fee did Huai'an collect in 2024?").metrics == ()


def test_words_the_table_cannot_explain_are_kept():
    q = parse("平潭2022年集中公开的现行有效行政规范性文件有多少件？")
    assert q.metrics and "集中" in q.residual
    assert parse("淮安市人民政府2024年年报里，政府信息公开行政复议总计多少件？").residual == ()


@pytest.mark.parametrize("question, operation, descending, top", [
    ("淮安市政府2024年新收多少件申请？", "lookup", True, None),
    ("哪个单位2024年收到的申请最多", "rank", True, None),
    ("2024年新收申请最少的单位是哪个？", "rank", False, None),
    ("2024年新收申请前三名是哪些单位？", "rank", True, 3),
    ("Which agency received the most requests in 2024?", "rank", True, None),
    ("Top 2 agencies by new requests in 2024", "rank", True, 2),
    ("平潭2021年和2022年一共新收了多少件申请？", "sum", True, None),
    ("How many new requests did Pingtan receive in 2021 and 2022 combined?", "sum", True, None),
    ("平潭2022年新收申请同比增长多少？", "diff", True, None),
    ("Did Pingtan make more or fewer penalty decisions in 2022 than in 2021?", "diff", True, None),
    ("淮安2024年自然人申请占比多少？", "share", True, None),
    ("淮安市2024年的公开率是多少？", "rate", True, None),
    ("What was Huai'an's disclosure rate in 2024?", "rate", True, None),
])
def test_operation(question, operation, descending, top):
    q = parse(question)
    assert (q.operation, q.descending, q.top_n) == (operation, descending, top)


def test_disclosure_rate_needs_no_metric_words():
    rate = Metric(T3, ("granted", "partially_granted"), ("total",))
    assert parse("淮安市2024年的公开率是多少？").metrics == (rate,)


def test_explicit_filters_override_the_text():
    q = parse("新收多少件申请？", agency="淮安市人民政府", year=2023)
    assert q.agencies == ("淮安市人民政府",) and q.years == (2023,)


def test_language():
    assert language_of("淮安市2024年行政处罚多少件") == "zh"
    assert language_of("How many administrative penalties in 2019") == "en"
    assert language_of("How many 予以公开 requests in 2024?") == "en"


def _coverage_questions():
    from ingest import template as tpl

    for table, rows in tpl.ROWS.items():
        for key, row in rows.items():
            yield f"淮安市政府2024年{row.zh}多少件？", table, key, None
            yield f"How many {row.en} did Huai'an report in 2024?", table, key, None
            for column_key in (row.columns if table == T2 else tpl.COLUMNS[table]):
                col = tpl.column(table, column_key)
                yield f"淮安市政府2024年{row.zh}{col.zh}多少？", table, key, column_key
                yield f"Huai'an 2024: {row.en}, {col.en}?", table, key, column_key


@pytest.mark.parametrize("question, table, row, column", list(_coverage_questions()))
def test_every_row_and_column_of_the_template_can_be_asked_for(question, table, row, column):
    """By its printed label in Chinese and by its English name."""
    metrics = parse(question).metrics
    assert any(m.table == table and row in m.rows and (column is None or column in m.columns)
               for m in metrics), metrics


@pytest.mark.parametrize("question, unknown", [
    ("沭阳县人民政府2023年新收多少件申请？", "沭阳县人民政府"),
    ("淮安市发展和改革委员会2024年新收多少件申请？", "淮安市发展和改革委员会"),
    ("淮安市人民政府办公室2024年新收多少件申请？", None),
])
def test_another_organ_of_a_known_place_is_not_that_place(question, unknown):
    q = parse(question)
    assert q.agencies == ()
    if unknown:
        assert q.unknown_agency == unknown


def test_english_organ_of_a_known_place_that_is_not_ingested():
    q = parse("How many requests did the Pingtan Education Bureau receive in 2022?")
    assert q.agencies == () and q.unknown_agency and "education bureau" in q.unknown_agency.lower()
