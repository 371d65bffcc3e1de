"""Hostile, malformed and huge files: each refused with a Chinese error naming the file (and cell), nothing stored,
memory and time bounded; the few that are only odd are read normally. Builders are in tests/hostile_cases.py;
scripts/hostile_report.py runs the same table into docs/hostile-inputs.md."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine

from lawdash import safety, store
from lawdash.catalogue import default_catalogue
from lawdash.ingest import find_header, grid, open_workbook, read_rows
from lawdash.problems import Code
from lawdash.progress import load_records
from tests import hostile_cases as hc
from tests.conftest import SAMPLES, TOWN

MB = 1024 * 1024
MEMORY_BOUND = 100 * MB  # Python allocations while importing one file (tracemalloc's peak)


def state(engine: Engine) -> tuple[int, int]:
    return store.record_count(engine), len(store.list_batches(engine))


def publicity(engine: Engine) -> list[dict[str, object]]:
    df = load_records(engine, TOWN, dt.date(2024, 1, 1), dt.date(2024, 12, 31), ["publicity"])
    return df.to_dict("records")


@pytest.mark.parametrize("case", hc.CASES, ids=[c.id for c in hc.CASES])
def test_hostile_file(engine: Engine, case: hc.Case) -> None:
    name, data = case.build()
    before = state(engine)
    result, peak, seconds = hc.run(engine, name, data)
    texts = [p.text() for p in result.problems]
    assert result.status == case.status, texts
    assert peak < MEMORY_BOUND, f"{peak / MB:.0f} MB"
    assert seconds < case.seconds
    assert all(p.file == name for p in result.problems)
    if case.status == "rejected":
        first = result.errors[0]
        assert first.code == case.code, texts
        assert case.fragment in first.message, texts
        assert (first.sheet, first.cell) == (case.sheet, case.cell)
        assert name in first.message or first.sheet is not None  # the file, or the sheet of the file, is named
        assert not any(p.code == Code.INTERNAL for p in result.problems)
        assert state(engine) == before
        if case.code != Code.FORMULA:  # refused before openpyxl: the ledger and targets imports refuse it too
            assert open_workbook(data) is None
    else:
        assert result.errors == [], texts
        assert sum(result.rows.values()) == case.rows
        assert store.record_count(engine) == before[0] + case.rows
        if case.code is None:
            assert result.warnings == [], texts
        else:
            assert [p.code for p in result.warnings] == [case.code]
            assert case.fragment in result.warnings[0].message


# ------------------------------------------------------------------ what is read from the odd-but-fine ones


def test_formula_with_a_cached_value_is_read_as_that_value(engine: Engine) -> None:
    name, data = hc.formula_with_value()
    assert hc.run(engine, name, data)[0].status == "stored"
    assert [r["materials"] for r in publicity(engine)] == [300, 200, 100, 300]


def test_formula_without_a_value_outside_the_mapped_columns_is_ignored(engine: Engine) -> None:
    rows = [[*row, "=A1&B1"] for row in hc.PUB_ROWS]  # column G has no header: not a column lawdash reads
    result, _, _ = hc.run(engine, hc.NAME, hc.base_workbook(rows))
    assert result.status == "stored" and result.problems == []


def test_formula_without_a_value_makes_a_blank_looking_row_an_error(engine: Engine) -> None:
    rows = [*hc.PUB_ROWS, ["=TODAY()", "=B2", None, None, "=SUM(E2:E4)"]]
    result, _, _ = hc.run(engine, hc.NAME, hc.base_workbook(rows))
    assert result.status == "rejected"
    assert [(p.code, p.cell) for p in result.errors] == [
        (Code.FORMULA, "A5"),
        (Code.FORMULA, "B5"),
        (Code.FORMULA, "E5"),
    ]


def test_merged_range_down_to_the_last_row_is_clipped_to_the_data(engine: Engine) -> None:
    name, data = hc.merged_down()
    hc.run(engine, name, data)
    assert [(r["date"].date(), r["title"]) for r in publicity(engine)] == [
        (dt.date(2024, 3, 5), "宪法宣传"),
        (dt.date(2024, 3, 5), "民法典宣传"),
    ]
    wb = open_workbook(data)
    assert wb is not None
    assert [str(r) for r in wb.active.merged_cells.ranges] == ["A2:A3"]


def test_values_of_a_macro_workbook_are_stored(engine: Engine) -> None:
    name, data = hc.xlsm_with_macros()
    hc.run(engine, name, data)
    assert [r["materials"] for r in publicity(engine)] == [300, 200, 100]


def test_entity_expansion_refused_by_the_xml_parser_too(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the byte scan for DTDs switched off, defusedxml (inside openpyxl) refuses the entities."""
    monkeypatch.setattr(safety, "_DTD_MARKERS", ())
    name, data = hc.billion_laughs()
    before = state(engine)
    result, peak, _ = hc.run(engine, name, data)
    assert result.status == "rejected" and peak < MEMORY_BOUND
    assert [(p.code, p.file) for p in result.errors] == [(Code.UNSAFE_XML, name)]
    assert result.errors[0].message.startswith(f"文件“{name}”含有 XML 实体")
    assert state(engine) == before


def test_running_total_stops_a_lying_entry_on_its_own(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the per-entry check against the declared size, the running total of inflated bytes stops at 300 MB."""
    monkeypatch.setattr(safety._Package, "_declared", lambda self, info, size: None)
    name, data = hc.lying_size()
    result, peak, _ = hc.run(engine, name, data)
    assert [p.code for p in result.errors] == [Code.ZIP_BOMB] and peak < MEMORY_BOUND
    assert "解压后过大（超过 300 MB）" in result.errors[0].message


# ------------------------------------------------------------------ the loops of ingest, whatever the worksheet


def test_ingest_loops_are_bounded_by_the_values_not_the_used_range() -> None:
    """A worksheet made in memory (not through safety) with a cell at XFD1048576 and a merge to the last row."""
    cat = default_catalogue()
    sheet = cat.sheet_by_name("普法宣传")
    assert sheet is not None
    ws = openpyxl.Workbook().active
    for c, v in enumerate(hc.PUB_HEADER, start=1):
        ws.cell(1, c, v)
    for r, row in enumerate(hc.PUB_ROWS, start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    ws.cell(1048576, 16384).fill = openpyxl.styles.PatternFill("solid", fgColor="FF0000")  # style only
    ws.cell(1048576, 16384).value = None
    ws.merged_cells.add("F2:F1048576")  # recorded as a range only: no cells made
    header = find_header(ws, sheet)
    assert header is not None and header[0] == 1
    from lawdash.ingest import Context, FileInfo, Problems

    ctx = Context(cat, {TOWN: cat.towns[0].villages}, TOWN, 2024, 3)
    records = read_rows(ws, sheet, header[0], header[1], FileInfo("x", "", 0, TOWN, 2024, 3), ctx, Problems("x"))
    assert [r.fields["audience"] for r in records] == [80, 80, 80]  # F2 merged down over the data, no further
    assert max(grid(ws)) == 4


# ------------------------------------------------------------------ the clean copy keeps every value


def _values(wb: openpyxl.Workbook) -> dict[str, dict[tuple[int, int], object]]:
    return {
        ws.title: {k: c.value for k, c in ws._cells.items() if c.value is not None and type(c).__name__ == "Cell"}
        for ws in wb.worksheets
    }


def _direct(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_clean_copy_reads_the_same_values_as_openpyxl(path: object) -> None:
    data = path.read_bytes()  # type: ignore[attr-defined]
    wb = open_workbook(data)
    assert wb is not None
    assert _values(wb) == _values(_direct(data))
    assert [ws.title for ws in wb.worksheets] == [ws.title for ws in _direct(data).worksheets]


def test_clean_copy_of_every_demo_workbook_reads_the_same_values() -> None:
    from lawdash.demo import demo_workbooks

    for _, _, files in demo_workbooks():
        for _, data in files:
            wb = open_workbook(data)
            assert wb is not None
            assert _values(wb) == _values(_direct(data))


ODD_SHEETS = {
    # rows and cells without addresses, as some programs write them: openpyxl counts them
    "no addresses": "<row><c t='inlineStr'><is><t>日期</t></is></c><c/><c><v>3</v></c></row><row/><row><c><v>5</v></c></row>",
    # an empty row with an address before rows without: nothing may be dropped then
    "mixed addresses": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" s="0"/></row>'
    '<row><c><v>3</v></c><c r="D3"><v>4</v></c><c><v>5</v></c></row>',
    # style-only cells and empty rows around values, an address in lower case
    # what Excel writes besides plain values: rich text, phonetic guides, escapes, booleans, errors,
    # ISO dates, cached formula results, preserved spaces
    "rich and odd": '<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/><sz val="11"/></rPr><t>加粗</t></r>'
    '<r><t xml:space="preserve"> 普通 </t></r><rPh sb="0" eb="1"><t>ジ</t></rPh></is></c>'
    '<c r="B1" t="inlineStr"><is><t>A&amp;B &#20065;&lt;</t></is></c><c r="C1" t="b"><v>1</v></c>'
    '<c r="D1" t="e"><v>#N/A</v></c><c r="E1" t="d"><v>2024-03-05T00:00:00</v></c>'
    '<c r="F1" t="str"><f>A1&amp;B1</f><v>x</v></c><c r="G1"><f>1+1</f><v>2</v></c><c r="H1" s="1"><v>45356</v></c>'
    '<c r="I1"><v>1.5E3</v></c><c r="J1" t="inlineStr"><is><t/></is></c></row>',
    "style only": '<row r="1"><c r="a1" s="0"/><c r="B1"><v>2</v></c></row><row r="7" ht="30" customHeight="1"/>'
    '<row r="9"><c r="C9" s="0"></c><c r="D9" t="inlineStr"><is><t>x</t></is></c></row>',
}


@pytest.mark.parametrize("rows", ODD_SHEETS.values(), ids=ODD_SHEETS.keys())
def test_clean_copy_keeps_cells_where_openpyxl_puts_them(rows: str) -> None:
    files = hc.parts(hc.base_workbook([]))
    xml = files[hc.SHEET].decode()
    start, end = xml.index("<sheetData>") + len("<sheetData>"), xml.index("</sheetData>")
    files[hc.SHEET] = (xml[:start] + rows + xml[end:]).encode()
    data = hc.rezip(files)
    wb = open_workbook(data)
    assert wb is not None
    assert _values(wb) == _values(_direct(data))


def test_a_prefixed_namespace_is_read() -> None:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<x:worksheet xmlns:x="{ns}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>日期</x:t>'
        '</x:is></x:c><x:c r="B1" s="0"/></x:row><x:row r="2"><x:c r="B2"><x:v>7</x:v></x:c></x:row></x:sheetData>'
        '<x:mergeCells count="1"><x:mergeCell ref="A1:A1048576"/></x:mergeCells></x:worksheet>'
    )
    files = hc.parts(hc.base_workbook([]))
    files[hc.SHEET] = xml.encode()
    wb = open_workbook(hc.rezip(files))
    assert wb is not None
    assert wb.active["A1"].value == "日期" and wb.active["B2"].value == 7
    assert [str(r) for r in wb.active.merged_cells.ranges] == ["A1:A2"]
