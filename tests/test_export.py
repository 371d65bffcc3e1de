"""Export: frames as safe, formatted sheets; a year's records and progress in one workbook."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook
from sqlalchemy import Engine

from lawdash.catalogue import default_catalogue
from lawdash.export import (
    HEADER_FILL,
    MATCHED_VILLAGE,
    PROGRESS_COLUMNS,
    PROGRESS_SHEET,
    export_year,
    frames_to_xlsx,
    progress_frame,
    records_frame,
    text_width,
)
from lawdash.importer import import_workbooks
from lawdash.progress import progress_for_year
from lawdash.targets import set_targets
from tests.conftest import SAMPLES, TOWN

CAT = default_catalogue()
FEB_END = dt.date(2024, 2, 29)
HOSTILE = ["=1+1", "+86 123", "-5", "@SUM(A1)", "\tx", "\rx", "\nx", '=HYPERLINK("http://x","y")', "#N/A", "a\r\nb"]


def load(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return list(ws.iter_rows(values_only=True))


@pytest.fixture
def february(engine: Engine) -> Engine:
    """The two sample workbooks of February 2024, imported as one batch."""
    result = import_workbooks(engine, SAMPLES, town=TOWN, year=2024, month=2)
    assert result.status == "stored", result.errors
    return engine


# ------------------------------------------------------------------ frames_to_xlsx


def test_hostile_text_stays_text() -> None:
    frame = pd.DataFrame({"备注": HOSTILE, "=SUM(A1:A3)": range(len(HOSTILE))})
    ws = load(frames_to_xlsx({"台账": frame}))["台账"]
    assert ws["B1"].value == "=SUM(A1:A3)" and ws["B1"].data_type == "s"
    for r, text in enumerate(HOSTILE, start=2):
        cell = ws.cell(r, 1)
        assert cell.data_type == "s", text
        assert cell.value == text
        if text[0] in "=+-@\t\r\n":
            assert cell.quotePrefix  # Excel keeps it text even after the cell is edited


def test_header_look_frozen_row_and_widths() -> None:
    frame = pd.DataFrame({"活动名称": ["法治进企业宣传活动"], "code": ["abcdefghij"], "n": [1]})
    ws = load(frames_to_xlsx({"普法宣传": frame}))["普法宣传"]
    assert [c.value for c in ws[1]] == ["活动名称", "code", "n"]
    assert all(c.font.bold and c.fill.fgColor.rgb == HEADER_FILL.fgColor.rgb for c in ws[1])
    assert ws.freeze_panes == "A2"
    widths = {k: ws.column_dimensions[k].width for k in "ABC"}
    assert widths["A"] == text_width("法治进企业宣传活动") + 2 == 20  # CJK counts double
    assert widths["B"] == 12
    assert widths["C"] == 8  # a minimum, so a short header stays readable
    assert ws.auto_filter.ref == "A1:C2"


def test_very_long_text_is_capped() -> None:
    ws = load(frames_to_xlsx({"x": pd.DataFrame({"备注": ["长" * 200]})}))["x"]
    assert ws.column_dimensions["A"].width == 60


@pytest.mark.parametrize(
    ("text", "width"),
    [("abc", 3), ("普法", 4), ("１２", 4), ("A村", 3), ("第一行\n更长的第二行", 12), ("", 0)],
)
def test_text_width(text: str, width: int) -> None:
    assert text_width(text) == width


def test_values_dates_and_missing() -> None:
    frame = pd.DataFrame(
        {
            "日期": pd.to_datetime(["2024-02-06", None]),
            "办结日期": [dt.date(2024, 2, 4), None],
            "时间": [dt.datetime(2024, 2, 6, 9, 30), None],
            "人数": pd.array([20, None], dtype="Int64"),
            "份数": [np.int64(1050), np.nan],
            "比率": [66.7, float("nan")],
            "村": ["前营村", None],
            "空": [None, ""],
            "np": pd.Series([np.datetime64("2024-02-07T00:00:00.000000000"), np.datetime64("NaT")], dtype=object),
        }
    )
    ws = load(frames_to_xlsx({"数据": frame}))["数据"]
    a2, b2, c2 = ws["A2"], ws["B2"], ws["C2"]
    assert (a2.value, a2.number_format) == (dt.datetime(2024, 2, 6), "yyyy-mm-dd")
    assert (b2.value, b2.number_format) == (dt.datetime(2024, 2, 4), "yyyy-mm-dd")
    assert (c2.value, c2.number_format) == (dt.datetime(2024, 2, 6, 9, 30), "yyyy-mm-dd hh:mm")
    assert [ws["D2"].value, ws["E2"].value, ws["F2"].value, ws["G2"].value] == [20, 1050, 66.7, "前营村"]
    assert ws["D2"].data_type == "n"
    assert all(c.value is None for c in ws[3])
    assert ws["H2"].value is None
    assert (ws["I2"].value, ws["I3"].value) == (dt.datetime(2024, 2, 7), None)


def test_sheet_names_are_made_valid_and_unique() -> None:
    frames = {"a/b:c": pd.DataFrame(), "A/B:C": pd.DataFrame(), "长" * 40: pd.DataFrame({"x": [1]})}
    wb = load(frames_to_xlsx(frames))
    assert wb.sheetnames == ["a_b_c", "A_B_C(2)", "长" * 31]


def test_empty_frames_give_header_only_sheets() -> None:
    wb = load(frames_to_xlsx({"培训": pd.DataFrame(columns=["日期", "培训名称"])}))
    assert rows(wb["培训"]) == [("日期", "培训名称")]
    assert load(frames_to_xlsx({})).sheetnames == ["无数据"]


# ------------------------------------------------------------------ frames from the database


def test_progress_frame_headers_and_labels(february: Engine) -> None:
    set_targets(february, TOWN, 2024, {"materials_distributed": 5000, "topic_meetings": 4})
    frame = progress_frame(progress_for_year(february, TOWN, 2024, FEB_END))
    assert list(frame.columns) == PROGRESS_COLUMNS
    by_name = frame.set_index("指标")
    materials = by_name.loc["普法宣传资料发放"]
    assert list(materials) == ["份", 1350, 5000, 833.33, 27.0, "正常"]  # 5000 × 2/12 expected by February
    assert list(by_name.loc["法治政府建设专题会议"]) == ["次", 1, 4, 0, 25.0, "正常"]  # one per quarter
    assert list(by_name.loc["矛盾纠纷调解"]) == ["件", 4, None, None, None, "仅统计"]
    assert by_name.loc["调解成功率", "完成值"] == 66.7


def test_records_frame_columns_in_catalogue_order(february: Engine) -> None:
    frame = records_frame(february, TOWN, 2024, FEB_END, "publicity")
    sheet = CAT.sheet("publicity")
    names = [c.name for c in sheet.columns]
    place_at = names.index("村或地点") + 1
    assert list(frame.columns) == [*names[:place_at], MATCHED_VILLAGE, *names[place_at:], "来源文件", "行号", "批次"]
    assert list(frame["村或地点"]) == ["前营", "镇工业园", "后营村"]  # what the clerk wrote
    assert list(frame[MATCHED_VILLAGE]) == ["前营村", None, "后营村"]
    assert list(frame["日期"]) == [dt.date(2024, 2, 6), dt.date(2024, 2, 21), dt.date(2024, 2, 28)]
    assert list(frame["发放资料份数"]) == [100, 1050, 200]
    assert list(frame["行号"]) == [2, 3, 4]
    assert set(frame["来源文件"]) == {SAMPLES[0].name}


def test_records_frame_stops_at_as_of(february: Engine) -> None:
    frame = records_frame(february, TOWN, 2024, dt.date(2024, 2, 20), "meetings")
    assert list(frame["日期"]) == [dt.date(2024, 2, 6), dt.date(2024, 2, 20), dt.date(2024, 2, 20)]
    assert records_frame(february, TOWN, 2023, None, "meetings").empty


def test_records_frame_dates_villages_and_indicator_names(engine: Engine, workbook: Callable[..., bytes]) -> None:
    data = workbook(
        {
            "矛盾纠纷调解": [
                ["受理日期", "村", "纠纷类型", "调解结果", "办结日期"],
                ["2024-03-02", "东村", "邻里", "调解成功", "2024-03-04"],
                ["2024-03-09", "西村", "赡养", "调解中", None],
            ],
            "其他指标": [["日期", "指标", "数量"], ["2024-03-10", "demo_villages_applied", 3]],
            "普法宣传": [
                ["日期", "活动名称", "村或地点", "发放资料份数"],
                ["2024-03-05", "联合宣传", "李庄、王庄村", 300],
                ["2024-03-06", "机关宣传", "镇政府", 100],
            ],
        }
    )
    assert import_workbooks(engine, [("商酒务镇2024年3月.xlsx", data)]).status == "stored"
    disputes = records_frame(engine, TOWN, 2024, None, "disputes")
    assert list(disputes["办结日期"]) == [dt.date(2024, 3, 4), None]
    assert MATCHED_VILLAGE not in disputes.columns  # 村 is a village column, not a place
    publicity = records_frame(engine, TOWN, 2024, None, "publicity")
    assert list(publicity["村或地点"]) == ["李庄、王庄村", "镇政府"]
    assert list(publicity[MATCHED_VILLAGE]) == ["李庄村、王庄村", None]
    other = records_frame(engine, TOWN, 2024, None, "other")
    assert list(other["指标"]) == ["民主法治示范村申报"]  # the id as a clerk reads it


# ------------------------------------------------------------------ export_year


def test_export_year_of_the_samples(february: Engine) -> None:
    wb = load(export_year(february, TOWN, 2024, FEB_END))
    assert wb.sheetnames == [PROGRESS_SHEET, *(s.name for s in CAT.sheets), CAT.ledger.sheet.name]
    counts = {name: wb[name].max_row - 1 for name in wb.sheetnames}
    assert counts == {
        PROGRESS_SHEET: len(CAT.indicators),
        "会议学法": 4,
        "培训": 0,
        "普法宣传": 3,
        "矛盾纠纷调解": 4,
        "其他指标": 0,
        "整改台账": 0,
    }

    progress = {r[0]: dict(zip(PROGRESS_COLUMNS, r, strict=True)) for r in rows(wb[PROGRESS_SHEET])[1:]}
    assert progress["普法宣传资料发放"]["完成值"] == 1350
    assert progress["普法宣传覆盖村数"]["完成值"] == 2
    assert progress["调解成功率"]["完成值"] == 66.7
    assert progress["法治政府建设专题会议"]["状态"] == "仅统计"  # no targets set

    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    pub = wb["普法宣传"]
    header = [c.value for c in pub[1]]
    assert header[:5] == ["日期", "活动名称", "阵地", "村或地点", MATCHED_VILLAGE]
    assert header[-3:] == ["来源文件", "行号", "批次"]
    assert (pub["A2"].value, pub["A2"].number_format) == (dt.datetime(2024, 2, 6), "yyyy-mm-dd")
    meetings = rows(wb["会议学法"])
    assert [r[1] for r in meetings[1:]] == ["会前学法", "中心组学法", "中心组学法", "专题会议"]


def test_export_year_of_an_empty_database(engine: Engine) -> None:
    wb = load(export_year(engine, TOWN, 2024, dt.date(2024, 6, 30)))
    assert [wb[s.name].max_row for s in CAT.sheets] == [1] * len(CAT.sheets)
    assert wb[PROGRESS_SHEET].max_row == 1 + len(CAT.indicators)


def test_a_formula_typed_by_a_clerk_is_exported_as_text(engine: Engine) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "会议学法"
    ws.append(["日期", "类型", "主题", "备注"])
    ws.append([dt.datetime(2024, 3, 5), "专题会议", "=1+1", '=HYPERLINK("http://x","y")'])
    for cell in ws[2][2:]:
        cell.data_type = "s"  # typed as text ('=1+1 in Excel)
    buf = io.BytesIO()
    wb.save(buf)
    assert import_workbooks(engine, [("商酒务镇2024年3月.xlsx", buf.getvalue())]).status == "stored"
    out = load(export_year(engine, TOWN, 2024, dt.date(2024, 3, 31)))["会议学法"]
    header = [c.value for c in out[1]]
    topic, note = out.cell(2, header.index("主题") + 1), out.cell(2, header.index("备注") + 1)
    assert [(c.value, c.data_type) for c in (topic, note)] == [
        ("=1+1", "s"),
        ('=HYPERLINK("http://x","y")', "s"),
    ]
