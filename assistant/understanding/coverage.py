"""The coverage rule: every content word of a question is explained by a parsed span.

What no parser explains is *residual*: a qualifier the template does not record (by
letter, online, by topic, from women), or a word of a text question. A question with
residual words gets no table answer. Explained without a span are:

- closed-class words: particles, pronouns, prepositions, conjunctions, auxiliaries,
  question words, units and measure words, and the verbs any such question uses for
  cases and requests (提起, 作出; file, receive, end);
- the framing of any question about these reports (年报, 政府信息公开, annual report);
- in English, words of the template's own names for the cells the question asks for
  (its rows', columns' and table's English names), since an English question paraphrases
  them ("requests newly received", "the original decision upheld").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import template as tpl

from .cells import Metric
from .cues import cue_spans
from .spans import Spans

FRAMING_ZH: frozenset[str] = frozenset("""
政府信息公开 信息公开 政府信息 依申请公开 依申请 公开工作 年度报告 工作年度 年报 报告 统计 数据 情况 多少 几件 几个 几项
是否 是 的 了 有 共 总 件 项 个 数量 数 年度 年底 年末 截至 截止 全年 本年 本年度 其中 里 中 因 而 被 为 在 和 与 及 或
对 请问 呢 吗 各 各类 涉及 关于 方面 提出 作出 作了 做出 出了 单位 机关 部门 本机关 该 这 哪 那 上 下 底 分别 是什么
什么 怎样 如何 申请 公开 处理 结果 办理 之 相关 所有 全部 一共 合计 总计 共计 总共 加起来 年 多 少 比 还是 差 最 进行
获得 收到 受理 新收 当年 实际 具体 已 就 都 到 从 对外 人 月 日 号 是从 过来 年报里 一年 这一 工作 一下 共有 总数
显示 记载 写明 载明 列出 提到 表格 表中 表里 栏 一栏 这一栏 填报 填写 数字 数目 数值 件数 次数 个数 多大 请 告诉 我
帮 帮我 查 查询 查一下 看看 一共是 分别是 各是 怎么样 大概 大约 左右 一些 哪些 哪个 哪家 各自 对应 相应 当中
期间 以来 以后 之前 以前 之后 同期 那年 这年 该年 每年 各年 历年 逐年 每一年 按年 分年度 趋势 走势 变化 情形
万元 元 条 份 起 宗 案件 案 提起 发生 针对 因为 由于 导致 方式 形式 途径 一些 案子 官司 共有 多少钱 时候 期内
信息 打了 打 场 几场 属于 年份 哪些年 哪几年 表一 表二 表三 表四 表格里 数据是否 逐一 分别列出 各自是
申请量 申请数 申请件数 件数是 机构 部门 单位是 你们 我们 你 您 他们 咱们
""".split())

# Characters that are function words on their own: a jieba piece made only of them ("因本")
# carries no content.
FUNCTION_CHARS_ZH = frozenset("的了是在和与及或对因而被为由其该本此这那各每之于向把将从到就都也还又所以等着过")

FUNCTION_EN: frozenset[str] = frozenset("""
a an the of in on at to for by with from as and or nor but is are was were be been being am
did do does done doing has have had having will would shall should can could may might must
how many much what which who whom whose when where why it its this that these those their there
they them he she his her we our us you your i me my than per across via through into onto about
according please tell show give list state say says said also still already only just even yet
again ever any some all each every both either neither other another such same own very more most
less least few fewer lot lots concerning regarding regard respect against without within during
because since while whether if then so not no yes out up down off over under after before between
among around near behind beyond toward towards upon along while including included include etc
there here now then time times there's what's how's let's year's
file filed filing bring brought lodge lodged submit submitted make made come came face faced end ended
get got take took receive received handle handled deal dealt involve involved involving relate related
relating result resulted lead led end ends finish finished close closed happen happened occur occurred
bring go went become became register registered record recorded report reported reporting
answer answered impose imposed issue issued decide decided give gave ground grounds reason reasons basis
respectively one plus compare comparison match matches matched rank ranked ranking sort sorted order
leave left fall fell drop dropped stop stopped put kept keep
yuan rmb thousand thousands million millions ten hundred percent unit units amount amounts
whats hows whos wheres admin vs versus per cent
""".split())
FRAMING_EN: frozenset[str] = frozenset("""
report reports annual information disclosure disclose disclosed government governments agency agencies
number numbers count total totals figure figures value values year years yearly
case cases item items entry entries table tables row column
people's peoples municipal city county district province provincial town township office bureau
commission committee department administration general public open request requests application
applications administrative official figure statistic statistics data ingested collected stored
applicant applicants people peoples decision decisions ruling rulings verdict verdicts outcome outcomes
result results
""".split())

_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


def stem(word: str) -> str:
    """A crude English stem, enough to compare a question's word with the template's names."""
    word = word.lower().strip("'’-")
    for suffix in ("ingly", "edly", "ation", "ions", "ion", "ies", "ied", "ing", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def template_words(metrics: Sequence[Metric]) -> frozenset[str]:
    """Stems of the template's English names for the asked cells, their table and columns."""
    words: set[str] = set()
    for metric in metrics:
        names = [tpl.TABLE_TITLES[metric.table][1]]
        names += [n for r in metric.rows for n in (tpl.row(metric.table, r).en, tpl.row(metric.table, r).gloss)]
        names += [c.en for c in tpl.COLUMNS[metric.table].values()]
        names += [metric.label_en]
        for name in names:
            words |= {stem(w) for w in _EN_WORD.findall(name)}
    return frozenset(words)


def residual_zh(text: str, spans: Spans) -> list[str]:
    """Words of a (folded) Chinese question that no span and no closed class explains."""
    from assistant.extract import segmenter

    covered = spans.copy()
    for start, end in cue_spans(text):
        covered.take(start, end)
    rest = covered.rest(text)
    tokenizer = segmenter()
    words: list[str] = []
    for word in tokenizer.lcut(rest):
        # A word jieba guessed (not in its dictionary) that swallowed a particle ("数是") is cut
        # back into dictionary words.
        if len(word) > 1 and not tokenizer.FREQ.get(word):
            words += tokenizer.lcut(word, HMM=False)
        else:
            words.append(word)
    return [w for w in words
            if len(w) >= 2 and w not in FRAMING_ZH and _CJK.search(w)
            and not all(ch in FUNCTION_CHARS_ZH for ch in w)]


def residual_en(text: str, spans: Spans, metrics: Sequence[Metric] = ()) -> list[str]:
    """Words of an English question that no span, closed class or template name explains."""
    covered = spans.copy()
    for start, end in cue_spans(text):
        covered.take(start, end)
    rest = covered.rest(text)
    named = template_words(metrics)
    out = []
    for word in _EN_WORD.findall(rest):
        plain = re.sub(r"['’]s$", "", word.lower())
        if len(plain) <= 2 or plain in FUNCTION_EN or plain in FRAMING_EN or plain.rstrip("s") in FRAMING_EN:
            continue
        parts = [p for p in plain.split("-") if p]
        if stem(plain) in named or all(p in FUNCTION_EN or p in FRAMING_EN or stem(p) in named for p in parts):
            continue
        out.append(plain)
    return out
