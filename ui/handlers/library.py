"""The library tab: the table of reports, what an upload did, and the agencies
(their table, merging two into one, renaming)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.errors import XxgkError
from ingest.pipeline import FileResult, Overrides

from ..library import Library, ReportRow, display_reason
from .common import _plain


def upload_overrides(agency: str | None, year: float | int | None) -> Overrides:
    """What the user typed for an upload; blanks mean "recognise it"."""
    return Overrides((agency or "").strip() or None, int(year) if year else None)


REPORT_HEADERS = ["单位", "年度", "模板", "页数", "事实", "段落", "发现", "文件", "状态", "编号"]


def report_status(row: ReportRow) -> str:
    notes = []
    names = {"agency": "单位", "year": "年度", "template": "模板"}
    if row.unknown:
        notes.append("未识别：" + "、".join(names.get(u, u) for u in row.unknown))
    if row.overridden:
        notes.append("手工指定：" + "、".join(names.get(o, o) for o in row.overridden))
    if row.duplicate_of:
        notes.append(f"另一份副本作答（{row.duplicate_of[:8]}）")
    if row.problems:
        notes.append(f"{len(row.problems)} 处未能读出")
    return "；".join(notes) or "正常"


NO_PAGES = "—"  # HTML, text and Word reports have no pages


def report_table(library: Library) -> list[list]:
    return [[r.agency or "（未识别）", r.year or "", r.template or "", r.pages or NO_PAGES, r.facts, r.passages,
             r.findings, r.name, report_status(r), r.report_id[:12]] for r in library.reports()]


def report_choices(library: Library) -> list[tuple[str, str]]:
    return [(f"{r.agency or '（未识别单位）'} · {r.year or '?'}年 · {r.name}", r.report_id)
            for r in library.reports()]


def library_summary(library: Library) -> str:
    rows = library.reports()
    if not rows:
        return "还没有收录报告。上传报告后即可提问。<small>No reports yet.</small>"
    agencies = {r.agency for r in rows if r.agency}
    years = sorted({r.year for r in rows if r.year})
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else (f"{years[0]}年" if years else "")
    facts = sum(r.facts for r in rows)
    return f"已收录 **{len(rows)}** 份报告，{len(agencies)} 个单位{('，' + span) if span else ''}，共 {facts} 个表格数据。"


AGENCY_HEADERS = ["单位", "所属地区", "机关", "已收录年度", "报告中的写法", "编号"]


def agency_table(library: Library) -> list[list]:
    """Every agency the reports were filed under: where it sits, its years, how it is printed."""
    rows = []
    for summary in library.agencies():
        a = summary.agency
        where = " › ".join(a.path) or ("全国" if a.id.startswith("cn/") else "（地区未识别）")
        years = "、".join(str(r.year) for r in summary.reports if r.duplicate_of is None and r.year)
        printed = "、".join(p for p in summary.printings if p != a.name)
        rows.append([a.name + ("（已改名）" if a.named_by_user else ""), where, a.organ or "",
                     years or "—", printed, a.id])
    return rows


def library_agency_choices(library: Library) -> list[tuple[str, str]]:
    """(label, agency id) for the merge and rename pickers; the id tells same names apart."""
    return [(f"{s.agency.name} · {'、'.join(str(r.year) for r in s.reports if r.year) or '无年度'} · {s.agency.id}",
             s.agency.id) for s in library.agencies()]


def merge_agencies(library: Library, keep: str | None, other: str | None) -> str:
    """The user's word that two agencies are one; the message says what moved."""
    if not keep or not other:
        return "请选择要保留的单位和要并入的单位。<small>Choose both agencies.</small>"
    try:
        kept, merged, moved = library.merge_agencies(keep, other)
    except XxgkError as exc:
        return f"**未能合并**：{_plain(str(exc))}"
    return (f"已将 **{_plain(merged.name)}** 并入 **{_plain(kept.name)}**：{moved} 份报告改归后者，"
            "以后入库的同名报告也归入它。")


def rename_agency(library: Library, agency_id: str | None, name: str | None) -> str:
    if not agency_id:
        return "请先选择一个单位。<small>Choose an agency.</small>"
    try:
        before = library.rename_agency(agency_id, name or "")
    except XxgkError as exc:
        return f"**未能改名**：{_plain(str(exc))}"
    return f"已将 **{_plain(before.name)}** 改名为 **{_plain((name or '').strip())}**，它的报告按新名称回答。"


STATUS_TEXT = {"ingested": "✓ 已入库", "unchanged": "✓ 已在库中（未变化）",
               "repaired": "✓ 已在库中（已修复检索索引）", "failed": "✗ 失败", "skipped": "– 跳过"}

# The pipeline's reasons are in English; the common ones get a Chinese explanation in front.
REASONS_ZH = (
    ("unsupported file type", "不支持的文件类型，请上传 PDF、HTML、DOCX、TXT 或 MD"),
    ("the file is empty", "文件是空的"),
    ("over the limit", "文件太大"),
    ("encrypted", "PDF 有密码保护，请另存一份不加密的再上传"),
    ("no text layer", "扫描件，没有文字层，请先做 OCR 识别"),
    ("corrupt", "文件已损坏或无法读取"),
    ("could not be read", "文件已损坏或无法读取"),
    ("nested too deeply", "文件结构嵌套过深，无法读取"),
    ("does not look like", "看起来不是政府信息公开工作年度报告"),
    ("encoding", "文本编码无法识别（请存为 UTF-8）"),
    ("has no text", "文件里没有文字"),
    ("binary", "不是文本文件"),
)


def reason_text(reason: str) -> str:
    for key, zh in REASONS_ZH:
        if key in reason:
            return f"{zh}。<small>{_plain(reason)}</small>"
    return _plain(reason)


def format_results(results: Sequence[FileResult]) -> str:
    """Per file: what was recognised and stored, or why it failed."""
    if not results:
        return "没有选择文件。<small>No files selected.</small>"
    ok = sum(not r.failed for r in results)
    lines = [f"**{ok}/{len(results)} 个文件已入库**",
             "", "| 文件 | 结果 | 单位 | 年度 | 模板 | 页数 | 事实 | 发现 | 说明 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        name = _cell(Path(r.path).name)
        if r.failed or r.status == "skipped":
            lines.append(f"| {name} | {STATUS_TEXT.get(r.status, r.status)} | | | | | | | "
                         f"{reason_text(display_reason(r)).replace('|', '/')} |")
            continue
        notes = []
        if r.ocr_pages:
            notes.append(f"扫描件，{len(r.ocr_pages)} 页经 OCR 识别（OCR: pages "
                         f"{', '.join(map(str, r.ocr_pages))}）")
        if r.unknown:
            names = {"agency": "单位", "year": "年度", "template": "模板"}
            notes.append("未识别" + "、".join(names.get(u, u) for u in r.unknown) + "，可在下方手工指定")
        if r.duplicate_of:
            notes.append("与已收录的同一报告重复，由已收录的那份作答")
        if r.superseded:
            notes.append("同一单位同一年度的新版本（数字有改动），今后由这份作答，旧版本保留")
        notes += r.problems[:3]
        lines.append(f"| {name} | {STATUS_TEXT.get(r.status, r.status)} | {_cell(r.agency or '？')} | "
                     f"{r.year or '？'} | {r.template or '？'} | {r.pages or NO_PAGES} | {r.facts} | {r.findings} | "
                     f"{_cell('；'.join(notes))} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return _plain(text).replace("|", "\\|").replace("\n", " ")
