"""Understanding a question: which agencies, which years, which cells, which operation.

Pure functions over the question text and a Catalog of what is ingested. The
vocabulary (row and column names, English phrases, organ names) is data in
ingest.template; this module only applies it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from ingest import template as tpl
from ingest.normalize import fold_label, normalize_text
from ingest.recognize import short_names, split_place

Operation = Literal["lookup", "sum", "diff", "rank", "share", "rate", "check"]


# ---------------------------------------------------------------- catalog


@dataclass(frozen=True)
class CatalogEntry:
    report_id: str
    agency: str
    year: int | None
    template: str | None
    source_file: str
    short_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """The reports a question can be about (duplicates excluded)."""

    entries: tuple[CatalogEntry, ...]

    @cached_property
    def agencies(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.agency for e in self.entries))

    @cached_property
    def name_owners(self) -> dict[str, frozenset[str]]:
        """Every name and short form people may use -> the agencies it can mean."""
        owners: dict[str, set[str]] = {}
        for entry in self.entries:
            for form in _name_forms(entry.agency, entry.short_names):
                if len(form) >= 2:
                    owners.setdefault(form, set()).add(entry.agency)
        return {form: frozenset(agencies) for form, agencies in owners.items()}

    @cached_property
    def place_pinyin(self) -> dict[str, str]:
        """Agency -> the pinyin of its place stem (淮安市人民政府 -> huaian)."""
        return {a: _pinyin(_place_stem(a)) for a in self.agencies if _place_stem(a)}

    def years(self, agency: str | None = None) -> tuple[int, ...]:
        return tuple(sorted({e.year for e in self.entries
                             if e.year is not None and (agency is None or e.agency == agency)}))

    def entry(self, agency: str, year: int) -> CatalogEntry | None:
        return next((e for e in self.entries if e.agency == agency and e.year == year), None)

    def report_ids(self, agencies: Sequence[str] = (), years: Sequence[int] = ()) -> list[str]:
        return [e.report_id for e in self.entries
                if (not agencies or e.agency in agencies) and (not years or e.year in years)]


# ---------------------------------------------------------------- the parsed question


@dataclass(frozen=True)
class Metric:
    """Cells of one table: the sum of rows x columns. No columns = the row's default."""

    table: str
    rows: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def _group(self) -> tuple[str, str] | None:
        """The printed name of a group of rows: （三）不予公开, or 行政诉讼 for both lawsuit rows."""
        if self.table == tpl.T4 and len(self.rows) == 2:
            return "行政诉讼", "administrative litigation"
        for key, rows in tpl.T3_DISPOSITION_GROUPS.items():
            if self.table == tpl.T3 and self.rows == rows and len(rows) > 1:
                return tpl.T3_GROUP_LABELS[key]
        return None

    @property
    def label(self) -> str:
        group = self._group()
        return group[0] if group else "、".join(tpl.row(self.table, r).zh for r in self.rows)

    @property
    def label_en(self) -> str:
        group = self._group()
        return group[1] if group else ", ".join(tpl.row(self.table, r).en for r in self.rows)


@dataclass(frozen=True)
class Query:
    text: str
    language: Literal["zh", "en"]
    agencies: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, ...], ...] = ()  # names that match several agencies
    unknown_agency: str | None = None  # named in the question, not ingested
    years: tuple[int, ...] = ()
    subject_year: int | None = None  # "2022年比2021年": the year being compared
    metrics: tuple[Metric, ...] = ()
    operation: Operation = "lookup"
    descending: bool = True
    top_n: int | None = None
    mentions: tuple[str, ...] = field(default=())  # text spans explained by the parse
    residual: tuple[str, ...] = ()  # content words the parse did not explain


# ---------------------------------------------------------------- helpers


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
               "九": 9, "十": 10}
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10}


def language_of(text: str) -> Literal["zh", "en"]:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 2 * cjk else "zh"


@dataclass
class _Spans:
    """Non-overlapping matches, longest first."""

    taken: list[tuple[int, int]] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))


def _matches(text: str, patterns: Iterable[tuple[str, object]]) -> list[tuple[int, int, object]]:
    found = []
    for pattern, payload in patterns:
        for m in re.finditer(pattern, text):
            if m.end() > m.start():
                found.append((m.start(), m.end(), payload))
    return found


def _longest_first(found: list[tuple[int, int, object]], spans: _Spans) -> list[tuple[int, int, object]]:
    kept = []
    for start, end, payload in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if spans.free(start, end):
            spans.take(start, end)
            kept.append((start, end, payload))
    return sorted(kept, key=lambda f: f[0])


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


# ---------------------------------------------------------------- agencies


def _name_forms(agency: str, stored: Sequence[str]) -> list[str]:
    return [agency, *stored, *short_names(agency)]


def find_agencies(text: str, catalog: Catalog, spans: _Spans) -> tuple[list[str], list[tuple[str, ...]]]:
    """Agencies named in a Chinese question: full names and the short forms people use."""
    owners = catalog.name_owners
    longest = max(map(len, owners), default=0)
    # Every substring looked up in the name table: fast for any number of agencies.
    spans_found = [(a, b, text[a:b]) for a in range(len(text))
                   for b in range(a + 2, min(len(text), a + longest) + 1) if text[a:b] in owners]
    found = [(a, b, form) for a, b, form in spans_found
             if not _inside_other_name(text, a, form) and not _continues_as_organ(text, b, owners)]
    named: list[str] = []
    ambiguous: list[tuple[str, ...]] = []
    for _, _, form in _longest_first(found, spans):
        agencies = sorted(owners[str(form)])
        if len(agencies) == 1:
            named.append(agencies[0])
        else:
            ambiguous.append(tuple(agencies))
    return list(dict.fromkeys(named)), ambiguous


_LEVEL_START = tuple(tpl.ADMIN_LEVEL_SUFFIXES)
_BEFORE_NAME_OK = set("年的和与及、，。：:是在按请问据对从向 ")


def _inside_other_name(text: str, start: int, form: str) -> bool:
    """'市教育局' inside '北京市教育局' names Beijing's bureau, not ours."""
    if not form.startswith(_LEVEL_START) or start == 0:
        return False
    before = text[start - 1]
    return bool(re.match(r"[\u4e00-\u9fff]", before)) and before not in _BEFORE_NAME_OK


_ORGAN_AFTER = re.compile(r"^[\u4e00-\u9fff]{0,6}?(?:局|委员会|委(?!托)|厅|办公室|办公厅|管委会|政府(?!信息))")


def _continues_as_organ(text: str, end: int, known_names: Iterable[str]) -> bool:
    """'淮安市' in '淮安市教育局…' names another organ of that place, not 淮安市人民政府
    (unless what follows is itself a known name: '淮安市人民政府和淮安市教育局')."""
    head = re.split(r"[\d，。？?、,.\s：:]|年", text[end:], maxsplit=1)[0]
    m = _ORGAN_AFTER.match(head)
    return bool(m) and not any(name in m.group(0)[1:] for name in known_names if len(name) >= 3)


_EN_ORGAN = re.compile(r"\b(?:municipal|county|provincial|district|city|people's|peoples|government|"
                       r"bureau|commission|committee|office|department|ministry|administration)\b",
                       re.IGNORECASE)
_EN_COMMON = {"how", "what", "which", "who", "when", "where", "did", "does", "do", "was", "were", "is",
              "in", "the", "according", "from", "for", "of", "and", "or", "a", "an", "to", "at",
              "municipal", "county", "provincial", "district", "city", "people", "peoples",
              "government", "bureau", "commission", "committee", "office", "department",
              "education", "development", "reform", "science", "technology", "administrative",
              "general", "management", "ecology", "environment", "information", "disclosure"}


def unknown_agency_en(text: str, catalog: Catalog) -> str | None:
    """A capitalised place before an organ word ('Beijing Municipal Education Bureau') not ingested."""
    known = set(catalog.place_pinyin.values())
    for m in re.finditer(r"\b([A-Z][a-z]+(?:['’][a-z]+)?)\b", text):
        word = re.sub(r"['’]s$", "", m.group(1))
        plain = re.sub(r"['’]", "", word).lower()
        if plain in _EN_COMMON or plain in known:
            continue
        if _EN_ORGAN.search(text[m.end(): m.end() + 40]):
            return word
    return None


def _plain_en(text: str) -> str:
    """Lower case without possessives, apostrophes and hyphens: "Huai'an's" -> "huaian"."""
    return re.sub(r"['’\-]", "", re.sub(r"['’]s\b", "", text.lower()))


def _place_stem(agency: str) -> str:
    place, _ = split_place(agency)
    level = next((s for s in tpl.ADMIN_LEVEL_SUFFIXES if place.endswith(s)), "")
    return place[: -len(level)] if level and len(place) > len(level) + 1 else place


def find_agencies_en(text: str, catalog: Catalog) -> tuple[list[str], list[tuple[str, ...]], str | None]:
    """Agencies named in English: the place by its pinyin, the organ by its English name.

    Returns named agencies, ambiguous groups, and a place+organ named that is not ingested
    ("Huai'an Education Bureau" when only Huai'an's government is)."""
    plain = _plain_en(text)
    by_place: dict[str, list[str]] = {}
    words = set(re.findall(r"[a-z]+", plain))
    for agency, pinyin in catalog.place_pinyin.items():
        if pinyin in words:
            by_place.setdefault(pinyin, []).append(agency)
    organ_asked = _specific_organ_named(plain)
    named, ambiguous, unknown = [], [], None
    for stem, candidates in by_place.items():
        chosen = [a for a in candidates if _organ_named(a, plain)]
        if not chosen and organ_asked:
            unknown = f"{stem.capitalize()} {organ_asked}"
            continue
        if not chosen:
            governments = [a for a in candidates if split_place(a)[1] in ("人民政府", "管委会", "管理委员会")]
            chosen = governments or candidates
        if len(chosen) == 1:
            named.append(chosen[0])
        else:
            ambiguous.append(tuple(sorted(chosen)))
    return named, ambiguous, unknown


def _specific_organ_named(plain_text: str) -> str | None:
    """An organ named in English other than a bare 'government' (education bureau, DRC...)."""
    for names in tpl.ORGAN_NAMES_EN.values():
        for name in names:
            if name != "government" and re.search(rf"\b{re.escape(_plain_en(name))}\b", plain_text):
                return name
    return None


def _organ_named(agency: str, plain_text: str) -> bool:
    _, organ = split_place(agency)
    for suffix, names in tpl.ORGAN_NAMES_EN.items():
        if organ.endswith(suffix):
            generic = suffix == "人民政府"
            plain_names = [_plain_en(n) for n in names if not (generic and n == "government")]
            return any(re.search(rf"\b{re.escape(n)}\b", plain_text) for n in plain_names)
    return False


_UNKNOWN_AGENCY = re.compile(
    r"(?<![全本该我各])([\u4e00-\u9fff]{2,6}?(?:省|市|县|区|州|旗|镇|乡|街道))"
    r"(?:人民政府|政府|[\u4e00-\u9fff]{0,8}?(?:局|委员会|委|厅|办公室|办|管委会))?")


def unknown_agency(text: str, spans: _Spans) -> str | None:
    """A place or organ named in the question that no ingested report belongs to."""
    for m in _UNKNOWN_AGENCY.finditer(text):
        name = re.sub(r"^.*?年度?", "", m.group(0))  # "去年北京市…" -> "北京市…"
        if (spans.free(m.start(), m.end()) and len(name) >= 3
                and not re.match(r"^(?:城市|地市|县市|市县|省市)", name)):
            return name
    return None


# ---------------------------------------------------------------- years


def find_years(text: str, catalog: Catalog, agencies: Sequence[str],
               spans: _Spans) -> tuple[list[int], int | None]:
    """Statistics years named in the question, and the year being compared, if any."""
    converted = re.sub(r"[〇零一二三四五六七八九]{4}(?=年)",
                       lambda m: m.group(0).translate(_CN_DIGITS), text)
    known = [y for a in agencies for y in catalog.years(a)] or list(catalog.years())
    newest = max(known) if known else None
    years: list[int] = []

    def add(year: int, start: int, end: int) -> None:
        spans.take(start, end)
        if year not in years:
            years.append(year)

    for m in re.finditer(r"((?:19|20)\d\d)\s*年?\s*(?:至|到|-|—|–|~|to|through|until)\s*((?:19|20)\d\d)",
                         converted, flags=re.IGNORECASE):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        for y in range(a, b + 1):
            add(y, m.start(), m.end())
    for m in re.finditer(r"(?<![\d.])((?:19|20)\d\d)(?![\d.])(?:年度?)?", converted):
        if spans.free(m.start(), m.end()):
            add(int(m.group(1)), m.start(), m.end())
    recent = re.search(r"(?:近|最近|过去)([一二两三四五六七八九十\d])年|(?:last|past) (\w+) years",
                       text, flags=re.IGNORECASE)
    if recent and newest:
        word = (recent.group(1) or recent.group(2)).lower()
        n = int(word) if word.isdigit() else _CN_NUMBERS.get(word) or _EN_NUMBERS.get(word, 0)
        for y in range(newest - n + 1, newest + 1):
            add(y, recent.start(), recent.end())
    comparing = bool(re.search(r"比|同比|较|than|compared|from", text, flags=re.IGNORECASE))
    for pattern, offset in ((r"前年|the year before last", -1), (r"去年|last year", 0),
                            (r"今年", 1)):  # English "this year" is in labels ("issued this year")
        m = re.search(pattern, text, flags=re.IGNORECASE)
        if m and newest and spans.free(m.start(), m.end()):
            spans.take(m.start(), m.end())
            # 去年 is the newest report's year; "比去年" compares with the year before.
            if comparing and offset == 0 and years:
                continue
            add(newest + offset, m.start(), m.end())
    subject = None
    order = re.search(r"((?:19|20)\d\d)\D{0,40}?(?:比|较|than|compared (?:with|to))\D{0,12}?((?:19|20)\d\d)",
                      converted, flags=re.IGNORECASE)
    if order:
        subject = int(order.group(1))
    return years, subject


# ---------------------------------------------------------------- metrics


def _term_patterns(terms: Sequence[tpl.Term], language: str) -> list[tuple[str, tpl.Term]]:
    out = []
    for term in terms:
        patterns = term.zh if language == "zh" else term.en
        out += [(p, term) for p in patterns]
    return out


def find_metrics(text: str, language: str, spans: _Spans) -> list[Metric]:
    """Rows and columns named in the question, combined into metrics."""
    haystack = text if language == "zh" else text.lower()
    # Rows and columns interleave ("对外公开的规范性文件总数"): each kind competes only with itself.
    row_spans, col_spans = _Spans(list(spans.taken)), _Spans(list(spans.taken))
    row_hits = _longest_first(_matches(haystack, _term_patterns(tpl.ROW_TERMS, language)), row_spans)
    col_hits = _longest_first(_matches(haystack, _term_patterns(tpl.COLUMN_TERMS, language)), col_spans)
    # A column word inside a row label ("3.其他") is part of the row.
    col_hits = [(a, b, t) for a, b, t in col_hits if not any(ra <= a and b <= rb for ra, rb, _ in row_hits)]
    for start, end, _ in row_hits + col_hits:
        spans.take(start, end)
    row_terms: list[tpl.Term] = []
    for _, _, term in row_hits:
        if term not in row_terms:
            row_terms.append(term)  # type: ignore[arg-type]
    # A narrower term beats a broader one of the same table (无法提供 + 不掌握 -> 不掌握).
    row_terms = [t for t in row_terms
                 if not any(o is not t and o.table == t.table and set(o.rows) < set(t.rows)
                            for o in row_terms)]
    col_terms = [term for _, _, term in col_hits]
    metrics = []
    for term in row_terms:
        columns: list[str] = []
        for col_term in col_terms:
            if col_term.table != term.table:  # type: ignore[attr-defined]
                continue
            for c in col_term.columns:  # type: ignore[attr-defined]
                if term.table != tpl.T2 or any(c in tpl.row(tpl.T2, r).columns for r in term.rows):
                    if c not in columns:
                        columns.append(c)
        if len(columns) > 1 and "total" in columns:
            columns.remove("total")
        if not columns and term.default_column:
            columns = [term.default_column]
        metric = Metric(term.table, term.rows, tuple(columns))
        if metric not in metrics:
            metrics.append(metric)
    # Two T4 terms (复议 and 诉讼) are two metrics; the same rows twice are one.
    return metrics


# ---------------------------------------------------------------- operation

_OPERATIONS: tuple[tuple[Operation, str], ...] = (
    ("check", r"自洽|勾稽|加起来对|对得上|对不上|是否一致|不一致|矛盾|有没有错|数据有误|算错|核对|校验|"
              r"add up|adds up|consistent|inconsisten|contradict|errors? in|mistakes?"),
    ("rate", r"公开率|disclosure rate|grant rate"),
    ("share", r"占比|比例|比重|百分之|占[^，。？?]{0,12}(?:多少|几成|%)|percent|share of|proportion|what fraction"),
    ("rank", r"最多|最少|最高|最低|最大|最小|排名|排序|排行|前[一二三四五六七八九十\d]+(?:名|位|个)?|哪个|哪家|哪一|哪些|"
             r"\btop\b|\bmost\b|\bfewest\b|\bleast\b|highest|lowest|largest|smallest|\brank|\bwhich\b"),
    ("diff", r"多还是少|差多少|相差|差距|差值|比[^，。？?]{1,20}?(?:多|少|增|减|高|低)|增长|增加|减少|下降|上升|变化|同比|环比|"
             r"more or fewer|more or less|difference|\bchange|increas|decreas|compared|\bthan\b|grow|\brise\b|\bfell\b|\bdrop"),
    ("sum", r"一共|合计|共计|总共|加起来|累计|总和|两年|三年|combined|together|altogether|\bsum\b|in total"),
)


def find_operation(text: str) -> tuple[Operation, bool, int | None]:
    lowered = text.lower()
    for operation, pattern in _OPERATIONS:
        if re.search(pattern, lowered):
            descending = not re.search(r"最少|最低|最小|fewest|least|lowest|smallest", lowered)
            top = re.search(r"前([一二两三四五六七八九十\d]+)|top (\d+|\w+)", lowered)
            n = None
            if top:
                word = top.group(1) or top.group(2)
                n = int(word) if word.isdigit() else _CN_NUMBERS.get(word) or _EN_NUMBERS.get(word)
            return operation, descending, n
    return "lookup", True, None


# ---------------------------------------------------------------- residual words

_FILLER = frozenset("""
政府信息公开 信息公开 政府信息 依申请公开 依申请 公开工作 年度报告 工作年度 年报 报告 统计 数据 情况 多少 几件 几个 几项
是否 是 的 了 有 共 总 件 项 个 数量 数 年度 年底 年末 截至 截止 全年 本年 本年度 其中 里 中 因 而 被 为 在 和 与 及 或
对 请问 呢 吗 各 各类 涉及 关于 方面 提出 作出 作了 做出 出了 单位 机关 部门 本机关 该 这 哪 那 上 下 底 分别 是什么
什么 怎样 如何 申请 公开 处理 结果 办理 之 相关 所有 全部 一共 合计 总计 共计 总共 加起来 年 多 少 比 还是 差 最 进行
获得 收到 受理 新收 当年 实际 具体 已 就 都 到 从 对外 人 月 日 号 是从 过来 年报里 一年 这一 工作 一下 共有 总数
""".split())


def residual_words(text: str, spans: _Spans) -> list[str]:
    """Words of a Chinese question left once agencies, years, metrics, operations and filler go."""
    from .extract import segmenter

    chars = list(text)
    for start, end in spans.taken:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    rest = "".join(chars)
    for _, pattern in _OPERATIONS:
        rest = re.sub(pattern, " ", rest)
    return [w for w in segmenter().lcut(rest)
            if len(w) >= 2 and w not in _FILLER and re.search(r"[\u4e00-\u9fff]", w)]


# ---------------------------------------------------------------- entry point


def parse_question(question: str, catalog: Catalog, *, agency: str | None = None,
                   year: int | None = None) -> Query:
    """Parse a question against what is ingested. ``agency``/``year`` are explicit filters."""
    language = language_of(question)
    text = fold_label(question) if language == "zh" else normalize_text(question)
    spans = _Spans()
    if language == "zh":
        named, ambiguous = find_agencies(text, catalog, spans)
    else:
        named, ambiguous, unknown_en = find_agencies_en(text, catalog)
        # Chinese names inside an English question still count.
        zh_named, zh_ambiguous = find_agencies(text, catalog, spans)
        named = list(dict.fromkeys(named + zh_named))
        ambiguous += zh_ambiguous
    if agency:
        named = [a for a in catalog.agencies if a == agency or agency in _name_forms(a, ())] or [agency]
        ambiguous = []
    unknown = None
    if not named and not ambiguous:
        unknown = (unknown_agency(text, spans) if language == "zh"
                   else unknown_en or unknown_agency_en(text, catalog))
    years, subject = find_years(text, catalog, named, spans)
    if year is not None:
        years = [year]
    metrics = find_metrics(text, language, spans)
    operation, descending, top_n = find_operation(text)
    if operation == "rate" and not metrics:
        granted, _ = tpl.DISCLOSURE_RATE
        metrics = [Metric(tpl.T3, granted, ("total",))]
    residual = residual_words(text, spans) if language == "zh" else []
    labels = "".join(tpl.row(m.table, r).zh + "".join(tpl.row(m.table, r).aliases)
                     for m in metrics for r in m.rows)
    residual = [w for w in residual if w not in labels]
    return Query(text=question, language=language, agencies=tuple(named),
                 ambiguous=tuple(ambiguous), unknown_agency=unknown, years=tuple(years),
                 subject_year=subject, metrics=tuple(metrics), operation=operation,
                 descending=descending, top_n=top_n,
                 mentions=tuple(text[a:b] for a, b in spans.taken), residual=tuple(residual))
