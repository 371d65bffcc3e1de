"""Fuzzing: the cell parsers and whole generated workbooks never raise, and every problem says where it is."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.utils import get_column_letter

from lawdash.catalogue import default_catalogue
from lawdash.cells import Parsed, match_choice, match_village, normalize_header, parse_count, parse_date
from lawdash.ingest import grid, open_workbook, read_workbooks
from lawdash.problems import Code

CAT = default_catalogue()
TOWNS = {t.name: t.villages for t in CAT.towns}
VILLAGES = CAT.towns[0].villages
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# what a cell can hold once openpyxl has read it, and what a clerk types
cell_values = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789年月日-/.至~ 约余多人份次个１２３", max_size=14),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.sampled_from(["5000余", "约200", "1,200", "１２０", "30人", "3月5日", "2024年2月30日", "—", "/", "无", "合计"]),
)


def chinese_error(p: Parsed) -> bool:
    return p.is_error and p.value is None and p.code is not None and bool(CHINESE.search(p.message or ""))


@FUZZ
@given(cell_values, st.one_of(st.none(), st.integers(1900, 2100)))
def test_parse_date_never_raises(value: object, year: int | None) -> None:
    p = parse_date(value, year)
    assert isinstance(p, Parsed)
    assert chinese_error(p) or (isinstance(p.value, dt.date) and (p.code is None or CHINESE.search(p.message or "")))


@FUZZ
@given(cell_values)
def test_parse_count_never_raises(value: object) -> None:
    p = parse_count(value)
    assert isinstance(p, Parsed)
    assert chinese_error(p) or (type(p.value) is int and 0 <= p.value <= 10**9)


@FUZZ
@given(cell_values, st.lists(st.sampled_from(VILLAGES), max_size=5).map(tuple))
def test_match_village_never_raises(value: object, villages: tuple[str, ...]) -> None:
    p = match_village(value, villages or VILLAGES)
    assert isinstance(p, Parsed) and not p.is_error
    assert p.value is None or p.value in (villages or VILLAGES)


@FUZZ
@given(cell_values)
def test_match_choice_never_raises(value: object) -> None:
    column = CAT.sheet("disputes").column("result")
    p = match_choice(value, column.choices, column.aliases)
    assert isinstance(p, Parsed)
    assert chinese_error(p) or p.value in column.choices


@FUZZ
@given(cell_values)
def test_normalize_header_never_raises(value: object) -> None:
    key = normalize_header(value)
    assert isinstance(key, str) and not re.search(r"\s", key)


# ------------------------------------------------------------------ whole workbooks

FILE_LEVEL = {Code.NOT_A_WORKBOOK, Code.NO_KNOWN_SHEET, Code.UNKNOWN_TOWN}
CELL_LEVEL = {
    Code.MISSING_VALUE,
    Code.BAD_DATE,
    Code.NO_SUCH_DATE,
    Code.NO_YEAR,
    Code.BAD_NUMBER,
    Code.NEGATIVE,
    Code.NOT_WHOLE,
    Code.UNKNOWN_CHOICE,
    Code.UNKNOWN_VILLAGE,
    Code.UNKNOWN_INDICATOR,
    Code.FORMULA,
    Code.OUT_OF_RANGE,
}

workbook_values = st.one_of(
    st.none(),
    st.sampled_from(
        ["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "3月5日", "3月5日至7日", "2024-04-31", "昨天"]
    ),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.integers(-5, 50000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["5000余", "约200", "1,200", "１２０", "30人", "很多", "—", "合计", "小计："]),
    st.sampled_from(["=SUM(E2:E4)", "=1/0", "=TODAY()", "=A1&B1"]),  # written without a cached value
    st.sampled_from([*VILLAGES, "李庄", "镇政府", "月亮村", "前营、后营村"]),
    st.sampled_from(["专题会议", "中心组学法", "调解成功", "调解中", "在调", "邻里", "乡村", "学校", "执法能力培训"]),
    st.text(max_size=40),
    st.text(min_size=2000, max_size=5000),
    st.text(alphabet="\t\n\r\x0b\x0c\x1b\u200b\u3000\ufeff😀🇨🇳", max_size=12),
)


DATES = st.one_of(
    st.sampled_from(["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "3月5日", "3月5日至7日", "20240305"]),
    st.datetimes(min_value=dt.datetime(2024, 3, 1), max_value=dt.datetime(2024, 3, 31)),
    st.integers(45352, 45382),  # Excel serials in March 2024
)
COUNTS = st.one_of(st.integers(0, 5000), st.sampled_from(["5000余", "约200", "1,200", "１２０", "30人", "300（份）"]))


def typical(column: object) -> st.SearchStrategy[object]:
    """What a clerk usually writes in a column of this kind."""
    kind = column.kind  # type: ignore[attr-defined]
    if kind == "date":
        return DATES
    if kind == "count":
        return COUNTS
    if kind == "choice":
        return st.sampled_from([*column.choices, *column.aliases])  # type: ignore[attr-defined]
    if kind in ("village", "place"):
        return st.sampled_from([*VILLAGES, "李庄", "镇政府"])
    if kind == "indicator":
        return st.sampled_from([i.name for i in CAT.indicators])
    return st.text(min_size=1, max_size=12)


@st.composite
def sheet_rows(draw: st.DrawFn, sheet: object) -> list[list[object]]:
    """A header naming some of the sheet's columns (by name, variant, decorated or junk) and rows under it."""
    columns = list(sheet.columns)  # type: ignore[attr-defined]
    required = [c for c in columns if c.required]
    picked = required if draw(st.integers(0, 9)) < 7 else []
    picked += draw(st.lists(st.sampled_from(columns), max_size=4))
    picked = list({c.key: c for c in (draw(st.permutations(picked)) if picked else [])}.values())
    header: list[object] = []
    for col in picked:
        style = draw(st.sampled_from(["name", "name", "variant", "decorated", "junk"]))
        if style == "variant" and col.variants:
            header.append(draw(st.sampled_from(col.variants)))
        elif style == "decorated":
            header.append(f" {col.name}*\n（单位） ")
        elif style == "junk":
            header.append(draw(st.one_of(st.text(max_size=10), st.integers(), st.none())))
        else:
            header.append(col.name)
        if draw(st.integers(0, 9)) == 0:
            header.append(draw(st.sampled_from(["序号", "负责人", "备注2"])))
    rows: list[list[object]] = [header]
    for _ in range(draw(st.integers(0, 8))):
        row = []
        for col in picked:
            row.append(draw(typical(col)) if draw(st.integers(0, 9)) < 7 else draw(workbook_values))
        rows.append(row + draw(st.lists(workbook_values, max_size=2)))
    return rows


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for _ in range(draw(st.integers(1, 3))):
        sheet = draw(st.sampled_from(CAT.sheets))
        title = draw(st.sampled_from([sheet.name, sheet.name, *sheet.aliases, "Sheet1", "说明", "统计"]))
        if title in used:
            continue
        used.add(title)
        ws = wb.create_sheet(title)
        titles = [["商酒务镇2024年3月工作台账"], ["填报单位：司法所"]][: draw(st.integers(0, 2))]
        rows = titles + draw(sheet_rows(sheet))
        width = max(len(r) for r in rows)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):  # what XML cannot hold, no workbook holds either
                    value = NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
                if value is not None:
                    ws.cell(r, c, value)
        for _ in range(draw(st.integers(0, 3))):
            r1, c1 = draw(st.integers(1, len(rows) + 2)), draw(st.integers(1, width + 1))
            r2, c2 = r1 + draw(st.integers(0, 4)), c1 + draw(st.integers(0, 2))
            rng = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            if (r1, c1) != (r2, c2) and not any(rng_overlaps(rng, str(m)) for m in ws.merged_cells.ranges):
                ws.merge_cells(rng)
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rng_overlaps(a: str, b: str) -> bool:
    from openpyxl.utils.cell import range_boundaries

    a1, a2, a3, a4 = range_boundaries(a)
    b1, b2, b3, b4 = range_boundaries(b)
    return not (a3 < b1 or b3 < a1 or a4 < b2 or b4 < a2)  # type: ignore[operator]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(workbooks(), st.sampled_from([None, 2024]), st.sampled_from(["商酒务镇2024年3月台账.xlsx", "台账.xlsx"]))
def test_generated_workbooks_never_raise_and_every_problem_says_where(data: bytes, year: int | None, name: str) -> None:
    result = read_workbooks([(name, data)], CAT, TOWNS, year=year)
    for p in result.problems:
        assert p.file == name
        assert p.code != Code.INTERNAL, p.text()
        assert CHINESE.search(p.message), p.message
        if p.is_error and p.code not in FILE_LEVEL:
            assert p.sheet is not None, p.text()
        if p.code in CELL_LEVEL:
            assert p.cell is not None, p.text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(workbooks())
def test_the_clean_copy_reads_as_openpyxl_reads_the_original(data: bytes) -> None:
    """What safety hands openpyxl holds every value, where openpyxl puts it reading the file itself."""
    clean = open_workbook(data)
    assert clean is not None
    direct = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    formulas = openpyxl.load_workbook(io.BytesIO(data))  # formula cells hold content too, cached or not
    assert [ws.title for ws in clean.worksheets] == [ws.title for ws in direct.worksheets]
    for a, b, f in zip(clean.worksheets, direct.worksheets, formulas.worksheets, strict=True):
        values = {k: c.value for k, c in b._cells.items() if c.value is not None and not isinstance(c, MergedCell)}
        assert grid_values(a) == values
        content = [k for k, c in f._cells.items() if c.value is not None and not isinstance(c, MergedCell)]
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(clipped(b, content))


def grid_values(ws: object) -> dict[tuple[int, int], object]:
    return {(r, c): v for r, cols in grid(ws).items() for c, v in cols.items()}  # type: ignore[arg-type]


def clipped(ws: object, content: list[tuple[int, int]]) -> list[str]:
    """The merged ranges cut to the cells holding values or formulas, as safety cuts them."""
    max_row = max((r for r, _ in content), default=0)
    max_col = max((c for _, c in content), default=0)
    out = []
    for rng in ws.merged_cells.ranges:  # type: ignore[attr-defined]
        r2, c2 = min(rng.max_row, max_row), min(rng.max_col, max_col)
        if r2 >= rng.min_row and c2 >= rng.min_col and (r2, c2) != (rng.min_row, rng.min_col):
            out.append(f"{get_column_letter(rng.min_col)}{rng.min_row}:{get_column_letter(c2)}{r2}")
    return out
