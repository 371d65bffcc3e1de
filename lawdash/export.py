"""Export to .xlsx: DataFrames as formatted sheets, and a year's records with its progress table.

Every text value is written as a text cell, never a formula: a clerk's `=HYPERLINK(...)` or
`-5` in a 备注 stays the text it was, in Excel and in any program that reads the file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import unicodedata
import zipfile

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from lawdash.catalogue import Catalogue, default_catalogue
from lawdash.progress import IndicatorProgress, default_as_of, load_records, progress_for_year, year_bounds

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Text starting with these is a formula (or becomes one when edited or saved as CSV).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
MIN_WIDTH, MAX_WIDTH = 8, 60

PROGRESS_SHEET = "指标进度"
PROGRESS_COLUMNS = ["指标", "单位", "完成值", "年度目标", "应达进度", "完成率(%)", "状态"]
MATCHED_VILLAGE = "计入村"
SOURCE_COLUMNS = {"file": "来源文件", "row": "行号", "batch_id": "批次"}

_BAD_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")


def text_width(text: str) -> int:
    """Display width of a text in Excel column units: CJK and full-width characters count double."""
    lines = str(text).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def style_header(cell: Cell) -> None:
    """The look of a header cell, shared with the template."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT


# ------------------------------------------------------------------ writing


def _excel_value(value: object) -> object:
    """A plain Python value openpyxl can write: None for anything missing, dates without time as dates."""
    if value is None:
        return None
    if isinstance(value, dict | list | tuple | set):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, np.datetime64):  # .item() of a nanosecond datetime64 is an int
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str | bool | int | dt.date | dt.time):
        return value
    return str(value)


def _set(cell: Cell, value: object) -> None:
    """Write one value; text always as a text cell (data type "s"), never a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text even after the cell is edited
        return
    cell.value = value
    if isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


def _value_width(value: object) -> int:
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    return text_width(str(value))


def _sheet_title(name: str, taken: list[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _BAD_TITLE_CHARS.sub("_", str(name)).strip("'").strip()[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
    return title


def _write_frame(ws: Worksheet, frame: pd.DataFrame) -> bool:
    """Write a frame from A1; True when some text holds a carriage return."""
    columns = [str(c) for c in frame.columns]
    has_cr = any("\r" in c for c in columns)
    widths = [text_width(c) for c in columns]
    for ci, name in enumerate(columns, start=1):
        cell = ws.cell(1, ci)
        _set(cell, name)
        style_header(cell)
    for ri, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for ci, raw in enumerate(row, start=1):
            value = _excel_value(raw)
            if value is None or value == "":
                continue
            _set(ws.cell(ri, ci), value)
            has_cr = has_cr or (isinstance(value, str) and "\r" in value)
            widths[ci - 1] = max(widths[ci - 1], _value_width(value))
    for ci, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(ci)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    return has_cr


def _keep_carriage_returns(data: bytes) -> bytes:
    """XML readers turn a raw CR into LF; write it as `&#13;` so the text reads back unchanged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                content = content.replace(b"\r", b"&#13;")  # openpyxl writes no CR of its own
            dst.writestr(info, content)
    return out.getvalue()


def frames_to_xlsx(frames: dict[str, pd.DataFrame], title: str | None = None) -> bytes:
    """One sheet per frame (sheet name = key, made valid): bold header, fitted widths, frozen header row."""
    wb = Workbook()
    wb.remove(wb.active)
    if title:
        wb.properties.title = title
    has_cr = False
    for name, frame in frames.items():
        has_cr = _write_frame(wb.create_sheet(_sheet_title(name, wb.sheetnames)), frame) or has_cr
    if not wb.worksheets:
        wb.create_sheet("无数据")
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return _keep_carriage_returns(data) if has_cr else data


# ------------------------------------------------------------------ frames


def _dates(values: pd.Series) -> list[dt.date | None]:
    stamps = pd.to_datetime(values, format="ISO8601", errors="coerce")
    return [None if pd.isna(d) else d.date() for d in stamps]


def _counts(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    try:
        return numbers.astype("Int64")
    except (TypeError, ValueError):  # a fraction cannot be an Int64; keep the number as it is
        return numbers


def _objects(values: list[object]) -> pd.Series:
    """A column of plain Python values, None where missing (pandas would make text columns NaN)."""
    return pd.Series(values, dtype=object)


def _villages(value: object) -> str | None:
    """The village(s) a row counts for, as text: one name, or several joined with 、."""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or None
    return value if isinstance(value, str) and value else None


def records_frame(
    engine: Engine,
    town: str,
    year: int,
    as_of: dt.date | None,
    sheet_key: str,
    cat: Catalogue | None = None,
    private: bool = True,
) -> pd.DataFrame:
    """The stored records of one catalogue sheet for `year` up to `as_of`, with the catalogue's Chinese headers.

    A place column keeps what the clerk wrote; `计入村` beside it is the village(s) it counts for.
    Then 来源文件, 行号 (the workbook's own row) and 批次.
    """
    cat = cat or default_catalogue()
    sheet = cat.sheet(sheet_key)
    start, end = year_bounds(year, as_of or dt.date(year, 12, 31))
    df = load_records(engine, town, start, end, [sheet_key])
    names = {i.id: i.name for i in cat.indicators}
    out: dict[str, pd.Series] = {}
    for col in sheet.columns:
        if col.private and not private:  # viewers see counts, not who was involved
            continue
        values = df[col.key] if col.key in df.columns else _objects([None] * len(df))
        if col.kind == "date":
            out[col.name] = _objects(_dates(values))
        elif col.kind == "count":
            out[col.name] = _counts(values)
        elif col.kind == "indicator":
            out[col.name] = _objects([names.get(v, v) if isinstance(v, str) else None for v in values])
        else:
            out[col.name] = values.astype(object).where(values.notna(), None)
        if col.kind == "place":
            out[MATCHED_VILLAGE] = _objects([_villages(v) for v in df["village"]])
    for key, name in SOURCE_COLUMNS.items():
        out[name] = df[key]
    return pd.DataFrame({k: v.reset_index(drop=True) for k, v in out.items()})


def progress_frame(progress: list[IndicatorProgress]) -> pd.DataFrame:
    """The progress table with Chinese headers; empty cells where there is no target or no value."""
    rows = []
    for p in progress:
        j = p.to_json()
        rows.append([p.name, p.unit, j["actual"], j["target"], j["expected"], p.percent, p.status_label])
    return pd.DataFrame(rows, columns=PROGRESS_COLUMNS, dtype=object)


def export_year(
    engine: Engine,
    town: str,
    year: int,
    as_of: dt.date | None = None,
    cat: Catalogue | None = None,
    private: bool = True,
) -> bytes:
    """A workbook: 指标进度 first, then every catalogue sheet's records of the year up to `as_of`."""
    cat = cat or default_catalogue()
    as_of = as_of or default_as_of(engine, town, year)
    frames = {PROGRESS_SHEET: progress_frame(progress_for_year(engine, town, year, as_of, cat))}
    for sheet in cat.sheets:
        frames[sheet.name] = records_frame(engine, town, year, as_of, sheet.key, cat, private)
    from lawdash.ledger import ledger_frame, list_entries  # the ledger module builds on this one

    frames[cat.ledger.sheet.name] = ledger_frame(list_entries(engine, town, as_of=as_of), for_file=True)
    return frames_to_xlsx(frames, title=f"{town}{year}年法治政府建设工作台账（数据截至 {as_of:%Y-%m-%d}）")


def filter_records(
    frame: pd.DataFrame,
    months: list[int] | None = None,
    villages: list[str] | None = None,
    choices: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Rows of a `records_frame` in the given months, villages and values; an empty filter keeps all."""
    mask = pd.Series(True, index=frame.index)
    date_col = frame.columns[0]  # the sheet's date column is always first
    if months:
        mask &= frame[date_col].map(lambda d: d is not None and d.month in months)
    if villages:
        col = MATCHED_VILLAGE if MATCHED_VILLAGE in frame.columns else "村"
        if col in frame.columns:
            mask &= frame[col].map(lambda v: bool(v) and any(name in villages for name in str(v).split("、")))
    for col, values in (choices or {}).items():
        if values and col in frame.columns:
            mask &= frame[col].isin(values)
    return frame[mask].reset_index(drop=True)
