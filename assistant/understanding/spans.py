"""Which parts of a question the parsers have explained: non-overlapping character spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Spans:
    """Non-overlapping [start, end) spans of the question text."""

    taken: list[tuple[int, int]] = field(default_factory=list)

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))

    def copy(self) -> Spans:
        return Spans(list(self.taken))

    def rest(self, text: str) -> str:
        """The text with every taken span blanked out."""
        chars = list(text)
        for start, end in self.taken:
            for i in range(start, min(end, len(chars))):
                chars[i] = " "
        return "".join(chars)


def matches(text: str, patterns: Iterable[tuple[str, object]]) -> list[tuple[int, int, object]]:
    """(start, end, payload) of every non-empty match of every pattern."""
    found = []
    for pattern, payload in patterns:
        for m in re.finditer(pattern, text):
            if m.end() > m.start():
                found.append((m.start(), m.end(), payload))
    return found


def longest_first(found: list[tuple[int, int, object]], spans: Spans) -> list[tuple[int, int, object]]:
    """Keep the longest of overlapping matches (then the leftmost); take their spans."""
    kept = []
    for start, end, payload in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
        if spans.free(start, end):
            spans.take(start, end)
            kept.append((start, end, payload))
    return sorted(kept, key=lambda f: f[0])
