"""Audits on the scale corpus: injected inconsistencies found, and false alarms on clean reports.

    python scripts/bench_audits.py                 # 400 reports
    python scripts/bench_audits.py --reports 100

Plans reports with devtools.scale_corpus (agencies, places and years of its own) and
writes them as text (parsing is what is measured, not PDF layout). Into a third of the
reports it injects a table break (one 表四 cell off, as the generator does), into a
third a prose contradiction (a restatement of 表三 本年新收 with a wrong figure, in one
of several wordings), and every report gets distractors that must not be reported: a
hotline sentence with a large count, and a 受理 sentence whose figure counts the
carried-over requests too. Prints found / injected and false alarms / clean reports.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDINGS = ("全年共收到信息公开申请{n}件。", "本年度受理公开申请{n}件，均按期答复。",
            "全年新收依申请公开申请{n}件。", "共接到群众申请公开政府信息{n}件。",
            "本机关全年共受理各类政府信息公开申请总计{n}件。")
DISTRACTORS = ("通过关联12345平台受理群众各类诉求，累计受理{big}件。",
               "全年受理人大代表建议和政协委员提案共{small}件。",
               "全年共受理政府信息公开申请{both}件（含上年结转{carried}件）。")


def _add(report, section: int, sentence: str, *, first: bool = False):
    sections = list(report.sections)
    heading, paragraphs = sections[section]
    sections[section] = (heading, [sentence, *paragraphs] if first else [*paragraphs, sentence])
    return replace(report, sections=sections)


def _is_injected(finding, inject: str | None, wrong: int | None) -> bool:
    if inject == "prose":
        return finding.check == "prose:new_received" and finding.actual == max(wrong or 0, 0)
    return inject == "table" and finding.check.startswith("t4_block:")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from devtools import samples
    from devtools.scale_corpus import plan_corpus
    from ingest import template as tpl
    from ingest.loaders import load
    from ingest.pipeline import parse_document

    rng = random.Random(f"audits:{args.seed}")
    plan = plan_corpus(args.reports, seed=args.seed, inconsistent_fraction=0)
    work = Path(tempfile.mkdtemp(prefix="xxgk-audits-"))
    kinds = {"table": [0, 0], "prose": [0, 0]}  # found, injected
    clean = alarms = 0
    alarm_examples: list[str] = []
    started = time.perf_counter()
    for n, p in enumerate(plan):
        inject = ("table", "prose", None)[n % 3]
        report = samples.make_report(p.profile.name, p.year, p.version, p.seed,
                                     inconsistent=inject == "table", profile=p.profile)
        new = report.number((tpl.T3, "new_received", "total"))
        carried = report.number((tpl.T3, "carried_over", "total"))
        report = _add(report, 0, DISTRACTORS[0].format(big=new * 37 + rng.randint(100, 900)), first=True)
        report = _add(report, 4, DISTRACTORS[1].format(small=rng.randint(3, 90)))
        if carried:
            report = _add(report, 2, DISTRACTORS[2].format(both=new + carried, carried=carried))
        wrong = None
        if inject == "prose":
            wrong = new + rng.choice((-1, 1)) * rng.randint(1, 9) + (carried + 20 if carried else 0)
            report = _add(report, rng.choice((0, 2, 4)), rng.choice(WORDINGS).format(n=max(wrong, 0)),
                          first=rng.random() < 0.5)
        parsed = parse_document(load(samples.write_text(report, work / f"{p.stem}.txt")))
        hits = [f for f in parsed.findings if _is_injected(f, inject, wrong)]
        extra = [f for f in parsed.findings if not _is_injected(f, inject, wrong)]
        if inject is None:
            clean += 1
        else:
            kinds[inject][1] += 1
            kinds[inject][0] += bool(hits)
        if extra:
            alarms += 1
            alarm_examples.append(f"{p.stem}: {extra[0].message}")
    seconds = time.perf_counter() - started
    print(f"{len(plan)} generated reports (text), {seconds:.0f} s")
    print("| injected | found / injected |")
    print("|---|---|")
    for kind, (found, injected) in kinds.items():
        print(f"| {kind} | {found} / {injected} |")
    print(f"\nreports with a false alarm: {alarms} of {len(plan)} ({clean} clean; an injected report "
          "counts when a finding other than the injected one appears)")
    for example in alarm_examples[:5]:
        print(f"  {example}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
