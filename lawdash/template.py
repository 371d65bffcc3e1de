"""The blank monthly workbook: an instructions sheet, one sheet per catalogue sheet, drop-down lists.

Value lists live on a hidden sheet `选项` and are referenced through defined names: Excel keeps
a validation that points at a name in the plain `dataValidations` part, whereas one pointing
straight at another sheet is moved into an extension that openpyxl drops (with a warning)
when the filled-in workbook comes back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lawdash.catalogue import Catalogue, Column, Sheet, default_catalogue
from lawdash.export import DATE_FORMAT, style_header, text_width

INSTRUCTIONS_SHEET = "填表说明"
OPTIONS_SHEET = "选项"
TITLE_ROW, HEADER_ROW = 1, 2
FIRST_ROW, LAST_ROW = 3, 502  # data rows that carry the drop-downs and checks
TEXT_FORMAT = "@"  # typed text stays text: Excel would turn 3-5 in a 主题 into a date
COUNT_FORMAT = "0"

# Excel's limits on data-validation texts.
_TITLE_MAX, _MESSAGE_MAX = 32, 255

# What each known sheet holds, in a clerk's words; a sheet added to the catalogue gets the generic line.
SHEET_GUIDE = {
    "meetings": "每次法治政府建设专题会议、党委中心组学法、会前学法等会议或学法活动填一行。",
    "trainings": "每场干部法治培训、讲座填一行，参训人数填实际到场人数。",
    "publicity": "每次普法宣传活动填一行。在村里开展的，“村或地点”从下拉列表中选村名；"
    "在其他地点（如镇政府、学校、企业）开展的，直接填写地点名称，不计入覆盖村数。",
    "disputes": "每件受理的矛盾纠纷填一行，按受理日期计入当月。调解中的纠纷办结后，"
    "请在受理当月的台账中改填调解结果和办结日期，再重新上传该月台账。",
    "other": "上面几张表之外需要统计的数量（如民主法治示范村申报数、取得执法证人数、规范性文件合法性审查件数），"
    "每项每次填一行，“指标”从下拉列表中选择。",
}
GENERIC_GUIDE = "每条记录填一行。"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(key: str) -> str:
    """A defined name for a value list: letters (Chinese included), digits and `_` only."""
    return re.sub(r"\W", "_", f"{OPTIONS_SHEET}_{key}")


class _Options:
    """The hidden sheet of value lists, one column each, each behind a defined name."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws = wb.create_sheet(OPTIONS_SHEET)
        self.ws.sheet_state = "hidden"
        self.names: dict[str, str] = {}

    def add(self, key: str, label: str, values: tuple[str, ...]) -> str | None:
        """Store a list once under `key`; its defined name, or None for an empty list."""
        if not values:
            return None
        if key in self.names:
            return self.names[key]
        ci = len(self.names) + 1
        letter = get_column_letter(ci)
        header = self.ws.cell(1, ci, label)
        style_header(header)
        for r, value in enumerate(values, start=2):
            self.ws.cell(r, ci, value).data_type = "s"
        self.ws.column_dimensions[letter].width = max(text_width(v) for v in (label, *values)) + 2
        name = _name(key)
        ref = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self.names[key] = name
        return name


def _list_values(col: Column, sheet: Sheet, villages: tuple[str, ...], cat: Catalogue) -> tuple[str, tuple[str, ...]]:
    """The key and label of a list column's value list on 选项, and its values."""
    if col.kind in ("village", "place"):
        return "村", villages
    if col.kind == "indicator":
        return f"{sheet.name}·{col.name}", tuple(i.name for i in cat.indicators if i.sheet == sheet.key)
    return f"{sheet.name}·{col.name}", col.choices


def _list_rule(
    col: Column, sheet: Sheet, villages: tuple[str, ...], cat: Catalogue, opts: _Options
) -> DataValidation | None:
    """A drop-down for a choice, village, place or indicator column; open lists accept other values."""
    label, values = _list_values(col, sheet, villages, cat)
    name = opts.add(label, "本镇村名" if label == "村" else label, values)
    if name is None:
        return None
    listed = "、".join(values)
    if col.kind == "choice" and col.open:
        prompt, error = f"可从下拉列表中选择（{listed}），也可直接填写其他名称", None
    elif col.kind == "choice":
        prompt, error = f"从下拉列表中选择：{listed}", f"请从下拉列表中选择（可选：{listed}）"
    elif col.kind == "village":
        prompt, error = "从下拉列表中选择本镇的村名", "请从下拉列表中选择本镇的村名"
    elif col.kind == "place":
        prompt, error = "在村里开展的从下拉列表中选村名；其他地点（如镇政府、学校）直接填写", None
    else:
        prompt, error = "从下拉列表中选择指标", "请从下拉列表中选择指标名称"
    return DataValidation(
        type="list",
        formula1=name,
        showErrorMessage=error is not None,
        errorTitle=_clip(f"“{col.name}”填写有误", _TITLE_MAX) if error else None,
        error=_clip(error, _MESSAGE_MAX) if error else None,
        prompt=prompt,
    )


def _rule(
    col: Column, sheet: Sheet, year: int, month: int, villages: tuple[str, ...], cat: Catalogue, opts: _Options
) -> DataValidation | None:
    """The validation of one column, from its kind; None when there is nothing to check or list."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    example = f"{year}-{month:02d}-05"
    if col.kind in ("choice", "village", "place", "indicator"):
        rule = _list_rule(col, sheet, villages, cat, opts)
    elif col.kind == "date" and col.key == "date":  # the date that files the row under its month
        rule = DataValidation(
            type="date",
            operator="between",
            formula1=str(_serial(first)),
            formula2=str(_serial(last)),
            prompt=f"填写{year}年{month}月内的日期，如 {example}",
            showErrorMessage=True,
            errorTitle="日期不在本月",
            error=f"请填写 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 之间的日期，格式如 {example}",
        )
    elif col.kind == "date":  # e.g. 办结日期, which may fall in a later month
        rule = DataValidation(
            type="date",
            operator="greaterThanOrEqual",
            formula1=str(_serial(first)),
            prompt=f"填写日期，如 {example}；尚无日期的留空",
            showErrorMessage=True,
            errorTitle="日期有误",
            error=f"请填写 {first:%Y-%m-%d} 或以后的日期，格式如 {example}",
        )
    elif col.kind == "count":
        rule = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            prompt="填写整数，如 120；不要写“约”“余”或单位",
            showErrorMessage=True,
            errorTitle="应填整数",
            error="请填写不小于 0 的整数，如 120；不要写“约”“余”“多”或单位",
        )
    elif col.required:
        rule = DataValidation(prompt="此列必填")  # a prompt only: any text is fine
    else:
        return None
    if rule is None:
        return None
    rule.allow_blank = True
    rule.errorStyle = "stop"
    rule.showInputMessage = True
    rule.promptTitle = _clip(col.name, _TITLE_MAX)
    if col.required and "必填" not in (rule.prompt or ""):
        rule.prompt = (rule.prompt or "") + "（必填）"
    rule.prompt = _clip(rule.prompt or "", _MESSAGE_MAX)
    return rule


def _serial(day: dt.date) -> int:
    """The Excel serial number of a date (1900 date system), as a validation bound."""
    return (day - dt.date(1899, 12, 30)).days


def _width(col: Column, cat: Catalogue, sheet: Sheet, villages: tuple[str, ...]) -> float:
    """A column width that fits the header and what is usually typed, Chinese counting double."""
    header = text_width(col.name) + 2  # room for `*` and the filter arrow
    if col.kind == "date":
        typical = 12
    elif col.kind == "count":
        typical = 10
    elif col.kind == "choice":
        typical = max(text_width(c) for c in col.choices) + 3
    elif col.kind in ("village", "place"):
        typical = max((text_width(v) for v in villages), default=8) + (8 if col.kind == "place" else 3)
    elif col.kind == "indicator":
        typical = max((text_width(i.name) for i in cat.indicators if i.sheet == sheet.key), default=16) + 3
    else:
        typical = 32 if col.required else 20
    return max(header, typical) + 2


def _data_sheet(
    ws: Worksheet,
    sheet: Sheet,
    town: str,
    villages: tuple[str, ...],
    year: int,
    month: int,
    cat: Catalogue,
    opts: _Options,
) -> None:
    ncols = len(sheet.columns)
    last_letter = get_column_letter(ncols)
    title = ws.cell(TITLE_ROW, 1, f"{town}{year}年{month}月法治政府建设工作台账（{sheet.name}）")
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A{TITLE_ROW}:{last_letter}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.row_dimensions[HEADER_ROW].height = 24
    for ci, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(ci)
        cell = ws.cell(HEADER_ROW, ci, col.name + ("*" if col.required else ""))
        style_header(cell)
        dim = ws.column_dimensions[letter]
        dim.width = _width(col, cat, sheet, villages)
        # A column style is what Excel gives the cells typed into later.
        dim.number_format = {"date": DATE_FORMAT, "count": COUNT_FORMAT}.get(col.kind, TEXT_FORMAT)
        rule = _rule(col, sheet, year, month, villages, cat, opts)
        if rule is not None:
            ws.add_data_validation(rule)
            rule.add(f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}")
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _column_line(col: Column) -> str:
    text = col.name + ("*" if col.required else "")
    if col.kind == "choice":
        text += f"（{'／'.join(col.choices)}{'，也可填其他' if col.open else ''}）"
    return text


def _instructions(ws: Worksheet, town: str, year: int, month: int, cat: Catalogue) -> None:
    example = f"{year}-{month:02d}-05"
    names = "、".join(f"“{s.name}”" for s in cat.sheets)
    lines: list[tuple[str, str]] = [  # (style, text)
        ("title", f"{town}{year}年{month}月法治政府建设工作台账 填表说明"),
        ("", ""),
        ("head", "一、这是什么"),
        (
            "",
            f"本工作簿是{town}{year}年{month}月的法治政府建设工作台账，用于统计本年度法治政府建设各项指标的完成情况。",
        ),
        ("", "每个乡镇每月填写一份。各工作表可由不同科室分别填写、分别上传。"),
        ("", f"工作表：{names}，每张表记录一类工作。"),
        ("", ""),
        ("head", "二、填写要求"),
        ("", "1. 表头在第 2 行，带 * 的列为必填。请不要修改表头和工作表名称，不要删除工作表。"),
        ("", "2. 从第 3 行起每行填写一条记录。可以在表格右侧增加列，增加的列会保存，但不参与统计。"),
        ("", f"3. 日期填写本月（{year}年{month}月）内的日期，格式如 {example}。"),
        ("", "4. 人数、份数、数量等填写整数，如 120；不要写“约”“余”“多”或“人”“份”等单位。"),
        ("", "5. 带下拉箭头的列请从下拉列表中选择；村名请从下拉列表中选择本镇的村名。"),
        ("", f"6. 下拉列表的可选值保存在隐藏的“{OPTIONS_SHEET}”表中，请不要修改或删除。"),
        ("", "7. “合计”“小计”等汇总行不计入统计，可以保留。"),
        ("", "8. 本月没有发生的事项，对应的工作表留空即可，不要删除。"),
        ("", ""),
        ("head", "三、各工作表填写内容"),
    ]
    for n, sheet in enumerate(cat.sheets, start=1):
        lines.append(("bold", f"{n}. {sheet.name}"))
        lines.append(("", "    " + SHEET_GUIDE.get(sheet.key, GENERIC_GUIDE)))
        lines.append(("", "    列：" + "、".join(_column_line(c) for c in sheet.columns)))
        counted = [i.name for i in cat.indicators if i.sheet == sheet.key]
        if counted:
            lines.append(("", "    用于统计：" + "、".join(counted)))
    lines += [
        ("", ""),
        ("head", "四、上传"),
        ("", "1. 填好后保存为 .xlsx 格式（Excel 或 WPS 均可），在看板的数据导入页面上传；一次可上传多个文件。"),
        ("", "2. 系统逐格检查：发现错误时会指出工作表、行和列，整份文件都不会导入，改正后重新上传即可。"),
        ("", "3. 同一月份的同一张表重新上传，会替换之前导入的数据，不会重复计数；留空的工作表不会改动已导入的数据。"),
        ("", "4. 上传有误可在导入记录中撤销该批次，撤销后恢复到上传之前的数据。"),
    ]
    fonts = {"title": Font(bold=True, size=14), "head": Font(bold=True, size=12), "bold": Font(bold=True)}
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, (style, text) in enumerate(lines, start=1):
        if not text:
            continue
        cell = ws.cell(r, 1, text)
        cell.data_type = "s"
        cell.alignment = wrap
        if style in fonts:
            cell.font = fonts[style]
    ws.column_dimensions["A"].width = 110


def make_template(town: str, villages: tuple[str, ...], year: int, month: int, cat: Catalogue | None = None) -> bytes:
    """A blank monthly workbook (.xlsx) for one township and month, with drop-downs and instructions."""
    if not 1 <= month <= 12:
        raise ValueError(f"月份应为 1 至 12：{month}")
    cat = cat or default_catalogue()
    wb = Workbook()
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    _instructions(ws, town, year, month, cat)
    data_sheets = [wb.create_sheet(s.name) for s in cat.sheets]
    opts = _Options(wb)  # created after the data sheets, so it comes last
    for ws_, sheet in zip(data_sheets, cat.sheets, strict=True):
        _data_sheet(ws_, sheet, town, villages, year, month, cat, opts)
    wb.properties.title = f"{town}{year}年{month}月法治政府建设工作台账"
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
