"""Layout and event wiring of the web app. The work is done in ui.handlers."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from assistant.service import Assistant
from ingest.errors import XxgkError

from . import handlers as h
from .library import Library, suffixes_text

# Changes to the library (upload, re-ingest, delete) queue one at a time; questions and
# reads run concurrently beside them (the store reads through a connection per thread).
LIBRARY_CHANGES = {"concurrency_id": "xxgk-library", "concurrency_limit": 1}

SYSTEM_FONTS = ["PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
                "Source Han Sans SC", "WenQuanYi Micro Hei", "system-ui", "-apple-system",
                "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]

CSS = """
.xxgk-title h1 { margin-bottom: 0; }
.xxgk-title small, .prose small, small { color: var(--body-text-color-subdued); font-weight: normal; }
#xxgk-chat h3 { font-size: 1.9em; margin: 0.1em 0 0.2em; color: var(--color-accent); }
#xxgk-chat blockquote { border-left: 3px solid var(--color-accent-soft); margin: 0.3em 0; padding-left: 0.6em; }
mark { background: #ffe58f; padding: 0 2px; }
.xxgk-dim { color: var(--body-text-color-subdued); }
#xxgk-page img { object-fit: contain; }
footer { display: none !important; }
/* the year picker's label stays whole beside the agency picker */
#xxgk-year, #xxgk-chart-year { min-width: 190px; }
#xxgk-year label span, #xxgk-chart-year label span { white-space: nowrap; }
/* a long list of cells wraps inside its row of the findings table */
#xxgk-findings td, #xxgk-findings td * { white-space: normal !important; overflow-wrap: anywhere;
  word-break: break-word; }
/* an answer's table and chart; a point or a source link opens its cited cell */
#xxgk-chat table { font-size: 0.92em; margin: 0.3em 0; }
#xxgk-chat td, #xxgk-chat th { padding: 2px 8px; }
svg.xxgk-chart { display: block; margin: 0.4em 0; color: var(--body-text-color); }
svg.xxgk-chart a.xxgk-point { cursor: pointer; }
svg.xxgk-chart a.xxgk-point:hover circle { r: 6.5; }
#xxgk-open-source, #xxgk-copied { display: none !important; }
/* one toolbar per answer: the collapsible sources message below it has none of its own */
#xxgk-chat .message.thought + .message-buttons { display: none !important; }
"""

# A click on a source link or a chart point (href="#xxgk-src-<key>") goes to the hidden
# textbox #xxgk-open-source (with a nonce, so the same link clicked twice opens twice),
# whose change event opens the source; the page never navigates.
OPEN_SOURCE_JS = """
() => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#xxgk-src-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector("#xxgk-open-source textarea, #xxgk-open-source input");
    if (!box) return;
    box.value = link.getAttribute("href").slice("#xxgk-src-".length) + "@" + Date.now();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);
}
"""

# After the chat's copy button wrote the message's Markdown, the answer as plain text with
# its citations (from the server) replaces it on the clipboard.
COPY_JS = """
(text) => {
  if (!text) return;
  const write = () => {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch(() => {});
      return;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "absolute";
    area.style.left = "-999999px";
    document.body.prepend(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  };
  setTimeout(write, 300);  // after the button's own write of the Markdown has landed
}
"""
CHAT_STORAGE_KEY = "xxgk-chat"  # the browser's local storage entry of the conversation


def theme() -> gr.themes.Base:
    """System fonts only, so nothing is fetched from the internet (offline deployments)."""
    return gr.themes.Default(primary_hue="red", secondary_hue="orange", neutral_hue="slate",
                             font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def launch_options() -> dict:
    """Keyword arguments for Blocks.launch() that style the app (Gradio 6 takes them there)."""
    return {"theme": theme(), "css": CSS, "js": OPEN_SOURCE_JS, "footer_links": []}


def build_app(assistant: Assistant, library: Library | None = None, *,
              question_concurrency: int = 8) -> gr.Blocks:
    """The web app over ``assistant`` (answers and reads) and ``library`` (uploads; by default
    kept beside the assistant's store); not launched."""
    library = library or Library(assistant)
    questions = {"concurrency_id": "xxgk-questions", "concurrency_limit": question_concurrency}
    reads = {"concurrency_id": "xxgk-reads", "concurrency_limit": question_concurrency}
    export_dir = Path(tempfile.mkdtemp(prefix="xxgk-export-"))

    def catalog():
        return assistant.catalog()

    with gr.Blocks(title="政府信息公开年报问答 · xxgk", analytics_enabled=False) as app:
        messages = gr.State([])
        sources = gr.State({})
        answers = gr.State({})  # message index -> the Answer shown there (to_dict)
        # the conversation in the browser's local storage, shown again after a reload
        saved = gr.BrowserState({"messages": [], "sources": {}, "answers": {}}, storage_key=CHAT_STORAGE_KEY)
        chart_sources = gr.State([])  # the Data tab chart: the cited cell of each point
        current = gr.State([])
        asked = gr.State("")
        linked = gr.State("")  # the question of a shared link; kept apart from `asked` so a
        # question typed while the page is still loading is not asked twice
        picked_finding = gr.State(None)
        feedback_id = gr.State(None)

        gr.Markdown("# 政府信息公开年报问答 <small>xxgk · questions on government "
                    "information-disclosure annual reports</small>", elem_classes="xxgk-title")

        with gr.Tabs(selected="chat") as tabs:
            # ------------------------------------------------------------ chat
            with gr.Tab("问答 · Ask", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        with gr.Row():
                            agency = gr.Dropdown(label="单位 · Agency", choices=[("全部单位 · All agencies", h.ALL)],
                                                 value=h.ALL, scale=3, min_width=220, filterable=True)
                            year = gr.Dropdown(label="年度 · Year", choices=[("全部年度 · All years", h.ALL)],
                                               value=h.ALL, scale=1, min_width=190, elem_id="xxgk-year")
                            clear = gr.Button("清空对话 · Clear", scale=0, min_width=120, size="md")
                            save_chat = gr.Button("导出对话 · Export", scale=0, min_width=120, size="md",
                                                  elem_id="xxgk-export-chat")
                        chatbot = gr.Chatbot(
                            elem_id="xxgk-chat", height=560, show_label=False, layout="panel",
                            feedback_options=h.FEEDBACK_OPTIONS, buttons=["copy"],
                            placeholder="### 有什么想了解的？\n问任何一份已收录年报里的数字或内容，答案都会注明出处。"
                                        "<br><small>Ask in Chinese or English; every answer cites its source.</small>")
                        with gr.Row():
                            question = gr.Textbox(show_label=False, scale=6, autofocus=True, max_lines=4,
                                                  placeholder="输入问题，例如：某市人民政府2023年本年新收政府信息公开申请多少件？",
                                                  elem_id="xxgk-question")
                            send = gr.Button("提问 · Ask", variant="primary", scale=1, elem_id="xxgk-send")
                        with gr.Row():
                            table_csv = gr.DownloadButton("下载本条回答的表格 CSV · Download this answer's table",
                                                          visible=False, size="sm", elem_id="xxgk-table-csv")
                        open_source = gr.Textbox(visible="hidden", elem_id="xxgk-open-source", show_label=False)
                        copied = gr.Textbox(visible="hidden", elem_id="xxgk-copied", show_label=False)
                        conversation_file = gr.File(label="对话记录 · Conversation (Markdown)", interactive=False,
                                                    visible=False, elem_id="xxgk-conversation")
                        feedback_note = gr.Markdown(elem_id="xxgk-feedback-note")
                        with gr.Accordion("补充说明或正确答案 · Add a comment or the right answer", open=False):
                            with gr.Row():
                                feedback_comment = gr.Textbox(label="说明 · Comment", scale=3)
                                feedback_correction = gr.Textbox(label="正确答案 · Right answer", scale=2)
                                feedback_send = gr.Button("补充到上一条评价 · Add", size="sm", scale=1)
                        examples = gr.Dataset(label="示例问题 · Examples", components=[question], samples=[],
                                              type="values", samples_per_page=8)
                    with gr.Column(scale=2):
                        gr.Markdown("#### 来源预览 <small>Source preview</small>")
                        source_pick = gr.Radio(label="本条回答的来源 · Sources of this answer", choices=[],
                                               type="value", elem_id="xxgk-sources")
                        page = gr.Image(label="原文页面 · Page", type="pil", interactive=False, height=620,
                                        elem_id="xxgk-page", buttons=["download", "fullscreen"], visible=False)
                        source_text = gr.Markdown(h.preview_source(assistant, None).markdown, elem_id="xxgk-source-text")

            # ------------------------------------------------------------ library
            with gr.Tab("报告库 · Library", id="library"):
                summary = gr.Markdown()
                upload = gr.File(label=f"上传报告 · Upload reports（{suffixes_text()}，可多选，"
                                       f"单个不超过 {library.max_file_bytes / 1e6:.0f} MB）",
                                 file_count="multiple", file_types=Library.supported_suffixes(),
                                 type="filepath", elem_id="xxgk-upload", height=140)
                with gr.Accordion("识别不出单位或年度时 · When recognition fails", open=False):
                    gr.Markdown("<small>在这里填写后再上传，本次上传的每个文件都按此入库"
                                "（同命令行 <code>xxgk ingest --agency … --year …</code>）。"
                                "已入库的报告可在下方“修改或删除一份报告”中更正。</small>")
                    with gr.Row():
                        up_agency = gr.Textbox(label="单位名称 · Agency", scale=3)
                        up_year = gr.Number(label="统计年度 · Year", precision=0, scale=1, minimum=1990,
                                            maximum=2100)
                results = gr.Markdown(elem_id="xxgk-results")
                reports = gr.Dataframe(headers=h.REPORT_HEADERS, interactive=False, wrap=True,
                                       label="已收录的报告 · Ingested reports（点击一行可选中）",
                                       elem_id="xxgk-reports", max_height=420)
                with gr.Accordion("修改或删除一份报告 · Fix or delete a report", open=True):
                    report_pick = gr.Dropdown(label="报告 · Report", choices=[], filterable=True)
                    with gr.Row():
                        fix_agency = gr.Textbox(label="单位名称 · Agency", scale=3,
                                                placeholder="识别失败或有误时填写，例如：某某市教育局")
                        fix_year = gr.Number(label="统计年度 · Year", precision=0, scale=1, minimum=1990,
                                             maximum=2100)
                        fix = gr.Button("按此重新入库 · Re-ingest", scale=1)
                    with gr.Row():
                        delete = gr.Button("删除这份报告 · Delete", variant="stop", scale=1)
                        confirm = gr.Button("确认删除（表格数据和正文一并删除）", variant="stop", visible=False, scale=2)
                        cancel = gr.Button("取消", visible=False, scale=1)
                    action = gr.Markdown()
                with gr.Accordion("单位 · Agencies（同一单位写法不同时合并，名称有误时改名）", open=False):
                    agencies_view = gr.Dataframe(headers=h.AGENCY_HEADERS, interactive=False, wrap=True,
                                                 max_height=360, elem_id="xxgk-agencies")
                    with gr.Row():
                        merge_keep = gr.Dropdown(label="保留的单位 · Keep", choices=[], filterable=True, scale=3)
                        merge_other = gr.Dropdown(label="并入的单位 · Merge in", choices=[], filterable=True,
                                                  scale=3)
                        merge = gr.Button("合并 · Merge", scale=1)
                    with gr.Row():
                        rename_pick = gr.Dropdown(label="单位 · Agency", choices=[], filterable=True, scale=3)
                        rename_to = gr.Textbox(label="新名称 · New name", scale=3)
                        rename = gr.Button("改名 · Rename", scale=1)
                    agency_action = gr.Markdown()

            # ------------------------------------------------------------ data
            with gr.Tab("数据 · Data", id="data"):
                gr.Markdown("### 表格数据 <small>Facts from tables 二, 三, 四</small>")
                with gr.Row():
                    f_agency = gr.Dropdown(label="单位", choices=[("全部单位 · All agencies", h.ALL)], value=h.ALL)
                    f_year = gr.Dropdown(label="年度", choices=[("全部年度 · All years", h.ALL)], value=h.ALL)
                    f_table = gr.Dropdown(label="表格", choices=h.TABLE_CHOICES, value=h.ALL)
                    f_row = gr.Dropdown(label="行", choices=h.row_choices(None), value=h.ALL, filterable=True)
                    f_column = gr.Dropdown(label="列", choices=h.column_choices(None), value=h.ALL)
                facts_count = gr.Markdown()
                facts_view = gr.Dataframe(headers=h.FACT_HEADERS, interactive=False, max_height=420,
                                          elem_id="xxgk-facts", wrap=True,
                                          column_widths=["14%", "6%", "6%", "24%", "14%", "7%", "7%", "7%",
                                                         "10%", "5%"])
                with gr.Row():
                    csv_button = gr.Button("导出 CSV", size="sm", scale=1)
                    xlsx_button = gr.Button("导出 Excel（XLSX）", size="sm", scale=1)
                    exported = gr.File(label="下载 · Download", interactive=False, visible=False, scale=2)

                gr.Markdown("### 一致性检查 <small>Consistency findings: identities a report breaks</small>")
                findings_summary = gr.Markdown()
                findings_view = gr.Dataframe(headers=h.FINDING_HEADERS, interactive=False, wrap=True,
                                             max_height=320, elem_id="xxgk-findings",
                                             column_widths=["16%", "7%", "40%", "25%", "12%"],
                                             label="点击一行选中，再用下面的按钮在问答中追问")
                with gr.Row():
                    ask_check = gr.Button("问：这份报告加起来对吗？", size="sm")
                    ask_cell = gr.Button("问：涉及的单元格是多少？", size="sm")
                finding_note = gr.Markdown()

                gr.Markdown("### 用户反馈 <small>Feedback on answers, as gold lines for xxgk eval</small>")
                feedback_view = gr.Dataframe(headers=h.FEEDBACK_HEADERS, interactive=False, wrap=True,
                                             max_height=260, elem_id="xxgk-feedback")
                with gr.Row():
                    feedback_export = gr.Button("导出为评测数据（JSONL）", size="sm", scale=1)
                    feedback_file = gr.File(label="下载 · Download", interactive=False, visible=False, scale=2)
                feedback_export_note = gr.Markdown()

                gr.Markdown("### 图表 <small>Chart: one entry across years or agencies</small>")
                with gr.Row():
                    metric = gr.Dropdown(label="指标 · Entry", choices=h.metric_choices(), value=h.DEFAULT_METRIC,
                                         filterable=True, scale=4)
                    by = gr.Radio(label="比较 · Compare", choices=[("各年度（折线）", h.BY_YEAR),
                                                                 ("各单位（柱状）", h.BY_AGENCY)],
                                  value=h.BY_YEAR, scale=2)
                    c_agency = gr.Dropdown(label="单位", choices=[("全部单位 · All agencies", h.ALL)], value=h.ALL,
                                           scale=2)
                    c_year = gr.Dropdown(label="年度", choices=[("最新年度 · Newest", h.ALL)], value=h.ALL,
                                         scale=1, visible=False, min_width=190, elem_id="xxgk-chart-year")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chart_view = gr.HTML(elem_id="xxgk-chart")
                        chart_note = gr.Markdown()
                    with gr.Column(scale=2):
                        chart_page = gr.Image(label="引用的单元格 · Cited cell", type="pil", interactive=False,
                                              height=420, visible=False, elem_id="xxgk-chart-page")
                        chart_source_text = gr.Markdown(elem_id="xxgk-chart-source")

        # ================================================================ handlers

        def refresh():
            cat = catalog()
            years = h.year_choices(cat)
            samples = [[q] for q in h.example_questions(cat)]
            return (gr.Dropdown(choices=h.agency_choices(cat), value=h.ALL),
                    gr.Dropdown(choices=years, value=h.ALL),
                    gr.Dataset(samples=samples),
                    h.library_summary(library),
                    h.report_table(library),
                    gr.Dropdown(choices=h.report_choices(library), value=None),
                    gr.Dropdown(choices=h.agency_choices(cat), value=h.ALL),
                    gr.Dropdown(choices=years, value=h.ALL),
                    h.findings_table(found := h.findings(assistant)),
                    h.findings_summary(found),
                    gr.Dropdown(choices=h.agency_choices(cat), value=h.ALL),
                    gr.Dropdown(choices=[("最新年度 · Newest", h.ALL)] + years[1:], value=h.ALL),
                    h.agency_table(library),
                    *(gr.Dropdown(choices=h.library_agency_choices(library), value=None) for _ in range(3)))

        refreshed = [agency, year, examples, summary, reports, report_pick, f_agency, f_year,
                     findings_view, findings_summary, c_agency, c_year, agencies_view, merge_keep,
                     merge_other, rename_pick]

        def years_for(chosen):
            return gr.Dropdown(choices=h.year_choices(catalog(), chosen or None), value=h.ALL)

        # ---------------------------------------------------------------- chat

        def shown(preview: h.Preview):
            """The page image, or no image box at all for HTML/text sources."""
            return gr.Image(value=preview.image, visible=preview.image is not None)

        chat_outputs = [chatbot, messages, sources, current, source_pick, page, source_text, answers, saved,
                        table_csv]

        def table_download(answer_map, index):
            """The CSV button of the answer at ``index``: its rows, or hidden without a table."""
            answer = h.answer_at(answer_map, index)
            if answer is None or not h.has_table(answer):
                return gr.DownloadButton(visible=False)
            return gr.DownloadButton(value=str(h.export_rows(answer, export_dir)), visible=True)

        def ask(q, msgs, srcs, ag, yr, answer_map):
            for state in h.respond(assistant, q, msgs, srcs, ag, yr, answer_map):
                if state.current is None:
                    yield (state.messages, state.messages, state.sources, *(gr.skip(),) * 7)
                    continue
                first = state.current[0] if state.current else None
                preview = h.preview_source(assistant, first)
                download = (table_download(state.answers, state.answered) if state.answered is not None
                            else gr.DownloadButton(visible=False))
                yield (state.messages, state.messages, state.sources, state.current,
                       gr.Radio(choices=h.source_choices(state.current), value=0 if first else None),
                       shown(preview), preview.markdown, state.answers, h.saved_chat(state), download)

        def take(q):
            return q, ""

        chat_inputs = [asked, messages, sources, agency, year, answers]
        for trigger in (question.submit, send.click):
            trigger(take, question, [asked, question], queue=False).then(
                ask, chat_inputs, chat_outputs, **questions)
        examples.click(lambda sample: sample[0], examples, asked, queue=False).then(
            ask, chat_inputs, chat_outputs, **questions)

        def show_source(index, cited):
            if index is None or not cited or not 0 <= int(index) < len(cited):
                preview = h.preview_source(assistant, None)
            else:
                preview = h.preview_source(assistant, cited[int(index)])
            return shown(preview), preview.markdown

        source_pick.input(show_source, [source_pick, current], [page, source_text], **reads)

        def pick_message(srcs, answer_map, evt: gr.SelectData):
            index = evt.index if isinstance(evt.index, int) else (evt.index or [None])[0]
            cited = srcs.get(index)
            if not cited:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            preview = h.preview_source(assistant, cited[0])
            return (cited, gr.Radio(choices=h.source_choices(cited), value=0), shown(preview), preview.markdown,
                    table_download(answer_map, index))

        chatbot.select(pick_message, [sources, answers], [current, source_pick, page, source_text, table_csv],
                       **reads)

        def open_clicked(key, srcs, points):
            """A source link or a chart point was clicked: show its cited cell (chat or Data tab)."""
            cell = h.chart_source(points, key)
            if cell is not None:
                preview = h.preview_source(assistant, cell)
                return (*(gr.skip(),) * 4, gr.Image(value=preview.image, visible=preview.image is not None),
                        preview.markdown)
            opened = h.open_anchor(key, srcs)
            if opened is None:
                return (gr.skip(),) * 6
            cited, n = opened
            preview = h.preview_source(assistant, cited[n])
            return (cited, gr.Radio(choices=h.source_choices(cited), value=n), shown(preview), preview.markdown,
                    gr.skip(), gr.skip())

        open_source.change(open_clicked, [open_source, sources, chart_sources],
                           [current, source_pick, page, source_text, chart_page, chart_source_text], **reads)

        def copy_answer(answer_map, msgs, evt: gr.CopyData):
            return h.copy_text(answer_map, msgs, evt.value)

        chatbot.copy(copy_answer, [answers, messages], copied, **reads).then(None, copied, None, js=COPY_JS)

        def restore(kept):
            state = h.restore_chat(kept)
            return state.messages, state.messages, state.sources, state.answers

        def clear_chat():
            empty = h.preview_source(assistant, None)
            return ([], [], {}, [], gr.Radio(choices=[], value=None), shown(empty), empty.markdown, {},
                    h.saved_chat(h.ChatState([], {})), gr.DownloadButton(visible=False))

        def mark(msgs, srcs, ag, yr, evt: gr.LikeData):
            entry_id, note = h.record_feedback(assistant, msgs, srcs, evt.index, evt.liked, ag, yr)
            return entry_id, note, h.feedback_table(assistant)

        chatbot.like(mark, [messages, sources, agency, year], [feedback_id, feedback_note, feedback_view], **reads)

        def amend(entry_id, comment, correction):
            return h.amend_feedback(assistant, entry_id, comment, correction), "", "", h.feedback_table(assistant)

        feedback_send.click(amend, [feedback_id, feedback_comment, feedback_correction],
                            [feedback_note, feedback_comment, feedback_correction, feedback_view], **reads)

        def export_marks():
            path, note = h.export_feedback(assistant, export_dir)
            return gr.File(value=str(path), visible=True), note

        feedback_export.click(export_marks, None, [feedback_file, feedback_export_note], **reads)

        def export_chat(msgs):
            path = h.export_conversation(msgs, export_dir)
            return gr.File(value=str(path) if path else None, visible=path is not None)

        save_chat.click(export_chat, messages, conversation_file, **reads)
        clear.click(clear_chat, None, chat_outputs, queue=False)
        chatbot.clear(clear_chat, None, chat_outputs, queue=False)  # its own trash button
        agency.change(years_for, agency, year, **reads)

        # ---------------------------------------------------------------- library

        def add_files(files, agency_given, year_given, progress=gr.Progress()):
            if not files:
                return (gr.skip(),) * (len(refreshed) + 2)
            overrides = h.upload_overrides(agency_given, year_given)
            results_ = library.add(files, progress=progress, overrides=overrides)
            return (h.format_results(results_), None, *refresh())

        upload.upload(add_files, [upload, up_agency, up_year], [results, upload, *refreshed], **LIBRARY_CHANGES,
                      show_progress_on=[results])

        def choose_report(report_id):
            row = library.find(report_id) if report_id else None
            if row is None:
                return "", None
            return row.agency or "", row.year

        report_pick.change(choose_report, report_pick, [fix_agency, fix_year], **reads)

        def pick_report_row(evt: gr.SelectData):
            row = evt.row_value or []
            prefix = str(row[-1]) if row else ""
            match = next((r for r in library.reports() if prefix and r.report_id.startswith(prefix)), None)
            return match.report_id if match else gr.skip()

        reports.select(pick_report_row, None, report_pick, **reads)

        def override(report_id, new_agency, new_year, progress=gr.Progress()):
            if not report_id:
                return ("请先选择一份报告。", *(gr.skip(),) * len(refreshed))
            try:
                progress(0.1, desc="正在重新入库…")
                result = library.override(report_id, new_agency, new_year)
            except XxgkError as exc:
                return (f"**未能重新入库**：{exc}", *(gr.skip(),) * len(refreshed))
            return (h.format_results([result]), *refresh())

        fix.click(override, [report_pick, fix_agency, fix_year], [action, *refreshed], **LIBRARY_CHANGES)

        def ask_delete(report_id):
            if not report_id:
                return "请先选择一份报告。", gr.skip(), gr.skip()
            row = library.find(report_id)
            name = f"{row.agency or '（未识别单位）'} {row.year or '?'}年 · {row.name}" if row else report_id[:12]
            return (f"确定删除 **{name}** 吗？它的表格数据、正文和一致性检查结果都会删除。",
                    gr.Button(visible=True), gr.Button(visible=True))

        delete.click(ask_delete, report_pick, [action, confirm, cancel], **reads)

        def do_delete(report_id):
            hidden = (gr.Button(visible=False), gr.Button(visible=False))
            if not report_id or not library.delete(report_id):
                return ("没有这份报告（可能已被删除）。", *hidden, *refresh())
            return ("已删除。", *hidden, *refresh())

        confirm.click(do_delete, report_pick, [action, confirm, cancel, *refreshed], **LIBRARY_CHANGES)
        cancel.click(lambda: ("", gr.Button(visible=False), gr.Button(visible=False)), None,
                     [action, confirm, cancel], queue=False)

        def do_merge(keep, other):
            return (h.merge_agencies(library, keep, other), *refresh())

        merge.click(do_merge, [merge_keep, merge_other], [agency_action, *refreshed], **LIBRARY_CHANGES)

        def do_rename(agency_id, name):
            return (h.rename_agency(library, agency_id, name), "", *refresh())

        rename.click(do_rename, [rename_pick, rename_to], [agency_action, rename_to, *refreshed],
                     **LIBRARY_CHANGES)

        # ---------------------------------------------------------------- data

        fact_filters = [f_agency, f_year, f_table, f_row, f_column]

        def show_facts(*filters):
            rows = h.facts(assistant, *filters)
            return h.facts_frame(rows), h.facts_note(rows)

        def table_changed(table):
            return (gr.Dropdown(choices=h.row_choices(table or None), value=h.ALL),
                    gr.Dropdown(choices=h.column_choices(table or None), value=h.ALL))

        f_table.change(table_changed, f_table, [f_row, f_column], queue=False)
        f_agency.change(years_for, f_agency, f_year, **reads)
        for control in fact_filters:
            control.change(show_facts, fact_filters, [facts_view, facts_count], **reads)

        def export(fmt, *filters):
            return gr.File(value=str(h.export_facts(h.facts(assistant, *filters), fmt, export_dir)), visible=True)

        def export_csv(*filters):
            return export("csv", *filters)

        def export_xlsx(*filters):
            return export("xlsx", *filters)

        csv_button.click(export_csv, fact_filters, exported, **reads)
        xlsx_button.click(export_xlsx, fact_filters, exported, **reads)

        def pick_finding(evt: gr.SelectData):
            row = evt.row_value or []
            for finding in h.findings(assistant):
                if row and finding.message == row[2] and str(finding.year or "") == str(row[1]) \
                        and (finding.agency or "（未识别）") == row[0]:
                    return finding, f"已选中：{finding.agency} {finding.year}年 · {finding.message}"
            return None, ""

        findings_view.select(pick_finding, None, [picked_finding, finding_note], **reads)

        def finding_question(finding, kind):
            if finding is None:
                return gr.skip(), gr.skip(), "请先在上表中点击一行。"
            q = finding.check_question() if kind == "check" else (finding.cell_question() or finding.check_question())
            return q, gr.Tabs(selected="chat"), ""

        def check_question(finding):
            return finding_question(finding, "check")

        def cell_question(finding):
            return finding_question(finding, "cell")

        for button, make_question in ((ask_check, check_question), (ask_cell, cell_question)):
            button.click(make_question, picked_finding, [asked, tabs, finding_note], queue=False).then(
                ask, chat_inputs, chat_outputs, **questions)

        def draw(metric_value, by_value, ag, yr):
            result = h.chart(assistant, metric_value, by_value, ag, yr)
            return result.svg, result.note, result.sources

        chart_inputs = [metric, by, c_agency, c_year]
        for control in chart_inputs:
            control.change(draw, chart_inputs, [chart_view, chart_note, chart_sources], **reads)

        def by_changed(value):
            return gr.Dropdown(visible=value == h.BY_YEAR), gr.Dropdown(visible=value == h.BY_AGENCY)

        by.change(by_changed, by, [c_agency, c_year], queue=False)

        # ---------------------------------------------------------------- page load

        def load():
            return (*refresh(), *show_facts(h.ALL, h.ALL, h.ALL, h.ALL, h.ALL),
                    *draw(h.DEFAULT_METRIC, h.BY_YEAR, h.ALL, h.ALL), h.feedback_table(assistant))

        def from_link(request: gr.Request):
            """A shared link (?q=…&agency=…&year=…) asks its question when the page opens."""
            params = dict(request.query_params) if request is not None else {}
            q = (params.get("q") or "").strip()
            if not q:
                return "", gr.skip(), gr.skip()
            cat = catalog()
            link_agency = params.get("agency") if params.get("agency") in cat.agencies else h.ALL
            years = h.year_choices(cat, link_agency or None)
            link_year = params.get("year") if params.get("year") in {v for _, v in years} else h.ALL
            return q, gr.Dropdown(value=link_agency), gr.Dropdown(choices=years, value=link_year)

        def ask_link(q, msgs, srcs, ag, yr, answer_map):
            if not (q or "").strip():
                yield tuple(gr.skip() for _ in chat_outputs)  # leave a chat already under way alone
                return
            yield from ask(q, msgs, srcs, ag, yr, answer_map)

        app.load(restore, saved, [chatbot, messages, sources, answers], queue=False)
        app.load(load, None, [*refreshed, facts_view, facts_count, chart_view, chart_note, chart_sources,
                              feedback_view], **reads).then(from_link, None, [linked, agency, year], **reads).then(
            ask_link, [linked, messages, sources, agency, year, answers], chat_outputs, **questions)

        # ---------------------------------------------------------------- HTTP API

        def ask_api(question: str, agency: str = "", year: int | None = None) -> dict:
            """Ask one question; the Answer as JSON (citations included), or {"error": …}."""
            try:
                return assistant.ask(question, agency=agency or None, year=int(year) if year else None).to_dict()
            except XxgkError as exc:
                return {"error": str(exc)}

        gr.api(ask_api, api_name="answer", **questions)
    return app
