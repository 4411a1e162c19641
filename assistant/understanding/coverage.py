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
from ingest.domain import words
from ingest.text import segmenter

from .cells import Metric
from .cues import cue_spans
from .spans import Spans

_WORDS = words()  # ingest/domain/words.yaml: which classes the coverage rule explains
FRAMING_ZH = _WORDS.zh.closed | _WORDS.zh.report_framing | _WORDS.zh.table_framing
# Characters that are function words on their own: a jieba piece made only of them ("因本")
# carries no content.
FUNCTION_CHARS_ZH = _WORDS.zh.function_chars
FUNCTION_EN = _WORDS.en.closed | _WORDS.en.asking
FRAMING_EN = _WORDS.en.table_framing

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
