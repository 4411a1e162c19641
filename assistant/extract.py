"""Pick the sentence of retrieved passages that answers a question, or none.

Pure functions over strings. A
sentence is accepted only when it holds every salient term of the question:
agency names and years the caller already filtered on (``ignore``) and words
that frame any question about a report (政府信息公开, 报告, 多少 ...) do not
count as evidence. English questions reach Chinese sentences through a small
term list (:data:`EN_ZH`) and, when given, the multilingual embedding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.domain import words
from ingest.text import COUNT_UNITS, fold, idf_table, language_of, normalize_text, parse_number, segmenter

from .answer import Evidence
from .bilingual import chinese_for

# ---------------------------------------------------------------- vocabulary (ingest/domain/words.yaml)

_WORDS = words()
EN_ZH = _WORDS.en.glossary  # English phrase -> Chinese spellings a report may use
GENERIC = _WORDS.zh.report_framing  # words with (almost) no evidence for a particular question
QUESTION_WORDS = _WORDS.zh.closed | _WORDS.zh.asks_other  # dropped from the question altogether
EN_DROPPED = _WORDS.en.closed | _WORDS.en.report_framing  # no Chinese to match them against
ZH_SYNONYMS = _WORDS.zh.synonyms  # question words -> how reports spell them

_UNIT_RE = "|".join(re.escape(u) for u in COUNT_UNITS)
_NUMBER = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"
# A Chinese numeral starts with a digit or 十: 千家万户 is not a count.
_CN_NUMBER = r"[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*"
_QUANTITY = re.compile(
    rf"(?<![第\d.])({_NUMBER}|{_CN_NUMBER})\s*(?:余|多)?\s*({_UNIT_RE})")
_BARE_COUNT = re.compile(rf"[数量额]\s*(?:为|达|是|共|[:：])?\s*({_NUMBER})(?![\d.年月日号%％])")
_ASKS_QUANTITY_ZH = re.compile(r"多少|几[个件条次人篇天项名场期家批份户]|多久|多长时间|数量|金额|几何")
_ASKS_QUANTITY_EN = re.compile(r"\bhow (?:many|much|long)\b|\bnumber of\b|\bwhat (?:was|is) the "
                               r"(?:total|number|amount)\b|\b(?:rate|percentage|proportion|count)\b",
                               re.I)
_ASKED_UNIT_ZH = re.compile(rf"(?:多少|几)\s*({_UNIT_RE})")
_ASKED_UNIT_EN: dict[str, tuple[str, ...]] = {
    r"\bitems?\b": ("条", "件"), r"\bpieces?\b": ("条", "件"), r"\bdocuments?\b": ("件", "个"),
    r"\baccounts?\b": ("个",), r"\bfollowers?\b|\bpeople\b|\bpersons?\b|\bsubscribers\b": ("人",),
    r"\bbatch(?:es)?\b": ("批次",), r"\btimes?\b|\bsessions?\b": ("次", "场"),
    r"\bdays?\b": ("天", "个工作日", "工作日"), r"\byuan\b|\bfees?\b|\bmoney\b": ("元", "万元"),
    r"\brequests?\b|\bapplications?\b|\bcases?\b|\binquiries\b": ("件",),
    r"\barticles?\b|\binterpretations?\b": ("篇", "个", "条"),
}
_ASKS_PERSON = re.compile(r"谁|哪位|什么人|负责人|\bwho\b|\bwhom\b", re.I)
_PERSON = re.compile(r"(?:副?(?:局长|主任|秘书长|市长|县长|区长|处长|科长|书记|部长|厅长|主席|组长)"
                     r"[\u4e00-\u9fff]{2,3}(?:负责|同志|担任|分管|主管|[，。；、]))|由[\u4e00-\u9fff]{2,3}(?:同志)?负责")
_NEGATION = re.compile(r"无|未|没有|不存在|零")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
_FULL_STOP = re.compile(r"(?<=[。！？!?])|\n+")
_YEAR = re.compile(r"^(?:19|20)\d\d$")

# Tuned on ../shared/corpus and the generated sample corpus (scripts/calibrate_passages.py).
MIN_COVERAGE = 0.6
SPANNED_COVERAGE = 0.3  # ... when the sentence holds a span of the asked type
KEY_WEIGHT = 0.4  # a term at least this heavy must appear in the answer sentence
RARE_WEIGHT = 0.8  # ... and one this heavy even in a long question
MIN_EN_COSINE = 0.45  # English question with no term we can check: the embedding must agree
MIN_EN_TERM_COVERAGE = 0.5  # ... and with terms the dictionary can check: half must be found
UNCHECKABLE_WEIGHT = 0.5  # an English word the term list cannot put into Chinese
EMBED_WEIGHT_ZH = 0.3
EMBED_WEIGHT_EN = 0.6
SECOND_MARGIN = 0.05


@dataclass(frozen=True)
class Extract:
    sentence: str
    evidence: Evidence
    score: float


@dataclass(frozen=True)
class _Term:
    text: str
    forms: tuple[str, ...]  # spellings, any of which counts as present
    weight: float
    key: bool


# ---------------------------------------------------------------- text helpers


def split_sentences(text: str) -> list[str]:
    """Sentences end at 。！？； (kept) and at line breaks; a sentence stays whole."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(s.strip()) >= 2]


def _sentences_in_context(text: str) -> list[tuple[str, str]]:
    """(sentence, the full-stop sentence around it): a list item after '其中：' or
    '一是……；二是……' is read together with what introduces it."""
    out = []
    for whole in _FULL_STOP.split(text):
        if whole and whole.strip():
            out.extend((part, whole.strip()) for part in split_sentences(whole))
    return out


def is_english(text: str) -> bool:
    return language_of(text) == "en"


def strip_ignored(question: str, ignore: Sequence[str]) -> str:
    """The question without the names and years the caller already filtered on."""
    for item in sorted({i for i in ignore if i and i.strip()}, key=len, reverse=True):
        question = re.sub(re.escape(item.strip()), " ", question, flags=re.I)
    return question


def term_weight(term: str) -> float:
    """IDF-like weight in (0, 1]; framing words weigh little, unknown words much."""
    if term in GENERIC:
        return 0.1
    idf = idf_table().get(term)
    weight = min(idf, 12.0) / 12.0 if idf else 0.85
    if len(term) == 1:
        weight *= 0.4
    return max(weight, 0.05)


def question_terms(question: str) -> list[_Term]:
    """The content terms of a (cleaned) question, Chinese or English.

    An English word that is neither in :data:`EN_ZH`, nor a name (capitalised),
    nor a framing word cannot be checked against Chinese text: it becomes a term
    that never matches, weighing :data:`UNCHECKABLE_WEIGHT`.
    """
    text = normalize_text(question)
    terms: dict[str, _Term] = {}
    if is_english(text):
        text = _english_terms(text, terms)
        for word in re.findall(r"[A-Za-z][A-Za-z'&]*", text):
            lower = word.lower()
            if (len(word) > 2 and not word[0].isupper() and lower not in EN_DROPPED and not _is_unit_noun(lower)):
                # CC-CEDICT's Chinese for the word, when it has any: found, it counts for the sentence.
                forms = tuple(fold(f) for f in chinese_for(lower) if len(f) >= 2)
                terms.setdefault(lower, _Term(lower, forms, UNCHECKABLE_WEIGHT, False))
    text = text.lower()
    for token in _words(text):
        if not token or not re.search(r"\w", token) or token in QUESTION_WORDS:
            continue
        if _YEAR.match(token) or re.fullmatch(r"[a-z'\-]+", token):
            continue  # years are filters; English words were handled above
        if token in terms:
            continue
        weight = term_weight(token)
        forms = ZH_SYNONYMS.get(token, (token,))
        key = len(token) > 1 and token not in GENERIC and weight >= KEY_WEIGHT
        terms[token] = _Term(token, tuple(fold(f) for f in forms), weight, key)
    return list(terms.values())


def _words(text: str) -> list[str]:
    """jieba words; a word jieba guessed (not in its dictionary) that swallowed a
    particle ('数是' in 粉丝数是多少) is cut back into dictionary words."""
    tokenizer = segmenter()
    out: list[str] = []
    for token in tokenizer.lcut(text):
        token = token.strip()
        if len(token) > 1 and not tokenizer.FREQ.get(token) and any(ch in QUESTION_WORDS for ch in token):
            out.extend(t for t in tokenizer.lcut(token, HMM=False) if t.strip())
        else:
            out.append(token)
    return out


def _english_terms(text: str, terms: dict[str, _Term]) -> str:
    """Adds the EN_ZH phrases found in ``text``; returns the text without them."""
    text = text.replace("-", " ")
    for phrase in sorted(EN_ZH, key=len, reverse=True):
        pattern = r"\b" + re.escape(phrase.replace("-", " ")) + r"(?:s|es|d|ed)?\b"
        if re.search(pattern, text, re.I):
            forms = EN_ZH[phrase]
            weight = max(term_weight(forms[0]), 0.5)
            key = not any(f in GENERIC for f in forms)
            terms[phrase] = _Term(phrase, tuple(fold(f) for f in forms), weight, key)
            text = re.sub(pattern, " ", text, flags=re.I)
    return text


def _is_unit_noun(word: str) -> bool:
    """'items', 'accounts', 'people': what is counted, named by the unit, not a term."""
    return any(re.fullmatch(pattern, word) for pattern in _ASKED_UNIT_EN)


def expansions(question: str) -> list[str]:
    """Chinese words a lexical search should add: the EN_ZH spellings of an English
    question's phrases, and the synonyms (一是 for 第一个) of a Chinese one's words."""
    text = normalize_text(question).lower()
    if is_english(text):
        terms: dict[str, _Term] = {}
        _english_terms(text, terms)
        return list(dict.fromkeys(f for t in terms.values() for f in t.forms))
    out = [form for token in segmenter().lcut(text) for form in ZH_SYNONYMS.get(token, ())
           if form != token]
    return list(dict.fromkeys(out))


def asks_quantity(question: str) -> bool:
    return bool(_ASKS_QUANTITY_ZH.search(question) or _ASKS_QUANTITY_EN.search(question))


def asked_units(question: str) -> tuple[str, ...]:
    """Units the question names: 多少条 -> 条; 'how many items' -> 条, 件."""
    units = [m.group(1) for m in _ASKED_UNIT_ZH.finditer(question)]
    if is_english(question):
        for pattern, us in _ASKED_UNIT_EN.items():
            if re.search(pattern, question, re.I):
                units.extend(us)
    return tuple(dict.fromkeys(units))


@dataclass(frozen=True)
class Quantity:
    value: float | None
    unit: str  # '' for a bare count after 数/量/额 (粉丝数54373)
    start: int
    end: int


def quantities(sentence: str) -> list[Quantity]:
    """Each number with a unit (or after 数/量/额) in a sentence, in order."""
    found = {m.start(): Quantity(_to_float(m.group(1)), m.group(2), m.start(), m.end())
             for m in _QUANTITY.finditer(sentence)}
    for m in _BARE_COUNT.finditer(sentence):
        found.setdefault(m.start(1), Quantity(_to_float(m.group(1)), "", m.start(1), m.end()))
    return [found[pos] for pos in sorted(found)]


def _to_float(raw: str) -> float | None:
    value = parse_number(raw)
    return float(value) if value is not None else None


def described_by(sentence: str, value: float) -> str:
    """The clause before the first number of ``sentence`` equal to ``value``: the words that
    say what it counts ("全年主动公开政府信息2541条" -> "全年主动公开政府信息"); "" if absent."""
    found = quantities(sentence)
    for index, q in enumerate(found):
        if q.value == value:
            since = found[index - 1].end if index else 0
            return re.split(r"[，,；;：:。》]", sentence[since:q.start])[-1]
    return ""


def glossed(text: str, limit: int = 4) -> list[tuple[str, str]]:
    """Chinese words of ``text`` the English glossary names, in the order they appear, as
    (Chinese, English); a longer spelling wins over one inside it (政策解读 over 解读)."""
    english: dict[str, str] = {}
    for phrase, spellings in EN_ZH.items():
        for zh in spellings:
            if len(zh) >= 2:
                english.setdefault(zh, phrase)
    hits: list[tuple[int, int, str]] = []
    for zh in sorted(english, key=len, reverse=True):
        start = text.find(zh)
        if start >= 0 and not any(s <= start < e or start <= s < start + len(zh) for s, e, _ in hits):
            hits.append((start, start + len(zh), zh))
    return [(zh, english[zh]) for _, _, zh in sorted(hits)[:limit]]


def quantity_in(sentence: str, question: str) -> tuple[float, str] | None:
    """The number and unit of ``sentence`` most likely answering a quantity ``question``.

    A number is described by the words between it and the number before it
    ("...行政复议351件，其中结果维持72件": 行政复议 describes 351) and by those after
    it up to the next comma ("另有103件顺延到下年度答复"). Prefers a unit the
    question names, then the number whose description shares most with the
    question, then the first. None when the question asks no quantity.
    """
    found = [q for q in quantities(sentence) if q.value is not None]
    if not found or not asks_quantity(question):
        return None
    units = asked_units(question)
    terms = question_terms(question)

    def rank(index: int) -> tuple[float, int]:
        q = found[index]
        since = found[index - 1].end if index else 0
        wide = sentence[max(since, q.start - 30):q.start]
        # The clause right before the number describes it best ("…建议50件，主合办政协提案85件").
        near = re.split(r"[，,；;：:。》]", wide)[-1]
        # ...and the words after it up to the next number or comma ("103件顺延到下年度").
        until = found[index + 1].start if index + 1 < len(found) else len(sentence)
        after = re.split(r"[，,。；;（(]", sentence[q.end:until], maxsplit=1)[0]
        near, after, wide = fold(near), fold(after), fold(wide)
        score = 0.0
        for t in terms:
            if any(f in near or f in after for f in t.forms):
                score += t.weight
            elif any(f in wide for f in t.forms):
                score += 0.3 * t.weight
        return (score + (1.0 if q.unit in units else 0.0), -index)

    best = found[max(range(len(found)), key=rank)]
    return float(best.value), best.unit  # type: ignore[arg-type]


# ---------------------------------------------------------------- extraction


@dataclass(frozen=True)
class _Scored:
    sentence: str
    evidence: Evidence
    score: float
    coverage: float
    missing: tuple[_Term, ...]
    cosine: float | None
    checkable: bool = False  # some term has Chinese forms to look for


# The span a sentence must hold to answer a question of a given answer type.
ANSWER_SPANS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "phone": re.compile(r"(?<![\d-])(?:\(?0\d{2,3}\)?[-－—\s]?\d{7,8}|1[3-9]\d{9}|12345|400-?\d{3}-?\d{4})(?![\d])"),
    "url": re.compile(r"https?://[^\s，。；、）)]+|www\.[^\s，。；、）)]+|[\w-]+(?:\.[\w-]+)*\.(?:gov|com|org|net)\.cn[^\s，。；、）)]*"),
    "percent": re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之[零〇一二两三四五六七八九十百点]+"),
    "date": re.compile(r"(?:(?:19|20)\d\d年)?\d{1,2}月\d{1,2}日|(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}|(?:19|20)\d\d年\d{1,2}月"),
}


def answer_span(sentence: str, answer_type: str | None) -> str | None:
    """The part of ``sentence`` of the expected type (an address, a number, a date), if any."""
    pattern = ANSWER_SPANS.get(answer_type or "")
    m = pattern.search(sentence) if pattern else None
    return m.group(0).rstrip(".") if m else None


def extract_answer(question: str, hits: Sequence[Evidence], *, ignore: Sequence[str] = (),
                   embed: Callable[[list[str]], list] | None = None,
                   max_sentences: int = 2, answer_type: str | None = None) -> list[Extract]:
    """The best sentence(s) of ``hits`` that answer ``question``; [] when not confident.

    ``ignore``: strings the caller already filtered on (agency names, "2024年"): they
    are removed from the question before it is scored. ``embed``: the multilingual
    embedding function, for English questions over Chinese sentences.
    """
    cleaned = strip_ignored(question, ignore)
    terms = question_terms(cleaned)
    english = is_english(cleaned)
    keys = [t for t in terms if t.key]
    total = sum(t.weight for t in terms)
    if not keys and not (english and embed is not None):
        return []  # nothing specific asked (or nothing we can check)

    candidates: list[tuple[str, str, Evidence]] = []
    seen: set[str] = set()
    for hit in hits:
        for sentence, context in _sentences_in_context(hit.text):
            key = fold(sentence)
            if key not in seen:
                seen.add(key)
                candidates.append((sentence, fold(context), hit))
    if not candidates:
        return []

    spanned = answer_type in ANSWER_SPANS  # an email, phone, web address, percentage or date
    quantity = asks_quantity(cleaned) and not spanned
    units = asked_units(cleaned)
    person = bool(_ASKS_PERSON.search(cleaned)) or answer_type == "person"
    cosines = _cosines(cleaned, [s for s, _, _ in candidates], embed) if embed else None
    embed_weight = EMBED_WEIGHT_EN if english else EMBED_WEIGHT_ZH

    scored: list[_Scored] = []
    for i, (sentence, context, hit) in enumerate(candidates):
        folded = fold(sentence)
        inside = [t for t in terms if any(f in folded for f in t.forms)]
        # Terms only in the surrounding sentence count half, but do count as present.
        around = [t for t in terms if t not in inside and any(f in context for f in t.forms)]
        matched = sum(t.weight for t in inside) + 0.5 * sum(t.weight for t in around)
        coverage = matched / total if total else 0.0
        missing = tuple(t for t in keys if t not in inside and t not in around)
        score = coverage
        if quantity:
            found = quantities(sentence)
            if found:
                score += 0.25 + (0.1 if any(q.unit in units for q in found) else 0.0)
            elif not _NEGATION.search(sentence):
                continue  # a quantity question is not answered without a number (or a "none")
        if person:
            if not _PERSON.search(sentence):
                continue  # "who" is not answered by a sentence that names no one
            score += 0.15
        if spanned:
            if answer_span(sentence, answer_type) is None:
                continue  # an email is not answered by a sentence that holds none
            score += 0.25
        if cosines is not None:
            score += embed_weight * cosines[i]
        cosine = cosines[i] if cosines is not None else None
        scored.append(_Scored(sentence, hit, score, coverage, missing, cosine,
                              any(t.forms for t in terms)))

    accepted = [s for s in scored if _confident(s, keys, english, spanned)]
    accepted.sort(key=lambda s: -s.score)
    if not accepted:
        return []
    best = accepted[0].score
    # A second sentence only when it is nearly as good: usually it is a distractor.
    out = [s for s in accepted[:max_sentences] if s.score >= best - SECOND_MARGIN]
    return [Extract(s.sentence, s.evidence, round(s.score, 4)) for s in out]


def _confident(s: _Scored, keys: list[_Term], english: bool, spanned: bool = False) -> bool:
    if spanned and keys:
        # The sentence holds what the question's type asks for (an email, a date …): its
        # topic words need only be there in part.
        return len(s.missing) <= 1 and not any(t.weight >= RARE_WEIGHT for t in s.missing) \
            and s.coverage >= SPANNED_COVERAGE
    if keys:
        # Every salient term must be in the sentence; a long question may miss one,
        # but never a rare one (新闻发布会, 访问量): that is what it asks about.
        if len(s.missing) > (1 if len(keys) >= 4 else 0):
            return False
        if any(t.weight >= RARE_WEIGHT for t in s.missing):
            return False
        return s.coverage >= MIN_COVERAGE
    # An English question with no salient term: half of its words the dictionary puts into
    # Chinese must be in the sentence; with none the dictionary knows, the embedding decides.
    if english and s.checkable:
        if s.coverage >= MIN_EN_TERM_COVERAGE:
            return s.cosine is None or s.cosine >= 0
        # Fewer found: the embedding must agree, and some word must be there.
        return s.cosine is not None and s.cosine >= MIN_EN_COSINE and s.coverage >= MIN_EN_TERM_COVERAGE / 2
    return english and s.cosine is not None and s.cosine >= MIN_EN_COSINE


def _cosines(question: str, sentences: list[str], embed: Callable[[list[str]], list]) -> list[float]:
    vectors = np.asarray(embed([question, *sentences]), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1.0
    vectors = vectors / norms[:, None]
    return [float(x) for x in vectors[1:] @ vectors[0]]
