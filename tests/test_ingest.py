"""The mess DOMAIN.md calls normal, one test each, and every error path: status, cell, nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from lawdash import store
from lawdash.importer import ImportResult, import_workbooks
from lawdash.problems import Code
from lawdash.progress import load_records, progress_for_year
from tests.conftest import TOWN, Sheets, build_workbook

NAME = "商酒务镇2024年3月台账.xlsx"
PUB_HEADER = ["日期", "活动名称", "阵地", "村或地点", "发放资料份数", "受众人数", "专项活动", "备注"]
MEET_HEADER = ["日期", "类型", "主题", "参加人数", "村或单位", "备注"]
DISPUTE_HEADER = ["受理日期", "村", "纠纷类型", "调解结果", "办结日期", "调解组织", "备注"]


def run(
    engine: Engine, sheets: Sheets, merges: dict[str, list[str]] | None = None, name: str = NAME, **kw: object
) -> ImportResult:
    return import_workbooks(engine, [(name, build_workbook(sheets, merges))], **kw)  # type: ignore[arg-type]


def figures(engine: Engine, as_of: dt.date = dt.date(2024, 3, 31)) -> dict[str, object]:
    return {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, as_of)}


def records(engine: Engine, sheet: str) -> list[dict[str, object]]:
    df = load_records(engine, TOWN, dt.date(2024, 1, 1), dt.date(2024, 12, 31), [sheet])
    return df.to_dict("records")


def codes(result: ImportResult) -> list[Code]:
    return [p.code for p in result.problems]


# ------------------------------------------------------------------ the normal mess


def test_title_rows_above_the_header(engine: Engine) -> None:
    sheets = {
        "普法宣传": [
            ["商酒务镇2024年3月法治政府建设工作台账"],
            ["填报单位：司法所"],
            PUB_HEADER,
            ["2024-03-05", "宪法宣传", "乡村", "李庄村", 300, 80],
        ]
    }
    result = run(engine, sheets, {"普法宣传": ["A1:H1"]})
    assert result.status == "stored" and result.warnings == []
    assert figures(engine)["materials_distributed"] == 300


def test_header_with_spaces_breaks_brackets_and_units(engine: Engine) -> None:
    header = [" 日 期 ", "活动名称", "阵地", "村或\n地点", "发放资料\n（份）", "受众人数(人)", "专项活动", "备注"]
    result = run(engine, {"普法宣传": [header, ["2024-03-05", "宪法宣传", "乡村", "东村", 120, 40]]})
    assert result.status == "stored"
    assert figures(engine)["materials_distributed"] == 120
    assert records(engine, "publicity")[0]["audience"] == 40


def test_reordered_extra_and_variant_columns(engine: Engine) -> None:
    header = ["序号", "发放资料份数", "村或地点", "时间", "活动名称", "负责人"]
    result = run(engine, {"普法宣传": [header, [1, 50, "西村", "2024-03-06", "民法典宣传", "张三"]]})
    assert result.status == "stored" and result.warnings == []
    rec = records(engine, "publicity")[0]
    assert (rec["materials"], rec["village"], rec["title"]) == (50, "西村", "民法典宣传")
    assert rec["date"] == dt.datetime(2024, 3, 6)
    assert rec["extra"] == {"序号": "1", "负责人": "张三"}  # kept, not lost


def test_blank_rows_are_skipped(engine: Engine) -> None:
    rows = [
        PUB_HEADER,
        ["2024-03-05", "甲", "乡村", "东村", 10],
        [],
        [None, None, "  "],
        ["2024-03-07", "乙", "乡村", "西村", 20],
    ]
    result = run(engine, {"普法宣传": rows})
    assert result.rows["普法宣传"] == 2
    assert figures(engine)["materials_distributed"] == 30


@pytest.mark.parametrize("marker", ["合计", "合 计", "总计", "小计："])
def test_total_row_is_not_counted(engine: Engine, marker: str) -> None:
    rows = [
        PUB_HEADER,
        ["2024-03-05", "甲", "乡村", "东村", 10],
        ["2024-03-07", "乙", "乡村", "西村", 20],
        [marker, None, None, None, 30],
    ]
    result = run(engine, {"普法宣传": rows})
    assert result.status == "stored" and result.rows["普法宣传"] == 2
    assert figures(engine)["materials_distributed"] == 30


def test_merged_cells_fill_their_range(engine: Engine) -> None:
    rows = [
        ["商酒务镇2024年3月会议学法台账"],
        MEET_HEADER,
        ["2024-03-12", "中心组学法", "学习宪法", 15, "镇党委"],
        [None, None, "学习民法典", 15, None],
        ["2024-03-20", "专题会议", "部署", 12, "镇政府"],
    ]
    result = run(engine, {"会议学法": rows}, {"会议学法": ["A1:F1", "A3:A4", "B3:B4", "E3:E4"]})
    assert result.status == "stored" and result.errors == []
    recs = records(engine, "meetings")
    assert [(r["date"].day, r["type"], r["place"]) for r in recs] == [
        (12, "中心组学法", "镇党委"),
        (12, "中心组学法", "镇党委"),
        (20, "专题会议", "镇政府"),
    ]
    assert figures(engine)["central_group_study"] == 2


def test_village_merged_down_over_dispute_rows(engine: Engine) -> None:
    rows = [
        DISPUTE_HEADER,
        ["2024-03-01", "李庄村", "邻里", "调解成功"],
        ["2024-03-02", None, "赡养", "调解成功"],
        ["2024-03-03", "东村", "邻里", "调解中"],
    ]
    run(engine, {"矛盾纠纷调解": rows}, {"矛盾纠纷调解": ["B2:B3"]})
    assert [r["village"] for r in records(engine, "disputes")] == ["李庄村", "李庄村", "东村"]


def test_every_date_form_in_one_sheet(engine: Engine) -> None:
    forms = [
        dt.datetime(2024, 3, 1),
        45353,
        "2024-03-03",
        "2024/3/4",
        "2024.3.5",
        "2024年3月6日",
        "3月7日",
        "２０２４年３月８日",
    ]
    rows = [PUB_HEADER] + [[d, f"活动{i}", "乡村", "东村", 1] for i, d in enumerate(forms)]
    result = run(engine, {"普法宣传": rows})
    assert result.status == "stored"
    assert [r["date"].day for r in records(engine, "publicity")] == [1, 2, 3, 4, 5, 6, 7, 8]
    guessed = [p for p in result.warnings if p.code == Code.YEAR_GUESSED]
    assert [(p.cell, p.message) for p in guessed] == [("A8", "日期“3月7日”未写年份，按2024年计")]


@pytest.mark.parametrize(
    ("name", "title", "dates", "year"),
    [
        ("台账.xlsx", "商酒务镇2023年3月工作台账", ["3月5日"], 2023),  # year from the title row
        ("商酒务镇2022年3月.xlsx", None, ["3月5日"], 2022),  # from the file name
        ("台账.xlsx", None, ["2021-03-01", "3月5日"], 2021),  # from the sheet's other dates
    ],
)
def test_bare_date_takes_its_year(engine: Engine, name: str, title: str | None, dates: list[str], year: int) -> None:
    rows = ([[title]] if title else []) + [PUB_HEADER] + [[d, "宣传", "乡村", "东村", 5] for d in dates]
    result = run(engine, {"普法宣传": rows}, name=name)
    assert result.status == "stored", [p.text() for p in result.problems]
    df = load_records(engine, TOWN, dt.date(year, 1, 1), dt.date(year, 12, 31), ["publicity"])
    assert dt.datetime(year, 3, 5) in list(df["date"])


def test_year_argument_wins_over_title(engine: Engine) -> None:
    rows = [["商酒务镇2023年3月工作台账"], PUB_HEADER, ["3月5日", "宣传", "乡村", "东村", 5]]
    run(engine, {"普法宣传": rows}, year=2024, month=3)
    assert figures(engine)["materials_distributed"] == 5


def test_numbers_written_as_text(engine: Engine) -> None:
    values = ["5000余", "约200", "1,200", "１２０", "30人"]
    rows = [PUB_HEADER] + [["2024-03-05", f"宣传{i}", "乡村", "东村", v] for i, v in enumerate(values)]
    result = run(engine, {"普法宣传": rows})
    assert figures(engine)["materials_distributed"] == 5000 + 200 + 1200 + 120 + 30
    approx = [(p.cell, p.message) for p in result.warnings if p.code == Code.APPROXIMATE]
    assert approx == [("E2", "“5000余”按 5000 计"), ("E3", "“约200”按 200 计")]


def test_villages_without_their_cun_and_places(engine: Engine) -> None:
    rows = [
        PUB_HEADER,
        ["2024-03-05", "甲", "乡村", "李庄", 10],
        ["2024-03-06", "乙", "企业", "镇工业园", 10],
        ["2024-03-07", "丙", "乡村", "李庄村", 10],
        ["2024-03-08", "丁", "校园", "镇中心小学", 10],
    ]
    result = run(engine, {"普法宣传": rows})
    assert figures(engine)["villages_reached"] == 1
    assert [(p.cell, p.message) for p in result.warnings] == [("D2", "“李庄”按“李庄村”计")]
    places = [r["place"] for r in records(engine, "publicity")]
    assert places == ["李庄", "镇工业园", "李庄村", "镇中心小学"]  # what the clerk wrote is kept


def test_month_split_across_files_is_one_batch(engine: Engine) -> None:
    a = build_workbook({"会议学法": [MEET_HEADER, ["2024-03-05", "专题会议", "部署", 10]]})
    b = build_workbook({"矛盾纠纷调解": [DISPUTE_HEADER, ["2024-03-06", "东村", "邻里", "调解成功"]]})
    result = import_workbooks(engine, [("商酒务镇2024年3月-会议.xlsx", a), ("商酒务镇2024年3月-纠纷.xlsx", b)])
    assert result.status == "stored"
    batches = store.list_batches(engine)
    assert len(batches) == 1 and [f["name"] for f in batches[0].files] == [
        "商酒务镇2024年3月-会议.xlsx",
        "商酒务镇2024年3月-纠纷.xlsx",
    ]
    assert (figures(engine)["topic_meetings"], figures(engine)["disputes_mediated"]) == (1, 1)


def test_missing_sheet_leaves_stored_sheets_alone(engine: Engine) -> None:
    run(engine, {"会议学法": [MEET_HEADER, ["2024-03-05", "专题会议", "部署", 10]]}, name="商酒务镇2024年3月-会议.xlsx")
    run(
        engine,
        {"普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]]},
        name="商酒务镇2024年3月-普法.xlsx",
    )
    f = figures(engine)
    assert (f["topic_meetings"], f["materials_distributed"]) == (1, 10)


def test_empty_sheet_replaces_nothing(engine: Engine) -> None:
    run(engine, {"会议学法": [MEET_HEADER, ["2024-03-05", "专题会议", "部署", 10]]})
    result = run(
        engine, {"会议学法": [MEET_HEADER], "普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]]}
    )
    assert result.status == "stored"
    assert figures(engine)["topic_meetings"] == 1


def test_sheet_found_by_its_header_when_tab_is_renamed(engine: Engine) -> None:
    result = run(engine, {"Sheet1": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]]})
    assert result.status == "stored" and figures(engine)["materials_distributed"] == 10


def test_unknown_tab_is_reported_not_silently_dropped(engine: Engine) -> None:
    result = run(
        engine, {"普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]], "统计图": [["随便什么"]]}
    )
    assert result.status == "stored"
    assert [(p.code, p.sheet) for p in result.warnings] == [(Code.UNKNOWN_SHEET, "统计图")]


def test_other_counts_by_name_or_id(engine: Engine) -> None:
    rows = [
        ["日期", "指标", "数量", "说明"],
        ["2024-03-05", "民主法治示范村申报", 3],
        ["2024-03-06", "certified_enforcers", 26],
        ["2024-03-07", "示范村申报", "2个"],
    ]
    assert run(engine, {"其他指标": rows}).status == "stored"
    f = figures(engine)
    assert (f["demo_villages_applied"], f["certified_enforcers"]) == (5, 26)


def test_period_from_dates_when_nothing_names_it(engine: Engine) -> None:
    result = run(engine, {"普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]]}, name="台账.xlsx")
    assert result.status == "stored"
    assert store.list_batches(engine)[0].period == "2024-03"


def test_date_outside_the_month_is_counted_with_a_warning(engine: Engine) -> None:
    result = run(engine, {"普法宣传": [PUB_HEADER, ["2024-02-27", "宣传", "乡村", "东村", 10]]})
    assert result.status == "stored"
    assert [(p.code, p.cell) for p in result.warnings] == [(Code.OUTSIDE_PERIOD, "A2")]
    assert figures(engine, dt.date(2024, 2, 29))["materials_distributed"] == 10


# ------------------------------------------------------------------ errors: rejected whole, cell named


def state(engine: Engine) -> tuple[int, int, int]:
    return store.record_count(engine), len(store.list_batches(engine)), store.data_version(engine)


ERROR_CASES = [
    (
        "bad date",
        {"普法宣传": [PUB_HEADER, ["2024-04-31", "宣传", "乡村", "东村", 10]]},
        Code.NO_SUCH_DATE,
        "普法宣传",
        "A2",
        "日期“2024-04-31”不存在",
    ),
    (
        "bad date text",
        {"普法宣传": [PUB_HEADER, ["3月35日", "宣传", "乡村", "东村", 10]]},
        Code.BAD_DATE,
        "普法宣传",
        "A2",
        "日期无法识别：“3月35日”",
    ),
    (
        "unknown village",
        {"矛盾纠纷调解": [DISPUTE_HEADER, ["2024-03-05", "月亮村", "邻里", "调解成功"]]},
        Code.UNKNOWN_VILLAGE,
        "矛盾纠纷调解",
        "B2",
        "“月亮村”不是本镇的村（本镇共25个村）",
    ),
    (
        "missing column",
        {"普法宣传": [["日期", "活动名称", "阵地"], ["2024-03-05", "宣传", "乡村"]]},
        Code.MISSING_COLUMN,
        "普法宣传",
        None,
        "缺少必填列“发放资料份数”（表头在第1行）",
    ),
    (
        "negative count",
        {"普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", -10]]},
        Code.NEGATIVE,
        "普法宣传",
        "E2",
        "数量不能为负数：“-10”",
    ),
    (
        "unknown meeting type",
        {"会议学法": [MEET_HEADER, ["2024-03-05", "座谈会", "部署", 10]]},
        Code.UNKNOWN_CHOICE,
        "会议学法",
        "B2",
        "“座谈会”不是可选值（可选：专题会议、中心组学法、会前学法、其他）",
    ),
    (
        "missing required value",
        {"会议学法": [MEET_HEADER, ["2024-03-05", "专题会议", None, 10]]},
        Code.MISSING_VALUE,
        "会议学法",
        "C2",
        "“主题”未填写",
    ),
    (
        "unknown indicator",
        {"其他指标": [["日期", "指标", "数量"], ["2024-03-05", "植树造林", 3]]},
        Code.UNKNOWN_INDICATOR,
        "其他指标",
        "B2",
        "指标“植树造林”不存在",
    ),
]


@pytest.mark.parametrize(
    ("case", "sheets", "code", "sheet", "cell", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_rejects_whole_workbook(
    engine: Engine, case: str, sheets: Sheets, code: Code, sheet: str, cell: str | None, message: str
) -> None:
    run(engine, {"会议学法": [MEET_HEADER, ["2024-02-05", "专题会议", "部署", 10]]}, name="商酒务镇2024年2月.xlsx")
    before = state(engine)
    # a good sheet beside the bad one: it must not be stored either
    good = {"培训": [["日期", "培训名称", "类型", "参训人数"], ["2024-03-02", "执法培训", "执法能力培训", 30]]}
    result = run(engine, {**good, **sheets})
    assert result.status == "rejected"
    assert [(p.code, p.sheet, p.cell, p.message) for p in result.errors] == [(code, sheet, cell, message)]
    assert result.errors[0].file == NAME
    assert state(engine) == before


def test_a_file_that_is_not_a_workbook(engine: Engine) -> None:
    before = state(engine)
    result = import_workbooks(engine, [("3月.xlsx", b"PK\x03\x04 not really"), ("说明.xlsx", "你好".encode())])
    assert result.status == "rejected"
    assert [(p.code, p.file, p.sheet, p.cell) for p in result.errors] == [
        (Code.NOT_A_WORKBOOK, "3月.xlsx", None, None),
        (Code.NOT_A_WORKBOOK, "说明.xlsx", None, None),
    ]
    assert result.to_json()["errors"][0]["row"] is None
    assert state(engine) == before


def test_an_empty_workbook(engine: Engine) -> None:
    result = run(engine, {"Sheet1": []})
    assert result.status == "rejected"
    assert [p.code for p in result.errors] == [Code.NO_KNOWN_SHEET]
    assert "没有可识别的台账工作表" in result.errors[0].message


def test_all_problems_are_collected_before_deciding(engine: Engine) -> None:
    sheets = {
        "普法宣传": [
            PUB_HEADER,
            ["2024-03-05", "宣传", "乡村", "东村", "很多"],
            ["4月31日", "宣传", "乡村", "东村", 5],
        ],
        "矛盾纠纷调解": [DISPUTE_HEADER, ["2024-03-05", "月亮村", "吵架", "调解成功"]],
    }
    result = run(engine, sheets)
    assert [(p.sheet, p.cell) for p in result.errors] == [
        ("普法宣传", "E2"),
        ("普法宣传", "A3"),
        ("矛盾纠纷调解", "B2"),
        ("矛盾纠纷调解", "C2"),
    ]
    assert result.errors[1].text() == "普法宣传!A3：日期“4月31日”不存在"


def test_unknown_town(engine: Engine) -> None:
    result = run(engine, {"普法宣传": [PUB_HEADER, ["2024-03-05", "宣传", "乡村", "东村", 10]]}, town="月亮镇")
    assert result.status == "rejected" and codes(result) == [Code.UNKNOWN_TOWN]


def test_a_workbook_of_several_months_is_stored_month_by_month(engine: Engine) -> None:
    rows = [
        ["商酒务镇2024年普法宣传台账"],
        PUB_HEADER,
        ["2024-03-05", "宣传", "乡村", "东村", 10],
        ["4月5日", "宣传", "乡村", "西村", 20],
    ]
    result = run(engine, {"普法宣传": rows}, name="全年台账.xlsx")
    assert result.status == "stored"
    assert [p.message for p in result.warnings if p.code == Code.SPLIT_BY_MONTH] == [
        "文件未写明所属月份，按各行日期分月存入：2024年3月 1 行、2024年4月 1 行"
    ]
    assert store.list_batches(engine)[0].period == "2024-03、2024-04"
    # a later March workbook replaces March only
    run(engine, {"普法宣传": [PUB_HEADER, ["2024-03-09", "宣传", "乡村", "南庄村", 5]]})
    assert figures(engine, dt.date(2024, 4, 30))["materials_distributed"] == 25


def test_several_villages_in_one_place_cell(engine: Engine) -> None:
    rows = [
        PUB_HEADER,
        ["2024-03-05", "送法进村", "乡村", "前营、后营村，李庄村委会", 30],
        ["2024-03-06", "宣传", "乡村", "前营村", 10],
    ]
    result = run(engine, {"普法宣传": rows})
    assert figures(engine)["villages_reached"] == 3
    assert [p.message for p in result.warnings] == ["“前营”按“前营村”计", "“李庄村委会”按“李庄村”计"]
    assert records(engine, "publicity")[0]["village"] == ["前营村", "后营村", "李庄村"]


def test_clerks_marks_for_nothing_and_spans_of_days(engine: Engine) -> None:
    rows = [
        PUB_HEADER,
        ["2024年3月5日至7日", "宣传周", "乡村", "东村", "300（份）", "/"],
        ["2024年3月9日上午9:30", "宣传", "乡村", "西村", 10, "—"],
    ]
    result = run(engine, {"普法宣传": rows})
    assert result.status == "stored"
    assert [(p.code, p.cell) for p in result.warnings] == [(Code.DATE_SPAN, "A2")]
    recs = records(engine, "publicity")
    assert [(r["date"].day, r["materials"], r["audience"]) for r in recs] == [(5, 300, None), (9, 10, None)]
