"""Scoring answers against a gold Q&A set (the format of ../shared/corpus/gold-dev.jsonl).

Pure functions; the eval command, the gold tests and the benchmark share them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer

UNANSWERABLE = "unanswerable"
_NUMBER = re.compile(r"^([多少]?)\s*(-?\d+(?:\.\d+)?)\s*(%|万元|元|件|条|个|人|次|篇|批次|项)?")


def load_gold(path: str | Path) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def gold_number(answer: object) -> tuple[float, int] | None:
    """The figure a gold answer states, with its printed decimals: 61.72万元 -> (61.72, 2).

    "多831件（…）" is +831 and "少12件" is -12 (a difference).
    """
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, float)):
        text = repr(answer)
        return float(answer), len(text.split(".")[1]) if "." in text and not text.endswith(".0") else 0
    if str(answer).startswith("持平"):
        return 0.0, 0
    m = _NUMBER.match(str(answer).strip())
    if not m:
        return None
    value = float(m.group(2)) * (-1 if m.group(1) == "少" else 1)
    decimals = len(m.group(2).split(".")[1]) if "." in m.group(2) else 0
    return value, decimals


def _fold(text: str) -> str:
    return re.sub(r"[\s，,。：:“”\"'（）()]", "", text)


def is_correct(gold: dict, answer: Answer) -> bool:
    """Unanswerable: refused. A figure: the answer's value, to the printed precision.
    Other text: contained in the answer's first line (so a ranking's runner-up does not count)."""
    expected = gold["answer"]
    if expected == UNANSWERABLE:
        return answer.abstained
    if answer.abstained:
        return False
    number = gold_number(expected)
    if number is not None and answer.value is not None:
        value, decimals = number
        return round(answer.value, decimals) == round(value, decimals)
    first = _fold(answer.answer.splitlines()[0] if answer.answer else "")
    if number is not None and isinstance(expected, (int, float)):
        return False
    return _fold(str(expected)) in first


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def score(results: Iterable[tuple[dict, str, Answer]]) -> dict[tuple[str, str], Tally]:
    """(gold item, language, answer) -> tallies keyed by (kind, language), with ('all', language)."""
    tallies: dict[tuple[str, str], Tally] = {}
    for gold, language, answer in results:
        ok = is_correct(gold, answer)
        for key in ((gold["kind"], language), ("all", language)):
            tally = tallies.setdefault(key, Tally())
            tally.total += 1
            tally.right += ok
            if not ok and key[0] != "all":
                tally.failures.append({"id": gold["id"], "question": answer.question,
                                       "expected": gold["answer"], "answered": answer.answer,
                                       "value": answer.value})
    return tallies


def format_tallies(tallies: dict[tuple[str, str], Tally]) -> str:
    kinds = sorted({k for k, _ in tallies}, key=lambda k: (k == "all", k))
    lines = ["kind          zh              en"]
    for kind in kinds:
        cells = []
        for language in ("zh", "en"):
            t = tallies.get((kind, language))
            cells.append(f"{t.right:>3}/{t.total:<3} {t.accuracy:6.1%}" if t else " " * 14)
        lines.append(f"{kind:<13} " + "  ".join(cells))
    return "\n".join(lines)
