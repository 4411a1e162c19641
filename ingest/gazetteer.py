"""China's administrative divisions, from a maintained data package.

The data is jionlp's ``china_location`` dictionary (province → city → county →
town, with adcodes and the short names people use down to the county) and its
record of renamed divisions. Only the data file is read; jionlp itself is not
imported. A :class:`Gazetteer` answers: which divisions a name can mean, the path
of a division, its children, and which real name a name one character away
(an OCR look-alike: 沐阳县 for 沭阳县) stands for.

Towns (镇/乡/街道) carry no adcode in the data; their code is the county's adcode
and the town's name ("321322/沭城街道").
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from .errors import ConfigError

PROVINCE, CITY, COUNTY, TOWN = 1, 2, 3, 4
LEVEL_NAMES = {PROVINCE: "province", CITY: "city", COUNTY: "county", TOWN: "town"}

# Suffixes that end a division's name, longest first; what remains is its stem.
LEVEL_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                  "自治旗", "林区", "特区", "地区", "街道", "苏木", "省", "市", "州", "盟", "县", "区",
                  "旗", "镇", "乡")
_PLACEHOLDERS = ("直辖行政区划", "直辖县级行政区划")


@dataclass(frozen=True)
class Division:
    code: str  # adcode; for a town "<county adcode>/<name>"
    name: str  # 淮安市
    short: str  # 淮安 (what people also write)
    level: int
    parent: str | None  # the parent's code; None for a province

    @property
    def is_placeholder(self) -> bool:
        """'市直辖行政区划': a structural node of the data, not a place anyone names."""
        return self.name.endswith(_PLACEHOLDERS)


def stem_of(name: str) -> str:
    """淮安市 -> 淮安, 沭阳县 -> 沭阳, 新疆维吾尔自治区 -> 新疆; a name that is only a suffix stays."""
    for suffix in LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _data_file() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the place-name data (the jionlp package) is not installed; run make install")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


class Gazetteer:
    def __init__(self, divisions: Iterable[Division], renamed: dict[str, str] | None = None):
        self.divisions: dict[str, Division] = {d.code: d for d in divisions}
        self.renamed = dict(renamed or {})  # an old name -> the current name

    @classmethod
    def load(cls) -> Gazetteer:
        """The national gazetteer (read once per process)."""
        return _national()

    # ------------------------------------------------------------ indexes

    @cached_property
    def _by_name(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = {}
        for d in self.divisions.values():
            if d.is_placeholder or self._repeats_parent(d):
                continue
            # A town's short form (平潭 for 平潭镇) would shadow counties all over the country.
            for name in {d.name} if d.level == TOWN else {d.name, d.short}:
                if len(name) >= 2:
                    index.setdefault(name, []).append(d.code)
        for old, new in self.renamed.items():
            for code in index.get(new, ()):
                index.setdefault(old, []).append(code)
        return {k: tuple(dict.fromkeys(v)) for k, v in index.items()}

    @cached_property
    def _children(self) -> dict[str | None, tuple[str, ...]]:
        kids: dict[str | None, list[str]] = {}
        for d in self.divisions.values():
            kids.setdefault(d.parent, []).append(d.code)
        return {k: tuple(v) for k, v in kids.items()}

    @cached_property
    def _by_shape(self) -> dict[tuple[int, str], tuple[str, ...]]:
        """(length, suffix) -> names of counties and above, for one-character corrections."""
        shapes: dict[tuple[int, str], list[str]] = {}
        for name in self._by_name:
            if any(self.divisions[c].level <= COUNTY for c in self._by_name[name]):
                shapes.setdefault((len(name), name[-1]), []).append(name)
        return {k: tuple(v) for k, v in shapes.items()}

    @cached_property
    def longest_name(self) -> int:
        return max(map(len, self._by_name), default=0)

    # ------------------------------------------------------------ questions

    def lookup(self, name: str) -> list[Division]:
        """Every division ``name`` can mean (its name, short name or a former name)."""
        return [self.divisions[c] for c in self._by_name.get(name, ())]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def get(self, code: str) -> Division | None:
        return self.divisions.get(code)

    def path(self, code: str) -> list[Division]:
        """Province first, the division itself last; placeholders left out."""
        out: list[Division] = []
        node = self.divisions.get(code)
        while node is not None:
            if not node.is_placeholder and not self._repeats_parent(node):
                out.append(node)
            node = self.divisions.get(node.parent) if node.parent else None
        return out[::-1]

    def children(self, code: str | None) -> list[Division]:
        """Direct children; a placeholder child's own children count as direct."""
        out: list[Division] = []
        for child in (self.divisions[c] for c in self._children.get(code, ())):
            skip = child.is_placeholder or self._repeats_parent(child)
            out.extend(self.children(child.code) if skip else [child])
        return out

    def _repeats_parent(self, d: Division) -> bool:
        """上海市's city node under 上海市: the data's layer for a municipality, not a place."""
        parent = self.divisions.get(d.parent) if d.parent else None
        return parent is not None and parent.name == d.name

    def is_within(self, code: str, ancestor: str) -> bool:
        return any(d.code == ancestor for d in self.path(code))

    def one_off(self, name: str) -> list[str]:
        """Real names (county level and above) that differ from ``name`` in exactly one
        character, keeping its suffix: an OCR look-alike (沐阳县 -> 沭阳县)."""
        if len(name) < 3 or name in self._by_name:
            return []
        out = []
        for candidate in self._by_shape.get((len(name), name[-1]), ()):
            if sum(a != b for a, b in zip(candidate, name)) == 1:
                out.append(candidate)
        return out

    def towns_named(self, name: str, within: str | None = None) -> list[Division]:
        """Towns of this name, optionally inside a division (towns repeat across the country)."""
        return [d for d in self.lookup(name) if d.level == TOWN
                and (within is None or self.is_within(d.code, within))]


_LINE = re.compile(r"^(\t*)([^\t]+)(?:\t(\d+))?(?:\t([^\t]+))?$")


def parse_china_location(text: str) -> list[Division]:
    """jionlp's china_location.txt: tab depth = level; villages (depth 4) are skipped."""
    divisions: list[Division] = []
    parents: dict[int, str] = {}
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        m = _LINE.match(line)
        if not m:
            continue
        depth = len(m.group(1))
        if depth > 3:
            continue
        name, code, short = m.group(2).strip(), m.group(3), (m.group(4) or "").strip()
        level = depth + 1
        parent = parents.get(depth - 1) if depth else None
        if level == TOWN:
            code = f"{parent}/{name}"
            short = stem_of(name)
        elif code is None:
            continue
        elif level == CITY and code == parent:  # 上海市 under 上海市: a municipality's own city node
            code = f"{code}c"
        divisions.append(Division(code, name, short or stem_of(name), level, parent))
        parents[depth] = code
    return divisions


def parse_changes(text: str) -> dict[str, str]:
    """jionlp's china_location_change.txt: former county and city names -> current ones."""
    renamed: dict[str, str] = {}
    for raw in text.split("\n"):
        parts = raw.rstrip("\r").split("=>")
        if len(parts) != 2:
            continue
        old = [p for p in parts[0].split("\t")[2:] if p]
        new = [p for p in parts[1].split("\t") if p]
        if old and new and old[-2] != new[-1]:
            renamed.setdefault(old[-2], new[-1])  # the last full name before its short form
    return renamed


@cache
def _national() -> Gazetteer:
    folder = _data_file()
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        text = archive.read("china_location.txt").decode("utf-8")
    changes = folder / "china_location_change.txt"
    renamed = parse_changes(changes.read_text(encoding="utf-8")) if changes.exists() else {}
    return Gazetteer(parse_china_location(text), renamed)
