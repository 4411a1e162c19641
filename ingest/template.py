"""Knowledge of the national report template, as data.

What the pipeline knows about 政府信息公开工作年度报告 lives here: the sections,
the rows and columns of tables 二, 三 and 四 in both template versions (2019 and
2021), the label variants seen in real reports, the English names, and the
identities a correct report satisfies. Parsing code looks labels up here; it never
spells them out itself. How people *ask* for the cells is in ingest/domain/
vocabulary.yaml; organs and their printings in ingest/domain/organs.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEMPLATE_2019 = "2019"
TEMPLATE_2021 = "2021"
TEMPLATE_VERSIONS = (TEMPLATE_2019, TEMPLATE_2021)

T2, T3, T4 = "t2", "t3", "t4"
TABLE_NAMES = {T2: "表二", T3: "表三", T4: "表四"}
TABLE_NAMES_EN = {T2: "Table 2", T3: "Table 3", T4: "Table 4"}
TABLE_TITLES = {
    T2: ("主动公开政府信息情况", "proactive disclosure"),
    T3: ("收到和处理政府信息公开申请情况", "disclosure requests received and handled"),
    T4: ("政府信息公开行政复议、行政诉讼情况", "administrative reconsideration and litigation"),
}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    unit: str = "件"


@dataclass(frozen=True)
class Row:
    key: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    group: str = ""  # parent label, e.g. "（三）不予公开"
    item: str = ""  # 表二 sub-table, e.g. "第二十条第（一）项"
    columns: tuple[str, ...] = ()  # 表二: the columns this row has
    versions: tuple[str, ...] = TEMPLATE_VERSIONS
    gloss: str = ""  # a word-for-word English reading of the label, beside the short ``en``

    @property
    def path(self) -> str:
        """Label as a person reads it in the table, with its parents."""
        return " ".join(p for p in (self.item, self.group, self.zh) if p)


# --------------------------------------------------------------------------
# Table 二: proactive disclosure. Rows belong to stacked sub-tables (items).
# --------------------------------------------------------------------------

ITEM_1 = "第二十条第（一）项"
ITEM_5 = "第二十条第（五）项"
ITEM_6 = "第二十条第（六）项"
ITEM_8 = "第二十条第（八）项"
ITEM_9 = "第二十条第（九）项"
T2_ITEMS = (ITEM_1, ITEM_5, ITEM_6, ITEM_8, ITEM_9)

T2_COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        # 2021
        Column("issued", "本年制发件数", "issued this year", ("本年制发",)),
        Column("repealed", "本年废止件数", "repealed this year", ("本年废止",)),
        Column("in_force", "现行有效件数", "currently in force", ("现行有效",)),
        Column("fee_amount", "本年收费金额（单位：万元）", "fees collected this year",
               ("本年收费金额", "收费金额"), unit="万元"),
        # both versions: 2019 处理决定数量 and 2021 本年处理决定数量 answer the same question
        Column("decisions", "本年处理决定数量", "decisions made this year",
               ("处理决定数量", "本年处理决定数")),
        # 2019
        Column("new_made", "本年新制作数量", "newly made this year", ("本年新制作",)),
        Column("new_published", "本年新公开数量", "newly published this year", ("本年新公开",)),
        Column("total_published", "对外公开总数量", "total published", ("对外公开总数",)),
        Column("prev_items", "上一年项目数量", "items in the previous year", ("上一年项目数",)),
        Column("change", "本年增/减", "change this year", ("本年增减", "增/减", "增减")),
        Column("procurement_items", "采购项目数量", "procurement projects", ("采购项目数",)),
        Column("procurement_amount", "采购总金额", "total procurement amount",
               ("采购金额",), unit="万元"),
    )
}

_C21_ITEM1 = ("issued", "repealed", "in_force")
_C19_ITEM1 = ("new_made", "new_published", "total_published")
_C19_ITEM56 = ("prev_items", "change", "decisions")

T2_ROWS: tuple[Row, ...] = (
    Row("rules", "规章", "rules (government regulations)", item=ITEM_1,
        columns=_C21_ITEM1 + _C19_ITEM1),
    Row("normative_docs", "行政规范性文件", "normative documents",
        ("规范性文件",), item=ITEM_1, columns=_C21_ITEM1 + _C19_ITEM1),
    Row("licensing", "行政许可", "administrative licensing", item=ITEM_5,
        columns=_C19_ITEM56),
    Row("other_services", "其他对外管理服务事项", "other external management services",
        ("其他对外管理服务",), item=ITEM_5, columns=_C19_ITEM56,
        versions=(TEMPLATE_2019,)),
    Row("penalty", "行政处罚", "administrative penalties", item=ITEM_6,
        columns=_C19_ITEM56),
    Row("coercion", "行政强制", "administrative coercion", item=ITEM_6,
        columns=_C19_ITEM56),
    Row("fees", "行政事业性收费", "administrative fees", ("行政事业收费",), item=ITEM_8,
        columns=("fee_amount", "prev_items", "change")),
    Row("procurement", "政府集中采购", "centralized government procurement",
        ("集中采购",), item=ITEM_9, columns=("procurement_items", "procurement_amount"),
        versions=(TEMPLATE_2019,)),
)

# Column layout of each 表二 sub-table when no header row tells us.
T2_ITEM_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    (TEMPLATE_2021, ITEM_1): _C21_ITEM1,
    (TEMPLATE_2021, ITEM_5): ("decisions",),
    (TEMPLATE_2021, ITEM_6): ("decisions",),
    (TEMPLATE_2021, ITEM_8): ("fee_amount",),
    (TEMPLATE_2019, ITEM_1): _C19_ITEM1,
    (TEMPLATE_2019, ITEM_5): _C19_ITEM56,
    (TEMPLATE_2019, ITEM_6): _C19_ITEM56,
    (TEMPLATE_2019, ITEM_8): ("prev_items", "change"),
    (TEMPLATE_2019, ITEM_9): ("procurement_items", "procurement_amount"),
}

# Column labels that only one template version prints.
VERSION_MARKERS: dict[str, tuple[str, ...]] = {
    TEMPLATE_2021: ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额",
                    "逾期不补正", "逾期未按收费通知"),
    TEMPLATE_2019: ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量",
                    "政府集中采购", "其他对外管理服务事项"),
}

# --------------------------------------------------------------------------
# Table 三: requests. 7 columns, 25 (2019) or 27 (2021) data rows.
# --------------------------------------------------------------------------

T3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人", "natural persons (individuals)", ("个人",)),
    Column("business", "商业企业", "businesses", ("企业",)),
    Column("research", "科研机构", "research institutions"),
    Column("public_interest", "社会公益组织", "public-interest organizations", ("公益组织",)),
    Column("legal_service", "法律服务机构", "legal service agencies", ("律师事务所",)),
    Column("other_org", "其他", "other organizations", ("其他组织",)),
    Column("total", "总计", "total", ("合计",)),
)
T3_LEGAL_PERSON_GROUP = "法人或其他组织"

G_RESULTS = "三、本年度办理结果"
G_WITHHELD = "（三）不予公开"
G_UNABLE = "（四）无法提供"
G_NOT_PROCESSED = "（五）不予处理"
G_OTHER = "（六）其他处理"

T3_ROWS: tuple[Row, ...] = (
    Row("new_received", "一、本年新收政府信息公开申请数量", "requests newly received this year",
        ("本年新收政府信息公开申请数量", "本年新收政府信息公开申请", "本年新收申请数量")),
    Row("carried_over", "二、上年结转政府信息公开申请数量", "requests carried over from last year",
        ("上年结转政府信息公开申请数量", "上年结转政府信息公开申请", "上年结转申请数量")),
    Row("granted", "（一）予以公开", "fully disclosed (granted)", ("予以公开",), group=G_RESULTS),
    Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "partially disclosed", ("部分公开",), group=G_RESULTS),
    Row("withheld_state_secret", "1.属于国家秘密", "withheld: state secret",
        ("属于国家秘密", "国家秘密"), gloss="withheld because the information is a state secret", group=G_WITHHELD),
    Row("withheld_prohibited", "2.其他法律行政法规禁止公开",
        "withheld: prohibited by other laws and regulations",
        ("其他法律行政法规禁止公开", "其他法律行政止公开", "其他法律行政法规禁止"),
        group=G_WITHHELD),
    Row("withheld_three_safeties", "3.危及“三安全一稳定”",
        "withheld: endangers the three safeties and one stability",
        ("危及“三安全一稳定”", "危及三安全一稳定", "三安全一稳定"), group=G_WITHHELD),
    Row("withheld_third_party", "4.保护第三方合法权益", "withheld: third-party rights",
        ("保护第三方合法权益",), gloss="withheld to protect the lawful rights and interests of third parties", group=G_WITHHELD),
    Row("withheld_internal", "5.属于三类内部事务信息", "withheld: internal affairs information",
        ("属于三类内部事务信息", "三类内部事务信息"), gloss="withheld as internal affairs information of three types", group=G_WITHHELD),
    Row("withheld_process", "6.属于四类过程性信息", "withheld: process information",
        ("属于四类过程性信息", "四类过程性信息"), gloss="withheld as process information of four types", group=G_WITHHELD),
    Row("withheld_enforcement", "7.属于行政执法案卷", "withheld: law-enforcement case files",
        ("属于行政执法案卷", "行政执法案卷"), gloss="withheld as law enforcement case files", group=G_WITHHELD),
    Row("withheld_inquiry", "8.属于行政查询事项", "withheld: administrative inquiry matters",
        ("属于行政查询事项", "行政查询事项"), gloss="withheld as administrative inquiry matters", group=G_WITHHELD),
    Row("unable_not_held", "1.本机关不掌握相关政府信息",
        "unable to provide: information not held",
        ("本机关不掌握相关政府信息", "不掌握相关政府信息"),
        gloss="unable to provide because the agency does not hold the relevant government information",
        group=G_UNABLE),
    Row("unable_needs_creation", "2.没有现成信息需要另行制作",
        "unable to provide: would need to be created",
        ("没有现成信息需要另行制作", "需要另行制作"),
        gloss="unable to provide because there is no ready-made information and it would have to be created",
        group=G_UNABLE),
    Row("unable_unclear", "3.补正后申请内容仍不明确",
        "unable to provide: still unclear after correction",
        ("补正后申请内容仍不明确",),
        gloss="unable to provide because the request is still unclear after it was corrected", group=G_UNABLE),
    Row("not_processed_petition", "1.信访举报投诉类申请",
        "not processed: petitions and complaints", ("信访举报投诉类申请",),
        gloss="not processed: requests of the petition, report or complaint type", group=G_NOT_PROCESSED),
    Row("not_processed_duplicate", "2.重复申请", "not processed: duplicate requests",
        ("重复申请",), gloss="not processed because the request was a repeated duplicate request", group=G_NOT_PROCESSED),
    Row("not_processed_publication", "3.要求提供公开出版物",
        "not processed: requests for published material", ("要求提供公开出版物",),
        gloss="not processed: asking to be provided with public publications", group=G_NOT_PROCESSED),
    Row("not_processed_repeated", "4.无正当理由大量反复申请",
        "not processed: repeated requests without good reason",
        ("无正当理由大量反复申请",),
        gloss="not processed: many repeated requests without good reason", group=G_NOT_PROCESSED),
    Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息",
        "not processed: asks to confirm or reissue information already obtained",
        ("要求行政机关确认或重新出具已获取信息",), group=G_NOT_PROCESSED),
    Row("other_overdue_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other handling: applicant did not correct the request in time",
        ("申请人无正当理由逾期不补正", "逾期不补正"), group=G_OTHER,
        gloss="the applicant did not correct the request in time without good reason, "
              "and the agency stopped processing it",
        versions=(TEMPLATE_2021,)),
    Row("other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other handling: applicant did not pay the fee in time",
        ("申请人逾期未按收费通知要求缴纳费用", "逾期未按收费通知"), group=G_OTHER,
        gloss="the applicant did not pay the fee as the fee notice required in time, "
              "and the agency stopped processing it",
        versions=(TEMPLATE_2021,)),
    Row("other_other", "3.其他", "other handling: other", ("其他",), group=G_OTHER,
        versions=(TEMPLATE_2021,)),
    Row("other_handling", "（六）其他处理", "other handling", ("其他处理",), group=G_RESULTS),
    Row("total_handled", "（七）总计", "total handled", ("总计",), group=G_RESULTS),
    Row("carried_forward", "四、结转下年度继续办理", "carried forward to next year",
        ("结转下年度继续办理", "结转下年度")),
)

T3_DISPOSITION_GROUPS: dict[str, tuple[str, ...]] = {
    "withheld": tuple(r.key for r in T3_ROWS if r.group == G_WITHHELD),
    "unable": tuple(r.key for r in T3_ROWS if r.group == G_UNABLE),
    "not_processed": tuple(r.key for r in T3_ROWS if r.group == G_NOT_PROCESSED),
    "other_handling": ("other_overdue_correction", "other_overdue_fee", "other_other"),
}
T3_GROUP_LABELS = {
    "withheld": (G_WITHHELD, "withheld (refused)"),
    "unable": (G_UNABLE, "unable to provide"),
    "not_processed": (G_NOT_PROCESSED, "not processed"),
    "other_handling": (G_OTHER, "other handling"),
}
# Rows whose sum is （七）总计. 其他处理 is either one row or its three parts.
T3_RESULT_PARTS = ("granted", "partially_granted", *T3_DISPOSITION_GROUPS["withheld"],
                   *T3_DISPOSITION_GROUPS["unable"], *T3_DISPOSITION_GROUPS["not_processed"])

# --------------------------------------------------------------------------
# Table 四: reconsideration and litigation, one data row of 15 numbers.
# --------------------------------------------------------------------------

T4_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持", "upheld", ("维持",)),
    Column("corrected", "结果纠正", "corrected (overturned)", ("纠正", "纠错")),
    Column("other_outcome", "其他结果", "other outcome"),
    Column("pending", "尚未审结", "pending", ("未审结",)),
    Column("total", "总计", "total", ("合计",)),
)
T4_ROWS: tuple[Row, ...] = (
    Row("reconsideration", "行政复议", "administrative reconsideration", ("复议",)),
    Row("litigation_direct", "行政诉讼·未经复议直接起诉",
        "administrative litigation: sued directly", ("未经复议直接起诉", "直接起诉")),
    Row("litigation_after_reconsideration", "行政诉讼·复议后起诉",
        "administrative litigation: sued after reconsideration", ("复议后起诉",)),
)

# --------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------

ROWS: dict[str, dict[str, Row]] = {
    T2: {r.key: r for r in T2_ROWS},
    T3: {r.key: r for r in T3_ROWS},
    T4: {r.key: r for r in T4_ROWS},
}
COLUMNS: dict[str, dict[str, Column]] = {
    T2: T2_COLUMNS,
    T3: {c.key: c for c in T3_COLUMNS},
    T4: {c.key: c for c in T4_COLUMNS},
}


def row(table: str, key: str) -> Row:
    return ROWS[table][key]


def column(table: str, key: str) -> Column:
    return COLUMNS[table][key]


def t3_rows(version: str) -> tuple[Row, ...]:
    """Table 三 rows in printed order for a template version.

    The 2019 template has one （六）其他处理 row; 2021 has three sub-rows.
    """
    rows = []
    for r in T3_ROWS:
        if r.key == "other_handling" and version == TEMPLATE_2021:
            continue
        if version in r.versions:
            rows.append(r)
    return tuple(rows)


def t2_rows(version: str) -> tuple[Row, ...]:
    return tuple(r for r in T2_ROWS if version in r.versions)


def cell_label(table: str, row_key: str, col_key: str) -> str:
    """Human label of one cell, e.g. '表三 · （一）予以公开 · 自然人'."""
    r, c = row(table, row_key), column(table, col_key)
    return f"{TABLE_NAMES[table]} · {r.path} · {c.zh}"


def cell_label_en(table: str, row_key: str, col_key: str) -> str:
    r, c = row(table, row_key), column(table, col_key)
    return f"{TABLE_NAMES_EN[table]} · {r.en} · {c.en}"


# --------------------------------------------------------------------------
# Sections of the report
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    zh: str
    en: str
    patterns: tuple[str, ...]  # regexes matched against a normalised heading line


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一、总体情况", "overview", (r"总体情况",)),
    Section("proactive", "二、主动公开政府信息情况", "proactive disclosure",
            (r"主动公开政府信息(的)?情况", r"主动公开(工作)?情况")),
    Section("requests", "三、收到和处理政府信息公开申请情况", "disclosure requests",
            (r"收到和处理政府信息公开申请", r"政府信息公开申请情况")),
    Section("review", "四、政府信息公开行政复议、行政诉讼情况",
            "administrative reconsideration and litigation",
            (r"行政(法)?复议.{0,6}行政诉讼", r"被申请行政复议", r"提起行政诉讼")),
    Section("problems", "五、存在的主要问题及改进情况", "problems and improvements",
            (r"存在的主要问题", r"主要问题及(改进|整改)")),
    Section("other", "六、其他需要报告的事项", "other matters", (r"其他需要报告的事项",)),
)

# Questions about a whole prose section ("有哪些问题"): the section's own text answers.
# key -> (zh patterns, en patterns, sub-heading words that narrow it)
SECTION_QUESTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "improvements": ((r"改进|整改|措施|下一步|打算",),
                     (r"improv\w*", r"measures", r"next steps?", r"plans?"), ("改进", "整改", "措施", "下一步")),
    "problems": ((r"问题|不足|短板|差距",), (r"problems?", r"shortcomings?", r"weakness\w*", r"issues"),
                 ("问题", "不足")),
}

# --------------------------------------------------------------------------
# Identities (TEMPLATE.md "Identities a correct report satisfies")
# --------------------------------------------------------------------------

CellRef = tuple[str, str, str]  # (table, row, column)


@dataclass(frozen=True)
class Identity:
    """left == sum(right); every term is a cell of one report."""

    key: str
    zh: str
    en: str
    left: tuple[CellRef, ...]
    right: tuple[CellRef, ...]
    alternatives: tuple[tuple[CellRef, ...], ...] = field(default=())


def _other_handling_terms(col: str) -> tuple[tuple[CellRef, ...], tuple[CellRef, ...]]:
    three = tuple((T3, k, col) for k in T3_DISPOSITION_GROUPS["other_handling"])
    return three, ((T3, "other_handling", col),)


def identities(version: str) -> tuple[Identity, ...]:
    """All identities for one template version, expanded to cells."""
    out: list[Identity] = []
    t3_cols = [c.key for c in T3_COLUMNS]
    for col in t3_cols:
        c = COLUMNS[T3][col]
        out.append(Identity(
            f"t3_balance:{col}", f"表三「{c.zh}」列：第一项加第二项之和等于第三项加第四项之和",
            f"Table 3, column {c.en}: received + carried over = handled + carried forward",
            left=((T3, "new_received", col), (T3, "carried_over", col)),
            right=((T3, "total_handled", col), (T3, "carried_forward", col)),
        ))
        parts = tuple((T3, k, col) for k in T3_RESULT_PARTS)
        three, one = _other_handling_terms(col)
        other = three if version == TEMPLATE_2021 else one
        out.append(Identity(
            f"t3_total:{col}", f"表三「{c.zh}」列：（七）总计等于（一）至（六）之和",
            f"Table 3, column {c.en}: total handled = sum of the outcomes",
            left=((T3, "total_handled", col),), right=parts + other,
            alternatives=(parts + (one if version == TEMPLATE_2021 else three),),
        ))
    for r in t3_rows(version):
        out.append(Identity(
            f"t3_row:{r.key}", f"表三「{r.zh}」行：总计等于各类申请人之和",
            f"Table 3, row {r.en}: total = sum of applicant types",
            left=((T3, r.key, "total"),),
            right=tuple((T3, r.key, c) for c in t3_cols[:-1]),
        ))
    for r in T4_ROWS:
        out.append(Identity(
            f"t4_block:{r.key}", f"表四「{r.zh}」：总计等于维持、纠正、其他、尚未审结之和",
            f"Table 4, {r.en}: total = upheld + corrected + other + pending",
            left=((T4, r.key, "total"),),
            right=tuple((T4, r.key, c.key) for c in T4_COLUMNS[:-1]),
        ))
    return tuple(out)


# Prose that restates a table figure (identity 6). A claim names the cell's subject the
# way the prose does, after its verb, right before the figure: 共受理政府信息公开申请749件;
# a count of something else that shares the verb (受理群众诉求4355件) is no claim.
# ``readings``: the sums of cells the figure may state, the cell alone first (受理 often
# counts the carried-over requests too); the prose contradicts the table only when the
# figure equals none of them, and a blank cell in a reading leaves it unchecked.
@dataclass(frozen=True)
class ProseClaim:
    cell: CellRef
    readings: tuple[tuple[CellRef, ...], ...]
    verbs: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # other shapes, each capturing the figure: 12件结转下年度


def _request_nouns() -> tuple[str, ...]:
    """How prose names a disclosure request, from 表三's own labels: the noun the new and
    carried-over rows share (政府信息公开申请) and its shorter tails (信息公开申请, 公开申请),
    then the names of the procedure (依申请公开) and the verb-first form (申请公开政府信息)."""
    first, second = (row(T3, key).zh for key in ("new_received", "carried_over"))
    shared = max((first[i:j] for i in range(len(first)) for j in range(i + 1, len(first) + 1)
                  if first[i:j] in second), key=len)
    noun = shared.removesuffix("数量")
    tails = tuple(noun[i:] for i in range(0, len(noun) - 3, 2))  # two-character words: 政府|信息|公开|申请
    return (*tails, "依申请公开申请", "依申请公开", "申请公开政府信息", "申请公开信息", "申请公开")


REQUEST_NOUNS = _request_nouns()
_T = "total"

PROSE_CLAIMS: tuple[ProseClaim, ...] = (
    ProseClaim((T3, "new_received", _T),
               readings=(((T3, "new_received", _T),), ((T3, "new_received", _T), (T3, "carried_over", _T))),
               verbs=("收到", "受理", "新收", "接收", "接到"), subjects=REQUEST_NOUNS),
    ProseClaim((T3, "granted", _T),
               readings=(((T3, "granted", _T),), ((T3, "granted", _T), (T3, "partially_granted", _T))),
               patterns=(r"(?:同意公开|予以公开)(?:答复)?(\d+)件",)),
    ProseClaim((T3, "carried_forward", _T), readings=(((T3, "carried_forward", _T),),),
               patterns=(r"(\d+)件(?:申请)?结转下(?:一)?年度", r"转下一?年度办理(?:答复)?的?有?(\d+)件")),
    ProseClaim((T4, "reconsideration", _T), readings=(((T4, "reconsideration", _T),),),
               patterns=(r"行政复议(?:案件)?(?:共)?(\d+)件",)),
)

# --------------------------------------------------------------------------
# Units and empty markers
# --------------------------------------------------------------------------

EMPTY_MARKERS = ("", "/", "／", "—", "-", "－", "——", "--", "无", "空")
UNITS = ("万元", "元", "件", "项", "个", "条")

ADMIN_LEVEL_SUFFIXES = ("综合实验区", "特别行政区", "自治区", "自治州", "自治县", "开发区", "高新区",
                        "新区", "省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "街道")

# The disclosure rate people ask about (公开率): (granted + partially granted) / total handled.
DISCLOSURE_RATE = (("granted", "partially_granted"), ("total_handled",))
