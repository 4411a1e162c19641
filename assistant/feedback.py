"""Feedback on answers, kept so that it becomes evaluation data.

Each mark (👍, 👎, wrong citation) is one line of ``feedback.jsonl`` in the data
directory: the question, the answer as shown, its citations and the filters. A comment
or a correction added later is a second line naming the first. :func:`gold_lines` turns
the marks into lines of a gold Q&A set (the format ``xxgk eval`` reads).
"""

from __future__ import annotations

import fcntl
import json
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from ingest.models import Citation
from ingest.text import language_of

from .evaluation import UNANSWERABLE

Rating = Literal["up", "down", "wrong_citation"]
RATINGS: tuple[Rating, ...] = ("up", "down", "wrong_citation")


@dataclass(frozen=True)
class FeedbackEntry:
    id: str
    question: str
    answer: str  # as the user saw it
    rating: Rating
    citations: tuple[Citation, ...] = ()
    agency: str | None = None  # the filters the question was asked with
    year: int | None = None
    comment: str = ""
    correction: str = ""  # the right answer, in the user's words
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict:
        return asdict(self)


class FeedbackLog:
    """Append-only JSON lines; several processes may write at once (an exclusive lock)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def add(self, question: str, answer: str, rating: Rating, citations: Sequence[Citation] = (), *,
            agency: str | None = None, year: int | None = None) -> FeedbackEntry:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}")
        entry = FeedbackEntry(uuid.uuid4().hex[:12], question.strip(), answer.strip(), rating,
                              tuple(citations), agency, year)
        self._append(entry.to_dict())
        return entry

    def amend(self, entry_id: str, *, comment: str = "", correction: str = "") -> None:
        self._append({"amends": entry_id, "comment": comment.strip(), "correction": correction.strip(),
                      "at": time.time()})

    def entries(self) -> list[FeedbackEntry]:
        """Every mark with its latest comment and correction; unreadable lines are skipped."""
        if not self.path.exists():
            return []
        marks: dict[str, FeedbackEntry] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
                if "amends" in data:
                    if data["amends"] in marks:
                        old = marks[data["amends"]]
                        marks[old.id] = replace(old, comment=data.get("comment") or old.comment,
                                                correction=data.get("correction") or old.correction)
                    continue
                data["citations"] = tuple(Citation.from_dict(c) for c in data.get("citations", ()))
                marks[data["id"]] = FeedbackEntry(**data)
            except (ValueError, TypeError, KeyError):
                continue
        return list(marks.values())

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line)


_MARKUP = re.compile(r"^[#>*\s]+|[*_`]+")


def shown_answer(answer: str) -> str:
    """The answer's first line without its Markdown: '### 713 件' -> '713 件'."""
    first = next((line for line in answer.splitlines() if line.strip()), "")
    return _MARKUP.sub("", first).strip()


def gold_lines(entries: Iterable[FeedbackEntry]) -> tuple[list[dict], int]:
    """Gold-set lines from the marks, and how many marks were left out (marked wrong with
    no correction: the right answer is not known). A 👍 answer that cites nothing was a
    refusal: the question is unanswerable."""
    lines, left_out = [], 0
    for entry in entries:
        if entry.correction:
            expected: object = entry.correction
        elif entry.rating == "up":
            expected = shown_answer(entry.answer) if entry.citations else UNANSWERABLE
        else:
            left_out += 1
            continue
        reports = list(dict.fromkeys(Path(c.source_file).stem for c in entry.citations))
        cells = [c for c in entry.citations if c.table and c.row and c.column]
        kind = ("unanswerable" if expected == UNANSWERABLE else "cross" if len(reports) > 1
                else "table" if cells else "text")
        field_name = "question_en" if language_of(entry.question) == "en" else "question"
        lines.append({"id": f"feedback-{entry.id}", "report": ",".join(reports) or None,
                      "agency": entry.agency, "year": entry.year, field_name: entry.question,
                      "answer": expected, "kind": kind,
                      "evidence": " ; ".join(c.label or c.quote for c in entry.citations if c.label or c.quote),
                      "feedback": entry.rating, "comment": entry.comment})
    return lines, left_out
