"""Template mapping: logical rows -> facts keyed by canonical table/row/column.

Walks the rows of a document in order, recognises the rows of tables 二, 三
and 四 by their labels (template.py), assigns value cells to columns, and
falls back to label-anchored parsing for text whose cells ran together
("一、本年新收政府信息公开申请数量640020470"), accepting a split only when the
table's own identities make it unique.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from . import template as tpl
from .cells import parse_value
from .models import Block, Cell, Fact, Problem
from .rows import LogicalRow, logical_rows
from .text import fold_keep_spaces, fold_label

_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．,，])")
_ITEM = re.compile(r"第二十条第?（([一二三四五六七八九十]+)）项")
_SUB_ROW_START = re.compile(r"(?<!\d)\d[.、．]")
_ITEMS_BY_NUMBER = {"一": tpl.ITEM_1, "五": tpl.ITEM_5, "六": tpl.ITEM_6, "八": tpl.ITEM_8,
                    "九": tpl.ITEM_9}
MATCH_THRESHOLD = 0.72
T3_WIDTH = len(tpl.T3_COLUMNS)
T4_WIDTH = len(tpl.T4_ROWS) * len(tpl.T4_COLUMNS)


@dataclass
class TableParse:
    facts: dict[tuple[str, str, str], Fact] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: set[tuple[str, str]] = field(default_factory=set)  # (table, row) already stored

    def has_row(self, table: str, row: str) -> bool:
        return (table, row) in self.rows


def strip_enumerator(label: str) -> str:
    return _ENUMERATOR.sub("", label, count=1)


def label_score(label: str, row: tpl.Row) -> float:
    """How well a printed label names a template row (1.0 = exactly)."""
    label = fold_label(label)
    core = strip_enumerator(label)
    names = [fold_label(row.zh), *(fold_label(a) for a in row.aliases)]
    best = 0.0
    for name in names:
        name_core = strip_enumerator(name)
        if label == name or core == name_core:
            return 1.0
        if len(name_core) >= 4 and name_core in label:
            best = max(best, 0.9)
        elif len(core) >= 4 and core in name_core:
            best = max(best, 0.75 + 0.2 * len(core) / len(name_core))
        else:
            best = max(best, SequenceMatcher(None, core, name_core).ratio() * 0.95)
    return best


def best_row(labels: tuple[str, ...], rows: tuple[tpl.Row, ...]) -> tuple[tpl.Row | None, float]:
    """The template row a row's label cells name; later (more specific) cells win ties."""
    found: tuple[tpl.Row | None, float] = (None, 0.0)
    for label in labels:
        for row in rows:
            score = label_score(label, row)
            if score >= found[1]:
                found = (row, score)
    return found


def _fact(table: str, row: tpl.Row, column: str, cell: Cell, page: int | None,
          row_label: str, column_label: str | None = None) -> Fact | None:
    value = parse_value(cell.text)
    if value is None:
        return None
    col = tpl.column(table, column)
    unit = value.unit or col.unit
    return Fact(table=table, row=row.key, column=column, row_label=row_label,
                column_label=column_label or col.zh, raw=value.raw, value=value.value, unit=unit,
                page=page, bbox=cell.bbox, confidence=cell.confidence)


class TemplateMapper:
    """One pass over a document's rows, then the run-together fallback."""

    def __init__(self, version: str | None):
        self.version = version
        versions = [version] if version else list(tpl.TEMPLATE_VERSIONS)
        self.t3_candidates = tuple(dict.fromkeys(r for v in versions for r in tpl.t3_rows(v)))
        self.t2_candidates = tuple(dict.fromkeys(r for v in versions for r in tpl.t2_rows(v)))
        self.result = TableParse()

    # ------------------------------------------------------------ row pass

    def run(self, blocks: tuple[Block, ...]) -> TableParse:
        rows = logical_rows(blocks)
        self._row_pass(rows)
        self._flattened_pass(blocks)
        return self.result

    def _row_pass(self, rows: list[LogicalRow]) -> None:
        item: str | None = None
        t2_columns: tuple[str, ...] = ()
        in_t3 = False
        t4_armed = False
        pending: list[str] = []
        skip_next = False
        for i, row in enumerate(rows):
            if skip_next:
                skip_next = False
                continue
            label = row.label
            m = _ITEM.search(label)
            if m:
                item = _ITEMS_BY_NUMBER.get(m.group(1), item)
                t2_columns = ()
            header_columns = find_t2_columns(label) if row.is_header else ()
            if header_columns:
                t2_columns = header_columns
                continue
            if "行政复议" in label and not self._t4_done():
                t4_armed = True
            if row.is_header:
                if in_t3 and row.source == "table" or (in_t3 and len(label) < 40):
                    pending.append(label)
                continue

            if t4_armed and self._try_t4(row):
                t4_armed = False
                in_t3 = False
                pending.clear()
                continue

            labels = row.labels
            t3_row, t3_score = best_row(labels, self.t3_candidates)
            t2_row, t2_score = best_row(labels, self.t2_candidates)
            if in_t3 and (t3_score < MATCH_THRESHOLD or not labels) and pending:
                # A label broken over lines or pages: join the pieces around the numbers.
                joined = "".join(pending)
                following = rows[i + 1] if i + 1 < len(rows) else None
                if following is not None and following.is_header and following.source == "text":
                    joined_next = joined + following.label
                    cand, score = best_row((joined_next,), self.t3_candidates)
                    if score > t3_score:
                        t3_row, t3_score, labels = cand, score, (joined_next,)
                        skip_next = True
                cand, score = best_row((joined, *labels), self.t3_candidates)
                if score > t3_score:
                    t3_row, t3_score, labels = cand, score, (joined, *labels)
                if len(_SUB_ROW_START.findall("".join(labels))) > 1:
                    # Two numbered labels around one row of numbers: which is it?
                    self.result.problems.append(Problem(
                        f"表三的一行数字前后有多个行名，无法确定属于哪一行，未入库：{row.text[:60]}",
                        row.page, "".join(labels)))
                    pending.clear()
                    continue
            pending.clear()
            if row.source == "text" and len(row.values) < T3_WIDTH and t3_score >= t2_score:
                t3_row = None  # prose that happens to end in a number

            if t3_row is not None and t3_score >= MATCH_THRESHOLD and t3_score >= t2_score:
                in_t3 = True
                self._assign_t3(t3_row, labels, row)
                if t3_row.key == "carried_forward":
                    in_t3 = False
                continue
            if t2_row is not None and t2_score >= MATCH_THRESHOLD:
                self._assign_t2(t2_row, row, item, t2_columns)
                continue
            if in_t3 and row.values and len(row.values) >= T3_WIDTH - 1:
                self.result.problems.append(Problem(
                    f"表三的一行无法识别行名，未入库：{row.text[:80]}", row.page, row.text))

    def _t4_done(self) -> bool:
        return all(self.result.has_row(tpl.T4, r.key) for r in tpl.T4_ROWS)

    def _assign_t3(self, trow: tpl.Row, labels: tuple[str, ...], row: LogicalRow) -> None:
        if self.result.has_row(tpl.T3, trow.key):
            self.result.problems.append(Problem(
                f"表三「{trow.zh}」出现两次，保留第一次的数字：{row.text[:80]}", row.page, row.text))
            return
        values = fit_values(row.values, T3_WIDTH, row_sum_ok=_t3_row_sum_ok)
        if values is None:
            self.result.problems.append(Problem(
                f"表三「{trow.zh}」有 {len(row.values)} 个数值单元格，应为 {T3_WIDTH} 个，未入库",
                row.page, row.text))
            return
        printed = " ".join(labels) or trow.zh
        for col, cell in zip(tpl.T3_COLUMNS, values):
            fact = _fact(tpl.T3, trow, col.key, cell, row.page, printed)
            if fact:
                self.result.facts[(tpl.T3, trow.key, col.key)] = fact
        self.result.rows.add((tpl.T3, trow.key))

    def _assign_t2(self, trow: tpl.Row, row: LogicalRow, item: str | None,
                   header: tuple[str, ...]) -> None:
        if self.result.has_row(tpl.T2, trow.key):
            return
        columns = header if header and set(header) <= set(trow.columns) else ()
        if not columns:
            version = self.version or (tpl.TEMPLATE_2019 if trow.versions == (tpl.TEMPLATE_2019,)
                                       else None)
            if version is None:
                self.result.problems.append(Problem(
                    f"表二「{trow.zh}」：模板版本未知，无法确定列，未入库", row.page, row.text))
                return
            columns = tpl.T2_ITEM_COLUMNS.get((version, trow.item), ())
        values = fit_values(row.values, len(columns))
        if not columns or values is None:
            self.result.problems.append(Problem(
                f"表二「{trow.zh}」有 {len(row.values)} 个数值单元格，应为 {len(columns)} 个，未入库",
                row.page, row.text))
            return
        printed = row.labels[-1] if row.labels else trow.zh
        for key, cell in zip(columns, values):
            fact = _fact(tpl.T2, trow, key, cell, row.page, printed)
            if fact:
                self.result.facts[(tpl.T2, trow.key, key)] = fact
        self.result.rows.add((tpl.T2, trow.key))

    def _try_t4(self, row: LogicalRow) -> bool:
        values = fit_values(row.values, T4_WIDTH)
        if values is None:
            t4_row, score = best_row(row.labels, tpl.T4_ROWS)
            if t4_row is not None and score >= 0.9 and len(row.values) == len(tpl.T4_COLUMNS):
                self._assign_t4_block(t4_row, row.values, row)
                return self._t4_done()
            return False
        width = len(tpl.T4_COLUMNS)
        for n, t4_row in enumerate(tpl.T4_ROWS):
            self._assign_t4_block(t4_row, values[n * width:(n + 1) * width], row)
        return True

    def _assign_t4_block(self, t4_row: tpl.Row, cells: tuple[Cell, ...], row: LogicalRow) -> None:
        for col, cell in zip(tpl.T4_COLUMNS, cells):
            fact = _fact(tpl.T4, t4_row, col.key, cell, row.page, t4_row.zh)
            if fact:
                self.result.facts[(tpl.T4, t4_row.key, col.key)] = fact
        self.result.rows.add((tpl.T4, t4_row.key))

    # ------------------------------------------------------------ run-together text

    def _flattened_pass(self, blocks: tuple[Block, ...]) -> None:
        for block in blocks:
            if block.kind != "text" or len(block.text) < 40:
                continue
            text = fold_keep_spaces(block.text)
            if sum(1 for r in self.t3_candidates if fold_label(r.zh) in fold_label(text)) >= 3:
                self._flattened_t3(text, block)
            if _ITEM.search(fold_label(text)):
                self._flattened_t2(text, block)
            if "行政复议" in text and not self._t4_done():
                self._flattened_t4(text, block)

    def _flattened_t3(self, text: str, block: Block) -> None:
        rows = [r for r in self.t3_candidates
                if not (self.version == tpl.TEMPLATE_2021 and r.key == "other_handling")]
        spans = anchor_labels(text, rows, start=_find(text, "本年新收"))
        candidates: dict[str, list[tuple[int, ...]]] = {}
        for trow, segment in spans:
            if self.result.has_row(tpl.T3, trow.key):
                continue
            groups = digit_groups(segment)
            if not groups:
                continue
            splits = forced_or_checked(split_numbers(groups, T3_WIDTH), lambda s: sum(s[:-1]) == s[-1])
            if splits:
                candidates[trow.key] = splits
            else:
                self.result.problems.append(Problem(
                    f"表三「{trow.zh}」的数字连在一起（{''.join(groups)}），没有满足行合计的拆分，未入库",
                    block.page, segment[:60]))
        chosen = resolve_with_identities(candidates, self.version or tpl.TEMPLATE_2021)
        for key, splits in candidates.items():
            trow = tpl.row(tpl.T3, key)
            if key not in chosen:
                self.result.problems.append(Problem(
                    f"表三「{trow.zh}」的数字连在一起，有 {len(splits)} 种拆分都满足勾稽关系，无法唯一确定，未入库",
                    block.page, "/".join(",".join(map(str, s)) for s in splits[:3])))
                continue
            self._store_split(tpl.T3, trow, [c.key for c in tpl.T3_COLUMNS], chosen[key], block)

    def _flattened_t2(self, text: str, block: Block) -> None:
        start = _find(text, "第二十条")
        rows = [r for r in self.t2_candidates if not self.result.has_row(tpl.T2, r.key)]
        for trow, segment in anchor_labels(text, rows, start=start, aliases=False):
            version = self.version or tpl.TEMPLATE_2021
            columns = tpl.T2_ITEM_COLUMNS.get((version, trow.item), ())
            m = re.match(r"\s*(\d+(?:\.\d+)?)(?=\D|$)", segment)
            if not columns or not m:
                continue
            if len(columns) == 1:
                self._store_values(tpl.T2, trow, columns, [m.group(1)], block)
                continue
            groups = digit_groups(segment)
            splits = split_numbers(groups, len(columns)) if groups else []
            if len(splits) == 1:
                self._store_split(tpl.T2, trow, list(columns), splits[0], block)
            elif groups:
                self.result.problems.append(Problem(
                    f"表二「{trow.zh}」的数字连在一起（{''.join(groups)}），有 {len(splits)} 种拆分，无法唯一确定，未入库",
                    block.page, segment[:60]))

    def _flattened_t4(self, text: str, block: Block) -> None:
        start = _find(text, "行政复议", after=_find(text, "结转下年度"))
        for m in re.finditer(r"\d[\d\s]{13,}\d", text[start:]):
            groups = m.group(0).split()
            splits = forced_or_checked(split_numbers(groups, T4_WIDTH), _t4_blocks_ok)
            width = len(tpl.T4_COLUMNS)
            if len(splits) == 1:
                for n, t4_row in enumerate(tpl.T4_ROWS):
                    self._store_split(tpl.T4, t4_row, [c.key for c in tpl.T4_COLUMNS],
                                      splits[0][n * width:(n + 1) * width], block)
            else:
                self.result.problems.append(Problem(
                    f"表四的数字连在一起（{m.group(0)}），有 {len(splits)} 种拆分满足勾稽关系，无法唯一确定，未入库",
                    block.page, m.group(0)))
            return

    def _store_split(self, table: str, trow: tpl.Row, columns: list[str],
                     numbers: tuple[int, ...], block: Block) -> None:
        self._store_values(table, trow, columns, [str(n) for n in numbers], block)

    def _store_values(self, table: str, trow: tpl.Row, columns, raws: list[str],
                      block: Block) -> None:
        for key, raw in zip(columns, raws):
            fact = _fact(table, trow, key, Cell(raw, block.bbox), block.page, trow.zh)
            if fact:
                self.result.facts[(table, trow.key, key)] = fact
        self.result.rows.add((table, trow.key))


# ---------------------------------------------------------------- helpers


def find_t2_columns(label: str) -> tuple[str, ...]:
    """Columns named in a 表二 header row ('信息内容本年制发件数本年废止件数…'), in order."""
    hits: list[tuple[int, int, str]] = []
    for col in tpl.T2_COLUMNS.values():
        for name in sorted((col.zh, *col.aliases), key=len, reverse=True):
            pos = label.find(fold_label(name))
            if pos >= 0:
                hits.append((pos, pos + len(fold_label(name)), col.key))
                break
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, str]] = []
    for hit in hits:
        if not chosen or hit[0] >= chosen[-1][1]:
            chosen.append(hit)
    return tuple(key for _, _, key in chosen)


def fit_values(values: tuple[Cell, ...], width: int, row_sum_ok=None) -> tuple[Cell, ...] | None:
    """Exactly `width` value cells; extra cells are allowed only if blank (spacers)."""
    if len(values) == width:
        return values
    if len(values) < width or width == 0:
        return None
    extra = len(values) - width
    options = []
    for lead in range(extra + 1):
        trail = extra - lead
        dropped = values[:lead] + values[len(values) - trail:]
        if all(not (c.text or "").strip() for c in dropped):
            options.append(values[lead:len(values) - trail])
    if len(options) > 1 and row_sum_ok is not None:
        options = [o for o in options if row_sum_ok(o)] or options
    return options[-1] if options else None


def _t3_row_sum_ok(cells: tuple[Cell, ...]) -> bool:
    parsed = [parse_value(c.text) for c in cells]
    if any(p is None for p in parsed):
        return False
    return sum(p.as_number for p in parsed[:-1]) == parsed[-1].as_number  # type: ignore[union-attr]


def _find(text: str, needle: str, after: int = 0) -> int:
    pos = text.find(needle, max(after, 0))
    return pos if pos >= 0 else max(after, 0)


def _label_pattern(text: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in fold_label(text))


def anchor_labels(text: str, rows, start: int = 0, aliases: bool = True
                  ) -> list[tuple[tpl.Row, str]]:
    """Find each row's label in order; the segment after it, up to the next label, holds its digits."""
    found: list[tuple[int, int, tpl.Row]] = []
    pos = start
    for trow in rows:
        names = [trow.zh]
        core = strip_enumerator(fold_label(trow.zh))
        if aliases and len(core) > 2:
            names += sorted(trow.aliases, key=len, reverse=True)
        for name in names:
            folded = fold_label(name)
            pattern = _label_pattern(folded)
            if re.match(r"\d[.、．]", folded):
                # "1.属于国家秘密" may be printed "1、属于国家秘密"; one digit, so the
                # previous row's run-together digits are not swallowed.
                pattern = folded[0] + r"\s*[.、．,，]\s*" + _label_pattern(folded[2:])
            m = re.compile(pattern).search(text, pos)
            if m:
                found.append((m.start(), m.end(), trow))
                pos = m.end()
                break
    segments = []
    for n, (_, end, trow) in enumerate(found):
        stop = found[n + 1][0] if n + 1 < len(found) else len(text)
        segments.append((trow, text[end:stop]))
    return segments


def digit_groups(segment: str) -> list[str]:
    """The run of digits right after a label, split where the text has spaces."""
    m = re.match(r"\s*((?:\d+\s*)+)", segment)
    return m.group(1).split() if m else []


def split_numbers(groups: list[str], n: int, limit: int = 10_000) -> list[tuple[int, ...]]:
    """Every way to cut digit groups into n numbers without leading zeros."""
    results: list[tuple[int, ...]] = []

    def cuts(s: str, k: int) -> list[tuple[int, ...]]:
        if k == 1:
            return [(int(s),)] if s == "0" or not s.startswith("0") else []
        out = []
        for i in range(1, len(s) - k + 2):
            head = s[:i]
            if len(head) > 1 and head.startswith("0"):
                break
            out += [(int(head), *rest) for rest in cuts(s[i:], k - 1)]
        return out

    def walk(index: int, remaining: int, acc: tuple[int, ...]) -> None:
        if len(results) >= limit:
            return
        if index == len(groups):
            if remaining == 0:
                results.append(acc)
            return
        left = len(groups) - index - 1
        for k in range(1, min(len(groups[index]), remaining - left) + 1):
            for part in cuts(groups[index], k):
                walk(index + 1, remaining - k, acc + part)

    walk(0, n, ())
    return results


def forced_or_checked(splits: list[tuple[int, ...]],
                      holds: Callable[[tuple[int, ...]], bool]) -> list[tuple[int, ...]]:
    """The one split the digits allow, even if it breaks an identity (the checks will say
    so); among several, those the identity holds for."""
    return splits if len(splits) == 1 else [s for s in splits if holds(s)]


def _t4_blocks_ok(numbers: tuple[int, ...]) -> bool:
    width = len(tpl.T4_COLUMNS)
    return all(sum(numbers[i:i + width - 1]) == numbers[i + width - 1]
               for i in range(0, len(numbers), width))


def resolve_with_identities(candidates: dict[str, list[tuple[int, ...]]],
                            version: str) -> dict[str, tuple[int, ...]]:
    """Pick each row's split; ambiguous rows are settled by the column identities or not at all."""
    fixed = {k: v[0] for k, v in candidates.items() if len(v) == 1}
    open_rows = {k: v for k, v in candidates.items() if len(v) > 1}
    if not open_rows:
        return fixed
    keys = list(open_rows)
    solutions = []
    for combo in itertools.product(*(open_rows[k] for k in keys)):
        trial = {**fixed, **dict(zip(keys, combo))}
        if _column_identities_hold(trial, version):
            solutions.append(combo)
            if len(solutions) > 1:
                break
    if len(solutions) == 1:
        fixed.update(dict(zip(keys, solutions[0])))
    return fixed


def _column_identities_hold(rows: dict[str, tuple[int, ...]], version: str) -> bool:
    columns = [c.key for c in tpl.T3_COLUMNS]
    for identity in tpl.identities(version):
        if not identity.key.startswith(("t3_balance", "t3_total")):
            continue
        terms = identity.left + identity.right
        if not all(r in rows for _, r, _ in terms):
            continue
        left = sum(rows[r][columns.index(c)] for _, r, c in identity.left)
        right = sum(rows[r][columns.index(c)] for _, r, c in identity.right)
        if left != right:
            return False
    return True


def map_tables(blocks: tuple[Block, ...], version: str | None) -> TableParse:
    return TemplateMapper(version).run(blocks)

