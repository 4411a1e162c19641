"""Write tests/data/gold.jsonl: gold questions over the sample corpus the tests generate.

The corpus is ``devtools.samples.write_corpus(out)`` with its defaults (three
fictional agencies, 2019-2022). The file holds the generator's own gold
questions plus questions that exercise what people ask beyond a single cell:
short names, Chinese and relative years, colloquial and English phrasings,
sums, differences, rankings, shares and refusals. Answers are computed from
the generated reports' numbers here, once; the committed file is the gold.

    python scripts/make_test_gold.py            # rewrite tests/data/gold.jsonl
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devtools import samples  # noqa: E402
from ingest.template import T2, T3, T4  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "gold.jsonl"
YEARS = (2019, 2020, 2021, 2022)


def _series() -> dict[str, dict[int, samples.SampleReport]]:
    agencies = samples.AGENCIES[:3]
    out = {}
    for i, a in enumerate(agencies):
        reports = samples.make_series(a.name, YEARS, 0, inconsistent_year=YEARS[1] if i == 2 else None)
        out[a.name] = {r.year: r for r in reports}
    return out


def _q(qid, question, question_en, answer, kind, agency=None, year=None, evidence=""):
    return {"id": qid, "report": None, "agency": agency, "year": year, "question": question,
            "question_en": question_en, "answer": answer, "kind": kind, "evidence": evidence}


def extra_questions(s: dict[str, dict[int, samples.SampleReport]]) -> list[dict]:
    gov, edu, fgj = (a.name for a in samples.AGENCIES[:3])
    new = (T3, "new_received", "total")
    out = []
    n = lambda a, y, ref: s[a][y].number(ref)  # noqa: E731

    out.append(_q("ops-short-01", "青石市政府2021年行政复议总计多少件？",
                  "How many reconsideration cases did the Qingshi government have in 2021?",
                  n(gov, 2021, (T4, "reconsideration", "total")), "table", gov, 2021))
    out.append(_q("ops-short-02", "望川发改局2022年予以公开了几件申请？",
                  "How many requests did the Wangchuan DRB fully grant in 2022?",
                  n(fgj, 2022, (T3, "granted", "total")), "table", fgj, 2022))
    out.append(_q("ops-year-01", "二〇二〇年青石市教育局新收政府信息公开申请多少件？",
                  "How many new disclosure requests did the Qingshi Education Bureau receive in 2020?",
                  n(edu, 2020, new), "table", edu, 2020))
    out.append(_q("ops-year-02", "去年青石市人民政府收到多少件政府信息公开申请？",
                  "How many disclosure requests did the Qingshi Municipal People's Government receive last year?",
                  n(gov, 2022, new), "table", gov, 2022))
    out.append(_q("ops-colloquial-01", "青石市政府2019年罚款处罚多少件？",
                  "How many fines did the Qingshi government impose in 2019?",
                  n(gov, 2019, (T2, "penalty", "decisions")), "table", gov, 2019))
    lit = sum(n(gov, 2021, (T4, r, "total")) for r in ("litigation_direct", "litigation_after_reconsideration"))
    out.append(_q("ops-colloquial-02", "青石市人民政府2021年因为信息公开打了几场官司？",
                  "How many lawsuits did the Qingshi Municipal People's Government face in 2021?",
                  lit, "table", gov, 2021))
    lost = sum(n(gov, 2022, (T4, r, "corrected"))
               for r in ("litigation_direct", "litigation_after_reconsideration"))
    out.append(_q("ops-colloquial-03", "青石市人民政府2022年行政诉讼被纠正的有几件？",
                  "In how many lawsuits did the Qingshi Municipal People's Government lose in 2022?",
                  lost, "table", gov, 2022))
    out.append(_q("ops-colloquial-04", "青石市教育局2021年有多少申请是从上年结转过来的？",
                  "How many requests did the Qingshi Education Bureau carry over from the previous year into 2021?",
                  n(edu, 2021, (T3, "carried_over", "total")), "table", edu, 2021))
    total = sum(n(edu, y, new) for y in YEARS)
    out.append(_q("ops-sum-01", "青石市教育局2019年到2022年一共新收了多少件政府信息公开申请？",
                  "How many new disclosure requests did the Qingshi Education Bureau receive from 2019 to 2022 combined?",
                  total, "cross", edu))
    both = n(gov, 2022, new) + n(edu, 2022, new)
    out.append(_q("ops-sum-02", "青石市人民政府和青石市教育局2022年合计新收多少件申请？",
                  "How many new requests did the Qingshi Municipal People's Government and the Qingshi "
                  "Education Bureau receive in 2022 combined?", both, "cross", None, 2022))
    a, b = n(fgj, 2021, new), n(fgj, 2020, new)
    verdict = f"多{a - b}件" if a > b else f"少{b - a}件" if a < b else "持平"
    out.append(_q("ops-diff-01", "望川县发展和改革局2021年新收申请比2020年多还是少？差多少？",
                  "Did the Wangchuan County Development and Reform Bureau receive more or fewer new "
                  "requests in 2021 than in 2020, and by how much?",
                  f"{verdict}（2021年{a}件，2020年{b}件）", "cross", fgj))
    ranked = sorted(((n(x, 2022, new), x) for x in (gov, edu, fgj)), reverse=True)
    out.append(_q("ops-rank-01", "2022年哪个单位新收的政府信息公开申请最多？",
                  "Which agency received the most disclosure requests in 2022?",
                  ranked[0][1], "cross", None, 2022))
    out.append(_q("ops-rank-02", "2022年哪个单位新收的政府信息公开申请最少？",
                  "Which agency received the fewest disclosure requests in 2022?",
                  ranked[-1][1], "cross", None, 2022))
    r = s[gov][2022]
    rate = (r.number((T3, "granted", "total")) + r.number((T3, "partially_granted", "total"))) \
        / r.number((T3, "total_handled", "total")) * 100
    out.append(_q("ops-rate-01", "青石市人民政府2022年的政府信息公开申请公开率是多少？",
                  "What was the disclosure rate of the Qingshi Municipal People's Government in 2022?",
                  f"{rate:.1f}%", "cross", gov, 2022))
    out.append(_q("ops-refuse-01", "青石市教育局2023年行政复议多少件？",
                  "How many reconsideration cases did the Qingshi Education Bureau have in 2023?",
                  "unanswerable", "unanswerable", edu, 2023, "2023年的报告未收录"))
    out.append(_q("ops-refuse-02", "北京市教育局2021年新收政府信息公开申请多少件？",
                  "How many requests did the Beijing Municipal Education Bureau receive in 2021?",
                  "unanswerable", "unanswerable", None, 2021, "未收录该单位的报告"))
    out.append(_q("ops-refuse-03", "青石市教育局2021年政府网站的访问量是多少？",
                  "What was the website traffic of the Qingshi Education Bureau in 2021?",
                  "unanswerable", "unanswerable", edu, 2021, "报告未提供网站访问量"))
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        samples.write_corpus(tmp)
        base = Path(tmp, "gold.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in base] + extra_questions(_series())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} questions to {OUT}")


if __name__ == "__main__":
    main()
