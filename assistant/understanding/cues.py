"""Cue words of a question: the operation, its order and size, a threshold, the scope,
and (for text questions) the type of answer expected."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.text import chinese_numeral

from .spans import Spans

Operation = Literal["lookup", "sum", "diff", "rank", "filter", "share", "rate", "series", "check", "inventory"]
AnswerType = Literal["email", "phone", "url", "percent", "money", "count", "date", "person"]

# Order matters: the first operation whose cue is present wins (a check question may say 多少).
OPERATION_CUES: tuple[tuple[Operation, str], ...] = (
    ("inventory", r"(?:哪些|什么)(?:机关|单位|部门)的(?:年报|报告)|有哪些(?:年报|报告)|收录了?哪些|库里有|都有哪些报告|"
                  r"(?:what|which) (?:agencies|reports|departments) (?:do you have|are (?:ingested|available|in|stored))|"
                  r"(?:what|which) (?:agencies|departments) (?:do|does) (?:you|it|xxgk) have|"
                  r"\blist (?:the |all )?(?:ingested |available )?(?:agencies|reports)\b(?! (?:with|that|where|whose))"),
    ("check", r"自洽|勾稽|加起来对|对得上|对不上|是否一致|不一致|矛盾|有没有错|数据有误|算错|核对|校验|"
              r"add up|adds up|consistent|inconsisten|contradict|errors? in|mistakes?|\b(?:does|do|did) .{0,60}\bmatch\b"),
    ("rate", r"公开率|disclosure rate|grant rate"),
    ("share", r"占比|比例|比重|百分之|占[^，。？?]{0,12}(?:多少|几成|%)|percent|share of|proportion|what fraction"),
    ("rank", r"最多|最少|最高|最低|最大|最小|排名|排序|排行|前[一二三四五六七八九十\d]+(?:名|位|个)?|哪个|哪家|哪一|哪些|哪年|"
             r"\btop\b|\bmost\b|\bfewest\b|\bleast\b|highest|lowest|largest|smallest|\brank|"
             r"^\s*which\b|\bwhich (?:agenc|department|bureau|year|report|one|of|government|office)"),
    ("diff", r"多还是少|差多少|相差|差距|差值|比[^，。？?]{1,20}?(?:多|少|增|减|高|低)|增长|增加|减少|下降|上升|变化(?!趋势)|同比|环比|"
             r"more or fewer|more or less|difference|\bchange|increas|decreas|compar\w*|\bthan\b|\bgrow\w*|"
             r"\b(?:rose|rise|rising|fell|fall|drop|dropped) (?:by|from|to)\b|up or down|\b(?:go|went|gone) (?:up|down)\b"),
    ("sum", r"一共|合计|共计|总共|加起来|累计|总和|两年|三年|combined|together|altogether|\bsum\b|in total|\bplus\b"),
)
SERIES_CUE = (r"每年|各年|历年|逐年|每一年|分年度|按年|各年度|变化趋势|趋势|走势|"
              r"\beach year\b|\bevery year\b|\bper year\b|\byear by year\b|\bby year\b|over the years|\btrend|annually")
YEAR_RANK_CUE = r"哪一年|哪年|哪个年度|哪一个年度|which year|what year|in which year"
ALL_AGENCIES_CUE = (r"所有|全部|各单位|各个单位|各部门|每个单位|每家|已收录|收录的|哪个(?:单位|部门|机关)|哪些(?:单位|部门|机关)|"
                    r"哪家(?:单位|机关)|(?:单位|部门|机关)有哪些|单位是哪些|哪些报告|哪份报告|\ball\b|\bevery\b|\beach agency\b|"
                    r"which agenc\w*|which departments?|which reports?\b|which bureaus?|"
                    r"across (?:the |all )?(?:collected |ingested )?reports|(?:collected|ingested) reports")
_THRESHOLD_ZH_BEFORE = re.compile(
    r"(少于|低于|不足|小于|不到|未满|少过|多于|超过|高于|大于|不少于|不低于|至少|不超过|不高于|最多不超过)\s*"
    r"([\d,]+|[零〇一二两三四五六七八九十百千万]+)\s*(?:件|个|项|条|份)?")
_THRESHOLD_ZH_AFTER = re.compile(r"([\d,]+|[零〇一二两三四五六七八九十百千万]+)\s*(?:件|个|项|条|份)?\s*(以上|以下|及以上|及以下)")
_THRESHOLD_EN = re.compile(
    r"\b(fewer than|less than|more than|greater than|lower than|higher than|at least|at most|no more than|"
    r"no fewer than|over|under|below|above|exceeding)\s+([\d,]+)\b", re.IGNORECASE)
_COMPARATORS = {"少于": "<", "低于": "<", "不足": "<", "小于": "<", "不到": "<", "未满": "<", "少过": "<",
                "多于": ">", "超过": ">", "高于": ">", "大于": ">", "不少于": ">=", "不低于": ">=", "至少": ">=",
                "不超过": "<=", "不高于": "<=", "最多不超过": "<=", "以上": ">=", "及以上": ">=", "以下": "<=",
                "及以下": "<=", "fewer than": "<", "less than": "<", "lower than": "<", "under": "<",
                "below": "<", "more than": ">", "greater than": ">", "higher than": ">", "over": ">",
                "above": ">", "exceeding": ">", "at least": ">=", "no fewer than": ">=", "at most": "<=",
                "no more than": "<="}

# Order matters: the first type whose cue is present wins; a website is asked for only when
# no figure about it is ("how many items were posted on its website" asks for a count).
ANSWER_TYPE_CUES: tuple[tuple[AnswerType, str], ...] = (
    ("email", r"邮箱|电子邮件|电子信箱|e-?mail|mailbox"),
    ("phone", r"电话|热线|联系方式|phone|telephone|hotline"),
    ("person", r"谁|哪位|什么人|负责人|联系人|\bwho\b|\bwhom\b|contact person|\bname of (?:the )?(?:person|official|head)"),
    ("date", r"什么时候|何时|哪天|哪一天|日期|几月|\bwhen\b|what date|which date|which day"),
    ("percent", r"百分之|百分比|占比|比例|比率|几成|[\u4e00-\u9fff]率|percent|percentage|proportion|\brate\b"),
    ("money", r"多少钱|多少万?元|金额|经费|预算|费用|[\u4e00-\u9fff]费|收取|花费|支出|资金|cost|budget|spent|spend|fund|"
              r"\byuan\b|money|fees?\b"),
    ("count", r"多少|几[个件条次人篇天项名场期家批份户种类门]|how many|number of"),
    ("url", r"网址|网站地址|网站是|链接|website|web address|\burl\b|\blink\b|web ?site"),
)


@dataclass(frozen=True)
class Threshold:
    comparator: Literal["<", "<=", ">", ">="]
    value: float

    def holds(self, value: float) -> bool:
        return {"<": value < self.value, "<=": value <= self.value,
                ">": value > self.value, ">=": value >= self.value}[self.comparator]


@dataclass(frozen=True)
class Cues:
    operation: Operation = "lookup"
    descending: bool = True
    top_n: int | None = None
    threshold: Threshold | None = None
    series: bool = False
    over_years: bool = False  # "which year": a ranking over years
    every_agency: bool = False  # "all reports", "哪个单位": every ingested agency
    answer_type: AnswerType | None = None


def _number(word: str) -> float | None:
    word = word.replace(",", "")
    if word.isdigit():
        return float(word)
    value = chinese_numeral(word)
    return float(value) if value is not None else None


def _threshold(text: str, spans: Spans) -> Threshold | None:
    for pattern, value_group, word_group in ((_THRESHOLD_ZH_BEFORE, 2, 1), (_THRESHOLD_ZH_AFTER, 1, 2),
                                             (_THRESHOLD_EN, 2, 1)):
        m = pattern.search(text)
        if m and spans.free(m.start(), m.end()):
            value = _number(m.group(value_group))
            if value is not None and not (1900 < value < 2100 and pattern is _THRESHOLD_EN):
                spans.take(m.start(), m.end())
                return Threshold(_COMPARATORS[m.group(word_group).lower()], value)  # type: ignore[arg-type]
    return None


def find_cues(text: str, spans: Spans) -> Cues:
    """Cues in what the other parsers left ("net change" is a column, not a comparison)."""
    threshold = _threshold(spans.rest(text).lower(), spans)
    lowered = spans.rest(text).lower()  # "more than 10" is the threshold, not a comparison
    operation: Operation = "lookup"
    for name, pattern in OPERATION_CUES:
        if re.search(pattern, lowered):
            operation = name
            break
    series = bool(re.search(SERIES_CUE, lowered))
    over_years = bool(re.search(YEAR_RANK_CUE, lowered))
    if threshold is not None and operation in ("lookup", "rank"):
        operation = "filter"
    descending = not re.search(r"最少|最低|最小|fewest|least|lowest|smallest", lowered)
    top = re.search(r"前([一二两三四五六七八九十\d]+)|top (\d+|\w+)", lowered)
    top_n = None
    if top:
        word = top.group(1) or top.group(2)
        number = _number(word) if word else None
        top_n = int(number) if number else {"three": 3, "five": 5, "ten": 10, "two": 2}.get(word)
    answer_type = next((kind for kind, pattern in ANSWER_TYPE_CUES if re.search(pattern, lowered)), None)
    every = bool(re.search(ALL_AGENCIES_CUE, lowered))
    return Cues(operation, descending, top_n, threshold, series, over_years, every, answer_type)


def cue_spans(text: str) -> list[tuple[int, int]]:
    """Where the operation and scope cue words are (they explain those words of the question).

    Answer-type words (email, phone, website …) explain nothing here: for a table question
    they are a qualifier ("requests by email")."""
    lowered = text.lower()
    out = []
    for pattern in [p for _, p in OPERATION_CUES] + [SERIES_CUE, YEAR_RANK_CUE, ALL_AGENCIES_CUE]:
        out += [(m.start(), m.end()) for m in re.finditer(pattern, lowered) if m.end() > m.start()]
    return out
