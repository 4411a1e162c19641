"""The web app's handlers, without a browser: a fake Assistant for streaming and errors,
and a real one over generated reports (BigramEmbedding) for sources, previews, the
library and the data tab."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from conftest import BigramEmbedding

from assistant.answer import Answer, FindingNote
from assistant.config import load_config
from assistant.factory import make_assistant, make_index
from assistant.understanding import Catalog, CatalogEntry
from devtools import samples
from ingest import template as tpl
from ingest.cells import format_number
from ingest.errors import BackendUnavailable, ConfigError, InputError
from ingest.models import BBox, Citation
from ui import handlers as h
from ui.library import Library
from ui.render import render_page

# ====================================================================== a fake assistant

CELL = Citation(source_file="/reports/qingshi-2023.pdf", report_id="r1", agency="青石市人民政府", year=2023,
                page=3, section="表三 收到和处理政府信息公开申请情况", table="t3", row="new_received",
                column="total", label="表三 · 一、本年新收政府信息公开申请数量 · 总计",
                quote="一、本年新收政府信息公开申请数量 · 总计：3119", bbox=BBox(400, 300, 440, 316))
PASSAGE = Citation(source_file="/reports/qingshi-2023.html", report_id="r1", agency="青石市人民政府",
                   year=2023, page=None, section="一、总体情况 > （一）主动公开情况",
                   quote="全年主动公开政府信息2541条。")


class FakeAssistant:
    def __init__(self, pieces=(), answer=None, error=None, entries=True):
        self.pieces, self.answer, self.error = list(pieces), answer, error
        self.entries = (CatalogEntry("r1", "青石市人民政府", 2023, "2021", "/reports/qingshi-2023.pdf"),) \
            if entries else ()
        self.calls = []

    def catalog(self):
        return Catalog(self.entries)

    def stream(self, question, *, agency=None, year=None):
        self.calls.append((question, agency, year))
        yield from self.pieces
        if self.error is not None:
            raise self.error
        yield self.answer


def answer(**kw) -> Answer:
    base = dict(question="q", answer="青石市人民政府2023年本年新收政府信息公开申请总计为 3119 件。", mode="facts",
                value=3119.0, unit="件", citations=(CELL,))
    return Answer(**{**base, **kw})


def run(assistant, question="青石市人民政府2023年新收申请多少件？", **kw) -> list[h.ChatState]:
    return list(h.respond(assistant, question, [], {}, **kw))


def test_answer_streams_then_shows_figure_and_collapsible_sources():
    fake = FakeAssistant(pieces=["青石市人民政府2023年", "本年新收申请 3119 件。"], answer=answer())
    states = run(fake)
    assert [m["role"] for m in states[0].messages] == ["user", "assistant"]
    growing = [s.messages[-1]["content"] for s in states[1:-1]]
    assert growing[0].startswith("青石市人民政府2023年") and "3119" in growing[-1]
    assert all(s.current is None for s in states[:-1])
    final = states[-1]
    reply, block = final.messages[-2], final.messages[-1]
    assert reply["content"].startswith("### 3119 件")
    assert block["metadata"]["status"] == "done" and "来源 1 条" in block["metadata"]["title"]
    for part in ("青石市人民政府", "2023年", "qingshi-2023.pdf", "第3页", CELL.label, "3119"):
        assert part in block["content"]
    assert final.current == [CELL.to_dict()]
    assert final.sources == {1: [CELL.to_dict()], 2: [CELL.to_dict()]}


def test_filters_reach_the_assistant():
    fake = FakeAssistant(answer=answer())
    run(fake, agency="青石市人民政府", year="2023")
    run(fake, agency=h.ALL, year=h.ALL)
    assert [c[1:] for c in fake.calls] == [("青石市人民政府", 2023), (None, None)]


def test_abstention_says_so_plainly_without_a_figure():
    text = "在青石市人民政府2023年的报告中没有找到能回答这个问题的数字或语句。"
    fake = FakeAssistant(answer=answer(answer=text, mode="none", value=None, unit=None, abstained=True,
                                       citations=()))
    final = run(fake)[-1]
    content = final.messages[-1]["content"]
    assert content.startswith("**无法回答**") and text in content and "###" not in content
    assert final.messages[-1].get("metadata") is None and final.current == []


def test_consistency_warnings_on_cited_cells_are_visible():
    note = FindingNote("r1", "青石市人民政府", 2023, "t3_balance:total", "表三总计不等于各项之和",
                       "table 3 does not add up", (("t3", "new_received", "total"),))
    final = run(FakeAssistant(answer=answer(findings=(note,))))[-1]
    assert "一致性提示" in final.messages[-2]["content"] and note.message in final.messages[-2]["content"]
    assert f"⚠ {note.message}" in final.messages[-1]["content"]  # the flagged source
    noted = answer(answer="…为 3119 件。\n注意：青石市人民政府2023年报告的表格不能自洽——表三总计不等于各项之和",
                   findings=(note,))
    content = h.format_answer(noted)
    assert "⚠ **注意：**" in content and content.count(note.message) == 1


def test_llm_server_down_is_a_message_with_what_to_do():
    fake = FakeAssistant(pieces=["据报告"], error=BackendUnavailable("cannot reach the LLM server at "
                                                                    "http://127.0.0.1:9/v1"))
    final = run(fake)[-1]
    content = final.messages[-1]["content"]
    assert "出错了" in content and "127.0.0.1:9" in content and "llm.enabled" in content
    assert "据报告" in content and "回答中断" in content and "Traceback" not in content


def test_a_bug_is_a_message_not_a_traceback():
    final = run(FakeAssistant(error=KeyError("boom")), question="How many requests in 2023?")[-1]
    content = final.messages[-1]["content"]
    assert "internal error (KeyError)" in content and "Traceback" not in content and "boom" not in content


def test_no_reports_yet_points_to_the_library():
    fake = FakeAssistant(answer=answer(), entries=False)
    final = run(fake)[-1]
    assert "还没有收录" in final.messages[-1]["content"] and "报告库" in final.messages[-1]["content"]
    assert fake.calls == []
    english = run(fake, question="How many requests did Qingshi receive?")[-1]
    assert "No reports have been ingested yet" in english.messages[-1]["content"]


def test_empty_question_adds_nothing():
    assert run(FakeAssistant(answer=answer()), question="   ") == [h.ChatState([], {})]


def test_source_choices_and_citation_round_trip():
    choices = h.source_choices([CELL.to_dict(), PASSAGE])
    assert [v for _, v in choices] == [0, 1]
    assert choices[0][0].startswith("[1] 青石市人民政府 · 2023年 · qingshi-2023.pdf · 第3页")
    assert "一、总体情况" in choices[1][0]
    assert h.as_citation(CELL.to_dict()) == CELL


def test_example_questions_follow_the_catalog():
    catalog = Catalog((CatalogEntry("a", "甲市人民政府", 2022, "2021", "a.pdf"),
                       CatalogEntry("b", "甲市人民政府", 2023, "2021", "b.pdf"),
                       CatalogEntry("c", "乙县教育局", 2023, "2021", "c.pdf")))
    questions = h.example_questions(catalog)
    assert questions[0] == "甲市人民政府2023年本年新收政府信息公开申请多少件？"
    assert "哪个单位2023年收到的申请最多？" in questions
    assert "甲市人民政府2022年和2023年一共新收了多少件政府信息公开申请？" in questions
    assert h.example_questions(Catalog(())) == []
    assert h.year_choices(catalog, "乙县教育局") == [("全部年度 · All years", h.ALL), ("2023年", "2023")]


# ====================================================================== real reports


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three fictional agencies, 2022 and 2023, ingested through the Library."""
    root = tmp_path_factory.mktemp("ui")
    files = samples.write_corpus(root / "corpus", n_agencies=3, years=(2022, 2023))
    config = load_config(environ={}, data_dir=root / "data")
    index = make_index(config, embedding=BigramEmbedding())
    assistant = make_assistant(config, index=index)
    library = Library(assistant, root / "data" / "uploads")
    steps = []
    results = library.add(files, progress=lambda fraction, desc="": steps.append(fraction))
    series = {a.name: {r.year: r for r in samples.make_series(a.name, (2022, 2023), 0)}
              for a in samples.AGENCIES[:3]}
    return {"library": library, "assistant": assistant, "store": assistant.store, "results": results,
            "steps": steps, "series": series, "root": root}


def final_state(assistant, question, **kw) -> h.ChatState:
    return list(h.respond(assistant, question, [], {}, **kw))[-1]


def test_upload_copies_every_file_and_reports_per_file(corpus):
    results, library = corpus["results"], corpus["library"]
    assert [r.status for r in results] == ["ingested"] * 6
    # One step as each file starts, one as each of its pages is read, and the end.
    steps = corpus["steps"]
    assert steps[0] == 0 and steps[-1] == 1.0 and steps == sorted(steps)
    assert len(steps) == 1 + len(results) + sum(r.pages for r in results)
    assert all(library.uploads_dir in Path(r.path).parents for r in results)
    table = h.format_results(results)
    assert "6/6 个文件已入库" in table and "青石市教育局 | 2023 | 2021 | 3 | 200" in table
    rows = h.report_table(library)
    assert len(rows) == 6
    # Pages are counted for PDFs; HTML and text reports have none, shown as "—", never 0.
    assert all((row[3] == h.NO_PAGES) == (not row[7].endswith(".pdf")) for row in rows)
    assert any(row[3] == h.NO_PAGES for row in rows) and any(row[3] != h.NO_PAGES for row in rows)


def test_real_answer_cites_the_pdf_cell_and_the_preview_highlights_it(corpus):
    expected = corpus["series"]["青石市教育局"][2023].number(("t3", "new_received", "total"))
    state = final_state(corpus["assistant"], "青石市教育局2023年本年新收政府信息公开申请多少件？")
    assert state.messages[-2]["content"].startswith(f"### {expected} 件")
    [cited] = state.current
    assert cited["source_file"].endswith("qingshi-edu-2023.pdf") and cited["page"] and cited["bbox"]
    preview = h.preview_source(corpus["assistant"], cited)
    assert preview.image is not None and preview.image.info["highlights"] == 1
    assert "黄色框为所引内容" in preview.markdown and "qingshi-edu-2023.pdf · 第" in preview.markdown
    box = BBox(**cited["bbox"])
    scale = 110 / 72
    region = preview.image.crop((int(box.x0 * scale), int(box.top * scale),
                                 int(box.x1 * scale), int(box.bottom * scale)))
    marked = sum(1 for r, g, b in region.getdata() if r > 200 and g > 200 and b < 200)
    assert marked > 0.5 * region.width * region.height
    unmarked = render_page(cited["source_file"], cited["page"])
    assert unmarked.info["highlights"] == 0
    same_region = unmarked.crop((int(box.x0 * scale), int(box.top * scale),
                                 int(box.x1 * scale), int(box.bottom * scale)))
    assert sum(1 for r, g, b in same_region.getdata() if r > 200 and g > 200 and b < 200) == 0


def test_passage_quote_is_found_on_the_pdf_page(corpus):
    store = corpus["store"]
    record = next(r for r in store.reports() if r.source_file.endswith("qingshi-edu-2023.pdf"))
    passage = next(p.passage for p in store.passages(record.id)
                   if p.passage.kind == "prose" and len(p.passage.text) > 30)
    image = render_page(record.source_file, passage.page, quote=passage.text)
    assert image.info["highlights"] >= 1
    missing = render_page(record.source_file, passage.page, quote="这句话不在任何一页上出现过")
    assert missing.info["highlights"] == 0 and missing.size == image.size
    citation = Citation(record.source_file, record.id, record.agency, record.year, passage.page,
                        passage.section, quote=passage.text)
    assert "黄色框为所引内容" in h.preview_source(corpus["assistant"], citation).markdown


def test_html_source_shows_the_passage_in_context(corpus):
    state = final_state(corpus["assistant"], "青石市人民政府2023年发布了多少篇政策解读？")
    assert state.messages[-2]["content"].startswith("### ")
    cited = state.current[0]
    assert cited["source_file"].endswith("qingshi-gov-2023.html")
    preview = h.preview_source(corpus["assistant"], cited)
    assert preview.image is None
    assert f"<mark>{cited['quote']}</mark>" in preview.markdown
    assert "一、总体情况" in preview.markdown and "xxgk-dim" in preview.markdown


def test_missing_pdf_is_said_not_raised(corpus):
    gone = Citation("/nowhere/report.pdf", "x", "某局", 2023, 2, quote="某句话")
    preview = h.preview_source(corpus["assistant"], gone)
    assert preview.image is None and "原文件不存在" in preview.markdown and "某句话" in preview.markdown


def test_example_questions_are_all_answered(corpus):
    catalog = corpus["assistant"].catalog()
    questions = h.example_questions(catalog)
    assert len(questions) == 6
    for q in questions:
        reply = corpus["assistant"].ask(q)
        assert not reply.abstained, q


def test_finding_questions_reach_the_broken_report(corpus):
    [finding] = h.findings(corpus["assistant"])
    assert (finding.agency, finding.year) == ("望川县发展和改革局", 2023)
    assert "1 份报告有 **1** 处不能自洽" in h.findings_summary([finding])
    assert "均能自洽" in h.findings_summary([])
    [row] = h.findings_table([finding])
    assert row[0] == "望川县发展和改革局" and row[2] == finding.message and "表四" in row[3]
    check = corpus["assistant"].ask(finding.check_question())
    assert check.mode == "facts" and "不能自洽" in check.answer
    cell = final_state(corpus["assistant"], finding.cell_question())
    assert "⚠" in cell.messages[-2]["content"] and finding.message in cell.messages[-2]["content"]


def test_facts_filters_and_exports(corpus, tmp_path):
    everything = h.facts(corpus["assistant"])
    assert len(everything) == 6 * 200
    rows = h.facts(corpus["assistant"], "青石市教育局", "2023", "t3", "new_received", "total")
    expected = corpus["series"]["青石市教育局"][2023].number(("t3", "new_received", "total"))
    assert [(r["agency"], r["year"], r["value"]) for r in rows] == [("青石市教育局", 2023, expected)]
    t4 = h.facts(corpus["assistant"], year="2022", row="t4|reconsideration")
    assert len(t4) == 3 * 5 and {r["row"] for r in t4} == {"reconsideration"}
    assert "共 **1200** 个数据" in h.facts_note(everything) and "前 2000" not in h.facts_note(everything)
    assert len(h.facts_frame(everything * 2)) == h.MAX_SHOWN_FACTS and "导出包含全部" in h.facts_note(everything * 2)
    frame = h.facts_frame(rows)
    assert list(frame.columns) == h.FACT_HEADERS and frame.iloc[0]["行"] == tpl.row("t3", "new_received").path

    path = h.export_facts(t4, "csv", tmp_path)
    with path.open(encoding="utf-8-sig") as fh:
        read = list(csv.DictReader(fh))
    assert len(read) == 15 and read[0]["agency"] and set(read[0]) == set(h.FACT_FIELDS)
    from openpyxl import load_workbook

    sheet = load_workbook(h.export_facts(t4, "xlsx", tmp_path)).active
    assert [c.value for c in sheet[1]] == h.FACT_FIELDS and sheet.max_row == 16


def test_chart_across_years_and_across_agencies(corpus):
    series = corpus["series"]
    ref = ("t3", "new_received", "total")
    by_year = h.chart(corpus["assistant"], "t3|new_received|total", h.BY_YEAR, "青石市教育局")
    assert by_year.kind == "line" and [line.name for line in by_year.lines] == ["青石市教育局"]
    points = by_year.lines[0].points
    assert [p.x for p in points] == [2022, 2023]
    assert [p.value for p in points] == [series["青石市教育局"][y].number(ref) for y in (2022, 2023)]
    assert by_year.svg.count("<path") == 1 and by_year.svg.count("<circle") == 2
    # every point is a link to its cited cell, with the citation in its tooltip
    cell = h.chart_source(by_year.sources, points[1].key + "@123")
    assert cell["year"] == 2023 and cell["row"] == "new_received" and cell["page"]
    assert f'href="#xxgk-src-{points[1].key}"' in by_year.svg and "qingshi-edu-2023.pdf" in points[1].tip
    assert h.preview_source(corpus["assistant"], cell).image is not None
    assert h.chart_source(by_year.sources, "d999") is None and h.chart_source(by_year.sources, "c1-0") is None
    by_agency = h.chart(corpus["assistant"], "t4|reconsideration|total", h.BY_AGENCY, year="2022")
    assert by_agency.kind == "bar" and len(by_agency.bars) == 3 and "2022年" in by_agency.title
    values = {p.x: p.value for p in by_agency.bars}
    assert values["青石市人民政府"] == series["青石市人民政府"][2022].number(("t4", "reconsideration", "total"))
    assert by_agency.svg.count("<rect") == 3 and by_agency.svg.count('class="xxgk-point"') == 3
    labels = dict((v, k) for k, v in h.metric_choices())
    assert labels[h.DEFAULT_METRIC] == tpl.cell_label("t3", "new_received", "total")


class FactsOf:
    """A fake assistant whose only data are fact rows (the chart reads nothing else)."""

    def __init__(self, rows):
        self.rows = rows

    def facts(self, **_):
        return self.rows


def fact_row(agency, year, value, agency_id="a1"):
    cell = Citation(source_file=f"/r/{agency}-{year}.pdf", report_id=f"{agency}{year}", agency=agency, year=year,
                    page=2, table="t3", row="new_received", column="total",
                    label=tpl.cell_label("t3", "new_received", "total"))
    return {"agency": agency, "agency_id": agency_id, "year": year, "value": value, "unit": "件",
            "table": "t3", "row": "new_received", "column": "total", "row_label": "一、本年新收政府信息公开申请数量",
            "column_label": "总计", "raw": str(value), "source_file": cell.source_file, "page": 2,
            "label": cell.label, "bbox": None, "report_id": cell.report_id, "citation": cell.to_dict()}


def test_chart_line_breaks_at_a_missing_year_and_one_agency_is_one_line():
    # one agency printed two ways (one identity), 2022 missing; another agency alongside
    rows = [fact_row("平潭综合实验区管理委员会", 2019, 10), fact_row("平潭综合实验区管委会", 2020, 12),
            fact_row("平潭综合实验区管委会", 2021, 15), fact_row("平潭综合实验区管委会", 2023, 9),
            fact_row("福州市人民政府", 2021, 30, agency_id="a2"), fact_row("福州市人民政府", 2022, 31, agency_id="a2")]
    drawn = h.chart(FactsOf(rows), "t3|new_received|total", h.BY_YEAR)
    assert [line.name for line in drawn.lines] == ["平潭综合实验区管委会", "福州市人民政府"]
    assert [p.x for p in drawn.lines[0].points] == [2019, 2020, 2021, 2023]
    # 2019-2021 is one segment, 2023 stands alone: no segment bridges 2022
    segments = re.findall(r'class="xxgk-segment" d="([^"]+)"', drawn.svg)
    assert len(segments) == 2 and [s.count("L") for s in segments] == [2, 1]
    assert drawn.svg.count("<circle") == 6 and len(drawn.sources) == 6
    for year in range(2019, 2024):
        assert f">{year}</text>" in drawn.svg  # the missing year keeps its place on the axis


# ====================================================================== library changes


@pytest.fixture
def small_library(config, ingestor, sample_files, tmp_path):
    assistant = make_assistant(config, store=ingestor.store, index=ingestor.index)
    return Library(assistant, tmp_path / "uploads"), sample_files["files"]


def test_type_and_size_are_checked_before_any_work(small_library, tmp_path):
    library, files = small_library
    bad = tmp_path / "notes.xls"
    bad.write_bytes(b"not a report")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    small = Library(library.assistant, library.uploads_dir, max_file_bytes=1000)
    results = small.add([bad, empty, files["text"]])
    assert [r.status for r in results] == ["failed"] * 3
    assert "unsupported file type '.xls'" in results[0].reason and "empty" in results[1].reason
    assert "over the limit" in results[2].reason
    table = h.format_results(results)
    assert "0/3 个文件已入库" in table and "不支持的文件类型" in table and "文件是空的" in table
    assert "文件太大" in table and str(tmp_path) not in table
    assert not library.uploads_dir.exists() and library.assistant.store.reports() == []


def test_same_file_twice_is_one_report(small_library):
    library, files = small_library
    first, again = library.add([files["text"]]), library.add([files["text"]])
    assert (first[0].status, again[0].status) == ("ingested", "unchanged")
    assert len(library.reports()) == 1 and "已在库中" in h.format_results(again)


def test_delete_removes_facts_passages_and_the_kept_copy(small_library):
    library, files = small_library
    [result] = library.add([files["pdf2021"]])
    copy = Path(result.path)
    assert copy.is_file() and library.assistant.store.facts(result.report_id)
    assert library.delete(result.report_id)
    assert library.assistant.store.report(result.report_id) is None
    assert library.assistant.store.facts(result.report_id) == [] and library.assistant.store.passages(result.report_id) == []
    assert library.service.ingestor.index.count(result.report_id) == 0
    assert not copy.exists() and not library.delete(result.report_id)


def test_override_reingests_with_the_given_agency_and_year(small_library):
    library, files = small_library
    [result] = library.add([files["text"]])
    fixed = library.override(result.report_id, "望川县教育体育局", 2018)
    assert (fixed.agency, fixed.year) == ("望川县教育体育局", 2018)
    row = library.find(result.report_id)
    assert set(row.overridden) == {"agency", "year"} and "手工指定" in h.report_status(row)
    again = library.override(result.report_id, "望川县教育局", 2018)  # the same fields, new values
    assert again.agency == "望川县教育局" and library.find(result.report_id).agency == "望川县教育局"
    with pytest.raises(InputError):
        library.override(result.report_id, " ", None)


def test_login_needs_both_username_and_password(tmp_path):
    from ui.server import login

    assert login(load_config(environ={})) is None
    both = load_config(environ={"XXGK_SERVER__USERNAME": "ann", "XXGK_SERVER__PASSWORD": "pw"})
    assert login(both) == ("ann", "pw")
    with pytest.raises(ConfigError, match="together"):
        login(load_config(environ={"XXGK_SERVER__USERNAME": "ann"}))


def test_the_app_builds_over_real_backends(corpus):
    import gradio as gr

    from ui import build_app
    from ui.app import theme

    app = build_app(corpus["assistant"], corpus["library"])
    assert isinstance(app, gr.Blocks)
    assert all(isinstance(font, str) for font in theme()._font + theme()._font_mono)  # no web fonts
    # build_app(assistant) alone: the library works over the assistant's own store and index.
    assert isinstance(build_app(corpus["assistant"]), gr.Blocks)
    library = Library(corpus["assistant"])
    assert library.service is corpus["assistant"].library and library.uploads_dir == (corpus["root"] / "data" / "uploads").resolve()
    assert {r.report_id for r in library.reports()} == {r.report_id for r in corpus["library"].reports()}


def test_upload_with_agency_and_year_given_and_no_copy_of_a_failure(small_library, tmp_path):
    library, files = small_library
    anonymous = tmp_path / "report.txt"
    anonymous.write_text(files["text"].read_text(encoding="utf-8").replace("望川县教育局", "本局"), encoding="utf-8")
    notice = tmp_path / "notice.txt"
    notice.write_text("关于召开季度工作会议的通知。请各科室负责人准时参加。", encoding="utf-8")
    overrides = h.upload_overrides(" 望川县教育局 ", 2019.0)
    report, failed = library.add([anonymous, notice], overrides=overrides)
    assert (report.status, report.agency, report.year) == ("ingested", "望川县教育局", 2019)
    assert set(library.find(report.report_id).overridden) == {"agency", "year"}
    assert failed.failed and "看起来不是政府信息公开工作年度报告" in h.format_results([failed])
    kept = [p.name for p in library.uploads_dir.rglob("*") if p.is_file()]
    assert kept == ["report.txt"]
    assert h.upload_overrides("", None) == h.Overrides()


def test_real_llm_server_down_is_a_chat_message(corpus):
    config = load_config(environ={}, data_dir=corpus["root"] / "data", llm__enabled=True,
                         llm__base_url="http://127.0.0.1:9/v1", llm__timeout_s=2)
    library = corpus["library"]
    assistant = make_assistant(config, store=library.assistant.store, index=library.service.ingestor.index)
    state = final_state(assistant, "青石市人民政府2023年发布了多少篇政策解读？")
    content = state.messages[-1]["content"]
    assert content.startswith("**出错了**") and "127.0.0.1:9" in content and "llm.enabled" in content
    assert state.current == [] and "Traceback" not in content


def test_identical_uploads_are_one_report_and_reuse_the_kept_copy(small_library, tmp_path):
    library, files = small_library
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(files["text"].read_bytes())
    b.write_bytes(files["text"].read_bytes())
    first, second = library.add([a, b])
    assert (first.status, second.status) == ("ingested", "unchanged")
    assert len(library.reports()) == 1
    kept = [p for p in library.uploads_dir.rglob("*") if p.is_file()]
    assert len(kept) == 1
    [third] = library.add([b])
    assert third.status == "unchanged" and [p for p in library.uploads_dir.rglob("*") if p.is_file()] == kept


def test_an_upload_of_a_report_ingested_from_the_command_line_keeps_no_second_copy(small_library):
    library, files = small_library
    [cli_result] = library.service.ingestor.ingest([files["pdf2019"]])
    [upload] = library.add([files["pdf2019"]])
    assert upload.status == "unchanged" and upload.report_id == cli_result.report_id
    assert not library.uploads_dir.exists() or not any(library.uploads_dir.rglob("*.pdf"))


def test_a_file_that_breaks_its_reader_fails_alone_and_leaves_no_copy(small_library, tmp_path):
    import zipfile

    library, files = small_library
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("word/document.xml", "<w:document><unclosed")
    bad, good = library.add([broken, files["text"]])
    assert bad.failed and "broken.docx" in bad.reason and good.status == "ingested"
    assert not list(library.uploads_dir.rglob("broken.docx"))


def test_agencies_printed_two_ways_are_merged_and_renamed_from_the_library(small_library, tmp_path):
    library, _ = small_library
    for name, year in (("青石市教育体育局", 2022), ("青石市教育局", 2023)):
        samples.write_text(samples.make_report(name, year, "2021", seed=year), tmp_path / f"{year}.txt")
    library.add([tmp_path / "2022.txt", tmp_path / "2023.txt"])
    table = h.agency_table(library)
    assert {row[0] for row in table} >= {"青石市教育体育局", "青石市教育局"}
    ids = {label.split(" · ")[0]: value for label, value in h.library_agency_choices(library)}
    keep, other = ids["青石市教育局"], ids["青石市教育体育局"]

    assert "未能合并" in h.merge_agencies(library, keep, keep)
    assert "请选择" in h.merge_agencies(library, keep, None)
    message = h.merge_agencies(library, keep, other)
    assert "1 份报告" in message and "青石市教育体育局" in message
    catalog = library.assistant.catalog()
    assert catalog.years("青石市教育局") == (2022, 2023)
    answer = library.assistant.ask("青石市教育局2022年新收政府信息公开申请多少件？")
    assert answer.value is not None and answer.citations[0].year == 2022

    assert "未能改名" in h.rename_agency(library, keep, "  ")
    assert "改名为 **青石市教育和体育局**" in h.rename_agency(library, keep, "青石市教育和体育局")
    [row] = [r for r in h.agency_table(library) if r[-1] == keep]
    assert row[0] == "青石市教育和体育局（已改名）" and row[3] == "2022、2023"
    assert "青石市教育体育局" in row[4] and "青石市教育局" in row[4]
    assert library.assistant.catalog().years("青石市教育和体育局") == (2022, 2023)


def test_marks_on_answers_become_gold_lines_that_eval_can_score(corpus, tmp_path):
    from assistant.evaluation import is_correct

    assistant = corpus["assistant"]
    asked = "青石市教育局2023年本年新收政府信息公开申请多少件？"
    right = final_state(assistant, asked)
    answer_at = max(i for i in right.sources if not right.messages[i].get("metadata"))
    sources_at = max(right.sources)
    assert h.record_feedback(assistant, right.messages, right.sources, 0, True)[0] is None  # the question
    up, note = h.record_feedback(assistant, right.messages, right.sources, sources_at, "Like",
                                 "青石市教育局", "2023")
    assert up and "已记录" in note
    wrong = final_state(assistant, "青石市人民政府2022年行政复议多少件？")
    at = max(i for i in wrong.sources if not wrong.messages[i].get("metadata"))
    down, _ = h.record_feedback(assistant, wrong.messages, wrong.sources, at, h.FEEDBACK_OPTIONS[2])
    assert "补充" in h.amend_feedback(assistant, down, "引用了别的表", "999件")
    h.record_feedback(assistant, wrong.messages, wrong.sources, at, False)  # wrong, no right answer given

    entries = {e.id: e for e in assistant.feedback()}
    assert entries[up].rating == "up" and entries[up].agency == "青石市教育局" and entries[up].year == 2023
    assert entries[up].citations and entries[up].answer == right.messages[answer_at]["content"]
    assert (entries[down].rating, entries[down].correction) == ("wrong_citation", "999件")
    lines, left_out = assistant.feedback_gold()
    assert left_out == 1
    by_id = {line["id"]: line for line in lines}
    gold_up, gold_down = by_id[f"feedback-{up}"], by_id[f"feedback-{down}"]
    assert gold_up["question"] == asked and gold_up["kind"] == "table" and gold_up["report"] == "qingshi-edu-2023"
    assert gold_up["evidence"] and gold_down["answer"] == "999件"
    assert is_correct(gold_up, assistant.ask(asked)) and not is_correct(gold_down, assistant.ask(wrong.messages[-3]["content"]))
    path, note = h.export_feedback(assistant, tmp_path)
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(lines) and "1 条" in note
    assert len(h.feedback_table(assistant)) == 3


def test_the_conversation_exports_as_markdown_with_every_citation(corpus, tmp_path):
    assert h.export_conversation([], tmp_path) is None
    state = final_state(corpus["assistant"], "青石市教育局2023年本年新收政府信息公开申请多少件？")
    expected = corpus["series"]["青石市教育局"][2023].number(("t3", "new_received", "total"))
    text = h.export_conversation(state.messages, tmp_path).read_text(encoding="utf-8")
    assert "## 问 · Question\n\n青石市教育局2023年本年新收政府信息公开申请多少件？" in text
    assert f"{expected} 件" in text and "qingshi-edu-2023.pdf · 第" in text
    assert "表三 · 一、本年新收政府信息公开申请数量 · 总计" in text


# ====================================================================== answers over several reports


def test_a_series_answer_shows_a_table_a_chart_and_a_csv_from_its_rows(corpus, tmp_path):
    series, ref = corpus["series"]["青石市教育局"], ("t3", "new_received", "total")
    state = final_state(corpus["assistant"], "青石市教育局2022到2023年每年收到多少申请？")
    index = state.answered
    answer = Answer.from_dict(state.answers[index])
    assert [(r.year, r.value) for r in answer.rows] == [(y, series[y].number(ref)) for y in (2022, 2023)]
    assert answer.rows_over == "year" and all(len(r.citations) == 1 for r in answer.rows)
    shown = state.messages[index]["content"]
    table = [line for line in shown.splitlines() if line.startswith("| 青石市教育局")]
    assert len(table) == 2 and f"| {format_number(series[2023].number(ref))} 件 |" in table[1]
    # each row links to its own source in the answer's list; the link opens that source
    cited, n = h.open_anchor(re.search(r"\(#xxgk-src-([^)]+)\)", table[1]).group(1) + "@1", state.sources)
    assert cited == state.sources[index] and h.as_citation(cited[n]).year == 2023
    assert h.open_anchor("c99-0", state.sources) is None
    # the chart: one line through both years, each point linked to its cell
    assert shown.count('<svg') == 1 and shown.count("<circle") == 2 and shown.count('class="xxgk-segment"') == 1
    path = h.export_rows(answer, tmp_path)
    with path.open(encoding="utf-8-sig") as fh:
        lines = list(csv.DictReader(fh))
    assert [(int(r["year"]), float(r["value"])) for r in lines] == [(r.year, r.value) for r in answer.rows]
    assert lines[1]["source_file"].endswith("qingshi-edu-2023.pdf") and lines[1]["page"] and \
        lines[1]["cell"] == tpl.cell_label(*ref)


def test_a_ranking_in_english_is_a_bar_chart_and_copies_as_plain_text_with_citations(corpus):
    state = final_state(corpus["assistant"], "Which agency received the most requests in 2023?")
    answer = Answer.from_dict(state.answers[state.answered])
    assert answer.rows_over == "agency" and len(answer.rows) == 3
    assert [r.value for r in answer.rows] == sorted((r.value for r in answer.rows), reverse=True)
    shown = state.messages[state.answered]["content"]
    assert shown.count("<rect") == 3 and "<path" not in shown
    # Gradio's copy button copies the bubble's Markdown: the answer and its sources block
    bubble = "\n".join(m["content"] for m in state.messages[state.answered:])
    text = h.copy_text(state.answers, state.messages, bubble)
    assert text.startswith(answer.answer) and "Sources:" in text and "<" not in text and "**" not in text
    n, first = next((n, c) for n, c in enumerate(answer.citations, 1) if c.page)
    line = next(line for line in text.splitlines() if line.startswith(f"[{n}] "))
    assert Path(first.source_file).name in line and f"p. {first.page}" in line
    assert tpl.cell_label_en("t3", "new_received", "total") in line and "Table 3 · " in line
    assert h.copy_text(state.answers, state.messages, state.messages[0]["content"]) == ""  # the question


def test_the_conversation_survives_the_browser_keeping_it_as_json(corpus):
    import json

    state = final_state(corpus["assistant"], "青石市教育局2022到2023年每年收到多少申请？")
    kept = json.loads(json.dumps(h.saved_chat(state)))  # local storage: the indexes become strings
    restored = h.restore_chat(kept)
    assert restored.messages == state.messages and restored.sources == state.sources
    assert {i: Answer.from_dict(a) for i, a in restored.answers.items()} == \
        {i: Answer.from_dict(a) for i, a in state.answers.items()}
    bubble = "\n".join(m["content"] for m in state.messages[state.answered:])
    assert h.copy_text(restored.answers, restored.messages, bubble) == h.copy_text(state.answers, state.messages, bubble)
    assert "来源：" in h.copy_text(restored.answers, restored.messages, bubble)
    # asking again goes on from the restored conversation
    more = list(h.respond(corpus["assistant"], "青石市教育局2023年行政复议多少件？", restored.messages,
                          restored.sources, answers=restored.answers))[-1]
    assert more.messages[:len(state.messages)] == state.messages and len(more.answers) == 2
    for broken in (None, "x", {"messages": "x"}, {"messages": [], "sources": {"a": []}}):
        assert h.restore_chat(broken).messages == []
