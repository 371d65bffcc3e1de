"""Read monthly activity workbooks into records, collecting every problem before deciding.

Reading never touches the database: it returns records grouped by (town, year, month, sheet)
and the problems found. `lawdash.store.import_workbooks` decides and writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.worksheet.worksheet import Worksheet

from lawdash import reader, safety
from lawdash.catalogue import Catalogue, Column, Sheet
from lawdash.cells import (
    BLANK_MARKS,
    Parsed,
    display,
    full_date_year,
    header_excluder,
    is_blank,
    match_choice,
    match_places,
    match_village,
    normalize_header,
    normalize_text,
    parse_count,
    parse_date,
)
from lawdash.problems import Code, Problem, Problems, Reported
from lawdash.reader import Book, Grid, SheetData

HEADER_SCAN_ROWS = 12
log = logging.getLogger(__name__)
_PERIOD = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月")
_PERIOD_DASH = re.compile(r"(20\d{2})[-_.](\d{1,2})(?!\d)")
_YEAR = re.compile(r"(20\d{2})\s*年")

SliceKey = tuple[str, int, int, str]  # town, year, month, sheet key


@dataclass
class Record:
    """One data row: canonical field values keyed by column key, and where it came from."""

    sheet: str
    file: str
    row: int
    fields: dict[str, object]
    period: tuple[int, int] = (0, 0)  # (year, month) of the slice it belongs to

    @property
    def date(self) -> dt.date:
        return self.fields["date"]  # type: ignore[return-value]


@dataclass
class FileInfo:
    name: str
    sha256: str
    size: int
    town: str | None = None
    year: int | None = None
    month: int | None = None


@dataclass
class ReadResult(Reported):
    files: list[FileInfo] = field(default_factory=list)
    slices: dict[SliceKey, list[Record]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # sheet name -> rows read
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Context:
    cat: Catalogue
    towns: dict[str, tuple[str, ...]]
    town: str | None
    year: int | None
    month: int | None


def read_workbooks(
    inputs: list[tuple[str, bytes]],
    cat: Catalogue,
    towns: dict[str, tuple[str, ...]],
    town: str | None = None,
    year: int | None = None,
    month: int | None = None,
) -> ReadResult:
    """Read every (file name, bytes) given; `town`, `year`, `month` override what files say."""
    result = ReadResult(rows={s.name: 0 for s in cat.sheets})
    names = {s.key: s.name for s in cat.sheets}
    ctx = Context(cat, towns, town, year, month)
    slices: dict[SliceKey, list[Record]] = defaultdict(list)
    with _collector_paused():
        for name, data in inputs:
            problems = Problems(name)
            info = FileInfo(name, hashlib.sha256(data).hexdigest(), len(data))
            result.files.append(info)
            try:
                records = _read_file(name, data, ctx, info, problems)
            except Exception:  # a bug met a file it did not expect: refuse the file, never crash the page
                log.exception("reading %s", name)
                records = []
                problems.error(Code.INTERNAL, _internal(name))
            result.problems.extend(problems.items)
            if info.town:
                for rec in records:
                    slices[(info.town, *rec.period, rec.sheet)].append(rec)
                    result.rows[names[rec.sheet]] += 1
    result.slices = dict(slices)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading makes a few objects per cell and frees few of them until it ends (the records of every file
    are kept): Python's cycle collector would walk them over and over (a tenth of the time of a large
    file, more with each file read) to find no garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _internal(name: str) -> str:
    return f"读取文件“{name}”时程序出错，未保存任何数据；请把这个文件发给系统管理员"


def open_workbook(data: bytes) -> openpyxl.Workbook | None:
    """The clean copy as openpyxl reads it, or None when the file is refused (`lawdash.safety`) or unreadable.

    Ingest reads through `open_checked`; this is openpyxl's view of the same bytes, which the
    hostile-input tests compare with what openpyxl reads from the original file.
    """
    try:
        return reader.load_openpyxl(safety.check("", data))
    except Exception:
        return None


def open_checked(name: str, data: bytes, problems: Problems) -> Book | None:
    """The workbook's values, or None with the reason added to `problems` as a Chinese error.

    The file passes `lawdash.safety.check` first; `lawdash.reader` then reads the clean copy it
    returns, values only (formulas are never evaluated: a formula cell reads as the value Excel cached).
    """
    try:
        checked = safety.check(name, data)
    except safety.Rejected as r:
        problems.error(r.code, r.message, sheet=r.sheet, row=r.row, col=r.col)
        return None
    except Exception:  # a bug in the checks themselves: the file is refused all the same
        log.exception("checking %s", name)
        problems.error(Code.INTERNAL, _internal(name))
        return None
    try:
        book = reader.read_book(checked)
    except Exception as exc:  # whatever a malformed part makes openpyxl raise, the file is refused
        if _is_defused(exc):
            problems.error(
                Code.UNSAFE_XML,
                f"文件“{name}”含有 XML 实体或文档类型声明，Excel 不会写入这种内容，可能是恶意构造的文件，已拒绝",
            )
        else:
            log.info("openpyxl cannot read %s: %r", name, exc)
            problems.error(
                Code.NOT_A_WORKBOOK,
                f"文件“{name}”已损坏或不是有效的 Excel 工作簿（.xlsx），无法读取；请在 Excel 或 WPS 中打开，"
                "另存为 .xlsx 后重新上传",
            )
        return None
    if checked.macros:
        problems.warn(Code.MACROS_IGNORED, f"文件“{name}”含有宏：已忽略工作簿中的宏，只读取单元格中的值")
    return book


def _is_defused(exc: BaseException | None) -> bool:
    """openpyxl wraps what the XML parser raised; defusedxml's refusal may be a few causes down."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


# ------------------------------------------------------------------ a worksheet's values, sparse

Sheetlike = SheetData | Worksheet  # a worksheet built in memory with openpyxl is read the same way


def as_sheet(ws: Sheetlike) -> SheetData:
    """The values of a worksheet, read by `lawdash.reader` or built in memory with openpyxl."""
    return ws if isinstance(ws, SheetData) else reader.sheet_from_worksheet(ws)


def grid(ws: Sheetlike) -> Grid:
    """The cells of a worksheet that hold a value, by row and column, within the ledger's bounds.

    Every loop of ingest goes through this rather than `iter_rows`: iter_rows walks (and creates)
    every cell of the rectangle up to `max_row` x `max_column`, which one stray cell at XFD1048576
    makes 17 billion cells. Style-only cells and the covered cells of a merge hold None and are
    not data. Values beyond `safety.MAX_ROWS` x `safety.MAX_COLS` are refused before a workbook is
    opened; here they are simply out of reach.
    """
    return as_sheet(ws).grid


def _row_values(ws: Sheetlike, row: int) -> list[tuple[int, object]]:
    return list(grid(ws).get(row, {}).items())


def _read_file(name: str, data: bytes, ctx: Context, info: FileInfo, problems: Problems) -> list[Record]:
    wb = open_checked(name, data, problems)
    if wb is None:
        return []
    cat = ctx.cat
    found: list[tuple[SheetData, Sheet, int, dict[int, Column]]] = []
    titles: list[str] = [name]
    helper = {normalize_header(h) for h in cat.helper_sheets}
    for ws in wb.worksheets:
        if normalize_header(ws.title) in helper:
            continue
        sheet = cat.sheet_by_name(ws.title)
        header = find_header(ws, sheet) if sheet else None
        if sheet is None:
            sheet, header = _sheet_by_header(ws, cat)
        if sheet is None:
            if _has_content(ws):
                problems.warn(Code.UNKNOWN_SHEET, f"工作表“{ws.title}”不是台账表，已忽略", sheet=ws.title)
            continue
        if header is None:
            if _has_content(ws):
                names = "、".join(c.name for c in sheet.columns)
                problems.error(Code.NO_HEADER, f"未找到表头行（应包含：{names}）", sheet=ws.title)
            continue
        row, mapping = header
        missing = [c for c in sheet.required if c not in mapping.values()]
        if missing:
            for c in missing:
                problems.error(Code.MISSING_COLUMN, f"缺少必填列“{c.name}”（表头在第{row}行）", sheet=ws.title, row=row)
            continue
        titles.extend(_title_texts(ws, row))
        found.append((ws, sheet, row, mapping))
    if not found:
        if not problems.errors:
            names = "、".join(s.name for s in cat.sheets)
            problems.error(Code.NO_KNOWN_SHEET, f"文件“{name}”中没有可识别的台账工作表（应为：{names}）")
        return []

    _resolve_town(info, ctx, titles, problems)
    _resolve_period_from_text(info, ctx, titles)
    records: list[Record] = []
    for ws, sheet, row, mapping in found:
        records.extend(read_rows(ws, sheet, row, mapping, info, ctx, problems))
    _assign_periods(info, records, problems)
    for rec in records:
        del rec.fields["_cols"], rec.fields["_tab"]
    return records


def _rows_before(ws: Sheetlike, row: int) -> Iterator[dict[int, object]]:
    """The rows above `row` (a grid's rows are in ascending order: the rest is not looked at)."""
    return (cols for _, cols in itertools.takewhile(lambda item: item[0] < row, grid(ws).items()))


def _has_content(ws: Sheetlike) -> bool:
    return any(not is_blank(v) for cols in _rows_before(ws, 51) for v in cols.values())


def _title_texts(ws: Sheetlike, header_row: int) -> list[str]:
    return [v for cols in _rows_before(ws, header_row) for v in cols.values() if isinstance(v, str)]


def find_header(ws: Sheetlike, sheet: Sheet) -> tuple[int, dict[int, Column]] | None:
    """The header row among the first rows: the one naming most of the sheet's columns."""
    lookup: dict[str, Column] = {}
    for c in sheet.columns:
        for k in c.header_keys():
            lookup.setdefault(k, c)
    best: tuple[int, dict[int, Column]] | None = None
    for r in range(1, HEADER_SCAN_ROWS + 1):
        mapping: dict[int, Column] = {}
        for ci, v in _row_values(ws, r):
            if isinstance(v, str) and (col := lookup.get(normalize_header(v))) and col not in mapping.values():
                mapping[ci] = col
        if len(mapping) >= 2 and (best is None or len(mapping) > len(best[1])):
            best = (r, mapping)
    return best


def _sheet_by_header(ws: Sheetlike, cat: Catalogue) -> tuple[Sheet | None, tuple[int, dict[int, Column]] | None]:
    """A tab with an unknown name is still a known sheet if its header names all required columns."""
    candidates = []
    for sheet in cat.sheets:
        header = find_header(ws, sheet)
        if header and all(c in header[1].values() for c in sheet.required):
            candidates.append((len(header[1]), sheet, header))
    if not candidates:
        return None, None
    _, sheet, header = max(candidates, key=lambda c: c[0])
    return sheet, header


def _resolve_town(info: FileInfo, ctx: Context, titles: list[str], problems: Problems) -> None:
    if ctx.town:
        if ctx.town in ctx.towns:
            info.town = ctx.town
        else:
            problems.error(Code.UNKNOWN_TOWN, f"乡镇“{ctx.town}”不在基础数据中（已有：{'、'.join(ctx.towns)}）")
        return
    named = {t for t in ctx.towns for text in titles if t in text}
    if len(named) == 1:
        info.town = named.pop()
    elif (home := ctx.cat.home_town(ctx.towns)) is not None:
        info.town = home
    else:
        problems.error(Code.UNKNOWN_TOWN, "无法确定台账所属乡镇，请在标题或文件名中写明，或指定乡镇")


def _resolve_period_from_text(info: FileInfo, ctx: Context, titles: list[str]) -> None:
    info.year, info.month = ctx.year, ctx.month
    for text in titles:
        if (m := _PERIOD.search(text) or _PERIOD_DASH.search(text)) and 1 <= int(m[2]) <= 12:
            info.year = info.year or int(m[1])
            info.month = info.month or int(m[2])
            return
    for text in titles:
        if info.year is None and (m := _YEAR.search(text)):
            info.year = int(m[1])


def _assign_periods(info: FileInfo, records: list[Record], problems: Problems) -> None:
    """Each record's (year, month): the file's month when it names one, else the month of its date."""
    month_of = [(d.year, d.month) for d in (rec.date for rec in records)]
    months = Counter(month_of)
    if not (info.year and info.month) and len(months) == 1:
        info.year, info.month = next(iter(months))
    if info.year and info.month:
        period = (info.year, info.month)
        for rec, month in zip(records, month_of, strict=True):
            rec.period = period
            if month != period:
                _warn_at_date(
                    rec,
                    problems,
                    f"日期 {rec.date:%Y-%m-%d} 不在本台账所属月份（{info.year}年{info.month}月），仍按日期计入",
                )
        return
    for rec, month in zip(records, month_of, strict=True):
        rec.period = month
        if info.year and month[0] != info.year:
            _warn_at_date(rec, problems, f"日期 {rec.date:%Y-%m-%d} 不在本台账所属年度（{info.year}年），仍按日期计入")
    if len(months) > 1:
        parts = "、".join(f"{y}年{m}月 {n} 行" for (y, m), n in sorted(months.items()))
        problems.warn(Code.SPLIT_BY_MONTH, f"文件未写明所属月份，按各行日期分月存入：{parts}")


def _warn_at_date(rec: Record, problems: Problems, message: str) -> None:
    col = next(c for c, k in rec.fields["_cols"].items() if k == "date")  # type: ignore[union-attr]
    problems.warn(Code.OUTSIDE_PERIOD, message, sheet=rec.fields["_tab"], row=rec.row, col=col)  # type: ignore[arg-type]


def read_rows(
    ws: Sheetlike,
    sheet: Sheet,
    header_row: int,
    mapping: dict[int, Column],
    info: FileInfo,
    ctx: Context,
    problems: Problems,
) -> list[Record]:
    ws = as_sheet(ws)
    title = ws.title
    headers = {ci: display(v) for ci, v in _row_values(ws, header_row) if not is_blank(v)}
    extras = {ci: h for ci, h in headers.items() if ci not in mapping}
    merged = _merged_fill(ws, header_row)
    formulas = ws.formulas
    formula_rows = {r for r, c in formulas if r > header_row and c in mapping}
    markers = frozenset(normalize_header(m) for m in ctx.cat.skip_row_markers)
    not_marker = header_excluder(markers)
    marks: dict[str, bool] = {}  # text -> is a skip-row marker; a month repeats the same texts
    date_col = next((ci for ci, c in mapping.items() if c.kind == "date"), None)
    columns = (*mapping, *extras)
    values = grid(ws)
    raw_rows: list[tuple[int, dict[int, object]]] = []
    for r in sorted({*values, *merged, *formula_rows}):
        if r <= header_row:
            continue
        cells = values.get(r, {})
        if r in merged:
            cells = dict(sorted({**cells, **merged[r]}.items()))
        if r not in formula_rows and _blank_row(cells, columns):
            continue
        if _total_row(cells, markers, marks, not_marker):
            continue
        raw_rows.append((r, cells))

    year_hint = info.year or ctx.year
    if year_hint is None:
        years = Counter(y for _, cells in raw_rows if (y := full_date_year(cells.get(date_col))))
        year_hint = years.most_common(1)[0][0] if years else None

    villages = ctx.towns.get(info.town or "", ())
    keys = {ci: c.key for ci, c in mapping.items()}  # shared by the records of this sheet, read only
    # What a cell says depends only on its column and value (the year and villages are fixed here):
    # each distinct value of a column is read once. Non-text values are keyed with their type, which
    # keeps True, 1 and 1.0 apart.
    columns_read = [(ci, col, col.key, {}) for ci, col in mapping.items()]
    records = []
    for r, cells in raw_rows:
        fields: dict[str, object] = {"_cols": keys, "_tab": title}
        ok = True
        for ci, col, field_key, seen in columns_read:
            value = cells.get(ci)
            if formulas and (r, ci) in formulas:
                problems.error(
                    Code.FORMULA,
                    "单元格含公式但没有计算结果，请在 Excel 中打开后保存，再重新上传",
                    sheet=title,
                    row=r,
                    col=ci,
                )
                ok = False
                fields[field_key] = None
                continue
            key = value if value is None or type(value) is str else (type(value), value)
            if (out := seen.get(key)) is None:
                out = seen[key] = _read_cell(value, col, year_hint, villages, sheet, ctx)
            fields[field_key], more = out
            if more is not None:  # a village named, a problem, or both
                village, found_problems, good = more
                for is_error, code, message in found_problems:
                    (problems.error if is_error else problems.warn)(code, message, sheet=title, row=r, col=ci)
                if village is not _NO_VILLAGE:
                    fields["village"] = list(village) if isinstance(village, tuple) else village
                ok = ok and good
        if extras:
            extra = {extras[ci]: display(v) for ci, v in cells.items() if ci in extras and not is_blank(v)}
            if extra:
                fields["extra"] = extra
        if ok:
            records.append(Record(sheet.key, info.name, r, fields))
    return records


_NO_VILLAGE = object()  # the cell sets no `village` field
# A cell's field value, and None or (the village it names, its problems, whether its row may be kept)
CellRead = tuple[object, tuple[object, tuple[tuple[bool, Code, str], ...], bool] | None]


def _read_cell(
    value: object, col: Column, year: int | None, villages: tuple[str, ...], sheet: Sheet, ctx: Context
) -> CellRead:
    """What one cell of a column gives: its field value and, when there is any, the rest (see `CellRead`)."""
    if is_blank(value):
        if col.required:
            return None, (_NO_VILLAGE, ((True, Code.MISSING_VALUE, f"“{col.name}”未填写"),), False)
        return None, None
    if col.kind == "place":  # any place is kept; the villages it names are counted
        found, guesses = match_places(value, villages)
        village = found[0] if len(found) == 1 else (tuple(found) or None)
        return display(value), (village, tuple((False, Code.VILLAGE_COMPLETED, m) for m in guesses), True)
    parsed = _parse(value, col, year, villages, sheet, ctx)
    if not parsed.code:
        return parsed.value, None
    return parsed.value, (_NO_VILLAGE, ((parsed.is_error, parsed.code, parsed.message or ""),), not parsed.is_error)


def _blank_row(cells: dict[int, object], columns: tuple[int, ...]) -> bool:
    """No value under any header (`is_blank` inlined: this runs for every row)."""
    for ci in columns:
        v = cells.get(ci)
        if v is not None and not (isinstance(v, str) and v.strip() in BLANK_MARKS):
            return False
    return True


def _total_row(
    cells: dict[int, object], markers: frozenset[str], seen: dict[str, bool], not_marker: re.Pattern[str] | None
) -> bool:
    """A row labelled as a total (合计, 小 计：) is not a record; `seen` remembers each text's answer.

    Most texts are told apart from the markers by `not_marker` (see `cells.header_excluder`) without
    being normalized: a month's activity names are nearly all different."""
    for v in cells.values():
        if isinstance(v, str):
            if (found := seen.get(v)) is None:
                found = seen[v] = not (not_marker is not None and not_marker.fullmatch(v)) and (
                    normalize_header(v) in markers
                )
            if found:
                return True
    return False


def _parse(
    value: object, col: Column, year: int | None, villages: tuple[str, ...], sheet: Sheet, ctx: Context
) -> Parsed:
    kind = col.kind
    if kind == "date":
        return parse_date(value, year)
    if kind == "count":
        return parse_count(value)
    if kind == "choice":
        if col.open:
            parsed = match_choice(value, col.choices, col.aliases)
            return Parsed(normalize_text(value)) if parsed.is_error else parsed
        return match_choice(value, col.choices, col.aliases)
    if kind == "village":
        parsed = match_village(value, villages)
        if parsed.value is None:
            return Parsed.error(Code.UNKNOWN_VILLAGE, f"“{display(value)}”不是本镇的村（本镇共{len(villages)}个村）")
        return parsed
    if kind == "indicator":
        ind = ctx.cat.indicator_by_label(display(value))
        if ind is None:
            return Parsed.error(Code.UNKNOWN_INDICATOR, f"指标“{display(value)}”不存在")
        feeds = any(i.sheet == sheet.key for i in ctx.cat.indicators)
        if feeds and ind.sheet != sheet.key:  # a sheet that feeds indicators takes only its own
            source = ctx.cat.sheet(ind.sheet).name
            return Parsed.error(Code.UNKNOWN_INDICATOR, f"指标“{ind.name}”按“{source}”表统计，请填在该表中")
        return Parsed(ind.id)
    return Parsed(display(value))


def _merged_fill(ws: SheetData, header_row: int) -> Grid:
    """Every cell of a merged range below the header, by row and column, with the range's top-left value.

    Ranges are clipped to the cells that hold values: a village merged from A3 down to row 1048576
    fills only as far as the last row with data.
    """
    values = grid(ws)
    max_row = max(values, default=0)
    max_col = max((max(cols) for cols in values.values()), default=0)
    fill: Grid = defaultdict(dict)
    for min_row, min_col, max_r, max_c in ws.merged:
        if max_r <= header_row:
            continue
        value = values.get(min_row, {}).get(min_col)
        if value is None:
            continue
        for r in range(max(min_row, header_row + 1), min(max_r, max_row) + 1):
            for c in range(min_col, min(max_c, max_col) + 1):
                if (r, c) != (min_row, min_col):
                    fill[r][c] = value
    return dict(fill)
