"""Agencies named in a question: places from the national gazetteer, organs after them.

A mention resolves to the ingested agencies it means, or says that the agency it
names (a real place, or an organ of an ingested place) is not ingested and which
agencies of that place are. Rules:

- A place is a division of the gazetteer (淮安市, 淮安区, 沭阳, Huai'an) or a zone an
  ingested agency belongs to (平潭综合实验区). Sibling places never stand for each other:
  淮安区 is not 淮安市.
- An organ after the place (公安局, 政府办公厅, "Public Security Bureau") picks that
  organ of the place; a place named alone means its government (人民政府, a zone's
  管委会, a street's 办事处).
- Names of ingested agencies whose place no gazetteer knows (fictional sample agencies)
  are found by their printed name and short forms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product

from ingest.agency import corrections_for
from ingest.domain import organ_data
from ingest.gazetteer import COUNTY, TOWN, Division, Gazetteer, stem_of

from .catalog import Catalog
from .spans import Spans

GOVERNMENT_ORGANS = ("人民政府", "管理委员会", "办事处")
_LEVEL_ZH = ("省", "市", "县", "区", "州", "旗", "盟", "镇", "乡", "街道", "自治区", "自治州", "自治县")
_ORGAN_HEADS = ("委员会", "管委会", "办公厅", "办公室", "办事处", "局", "委", "厅", "办", "署", "中心", "政府")
_GENERIC_ORGAN = re.compile(rf"^[\u4e00-\u9fff]{{0,10}}?(?:{'|'.join(_ORGAN_HEADS)})")
_AFTER_SHORT = re.compile(rf"^(?:$|[\d，。？?、,.\s：:（(的和与及年]|{'|'.join(_LEVEL_ZH)})")


@dataclass(frozen=True)
class AgencyMention:
    """An agency named in the question."""

    start: int
    end: int
    agencies: tuple[str, ...]  # ingested agencies it means; several = ambiguous
    missing: str | None = None  # the agency it names is not ingested: as the question names it
    available: tuple[str, ...] = ()  # ingested agencies of that place, for the refusal
    text: str = ""
    group: bool = False  # every agency of the place (各部门, "all Pingtan agencies"): all of them meant


# ---------------------------------------------------------------- organs


def _organ_printings(organ: str) -> tuple[str, ...]:
    data = organ_data()
    printings = list(data.printings(organ))
    for entry in data.organs:
        if entry.name == organ:
            printings += entry.aliases
    return tuple(dict.fromkeys(printings))


def _abbreviates(asked: str, organ: str) -> bool:
    """交通局 abbreviates 交通运输局 (the same head, every character in order); 公安 is 公安局
    without its head."""
    if organ.startswith(asked) and organ[len(asked):] in _ORGAN_HEADS and not asked.endswith(_ORGAN_HEADS):
        return True
    if len(asked) >= len(organ) or asked[-1] != organ[-1] or len(asked) < 3:
        return False
    rest = iter(organ)
    return all(ch in rest for ch in asked)


def _same_organ(asked: str, organ: str) -> bool:
    data = organ_data()
    return data.canonical(asked) == data.canonical(organ)


def _organ_at(text: str, at: int, candidates: Iterable[str], spans: Spans,
              cells: Spans | None = None) -> str | None:
    """The organ printed at ``at``: an ingested organ of the place, a known organ, or any
    name ending like an organ that does not run into a table term (``cells``)."""
    rest = text[at:]
    # An ingested organ without its head (平潭公安 for 公安局, 平潭财政金融 for 财政金融局) counts too.
    stems = {organ[: -len(head)] for organ in candidates for head in _ORGAN_HEADS
             if organ.endswith(head) and len(organ) - len(head) >= 2}
    forms = sorted({p for organ in candidates for p in _organ_printings(organ)} | stems |
                   {p for entry in organ_data().organs for p in (entry.name, *entry.aliases)},
                   key=len, reverse=True)
    for form in forms:
        if rest.startswith(form) and spans.free(at, at + len(form)):
            return form
    m = _GENERIC_ORGAN.match(rest)
    if m and spans.free(at, at + len(m.group(0))) and not re.match(r"^\d", rest) and \
            (cells is None or cells.free(at, at + len(m.group(0)))):
        return m.group(0)
    return None


# ---------------------------------------------------------------- Chinese


def _place_names(catalog: Catalog) -> dict[str, str]:
    """Zones and other places of ingested agencies that the gazetteer has no entry for."""
    return {info.place: info.division or "" for info in catalog.agency_info.values()
            if info.place and info.division}


def _candidates(name: str, catalog: Catalog, gazetteer: Gazetteer) -> list[Division]:
    found = [d for d in gazetteer.lookup(name) if d.level < TOWN]
    towns = [d for d in gazetteer.lookup(name) if d.level == TOWN
             and any(info.division == d.code for info in catalog.agency_info.values())]
    return found + towns


def _choose(candidates: Sequence[Division], parent: Division | None, catalog: Catalog,
            gazetteer: Gazetteer) -> Division | None:
    if parent is not None:
        candidates = [c for c in candidates if gazetteer.is_within(c.code, parent.code)]
    if len(candidates) > 1:  # the one with ingested agencies in it, or the higher level
        ingested = [c for c in candidates if catalog.within(c.code, gazetteer)]
        if len(ingested) == 1:
            return ingested[0]
        candidates = sorted(candidates, key=lambda c: c.level)
        if candidates[0].level < candidates[1].level:
            return candidates[0]
        return None
    return candidates[0] if candidates else None


def find_agencies_zh(text: str, catalog: Catalog, gazetteer: Gazetteer, spans: Spans,
                     cells: Spans | None = None) -> list[AgencyMention]:
    """Agencies named in a (folded) Chinese question; ``cells``: where table terms are."""
    mentions = _gazetteer_mentions_zh(text, catalog, gazetteer, spans, cells or Spans())
    taken = Spans([(m.start, m.end) for m in mentions])
    for mention in _catalog_mentions(text, catalog):
        if taken.free(mention.start, mention.end):
            taken.take(mention.start, mention.end)
            mentions.append(mention)
        else:  # a longer printed name of an ingested agency beats a shorter place reading
            inside = [m for m in mentions if mention.start <= m.start and m.end <= mention.end
                      and (m.start, m.end) != (mention.start, mention.end)]
            if inside:
                mentions = [m for m in mentions if m not in inside] + [mention]
    for m in mentions:
        spans.take(m.start, m.end)
    return sorted(mentions, key=lambda m: m.start)


def _gazetteer_mentions_zh(text: str, catalog: Catalog, gazetteer: Gazetteer,
                           spans: Spans, cells: Spans) -> list[AgencyMention]:
    zones = _place_names(catalog)
    longest = max(gazetteer.longest_name, max(map(len, zones), default=0))
    mentions: list[AgencyMention] = []
    at = 0
    while at < len(text):
        chain: list[tuple[str, Division | None, int, int]] = []  # (name, division, start, end)
        pos = at
        while pos < len(text):
            found = _place_at(text, pos, longest, zones, catalog, gazetteer, spans, first=not chain)
            if found is None:
                break
            name, end = found
            parent = chain[-1][1] if chain else None
            if name in zones:
                division = gazetteer.get(zones[name])
            else:
                division = _choose(_candidates(name, catalog, gazetteer), parent, catalog, gazetteer)
            chain.append((name, division, pos, end))
            pos = end
        if not chain:
            at += 1
            continue
        mentions.append(_resolve_zh(text, chain, catalog, gazetteer, spans, cells))
        at = mentions[-1].end
        # "平潭公安局和财政金融局": an organ after 和/与/及/、 belongs to the same place.
        while at < len(text) and text[at] in "和与及、" and chain[-1][1] is not None:
            sibling = _resolve_zh(text, chain, catalog, gazetteer, spans, cells, organ_at=at + 1)
            if not sibling.agencies or sibling.end <= at + 1:
                break
            mentions.append(sibling)
            at = sibling.end
    return mentions


def _place_at(text: str, pos: int, longest: int, zones: dict[str, str], catalog: Catalog,
              gazetteer: Gazetteer, spans: Spans, first: bool) -> tuple[str, int] | None:
    if not spans.free(pos, pos + 2):
        return None
    for end in range(min(len(text), pos + longest), pos + 1, -1):
        piece = text[pos:end]
        if not spans.free(pos, end):
            continue
        if piece in zones:
            return piece, end
        if piece not in gazetteer:
            continue
        full = any(d.name == piece for d in gazetteer.lookup(piece))
        ingested_organs = {i.organ or "" for i in catalog.agency_info.values()}
        if not full and not _AFTER_SHORT.match(text[end:]) and _organ_at(text, end, ingested_organs, spans) is None:
            continue  # 平安 in 平安建设: a short name must be followed by a name's end or an organ
        if not full and not first:
            continue
        if not _candidates(piece, catalog, gazetteer) and piece not in zones:
            continue
        if pos > 0 and re.match(r"[\u4e00-\u9fff]", text[pos - 1]) and not full and \
                not re.match(r"[年的和与及、在是对从向据比]", text[pos - 1]):
            continue  # inside a longer word
        return piece, end
    return _look_alike_at(text, pos, catalog, gazetteer, spans)


_PLACE_LIKE = re.compile(r"^[\u4e00-\u9fff]{2,4}?(?:省|市|县|区|州|旗|镇|乡)")


def _look_alike_at(text: str, pos: int, catalog: Catalog, gazetteer: Gazetteer,
                   spans: Spans) -> tuple[str, int] | None:
    """A place name one look-alike character from exactly one place with ingested agencies
    (沐阳县 for 沭阳县): read as that place."""
    m = _PLACE_LIKE.match(text[pos:])
    if not m or not spans.free(pos, pos + len(m.group(0))) or m.group(0) in gazetteer:
        return None
    fixes = [f for f in corrections_for(m.group(0), gazetteer)
             if any(catalog.within(d.code, gazetteer) for d in gazetteer.lookup(f))]
    return (fixes[0], pos + len(m.group(0))) if len(fixes) == 1 else None


def _resolve_zh(text: str, chain: list[tuple[str, Division | None, int, int]], catalog: Catalog,
                gazetteer: Gazetteer, spans: Spans, cells: Spans, organ_at: int | None = None) -> AgencyMention:
    """The agency a chain of places (and the organ after it, or at ``organ_at``) names."""
    name, division, start, end = chain[-1]
    first = chain[0][2]
    if organ_at is not None:  # another organ of the same place, after a conjunction
        first = end = organ_at
    here = catalog.at(division.code) if division else []
    if not here and name in _place_names(catalog):
        here = [a for a, info in catalog.agency_info.items() if info.place == name]
    organs = {a: catalog.agency_info[a].organ or "" for a in here}
    group = _EVERY_ORGAN.match(text[end:])
    if group and division is not None and organ_at is None:  # 平潭综合实验区各机关, 沭阳县各部门
        every = catalog.within(division.code, gazetteer) or here
        return AgencyMention(first, end + len(group.group(0)), tuple(every), text=text[first:end + len(group.group(0))],
                             group=True)
    organ = _organ_at(text, end, organs.values(), spans, cells)
    if organ is not None:
        end += len(organ)
    mention_text = text[first:end]
    if division is None and name not in _place_names(catalog):
        # A real place name that cannot be placed (several, none with reports): not ingested.
        return AgencyMention(first, end, (), missing=mention_text, text=mention_text)
    if organ is None:
        governments = [a for a in here if organs[a] in GOVERNMENT_ORGANS]
        if len(governments) == 1 or (governments and len({organs[a] for a in governments}) == 1):
            return AgencyMention(first, end, tuple(governments), text=mention_text)
        government = organ_data().government_of(name)
        available = tuple(catalog.within(division.code, gazetteer)) if division else tuple(here)
        return AgencyMention(first, end, (), missing=name + government, available=available,
                             text=mention_text)
    chosen = [a for a in here if _same_organ(organ, organs[a])]
    if not chosen:  # 交通局 for 交通运输局, 财政局 for 财政金融局: the place's one organ it abbreviates
        shortened = [a for a in here if _abbreviates(organ, organs[a])]
        chosen = shortened if len(shortened) == 1 else []
    if chosen:
        return AgencyMention(first, end, tuple(chosen), text=mention_text)
    available = tuple(catalog.within(division.code, gazetteer)) if division else tuple(here)
    return AgencyMention(first, end, (), missing=mention_text, available=available, text=mention_text)


_EVERY_ORGAN = re.compile(r"^(?:的)?(?:各|所有|全部|每个)(?:个)?(?:机关|部门|单位|局)")
_BEFORE_NAME_OK = set("年的和与及、，。：:是在按请问据对从向 ")
_LEVEL_START = tuple(_LEVEL_ZH)
_ORGAN_AFTER = re.compile(r"^[\u4e00-\u9fff]{0,6}?(?:局|委员会|委(?!托)|厅|办公室|办公厅|管委会|政府(?!信息))")


def _catalog_mentions(text: str, catalog: Catalog) -> list[AgencyMention]:
    """Printed names and short forms of ingested agencies (places no gazetteer knows)."""
    owners = catalog.name_owners
    longest = max(map(len, owners), default=0)
    found = []
    for a in range(len(text)):
        for b in range(min(len(text), a + longest), a + 1, -1):
            form = text[a:b]
            if form in owners and not _inside_other_name(text, a, form) \
                    and not _continues_as_organ(text, b, owners):
                found.append((a, b, form))
    spans = Spans()
    out = []
    for a, b, form in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if spans.free(a, b):
            spans.take(a, b)
            out.append(AgencyMention(a, b, tuple(sorted(owners[form])), text=form))
    return out


def _inside_other_name(text: str, start: int, form: str) -> bool:
    """'市教育局' inside '北京市教育局' names Beijing's bureau, not ours."""
    if not form.startswith(_LEVEL_START) or start == 0:
        return False
    before = text[start - 1]
    return bool(re.match(r"[\u4e00-\u9fff]", before)) and before not in _BEFORE_NAME_OK


def _continues_as_organ(text: str, end: int, known_names: Iterable[str]) -> bool:
    """'淮安市' in '淮安市教育局…' names another organ of that place, not 淮安市人民政府
    (unless what follows is itself a known name: '淮安市人民政府和淮安市教育局')."""
    head = re.split(r"[\d，。？?、,.\s：:]|年", text[end:], maxsplit=1)[0]
    m = _ORGAN_AFTER.match(head)
    return bool(m) and not any(name in m.group(0)[1:] for name in known_names if len(name) >= 3)


# ---------------------------------------------------------------- English


def _readings(stem: str) -> set[str]:
    """Every pinyin spelling of a place stem (朝阳: chaoyang and zhaoyang)."""
    from pypinyin import Style, pinyin

    syllables = pinyin(stem, style=Style.NORMAL, heteronym=True)
    if len(syllables) > 12:
        return set()
    # Long names (克孜勒苏柯尔克孜) keep one reading a syllable; short ones try the others too.
    combos = product(*[s[:3] if len(syllables) <= 6 else s[:1] for s in syllables])
    return {"".join(c).replace("ü", "v") for c in list(combos)[:16]}


@cache
def _pinyin_index(gazetteer: Gazetteer) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for d in gazetteer.divisions.values():
        if d.level > COUNTY or d.is_placeholder:
            continue
        # 淮安区's short form is 淮安区 (淮安 is the city's), but in English it is "Huai'an District".
        for stem in {d.short if len(d.short) >= 2 else stem_of(d.name), stem_of(d.name)}:
            for reading in _readings(stem):
                index.setdefault(reading, []).append(d.code)
    return {k: tuple(dict.fromkeys(v)) for k, v in index.items()}


_EXONYMS = {"innermongolia": "内蒙古", "tibet": "西藏", "hongkong": "香港", "macau": "澳门", "macao": "澳门",
            "harbin": "哈尔滨", "urumqi": "乌鲁木齐", "hohhot": "呼和浩特", "lhasa": "拉萨", "kashgar": "喀什",
            "canton": "广州", "peking": "北京", "amoy": "厦门", "xian": "西安"}
# English for the suffix of a zone's or new area's name: part of the place, not of the question.
_EN_ZONE = re.compile(r"^\s*(?:new (?:area|district)|(?:comprehensive )?(?:experimental|pilot|demonstration) "
                      r"(?:zone|area)|(?:economic and technological |high-tech(?:nology)? (?:industrial )?)?"
                      r"development zone|industrial park|high-tech zone)\b", re.IGNORECASE)
_EN_LEVELS = {"province": (1,), "provincial": (1,), "city": (2, 3), "municipal": (1, 2, 3),
              "municipality": (1, 2), "prefecture": (2,), "prefectural": (2,), "county": (3,),
              "district": (3,), "banner": (3,), "town": (4,), "township": (4,), "subdistrict": (4,),
              # the level in pinyin: "Haidong shi", "Shuyang xian"
              "sheng": (1,), "shi": (2, 3), "xian": (3,), "qu": (3,), "zhen": (4,), "xiang": (4,)}
_EN_WORD = re.compile(r"[^\W\d_\u4e00-\u9fff]+(?:['’\-&][^\W\d_\u4e00-\u9fff]+)*")


def plain(word: str) -> str:
    """Huai'an's -> huaian; Shùyáng -> shuyang; S&T stays s&t."""
    word = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    return re.sub(r"['’\-]", "", re.sub(r"['’]s$", "", word.lower()))


def _organ_words(organ: str) -> set[str]:
    """English words that can name a Chinese organ (交通与建设局: transport, transportation,
    traffic, construction, development, bureau, administration, department)."""
    data = organ_data()
    words: set[str] = set()
    for name in data.english(organ):
        words |= {plain(w) for w in re.findall(r"[A-Za-z&'’\-]+", name)}
    rest = organ
    while rest:
        for part in sorted({*data.fields, *data.heads}, key=len, reverse=True):
            if rest.startswith(part):
                for name in (*data.fields.get(part, ()), *data.heads.get(part, ())):
                    words |= {plain(w) for w in re.findall(r"[A-Za-z&'’\-]+", name)}
                rest = rest[len(part):]
                break
        else:
            rest = rest[1:]  # 与, 和: joining characters
    return words - {"and", "of", "the"}


_EN_ORGAN_WORDS: frozenset[str] = frozenset()


def _english_organ_vocabulary() -> frozenset[str]:
    global _EN_ORGAN_WORDS
    if not _EN_ORGAN_WORDS:
        data = organ_data()
        names = [n for e in data.organs for n in e.en] + [n for ns in data.fields.values() for n in ns] + \
                [n for ns in data.heads.values() for n in ns]
        _EN_ORGAN_WORDS = frozenset(plain(w) for n in names for w in re.findall(r"[A-Za-z&'’\-]+", n)) - {"and", "of"}
    return _EN_ORGAN_WORDS


def _stem_en(word: str) -> str:
    for suffix in ("ation", "ion", "ies", "es", "s", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def find_agencies_en(text: str, catalog: Catalog, gazetteer: Gazetteer, spans: Spans) -> list[AgencyMention]:
    """Agencies named in an English question: the place by its pinyin, the organ by its words."""
    words = [(m.start(), m.end(), m.group(0)) for m in _EN_WORD.finditer(text)]
    index = _pinyin_index(gazetteer)
    catalog_readings: dict[str, list[str]] = {}  # places no gazetteer knows, by pinyin
    for name, info in catalog.agency_info.items():
        if info.division is None:
            for r in _readings(stem_of(_place_of(name))):
                catalog_readings.setdefault(r, []).append(name)
    mentions: list[AgencyMention] = []
    i = 0
    while i < len(words):
        hit = None
        for width in (3, 2, 1):
            group = words[i:i + width]
            if len(group) < width:
                continue
            key = "".join(plain(w) for _, _, w in group)
            capital = group[0][2][0].isupper()
            if key in _EXONYMS:
                codes = tuple(d.code for d in gazetteer.lookup(_EXONYMS[key]))
            else:
                codes = index.get(key, ())
            near = bool(codes) and _near_catalog(codes, catalog, gazetteer)
            if width == 1 and not near and _english_word(key, gazetteer):
                continue  # "Change in …": an English word that is also some county's pinyin
            if (codes and (capital or near) and len(key) >= 4) or \
                    (key in catalog_readings and len(key) >= 4):
                hit = (width, codes, key)
                break
        if hit is None:
            i += 1
            continue
        width, codes, key = hit
        start, end = words[i][0], words[i + width - 1][1]
        zone = _EN_ZONE.match(text[end:])
        if zone:  # "Pingtan Comprehensive Experimental Zone", "Pudong New Area"
            skipped = len([w for w in words if end <= w[0] < end + zone.end()])
            width += skipped
        elif i + width < len(words) and plain(words[i + width][2]) in _EN_LEVELS and \
                _joined(text, words[i + width - 1], words[i + width]):
            width += 1  # "Huai'an District", "Shuyang County": the level word names the division
        if not spans.free(start, end):
            i += width
            continue
        floor = mentions[-1].end if mentions else 0
        mention = _resolve_en(text, words, i, width, codes, key, catalog_readings, catalog, gazetteer, floor)
        mentions.append(mention)
        i += width
        # "Pingtan's police bureau and finance bureau": an organ after "and" is of the same place.
        while mention.agencies and (sibling := _sibling_en(text, words, mention, catalog)) is not None:
            mentions.append(sibling)
            mention = sibling
    mentions = _drop_parents(text, mentions, catalog, gazetteer)
    for m in mentions:
        spans.take(m.start, m.end)
    return mentions


_EVERY = {"all", "every", "each"}
_AGENCY_NOUNS = {"agencies", "agency", "departments", "department", "bureaus", "organs", "offices", "units"}


def _names_every_agency(words, i: int, width: int) -> bool:
    before = {plain(w) for _, _, w in words[max(0, i - 3):i]}
    after = {plain(w) for _, _, w in words[i + width:i + width + 2]}
    return bool(before & _EVERY) and bool((after | before) & _AGENCY_NOUNS)


def _drop_parents(text: str, mentions: list[AgencyMention], catalog: Catalog,
                  gazetteer: Gazetteer) -> list[AgencyMention]:
    """"the Huai'an District government of Huai'an City": the second place only places the first."""
    out: list[AgencyMention] = []
    for mention in mentions:
        previous = out[-1] if out else None
        between = text[previous.end:mention.start] if previous else ""
        if previous and re.fullmatch(r"\s*(?:of|in)\s+(?:the\s+)?", between, re.I) and previous.agencies:
            inner = catalog.agency_info[previous.agencies[0]].division
            outer = {catalog.agency_info[a].division for a in mention.agencies} if mention.agencies else set()
            if inner and any(o and gazetteer.is_within(inner, o) for o in outer) or not mention.agencies:
                out[-1] = AgencyMention(previous.start, mention.end, previous.agencies, text=text[previous.start:mention.end])
                continue
        out.append(mention)
    return out


def _sibling_en(text: str, words, mention: AgencyMention, catalog: Catalog) -> AgencyMention | None:
    """The organ named right after ``mention`` and "and", of the same place."""
    after = [w for w in words if w[0] >= mention.end]
    if len(after) < 2 or plain(after[0][2]) != "and" or not _joined(text, (0, mention.end, ""), after[0]):
        return None
    phrase = _organ_phrase(after, 1, _english_organ_vocabulary(), 1, text, after[0])
    if not phrase or not any(w in _EN_HEADS for _, _, w in phrase):
        return None
    info = catalog.agency_info[mention.agencies[0]]
    here = [a for a, i in catalog.agency_info.items() if i.division == info.division and i.place == info.place] \
        if info.division else [a for a, i in catalog.agency_info.items() if _place_of(a) == _place_of(mention.agencies[0])]
    wanted = {_stem_en(w) for _, _, w in phrase} - {_stem_en(w) for w in _GOVERNMENT_WORDS}
    found = [a for a in here if wanted <= {_stem_en(w) for w in _organ_words(catalog.agency_info[a].organ or "")}]
    if len(found) != 1:
        return None
    return AgencyMention(phrase[0][0], phrase[-1][1], tuple(found), text=text[phrase[0][0]:phrase[-1][1]])


def _english_word(word: str, gazetteer: Gazetteer) -> bool:
    """A word of the English language (a CC-CEDICT definition of words that are no place), not
    a pinyin name ("change" is 变化; "Beijing" is 北京市)."""
    from assistant.bilingual import chinese_for

    forms = chinese_for(word, limit=4)
    return bool(forms) and not any(f in gazetteer for f in forms)


def _place_of(agency: str) -> str:
    from ingest.recognize import split_place

    return split_place(agency)[0]


def _near_catalog(codes: Sequence[str], catalog: Catalog, gazetteer: Gazetteer) -> bool:
    return any(catalog.within(code, gazetteer) for code in codes)


def _resolve_en(text: str, words, i: int, width: int, codes: Sequence[str], key: str,
                catalog_readings: dict[str, list[str]], catalog: Catalog, gazetteer: Gazetteer,
                floor: int = 0) -> AgencyMention:
    start, end = words[i][0], words[i + width - 1][1]
    organ_vocab = _english_organ_vocabulary()
    # The organ phrase: organ words right after the place, or before it ("the X of Huai'an").
    after = _organ_phrase(words, i + width, organ_vocab, 1, text, words[i + width - 1])
    before = [w for w in _organ_phrase(words, i - 1, organ_vocab, -1, text, words[i]) if w[0] >= floor]
    # Level words of this mention only ("Huai'an District", "the city of Huai'an").
    own = [plain(w) for _, _, w in words[i:i + width]] + [plain(w) for _, _, w in after[:2]] + \
        [plain(w) for _, _, w in before[-2:]]
    levels = {lv for w in own for lv in _EN_LEVELS.get(w, ())}
    # "the general office of the Shuyang county government": both sides name the organ.
    chosen = (before + after) if before and after else (after or before)
    phrase = [w for _, _, w in chosen]
    phrase_start = chosen[0][0] if chosen else None
    phrase_end = chosen[-1][1] if chosen else None
    asked = {plain(w) for w in phrase} - set(_EN_LEVELS) - {"the", "of", "and", "people", "peoples", "municipal"}
    division = None
    if codes:
        divisions = [d for d in (gazetteer.get(c) for c in codes) if d is not None]
        divisions = [d for d in divisions if not levels or d.level in levels] or divisions
        ingested = [d for d in divisions if catalog.within(d.code, gazetteer)]
        pool = sorted(ingested or divisions, key=lambda d: d.level)
        division = pool[0] if pool else None
    if division is not None:
        here = catalog.at(division.code)
        available = tuple(catalog.within(division.code, gazetteer))
        if _names_every_agency(words, i, width):  # "all Pingtan agencies", "every agency of Pingtan"
            group = available or tuple(here)
            return AgencyMention(start, end, group, text=text[start:end], group=True)
    elif key in catalog_readings:  # a place only ingested agencies know (a fictional sample)
        here = list(catalog_readings[key])
        available = tuple(here)
    else:
        return AgencyMention(start, end, (), missing=text[start:end], text=text[start:end])
    heads = asked & (_EN_HEADS - _GOVERNMENT_WORDS)
    specific = asked - _GOVERNMENT_WORDS - {"city", "county", "district"}
    scored = []
    for agency in here if specific else ():
        organ = catalog.agency_info[agency].organ or ""
        names = {plain(w) for n in organ_data().english(organ) for w in n.split()}
        vocabulary = {_stem_en(w) for w in _organ_words(organ) | names}
        if {_stem_en(w) for w in specific} <= vocabulary:
            scored.append(agency)
    if scored:
        end = max(end, phrase_end) if phrase_end else end
        start = min(start, phrase_start) if phrase_start is not None else start
        return AgencyMention(start, end, tuple(scored), text=text[start:end])
    if heads:  # an organ is named, and the place has no such organ ingested
        end = max(end, phrase_end) if phrase_end else end
        start = min(start, phrase_start) if phrase_start is not None else start
        return AgencyMention(start, end, (), missing=text[start:end], available=available,
                             text=text[start:end])
    # The place alone (or with words that name no organ): its government.
    if asked & _GOVERNMENT_WORDS:
        end = max(end, phrase_end) if phrase_end else end
        start = min(start, phrase_start) if phrase_start is not None else start
    shown = text[start:end]
    governments = [a for a in here if (catalog.agency_info[a].organ or "") in GOVERNMENT_ORGANS]
    if governments and len({catalog.agency_info[a].organ for a in governments}) == 1:
        return AgencyMention(start, end, tuple(governments), text=shown)
    missing = shown if "government" in shown.lower() else f"{shown} government"
    return AgencyMention(start, end, (), missing=missing, available=available, text=shown)


_GOVERNMENT_WORDS = frozenset({"government", "gov", "govt"})
_MODIFIERS = frozenset({"administrative", "general", "public", "and", "of", "the", "&", "people", "peoples"})
_EN_HEADS = frozenset({"bureau", "commission", "committee", "office", "department", "administration",
                       "center", "centre", "government", "police", "drc", "drb", "ministry", "psb", "gov",
                       "govt"})


def _joined(text: str, a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """Only spaces between two words (no comma, colon, digit): they can be one name."""
    left, right = (a, b) if a[0] < b[0] else (b, a)
    return re.fullmatch(r"[\s'’]*", text[left[1]:right[0]]) is not None


def _organ_phrase(words, at: int, vocabulary: frozenset[str], step: int, text: str,
                  anchor: tuple[int, int, str]) -> list[tuple[int, int, str]]:
    """Organ words next to the place, read away from it ('Public Security Bureau'), as
    (start, end, word) in question order; ``anchor`` is the place's last (or first) word."""
    out: list[tuple[int, int, str]] = []
    pos = at
    if step > 0 and pos < len(words) and plain(words[pos][2]) in ("s",):
        pos += 1
    if step < 0:  # "the general office of the Shuyang …": read back over "of the"
        while 0 <= pos < len(words) and plain(words[pos][2]) in ("the", "of"):
            if not _joined(text, anchor, words[pos]):
                return []
            anchor = words[pos]
            pos += step
        if pos == at:
            return []
    previous = anchor
    while 0 <= pos < len(words):
        start, end, raw = words[pos]
        word = plain(raw)
        if not _joined(text, previous, words[pos]):
            break
        previous = words[pos]
        if word in ("and", "&") and step > 0 and any(w in _EN_HEADS for _, _, w in out):
            break  # "police bureau and finance bureau": a second organ begins
        if word in vocabulary or word in ("and", "of", "the", "&") and out:
            out.append((start, end, word))
            pos += step
            continue
        if word in _EN_LEVELS or word in ("people", "peoples", "people's"):
            out.append((start, end, word))
            pos += step
            continue
        break
    ordered = out if step > 0 else out[::-1]
    heads = [n for n, (_, _, w) in enumerate(ordered) if w in _EN_HEADS]
    if heads:  # nothing after the organ's head belongs to it ("finance bureau administrative fees")
        ordered = ordered[: heads[-1] + 1]
    while ordered and ordered[-1][2] in ("and", "of", "the", "&"):
        ordered.pop()
    # An organ phrase has a head (bureau, commission …) or is a field ("Science and Technology");
    # "administrative" before "fees" is neither.
    if not any(w in _EN_HEADS for _, _, w in ordered) and \
            all(w in _MODIFIERS or w in _EN_LEVELS for _, _, w in ordered):
        return []
    return ordered
