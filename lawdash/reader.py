"""Worksheet values for ingest, read from the clean copy that `lawdash.safety.check` returns.

`read_book(checked)` reads every worksheet with calamine (in Rust: a 10,000-row sheet in a few
tens of milliseconds, where openpyxl takes about a second) into a `SheetData`: its title, a sparse
grid of the cells that hold a value, its merged ranges and the formula cells without a cached value.
Values come out as openpyxl reads them, which is what ingest was written against and tested with:

- a whole number is an int, a date a datetime, a time of day a time, a duration a timedelta;
- the cells calamine reads otherwise than openpyxl (errors such as #DIV/0!, booleans, ISO dates,
  formula text, negative, large or unusual numbers) are listed by safety (`SheetScan.odd`) and read
  by openpyxl's own cell parser, with the workbook's date formats and epoch;
- the covered cells of a merged range hold nothing (openpyxl empties them);
- a text with spaces at either end is kept whole (safety marks it xml:space="preserve").

openpyxl reads the whole workbook, as before, when calamine cannot, or when calamine might read
it otherwise: texts that may hold `_xHHHH_` escapes (calamine decodes them, openpyxl does not), a
number format the two tell apart differently (date or not), an odd cell openpyxl's parser refuses.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import openpyxl
import python_calamine
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.workbook import WorkbookPackage
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

from lawdash import safety

log = logging.getLogger(__name__)

Grid = dict[int, dict[int, object]]  # row -> column -> value, only cells that hold one, both ascending
Range = tuple[int, int, int, int]  # merged range: min_row, min_col, max_row, max_col (1-based, inclusive)
_EXACT = 2**53  # a float whole and below this is the int Excel stored


@dataclass
class SheetData:
    """One worksheet's values: what every loop of ingest goes through."""

    title: str
    grid: Grid
    merged: list[Range] = field(default_factory=list)
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, col): a formula with no cached value

    @property
    def max_row(self) -> int:
        return max(self.grid, default=0)

    @property
    def max_col(self) -> int:
        return max((max(cols) for cols in self.grid.values()), default=0)

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        """(row number, values from column 1 to `max_col`) for rows 1 to `max_row`, as openpyxl's iter_rows."""
        width = self.max_col
        for r in range(1, self.max_row + 1):
            cols = self.grid.get(r, {})
            yield r, [cols.get(c) for c in range(1, width + 1)]


@dataclass
class Book:
    """The worksheets of a workbook, in workbook order (chart sheets left out, as openpyxl does)."""

    worksheets: list[SheetData]
    reader: str = "calamine"  # or "openpyxl", when calamine could not be trusted with this workbook

    @property
    def sheetnames(self) -> list[str]:
        return [s.title for s in self.worksheets]

    def __getitem__(self, title: str) -> SheetData:
        for s in self.worksheets:
            if s.title == title:
                return s
        raise KeyError(title)


class _Untrusted(Exception):
    """calamine's reading of this workbook may differ from openpyxl's: read it with openpyxl."""


def read_book(checked: safety.Checked) -> Book:
    """Every worksheet's values; openpyxl's exceptions propagate when it cannot read the copy either."""
    try:
        return _calamine_book(checked)
    except Exception as exc:  # calamine refused, or might read otherwise: openpyxl decides, as before
        log.debug("reading with openpyxl: %r", exc)
    except BaseException as exc:  # a panic in calamine's Rust code arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        log.warning("calamine panicked, reading with openpyxl: %r", exc)
    return Book([sheet_from_worksheet(ws, scan) for ws, scan in _pairs(load_openpyxl(checked), checked)], "openpyxl")


def load_openpyxl(checked: safety.Checked) -> openpyxl.Workbook:
    """The clean copy as openpyxl reads it, values only (formulas never evaluated)."""
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops or cannot place; they hold no values,
        # so this is not news for a clerk.
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(io.BytesIO(checked.data), data_only=True, keep_links=False)


def _pairs(wb: openpyxl.Workbook, checked: safety.Checked) -> Iterator[tuple[Worksheet, safety.SheetScan | None]]:
    if len(wb.worksheets) == len(checked.sheets):
        yield from zip(wb.worksheets, checked.sheets, strict=True)
        return
    scans = {s.name: s for s in checked.sheets}
    for ws in wb.worksheets:
        yield ws, scans.get(ws.title)


# ------------------------------------------------------------------ calamine


def _calamine_book(checked: safety.Checked) -> Book:
    if checked.doubt:
        raise _Untrusted(checked.doubt)
    with zipfile.ZipFile(io.BytesIO(checked.data)) as zf:
        styles = zf.read(ARC_STYLE) if ARC_STYLE in zf.namelist() else None
    formats = _Formats(styles, checked.data)
    dates = formats.stylesheet.date_formats
    for scan in checked.sheets:
        for kind, style, text in scan.odd.values():
            if kind == b"n" and style is not None and int(style) in dates and not _plausible_serial(text):
                raise _Untrusted("a date calamine cannot place")  # openpyxl reads #VALUE! or a date before 1900
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    if book.sheet_names[: len(checked.sheets)] != [s.name for s in checked.sheets] and not _same_sheets(
        book.sheet_names, checked
    ):
        raise _Untrusted("sheets listed otherwise")
    out = []
    for scan in checked.sheets:
        sheet = book.get_sheet_by_name(scan.name)
        grid = _grid(sheet.to_python(skip_empty_area=False))
        if scan.odd:
            grid = _read_odd(grid, scan, formats)
        merged = _merged(sheet.merged_cell_ranges or [])
        _empty_covered(grid, merged)
        out.append(SheetData(scan.name, grid, merged, frozenset(scan.formulas)))
    return Book(out)


def _plausible_serial(text: bytes) -> bool:
    try:
        return 0 <= float(text) < 1_000_000
    except ValueError:
        return False


def _same_sheets(names: list[str], checked: safety.Checked) -> bool:
    """calamine lists chart and macro sheets too: the worksheets must still be there, in order."""
    wanted = [s.name for s in checked.sheets]
    it = iter(names)
    return len(set(names)) == len(names) and all(any(n == w for n in it) for w in wanted)


def _grid(rows: list[list[object]]) -> Grid:
    """calamine's rows (from A1, "" where empty) as a sparse grid of openpyxl's values."""
    out: Grid = {}
    date, datetime, flt = dt.date, dt.datetime, float
    for r, row in enumerate(rows, start=1):
        # "" is empty to calamine (safety leaves no empty text or error cell for it to read)
        cols = {c: v for c, v in enumerate(row, start=1) if v != ""}
        if not cols:
            continue
        for c, v in cols.items():
            t = type(v)
            if t is flt:
                if v.is_integer() and -_EXACT < v < _EXACT:  # type: ignore[attr-defined]
                    cols[c] = int(v)  # type: ignore[call-overload]
            elif t is date:
                cols[c] = datetime(v.year, v.month, v.day)  # type: ignore[attr-defined]
        out[r] = cols
    return out


def _merged(ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[Range]:
    """calamine's merged ranges (0-based) as openpyxl keeps them: a range inside an earlier one is dropped."""
    out: list[Range] = []
    for (r1, c1), (r2, c2) in ranges:
        rng = (min(r1, r2) + 1, min(c1, c2) + 1, max(r1, r2) + 1, max(c1, c2) + 1)
        if not any(o[0] <= rng[0] and o[1] <= rng[1] and rng[2] <= o[2] and rng[3] <= o[3] for o in out):
            out.append(rng)
    return out


def _empty_covered(grid: Grid, merged: list[Range]) -> None:
    """openpyxl keeps only the top-left value of a merged range; the other cells read as empty."""
    for r1, c1, r2, c2 in merged:
        for r in range(r1, r2 + 1):
            cols = grid.get(r)
            if not cols:
                continue
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    cols.pop(c, None)
            if not cols:
                del grid[r]


class _Formats:
    """The workbook's date formats as openpyxl tells them, checked against calamine's telling, and its epoch."""

    def __init__(self, styles: bytes | None, data: bytes) -> None:
        self.data = data
        self.stylesheet = Stylesheet.from_tree(fromstring(styles)) if styles else Stylesheet()
        codes = tuple(sorted(set(self.stylesheet.custom_formats.values())))
        if _calamine_kinds(codes) != tuple(_openpyxl_kind(c) for c in codes):
            raise _Untrusted("number formats told apart differently")
        self._epoch: dt.datetime | None = None

    @property
    def epoch(self) -> dt.datetime:
        """1900 or 1904, as the workbook part says (read only when an odd cell needs it)."""
        if self._epoch is None:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                manifest = Manifest.from_tree(fromstring(zf.read(ARC_CONTENT_TYPES)))
                package = WorkbookPackage.from_tree(fromstring(zf.read(_find_workbook_part(manifest).PartName[1:])))
            self._epoch = CALENDAR_MAC_1904 if package.properties and package.properties.date1904 else WINDOWS_EPOCH
        return self._epoch


def _openpyxl_kind(code: str) -> str:
    if not is_date_format(code):
        return "number"
    return "timedelta" if is_timedelta_format(code) else "datetime"


_KINDS: dict[str, str] = {}  # number format -> how calamine reads a number under it, for formats seen
_MAX_KINDS = 4096  # formats remembered (a hostile styles.xml may bring 100,000)


def _calamine_kinds(codes: tuple[str, ...]) -> tuple[str, ...]:
    """How calamine reads a number under each format ("number", "datetime" or "timedelta")."""
    missing = tuple(c for c in codes if c not in _KINDS)
    found = dict(zip(missing, _ask_calamine(missing), strict=True)) if missing else {}
    if len(_KINDS) + len(found) <= _MAX_KINDS:
        _KINDS.update(found)
    return tuple(_KINDS.get(c) or found[c] for c in codes)


def _ask_calamine(codes: tuple[str, ...]) -> tuple[str, ...]:
    """calamine's own answer, from a workbook of one cell (1.5) under each format."""
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode={_attr(c)}/>' for i, c in enumerate(codes))
    xfs = "".join(f'<xf numFmtId="{164 + i}" applyNumberFormat="1"/>' for i in range(len(codes)))
    cells = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" s="{i + 1}"><v>1.5</v></c></row>' for i in range(len(codes)))
    ns = f'xmlns="{SHEET_MAIN_NS}"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet {ns}><numFmts count="{len(codes)}">{fmts}</numFmts>'
        f'<cellXfs count="{len(codes) + 1}"><xf numFmtId="0"/>{xfs}</cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{cells}</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_index(0).to_python()
    kinds = {dt.datetime: "datetime", dt.date: "datetime", dt.time: "datetime", dt.timedelta: "timedelta"}
    out = tuple(kinds.get(type(row[0]), "number") for row in rows)
    if len(out) != len(codes):
        raise _Untrusted("number formats could not be told")
    return out


def _attr(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return f'"{escaped}"'


_CELL = '<c xmlns="{ns}" r="A1"{s} t="{t}">{content}</c>'


def _read_odd(grid: Grid, scan: safety.SheetScan, formats: _Formats) -> Grid:
    """The cells calamine reads otherwise, read by openpyxl's own cell parser (its warnings silenced, as on load)."""
    sheet = formats.stylesheet
    parser = WorkSheetParser(
        None, [], data_only=True, epoch=formats.epoch, date_formats=sheet.date_formats,
        timedelta_formats=sheet.timedelta_formats,
    )  # fmt: skip
    styles = max(len(sheet.cell_styles), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for (r, c), (kind, style, text) in scan.odd.items():
            if style is not None and int(style) >= styles:
                raise _Untrusted("a cell format that styles.xml lacks")  # openpyxl refuses such a file
            s = f' s="{style.decode()}"' if style is not None else ""
            content = f"<is><t>{text.decode()}</t></is>" if kind == b"inlineStr" else f"<v>{text.decode()}</v>"
            value = parser.parse_cell(fromstring(_CELL.format(ns=SHEET_MAIN_NS, s=s, t=kind.decode(), content=content)))
            cols = grid.setdefault(r, {})
            if value["value"] is None:
                cols.pop(c, None)
            else:
                cols[c] = value["value"]
    return {r: dict(sorted(cols.items())) for r, cols in sorted(grid.items()) if cols}


# ------------------------------------------------------------------ openpyxl worksheets

_FROM_WORKSHEETS: weakref.WeakKeyDictionary[Worksheet, SheetData] = weakref.WeakKeyDictionary()


def sheet_from_worksheet(ws: Worksheet, scan: safety.SheetScan | None = None) -> SheetData:
    """An openpyxl worksheet's values, within the ledger's bounds (see `lawdash.ingest.grid`)."""
    if (found := _FROM_WORKSHEETS.get(ws)) is not None:
        return found
    out: dict[int, dict[int, object]] = {}
    for (r, c), cell in ws._cells.items():
        if cell.value is not None and r <= safety.MAX_ROWS and c <= safety.MAX_COLS:
            out.setdefault(r, {})[c] = cell.value
    grid = {r: dict(sorted(cols.items())) for r, cols in sorted(out.items())}
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    formulas = frozenset(scan.formulas) if scan is not None else frozenset()
    sheet = SheetData(ws.title, grid, merged, formulas)  # type: ignore[arg-type]
    _FROM_WORKSHEETS[ws] = sheet
    return sheet
