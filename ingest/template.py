"""Knowledge of the national report template, as data.

Everything the pipeline knows about 政府信息公开工作年度报告 lives here: the
sections, the rows and columns of tables 二, 三 and 四 in both template
versions (2019 and 2021), the label variants seen in real reports, the English
names, and the identities a correct report satisfies. Parsing code looks
labels up here; it never spells them out itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEMPLATE_2019 = "2019"
TEMPLATE_2021 = "2021"
TEMPLATE_VERSIONS = (TEMPLATE_2019, TEMPLATE_2021)

T2, T3, T4 = "t2", "t3", "t4"
TABLE_NAMES = {T2: "表二", T3: "表三", T4: "表四"}
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
    return f"Table {TABLE_NAMES[table][-1]} · {r.en} · {c.en}"


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


# Prose that restates a table figure (identity 6). Each pattern captures the number.
@dataclass(frozen=True)
class ProseClaim:
    cell: CellRef
    patterns: tuple[str, ...]


PROSE_CLAIMS: tuple[ProseClaim, ...] = (
    ProseClaim((T3, "new_received", "total"), (
        r"(?:共|全年|本年度?)?(?:收到|受理|新收)(?:各类)?(?:政府信息公开|依申请(?:公开)?)?(?:申请)?(?:信息公开)?(\d+)件",
    )),
    ProseClaim((T3, "granted", "total"), (r"(?:同意公开|予以公开)(?:答复)?(\d+)件",)),
    ProseClaim((T3, "carried_forward", "total"), (r"(\d+)件(?:申请)?结转下(?:一)?年度",
                                                   r"转下一?年度办理(?:答复)?的?有?(\d+)件")),
    ProseClaim((T4, "reconsideration", "total"), (r"行政复议(?:案件)?(?:共)?(\d+)件",)),
)

# --------------------------------------------------------------------------
# Units and empty markers
# --------------------------------------------------------------------------

EMPTY_MARKERS = ("", "/", "／", "—", "-", "－", "——", "--", "无", "空")
UNITS = ("万元", "元", "件", "项", "个", "条")

# Short forms of agency names: suffix -> replacements (see ingest.recognize).
AGENCY_SUFFIX_SHORT_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("人民政府办公厅", ("政府办公厅", "府办公厅", "办公厅")),
    ("人民政府办公室", ("政府办公室", "政府办", "府办")),
    ("人民政府", ("政府", "")),
    ("发展和改革委员会", ("发改委",)),
    ("发展和改革局", ("发改局",)),
    ("科学技术委员会", ("科委",)),
    ("科学技术局", ("科技局",)),
    ("教育局", ("教育局",)),
    ("管理委员会", ("管委会",)),
    ("管委会", ("",)),
)
ADMIN_LEVEL_SUFFIXES = ("综合实验区", "特别行政区", "自治区", "自治州", "自治县", "开发区", "高新区",
                        "新区", "省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "街道")

# A bare place name in a title ("平潭综合实验区2022年度…") means the place's government.
PLACE_GOVERNMENT: tuple[tuple[str, str], ...] = (
    ("综合实验区", "管委会"), ("开发区", "管委会"), ("高新区", "管委会"), ("新区", "管委会"),
    ("省", "人民政府"), ("自治区", "人民政府"), ("市", "人民政府"), ("自治州", "人民政府"),
    ("州", "人民政府"), ("盟", "行政公署"), ("自治县", "人民政府"), ("县", "人民政府"),
    ("旗", "人民政府"), ("区", "人民政府"), ("镇", "人民政府"), ("乡", "人民政府"),
    ("街道", "办事处"),
)
# Abbreviations printed in titles, expanded to the organ's full name.
ORGAN_ABBREVIATIONS: dict[str, str] = {
    "科委": "科学技术委员会", "发改委": "发展和改革委员会", "发改局": "发展和改革局",
    "经信委": "经济和信息化委员会", "卫健委": "卫生健康委员会", "住建局": "住房和城乡建设局",
    "人社局": "人力资源和社会保障局", "市监局": "市场监督管理局", "府办": "人民政府办公室",
}

# --------------------------------------------------------------------------
# Question vocabulary: how people name the rows and columns when they ask
# --------------------------------------------------------------------------
# Each Term maps phrases to cells. ``zh`` patterns are regexes over the folded
# question (no spaces); ``en`` patterns are regexes over the lower-cased
# question. Several rows (or columns) in one term are summed: 行政诉讼 is the
# two litigation rows, 法人或其他组织 the five organisation columns. When a
# question matches a term and a narrower one (无法提供 and 不掌握), the narrower
# wins. Rows carry the column a bare question means (行政处罚 -> 处理决定数量).


@dataclass(frozen=True)
class Term:
    table: str
    zh: tuple[str, ...]
    en: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    default_column: str | None = None


def _rows_term(table: str, rows: tuple[str, ...], zh: tuple[str, ...], en: tuple[str, ...],
               default_column: str | None = "total") -> Term:
    return Term(table, zh, en, rows=rows, default_column=default_column)


_WITHHELD = T3_DISPOSITION_GROUPS["withheld"]
_UNABLE = T3_DISPOSITION_GROUPS["unable"]
_NOT_PROCESSED = T3_DISPOSITION_GROUPS["not_processed"]
_APPLY = r"[^，。？?]{0,12}申请"  # "收到…申请": receiving words count only next to 申请

ROW_TERMS: tuple[Term, ...] = (
    # 表三
    _rows_term(T3, ("new_received",),
               ("本年新收", "新收", "新申请", rf"(?:收到|接收|接到|受理|提出|提交|共收){_APPLY}",
                r"申请(?:数量|量|数)?(?:最多|最少|排名|排序|前)", r"申请[^，。？?]{0,4}(?:收到|受理)",
                r"申请(?:总数|总量|件数)"),
               (r"\bnew\b(?:[\w'-]+ ){0,5}?requests?", r"receiv\w*", r"requests? (?:were |was )?(?:received|submitted|filed)",
                r"requests? came from")),
    _rows_term(T3, ("carried_over",), ("上年结转", "上一?年度?结转", r"从上一?年度?结转"),
               (r"carr(?:y|ied|ies) over", r"from (?:the )?(?:previous|last|prior) year",
                r"brought forward")),
    _rows_term(T3, ("carried_forward",),
               ("结转下一?年", "转下一?年", r"结转(?:至|到)下一?年", "下一?年度继续办理", "转入下一?年"),
               (r"carr(?:y|ied|ies) forward", r"(?:in)?to (?:the )?next year", r"still open at the end")),
    _rows_term(T3, ("granted",), ("予以公开", "同意公开", "全部公开", "准予公开"),
               (r"fully (?:grant|disclos)\w*", r"grant\w* in full", r"disclosed in full",
                r"full(?:y)? disclosure", r"\bgrant(?:ed|s)?\b")),
    _rows_term(T3, ("partially_granted",), ("部分公开",),
               (r"partial\w*(?: (?:grant|disclos)\w*)?",)),
    _rows_term(T3, _WITHHELD, ("不予公开", "拒绝公开", "不公开"),
               (r"withh[oe]ld\w*", r"refus\w*(?! to process)", r"denied", r"not disclosed")),
    _rows_term(T3, ("withheld_state_secret",), ("国家秘密",), (r"state secrets?",)),
    _rows_term(T3, ("withheld_prohibited",), ("法律行政法规禁止", "禁止公开"),
               (r"prohibited",)),
    _rows_term(T3, ("withheld_three_safeties",), ("三安全一稳定",),
               (r"three safeties", r"social stability")),
    _rows_term(T3, ("withheld_third_party",), ("第三方",), (r"third[- ]part\w*",)),
    _rows_term(T3, ("withheld_internal",), ("内部事务",), (r"internal affairs",)),
    _rows_term(T3, ("withheld_process",), ("过程性信息",),
               (r"process(?:-| )information", r"deliberative")),
    _rows_term(T3, ("withheld_enforcement",), ("执法案卷",), (r"law[- ]enforcement case",)),
    _rows_term(T3, ("withheld_inquiry",), ("行政查询",), (r"administrative inquir\w*",)),
    _rows_term(T3, _UNABLE, ("无法提供",),
               (r"could not be (?:provided|met|answered|supplied)", r"unable to (?:provide|answer)",
                r"could not (?:provide|answer|supply)")),
    _rows_term(T3, ("unable_not_held",), ("不掌握", "未掌握", "没有相关(?:政府)?信息"),
               (r"(?:did|does|do)(?: not|n't) hold", r"not held", r"not in (?:its )?possession")),
    _rows_term(T3, ("unable_needs_creation",), ("另行制作", "没有现成信息"),
               (r"need(?:s|ed)? to be (?:created|made|compiled)", r"would have to be (?:created|made)")),
    _rows_term(T3, ("unable_unclear",), ("仍不明确", "内容不明确"), (r"unclear", r"not clear")),
    _rows_term(T3, _NOT_PROCESSED, ("不予处理",),
               (r"not processed", r"refused to process", r"not handled")),
    _rows_term(T3, ("not_processed_petition",), ("信访", "举报投诉"),
               (r"petitions?", r"complaints?")),
    _rows_term(T3, ("not_processed_duplicate",), ("重复申请",), (r"duplicate",)),
    _rows_term(T3, ("not_processed_publication",), ("公开出版物", "出版物"),
               (r"publications?", r"published material")),
    _rows_term(T3, ("not_processed_repeated",), ("大量反复", "反复申请"),
               (r"repeated(?:ly)?", r"without (?:good|proper) reason")),
    _rows_term(T3, ("not_processed_confirmation",), ("确认或重新出具", "重新出具"),
               (r"confirm\w*", r"reissu\w*")),
    _rows_term(T3, ("other_handling",), ("其他处理",), (r"other(?:wise)? handl\w*",)),
    _rows_term(T3, ("other_overdue_correction",), ("逾期不补正", "不补正"),
               (r"(?:did not|failed to) (?:correct|supplement)",)),
    _rows_term(T3, ("other_overdue_fee",), ("未按收费通知", "未缴纳费用", "逾期未缴"),
               (r"(?:did not|failed to) pay",)),
    _rows_term(T3, ("other_other",), (r"(?:其他处理中?的?)?3[.．、]其他", "其他处理中的其他"),
               (r"other handling:? other", r"other handling \(other\)")),
    _rows_term(T3, ("total_handled",),
               ("办结", "办理结果总计", "（七）总计", "办理完成", "处理总数", "办理总数", "答复总数"),
               (r"conclud\w*", r"\bhandled\b", r"\bprocessed\b", r"\bclosed\b", r"dealt with")),
    # 表四
    _rows_term(T4, ("reconsideration",), ("行政复议", "复议"),
               (r"reconsiderations?", r"administrative reviews?")),
    _rows_term(T4, ("litigation_direct", "litigation_after_reconsideration"),
               ("行政诉讼", "诉讼", "被起诉", "起诉", "打官司", "官司", "被告"),
               (r"lawsuits?", r"litigation", r"\bsued\b", r"court cases?", r"legal actions?")),
    _rows_term(T4, ("litigation_direct",), ("未经复议直接起诉", "直接起诉", "未经复议"),
               (r"directly", r"without (?:prior |a )?reconsideration", r"no reconsideration")),
    _rows_term(T4, ("litigation_after_reconsideration",), ("复议后起诉", "经复议后"),
               (r"after (?:a |the )?reconsideration", r"following reconsideration")),
    # 表二
    _rows_term(T2, ("rules",), ("规章",), (r"\brules\b", r"government regulations"), None),
    _rows_term(T2, ("normative_docs",), ("行政规范性文件", "规范性文件", "红头文件"),
               (r"normative (?:documents?|docs?)", r"regulatory documents?"), None),
    _rows_term(T2, ("licensing",), ("行政许可", "许可", "审批"),
               (r"licens\w*", r"permits?"), "decisions"),
    _rows_term(T2, ("other_services",), ("其他对外管理服务事项", "对外管理服务"),
               (r"other (?:external )?(?:management )?services",), "decisions"),
    _rows_term(T2, ("penalty",), ("行政处罚", "处罚", "罚款", "罚单"),
               (r"penalt\w*", r"\bfines?\b", r"punish\w*", r"sanctions?"), "decisions"),
    _rows_term(T2, ("coercion",), ("行政强制", "强制措施", "强制"),
               (r"coerci\w*", r"compulsory measures?"), "decisions"),
    _rows_term(T2, ("fees",), ("行政事业性收费", "行政事业收费", "收费(?!通知)"),
               (r"administrative fees?", r"(?<!processing )fee revenue", r"fees? collected"),
               "fee_amount"),
    _rows_term(T2, ("procurement",), ("政府集中采购", "集中采购", "采购"),
               (r"procurement", r"purchas\w*"), "procurement_amount"),
)

COLUMN_TERMS: tuple[Term, ...] = (
    # 表三 applicants
    Term(T3, ("自然人", "个人", "群众", "公民", "老百姓"),
         (r"individuals?", r"natural persons?", r"citizens?", r"private persons?"),
         columns=("natural_person",)),
    Term(T3, ("商业企业", "企业", "公司"),
         (r"businesses", r"\bbusiness\b", r"compan(?:y|ies)", r"enterprises?", r"\bfirms?\b"),
         columns=("business",)),
    Term(T3, ("科研机构", "科研院所", "高校"), (r"research (?:institution|institute|organi[sz]ation)s?",
                                             r"universit\w*"), columns=("research",)),
    Term(T3, ("社会公益组织", "公益组织"), (r"public[- ]interest", r"non-?profits?", r"\bngos?\b"),
         columns=("public_interest",)),
    Term(T3, ("法律服务机构", "律师事务所", "律所", "律师"),
         (r"law firms?", r"lawyers?", r"legal service"), columns=("legal_service",)),
    Term(T3, ("其他组织", r"其他(?:申请人)?(?!处理|结果|法律|对外|需要|事项|情形)"), (r"other organi[sz]ations?",),
         columns=("other_org",)),
    Term(T3, ("法人或其他组织", "法人"), (r"legal persons?", r"organi[sz]ations"),
         columns=("business", "research", "public_interest", "legal_service", "other_org")),
    # 表四 outcomes
    Term(T4, ("结果维持", "维持"), (r"uph[eo]ld", r"maintained", r"sustained"), columns=("upheld",)),
    Term(T4, ("结果纠正", "纠正", "纠错", "败诉"),
         (r"corrected", r"overturned", r"revers\w*", r"\blos[et]\b", r"\blosing\b", r"ruled against"),
         columns=("corrected",)),
    Term(T4, ("其他结果",), (r"other (?:outcomes?|results?)",), columns=("other_outcome",)),
    Term(T4, ("尚未审结", "未审结", "未结案", "在审"),
         (r"pending", r"not (?:yet )?(?:concluded|closed|decided)", r"unresolved", r"ongoing"),
         columns=("pending",)),
    # 表二
    Term(T2, ("本年制发", "制发", "出台", "印发", "发布了?"), (r"\bissu\w*", r"promulgat\w*"),
         columns=("issued",)),
    Term(T2, ("本年废止", "废止", "废除"), (r"repeal\w*", r"abolish\w*", r"revoked"),
         columns=("repealed",)),
    Term(T2, ("现行有效", "有效"), (r"in force", r"in effect", r"\bvalid\b", r"currently effective"),
         columns=("in_force",)),
    Term(T2, ("处理决定", "决定"), (r"decisions?",), columns=("decisions",)),
    Term(T2, ("本年收费金额", "收费金额"), (r"fee revenue", r"fees? collected"),
         columns=("fee_amount",)),
    Term(T2, ("本年新制作", "新制作"), (r"newly made", r"newly (?:drafted|created)"),
         columns=("new_made",)),
    Term(T2, ("本年新公开", "新公开"), (r"newly (?:published|disclosed)",), columns=("new_published",)),
    Term(T2, ("对外公开总数", r"对外公开.{0,10}总数", "公开总数"),
         (r"published in total", r"total(?:ly)? published", r"in total.{0,20}published"),
         columns=("total_published",)),
    Term(T2, ("上一年项目数", "上年项目数", "上一年项目"), (r"previous year'?s? items?", r"items? in the previous year",
                                                r"in the previous year"),
         columns=("prev_items",)),
    Term(T2, ("本年增/减", "增/减", "增减"), (r"net change", r"change this year", r"increase or decrease"),
         columns=("change",)),
    Term(T2, ("采购项目数", "项目数"), (r"procurement projects?", r"number of projects"),
         columns=("procurement_items",)),
    Term(T2, ("采购总金额", "采购金额", "总金额", "金额", "多少万元", "多少钱"),
         (r"amount", r"how much", r"revenue", r"\bvalue\b"),
         columns=("fee_amount", "procurement_amount")),
    # the total column of 表三 and 表四
    Term(T3, ("总计", "合计", "总数"), (r"\btotal\b",), columns=("total",)),
    Term(T4, ("总计", "合计", "总数"), (r"\btotal\b",), columns=("total",)),
)

# The disclosure rate people ask about (公开率): (granted + partially granted) / total handled.
DISCLOSURE_RATE = (("granted", "partially_granted"), ("total_handled",))

# English names of organs, for questions that name an agency in English. The
# place part is matched by its pinyin (淮安 -> "huaian").
ORGAN_NAMES_EN: dict[str, tuple[str, ...]] = {
    "人民政府办公厅": ("general office of the people's government", "general office"),
    "人民政府办公室": ("general office of the people's government", "government office"),
    "人民政府": ("people's government", "municipal government", "city government",
                 "county government", "district government", "provincial government",
                 "government"),
    "教育局": ("education bureau", "bureau of education"),
    "发展和改革局": ("development and reform bureau", "drb"),
    "发展和改革委员会": ("development and reform commission", "drc"),
    "科学技术委员会": ("science and technology commission", "s&t commission", "stc"),
    "科学技术局": ("science and technology bureau", "s&t bureau"),
    "生态环境局": ("ecology and environment bureau", "environment bureau"),
    "管委会": ("administrative committee", "management committee"),
    "管理委员会": ("administrative committee", "management committee"),
}
