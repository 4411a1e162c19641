"""Text answers by answer type: the expected type (email, phone, web address, percentage, a count
with its measure word, a date, a person, money) decides which sentence is quoted and which part
of it answers; a fact the report does not state is refused, in Chinese and in English.

With the production embedding (USE v3): English questions reach the Chinese sentences through it
and the dictionary together."""

from __future__ import annotations

import pytest

from assistant.config import load_config
from assistant.factory import make_assistant, make_index, make_ingestor
from devtools import samples

pytestmark = pytest.mark.slow

AGENCY = "海东市教育局"
YEAR = 2022


@pytest.fixture(scope="module")
def asked(tmp_path_factory):
    root = tmp_path_factory.mktemp("types")
    report = samples.make_report(AGENCY, YEAR, "2021", seed=21)
    path = samples.write_text(report, root / "report.txt")
    config = load_config(environ={}, data_dir=root / "data")
    from ingest.index import UseEmbedding

    index = make_index(config, embedding=UseEmbedding())
    ingestor = make_ingestor(config, index=index)
    ingestor.ingest([path])
    return make_assistant(config, store=ingestor.store, index=index), report


@pytest.mark.parametrize("key, question", [
    ("contact_phone", "海东市教育局2022年政府信息公开的咨询电话是多少？"),
    ("contact_phone", "What phone number can you call about Haidong Education Bureau's disclosure work (2022)?"),
    ("website", "海东市教育局2022年政府信息公开专栏的网址是什么？"),
    ("website", "What is the web address of the Haidong Education Bureau's disclosure column in 2022?"),
    ("on_time_rate", "海东市教育局2022年依申请公开按时答复率是多少？"),
    ("on_time_rate", "What was the Haidong Education Bureau's on-time reply rate for disclosure requests in 2022?"),
    ("published", "海东市教育局2022年年报是哪天发布的？"),
    ("published", "When was the Haidong Education Bureau's 2022 annual report published?"),
    ("languages", "海东市教育局2022年门户网站提供几种语言版本？"),
    ("languages", "How many language versions did the Haidong Education Bureau's portal offer in 2022?"),
    ("open_days", "海东市教育局2022年举办了多少场政府开放日活动？"),
    ("open_days", "How many open days did the Haidong Education Bureau organise in 2022?"),
    ("person_in_charge", "2022年海东市教育局谁负责政府信息公开工作？"),
    ("person_in_charge", "Who was in charge of disclosure work at the Haidong Education Bureau in 2022?"),
])
def test_a_fact_of_a_known_type_is_quoted_and_its_answer_shown(asked, key, question):
    assistant, report = asked
    answer = assistant.ask(question)
    assert not answer.abstained, answer.answer
    assert report.fact_answers[key] in answer.answer, answer.answer
    assert any(report.fact_answers[key] in c.quote for c in answer.citations)


def test_the_asked_part_leads_the_answer_and_a_percentage_is_its_value(asked):
    assistant, report = asked
    phone = assistant.ask("海东市教育局2022年政府信息公开的咨询电话是多少？")
    assert phone.answer.startswith(f"电话：{report.fact_answers['contact_phone']}")
    rate = assistant.ask("What was the Haidong Education Bureau's on-time reply rate for disclosure requests in 2022?")
    assert rate.answer.startswith("Percentage:") and rate.unit == "%"
    assert rate.value == float(report.fact_answers["on_time_rate"].rstrip("%"))


@pytest.mark.parametrize("question", [
    "海东市教育局2022年政府信息公开工作的微信公众号叫什么？",
    "海东市教育局2022年信息公开工作的传真号码是多少？",
    "What was the Haidong Education Bureau's budget for disclosure work in 2022?",
    "How many foreign-language press briefings did the Haidong Education Bureau hold in 2022?",
    "海东市教育局2022年依申请公开的群众满意率是多少？",
])
def test_a_fact_the_report_does_not_state_is_refused(asked, question):
    assistant, _ = asked
    answer = assistant.ask(question)
    assert answer.abstained and answer.value is None, answer.answer
