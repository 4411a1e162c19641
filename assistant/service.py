"""The one service every surface uses: ``Assistant.ask(question) -> Answer``.

Routes, in order: table facts (exact, from SQLite); passages (hybrid retrieval,
then the sentence that answers, or an LLM when configured); otherwise an
abstention that says what was searched and what is missing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingest import template as tpl
from ingest.errors import ConfigError, InputError
from ingest.models import Citation, Fact, Finding, Passage, ReportRecord
from ingest.passages import section_key
from ingest.text import addresses_model

from .answer import Answer, Evidence
from .bilingual import chinese_for
from .compute import Calculator, consistency_findings, fact_rows
from .extract import Extract, answer_span, extract_answer, quantity_in
from .feedback import FeedbackEntry, Rating, gold_lines
from .library import ReportLibrary
from .messages import Miss, agency_not_ingested, no_reports, not_recorded, reports_not_ingested
from .ports import Answerer, Embedding, FactStore, FeedbackStore, PassageSearch, ReportWriter
from .render import Renderer, quote_framing_en
from .understanding import Catalog, CatalogEntry, Query, parse_question

PASSAGE_HITS = 8


class Assistant:
    """Answers questions over the ingested reports, and offers the adapters everything else they
    show: the library (``assistant.library``), facts, findings and passages. Collaborators come
    in through the constructor."""

    def __init__(self, store: FactStore, retriever: PassageSearch | None = None, llm: Answerer | None = None,
                 embed: Embedding | None = None, ingestor: ReportWriter | None = None,
                 feedback: FeedbackStore | None = None, data_dir: Path | None = None):
        self.store = store
        self.retriever = retriever
        self.llm = llm
        self.embed = embed
        self.library = ReportLibrary(store, ingestor, data_dir)
        self.feedback_log = feedback
        self.calculator = Calculator(store)
        self.renderer = Renderer(self.calculator.findings_for)
        self._catalog: Catalog | None = None
        self._catalog_key: int | None = None

    def warm_up(self) -> None:
        """Build the catalog and the retrieval indexes now (a server calls this at start)."""
        self.catalog()
        if self.retriever is not None:
            self.retriever.warm_up()
        if self.embed is not None:
            self.embed(["预热 warm-up"])  # loads the model's weights

    # ------------------------------------------------------------ feedback

    def record_feedback(self, question: str, answer: str, rating: Rating, citations: Sequence[Citation] = (),
                        *, agency: str | None = None, year: int | None = None) -> FeedbackEntry:
        """A user's mark on an answer as shown (👍 up, 👎 down, wrong_citation)."""
        return self._feedback().add(question, answer, rating, citations, agency=agency, year=year)

    def amend_feedback(self, entry_id: str, *, comment: str = "", correction: str = "") -> None:
        """A comment or the right answer, added to a mark."""
        self._feedback().amend(entry_id, comment=comment, correction=correction)

    def feedback(self) -> list[FeedbackEntry]:
        return self._feedback().entries()

    def feedback_gold(self) -> tuple[list[dict], int]:
        """The marks as gold-set lines for ``xxgk eval``, and how many had no known answer."""
        return gold_lines(self.feedback())

    def _feedback(self) -> FeedbackStore:
        if self.feedback_log is None:
            raise ConfigError("this assistant keeps no feedback; build it with assistant.from_config()")
        return self.feedback_log

    def close(self) -> None:
        """Close the store's connections (the passage index needs no closing)."""
        self.store.close()

    # ------------------------------------------------------------ catalog

    def catalog(self) -> Catalog:
        """The answering reports and their agencies; rebuilt when the store changed."""
        key = self.store.version()
        if key != self._catalog_key:
            records = self.store.reports(include_duplicates=False)
            agencies = {a.id: a for a in self.store.agencies()}
            printings: dict[str, set[str]] = {}
            for r in self.store.reports():
                if r.agency_id and r.printed_agency:
                    printings.setdefault(r.agency_id, set()).add(r.printed_agency)
            entries = []
            for r in records:
                if not r.agency:
                    continue
                agency = agencies.get(r.agency_id or "")
                identified = agency is not None and bool(agency.organ)
                entries.append(CatalogEntry(
                    r.id, r.agency, r.year, r.template, r.source_file, r.short_names,
                    agency_id=r.agency_id if identified else None,
                    division=agency.division if identified else None,
                    organ=agency.organ if identified else None,
                    place=agency.place if identified else None,
                    printings=tuple(sorted(printings.get(r.agency_id or "", ())))))
            self._catalog = Catalog(tuple(entries))
            self._catalog_key = key
        assert self._catalog is not None
        return self._catalog

    # ------------------------------------------------------------ what the adapters show

    def facts(self, *, agency: str | None = None, year: int | None = None, table: str | None = None,
              row: str | None = None, column: str | None = None) -> list[dict]:
        """Stored facts as flat rows (compute.FACT_FIELDS plus bbox), answering copies only."""
        return fact_rows(self.store, agency=agency, year=year, table=table, row=row, column=column)

    def findings(self) -> list[tuple[ReportRecord, Finding]]:
        """Every broken identity of every answering report, with the carry-over check."""
        return consistency_findings(self.store)

    def passages(self, report_id: str) -> list[Passage]:
        """A report's passages in reading order (for showing a quote in its context)."""
        return [p.passage for p in self.store.passages(report_id)]

    def cells(self, report_id: str) -> dict[tuple[str, str, str], Fact]:
        """A report's stored cells by (table, row, column)."""
        return self.store.fact_map(report_id)

    # ------------------------------------------------------------ asking

    def ask(self, question: str, *, agency: str | None = None, year: int | None = None) -> Answer:
        final = None
        for piece in self.stream(question, agency=agency, year=year):
            if isinstance(piece, Answer):
                final = piece
        assert final is not None
        return final

    def stream(self, question: str, *, agency: str | None = None,
               year: int | None = None) -> Iterator[str | Answer]:
        """Text pieces of the final answer, then the Answer itself (always last).

        Only checked text is ever yielded: an LLM's reply is held until it passes the
        check, and the deterministic answer stands when it does not."""
        question = (question or "").strip()
        if not question:
            raise InputError("question", "the question is empty; type a question about the reports")
        catalog = self.catalog()
        query = parse_question(question, catalog, agency=agency, year=year)
        if not catalog.entries:
            empty = no_reports(how_to_add="请先运行 xxgk ingest 文件夹。", how_to_add_en=" Run: xxgk ingest FOLDER")
            yield from _pieces(_abstain(query, empty.reason, empty.reason_en))
            return
        facts = self.table_answer(query, catalog)
        final = self._deterministic(query, catalog, facts)
        settled = (isinstance(facts, Miss) and facts.clarify) or (isinstance(facts, Answer) and not query.residual)
        if self.llm is not None and not settled:
            final = self._llm(query, catalog, facts) or final
        yield from _pieces(final)

    def table_answer(self, query: Query, catalog: Catalog) -> Answer | Miss | None:
        """The answer the tables give (computed, then rendered); None: no table cells asked."""
        result = self.calculator.compute(query, catalog)
        if result is None or isinstance(result, Miss):
            return result
        return self.renderer.render(result, query)

    def _deterministic(self, query: Query, catalog: Catalog, facts: Answer | Miss | None) -> Answer:
        """The answer from table facts and quoted sentences alone."""
        if isinstance(facts, Miss) and facts.clarify:
            return self._abstention(query, catalog, facts)
        if isinstance(facts, Answer) and not query.residual:
            return facts
        passage = self._passages(query, catalog)
        if passage is not None and isinstance(facts, Miss) and not _mentions(passage, query.metrics):
            passage = None  # the table has no such figure; a sentence must at least be about it
        if passage is not None and isinstance(facts, Answer) and not _says(passage, query):
            passage = None  # words the table cannot explain ("集中公开的…"): the text must have them
        if passage is None and facts is None:
            passage = self._section(query, catalog)
        if passage is not None:
            return passage
        if isinstance(facts, Answer):
            # Content words no table term explains: another cell would answer another question.
            return self._abstention(query, catalog, not_recorded(query.residual, [m.table for m in query.metrics]))
        return self._abstention(query, catalog, facts)

    # ------------------------------------------------------------ routes

    def _scope(self, query: Query, catalog: Catalog) -> list[str] | None:
        """Report ids the question is about; None = every report."""
        agencies = list(query.scope_agencies)
        if not agencies and not query.years:
            return None
        return catalog.report_ids(agencies, query.years)

    def search(self, question: str, *, k: int = PASSAGE_HITS) -> list[Evidence]:
        """The passages the passage route would read for ``question``, scoped as it scopes them."""
        catalog = self.catalog()
        return self._search(parse_question(question, catalog), catalog, k)

    def _search(self, query: Query, catalog: Catalog, k: int = PASSAGE_HITS,
                ignore: Sequence[str] | None = None) -> list[Evidence]:
        if self.retriever is None or (query.unknown_agency and not query.agencies):
            return []
        ignore = _ignore_terms(query, catalog) if ignore is None else ignore
        hits = self.retriever.search(query.text, report_ids=self._scope(query, catalog), k=k,
                                     ignore=ignore)
        # Report text that gives a model instructions is no evidence for any answer.
        return [h for h in hits if not addresses_model(h.text)]

    def _passages(self, query: Query, catalog: Catalog) -> Answer | None:
        # Table-row passages restate stored facts; the facts route already answers from those.
        ignore = _ignore_terms(query, catalog)
        hits = [h for h in self._search(query, catalog, ignore=ignore) if h.citation.table is None]
        if not hits:
            return None
        extracts = extract_answer(query.text, hits, ignore=ignore, embed=self.embed,
                                  answer_type=query.answer_type)
        if not extracts:
            return None
        return _passage_answer(query, extracts)

    def _section(self, query: Query, catalog: Catalog) -> Answer | None:
        """'有哪些问题': the report's own section on problems (or improvements) answers."""
        intent = section_intent(query.text)
        report_ids = self._scope(query, catalog)
        if intent is None or not report_ids or len(report_ids) > 1:
            return None
        _, _, narrowing = tpl.SECTION_QUESTIONS[intent]
        entry = next(e for e in catalog.entries if e.report_id == report_ids[0])
        passages = [p.passage for p in self.store.passages(entry.report_id)
                    if p.passage.kind == "prose"
                    and section_key(p.passage.section.split(" > ")[0]) == "problems"]
        narrowed = [p for p in passages if any(w in p.section.partition(" > ")[2] for w in narrowing)]
        chosen = (narrowed or passages)[:2]
        if not chosen:
            return None
        citations = tuple(Citation(entry.source_file, entry.report_id, entry.agency, entry.year,
                                   p.page, p.section, quote=p.text) for p in chosen)
        quote = "".join(p.text for p in chosen)
        section = chosen[0].section
        text = (f"据{entry.agency}{entry.year}年报告（{section}）：“{quote}”" if query.language == "zh"
                else quote_framing_en(citations[0], quote))
        return Answer(question=query.text, answer=text, mode="passages", language=query.language,
                      citations=citations)

    def _llm(self, query: Query, catalog: Catalog, facts: Answer | Miss | None) -> Answer | None:
        """The model's answer, if it passes the check; None to keep the deterministic one.

        A question the table answers may only get figures from the cells it asked for;
        a text question from the cited passages. Passages that address the model are
        never offered to it."""
        evidence: list[Evidence] = self._fact_evidence(facts) if isinstance(facts, Answer) else []
        evidence += self._search(query, catalog)
        if not evidence:
            return None
        raw = self.llm.reply(query.text, query.language, evidence)
        result = self.llm.finish(raw, evidence, question=query.text)
        if result is None:
            return None
        citations = tuple(e.citation for e in result.cited)
        return Answer(question=query.text, answer=result.text, mode="llm", language=query.language,
                      value=result.value, unit=result.unit, citations=citations,
                      findings=tuple(self.renderer.notes(citations)))

    def _fact_evidence(self, facts: Answer) -> list[Evidence]:
        """The cells a facts answer cites, as numbered items with their values."""
        out = []
        maps: dict[str, dict] = {}
        for c in facts.citations:
            if not (c.table and c.row and c.column):
                continue
            cells = maps.setdefault(c.report_id, self.store.fact_map(c.report_id))
            fact = cells.get((c.table, c.row, c.column))
            if fact is None:
                continue
            shown = fact.raw or "（空）"
            text = f"{c.agency} {c.year}年 {c.label} = {shown}{' ' + fact.unit if fact.value is not None else ''}"
            out.append(Evidence(text, c, 1.0, "fact", value=fact.value, unit=fact.unit))
        return out

    def _abstention(self, query: Query, catalog: Catalog, facts: Answer | Miss | None) -> Answer:
        if isinstance(facts, Miss):
            return _abstain(query, facts.reason, facts.reason_en)
        if query.unknown_agency and not query.agencies:
            miss = agency_not_ingested(query.unknown_agency, query.available)
            return _abstain(query, miss.reason, miss.reason_en)
        agencies = list(query.scope_agencies)
        if agencies and query.years and not catalog.report_ids(agencies, query.years):
            miss = reports_not_ingested(agencies, query.years, catalog.years)
            return _abstain(query, miss.reason, miss.reason_en)
        scope = "、".join(f"{a}" for a in agencies) or f"全部{len(catalog.agencies)}个单位"
        years = "、".join(map(str, query.years))
        scope_zh = f"{scope}{years + '年' if years else ''}的报告"
        scope_en = (", ".join(agencies) or f"all {len(catalog.agencies)} agencies") + (
            f" ({', '.join(map(str, query.years))})" if query.years else "")
        return _abstain(
            query,
            f"在{scope_zh}中没有找到能回答这个问题的数字或语句：它不是年报统计表中的栏目，正文也没有提到。"
            "报告没有提供的内容，这里不做推测。",
            f"Searched the reports of {scope_en}: no table cell or sentence answers this. It is not "
            "one of the template's table entries and the text does not state it; xxgk does not guess.")


# ---------------------------------------------------------------- helpers


def _mentions(answer: Answer, metrics: Sequence) -> bool:
    """Does a quoted sentence name one of the rows the question asked about?"""
    quoted = "".join(c.quote for c in answer.citations)
    for metric in metrics:
        for key in metric.rows:
            row = tpl.row(metric.table, key)
            names = [re.sub(r"^[一二三四五六七八九十\d]+[、.．]|（[^）]*）", "", n) for n in (row.zh, *row.aliases)]
            if any(len(n) >= 2 and n in quoted for n in names):
                return True
    return False


def _says(answer: Answer, query: Query) -> bool:
    """Does the quoted text say what the question adds to a table figure: every residual word
    (for English, one of its CC-CEDICT translations), and, for English, the figure's row?"""
    quoted = "".join(c.quote for c in answer.citations)
    if query.language == "zh":
        return all(word in quoted for word in query.residual)
    return _mentions(answer, query.metrics) and all(
        any(form in quoted for form in chinese_for(word) if len(form) >= 2) or not chinese_for(word)
        for word in query.residual)


def section_intent(question: str) -> str | None:
    lowered = question.lower()
    for key, (zh, en, _) in tpl.SECTION_QUESTIONS.items():
        if any(re.search(p, lowered) for p in zh + en):
            return key
    return None


def _pieces(answer: Answer) -> Iterator[str | Answer]:
    yield from answer.answer.splitlines(keepends=True)
    yield answer


def _abstain(query: Query, zh: str, en: str) -> Answer:
    return Answer(question=query.text, answer=zh if query.language == "zh" else en, mode="none",
                  language=query.language, abstained=True)


def _ignore_terms(query: Query, catalog: Catalog) -> list[str]:
    terms: list[str] = list(query.mentions)
    for entry in catalog.entries:
        if entry.agency in query.agencies:
            terms += [entry.agency, *entry.short_names]
    terms += [f"{y}年" for y in query.years] + [str(y) for y in query.years]
    return [t for t in dict.fromkeys(terms) if t]


_SPAN_LABELS = {"email": ("电子邮箱", "Email"), "phone": ("电话", "Phone"), "url": ("网址", "Web address"),
                "percent": ("比例", "Percentage"), "date": ("日期", "Date")}


def _passage_answer(query: Query, extracts: Sequence[Extract]) -> Answer:
    best = extracts[0]
    c = best.evidence.citation
    quote = "".join(e.sentence for e in extracts)
    where = f"{c.agency}{c.year}年报告" if c.agency else Path(c.source_file).name
    section = (c.section or "").split(" > ")[0]
    quantity = quantity_in(best.sentence, query.text)
    value, unit = quantity if quantity else (None, None)
    text = (f"据{where}{f'（{section}）' if section else ''}：“{quote}”" if query.language == "zh" else
            quote_framing_en(c, quote, (value, unit) if value is not None else None))
    span = answer_span(best.sentence, query.answer_type)
    if span is not None:  # lead with what was asked: the address, the number, the date
        label_zh, label_en = _SPAN_LABELS[query.answer_type or ""]
        text = (f"{label_zh}：{span}。{text}" if query.language == "zh" else
                f"{label_en}: {span}. {text}")
        if query.answer_type == "percent":
            number = re.search(r"\d+(?:\.\d+)?", span)
            value, unit = (float(number.group(0)), "%") if number else (None, None)
        else:
            value, unit = None, None
    citations = tuple(dataclasses.replace(e.evidence.citation, quote=e.sentence) for e in extracts)
    return Answer(question=query.text, answer=text, mode="passages", language=query.language,
                  value=value, unit=unit, citations=citations)


__all__ = ["Assistant"]
