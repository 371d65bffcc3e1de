"""lawdash.reader: calamine reads the clean copy as openpyxl reads it, cell for cell; openpyxl steps in where it may not."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from lawdash import reader, safety
from lawdash.catalogue import default_catalogue
from lawdash.ingest import Context, FileInfo, open_checked, read_rows
from lawdash.problems import Code, Problems
from tests import hostile_cases as hc
from tests.conftest import SAMPLES, TOWN, build_workbook

NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMATS = [
    "General",
    "0",
    "0.00",
    "@",
    "yyyy-mm-dd",
    'yyyy"年"m"月"d"日"',
    'm"月"d"日"',
    "[$-F800]dddd, mmmm dd, yyyy",
    '[DBNum1][$-804]yyyy"年"m"月"d"日"',
    "yyyy/m/d;@",
    "h:mm",
    "h:mm:ss AM/PM",
    "[h]:mm:ss",
    "mm:ss",
    "yyyy-mm-dd h:mm",
    '#,##0"份"',
    "0_ ;[Red]\\-0\\ ",
    "#,##0.00_);[Red](#,##0.00)",
]


def both(data: bytes) -> tuple[reader.Book, list[reader.SheetData]]:
    """(what ingest reads, what openpyxl reads from the same clean copy)."""
    checked = safety.check("x.xlsx", data)
    book = reader.read_book(checked)
    direct = [
        reader.sheet_from_worksheet(ws, scan)
        for ws, scan in zip(reader.load_openpyxl(checked).worksheets, checked.sheets, strict=True)
    ]
    return book, direct


def typed(grid: reader.Grid) -> dict[tuple[int, int], tuple[str, str]]:
    """Values with their type, NaN equal to NaN: an int must stay an int, a datetime a datetime."""
    return {(r, c): (type(v).__name__, repr(v)) for r, cols in grid.items() for c, v in cols.items()}


def assert_same(data: bytes, reader_used: str | None = "calamine") -> reader.Book:
    book, direct = both(data)
    assert [s.title for s in book.worksheets] == [s.title for s in direct]
    for a, b in zip(book.worksheets, direct, strict=True):
        assert typed(a.grid) == typed(b.grid), a.title
        assert sorted(a.merged) == sorted(b.merged), a.title
        assert a.formulas == b.formulas
    if reader_used:
        assert book.reader == reader_used
    return book


def sheet_xml(rows: str, merges: str = "") -> bytes:
    """The one-sheet base workbook of the hostile cases with its sheetData replaced."""
    files = hc.parts(hc.base_workbook([]))
    xml = files[hc.SHEET].decode()
    start, end = xml.index("<sheetData>") + len("<sheetData>"), xml.index("</sheetData>") + len("</sheetData>")
    files[hc.SHEET] = (xml[:start] + rows + "</sheetData>" + merges + xml[end:]).encode()
    return hc.rezip(files)


# ------------------------------------------------------------------ what is new: values as openpyxl reads them


def test_a_whole_number_reads_as_an_int_and_a_date_as_a_datetime() -> None:
    data = build_workbook({"普法宣传": [["日期", "发放资料份数", "比例"], [dt.datetime(2024, 3, 5), 200, 0.25]]})
    book = assert_same(data)
    row = book.worksheets[0].grid[2]
    assert row == {1: dt.datetime(2024, 3, 5), 2: 200, 3: 0.25}
    assert type(row[2]) is int


def test_merged_ranges_and_their_covered_cells() -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>'
    rows += '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>'
    book = assert_same(
        sheet_xml(rows, '<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A2:A3"/></mergeCells>')
    )
    sheet = book.worksheets[0]
    assert sheet.merged == [(1, 1, 1, 2), (2, 1, 3, 1)]  # clipped by safety to the last column with a value
    assert sheet.grid == {1: {1: "标题"}, 2: {1: 1, 2: 2}}  # A3 is covered by A2:A3: openpyxl empties it


def test_a_formula_without_a_cached_value_is_still_named() -> None:
    rows = [*hc.PUB_ROWS, ["2024-03-08", "宪法宣传", None, None, "=SUM(E2:E4)"]]
    problems = Problems("x.xlsx")
    book = open_checked("x.xlsx", hc.base_workbook(rows), problems)
    assert book is not None and book.reader == "calamine"
    assert book.worksheets[0].formulas == {(5, 5)}
    cat = default_catalogue()
    sheet = cat.sheet_by_name("普法宣传")
    assert sheet is not None
    ctx = Context(cat, {TOWN: cat.towns[0].villages}, TOWN, 2024, 3)
    info = FileInfo("x.xlsx", "", 0, TOWN, 2024, 3)
    mapping = {1: sheet.column("date"), 2: sheet.column("title"), 5: sheet.column("materials")}
    records = read_rows(book.worksheets[0], sheet, 1, mapping, info, ctx, problems)
    assert [r.row for r in records] == [2, 3, 4]
    assert [(p.code, p.cell) for p in problems.errors] == [(Code.FORMULA, "E5")]


ODD = {
    # what calamine reads otherwise than openpyxl: read by openpyxl's own cell parser instead
    "errors": '<c r="A2" t="e"><v>#DIV/0!</v></c><c r="B2" t="e"><f>1/0</f><v>#N/A</v></c>',
    "booleans": '<c r="A2" t="b"><v>1</v></c><c r="B2" t="b"><v>0</v></c>',
    "iso date": '<c r="A2" t="d"><v>2024-03-05T09:30:00</v></c><c r="B2" t="d"><v>2024-03-05</v></c>',
    "formula text": '<c r="A2" t="str"><f>A1&amp;B1</f><v> x </v></c><c r="B2" t="str"><v>123</v></c>',
    "negative": '<c r="A2"><v>-5</v></c><c r="B2"><v>-0.5</v></c><c r="C2" s="1"><v>0.5</v></c>',
    "large": '<c r="A2"><v>13812345678</v></c><c r="B2"><v>12345678901234567890</v></c><c r="C2" s="1"><v>1E3</v></c>',
    "exponent": '<c r="A2"><v>1.5E3</v></c><c r="B2"><v>1E-3</v></c><c r="C2"><v>200.0</v></c>',
    "long fraction": '<c r="A2"><v>0.33333333333333331</v></c><c r="B2" s="1"><v>45356.395833333336</v></c>',
    "empty text": '<c r="A2" t="inlineStr"><is><t></t></is></c><c r="C2" t="inlineStr"><is><t>  </t></is></c>',
    "spaces kept": '<c r="A2" t="inlineStr"><is><t> 东村 </t></is></c><c r="B2" t="inlineStr"><is><t>\t甲\n</t></is></c>',
}


@pytest.mark.parametrize("cells", ODD.values(), ids=ODD.keys())
def test_odd_cells_read_as_openpyxl_reads_them(cells: str) -> None:
    # style 1 of the base workbook is its bold header; a date style is added to test dates
    data = sheet_xml(f'<row r="2">{cells}</row>')
    files = hc.parts(data)
    styles = files["xl/styles.xml"].decode()
    files["xl/styles.xml"] = styles.replace('<xf numFmtId="0" fontId="1"', '<xf numFmtId="14" fontId="1"', 1).encode()
    assert_same(hc.rezip(files))


def test_a_negative_date_and_a_date_beyond_9999_are_read_by_openpyxl() -> None:
    """openpyxl reads a date before 1900 and #VALUE! beyond 9999; calamine cannot place them (or panics)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, v in enumerate([-1, -0.5, 0, 0.5, 1, 59, 60, 61, 45356, 2958465, 2958466], start=1):
        for c, fmt in enumerate(["yyyy-mm-dd", "h:mm", "[h]:mm:ss"], start=1):
            ws.cell(r, c, v).number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    assert assert_same(buf.getvalue(), None).reader == "openpyxl"


@pytest.mark.parametrize("epoch", ["1900", "1904"])
def test_dates_in_either_epoch(epoch: str) -> None:
    wb = openpyxl.Workbook()
    if epoch == "1904":
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append([dt.datetime(2024, 3, 5), dt.date(2024, 3, 6), dt.time(9, 30), dt.timedelta(hours=30), 45356])
    ws.append([dt.datetime(2024, 3, 5, 17, 45), -3])
    ws["C2"].number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    assert_same(buf.getvalue())


def test_an_escape_in_a_text_is_read_by_openpyxl() -> None:
    """`_x000D_` is a carriage return to calamine and six characters to openpyxl: openpyxl reads that workbook."""
    book = assert_same(sheet_xml('<row r="2"><c r="A2" t="inlineStr"><is><t>甲_x000D_乙</t></is></c></row>'), None)
    assert book.reader == "openpyxl"
    assert book.worksheets[0].grid[2] == {1: "甲_x000D_乙"}


def test_a_cell_format_styles_lacks_is_refused_as_before() -> None:
    data = sheet_xml('<row r="2"><c r="A2" s="99" t="b"><v>1</v></c></row>')
    with pytest.raises(IndexError):
        reader.read_book(safety.check("x.xlsx", data))
    assert open_checked("x.xlsx", data, problems := Problems("x.xlsx")) is None
    assert [p.code for p in problems.errors] == [Code.NOT_A_WORKBOOK]


def test_every_sample_and_demo_workbook_is_read_by_calamine_as_openpyxl_reads_it() -> None:
    from lawdash.demo import demo_workbooks

    for path in SAMPLES:
        assert_same(path.read_bytes())
    for _, _, files in demo_workbooks():
        for _, data in files:
            assert_same(data)


def test_number_formats_calamine_tells_apart_otherwise_send_the_workbook_to_openpyxl() -> None:
    assert reader._calamine_kinds(("yyyy-mm-dd", "0.00", "[h]:mm:ss")) == ("datetime", "number", "timedelta")
    disputed = "a/p"  # a date to calamine (am/pm), a number to openpyxl
    assert reader._calamine_kinds((disputed,)) != (reader._openpyxl_kind(disputed),)
    wb = openpyxl.Workbook()
    wb.active["A1"] = 45356
    wb.active["A1"].number_format = disputed
    buf = io.BytesIO()
    wb.save(buf)
    assert assert_same(buf.getvalue(), None).reader == "openpyxl"


# ------------------------------------------------------------------ generated workbooks


values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from([" 东村", "东村 ", "  ", "", "_x000D_", "a\nb", "&<>\"'", "５０００余"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16),
    st.sampled_from([0, 1, 59, 60, 61, 45356, 999999, 1000000, 2958465, 2958466, 0.5, 45356.5, -1]),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n in range(draw(st.integers(1, 2))):
        ws = wb.create_sheet(f"表{n}")
        for r in range(1, draw(st.integers(1, 6)) + 1):
            for c in range(1, draw(st.integers(1, 5)) + 1):
                v = draw(values)
                if v is None:
                    continue
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", NOT_XML.sub("", v))
                cell = ws.cell(r, c, v)
                if draw(st.booleans()):
                    cell.number_format = draw(st.sampled_from(FORMATS))
        if draw(st.booleans()):
            ws.merge_cells("A1:B2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(workbooks())
def test_generated_workbooks_read_as_openpyxl_reads_them(data: bytes) -> None:
    try:
        checked = safety.check("x.xlsx", data)
        expected = reader.load_openpyxl(checked)
    except Exception as exc:  # openpyxl cannot read it: neither may ingest
        with pytest.raises(type(exc)):
            reader.read_book(safety.check("x.xlsx", data))
        return
    book, direct = both(data)
    assert len(direct) == len(expected.worksheets)
    for a, b in zip(book.worksheets, direct, strict=True):
        assert typed(a.grid) == typed(b.grid)
        assert sorted(a.merged) == sorted(b.merged)
