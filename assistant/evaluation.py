"""Scoring answers against a gold Q&A set (the format of ../shared/corpus/gold-dev.jsonl).

Pure functions; the eval command, the gold tests and the benchmark share them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.text import fold

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


def is_correct(gold: dict, answer: Answer) -> bool:
    """The one definition of a right answer, citations aside.

    Unanswerable: refused. A figure: the answer's value, to the printed precision (a
    refusal on an answerable question is wrong). Other text: contained in the answer's
    first line (so a ranking's runner-up does not count)."""
    expected = gold["answer"]
    if expected == UNANSWERABLE:
        return answer.abstained
    if answer.abstained:
        return False
    if gold_number(expected) is not None:
        if answer.value is not None:
            return number_matches(expected, answer.value)
        if isinstance(expected, (int, float)):
            return False
    return text_contains(expected, answer.answer.splitlines()[0] if answer.answer else "")


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


# ---------------------------------------------------------------- the eval command's metrics
#
# The runner (assistant/eval_run.py) asks each gold question in each language and
# records a Trial: the Answer, its latency, the stored value of every cited table
# cell, and the passages retrieval returned. Everything below is pure.

QUESTION_FIELDS: tuple[tuple[str, str], ...] = (("question", "zh"), ("question_en", "en"))
KIND_ORDER: tuple[str, ...] = ("table", "text", "cross", "unanswerable")


def gold_stems(gold: dict) -> frozenset[str]:
    """File stems of the gold report(s): comma-separated for cross-report questions."""
    return frozenset(s.strip() for s in str(gold.get("report") or "").split(",") if s.strip())


def number_matches(expected: object, value: float | None) -> bool:
    """A number equal to the gold figure as printed: to its printed decimals."""
    number = gold_number(expected)
    if number is None or value is None:
        return False
    gold, decimals = number
    return round(value, decimals) == round(gold, decimals)


def text_contains(expected: object, text: str) -> bool:
    """Normalised containment: punctuation, quotes and spaces ignored."""
    needle = fold(str(expected), punctuation=True)
    return bool(needle) and needle in fold(text, punctuation=True)


def from_gold_report(gold: dict, source_file: str, agency: str | None = None,
                     year: int | None = None) -> bool:
    """Whether a source is the gold report: its file stem is one of the gold ``report`` stems.
    Gold items without a ``report`` (questions over several reports) match on their
    ``agency`` and ``year`` where those are given."""
    stems = gold_stems(gold)
    if stems:
        return Path(source_file).stem in stems
    return (gold.get("agency") in (None, agency)) and (gold.get("year") in (None, year))


def cites_report(gold: dict, citations: Iterable) -> bool:
    """Some citation comes from the gold report (any of them for a cross-report question)."""
    return any(from_gold_report(gold, c.source_file, c.agency, c.year) for c in citations)


def cites_cell(gold: dict, citations: Sequence, cell_values: Sequence[float | None]) -> bool:
    """A cited table cell of the gold report holds the gold value, or the cited cells of the
    gold report add up to it (a question over two rows, 行政诉讼 = both litigation rows).

    ``cell_values[i]`` is the stored value of the cell ``citations[i]`` names (None when the
    citation is not a cell, or the cell is blank)."""
    values = [value for c, value in zip(citations, cell_values)
              if c.table and c.row and c.column and value is not None
              and from_gold_report(gold, c.source_file, c.agency, c.year)]
    expected = gold["answer"]
    return any(number_matches(expected, v) for v in values) or \
        (len(values) > 1 and number_matches(expected, sum(values)))


def citation_correct(gold: dict, answer: Answer, cell_values: Sequence[float | None]) -> bool | None:
    """The cited source is the gold report; for table questions a cited cell holds the gold
    value. None for unanswerable questions (nothing to cite)."""
    if gold["answer"] == UNANSWERABLE:
        return None
    if not cites_report(gold, answer.citations):
        return False
    if gold["kind"] == "table" and gold_number(gold["answer"]) is not None:
        return cites_cell(gold, answer.citations, cell_values)
    return True


def _squash(text: str) -> str:
    """NFKC, spaces removed, except that spaces between two numbers (table cells in page
    text: "50 3 1362") become a boundary mark so the numbers do not run together."""
    text = re.sub(r"(?<=\d)\s+(?=\d)", "|", unicodedata.normalize("NFKC", text))
    return re.sub(r"\s+", "", text)


def answer_needle(expected: object) -> str:
    """What a retrieved text must hold for a hit: the answer as printed, spaces removed.
    A comparison ("多831件（…）") is looked for without its explanation in brackets."""
    text = repr(expected) if isinstance(expected, float) else str(expected)
    return _squash(re.split(r"[（(]", text, maxsplit=1)[0] or text)


def holds_answer(text: str, expected: object) -> bool:
    """The text holds the gold answer after removing spaces; a number must stand alone
    (1362 is not in 13620)."""
    needle = answer_needle(expected)
    if not needle or expected == UNANSWERABLE:
        return False
    before = r"(?<![\d.])" if needle[0].isdigit() else ""
    after = r"(?![\d.]*\d)" if needle[-1].isdigit() else ""
    return re.search(before + re.escape(needle) + after, _squash(text)) is not None


@dataclass(frozen=True)
class Retrieved:
    """One retrieved passage or chunk: the file it comes from (and the report's agency and
    year, where known) and its text."""

    source: str
    text: str
    agency: str | None = None
    year: int | None = None


def hit_at_k(gold: dict, retrieved: Sequence[Retrieved], k: int) -> bool:
    """A top-k passage of the gold report holds the gold answer."""
    return any(from_gold_report(gold, r.source, r.agency, r.year) and holds_answer(r.text, gold["answer"])
               for r in retrieved[:k])


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (as scripts/bench_ask.py); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def abstention_scores(pairs: Iterable[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """(unanswerable, abstained) pairs -> (precision, recall) of abstaining; None when undefined."""
    pairs = list(pairs)
    abstained = sum(1 for _, a in pairs if a)
    unanswerable = sum(1 for u, _ in pairs if u)
    both = sum(1 for u, a in pairs if u and a)
    return (both / abstained if abstained else None, both / unanswerable if unanswerable else None)


@dataclass(frozen=True)
class Trial:
    """One gold question asked in one language, and what the runner observed."""

    gold: dict
    language: str  # "zh" (the question field) or "en" (question_en)
    answer: Answer
    ms: float
    cell_values: tuple[float | None, ...] = ()  # aligned with answer.citations
    retrieved: tuple[Retrieved, ...] | None = None  # xxgk's top-k passages (text questions)
    baseline: tuple[Retrieved, ...] | None = None  # the baseline's top-k chunks


@dataclass(frozen=True)
class Outcome:
    """The verdict on one Trial."""

    id: str
    kind: str
    language: str
    question: str
    expected: object
    answered: str
    value: float | None
    mode: str
    abstained: bool
    cited: tuple[str, ...]
    ms: float
    answer_ok: bool
    citation_ok: bool | None
    correct: bool
    hit: bool | None  # xxgk retrieval hit@k (text questions)
    baseline_hit: bool | None  # baseline context hit@k (answerable questions, with --baseline)
    reason: str  # why it is wrong; "" when correct


def describe_citation(c) -> str:
    where = Path(c.source_file).stem + (f" p.{c.page}" if c.page else "")
    return f"{where} {c.label or c.section or ''}".strip()


def judge(trial: Trial, k: int) -> Outcome:
    gold, answer = trial.gold, trial.answer
    unanswerable = gold["answer"] == UNANSWERABLE
    answer_ok = is_correct(gold, answer)
    citation_ok = citation_correct(gold, answer, trial.cell_values)
    correct = answer_ok if unanswerable else answer_ok and bool(citation_ok)
    if correct:
        reason = ""
    elif unanswerable:
        reason = "answered an unanswerable question"
    elif answer.abstained:
        reason = "refused an answerable question"
    elif not answer_ok:
        reason = "wrong answer"
    elif not cites_report(gold, answer.citations):
        reason = "right answer, wrong citation (not the gold report)"
    else:
        reason = "right answer, but no cited cell holds the gold value"
    hit = hit_at_k(gold, trial.retrieved, k) if trial.retrieved is not None else None
    baseline_hit = hit_at_k(gold, trial.baseline, k) if trial.baseline is not None else None
    field_name = {lang: name for name, lang in QUESTION_FIELDS}[trial.language]
    return Outcome(
        id=str(gold["id"]), kind=gold["kind"], language=trial.language,
        question=gold.get(field_name) or answer.question, expected=gold["answer"],
        answered=answer.answer, value=answer.value, mode=answer.mode, abstained=answer.abstained,
        cited=tuple(describe_citation(c) for c in answer.citations), ms=round(trial.ms, 2),
        answer_ok=answer_ok, citation_ok=citation_ok, correct=correct, hit=hit,
        baseline_hit=baseline_hit, reason=reason)


@dataclass(frozen=True)
class Ratio:
    right: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.right / self.total if self.total else None

    def __str__(self) -> str:
        return f"{self.right}/{self.total} ({self.rate:.1%})" if self.total else "—"


def _ratio(flags: Iterable[bool | None]) -> Ratio:
    known = [f for f in flags if f is not None]
    return Ratio(sum(known), len(known))


@dataclass(frozen=True)
class GroupStats:
    """Figures for one kind ("all" = every kind) and language ("all" = both)."""

    kind: str
    language: str
    questions: int
    correct: Ratio  # answer and citation right; a refusal for unanswerable
    answer_match: Ratio  # the number or text right, citations aside (answerable only)
    citation_ok: Ratio  # answerable only
    hit: Ratio  # xxgk retrieval hit@k (text questions)
    baseline_hit: Ratio  # baseline context hit@k (answerable questions)
    p50_ms: float
    p95_ms: float


def group_stats(outcomes: Sequence[Outcome], kind: str = "all", language: str = "all") -> GroupStats:
    chosen = [o for o in outcomes if kind in ("all", o.kind) and language in ("all", o.language)]
    answerable = [o for o in chosen if o.kind != "unanswerable"]
    ms = [o.ms for o in chosen]
    return GroupStats(
        kind=kind, language=language, questions=len(chosen),
        correct=_ratio(o.correct for o in chosen),
        answer_match=_ratio(o.answer_ok for o in answerable),
        citation_ok=_ratio(o.citation_ok for o in answerable),
        hit=_ratio(o.hit for o in chosen), baseline_hit=_ratio(o.baseline_hit for o in answerable),
        p50_ms=percentile(ms, 0.5), p95_ms=percentile(ms, 0.95))


@dataclass(frozen=True)
class EvalReport:
    gold: str  # the gold file (as given)
    k: int
    baseline: bool  # whether the baseline ran
    outcomes: tuple[Outcome, ...]
    groups: tuple[GroupStats, ...]
    abstention: dict[str, tuple[float | None, float | None]]  # language -> (precision, recall)
    notes: tuple[str, ...] = ()  # what was ingested, how the baseline was built

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.correct)

    def group(self, kind: str = "all", language: str = "all") -> GroupStats:
        return next(g for g in self.groups if g.kind == kind and g.language == language)

    def to_dict(self) -> dict:
        def ratio(r: Ratio) -> dict:
            return {"right": r.right, "total": r.total, "rate": r.rate}

        def nan_free(x: float) -> float | None:
            return None if x != x else round(x, 2)

        groups = []
        for g in self.groups:
            groups.append({"kind": g.kind, "language": g.language, "questions": g.questions,
                           **{name: ratio(getattr(g, name)) for name in
                              ("correct", "answer_match", "citation_ok", "hit", "baseline_hit")},
                           "p50_ms": nan_free(g.p50_ms), "p95_ms": nan_free(g.p95_ms)})
        return {"gold": self.gold, "k": self.k, "baseline": self.baseline, "notes": list(self.notes),
                "groups": groups,
                "abstention": {lang: {"precision": p, "recall": r}
                               for lang, (p, r) in self.abstention.items()},
                "failures": [asdict(o) for o in self.failures],
                "results": [asdict(o) for o in self.outcomes]}


def build_report(trials: Sequence[Trial], *, k: int, gold: str = "", baseline: bool = False,
                 notes: Sequence[str] = ()) -> EvalReport:
    outcomes = tuple(judge(t, k) for t in trials)
    kinds = sorted({o.kind for o in outcomes},
                   key=lambda x: (KIND_ORDER.index(x) if x in KIND_ORDER else len(KIND_ORDER), x))
    keys = [("all", "all"), ("all", "zh"), ("all", "en")]
    keys += [(kind, lang) for kind in kinds for lang in ("zh", "en")]
    groups = tuple(group_stats(outcomes, kind, lang) for kind, lang in keys
                   if any(kind in ("all", o.kind) and lang in ("all", o.language) for o in outcomes))
    abstention = {lang: abstention_scores((o.kind == "unanswerable" or o.expected == UNANSWERABLE,
                                           o.abstained)
                                          for o in outcomes if lang in ("all", o.language))
                  for lang in ("all", "zh", "en")}
    return EvalReport(gold=gold, k=k, baseline=baseline, outcomes=outcomes, groups=groups,
                      abstention=abstention, notes=tuple(notes))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _ms(x: float) -> str:
    return "—" if x != x else f"{x:.0f}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def format_markdown(report: EvalReport, *, max_answer: int = 200) -> str:
    """The report as Markdown: one table (xxgk beside the baseline), abstention, latency and
    every failure with its question, expected and given answer, and what it cited."""
    k = report.k
    lines = [f"## xxgk eval: {report.gold}", ""]
    lines += [f"- {note}" for note in report.notes]
    if report.notes:
        lines.append("")
    header = ["kind", "lang", "n", "correct (answer + citation)", "answer match", "citation ok",
              f"xxgk passage hit@{k}"]
    if report.baseline:
        header.append(f"baseline context hit@{k}")
    header += ["p50 ms", "p95 ms"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for g in report.groups:
        row = [g.kind, g.language, str(g.questions), str(g.correct), str(g.answer_match),
               str(g.citation_ok), str(g.hit)]
        if report.baseline:
            row.append(str(g.baseline_hit))
        row += [_ms(g.p50_ms), _ms(g.p95_ms)]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("Correct = the number (to its printed decimals) or text is right **and** a citation is "
                 "the gold report (for table questions, a cited cell holds the gold value); a refusal "
                 "is correct only on unanswerable questions. "
                 f"Hit@{k}: a top-{k} passage of the gold report holds the gold answer (spaces removed)"
                 + ("; the baseline has no answer step, so its hit@k bounds what an LLM reading its "
                    "chunks could get right." if report.baseline else "."))
    lines.append("")
    lines.append("Abstention on `unanswerable`: " + "; ".join(
        f"{lang} precision {_pct(p)}, recall {_pct(r)}" for lang, (p, r) in report.abstention.items()))
    lines.append("")
    failures = report.failures
    lines.append(f"### Failures ({len(failures)})")
    lines.append("")
    if not failures:
        lines.append("None.")
    for o in failures:
        answered = o.answered if len(o.answered) <= max_answer else o.answered[: max_answer - 1] + "…"
        cited = "; ".join(o.cited) if o.cited else "nothing"
        lines.append(f"- **{o.id}** ({o.kind}, {o.language}) — {o.reason}")
        lines.append(f"  - question: {_cell(o.question)}")
        lines.append(f"  - expected: `{_cell(o.expected)}`")
        lines.append(f"  - answered: {_cell(answered)}" + (f" (value {o.value:g})" if o.value is not None else ""))
        lines.append(f"  - cited: {_cell(cited)}")
    return "\n".join(lines) + "\n"
