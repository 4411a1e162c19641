"""Sentence extraction from retrieved passages: picking the answer, refusing when the
question's own terms are absent, and not counting the names the caller filtered on."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import Evidence
from assistant.extract import Extract, extract_answer, quantity_in, split_sentences
from ingest.models import Citation

AGENCY = "青石市人民政府"
IGNORE = [AGENCY, "市政府", "青石市", "2023年", "2023"]

OVERVIEW = ("2023年，市政府认真贯彻落实《条例》，政府信息公开工作取得新进展。"
            "（一）主动公开情况。全年主动公开政府信息1520条，其中发布政策解读18篇，召开新闻发布会6场。"
            "（四）政府信息公开平台建设情况。加强政务新媒体管理，截至2023年底，在运维政务新媒体共计41个。")
SUPERVISION = ("（五）监督保障情况。市政府成立政务公开工作领导小组，具体由市政府副秘书长王建国负责，"
               "青石市人民政府办公室具体承办政府信息公开各项工作。")
PROBLEMS = ("2023年，市政府政务公开工作取得了一定成效，但对照新要求仍存在一些不足："
            "一是政策解读的形式还不够丰富；二是部分栏目信息更新不够及时；三是依申请公开答复的规范化水平仍需提升。")
OTHER = "2023年，市政府依据《政府信息公开信息处理费管理办法》，全年收取信息处理费1260元。无其他需要报告的事项。"
PREFACE = "本报告由青石市人民政府办公室编制。本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。"


def ev(text: str, n: int = 0, year: int = 2023) -> Evidence:
    citation = Citation(source_file="qingshi-2023.pdf", report_id="r2023", agency=AGENCY, year=year,
                        page=1, section="一、总体情况", quote=text)
    return Evidence(text=text, citation=citation, score=1.0 / (n + 1), kind="passage",
                    passage_id=f"r2023:{n}")


HITS = [ev(t, n) for n, t in enumerate((PREFACE, OVERVIEW, SUPERVISION, PROBLEMS, OTHER))]


def answer(question: str, hits=HITS, **kw) -> list[Extract]:
    return extract_answer(question, hits, ignore=kw.pop("ignore", IGNORE), **kw)


# ------------------------------------------------------------------ picking the sentence


@pytest.mark.parametrize("question, expected", [
    ("青石市人民政府2023年全年收取了多少信息处理费？", "全年收取信息处理费1260元"),
    ("截至2023年底，青石市人民政府在运维的政务新媒体有多少个？", "在运维政务新媒体共计41个"),
    ("青石市人民政府2023年全年主动公开了多少条政府信息？", "全年主动公开政府信息1520条"),
    ("青石市人民政府2023年的政府信息公开工作由谁具体负责？", "副秘书长王建国负责"),
    ("青石市人民政府2023年年报列出的第一个问题是什么？", "一是政策解读的形式还不够丰富"),
])
def test_the_sentence_that_answers_is_picked(question, expected):
    got = answer(question)
    assert got, question
    assert expected in got[0].sentence
    assert got[0].score > 0 and got[0].evidence in HITS
    assert got[0].sentence in got[0].evidence.text


def test_a_sentence_is_kept_whole_and_never_spans_two():
    got = answer("青石市人民政府2023年发布了多少篇政策解读？")
    assert got[0].sentence == "全年主动公开政府信息1520条，其中发布政策解读18篇，召开新闻发布会6场。"
    assert split_sentences("第一句。第二句；第三句！\n第四句") == ["第一句。", "第二句；", "第三句！", "第四句"]


def test_a_list_item_is_read_with_the_sentence_that_introduces_it():
    hits = [ev("全年共审核发布各类公开政府信息249条，其中：发布政策解读信息9条；机构设置和人事任免信息7条；"
               "财政预决算信息6条。")]
    got = answer("2023年发布了多少条人事任免信息？", hits)
    assert got and got[0].sentence == "机构设置和人事任免信息7条；"
    assert quantity_in(got[0].sentence, "2023年发布了多少条人事任免信息？") == (7.0, "条")


def test_english_questions_get_lexical_coverage_from_the_term_list():
    got = answer("How much information processing fee did the Qingshi government collect in 2023?")
    assert got and "信息处理费1260元" in got[0].sentence
    got = answer("Who was in charge of government information disclosure at Qingshi in 2023?")
    assert got and "王建国" in got[0].sentence


def test_max_sentences_limits_the_answer():
    assert len(answer("青石市人民政府2023年召开了多少场新闻发布会？", max_sentences=1)) == 1
    assert answer("青石市人民政府2023年召开了多少场新闻发布会？", max_sentences=0) == []


# ------------------------------------------------------------------ refusing


@pytest.mark.parametrize("question", [
    "青石市人民政府2023年政府信息公开工作的经费预算是多少？",
    "青石市人民政府2023年依申请公开平均多少天答复？",
    "青石市人民政府2023年部门网站的访问量是多少？",
    "青石市人民政府2023年政府集中采购金额是多少？",
    "青石市人民政府2023年微博粉丝数是多少？",
    "What was the Qingshi government's budget for disclosure work in 2023?",
    "What was the Qingshi government's website traffic in 2023?",
])
def test_refuses_when_the_questions_own_terms_are_absent(question):
    assert answer(question) == []


def test_a_quantity_question_needs_a_number_or_a_stated_none():
    no_number = [ev("市政府严格执行信息处理费管理办法，规范收取信息处理费。")]
    assert answer("青石市人民政府2023年收取了多少信息处理费？", no_number) == []
    none_collected = [ev("2023年，市政府未收取信息处理费。")]
    got = answer("青石市人民政府2023年收取了多少信息处理费？", none_collected)
    assert got and "未收取信息处理费" in got[0].sentence


def test_ignored_names_and_years_do_not_count_as_evidence():
    hits = [ev("青石市人民政府2023年举办招聘考试2次。")]
    question = "青石市人民政府2023年举办了多少次培训？"
    # Counting the agency name and the year, the sentence would look like an answer ...
    assert extract_answer(question, hits)
    # ... but the caller filtered on them: only 举办 and 培训 are evidence, and 培训 is missing.
    assert extract_answer(question, hits, ignore=IGNORE) == []


def test_a_question_that_asks_nothing_specific_is_refused():
    assert answer("青石市人民政府2023年的政府信息公开工作报告？") == []
    assert answer("青石市人民政府2023年全年收取了多少信息处理费？", hits=[]) == []


# ------------------------------------------------------------------ the embedding


def _fake_embed(on_topic: str):
    """Sentences holding ``on_topic`` (and the question) point one way, the rest another."""
    def embed(texts: list[str]) -> list[np.ndarray]:
        out = [np.array([1.0, 0.0])]  # the question
        out += [np.array([1.0, 0.1]) if on_topic in t else np.array([0.0, 1.0]) for t in texts[1:]]
        return out
    return embed


def test_an_english_question_no_term_can_check_is_answered_only_when_the_embedding_agrees():
    question = "What does Qingshi say about transparency of its annual statistics period?"
    assert answer(question) == []
    got = answer(question, embed=_fake_embed("统计期限"))
    assert got and "统计期限" in got[0].sentence


def test_the_embedding_breaks_ties_between_sentences_with_the_same_terms():
    hits = [ev("全年收到政府信息公开申请120件。"), ev("全年收到群众来信申请35件。", 1)]
    question = "How many requests were received?"
    assert "120件" in answer(question, hits, embed=_fake_embed("政府信息公开"))[0].sentence
    assert "35件" in answer(question, hits, embed=_fake_embed("群众来信"))[0].sentence


# ------------------------------------------------------------------ the quantity


@pytest.mark.parametrize("sentence, question, expected", [
    ("全年收取信息处理费1,260元。", "收取了多少信息处理费？", (1260.0, "元")),
    ("政府信息公开行政复议351件，其中结果维持72件，结果纠正64件。", "行政复议有多少件？", (351.0, "件")),
    ("政府信息公开行政复议351件，其中结果维持72件，结果纠正64件。", "结果纠正了多少件？", (64.0, "件")),
    ("答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）。", "多少件顺延到下年度答复？", (103.0, "件")),
    ("视频号共发布短视频584条，粉丝数54373。", "视频号粉丝数是多少？", (54373.0, "")),
    ("共组织三次专题培训。", "组织了几次培训？", (3.0, "次")),
    ("群众关心的热点问题多，涉及千家万户。", "第一个问题是什么？", None),
    ("全年收取信息处理费1260元。", "What is the first problem?", None),
])
def test_quantity_in_finds_the_number_the_question_asks_for(sentence, question, expected):
    assert quantity_in(sentence, question) == expected


def test_who_is_not_answered_by_a_sentence_that_names_no_one():
    hits = [ev("根据来件内容由对应业务科室专人负责受理回复公共诉求系统相关来件，按时办结。", 0),
            ev("明确政府信息公开工作“一把手”制度，具体由副局长张建国负责，局办公室具体承办。", 1)]
    best = extract_answer("政府信息公开工作由谁具体负责？", hits)
    assert best and "张建国" in best[0].sentence
    assert extract_answer("政府信息公开工作由谁具体负责？", hits[:1]) == []
