"""Agency identity: a printed agency name -> a stable id, its division and its organ.

Pure functions over a name, the report's text (for context) and a Gazetteer.

"淮安市淮安区人民政府" and "淮安区人民政府" are one agency: the id is the innermost
division's code and the organ ("320803/人民政府"). A place that is no real division
within one look-alike character (沐阳县) is read as the real one when exactly one
such division fits the printed parent or the places the report text names; the
correction is recorded. A zone that is no administrative division (平潭综合实验区) keeps
its own name beside the division it lies in. A place the gazetteer does not know at
all (a fictional sample agency) keeps its printed name as its identity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .domain import organ_data
from .gazetteer import COUNTY, TOWN, Division, Gazetteer
from .models import AgencyIdentity

# Zones with a management committee that are no administrative division of their own.
ZONE_SUFFIXES = ("综合实验区", "经济技术开发区", "高新技术产业开发区", "经济开发区", "开发区", "高新区",
                 "新区", "示范区", "试验区", "实验区", "工业园区", "产业园区", "园区")
PLACE_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "街道", "省", "市", "州",
                  "盟", "县", "区", "旗", "镇", "乡")
_ZONE = re.compile(rf"^([\u4e00-\u9fff]{{2,8}}?)({'|'.join(ZONE_SUFFIXES)})")
_PLACE_LIKE = re.compile(rf"^([\u4e00-\u9fff]{{2,6}}?)({'|'.join(PLACE_SUFFIXES)})")


@dataclass(frozen=True)
class Place:
    """One place printed in an agency's name, and the division it is."""

    printed: str
    name: str  # as read (after a look-alike correction)
    division: Division | None = None
    zone: bool = False  # a development zone or experimental area: not a division itself


# ---------------------------------------------------------------- look-alike characters


@cache
def _wubi() -> dict[str, str]:
    """Character -> its wubi code, from jionlp's character dictionary: codes that differ
    in at most one key mean glyphs that look alike (沐 ISY / 沭 ISYY, 潭 ISJH / 谭 YSJH)."""
    import zipfile

    from .gazetteer import _data_file

    path = _data_file() / "chinese_char_dictionary.zip"
    if not path.exists():
        return {}
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".txt"))
        text = archive.read(name).decode("utf-8")
    codes = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) > 6 and len(parts[0]) == 1 and parts[6]:
            codes[parts[0]] = parts[6]
    return codes


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def look_alike(a: str, b: str) -> bool:
    """Two characters an OCR engine (or a typist) confuses: their shapes differ in one stroke group."""
    if a == b:
        return True
    codes = _wubi()
    ca, cb = codes.get(a), codes.get(b)
    return bool(ca and cb) and _edit_distance(ca, cb) <= 1


def corrections_for(name: str, gazetteer: Gazetteer) -> list[str]:
    """Real division names one look-alike character away from ``name``."""
    out = []
    for candidate in gazetteer.one_off(name):
        a, b = next((x, y) for x, y in zip(name, candidate) if x != y)
        if look_alike(a, b):
            out.append(candidate)
    return out


# ---------------------------------------------------------------- reading a printed name


def _context_score(division: Division, gazetteer: Gazetteer, context: str) -> int:
    """How many of the division's ancestors the report text names."""
    return sum(1 for d in gazetteer.path(division.code)[:-1]
               if d.name in context or (len(d.short) >= 2 and d.short in context))


def _choose(candidates: Sequence[Division], parent: Division | None, gazetteer: Gazetteer,
            context: str) -> Division | None:
    """The one division among same-named candidates: inside the printed parent, or the one
    whose province and city the text names; None when that does not single one out."""
    if parent is not None:
        candidates = [c for c in candidates if gazetteer.is_within(c.code, parent.code)]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    scored = sorted(((_context_score(c, gazetteer, context), c) for c in candidates),
                    key=lambda x: -x[0])
    if scored[0][0] > scored[1][0]:
        return scored[0][1]
    # The higher level wins when the names are the same at two levels (上海市 the province).
    levels = sorted(candidates, key=lambda c: c.level)
    return levels[0] if levels[0].level < levels[1].level else None


def _next_place(text: str, at: int, gazetteer: Gazetteer, first: bool) -> tuple[str, bool] | None:
    """The place printed at ``at``: (its text, zone?), or None where the organ begins."""
    rest = text[at:]
    zone = _ZONE.match(rest)
    longest = None
    for end in range(min(len(rest), gazetteer.longest_name), 1, -1):
        piece = rest[:end]
        if piece in gazetteer and (first or piece.endswith(PLACE_SUFFIXES)) and \
                any(d.name == piece or first for d in gazetteer.lookup(piece)):
            longest = piece
            break
    # A zone (平潭综合实验区) wins over a short name at its start (平潭), not over a full name
    # (上海市 in 上海市浦东新区, or 浦东新区 itself).
    full = longest is not None and any(d.name == longest for d in gazetteer.lookup(longest))
    if zone and (longest is None or (len(zone.group(0)) > len(longest) and not full)):
        return zone.group(0), True
    if longest is not None and not (longest == rest):
        return longest, False
    like = _PLACE_LIKE.match(rest)
    if like and len(like.group(0)) < len(rest):
        return like.group(0), False
    return None


def split_places(printed: str, gazetteer: Gazetteer) -> tuple[list[tuple[str, bool]], str]:
    """'淮安市淮安区人民政府' -> ([('淮安市', False), ('淮安区', False)], '人民政府')."""
    places: list[tuple[str, bool]] = []
    at = 0
    while at < len(printed):
        found = _next_place(printed, at, gazetteer, first=not places)
        if found is None:
            break
        places.append(found)
        at += len(found[0])
    return places, printed[at:]


def identify(printed: str, gazetteer: Gazetteer, context: str = "") -> AgencyIdentity:
    """The identity of an agency printed as ``printed`` in a report whose text is ``context``."""
    organs = organ_data()
    name = re.sub(r"\s+", "", printed)
    tokens, organ_text = split_places(name, gazetteer)
    places: list[Place] = []
    corrections: list[tuple[str, str]] = []
    parent: Division | None = None
    for text, zone in tokens:
        if zone:
            stem = _ZONE.match(text).group(1)  # type: ignore[union-attr]
            located = _choose([d for d in gazetteer.lookup(stem) if d.level <= COUNTY], parent,
                              gazetteer, context)
            places.append(Place(text, text, located or parent, zone=True))
            parent = located or parent
            continue
        candidates = gazetteer.lookup(text)
        read_as = text
        if not candidates:
            fixes = [f for f in corrections_for(text, gazetteer)
                     if _choose(gazetteer.lookup(f), parent, gazetteer, context) is not None
                     and (parent is not None or any(_context_score(d, gazetteer, context)
                                                    for d in gazetteer.lookup(f)))]
            if len(fixes) == 1:
                read_as = fixes[0]
                candidates = gazetteer.lookup(read_as)
                corrections.append((text, read_as))
        division = _choose(candidates, parent, gazetteer, context) if candidates else None
        if division is not None and division.level == TOWN and parent is None \
                and not _context_score(division, gazetteer, context):
            division = None  # a town name alone is too common to place without its county
        places.append(Place(text, read_as, division))
        parent = division or parent
    innermost = places[-1] if places else None
    organ = organs.canonical(organ_text) if organ_text else (
        organs.government_of(innermost.name) if innermost else "")
    if innermost is None:  # 国家统计局, 教育部: no place printed
        return AgencyIdentity(id=f"cn/{organ}", name=name, organ=organ, printed=printed, national=True)
    display_organ = organ_text or organ
    division = innermost.division
    if division is None:  # a place no gazetteer knows (or cannot settle): its printing is its identity
        places_text = "".join(p.name for p in places)
        return AgencyIdentity(id=f"name/{places_text}{organ}", name=places_text + display_organ,
                              organ=organ, place=innermost.name, printed=printed,
                              corrections=tuple(corrections))
    path = tuple(d.name for d in gazetteer.path(division.code))
    if innermost.zone:
        key = f"{division.code}/{innermost.name}/{organ}"
        shown = innermost.name + display_organ
    else:
        key = f"{division.code}/{organ}"
        # 朝阳区 is in Beijing and in Changchun: such a name is shown with its parent.
        repeats = sum(1 for d in gazetteer.lookup(division.name) if d.level == division.level) > 1
        shown = (path[-2] if repeats and len(path) > 1 else "") + division.name + display_organ
    return AgencyIdentity(id=key, name=shown, organ=organ, division=division.code, path=path,
                          place=innermost.name, printed=printed, corrections=tuple(corrections))
