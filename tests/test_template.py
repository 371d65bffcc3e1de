"""The blank monthly template: its sheets, headers, drop-downs and checks, and that a filled one imports clean."""

from __future__ import annotations

import datetime as dt
import io
import tomllib

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from lawdash import store
from lawdash.catalogue import CATALOGUE_PATH, Column, Sheet, default_catalogue, parse_catalogue
from lawdash.cells import EXCEL_EPOCH, normalize_header
from lawdash.export import HEADER_FILL, text_width
from lawdash.importer import import_workbooks
from lawdash.progress import load_records, progress_for_year
from lawdash.targets import set_targets
from lawdash.template import FIRST_ROW, INSTRUCTIONS_SHEET, LAST_ROW, OPTIONS_SHEET, make_template
from tests.conftest import TOWN

CAT = default_catalogue()
YEAR, MONTH = 2024, 3
LIST_KINDS = ("choice", "village", "place", "indicator")


def villages(engine: Engine) -> tuple[str, ...]:
    return store.towns(engine)[TOWN]


def open_template(engine: Engine, year: int = YEAR, month: int = MONTH) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(make_template(TOWN, villages(engine), year, month)))


def validations(ws: Worksheet) -> dict[str, DataValidation]:
    """Column letter -> the validation over its data rows."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        letter = ref.split(":")[0].rstrip("0123456789")
        assert ref == f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}"
        out[letter] = dv
    return out


def list_values(wb: Workbook, formula: str) -> list[str]:
    """The values a list validation offers: its defined name, resolved to a range of 选项."""
    (sheet, ref), *rest = list(wb.defined_names[formula].destinations)
    assert not rest
    assert sheet == OPTIONS_SHEET
    return [c.value for (c,) in wb[sheet][ref.replace("$", "")]]


def column_cases() -> list[tuple[Sheet, int, Column]]:
    return [(s, ci, c) for s in CAT.sheets for ci, c in enumerate(s.columns, start=1)]


def case_id(case: tuple[Sheet, int, Column]) -> str:
    return f"{case[0].name}-{case[2].name}"


# ------------------------------------------------------------------ structure


def test_sheets_in_catalogue_order_between_the_helpers(engine: Engine) -> None:
    wb = open_template(engine)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *(s.name for s in CAT.sheets), OPTIONS_SHEET]
    assert wb[OPTIONS_SHEET].sheet_state == "hidden"
    assert all(wb[s.name].sheet_state == "visible" for s in CAT.sheets)
    assert wb.active.title == INSTRUCTIONS_SHEET
    assert {INSTRUCTIONS_SHEET, OPTIONS_SHEET} <= set(CAT.helper_sheets)  # so the ingest skips them


@pytest.mark.parametrize("sheet", CAT.sheets, ids=lambda s: s.name)
def test_title_header_and_layout(engine: Engine, sheet: Sheet) -> None:
    ws = open_template(engine)[sheet.name]
    last = openpyxl.utils.get_column_letter(len(sheet.columns))
    assert ws["A1"].value == f"{TOWN}{YEAR}年{MONTH}月法治政府建设工作台账（{sheet.name}）"
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    headers = [ws.cell(2, ci).value for ci in range(1, len(sheet.columns) + 1)]
    assert headers == [c.name + ("*" if c.required else "") for c in sheet.columns]
    assert ws.cell(2, len(sheet.columns) + 1).value is None
    for ci, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(2, ci)
        assert cell.font.bold
        assert cell.fill.fgColor.rgb == HEADER_FILL.fgColor.rgb
        assert normalize_header(cell.value) in col.header_keys()  # the ingest reads `日期*` as 日期
        letter = openpyxl.utils.get_column_letter(ci)
        assert ws.column_dimensions[letter].width >= text_width(col.name) + 2
        if col.kind == "date":
            assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A3"
    assert ws.max_row == 2  # nothing below the header: the sheet is blank


@pytest.mark.parametrize("case", [c for c in column_cases() if c[2].kind in LIST_KINDS], ids=case_id)
def test_every_list_column_has_its_drop_down(engine: Engine, case: tuple[Sheet, int, Column]) -> None:
    sheet, ci, col = case
    wb = open_template(engine)
    dv = validations(wb[sheet.name])[openpyxl.utils.get_column_letter(ci)]
    assert dv.type == "list"
    expected = {
        "choice": list(col.choices),
        "village": list(villages(engine)),
        "place": list(villages(engine)),
        "indicator": [i.name for i in CAT.indicators if i.sheet == sheet.key],
    }[col.kind]
    assert list_values(wb, dv.formula1) == expected
    closed = col.kind in ("village", "indicator") or (col.kind == "choice" and not col.open)
    assert bool(dv.showErrorMessage) is closed
    if closed:
        assert dv.errorStyle == "stop"
        assert dv.error
    assert dv.showInputMessage
    assert dv.prompt


def test_other_indicator_list_holds_the_other_sheet_indicators(engine: Engine) -> None:
    wb = open_template(engine)
    dv = validations(wb["其他指标"])["B"]
    assert list_values(wb, dv.formula1) == ["民主法治示范村申报", "执法人员取得执法证", "规范性文件合法性审查"]


@pytest.mark.parametrize(
    ("year", "month", "first", "last"),
    [
        (2024, 2, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        (2023, 2, dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        (2024, 3, dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        (2024, 12, dt.date(2024, 12, 1), dt.date(2024, 12, 31)),
    ],
)
def test_date_validation_is_the_month(engine: Engine, year: int, month: int, first: dt.date, last: dt.date) -> None:
    wb = open_template(engine, year, month)
    for sheet in CAT.sheets:
        rules = validations(wb[sheet.name])
        for ci, col in enumerate(sheet.columns, start=1):
            if col.kind != "date":
                continue
            dv = rules[openpyxl.utils.get_column_letter(ci)]
            assert dv.type == "date"
            assert dv.showErrorMessage and dv.errorStyle == "stop"
            assert EXCEL_EPOCH + dt.timedelta(days=int(dv.formula1)) == first
            if col.key == "date":  # files the row under the month
                assert dv.operator == "between"
                assert EXCEL_EPOCH + dt.timedelta(days=int(dv.formula2)) == last
                assert f"{year}年{month}月" in dv.prompt
            else:  # 办结日期 may come after the month
                assert dv.operator == "greaterThanOrEqual"


@pytest.mark.parametrize("case", [c for c in column_cases() if c[2].kind == "count"], ids=case_id)
def test_counts_are_whole_numbers_from_zero(engine: Engine, case: tuple[Sheet, int, Column]) -> None:
    sheet, ci, _ = case
    dv = validations(open_template(engine)[sheet.name])[openpyxl.utils.get_column_letter(ci)]
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert dv.showErrorMessage and dv.errorStyle == "stop"


def test_instructions_cover_what_a_clerk_needs(engine: Engine) -> None:
    ws = open_template(engine)[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for (c,) in ws.iter_rows(max_col=1) if c.value)
    assert f"{TOWN}{YEAR}年{MONTH}月" in text
    for sheet in CAT.sheets:
        assert sheet.name in text
        for col in sheet.required:
            assert col.name + "*" in text
    for phrase in ("每月填写一份", "不要修改表头", "2024-03-05", "整数", "下拉列表", "合计", "留空", "上传"):
        assert phrase in text


def test_month_out_of_range_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="月份"):
        make_template(TOWN, villages(engine), YEAR, 13)


def test_a_new_indicator_in_the_catalogue_joins_the_list(engine: Engine) -> None:
    raw = tomllib.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    raw["indicators"].append(
        {
            "id": "public_lawyers",
            "name": "公共法律服务站点",
            "unit": "个",
            "sheet": "other",
            "aggregation": "sum",
            "value": "quantity",
            "filter": {"indicator": ["public_lawyers"]},
        }
    )
    cat = parse_catalogue(raw)
    wb = openpyxl.load_workbook(io.BytesIO(make_template(TOWN, villages(engine), YEAR, MONTH, cat)))
    dv = validations(wb["其他指标"])["B"]
    assert list_values(wb, dv.formula1)[-1] == "公共法律服务站点"


# ------------------------------------------------------------------ round trip through the ingest


def fill(data: bytes, rows: dict[str, list[list[object]]]) -> bytes:
    """The template as a clerk leaves it: values typed or picked from row 3 down, as Excel stores them.

    Every value written into a list column must be one its drop-down offers, unless the list is open.
    """
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name, values in rows.items():
        ws = wb[name]
        rules = validations(ws)
        for r, row in enumerate(values, start=FIRST_ROW):
            for ci, value in enumerate(row, start=1):
                if value is None:
                    continue
                dv = rules.get(openpyxl.utils.get_column_letter(ci))
                if dv is not None and dv.type == "list" and dv.showErrorMessage:
                    assert value in list_values(wb, dv.formula1), f"{name}: {value} is not in the drop-down"
                cell = ws.cell(r, ci, value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd"  # what Excel keeps for a date typed as 2024-03-05
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def d(day: int, month: int = MONTH) -> dt.datetime:
    return dt.datetime(YEAR, month, day)


MARCH = {
    "会议学法": [
        [d(5), "专题会议", "部署2024年法治政府建设工作", 15, "镇政府"],
        [d(12), "中心组学法", "学习习近平法治思想", 18, "商酒务村"],
        [d(20), "会前学法", "学习《行政处罚法》", 20],
        [d(28), "中心组学法", "学习《民法典》", 17, None, "与支部学习合并"],
    ],
    "培训": [
        [d(8), "行政执法能力提升培训", "执法能力培训", 30, "司法所"],
        [d(22), "民法典专题讲座", "法治讲座", 45, "党政办", "邀请律师主讲"],
    ],
    "普法宣传": [
        [d(5), "学雷锋法律服务", "乡村", "李庄村", 500, 120, "八五普法"],
        [d(15), "消费者权益日宣传", "社区", "王庄村", 300, 80, "民法典宣传"],
        [d(26), "法治进校园", "校园", "镇中学", 200, 300, "校园法治周"],
        [d(29), "宪法学习宣传", "乡村", "李庄村", 100, 50, "宪法进万家"],
    ],
    "矛盾纠纷调解": [
        [d(2), "东村", "邻里", "调解成功", d(4), "和事堂"],
        [d(9), "西村", "婚姻家庭", "调解未成", d(15), "镇调委会"],
        [d(18), "南庄村", "土地征收", "调解成功", d(25)],
        [d(27), "东村", "劳务务工", "调解成功", d(3, month=4), "镇调委会", "4月初办结"],
        [d(30), "北庄村", "赡养", "调解中"],
    ],
    "其他指标": [
        [d(10), "民主法治示范村申报", 3],
        [d(20), "执法人员取得执法证", 5, "3月考试通过"],
    ],
}


def test_a_template_filled_by_hand_imports_clean(engine: Engine) -> None:
    data = fill(make_template(TOWN, villages(engine), YEAR, MONTH), MARCH)
    result = import_workbooks(engine, [("3月台账.xlsx", data)], town=TOWN)
    assert result.errors == []
    assert result.warnings == []
    assert result.status == "stored"
    assert result.rows == {name: len(rows) for name, rows in MARCH.items()}

    set_targets(engine, TOWN, YEAR, {"topic_meetings": 4, "materials_distributed": 5000})
    progress = {p.id: p for p in progress_for_year(engine, TOWN, YEAR, dt.date(YEAR, 3, 31))}
    assert {k: p.actual for k, p in progress.items()} == {
        "topic_meetings": 1,
        "central_group_study": 2,
        "pre_meeting_study": 1,
        "cadre_trainings": 2,
        "trainees": 75,
        "materials_distributed": 1100,
        "villages_reached": 2,  # 李庄村, 王庄村; 镇中学 is a place
        "disputes_mediated": 5,
        "mediation_success_rate": 75.0,  # 3 of 4 concluded
        "demo_villages_applied": 3,
        "certified_enforcers": 5,
        "legal_reviews": 0,
    }
    assert (progress["topic_meetings"].expected, progress["topic_meetings"].status) == (1, "on_track")
    assert (progress["materials_distributed"].expected, progress["materials_distributed"].status) == (1250, "behind")

    pub = load_records(engine, TOWN, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), ["publicity"])
    assert list(pub["place"]) == ["李庄村", "王庄村", "镇中学", "李庄村"]
    assert [v if isinstance(v, str) else None for v in pub["village"]] == ["李庄村", "王庄村", None, "李庄村"]
    assert list(pub["row"]) == [3, 4, 5, 6]  # the workbook's own rows

    again = import_workbooks(engine, [("3月台账（重传）.xlsx", data)], town=TOWN)
    assert (again.status, again.batch) == ("unchanged", result.batch)


def test_a_template_with_one_sheet_filled_stores_that_sheet(engine: Engine) -> None:
    data = fill(make_template(TOWN, villages(engine), YEAR, MONTH), {"培训": MARCH["培训"]})
    result = import_workbooks(engine, [("培训.xlsx", data)])  # town and month from the title row
    assert (result.status, result.errors, result.warnings) == ("stored", [], [])
    assert result.rows == {s.name: (2 if s.key == "trainings" else 0) for s in CAT.sheets}


def test_a_blank_template_imports_without_errors_and_stores_nothing(engine: Engine) -> None:
    result = import_workbooks(engine, [("空白.xlsx", make_template(TOWN, villages(engine), YEAR, MONTH))], town=TOWN)
    assert result.errors == []
    assert result.warnings == []
    assert result.status != "rejected"
    assert result.batch is None
    assert set(result.rows.values()) == {0}
    assert store.record_count(engine) == 0
    assert store.list_batches(engine) == []
