"""Text utilities both sides use: folding, numbers, language, words, text that addresses a model.

Pure functions over strings (jieba's dictionaries are read once, lazily).

- Folding: :func:`normalize_text` (NFKC, radical look-alikes), :func:`fold_label` (as the
  template data spells labels), :func:`fold` (for matching a question against a sentence).
- Numbers: a number can be written with Arabic digits (3,119 · ３１１９ · 61.72), with
  Chinese numerals (七十二 · 九千九百九十九 · 二〇一九), or with a magnitude (3.2万 · 1.5亿).
  :func:`parse_number` reads one such token; :func:`numbers_in` finds every number a text states.
- Language: :func:`language_of` a question or passage.
- Words: :func:`segmenter` (jieba with the template's words), :func:`search_tokens`.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

from .domain import words

Language = Literal["zh", "en"]

# ---------------------------------------------------------------- folding

# CJK Radicals Supplement characters that NFKC leaves alone but browsers' PDF
# printing emits in place of the ordinary character.
_RADICALS = {
    "⺠": "民", "⻓": "长", "⻔": "门", "⻅": "见", "⻛": "风", "⻋": "车", "⻚": "页",
    "⻜": "飞", "⻢": "马", "⻥": "鱼", "⻦": "鸟", "⻩": "黄", "⻰": "龙", "⻬": "齐",
    "⻉": "贝", "⻈": "讠", "⻆": "角", "⻄": "西", "⻘": "青", "⻝": "食", "⻨": "麦",
    "⻮": "齿", "⻪": "黾", "⺟": "母", "⺢": "水", "⺮": "竹", "⻗": "雨", "⻁": "虎",
    "⻂": "衣", "⺁": "厂", "⺇": "几", "⺊": "卜", "⺌": "小", "⺍": "小", "⺕": "彐",
    "⺗": "心", "⺝": "月", "⺤": "爪", "⺧": "牛", "⺨": "犬", "⺩": "王", "⺫": "目",
    "⺬": "示", "⺯": "糸", "⺰": "纟", "⺳": "网", "⺶": "羊", "⺷": "羊", "⺹": "老",
    "⺻": "聿", "⺼": "肉", "⻊": "足", "⻏": "阝", "⻖": "阝", "⻟": "食", "⻤": "鬼",
    "⻧": "麦", "⻯": "龙", "⻳": "龟",
}
_RADICAL_TABLE = str.maketrans(_RADICALS)
# NFKC turns these into ASCII, which breaks the look of Chinese labels and
# makes "（一）" and "(一)" differ; fold them back to full width.
_FULLWIDTH = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"})
_MARKUP = re.compile(r"[\s*_`]+")
_PUNCTUATION = re.compile(r"[\s，,。：:“”\"'（）()]+")


def normalize_text(text: str) -> str:
    """NFKC, CJK radical look-alikes, full-width brackets; keeps line breaks."""
    text = unicodedata.normalize("NFKC", text).translate(_RADICAL_TABLE)
    text = text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    return text


def fold_keep_spaces(text: str) -> str:
    """Like fold_label, but spaces stay: they separate run-together table cells."""
    return normalize_text(text).translate(_FULLWIDTH)


def fold_label(text: str) -> str:
    """A label as the template data spells it: no spaces, full-width brackets."""
    return re.sub(r"\s+", "", fold_keep_spaces(text))


def fold(text: str, *, punctuation: bool = False) -> str:
    """Text for matching: NFKC, lower case, no spaces, no markdown emphasis; with
    ``punctuation`` also no commas, stops, colons, quotes or brackets."""
    folded = _MARKUP.sub("", normalize_text(text).lower())
    return _PUNCTUATION.sub("", folded) if punctuation else folded


# ---------------------------------------------------------------- language

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: str) -> Language:
    """English when Latin letters outnumber Chinese characters two to one."""
    return "en" if len(_LATIN.findall(text)) > 2 * len(_HAN.findall(text)) else "zh"


# ---------------------------------------------------------------- numbers

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
             "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
             "九": 9, "玖": 9}
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS = "".join([*CN_DIGITS, *CN_SMALL_UNITS, *CN_BIG_UNITS])

# What a count is counted in, after its number: 34件, 72人次, 61.72万元, 5门.
COUNT_UNITS = ("万人次", "人次", "万元", "亿元", "元", "批次", "个工作日", "工作日", "个", "件", "条",
               "次", "人", "篇", "天", "项", "名", "场", "期", "家", "份", "户", "起", "所", "部",
               "册", "种", "类", "处", "位", "门", "%", "％")
# ... and dates: a Chinese numeral followed by any of these is a stated number (五件, 三年).
MEASURE_WORDS = (*COUNT_UNITS, "年", "月", "日")

_ARABIC = re.compile(r"(?<![\d.])(\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])\s*([万萬亿億])?")
_CHINESE = re.compile(rf"[{_CN_CHARS}]+")


def chinese_numeral(text: str) -> int | None:
    """七十二 -> 72, 九千九百九十九 -> 9999, 一亿二千万 -> 120000000, 二〇一九 -> 2019; None if not one."""
    if not text or any(ch not in _CN_CHARS for ch in text):
        return None
    if all(ch in CN_DIGITS for ch in text):  # read digit by digit: 二〇一九
        return int("".join(str(CN_DIGITS[ch]) for ch in text)) if len(text) > 1 or text in CN_DIGITS else None
    total = 0  # completed 亿 groups
    group = 0  # completed 万 groups inside the current 亿 group
    section = 0  # below 万
    digit: int | None = None
    for ch in text:
        if ch in CN_DIGITS:
            if digit is not None and CN_DIGITS[ch] != 0:
                return None  # 二三 inside a numeral with units: not a number
            digit = CN_DIGITS[ch] if CN_DIGITS[ch] != 0 else digit
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        elif CN_BIG_UNITS[ch] == 10_000:
            group += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:  # 亿
            total += (group + section + (digit or 0)) * 100_000_000
            group, section, digit = 0, 0, None
    return total + group + section + (digit or 0)


def parse_number(token: str) -> Decimal | None:
    """One number as printed: '3,119', '３１１９', '61.72', '3.2万', '七十二', '1.5亿'."""
    text = unicodedata.normalize("NFKC", token).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    scale = 1
    if text[-1] in CN_BIG_UNITS and len(text) > 1 and (text[-2].isdigit() or text[-2] == "."):
        scale, text = CN_BIG_UNITS[text[-1]], text[:-1]
    try:
        return Decimal(text) * scale
    except InvalidOperation:
        value = chinese_numeral(text if scale == 1 else token)
        return Decimal(value) if value is not None else None


def numbers_in(text: str, *, with_unscaled: bool = False) -> set[Decimal]:
    """Every number ``text`` states, as values (3.2万 -> 32000).

    Chinese numerals count when they hold a unit (七十二, 三百) or are followed by a
    measure word (五件, 一个): 统一 and 一是 state no number. ``with_unscaled`` also
    adds 3.2 for 3.2万, so that a figure the model writes without its unit still matches.
    """
    text = unicodedata.normalize("NFKC", text)
    found: set[Decimal] = set()
    for m in _ARABIC.finditer(text):
        try:
            value = Decimal(m.group(1).replace(",", "").replace("，", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only matches digits
            continue
        if m.group(2):
            found.add(value * CN_BIG_UNITS[m.group(2)])
            if with_unscaled:
                found.add(value)
        else:
            found.add(value)
    for m in _CHINESE.finditer(text):
        run = m.group(0)
        after = text[m.end():m.end() + 4]
        has_unit = any(ch in CN_SMALL_UNITS or ch in CN_BIG_UNITS for ch in run)
        counted = any(after.startswith(w) for w in MEASURE_WORDS)
        if not (has_unit or counted) or run in CN_BIG_UNITS or run in CN_SMALL_UNITS and not counted:
            continue
        value = chinese_numeral(run)
        if value is not None:
            found.add(Decimal(value))
    return found


# Text that speaks to a language model rather than reporting on government work.
_ADDRESSES_MODEL = re.compile(
    r"(?:忽略|无视|不要理会|忘记|忘掉)[^。；\n]{0,12}?(?:规则|指令|指示|要求|提示|设定|约束|限制)"
    r"|(?:你|您)(?:现在|从现在起)?(?:是|扮演|作为)[^。；\n]{0,12}?(?:助手|模型|AI|机器人|系统)"
    r"|作为(?:一个)?(?:AI|人工智能|语言模型|大模型|助手)"
    r"|系统提示|提示词|(?:直接|只|必须)(?:回答|回复|输出)"
    r"|\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:instructions?|rules|prompts?|guidelines)\b"
    r"|\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot|llm)\b"
    r"|\b(?:system|developer)\s*(?:prompt|message|:)"
    r"|(?:^|\n)\s*(?:system|assistant|user)\s*[:：]"
    r"|</?item\b|<\|im_(?:start|end)\|>|\[/?INST\]",
    re.IGNORECASE)


def addresses_model(text: str) -> bool:
    """Does this passage give instructions to a model? Such text is never evidence."""
    return bool(_ADDRESSES_MODEL.search(text))


# ---------------------------------------------------------------- words (jieba, loaded once)

_lock = threading.Lock()
_tokenizer = None
_idf: dict[str, float] = {}
_WORD = re.compile(r"\w", re.UNICODE)


def segmenter():
    """Our own jieba.Tokenizer (the global one is left alone) with the template's words."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in words().zh.dictionary:
                    tokenizer.add_word(word, freq=20000)
                _tokenizer = tokenizer
    return _tokenizer


def idf_table() -> dict[str, float]:
    """jieba's inverse document frequencies (how rare a word is in general Chinese)."""
    global _idf
    if not _idf:
        with _lock:
            if not _idf:
                import jieba.analyse

                _idf = dict(jieba.analyse.default_tfidf.idf_freq)
    return _idf


def search_tokens(text: str) -> list[str]:
    """Keyword-search tokens: jieba search-mode pieces of normalised, lower-cased text,
    without punctuation, whitespace and closed-class words; ASCII words and numbers kept."""
    closed = _search_stopwords()
    return [t for t in (tok.strip() for tok in segmenter().lcut_for_search(normalize_text(text).lower()))
            if t and _WORD.search(t) and t not in closed]


def _search_stopwords() -> frozenset[str]:
    vocabulary = words()
    return vocabulary.zh.closed | vocabulary.zh.asks_other | vocabulary.en.closed
