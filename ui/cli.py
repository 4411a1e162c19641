"""The `xxgk` command: a thin adapter over the service (``assistant.Assistant`` and its library)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from assistant import Assistant
from assistant.compute import FACT_FIELDS
from assistant.config import Config, load_config
from assistant.evaluation import format_markdown
from assistant.factory import make_assistant, make_reader
from ingest import template as tpl
from ingest.errors import ConfigError, InputError, XxgkError
from ingest.offline import stay_offline
from ingest.pipeline import FileResult, Overrides

from .eval_run import evaluate, report_json

EXIT_INGEST_FAILED = 1
EXIT_SOME_FAILED = 1  # some lines of ask --batch failed
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    stay_offline()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        config = load_config(args.config, data_dir=args.data_dir)
        return args.func(args, config)
    except BrokenPipeError:
        # Output piped into `head` and closed: stop quietly, as other commands do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except XxgkError as exc:
        print(f"xxgk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("xxgk: interrupted; reports already written are complete, the one in progress "
              "was not stored", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xxgk", description=(
        "Question answering over 政府信息公开工作年度报告: ingest reports, list facts and "
        "consistency findings."))
    parser.add_argument("--config", help="config file (default: $XXGK_CONFIG or ./config.yaml)")
    parser.add_argument("--data-dir", help="data directory (default from config; $XXGK_DATA_DIR)")
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("ingest", help="ingest report files or folders (PDF, HTML, DOCX, TXT, MD)")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--agency", help="agency name, for reports where it cannot be recognised")
    p.add_argument("--year", type=int, help="statistics year, for reports where it is missing")
    p.add_argument("--template", choices=tpl.TEMPLATE_VERSIONS, help="template version")
    p.add_argument("--json", action="store_true", help="print one JSON result per file")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes that read and embed files at once (default: ingest.workers, or "
                        "one per core); reports are still written one at a time, in order")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask a question (Chinese or English); answers cite their sources")
    p.add_argument("question", nargs="?", help="the question; omit with --batch")
    p.add_argument("--batch", type=Path, metavar="QUESTIONS.jsonl",
                   help="one JSON object per line with a 'question' field ('-' reads stdin); "
                        "writes one answer per line, other fields passed through")
    p.add_argument("--agency", help="only this agency's reports")
    p.add_argument("--year", type=int, help="only this statistics year")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="the web app: chat with sources, report library, data")
    p.add_argument("--host", help="address to bind (default from config: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from config: 7860)")
    p.add_argument("--no-login", action="store_true",
                   help="allow a non-loopback --host without server.username/password (trusted networks)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("reports", help="list ingested reports")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reports)

    p = sub.add_parser("facts", help="list table facts")
    p.add_argument("--agency")
    p.add_argument("--year", type=int)
    p.add_argument("--table", choices=[tpl.T2, tpl.T3, tpl.T4])
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("check", help="consistency findings (template identities) per report")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("agencies", help="agencies: their names, divisions, printings and reports; "
                                        "merge or rename them")
    p.add_argument("--json", action="store_true")
    agencies = p.add_subparsers(metavar="ACTION")
    merge = agencies.add_parser("merge", help="KEEP and OTHER are the same agency: OTHER's reports join KEEP")
    merge.add_argument("keep", help="agency id (or unique name) that stays")
    merge.add_argument("other", help="agency id (or unique name) merged into it")
    merge.set_defaults(action="merge")
    rename = agencies.add_parser("rename", help="give an agency the name its reports answer under")
    rename.add_argument("agency", help="agency id (or unique name)")
    rename.add_argument("name")
    rename.set_defaults(action="rename")
    p.set_defaults(func=cmd_agencies, action="list")

    p = sub.add_parser("feedback", help="users' marks on answers (👍 / 👎 / wrong citation from the web app); "
                                        "export them as gold-set lines for xxgk eval")
    p.add_argument("--json", action="store_true")
    marks = p.add_subparsers(metavar="ACTION")
    export = marks.add_parser("export", help="the marks as gold-set JSON lines (question, answer, report, "
                                             "kind, evidence; the user's correction where given)")
    export.add_argument("--json", action="store_true", help="one JSON object: lines and how many were left out")
    export.set_defaults(action="export")
    p.set_defaults(func=cmd_feedback, action="list")

    p = sub.add_parser("migrate", help="create or upgrade the fact store's schema (SQLite file or "
                                       "store.url's PostgreSQL) and say which store and version")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("delete", help="delete a report (its facts and passages) by id prefix")
    p.add_argument("report_id")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("eval", help="score answers against a gold Q&A set (JSONL), optionally "
                                    "beside a baseline RAG")
    p.add_argument("gold", type=Path, metavar="GOLD.jsonl",
                   help="one JSON object per line: id, report, question, question_en, answer, kind")
    p.add_argument("--ingest", type=Path, metavar="DIR",
                   help="ingest DIR first, into a fresh temporary data directory "
                        "(or into --data-dir when given)")
    p.add_argument("--baseline", action="store_true",
                   help="also run a tutorial RAG (pdfplumber, RecursiveCharacterTextSplitter, Chroma) "
                        "and report its context hit@k")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--k", type=int, default=5, help="top-k for retrieval hit@k (default 5)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("demo", help="write a sample corpus of fictional agencies, ingest it, "
                                    "and show what was stored")
    p.add_argument("--out", type=Path, help="where to write the sample corpus "
                                            "(default: DATA_DIR/sample_corpus)")
    p.set_defaults(func=cmd_demo)
    return parser


# ---------------------------------------------------------------- commands


def _assistant(config: Config) -> Assistant:
    """The whole service: questions over facts and passages, and library changes."""
    return make_assistant(config)


def _reader(config: Config) -> Assistant:
    """The service over the fact store alone, for listings (no embedding model to load)."""
    return make_reader(config)


def cmd_ask(args, config: Config) -> int:
    if (args.question is None) == (args.batch is None):
        print("xxgk ask: give a QUESTION or --batch FILE (not both)", file=sys.stderr)
        return 2
    if args.batch is not None:
        return _ask_batch(args, config)
    answer = _assistant(config).ask(args.question, agency=args.agency, year=args.year)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(format_answer(answer))
    return 0


def _ask_batch(args, config: Config) -> int:
    """Every line gets an output line: its answer, or an error object; stderr names bad lines."""
    if str(args.batch) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = args.batch.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(str(args.batch), f"cannot read the question file ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise InputError(str(args.batch), "the question file is not UTF-8 text") from None
    assistant = _assistant(config)
    failed = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item, error = _batch_item(line)
        if error is None:
            try:
                answer = assistant.ask(item["question"], agency=args.agency, year=args.year)
            except XxgkError as exc:
                error = str(exc)
        if error is not None:
            failed += 1
            print(f"xxgk ask: {args.batch} line {number}: {error}", file=sys.stderr)
            if args.json:
                print(json.dumps({"line": number, "error": error, "input": line[:500]},
                                 ensure_ascii=False), flush=True)
            else:
                print(f"line {number}: error: {error}\n", flush=True)
            continue
        result = answer.to_dict()
        # Fields of the input that the Answer also has (a gold 'answer', say) keep an input_ prefix.
        passed = {(f"input_{k}" if k in result else k): v for k, v in item.items() if k != "question"}
        if args.json:
            print(json.dumps({**result, **passed}, ensure_ascii=False), flush=True)
        else:
            print(f"Q: {item['question']}\n{format_answer(answer)}\n", flush=True)
    if failed:
        print(f"xxgk ask: {failed} of {sum(1 for line in lines if line.strip())} lines failed",
              file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0


def _batch_item(line: str) -> tuple[dict, str | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        return {}, "not a JSON object with a 'question' string"
    if not item["question"].strip():
        return {}, "the question is empty"
    return item, None


def format_answer(answer) -> str:
    """An Answer for a terminal: the text, its readings and warnings, then numbered sources."""
    lines = [answer.answer]
    if answer.readings:
        lines.append("readings: " + "；".join(answer.readings))
    for note in answer.findings:
        if note.message not in answer.answer and note.message_en not in answer.answer:
            lines.append(f"! {note.message if answer.language == 'zh' else note.message_en}")
    if answer.citations:
        lines.append("来源 / sources:")
    for n, c in enumerate(answer.citations, start=1):
        where = Path(c.source_file).name + (f" p.{c.page}" if c.page else "")
        what = c.label or c.section or ""
        quote = c.quote if len(c.quote) <= 120 else c.quote[:117] + "…"
        lines.append(f"  [{n}] {c.agency or '?'} {c.year or '?'} · {where} · {what}")
        if quote:
            lines.append(f"      {quote}")
    return "\n".join(lines)


def cmd_serve(args, config: Config) -> int:
    from .server import serve  # Gradio loads only for the command that serves

    serve(config, host=args.host, port=args.port, no_login=args.no_login)
    return 0


def cmd_ingest(args, config: Config) -> int:
    library = _assistant(config).library
    overrides = Overrides(args.agency, args.year, args.template)
    missing = [p for p in args.paths if not p.exists()]
    results: list[FileResult] = [FileResult(str(p), "failed", f"{p}: no such file or folder")
                                 for p in missing]
    bar = None
    if not args.no_progress and not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="page", desc="ingest", file=sys.stderr)

    live = bar is None and not args.json

    paged: set[str] = set()

    def progress(result: FileResult) -> None:
        if bar is not None:
            if result.path not in paged:  # read by a worker process, which tells no pages
                bar.update(result.pages)
            bar.set_postfix_str(Path(result.path).name[:30])
        elif live:
            print(_summary_line(result), flush=True)

    def pages(path: str, done: int, total: int) -> None:
        # The bar counts pages: a scanned page takes seconds, a file of text a moment.
        if bar is not None:
            paged.add(path)
            bar.update(1)
            bar.set_postfix_str(f"{Path(path).name[:30]} {done}/{total}")

    for result in results:  # the missing paths
        progress(result)
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", "give at least 1 worker")
    results += library.add([p for p in args.paths if p.exists()], overrides, progress,
                           workers=args.workers, pages=pages)
    if bar is not None:
        bar.close()
        for result in results:
            print(_summary_line(result))
    elif args.json:
        for result in results:
            print(json.dumps(result.__dict__, ensure_ascii=False, default=str))
    _print_totals(results, args.json)
    return EXIT_INGEST_FAILED if any(r.failed for r in results) else 0


def _summary_line(r: FileResult) -> str:
    if r.status in ("failed", "skipped"):
        return f"{r.status.upper():9} {r.reason}"
    unknown = ""
    if r.unknown:
        unknown = (f"  ! not recognised: {', '.join(r.unknown)} — supply with --agency/--year/"
                   f"--template or a {Path(r.path).name}.xxgk.json sidecar")
    pages = r.pages if r.pages else "-"
    ocr = f" (OCR: {_page_list(r.ocr_pages)})" if r.ocr_pages else ""
    line = (f"{r.status.upper():9} {r.path}: {r.agency or '?'} · {r.year or '?'} · "
            f"template {r.template or '?'} · pages {pages}{ocr} · facts {r.facts} · "
            f"findings {r.findings} · problems {len(r.problems)}{unknown}")
    for note in r.notes:
        line += f"\n          note: {note}"
    for problem in r.problems[:5]:
        line += f"\n          - {problem}"
    if len(r.problems) > 5:
        line += f"\n          - … {len(r.problems) - 5} more (xxgk reports --json)"
    return line


def _page_list(pages: tuple[int, ...]) -> str:
    """1, 2, 3, 5 -> 'pages 1-3, 5'."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"page{'s' if len(pages) > 1 else ''} {text}"


def _print_totals(results: list[FileResult], as_json: bool) -> None:
    if as_json:
        return
    counts = {s: sum(1 for r in results if r.status == s)
              for s in ("ingested", "unchanged", "repaired", "skipped", "failed")}
    print(" · ".join(f"{n} {s}" for s, n in counts.items() if n or s != "repaired"), file=sys.stderr)
    scanned = [r for r in results if r.ocr_pages]
    if scanned:
        print(f"OCR: {sum(len(r.ocr_pages) for r in scanned)} scanned pages in {len(scanned)} files: "
              + ", ".join(Path(r.path).name for r in scanned), file=sys.stderr)


def cmd_reports(args, config: Config) -> int:
    reports = _reader(config).library.reports()
    if args.json:
        for summary in reports:
            print(json.dumps({**summary.record.to_dict(), **summary.counts}, ensure_ascii=False))
        return 0
    if not reports:
        print("No reports ingested yet. Run: xxgk ingest PATH")
        return 0
    for summary in reports:
        record = summary.record
        flags = f" (another copy answers: {record.duplicate_of[:10]})" if record.duplicate_of else ""
        if record.unknown:
            flags += f" ! unknown: {', '.join(record.unknown)}"
        print(f"{record.id[:10]}  {record.agency or '?'}  {record.year or '?'}  "
              f"template {record.template or '?'}  pages {record.page_count or '-'}  "
              f"facts {summary.facts}  findings {summary.findings}  "
              f"{record.source_file}{flags}")
    return 0


def cmd_migrate(args, config: Config) -> int:
    status = _reader(config).library.store_status()
    print(f"{status.backend} store {status.location}: schema version {status.schema_version}, "
          f"up to date · {status.reports} reports")
    return 0


def cmd_facts(args, config: Config) -> int:
    rows = _reader(config).facts(agency=args.agency, year=args.year, table=args.table)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=FACT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            page = f"p.{row['page']}" if row["page"] else "-"
            print(f"{row['agency']} {row['year']}  {row['label']} = {row['raw'] or '（空）'}"
                  f"  [{Path(row['source_file']).name} {page}]")
        if not rows:
            print("No facts match. List reports with: xxgk reports")
    return 0


def cmd_check(args, config: Config) -> int:
    service = _reader(config)
    findings = [{"report_id": record.id, "agency": record.agency, "year": record.year,
                 "source_file": record.source_file, **finding.__dict__}
                for record, finding in service.findings()]
    if args.json:
        for finding in findings:
            print(json.dumps(finding, ensure_ascii=False))
        return 0
    reports = [s.record for s in service.library.reports() if s.record.duplicate_of is None]
    if not reports:
        print("No reports ingested yet. Run: xxgk ingest PATH")
        return 0
    for record in reports:
        mine = [f for f in findings if f["report_id"] == record.id]
        status = "adds up" if not mine else f"{len(mine)} finding(s)"
        print(f"{record.agency or '?'} {record.year or '?'} ({Path(record.source_file).name}): "
              f"{status}")
        for finding in mine:
            print(f"  [{finding['severity']}] {finding['message']}")
    return 0


def cmd_feedback(args, config: Config) -> int:
    reader = _reader(config)
    if args.action == "export":
        lines, left_out = reader.feedback_gold()
        if args.json:
            print(json.dumps({"lines": lines, "left_out": left_out}, ensure_ascii=False, indent=2))
        else:
            for line in lines:
                print(json.dumps(line, ensure_ascii=False))
        if left_out:
            print(f"{left_out} mark(s) left out: marked wrong with no correction, so the right answer "
                  "is not known", file=sys.stderr)
        return 0
    for entry in reader.feedback():
        if args.json:
            print(json.dumps(entry.to_dict(), ensure_ascii=False))
            continue
        note = "".join(f"  · {label}: {text}" for label, text in (("comment", entry.comment),
                                                                  ("correction", entry.correction)) if text)
        print(f"[{entry.rating}] {entry.question}  ->  {entry.answer.splitlines()[0] if entry.answer else ''}"
              f"  ({len(entry.citations)} citation(s)){note}")
    return 0


def cmd_agencies(args, config: Config) -> int:
    library = _reader(config).library
    if args.action == "merge":
        keep, other, moved = library.merge_agencies(args.keep, args.other)
        print(f"merged {other.name} ({other.id}) into {keep.name} ({keep.id}): {moved} report(s) moved")
        return 0
    if args.action == "rename":
        agency = library.rename_agency(args.agency, args.name)
        print(f"renamed {agency.id}: {agency.name} -> {args.name.strip()}")
        return 0
    for summary in library.agencies():
        agency = summary.agency
        row = {**agency.to_dict(), "printings": list(summary.printings),
               "reports": [{"id": r.id, "year": r.year, "source_file": r.source_file,
                            "answers": r.duplicate_of is None} for r in summary.reports]}
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        where = " > ".join(agency.path) or ("(no division known)" if not agency.id.startswith("cn/") else "national")
        years = ", ".join(str(r.year) for r in summary.reports if r.duplicate_of is None)
        print(f"{agency.name}  [{agency.id}]  {where}  · {agency.organ or '?'}  · years {years or '-'}")
        others = [p for p in summary.printings if p != agency.name]
        if others:
            print(f"    printed as: {'、'.join(others)}")
    return 0


def cmd_delete(args, config: Config) -> int:
    library = _assistant(config).library
    record = library.find(args.report_id)
    library.delete(record.id)
    print(f"deleted {record.id[:10]} {record.agency} {record.year}")
    return 0


def cmd_eval(args, config: Config) -> int:
    run = evaluate(args.gold, config, ingest_dir=args.ingest, baseline=args.baseline, k=args.k,
                   temp_data_dir=args.ingest is not None and args.data_dir is None)
    print(report_json(run.report) if args.json else format_markdown(run.report), end="")
    return EXIT_INGEST_FAILED if run.ingest_failed else 0


def cmd_demo(args, config: Config) -> int:
    try:  # the generator needs reportlab, which only the demo extra installs
        from devtools.samples import write_corpus
    except ImportError as exc:
        raise ConfigError(f"xxgk demo needs the demo extra ({exc.name} is missing): "
                          "run `pip install 'xxgk[demo]'` or `make demo`.") from None

    out = args.out or (config.data_dir / "sample_corpus")
    paths = write_corpus(out)
    print(f"wrote {len(paths)} sample reports of fictional agencies to {out}")
    assistant = _assistant(config)
    # The report files only: the corpus folder also holds its gold.jsonl, which is no report.
    results = assistant.library.add(paths, progress=lambda r: print(_summary_line(r), flush=True))
    _print_totals(results, False)
    for question in demo_questions(assistant):
        print(f"\nQ: {question}\n{format_answer(assistant.ask(question))}")
    print("\nNext: .venv/bin/xxgk serve  (the web app on http://127.0.0.1:7860) · "
          "xxgk ask \"QUESTION\" · xxgk reports · xxgk check")
    return EXIT_INGEST_FAILED if any(r.failed for r in results) else 0


def demo_questions(assistant) -> list[str]:
    """Questions that show each route on whatever is ingested: a cell (zh, en), a comparison,
    a sentence of the prose, a consistency check, and one the reports cannot answer."""
    entries = assistant.catalog().entries
    if not entries:
        return []
    newest = max(entries, key=lambda e: (e.year or 0, e.agency.endswith("人民政府")))
    a, y = newest.agency, newest.year
    return [f"{a}{y}年新收了多少件政府信息公开申请？",
            f"How many administrative penalty decisions did {a} make in {y}?",
            f"{a}{y}年行政复议比{y - 1}年多还是少？",
            f"{a}{y}年在运维的政务新媒体有多少个？",
            f"{a}{y}年的报告加起来对吗？",
            f"{a}{y}年政府信息公开工作的经费预算是多少？"]


if __name__ == "__main__":
    sys.exit(main())
