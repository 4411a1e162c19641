"""What the web app's events call: plain functions over the Assistant and the Library.

Nothing here imports Gradio, so every function can be tested without a browser.
No retrieval or answer logic lives here: questions go to ``Assistant.stream``;
these modules only format what comes back and what the service reads for the tables.

One module per tab of the app:

- ``chat``: asking, the streamed reply, error and no-report replies, the sources block;
- ``sources``: the source preview beside the chat (cited page, passage in context);
- ``library``: the reports table, uploads, agencies (merge, rename);
- ``data``: the facts table and its exports, consistency findings, the chart;
- ``series``: an answer over several reports as a table, chart and CSV; any answer as
  plain text with its citations (the copy button);
- ``feedback``: marks under each answer, their comments, the list and its gold export;
- ``common``: what several tabs use (the "all" filter value, agency and year pickers,
  safe Markdown, how a citation is named).

This package re-exports what ``ui.app`` and the tests use, so ``from ui import handlers``
reads as one module.
"""

from __future__ import annotations

from assistant.compute import FACT_FIELDS
from ingest.pipeline import Overrides

from .chat import (
    ChatState,
    example_questions,
    export_conversation,
    format_answer,
    respond,
    restore_chat,
    saved_chat,
)
from .common import ALL, agency_choices, as_citation, year_choices
from .data import (
    BY_AGENCY,
    BY_YEAR,
    DEFAULT_METRIC,
    FACT_HEADERS,
    FINDING_HEADERS,
    MAX_SHOWN_FACTS,
    TABLE_CHOICES,
    chart,
    chart_source,
    column_choices,
    export_facts,
    facts,
    facts_frame,
    facts_note,
    findings,
    findings_summary,
    findings_table,
    metric_choices,
    row_choices,
)
from .feedback import (
    FEEDBACK_HEADERS,
    FEEDBACK_OPTIONS,
    amend_feedback,
    export_feedback,
    feedback_table,
    record_feedback,
)
from .library import (
    AGENCY_HEADERS,
    NO_PAGES,
    REPORT_HEADERS,
    agency_table,
    format_results,
    library_agency_choices,
    library_summary,
    merge_agencies,
    rename_agency,
    report_choices,
    report_status,
    report_table,
    upload_overrides,
)
from .series import (
    AnswerMap,
    answer_at,
    copy_text,
    export_rows,
    has_table,
    open_anchor,
    plain_text,
    rows_chart,
    rows_table,
)
from .sources import Preview, preview_source, source_choices

__all__ = [
    "AGENCY_HEADERS", "ALL", "BY_AGENCY", "BY_YEAR", "DEFAULT_METRIC", "FACT_FIELDS", "FACT_HEADERS",
    "FEEDBACK_HEADERS", "FEEDBACK_OPTIONS", "amend_feedback", "export_feedback", "feedback_table",
    "record_feedback",
    "FINDING_HEADERS", "MAX_SHOWN_FACTS", "NO_PAGES", "REPORT_HEADERS", "TABLE_CHOICES", "ChatState", "Overrides",
    "Preview", "agency_choices", "agency_table", "as_citation", "chart", "column_choices",
    "example_questions", "export_conversation", "export_facts", "facts", "facts_frame", "facts_note", "findings",
    "findings_summary", "findings_table", "format_answer", "format_results", "library_agency_choices",
    "library_summary", "merge_agencies", "metric_choices", "preview_source", "rename_agency",
    "report_choices", "report_status", "report_table", "respond", "row_choices", "source_choices",
    "upload_overrides", "year_choices", "AnswerMap", "answer_at", "chart_source", "copy_text", "export_rows",
    "has_table", "open_anchor", "plain_text", "restore_chat", "rows_chart", "rows_table", "saved_chat",
]
