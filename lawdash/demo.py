"""The demo township 商酒务镇: January 2023 to June 2024 as monthly workbooks, kept the way clerks keep them.

2023 reproduces the figures of the township's 2023 report (4 专题会议, 12 中心组学法, 6 trainings,
5000余 copies, all 25 villages, 120余 disputes, 11 示范村, 26 执法证); January–June 2024 leaves some
indicators on pace and some behind, so the dashboard has something to say. The workbooks carry the
everyday irregularities the ingest tolerates (title rows, merged cells, text dates and numbers, split
months), so loading the demo exercises them too. Everything is drawn from a fixed seed: the same
code gives the same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import io
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy import Engine

from lawdash import ledger, store, synthetic
from lawdash.catalogue import Column, default_catalogue
from lawdash.cells import EXCEL_EPOCH
from lawdash.errors import LawdashError
from lawdash.importer import ImportResult, import_workbooks
from lawdash.targets import get_targets, set_targets

DEMO_TOWN = "商酒务镇"
SEED = 20231231
MONTHS: list[tuple[int, int]] = [(2023, m) for m in range(1, 13)] + [(2024, m) for m in range(1, 7)]

DEMO_TARGETS: dict[int, dict[str, float]] = {
    # The report's own figures (it states results, not targets).
    2023: {
        "topic_meetings": 4,
        "central_group_study": 12,
        "cadre_trainings": 6,
        "materials_distributed": 5000,
        "villages_reached": 25,
        "demo_villages_applied": 11,
        "certified_enforcers": 26,
    },
    2024: {
        "topic_meetings": 4,
        "central_group_study": 12,
        "pre_meeting_study": 24,
        "cadre_trainings": 8,
        "trainees": 480,
        "materials_distributed": 6000,
        "villages_reached": 25,
        "mediation_success_rate": 90,
        "demo_villages_applied": 12,
        "certified_enforcers": 28,
        "legal_reviews": 12,
    },
}

# The demo county: the demo township and 14 generated ones (`lawdash.synthetic`), 2023 and 2024 to June.
COUNTY_SIZE = 15
COUNTY_RECORDS_PER_YEAR = 400


def demo_county() -> list[synthetic.Township]:
    """The county's other townships, generated (the demo township itself comes from its workbooks)."""
    return synthetic.townships(COUNTY_SIZE - 1, seed=2024, skip=(DEMO_TOWN,))


Rec = dict[str, Any]  # column key -> canonical value; "_text" maps a column key to what the clerk typed

# ------------------------------------------------------------------ how each month is kept


@dataclass(frozen=True)
class _Style:
    """Which everyday irregularities one month's workbook carries."""

    dates: str = "datetime"  # datetime | serial | iso | slash | dot | cn | bare | mixed
    title: int = 0  # title rows above the header
    merge_title: bool = False  # the title merged across the columns
    header_breaks: bool = False  # header cells with line breaks, spaces and units
    header_variants: bool = False  # columns named by a common variant (时间 for 日期)
    reorder: bool = False  # columns in another order
    seq_col: bool = False  # an extra 序号 column
    blank_rows: bool = False
    total_row: bool = False  # a 合计 row at the bottom
    merge: tuple[str, ...] = ()  # columns whose runs of equal values are merged down
    text_numbers: bool = False  # some counts typed as text (约200, 300余, １２０, 30人)
    short_villages: float = 0.1  # share of villages written without 村 (at least one a month)
    aliases: bool = False  # some choices in another spelling (讲座, 学校, 邻里纠纷)
    alias_tabs: bool = False  # tabs named 普法, 纠纷调解 …
    split: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the month arrives in several files
    empty_trainings: bool = False  # a 培训 sheet with its header only
    helper_sheet: bool = False  # the template's 填表说明 sheet left in
    blank_sheet: bool = False  # an empty Sheet1 left in


_SPLIT_A = (("会议与普法", ("meetings", "trainings", "publicity", "other")), ("纠纷调解", ("disputes",)))
_SPLIT_B = (("会议学法", ("meetings", "trainings", "other")), ("普法与调解", ("publicity", "disputes")))

_STYLES: dict[tuple[int, int], _Style] = {
    (2023, 1): _Style(dates="datetime", title=1, merge_title=True, total_row=True, helper_sheet=True),
    (2023, 2): _Style(dates="serial", header_breaks=True, short_villages=0.4),
    (2023, 3): _Style(dates="iso", title=1, seq_col=True, total_row=True, aliases=True),
    (2023, 4): _Style(dates="slash", reorder=True, header_variants=True, blank_rows=True),
    (2023, 5): _Style(
        dates="dot", text_numbers=True, title=1, merge_title=True, merge=("date",), split=_SPLIT_A, short_villages=0.3
    ),
    (2023, 6): _Style(dates="cn", header_breaks=True, text_numbers=True, blank_sheet=True),
    (2023, 7): _Style(dates="bare", title=2, merge_title=True, text_numbers=True),
    (2023, 8): _Style(dates="mixed", alias_tabs=True, empty_trainings=True, blank_rows=True, short_villages=0.3),
    (2023, 9): _Style(dates="iso", text_numbers=True, reorder=True, seq_col=True, split=_SPLIT_B),
    (2023, 10): _Style(dates="serial", text_numbers=True, title=1, header_breaks=True, total_row=True, aliases=True),
    (2023, 11): _Style(dates="bare", header_variants=True, text_numbers=True),
    (2023, 12): _Style(
        dates="mixed",
        title=1,
        merge_title=True,
        merge=("date", "village"),
        total_row=True,
        text_numbers=True,
        short_villages=0.3,
    ),
    (2024, 1): _Style(dates="slash", title=1, merge_title=True, helper_sheet=True, short_villages=0.3),
    (2024, 2): _Style(dates="cn", header_breaks=True, seq_col=True, text_numbers=True, aliases=True),
    (2024, 3): _Style(dates="serial", reorder=True, split=_SPLIT_A, blank_rows=True),
    (2024, 4): _Style(dates="dot", header_variants=True, alias_tabs=True, text_numbers=True),
    (2024, 5): _Style(dates="bare", title=1, merge_title=True, merge=("date",), blank_rows=True),
    (2024, 6): _Style(dates="datetime", header_breaks=True, total_row=True, short_villages=0.3),
}

# ------------------------------------------------------------------ what happened (the plan)

_TOPIC_MEETINGS: dict[tuple[int, int], str] = {
    (2023, 3): "研究部署2023年度法治政府建设工作",
    (2023, 6): "法治政府建设上半年工作推进会",
    (2023, 9): "专题研究普法依法治理和民主法治示范村创建工作",
    (2023, 12): "法治政府建设年度总结暨述法工作专题会议",
    (2024, 3): "研究部署2024年度法治政府建设及问题整改工作",
    (2024, 6): "法治政府建设年中推进暨整改落实督导会",
}
_CENTRAL_STUDY = [
    "学习习近平法治思想",
    "学习《中华人民共和国宪法》",
    "学习《法治政府建设实施纲要（2021—2025年）》",
    "学习《中华人民共和国行政处罚法》",
    "学习《中华人民共和国民法典》婚姻家庭编",
    "学习党的二十大报告关于全面依法治国的论述",
    "学习《信访工作条例》",
    "学习《中华人民共和国土地管理法》",
    "学习新修订的《中华人民共和国行政复议法》",
    "学习《中华人民共和国乡村振兴促进法》",
    "学习《中华人民共和国安全生产法》",
    "学习《党政主要负责人履行推进法治建设第一责任人职责规定》",
    "学习《中华人民共和国行政复议法》（2024年1月1日起施行）",
    "学习《中华人民共和国民法典》合同编",
    "学习《中华人民共和国行政许可法》",
    "学习新修订的《中华人民共和国公司法》",
    "学习《中华人民共和国粮食安全保障法》",
    "学习《中华人民共和国行政诉讼法》",
]
_PRE_MEETING_COUNTS = {2023: [2, 1, 2, 2, 1, 2, 1, 2, 2, 1, 2, 2], 2024: [2, 2, 3, 2, 2, 2]}
_PRE_MEETING_LAWS = [
    "《中华人民共和国行政处罚法》听证程序",
    "《中华人民共和国民法典》物权编",
    "《中华人民共和国土地管理法实施条例》",
    "《森林防火条例》",
    "《中华人民共和国消防法》",
    "《中华人民共和国反电信网络诈骗法》",
    "《中华人民共和国未成年人保护法》",
    "《中华人民共和国治安管理处罚法》",
    "《中华人民共和国法律援助法》",
    "《中华人民共和国个人信息保护法》",
    "《中华人民共和国环境保护法》",
    "《中华人民共和国农村土地承包法》",
    "《中华人民共和国道路交通安全法》",
    "《中华人民共和国政府信息公开条例》",
    "《中华人民共和国保守国家秘密法》",
    "《中华人民共和国突发事件应对法》",
    "《中华人民共和国妇女权益保障法》",
    "《中华人民共和国老年人权益保障法》",
]
_OTHER_MEETINGS: dict[tuple[int, int], str] = {
    (2023, 2): "党政联席会议审议《农村人居环境整治工作方案》（法律顾问列席）",
    (2023, 7): "党政联席会议研究重大行政决策事项合法性审查意见",
    (2023, 11): "党政联席会议审议《村级小微权力清单》",
    (2024, 4): "党政联席会议研究违法建设治理工作方案",
}

# (title, type, trainees, organizer, note, what the clerk typed for trainees)
_TRAININGS: dict[tuple[int, int], list[tuple[str, str, int, str, str | None, str | None]]] = {
    (2023, 3): [("行政执法人员执法能力提升培训", "执法能力培训", 45, "镇综合行政执法大队", None, None)],
    (2023, 4): [("乡镇综合执法业务培训", "执法能力培训", 38, "县司法局", "县司法局业务骨干授课", None)],
    (2023, 6): [("依法行政专题培训", "依法行政培训", 60, "镇党政办", None, None)],
    (2023, 9): [("新修订《行政复议法》专题讲座", "法治讲座", 120, "镇司法所", "全体机关干部参加", "１２０")],
    (2023, 10): [("行政执法资格考试考前培训", "执法能力培训", 30, "镇综合行政执法大队", "执法队员及后备人员", "30人")],
    (2023, 12): [("机关干部《民法典》专题讲座", "法治讲座", 85, "镇司法所", "邀请镇法律顾问主讲", None)],
    (2024, 3): [("2024年度行政执法人员业务培训", "执法能力培训", 52, "镇综合行政执法大队", None, None)],
    (2024, 5): [("依法行政暨法治政府建设专题讲座", "法治讲座", 68, "镇党政办", "邀请县司法局讲师", None)],
}

V = None  # a publicity slot held in one of the villages (assigned so that the year covers them)
# (day or None, title, 阵地, place or V, 专项活动, pinned materials, what the clerk typed for them)
_Activity = tuple[int | None, str, str, str | None, str | None, int | None, str | None]
_PUBLICITY: dict[tuple[int, int], list[_Activity]] = {
    (2023, 1): [
        (None, "春节前“法律进乡村”送法下乡", "乡村", V, "八五普法", None, None),
        (None, "春节前“法律进乡村”送法下乡", "乡村", V, "八五普法", None, None),
        (None, "机关干部学法用法知识测试", "机关", "镇政府", "八五普法", None, None),
    ],
    (2023, 2): [
        (None, "“法律明白人”入户宣讲", "家庭", V, "八五普法", None, None),
        (None, "农民工返岗前劳动法律宣传", "乡村", V, None, None, None),
        (None, "元宵节“法治灯谜”有奖竞猜", "社区", "商酒务社区", "八五普法", None, None),
    ],
    (2023, 3): [
        (8, "三八妇女节《妇女权益保障法》宣传", "家庭", V, "八五普法", None, None),
        (15, "3·15消费者权益保护法律宣传", "社区", "商酒务集贸市场", None, None, None),
        (None, "农村土地承包法律知识宣传", "乡村", V, "八五普法", None, None),
        (None, "预防校园欺凌法治课", "校园", "镇中心小学", None, None, None),
    ],
    (2023, 4): [
        (15, "4·15全民国家安全教育日宣传", "机关", "镇政府", "国家安全教育日", None, None),
        (None, "《国家安全法》进校园", "校园", "镇第一初级中学", "国家安全教育日", None, None),
        (None, "扫黑除恶常态化宣传", "乡村", V, None, None, None),
        (None, "扫黑除恶常态化宣传", "乡村", V, None, None, None),
    ],
    (2023, 5): [
        (None, "民法典宣传月集中宣传", "乡村", V, "民法典宣传", 200, "约200"),
        (None, "民法典进农家", "乡村", V, "民法典宣传", None, None),
        (None, "民法典进农家", "乡村", V, "民法典宣传", None, None),
        (None, "民法典进企业", "企业", "镇工业园", "民法典宣传", None, None),
        (None, "民法典婚姻家庭编入户宣讲", "家庭", V, "民法典宣传", None, None),
    ],
    (2023, 6): [
        (None, "安全生产月法治宣传", "企业", "镇工业园", "安全生产月", 300, "300余"),
        (26, "6·26国际禁毒日宣传", "校园", "镇中心小学", None, None, None),
        (None, "《禁毒法》进乡村", "乡村", V, None, None, None),
        (None, "防汛抗旱法律知识宣传", "乡村", V, None, None, None),
    ],
    (2023, 7): [
        (None, "暑期防溺水及《未成年人保护法》宣传", "乡村", V, None, None, None),
        (None, "暑期防溺水及《未成年人保护法》宣传", "乡村", V, None, None, None),
        (None, "防范电信网络诈骗线上宣传", "网络", "镇政府微信公众号", None, None, None),
    ],
    (2023, 8): [
        (None, "农村宅基地法律政策宣传", "乡村", V, "八五普法", None, None),
        (None, "农民工讨薪维权法律宣传", "企业", "镇工业园", None, None, None),
        (None, "七夕《反家庭暴力法》宣传", "家庭", V, "民法典宣传", None, None),
    ],
    (2023, 9): [
        (None, "开学第一课法治教育", "校园", "镇中心小学", "八五普法", None, None),
        (None, "开学第一课法治教育", "校园", "镇第一初级中学", "八五普法", None, None),
        (None, "新修订《行政复议法》宣传", "机关", "镇政府", None, None, None),
        (None, "秋收秸秆禁烧法律宣传", "乡村", V, None, None, None),
        (None, "秋收秸秆禁烧法律宣传", "乡村", V, None, None, None),
    ],
    (2023, 10): [
        (None, "重阳节《老年人权益保障法》宣传", "乡村", V, None, None, None),
        (None, "防范养老诈骗宣传", "乡村", V, None, None, None),
        (None, "防范养老诈骗宣传", "家庭", V, None, None, None),
        (None, "《信访工作条例》宣传", "机关", "镇政府", None, None, None),
    ],
    (2023, 11): [
        (9, "11·9消防安全及《消防法》宣传", "社区", "商酒务社区", None, None, None),
        (None, "反电信网络诈骗进企业", "企业", "镇工业园", None, None, None),
        (None, "冬季防火及《森林法》宣传", "乡村", V, None, None, None),
        (None, "移风易俗与婚姻家庭法律宣传", "乡村", V, "民法典宣传", None, None),
    ],
    (2023, 12): [
        (4, "“宪法进万家”国家宪法日集中宣传", "社区", "商酒务集贸市场", "宪法进万家", 1200, "1,200"),
        (4, "宪法进农村", "乡村", V, "宪法进万家", None, None),
        (4, "宪法进农村", "乡村", V, "宪法进万家", None, None),
        (4, "宪法进农村", "乡村", V, "宪法进万家", None, None),
        (None, "宪法进校园", "校园", "镇中心小学", "宪法进万家", None, None),
        (None, "机关干部宪法宣誓及宪法学习", "机关", "镇政府", "宪法进万家", None, None),
    ],
    (2024, 1): [
        (None, "春节前“法律进乡村”送法下乡", "乡村", V, "八五普法", None, None),
        (None, "春节前“法律进乡村”送法下乡", "乡村", V, "八五普法", None, None),
        (None, "防范电信网络诈骗线上宣传", "网络", "镇政府微信公众号", None, None, None),
    ],
    (2024, 2): [
        (None, "春节返乡人员法律宣传", "乡村", V, "八五普法", None, None),
        (None, "法治进企业", "企业", "镇工业园", None, None, None),
        (None, "民法典进家庭", "家庭", V, "民法典宣传", None, None),
        (None, "元宵节“法治灯谜”有奖竞猜", "社区", "商酒务社区", "八五普法", None, None),
    ],
    (2024, 3): [
        (8, "三八妇女维权周宣传", "家庭", V, "八五普法", None, None),
        (15, "3·15消费者权益保护法律宣传", "社区", "商酒务集贸市场", None, None, None),
        (None, "新《行政复议法》宣传", "机关", "镇政府", None, None, None),
        (None, "农村土地承包法律知识宣传", "乡村", V, "八五普法", None, None),
        (None, "农村土地承包法律知识宣传", "乡村", V, "八五普法", None, None),
    ],
    (2024, 4): [
        (15, "4·15全民国家安全教育日进校园", "校园", "镇中心小学", "国家安全教育日", None, None),
        (None, "扫黑除恶常态化宣传", "乡村", V, None, None, None),
        (None, "扫黑除恶常态化宣传", "乡村", V, None, None, None),
        (None, "《国家安全法》进机关", "机关", "镇政府", "国家安全教育日", None, None),
    ],
    (2024, 5): [
        (None, "民法典进农家", "乡村", V, "民法典宣传", None, None),
        (None, "民法典进农家", "乡村", V, "民法典宣传", None, None),
        (None, "民法典进农家", "乡村", V, "民法典宣传", None, None),
        (None, "民法典进企业", "企业", "镇工业园", "民法典宣传", None, None),
    ],
    (2024, 6): [
        (None, "安全生产月法治宣传", "企业", "镇工业园", "安全生产月", None, None),
        (26, "6·26国际禁毒日宣传", "校园", "镇第一初级中学", None, None, None),
        (None, "防溺水安全及法治宣传", "乡村", V, None, None, None),
        (None, "防汛抗旱法律知识宣传", "乡村", V, None, None, None),
        (None, "防范电信网络诈骗宣传", "乡村", V, None, None, None),
        (None, "防范电信网络诈骗宣传", "乡村", V, None, None, None),
    ],
}
_MATERIALS_TOTAL = {2023: 5380, 2024: 2480}  # 2023: the report's 5000余
_VILLAGES_REACHED = {2023: 25, 2024: 14}
_MATERIALS_RANGE = {"乡村": (80, 220), "家庭": (60, 160), "校园": (150, 300), "企业": (100, 250)}
_MATERIALS_RANGE |= {"机关": (50, 120), "社区": (100, 220), "网络": (0, 0), "单位": (60, 150)}
_AUDIENCE_RANGE = {"乡村": (60, 300), "家庭": (20, 80), "校园": (200, 800), "企业": (80, 300)}
_AUDIENCE_RANGE |= {"机关": (30, 80), "社区": (100, 400), "网络": (1000, 5000), "单位": (30, 120)}

_DISPUTE_COUNTS = {2023: [9, 8, 11, 10, 12, 11, 10, 10, 11, 9, 12, 11], 2024: [9, 8, 10, 11, 10, 12]}
_DISPUTE_OUTCOMES = {2023: (12, 3), 2024: (9, 2)}  # (调解未成, 调解中 at the end of the period)
_DISPUTE_TYPES = [("邻里", 30), ("婚姻家庭", 20), ("赡养", 12), ("土地征收", 12), ("劳务务工", 14), ("其他", 12)]
_MEDIATORS = {
    "邻里": ["和事堂", "村调委会"],
    "婚姻家庭": ["和事堂", "镇调委会"],
    "赡养": ["和事堂", "村调委会"],
    "土地征收": ["镇调委会"],
    "劳务务工": ["镇调委会", "村调委会"],
    "其他": ["村调委会", "镇调委会"],
}
_OTHER_NOTES = ["交通事故赔偿纠纷", "买卖合同纠纷", "人身损害赔偿纠纷", "宅基地使用权纠纷"]
_FAILED_NOTES = ["已引导当事人通过诉讼途径解决", "已告知当事人申请仲裁", "已转镇信访办跟进"]

_LEGAL_REVIEW_DOCS = [
    "《商酒务镇农村人居环境整治工作方案》",
    "《商酒务镇防汛应急预案》",
    "《商酒务镇农村集体“三资”管理办法》",
    "《商酒务镇秸秆禁烧工作实施方案》",
    "《商酒务镇违法建设治理工作方案》",
    "《商酒务镇村级小微权力清单》",
    "《商酒务镇行政执法公示制度实施办法》",
    "《商酒务镇重大行政决策程序规定》",
    "《商酒务镇2024年度普法工作要点》",
    "《商酒务镇森林防火工作方案》",
    "《商酒务镇农村宅基地管理实施细则》",
    "《商酒务镇安全生产大排查工作方案》",
    "《商酒务镇2024年度干部学法计划》",
    "《商酒务镇信访事项办理工作规程》",
    "《商酒务镇殡葬改革工作方案》",
]
# (indicator as the clerk names it, quantity, note, what the clerk typed for the quantity)
_OTHER: dict[tuple[int, int], list[tuple[str, int, str | None, str | None]]] = {
    (2023, 2): [("规范性文件合法性审查", 1, None, None)],
    (2023, 4): [("合法性审查", 1, None, None)],
    (2023, 5): [("民主法治示范村申报", 4, "东村、王庄村、前营村、马庄村申报县级民主法治示范村", None)],
    (2023, 6): [("规范性文件合法性审查", 2, None, None)],
    (2023, 8): [("legal_reviews", 1, None, None)],
    (2023, 9): [
        (
            "民主法治示范村申报",
            7,
            "商酒务村、西村、李庄村、张庄村、刘庄村、郭庄村、高庄村申报县级民主法治示范村",
            None,
        )
    ],
    (2023, 10): [("规范性文件合法性审查", 1, None, None)],
    (2023, 11): [("执法人员取得执法证", 26, "综合行政执法大队26名干部参加行政执法资格考试，均取得执法证", "26人")],
    (2023, 12): [("规范性文件合法性审查", 2, None, None)],
    (2024, 1): [("规范性文件合法性审查", 1, None, None)],
    (2024, 2): [("合法性审查", 1, None, None)],
    (2024, 3): [("规范性文件合法性审查", 2, None, None)],
    (2024, 4): [
        ("执法人员取得执法证", 28, "执法证年审26人，新取得执法证2人", None),
        ("legal_reviews", 1, None, None),
    ],
    (2024, 5): [("规范性文件合法性审查", 1, None, None)],
    (2024, 6): [("规范性文件合法性审查", 1, None, None)],
}


def _villages() -> tuple[str, ...]:
    return next(t.villages for t in default_catalogue().towns if t.name == DEMO_TOWN)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _day(rng: random.Random, year: int, month: int, workday: bool = True) -> dt.date:
    """A random day of the month (Monday–Friday unless `workday` is false)."""
    while True:
        d = dt.date(year, month, rng.randint(1, _last_day(year, month)))
        if not workday or d.weekday() < 5:
            return d


def _plan_meetings(rng: random.Random, year: int, month: int) -> list[Rec]:
    i = MONTHS.index((year, month))
    out: list[Rec] = [
        {
            "date": _day(rng, year, month),
            "type": "中心组学法",
            "topic": _CENTRAL_STUDY[i],
            "attendees": rng.randint(12, 17),
            "place": "镇党委",
            "note": rng.choice([None, None, "党委书记领学", "邀请法律顾问解读"]),
        }
    ]
    if topic := _TOPIC_MEETINGS.get((year, month)):
        day = dt.date(year, month, rng.randint(20, 28))  # late in the month, on a workday
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        out.append({"date": day, "type": "专题会议", "topic": topic, "attendees": rng.randint(22, 32)})
        out[-1] |= {"place": "镇政府", "note": "镇党委书记、镇长出席"}
    for _ in range(_PRE_MEETING_COUNTS[year][month - 1]):
        law = _PRE_MEETING_LAWS[rng.randrange(len(_PRE_MEETING_LAWS))]
        out.append(
            {
                "date": _day(rng, year, month),
                "type": "会前学法",
                "topic": f"学习{law}",
                "attendees": rng.randint(35, 60),
                "place": rng.choice(["镇机关", "镇政府"]),
                "note": rng.choice(["党政联席会议会前学法", "干部职工大会会前学法"]),
            }
        )
    if topic := _OTHER_MEETINGS.get((year, month)):
        rec: Rec = {"date": _day(rng, year, month), "type": "其他", "topic": topic, "attendees": rng.randint(9, 14)}
        out.append(rec | {"place": "镇政府", "note": None})
    return out


def _plan_trainings(rng: random.Random, year: int, month: int) -> list[Rec]:
    out: list[Rec] = []
    for title, kind, trainees, organizer, note, typed in _TRAININGS.get((year, month), []):
        rec: Rec = {"date": _day(rng, year, month), "title": title, "type": kind, "trainees": trainees}
        rec |= {"organizer": organizer, "note": note}
        if typed:
            rec["_text"] = {"trainees": typed}
        out.append(rec)
    return out


def _plan_publicity(rng: random.Random, year: int, villages: tuple[str, ...]) -> dict[int, list[Rec]]:
    """A year's activities: the village slots cover the year's villages, materials sum to the year's total."""
    months = [m for y, m in MONTHS if y == year]
    slots = sum(1 for m in months for a in _PUBLICITY[(year, m)] if a[3] is V)
    reached = rng.sample(list(villages), _VILLAGES_REACHED[year])
    order = reached + [rng.choice(reached) for _ in range(slots - len(reached))]
    rng.shuffle(order)
    recs: dict[int, list[Rec]] = {}
    for m in months:
        recs[m] = []
        shared = _day(rng, year, m, workday=False)  # a day with several activities (merged down when kept so)
        for k, (day, title, front, place, campaign, pinned, typed) in enumerate(_PUBLICITY[(year, m)]):
            if day is not None:
                date = dt.date(year, m, day)
            elif k < 2 and "date" in _STYLES[(year, m)].merge:
                date = shared
            else:
                date = _day(rng, year, m, workday=False)
            lo, hi = _MATERIALS_RANGE[front]
            rec: Rec = {"date": date, "title": title, "front": front, "place": place or order.pop()}
            rec |= {"materials": pinned if pinned is not None else rng.randrange(lo, hi + 1, 10) if hi else 0}
            alo, ahi = _AUDIENCE_RANGE[front]
            rec |= {"audience": rng.randrange(alo, ahi + 1, 10), "campaign": campaign, "note": None}
            if front == "网络":
                rec["note"] = "线上推送，阅读量3000余"
            rec["_pinned"] = pinned is not None
            if typed:
                rec["_text"] = {"materials": typed}
            recs[m].append(rec)
    _fit_total([r for m in months for r in recs[m]], _MATERIALS_TOTAL[year])
    for rs in recs.values():
        for r in rs:
            del r["_pinned"]
    return recs


def _fit_total(recs: list[Rec], total: int) -> None:
    """Scale the free (not pinned) materials, in tens, so that the year sums to `total`."""
    free = [r for r in recs if not r["_pinned"]]
    pinned = sum(int(r["materials"]) for r in recs if r["_pinned"])
    factor = (total - pinned) / sum(int(r["materials"]) for r in free)
    for r in free:
        r["materials"] = max(10, round(int(r["materials"]) * factor / 10) * 10) if r["materials"] else 0
    biggest = max(free, key=lambda r: int(r["materials"]))
    biggest["materials"] = int(biggest["materials"]) + total - sum(int(r["materials"]) for r in recs)


def _plan_disputes(rng: random.Random, year: int, villages: tuple[str, ...]) -> dict[int, list[Rec]]:
    """A year's disputes: mostly 调解成功, a few 调解未成, the latest few still 调解中."""
    months = [m for y, m in MONTHS if y == year]
    kinds, weights = zip(*_DISPUTE_TYPES, strict=True)
    recs: dict[int, list[Rec]] = {}
    for m in months:
        rs: list[Rec] = []
        for _ in range(_DISPUTE_COUNTS[year][m - 1]):
            kind = rng.choices(kinds, weights)[0]
            rs.append({"date": _day(rng, year, m, workday=False), "village": rng.choice(villages), "type": kind})
            rs[-1] |= {"mediator": rng.choice(_MEDIATORS[kind]), "note": None}
            if kind == "其他":
                rs[-1]["note"] = rng.choice(_OTHER_NOTES)
        if "village" in _STYLES[(year, m)].merge:  # two cases from one village on one day
            rs[1] |= {"date": rs[0]["date"], "village": rs[0]["village"]}
        rs.sort(key=lambda r: r["date"])
        recs[m] = rs
    every = [r for m in months for r in recs[m]]
    failed, pending = _DISPUTE_OUTCOMES[year]
    for r in every[-pending:]:
        r |= {"result": "调解中", "closed": None, "note": "双方分歧较大，继续调解"}
    for r in every[:-pending]:
        r["result"] = "调解成功"
    for r in rng.sample(every[:-pending], failed):
        r["result"] = "调解未成"
        r["note"] = rng.choice(_FAILED_NOTES)
    for r in every:
        if r["result"] != "调解中":
            d: dt.date = r["date"]
            r["closed"] = min(
                d + dt.timedelta(days=rng.randint(0, 12)), dt.date(d.year, d.month, _last_day(d.year, d.month))
            )
    return recs


def _plan_other(rng: random.Random, year: int, month: int, docs: Iterator[str]) -> list[Rec]:
    out: list[Rec] = []
    for label, quantity, note, typed in _OTHER.get((year, month), []):
        if note is None:
            note = "".join(next(docs) for _ in range(quantity)) + "经镇法律顾问审查"
        rec: Rec = {"date": _day(rng, year, month), "indicator": label, "quantity": quantity, "note": note}
        if typed:
            rec["_text"] = {"quantity": typed}
        out.append(rec)
    return out


def _plan(rng: random.Random) -> dict[tuple[int, int], dict[str, list[Rec]]]:
    """Every month's records by sheet key, as canonical values."""
    villages = _villages()
    docs = iter(_LEGAL_REVIEW_DOCS)
    publicity = {y: _plan_publicity(rng, y, villages) for y in (2023, 2024)}
    disputes = {y: _plan_disputes(rng, y, villages) for y in (2023, 2024)}
    plan: dict[tuple[int, int], dict[str, list[Rec]]] = {}
    for y, m in MONTHS:
        plan[(y, m)] = {
            "meetings": _plan_meetings(rng, y, m),
            "trainings": _plan_trainings(rng, y, m),
            "publicity": publicity[y][m],
            "disputes": disputes[y][m],
            "other": _plan_other(rng, y, m, docs),
        }
    return plan


# ------------------------------------------------------------------ how it is typed (the workbook)

_TITLES = {
    "meetings": "法治政府建设工作台账（会议学法）",
    "trainings": "干部法治培训台账",
    "publicity": "普法宣传工作台账",
    "disputes": "矛盾纠纷排查调处台账",
    "other": "法治政府建设其他指标统计表",
}
_TAB_ALIASES = {
    "meetings": "会议学法台账",
    "trainings": "培训台账",
    "publicity": "普法",
    "disputes": "纠纷调解",
    "other": "其他",
}
_HEADER_BREAKS = {
    "meetings": {"attendees": "参加人数\n（人）", "place": "村或\n单位"},
    "trainings": {"trainees": "参训人数（人）", "organizer": "组织\n单位"},
    "publicity": {"materials": "发放资料\n（份）", "audience": "受众人数\n（人）", "front": "阵\u3000地"},
    "disputes": {"date": "受理\n日期", "result": "调解\n结果", "closed": "办结\n日期"},
    "other": {"quantity": "数量\n（个/人/件）"},
}
_HEADER_VARIANTS = {
    "meetings": {"date": "时间", "type": "会议类型", "attendees": "参会人数"},
    "trainings": {"date": "时间", "title": "培训内容", "trainees": "参训人次"},
    "publicity": {"date": "活动时间", "place": "活动地点", "materials": "发放宣传资料", "audience": "参与人数"},
    "disputes": {"date": "受理时间", "village": "所在村", "result": "处理结果", "mediator": "调解单位"},
    "other": {"indicator": "项目", "quantity": "数值"},
}
_WIDTHS = {"date": 13, "topic": 44, "title": 34, "note": 30, "place": 16, "mediator": 12, "indicator": 22}
_COUNT_UNITS = {"attendees": "人", "trainees": "人", "materials": "份", "audience": "人", "quantity": ""}
_DATE_FORMS = ["datetime", "serial", "iso", "slash", "dot", "cn", "bare"]
_FIXED_ZIP_TIME = (2024, 7, 1, 9, 0, 0)


def _date_cell(d: dt.date, form: str) -> object:
    if form == "datetime":
        return dt.datetime(d.year, d.month, d.day)
    if form == "serial":
        return (d - EXCEL_EPOCH).days
    if form == "iso":
        return d.isoformat()
    if form == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if form == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if form == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.month}月{d.day}日"


def _count_text(n: int, unit: str, rng: random.Random) -> object:
    """A count as a clerk may type it: 约200, 300余, １２０, 30人, 1,200 — or just the number."""
    forms: list[str] = [str(n).translate({ord(c): chr(0xFF10 + int(c)) for c in "0123456789"})]
    if unit:
        forms.append(f"{n}{unit}")
    if n >= 20 and n % 10 == 0:
        forms += [f"约{n}", f"{n}余"]
    if n >= 1000:
        forms.append(f"{n:,}")
    return rng.choice(forms)


def _mess_labels(year: int, month: int) -> list[str]:
    """The irregularities a month's workbook carries, in Chinese, for whoever opens the demo files."""
    style = _STYLES[(year, month)]
    sample = dt.date(year, month, 5)
    if style.dates == "datetime":
        dates = "日期为Excel日期"
    elif style.dates == "serial":
        dates = f"日期为Excel序列号（如{_date_cell(sample, 'serial')}）"
    elif style.dates == "mixed":
        dates = "日期写法混杂"
    elif style.dates == "bare":
        dates = f"日期未写年份（如“{_date_cell(sample, 'bare')}”）"
    else:
        dates = f"日期写成“{_date_cell(sample, style.dates)}”"
    flags = [
        (style.title == 1, "表头上方有标题行"),
        (style.title == 2, "表头上方有两行标题"),
        (style.merge_title, "标题跨列合并"),
        (style.header_breaks, "表头含换行和单位"),
        (style.header_variants, "表头用别称（如“时间”）"),
        (style.reorder, "列顺序不同"),
        (style.seq_col, "多出“序号”列"),
        (style.blank_rows, "有空行"),
        (style.total_row, "底部有合计行"),
        ("date" in style.merge, "日期向下合并"),
        ("village" in style.merge, "村名向下合并"),
        (style.text_numbers, "数字写成文字（约、余、全角数字、带单位）"),
        (style.aliases, "选项用别称（讲座、学校、邻里纠纷）"),
        (style.alias_tabs, "工作表用简称"),
        (bool(style.split), "本月分为两个文件"),
        (style.empty_trainings, "培训表只有表头"),
        ((year, month) not in _TRAININGS and not style.empty_trainings, "没有培训表（当月未开展培训）"),
        (style.helper_sheet, "保留了填表说明"),
        (style.blank_sheet, "多出空白工作表"),
    ]
    return [dates, *(label for on, label in flags if on), "村名不带“村”字"]


class _Writer:
    """Renders one month's records into sheets, with that month's irregularities."""

    def __init__(self, rng: random.Random, year: int, month: int, style: _Style) -> None:
        self.rng, self.year, self.month, self.style = rng, year, month, style
        self.cat = default_catalogue()
        self.short: dict[str, bool] = {}
        self.forced_short = False
        self.date_forms: dict[dt.date, str] = {}

    def village(self, name: str, force: bool = False) -> str:
        """A village as written: now and then without its 村, the same way all month."""
        if not (name.endswith("村") and len(name) >= 3):
            return name
        if force and not self.forced_short:
            self.short[name] = self.forced_short = True
        if name not in self.short:
            self.short[name] = self.rng.random() < self.style.short_villages
        return name[:-1] if self.short[name] else name

    def date(self, d: dt.date) -> object:
        if d not in self.date_forms:
            mixed = self.style.dates == "mixed"
            self.date_forms[d] = self.rng.choice(_DATE_FORMS) if mixed else self.style.dates
        return _date_cell(d, self.date_forms[d])

    def value(self, col: Column, rec: Rec) -> object:
        v = rec.get(col.key)
        typed: dict[str, str] = rec.get("_text", {})
        if col.key in typed:
            return typed[col.key]
        if v is None:
            return None
        if col.kind == "date":
            return self.date(v)
        if col.kind == "count":
            if self.style.text_numbers and self.rng.random() < 0.3:
                return _count_text(int(v), _COUNT_UNITS[col.key], self.rng)
            return v
        if col.kind == "choice" and self.style.aliases and self.rng.random() < 0.3:
            spellings = [a for a, c in col.aliases.items() if c == v]
            return self.rng.choice(spellings) if spellings else v
        if col.kind in ("village", "place"):
            return self.village(str(v), force=col.kind == "village")
        return v

    def headers(self, key: str, cols: list[Column]) -> list[str]:
        out = []
        for c in cols:
            h = c.name
            if self.style.header_variants:
                h = _HEADER_VARIANTS[key].get(c.key, h)
            if self.style.header_breaks:
                h = _HEADER_BREAKS[key].get(c.key, h)
            out.append(h)
        return out

    def sheet(self, ws: Worksheet, key: str, recs: list[Rec]) -> None:
        """Fill one worksheet: title rows, header, records, 合计; then merge what the clerk merged."""
        style, rng = self.style, self.rng
        cols = list(self.cat.sheet(key).columns)
        if style.reorder:
            rng.shuffle(cols)
        headers = self.headers(key, cols)
        if style.seq_col:
            headers.insert(0, "序号")
        width = len(headers)
        r = 1
        if style.title:
            ws.cell(1, 1, f"{DEMO_TOWN}{self.year}年{self.month}月{_TITLES[key]}").font = Font(bold=True, size=14)
            ws.cell(1, 1).alignment = Alignment(horizontal="center")
            if style.merge_title:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            r = 2
            if style.title == 2:
                ws.cell(2, 1, f"填报单位：{DEMO_TOWN}党政办（司法所）")
                r = 3
        for ci, h in enumerate(headers, start=1):
            cell = ws.cell(r, ci, h)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        offset = 1 if style.seq_col else 0
        for ci, c in enumerate(cols, start=1 + offset):
            ws.column_dimensions[get_column_letter(ci)].width = _WIDTHS.get(c.key, 12)
        rows: list[int] = []
        for n, rec in enumerate(sorted(recs, key=lambda x: x["date"]), start=1):
            r += 1
            if style.blank_rows and rows and rng.random() < 0.2:
                r += 1
            if style.seq_col:
                ws.cell(r, 1, n)
            for ci, c in enumerate(cols, start=1 + offset):
                ws.cell(r, ci, self.value(c, rec))
                if isinstance(ws.cell(r, ci).value, dt.datetime):
                    ws.cell(r, ci).number_format = "yyyy-mm-dd"
            rows.append(r)
        if style.total_row and recs and key != "other":  # nobody totals unlike quantities
            r += 2 if style.blank_rows else 1
            ws.cell(r, 1, "合计")
            counts = [(ci, c) for ci, c in enumerate(cols, start=1 + offset) if c.kind == "count" and ci > 1]
            for ci, c in counts:
                ws.cell(r, ci, sum(int(x.get(c.key) or 0) for x in recs))
            if not counts:
                ws.cell(r, 2, f"共{len(recs)}件")
        for c_key in style.merge:
            for ci, c in enumerate(cols, start=1 + offset):
                if c.key == c_key:
                    self._merge_runs(ws, ci, rows)

    @staticmethod
    def _merge_runs(ws: Worksheet, col: int, rows: list[int]) -> None:
        """Merge runs of equal values on adjacent rows, keeping the value in the top cell, as Excel does."""
        runs: list[list[int]] = []
        for r in rows:
            if runs and runs[-1][-1] == r - 1 and ws.cell(r, col).value == ws.cell(runs[-1][0], col).value:
                runs[-1].append(r)
            else:
                runs.append([r])
        for run in runs:
            if len(run) > 1 and ws.cell(run[0], col).value is not None:
                for r in run[1:]:
                    ws.cell(r, col).value = None
                ws.merge_cells(start_row=run[0], start_column=col, end_row=run[-1], end_column=col)


def _to_bytes(wb: openpyxl.Workbook, year: int, month: int) -> bytes:
    """The workbook as .xlsx bytes, the same on every run: fixed document and zip entry times."""
    wb.properties.creator = f"{DEMO_TOWN}党政办"
    wb.properties.created = dt.datetime(year, month, 1, 8, 30)
    wb.properties.modified = dt.datetime(year, month, _last_day(year, month), 17, 30)
    raw, out = io.BytesIO(), io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    # Zip entries carry the time they were written: give them all one fixed time.
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(item))
    return out.getvalue()


def _helper_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("填表说明")
    lines = [
        "填表说明",
        "1. 每月5日前报送上月台账，一个月一个工作簿。",
        "2. 日期写成 2024-03-05 或 2024年3月5日。",
        "3. 村名请写全称（如“李庄村”）。",
        "4. 调解结果填：调解成功、调解未成、调解中。",
    ]
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line)
    ws.column_dimensions["A"].width = 50


def _month_files(rng: random.Random, year: int, month: int, records: dict[str, list[Rec]]) -> list[tuple[str, bytes]]:
    style = _STYLES[(year, month)]
    writer = _Writer(rng, year, month, style)
    keys = [s.key for s in writer.cat.sheets if records[s.key] or (s.key == "trainings" and style.empty_trainings)]
    prefix = f"{DEMO_TOWN}{year}年{month}月"
    parts = [(f"台账-{suffix}", sheets) for suffix, sheets in style.split] or [("法治政府建设台账", tuple(keys))]
    files = []
    for n, (suffix, sheets) in enumerate(parts):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for key in [k for k in keys if k in sheets]:
            name = _TAB_ALIASES[key] if style.alias_tabs else writer.cat.sheet(key).name
            writer.sheet(wb.create_sheet(name), key, records[key])
        if n == 0 and style.helper_sheet:
            _helper_sheet(wb)
        if n == 0 and style.blank_sheet:
            wb.create_sheet("Sheet1")
        files.append((f"{prefix}{suffix}.xlsx", _to_bytes(wb, year, month)))
    return files


def demo_workbooks() -> list[tuple[int, int, list[tuple[str, bytes]]]]:
    """(year, month, [(file name, .xlsx bytes)]) for January 2023 to June 2024; the same bytes on every call."""
    rng = random.Random(SEED)
    plan = _plan(rng)
    return [(y, m, _month_files(rng, y, m, plan[(y, m)])) for y, m in MONTHS]


# ------------------------------------------------------------------ loading


def load_demo(engine: Engine) -> list[ImportResult]:
    """Seed the reference data, import every demo month (one batch each), set the demo targets; idempotent."""
    store.seed_reference(engine)
    results = []
    for year, month, files in demo_workbooks():
        result = import_workbooks(engine, files, town=DEMO_TOWN)
        if result.status == "rejected":  # the demo is ours: a rejection is a bug
            texts = "；".join(p.text() for p in result.errors)
            raise LawdashError(f"演示数据 {year}年{month}月 导入失败：{texts}")
        results.append(result)
    for year, values in DEMO_TARGETS.items():
        have = {k: v.value for k, v in get_targets(engine, DEMO_TOWN, year).items() if k in values}
        if have != {k: float(v) for k, v in values.items()}:
            set_targets(engine, DEMO_TOWN, year, dict(values))
    if not ledger.list_entries(engine, DEMO_TOWN):
        load_demo_ledger(engine)
    have = store.towns(engine)
    for t in demo_county():
        if t.name not in have:
            synthetic.store_township(engine, t, (2023, 1), (2024, 6), COUNTY_RECORDS_PER_YEAR, seed=2024)
    if store.get_meta(engine, "demo") != "1":
        with store.writing(engine) as s:
            store.set_meta(s, "demo", "1")
    return results


# ------------------------------------------------------------------ rectification ledger

_CAUSE_VIEW = (
    "少数干部的法治观念不牢固，落实法治政府建设相关制度要求不严格，没有完全将法治政府建设与具体工作贯通起来抓落实"
)
_CAUSE_STAFF = "执法人员编制资源有限，职业发展空间有限，专业化法治人才引进难、保留难"
_M1 = "继续加强组织领导，完善机制建设：按照“主要领导抓总、分管领导抓块、职能部门包项、领导小组协调”的原则完善落实各项规章制度，健全科学民主依法决策机制"
_M2 = "继续加强法治培训，提升依法履职的思维和能力：制定2024年度干部学法计划，定期或不定期举办法治专题讲座"
_M3 = "继续加强宣传，提高法治工作意识：制定2024年度普法宣传工作计划，全面落实普法责任制，发挥“法律明白人”作用"

# The 2023 report's four shortcomings, its two groups of causes and three measures, plus one
# finding of a 2024 inspection: (编号, 年度, 来源, 问题, 原因, 措施, 责任领导, 责任单位, 时限, 关联指标)
DEMO_LEDGER = [
    (
        "ZG2023-01",
        2023,
        "自查",
        "法治政府建设推进机制有待进一步落实",
        _CAUSE_VIEW,
        _M1,
        "镇长",
        "党政办",
        "2024-03-31",
        "topic_meetings",
    ),
    (
        "ZG2023-02",
        2023,
        "自查",
        "行政执法规范化水平有待进一步提升",
        _CAUSE_VIEW,
        _M2,
        "分管副镇长",
        "综合行政执法大队",
        "2024-09-30",
        "cadre_trainings",
    ),
    (
        "ZG2023-03",
        2023,
        "自查",
        "行政执法人员专业素养与执法为民的要求还有差距",
        _CAUSE_STAFF,
        _M2,
        "分管副镇长",
        "司法所",
        "2024-05-31",
        "trainees",
    ),
    (
        "ZG2023-04",
        2023,
        "自查",
        "法治专门队伍人才短缺，力量不够",
        _CAUSE_STAFF,
        _M3,
        "镇党委副书记",
        "党政办",
        "2024-12-31",
        None,
    ),
    (
        "ZG2024-01",
        2024,
        "上级督察",
        "普法宣传覆盖不均衡，部分村上半年未开展活动",
        "普法工作按活动安排，未按村统筹",
        _M3,
        "分管副镇长",
        "司法所",
        "2024-07-10",
        "villages_reached",
    ),
]
# (编号, 时间, 操作人, 新状态 or None for progress only, 进展, 说明)
DEMO_LEDGER_STEPS = [
    ("ZG2023-01", "2024-01-10 09:00", "党政办", "整改中", "已调整法治政府建设工作领导小组，明确第一责任人职责清单", ""),
    ("ZG2023-01", "2024-03-15 16:00", "党政办", "已完成", "专题会议每季度召开一次，形成制度", ""),
    ("ZG2023-01", "2024-04-02 10:30", "镇纪委", "已销号", None, "经查阅会议记录和制度文件，验收通过"),
    ("ZG2023-02", "2024-02-20 09:00", "综合行政执法大队", "整改中", "已制定2024年度执法人员培训计划", ""),
    ("ZG2023-02", "2024-06-05 15:00", "综合行政执法大队", None, "上半年完成执法能力培训2场", ""),
    ("ZG2023-03", "2024-02-26 09:00", "司法所", "整改中", "组织执法人员参加县级业务培训", ""),
    ("ZG2023-04", "2024-03-01 09:00", "党政办", "整改中", "向县委编办报送法治人才需求", ""),
    ("ZG2023-04", "2024-05-20 17:00", "党政办", "已完成", "招录法律专业公务员1名", ""),
    ("ZG2023-04", "2024-05-28 11:00", "镇纪委", "整改中", None, "缺少人才引进的佐证材料，退回补充"),
    ("ZG2023-04", "2024-06-20 16:00", "党政办", "已完成", "已补充招录公告和报到材料", ""),
]


def demo_ledger_workbook() -> bytes:
    """The demo ledger as a clerk keeps it: a title row, the header, one row per item, all 未启动."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append([f"{DEMO_TOWN}2023年度法治政府建设问题整改台账"])
    ws.append(
        [
            "编号",
            "年度",
            "来源",
            "存在问题",
            "原因分析",
            "整改措施",
            "责任领导",
            "责任单位",
            "整改时限",
            "状态",
            "关联指标",
        ]
    )
    names = {i.id: i.name for i in default_catalogue().indicators}
    for code, year, source, problem, cause, measure, leader, unit, deadline, ind in DEMO_LEDGER:
        row = [code, year, source, problem, cause, measure, leader, unit, deadline, "未启动", names.get(ind or "")]
        ws.append(row)
    return _to_bytes(wb, 2024, 1)


def load_demo_ledger(engine: Engine) -> None:
    """Import the demo ledger through the normal ledger import, then walk it through its history."""
    result = ledger.import_ledger(
        engine,
        "商酒务镇2023年度问题整改台账.xlsx",
        demo_ledger_workbook(),
        DEMO_TOWN,
        "党政办",
        dt.datetime(2024, 1, 5, 9),
    )
    if result.status == "rejected":
        raise LawdashError("演示整改台账导入失败：" + "；".join(p.text() for p in result.errors))
    for code, when, who, status, progress, note in DEMO_LEDGER_STEPS:
        at = dt.datetime.fromisoformat(when)
        if status is None:
            ledger.set_progress(engine, code, progress or "", who, note, town=DEMO_TOWN, when=at)
        else:
            ledger.set_status(engine, code, status, note, who, town=DEMO_TOWN, progress=progress, when=at)


def main(argv: list[str] | None = None) -> int:
    """`python -m lawdash.demo -o DIR`: write the demo workbooks into DIR."""
    parser = argparse.ArgumentParser(
        prog="python -m lawdash.demo", description=f"写出演示乡镇（{DEMO_TOWN}）的月度台账"
    )
    parser.add_argument("-o", "--output", required=True, type=Path, help="输出目录（不存在则创建）")
    args = parser.parse_args(argv)
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for year, month, files in demo_workbooks():
        labels = "、".join(_mess_labels(year, month))
        for name, data in files:
            (out / name).write_bytes(data)
            count += 1
            print(f"{name}：{labels}")
    print(f"已写出 {count} 个演示台账到 {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
