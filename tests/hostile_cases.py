"""Hostile files, built in code (small on disk), and what lawdash must do with each.

Shared by tests/test_hostile.py and scripts/hostile_report.py (which writes docs/hostile-inputs.md).
Each builder returns (file name, bytes). A zip is written by hand where a hostile file needs
what zipfile will not write: a size that lies, entries that overlap, bzip2.
"""

from __future__ import annotations

import bz2
import functools
import io
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Font, PatternFill
from sqlalchemy import Engine

from lawdash.importer import ImportResult, import_workbooks
from lawdash.problems import Code

TOWN = "商酒务镇"
NAME = "商酒务镇2024年3月台账.xlsx"
PUB_HEADER = ["日期", "活动名称", "阵地", "村或地点", "发放资料份数", "受众人数"]
PUB_ROWS = [
    ["2024-03-05", "宪法宣传", "乡村", "东村", 300, 80],
    ["2024-03-06", "民法典宣传", "乡村", "西村", 200, 50],
    ["2024-03-07", "送法进村", "乡村", "李庄村", 100, 30],
]
SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


# ------------------------------------------------------------------ building blocks


def base_workbook(rows: list[list[object]] | None = None) -> bytes:
    """A good one-sheet month (普法宣传): header in row 1 (bold, filled: a second cell style), data below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "普法宣传"
    ws.append(PUB_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in PUB_ROWS if rows is None else rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(files: dict[str, bytes], stored: tuple[str, ...] = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def edit_sheet(data: bytes, edit: Callable[[str], str]) -> bytes:
    files = parts(data)
    files[SHEET] = edit(files[SHEET].decode()).encode()
    return rezip(files)


def deflate(pieces: list[bytes] | tuple[bytes, ...], repeat: int = 1) -> bytes:
    """Raw deflate of the pieces, the last one repeated: many megabytes in, a few kilobytes out."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    out = [c.compress(p) for p in pieces[:-1]]
    out += [c.compress(pieces[-1]) for _ in range(repeat)]
    return b"".join([*out, c.flush()])


@dataclass
class Raw:
    """One entry as it will be written: its compressed bytes and whatever it claims about them."""

    name: str
    compressed: bytes
    size: int  # declared uncompressed size
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def raw(name: str, data: bytes) -> Raw:
    return Raw(name, deflate([data]), len(data), zlib.crc32(data))


def raw_zip(entries: list[Raw], aliases: dict[str, str] | None = None) -> bytes:
    """A zip written by hand; `aliases` adds directory entries that point at another entry's data."""
    out, central, offsets = bytearray(), bytearray(), {}
    for e in entries:
        name = e.name.encode()
        offsets[e.name] = len(out)
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, e.method, 0, 0x21, e.crc, len(e.compressed), e.size, len(name), 0
        )
        out += name + e.compressed
    listed = [(e.name, e) for e in entries]
    by_name = {e.name: e for e in entries}
    listed += [(alias, by_name[target]) for alias, target in (aliases or {}).items()]
    for shown, e in listed:
        name = shown.encode()
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0x800,
            e.method,
            0,
            0x21,
            e.crc,
            len(e.compressed),
            e.size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offsets[e.name],
        )
        central += name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(listed), len(listed), len(central), len(out), 0)
    return bytes(out + central + end)


def raw_workbook(data: bytes, replace: dict[str, Raw] | None = None, extra: list[Raw] | None = None) -> bytes:
    """A workbook's parts re-written by hand, some replaced, some added."""
    entries = [(replace or {}).get(n) or raw(n, d) for n, d in parts(data).items()]
    return raw_zip(entries + (extra or []))


def sheet_xml_rows(xml: str, rows: str) -> str:
    """Rows appended at the end of sheetData."""
    return xml.replace("</sheetData>", rows + "</sheetData>")


# ------------------------------------------------------------------ the hostile files


def oversize() -> tuple[str, bytes]:
    files = parts(base_workbook())
    files["xl/media/image1.png"] = bytes(21 * MB)  # pictures do not compress: stored as they are
    return NAME, rezip(files, stored=("xl/media/image1.png",))


def renamed_exe() -> tuple[str, bytes]:
    return (
        NAME,
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode.",
    )


def renamed_zip() -> tuple[str, bytes]:
    return NAME, rezip({"说明.txt": "三月份台账见附件".encode(), "台账.csv": b"a,b\n1,2\n"})


def legacy_xls() -> tuple[str, bytes]:
    return "商酒务镇2024年3月台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Workbook".ljust(
        512, b"\x00"
    )


def encrypted_xlsx() -> tuple[str, bytes]:
    stream = "EncryptedPackage".encode("utf-16-le")
    return NAME, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.ljust(512, b"\x00")


def csv_file() -> tuple[str, bytes]:
    text = ",".join(PUB_HEADER) + "\n" + "\n".join(",".join(map(str, r)) for r in PUB_ROWS) + "\n"
    return "商酒务镇2024年3月台账.csv", text.encode("gb18030")


def html_as_xls() -> tuple[str, bytes]:
    html = "<html><body><table><tr><td>日期</td><td>活动名称</td></tr></table></body></html>"
    return "系统导出.xls", html.encode()


def xlsx_named_xls() -> tuple[str, bytes]:
    return "商酒务镇2024年3月台账.xls", base_workbook()


def xlsm_with_macros() -> tuple[str, bytes]:
    files = parts(base_workbook())
    files["[Content_Types].xml"] = (
        files["[Content_Types].xml"]
        .decode()
        .replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        .encode()
    )
    files["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "Module1"' * 40
    return "商酒务镇2024年3月台账.xlsm", rezip(files)


def many_entries() -> tuple[str, bytes]:
    files = parts(base_workbook())
    files.update({f"customXml/item{i}.xml": b"<a/>" for i in range(5000)})
    return NAME, rezip(files)


def declared_huge() -> tuple[str, bytes]:
    """An entry that says it inflates to 4 GB (whatever it really holds)."""
    data = base_workbook()
    filler = raw("xl/media/image1.png", b"\x89PNG" + bytes(1000))
    filler.size = 0xFFFFFFF0
    return NAME, raw_workbook(data, extra=[filler])


@functools.cache
def _spaces(megabytes: int) -> bytes:
    return deflate([b" " * MB], repeat=megabytes)


def lying_size() -> tuple[str, bytes]:
    """The worksheet says it is its 1 KB of XML; its deflate stream goes on with 400 MB of blanks.

    zipfile stops at the declared size and the CRC of that much is right, so openpyxl alone
    would read the sheet and never notice; inflating for real finds 400 MB.
    """
    data = base_workbook()
    xml = parts(data)[SHEET]
    head = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = head.compress(xml) + head.flush(zlib.Z_FULL_FLUSH) + _spaces(400)
    lying = Raw(SHEET, stream, len(xml), zlib.crc32(xml))
    return NAME, raw_workbook(data, replace={SHEET: lying})


def high_ratio() -> tuple[str, bytes]:
    """An honest entry: 100 MB of zeros in 100 KB, declared as such."""
    blob = deflate([bytes(MB)], repeat=100)
    zeros = Raw("xl/media/image1.png", blob, 100 * MB, zlib.crc32(bytes(100 * MB)))
    return NAME, raw_workbook(base_workbook(), extra=[zeros])


def overlapping_entries() -> tuple[str, bytes]:
    """Thirty directory entries sharing one entry's data: the non-recursive zip bomb's trick."""
    data = base_workbook()
    entries = [raw(n, d) for n, d in parts(data).items()]
    return NAME, raw_zip(entries, aliases={f"xl/media/copy{i}.xml": SHEET for i in range(30)})


def bzip2_part() -> tuple[str, bytes]:
    """A worksheet compressed with bzip2 (zipfile would inflate one read of it without any bound)."""
    data = base_workbook()
    xml = parts(data)[SHEET]
    entry = Raw(SHEET, bz2.compress(xml), len(xml), zlib.crc32(xml), method=zipfile.ZIP_BZIP2)
    return NAME, raw_workbook(data, replace={SHEET: entry})


def truncated() -> tuple[str, bytes]:
    data = base_workbook()
    return NAME, data[: len(data) // 2]


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def billion_laughs() -> tuple[str, bytes]:
    """A DTD whose entity expands to 10^9 'lol's, used in a cell of an otherwise good sheet."""

    def inject(xml: str) -> str:
        xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + LAUGHS + xml
        return sheet_xml_rows(xml, '<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row>')

    return NAME, edit_sheet(base_workbook(), inject)


def value_at_xfd1048576() -> tuple[str, bytes]:
    row = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>备注</t></is></c></row>'
    return NAME, edit_sheet(base_workbook(), lambda xml: sheet_xml_rows(xml, row))


def formatted_column() -> tuple[str, bytes]:
    """Column A formatted down to row 1048576: a style-only cell in every row, and a dimension to match."""

    def fill(xml: str) -> str:
        rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(len(PUB_ROWS) + 2, 1048577))
        xml = xml.replace('<dimension ref="A1:F4"/>', '<dimension ref="A1:XFD1048576"/>')
        return sheet_xml_rows(xml, rows)

    return NAME, edit_sheet(base_workbook(), fill)


def merged_down() -> tuple[str, bytes]:
    """The date merged from A2 down to row 1048576 (a clerk selected the whole column)."""
    rows = [["2024-03-05", "宪法宣传", "乡村", "东村", 300], [None, "民法典宣传", "乡村", "西村", 200]]
    merge = '<mergeCells count="1"><mergeCell ref="A2:A1048576"/></mergeCells>'
    return NAME, edit_sheet(base_workbook(rows), lambda xml: xml.replace("</sheetData>", "</sheetData>" + merge))


def whole_sheet_link() -> tuple[str, bytes]:
    """A hyperlink over A1:XFD1048576 (openpyxl would make a cell for each of its 17 billion cells)."""
    link = '<hyperlinks><hyperlink ref="A1:XFD1048576" location="普法宣传!A1" display="x"/></hyperlinks>'
    edit = lambda xml: xml.replace("<pageMargins", link + "<pageMargins")
    return NAME, edit_sheet(base_workbook(), edit)


def conditional_format_bloat() -> tuple[str, bytes]:
    """One conditional format over 300000 single-cell ranges (openpyxl makes an object for each)."""
    sqref = " ".join(f"G{r}" for r in range(1, 300001))
    rule = f'<conditionalFormatting sqref="{sqref}"><cfRule type="containsBlanks" dxfId="0" priority="1"/></conditionalFormatting>'
    edit = lambda xml: xml.replace("<pageMargins", rule + "<pageMargins")
    return NAME, edit_sheet(base_workbook(), edit)


def too_many_cells() -> tuple[str, bytes]:
    """About 400000 cells of values, every one within the ledger's range (rows up to 20000, 20 columns)."""

    def fill(xml: str) -> str:
        rows = []
        for r in range(len(PUB_ROWS) + 2, 20001):
            cells = "".join(f'<c r="{openpyxl.utils.get_column_letter(c)}{r}"><v>1</v></c>' for c in range(7, 27))
            rows.append(f'<row r="{r}">{cells}</row>')
        return sheet_xml_rows(xml, "".join(rows))

    return NAME, edit_sheet(base_workbook(), fill)


def shared_strings_bloat() -> tuple[str, bytes]:
    """A million entries in the shared strings table that no cell uses."""
    files = parts(base_workbook())
    files["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"".join(b"<si><t>%d</t></si>" % i for i in range(1_000_000))
        + b"</sst>"
    )
    files["[Content_Types].xml"] = (
        files["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        .encode()
    )
    return NAME, rezip(files)


def defined_names() -> tuple[str, bytes]:
    """70000 named ranges in workbook.xml (3 MB of them: openpyxl takes seconds to parse them)."""
    files = parts(base_workbook())
    names = "".join(f'<definedName name="n{i}">普法宣传!$A$1</definedName>' for i in range(70000))
    files["xl/workbook.xml"] = (
        files["xl/workbook.xml"]
        .decode()
        .replace("</sheets>", f"</sheets><definedNames>{names}</definedNames>")
        .encode()
    )
    return NAME, rezip(files)


def rich_text_runs() -> tuple[str, bytes]:
    """One remark written as 200000 rich text runs (openpyxl makes an object for each run)."""
    runs = "".join(f"<r><rPr><b/></rPr><t>{i}</t></r>" for i in range(200_000))
    cell = f'<c r="G2" t="inlineStr"><is>{runs}</is></c>'
    return NAME, edit_sheet(
        base_workbook(),
        lambda xml: xml.replace('<c r="F2" t="n"><v>80</v></c>', '<c r="F2" t="n"><v>80</v></c>' + cell),
    )


def unknown_elements() -> tuple[str, bytes]:
    """1.2 million elements Excel does not know, in the rows (openpyxl reads each child of a row as a cell)."""

    def edit(xml: str) -> str:
        for r in (2, 3, 4):
            xml = xml.replace(f'<row r="{r}">', f'<row r="{r}">' + "".join(f"<x{i}/>" for i in range(400_000)))
        return xml

    return NAME, edit_sheet(base_workbook(), edit)


def style_bloat() -> tuple[str, bytes]:
    """250000 cell formats in styles.xml (Excel stops at 64000; openpyxl takes seconds per ten thousand)."""
    files = parts(base_workbook())
    xfs = "".join(f'<xf numFmtId="{i % 50}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for i in range(250_000))
    files["xl/styles.xml"] = re.sub(
        r'<cellXfs count="\d+">', lambda m: m[0] + xfs, files["xl/styles.xml"].decode()
    ).encode()
    return NAME, rezip(files)


def formula_without_value() -> tuple[str, bytes]:
    """Written by a program: =SUM(...) in 发放资料份数 with no cached result (openpyxl writes them so)."""
    rows = [
        ["2024-03-05", "宪法宣传", "乡村", "东村", "=100+200", 80],
        ["2024-03-06", "民法典宣传", "乡村", "西村", 50],
    ]
    return NAME, base_workbook(rows)


def formula_with_value() -> tuple[str, bytes]:
    """As Excel saves it: the formula and the value it last computed."""
    cell = '<c r="E5"><f>100+200</f><v>300</v></c>'
    row = f'<row r="5"><c r="A5" t="inlineStr"><is><t>2024-03-08</t></is></c><c r="B5" t="inlineStr"><is><t>普法讲座</t></is></c>{cell}</row>'
    return NAME, edit_sheet(base_workbook(), lambda xml: sheet_xml_rows(xml, row))


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Case:
    id: str
    title: str  # what the file is, for the report
    build: Callable[[], tuple[str, bytes]]
    status: str
    code: Code | None  # the first error, or the warning expected when stored
    fragment: str = ""  # in that problem's message
    sheet: str | None = None
    cell: str | None = None
    rows: int = 0  # rows stored when status is "stored"
    seconds: float = 20.0  # time bound under tracemalloc (which slows allocation-heavy code two- to threefold)


CASES = [
    Case(
        "oversize",
        "21 MB workbook (a picture stored uncompressed)",
        oversize,
        "rejected",
        Code.FILE_TOO_LARGE,
        "超过上限 20 MB",
    ),
    Case("exe", "a Windows program renamed .xlsx", renamed_exe, "rejected", Code.NOT_A_WORKBOOK, "可执行程序"),
    Case(
        "zip",
        "a plain .zip (a text file and a CSV) renamed .xlsx",
        renamed_zip,
        "rejected",
        Code.NOT_A_WORKBOOK,
        "普通压缩包",
    ),
    Case("xls", "a legacy Excel 97-2003 .xls (OLE2)", legacy_xls, "rejected", Code.LEGACY_XLS, "另存为 .xlsx"),
    Case(
        "encrypted",
        "a password-protected .xlsx (OLE2 with EncryptedPackage)",
        encrypted_xlsx,
        "rejected",
        Code.ENCRYPTED,
        "取消密码",
    ),
    Case("csv", "a CSV file (GB18030)", csv_file, "rejected", Code.NOT_A_WORKBOOK, "文本或 CSV 文件"),
    Case("html", "an HTML table saved as .xls by a web system", html_as_xls, "rejected", Code.NOT_A_WORKBOOK, "网页"),
    Case("xls-name", "a real .xlsx named .xls", xlsx_named_xls, "stored", None, rows=3),
    Case(
        "xlsm",
        ".xlsm with xl/vbaProject.bin",
        xlsm_with_macros,
        "stored",
        Code.MACROS_IGNORED,
        "已忽略工作簿中的宏",
        rows=3,
    ),
    Case(
        "entries",
        "zip with 5000 extra entries",
        many_entries,
        "rejected",
        Code.ZIP_BOMB,
        "个压缩条目（正常台账不超过 2000 个）",
    ),
    Case("declared", "an entry declaring 4 GB uncompressed", declared_huge, "rejected", Code.ZIP_BOMB, "解压后过大"),
    Case(
        "ratio",
        "an honest entry of 100 MB of zeros in 100 KB (1000:1)",
        high_ratio,
        "rejected",
        Code.ZIP_BOMB,
        "压缩比异常",
    ),
    Case(
        "lying",
        "the sheet declares 1 KB, its stream inflates to 400 MB",
        lying_size,
        "rejected",
        Code.ZIP_BOMB,
        "解压后",
    ),
    Case(
        "overlap",
        "30 directory entries sharing one entry's data",
        overlapping_entries,
        "rejected",
        Code.ZIP_BOMB,
        "相互重叠",
    ),
    Case("bzip2", "a worksheet compressed with bzip2", bzip2_part, "rejected", Code.NOT_A_WORKBOOK, "压缩方式"),
    Case("truncated", "the first half of a good .xlsx", truncated, "rejected", Code.NOT_A_WORKBOOK, "已损坏"),
    Case(
        "laughs",
        "billion laughs: a DTD in the sheet XML, &lol9; in a cell",
        billion_laughs,
        "rejected",
        Code.UNSAFE_XML,
        "DTD",
    ),
    Case(
        "xfd",
        "a value at XFD1048576",
        value_at_xfd1048576,
        "rejected",
        Code.OUT_OF_RANGE,
        "单元格超出台账范围（最多 20000 行、200 列）",
        "普法宣传",
        "XFD1048576",
    ),
    Case(
        "formatted",
        "column A formatted down to row 1048576 (1M style-only cells)",
        formatted_column,
        "stored",
        None,
        rows=3,
    ),
    Case("merged", "a date merged over A2:A1048576", merged_down, "stored", None, rows=2),
    Case("hyperlink", "a hyperlink over A1:XFD1048576", whole_sheet_link, "stored", None, rows=3),
    Case("cond-format", "a conditional format over 300000 ranges", conditional_format_bloat, "stored", None, rows=3),
    Case(
        "cells",
        "about 400000 cells of values within range (rows 5-20000, columns G-Z)",
        too_many_cells,
        "rejected",
        Code.TOO_MANY_CELLS,
        "单元格过多",
        "普法宣传",
    ),
    Case(
        "strings",
        "1000000 unused shared strings",
        shared_strings_bloat,
        "rejected",
        Code.TOO_MANY_CELLS,
        "文字条目过多",
    ),
    Case("names", "70000 defined names in workbook.xml", defined_names, "stored", None, rows=3, seconds=3.0),
    Case("styles", "250000 cell formats in styles.xml", style_bloat, "rejected", Code.TOO_MANY_CELLS, "单元格格式过多"),
    Case("rich", "a cell of 200000 rich text runs", rich_text_runs, "stored", None, rows=3),
    Case("junk", "1.2 million unknown elements inside rows", unknown_elements, "stored", None, rows=3),
    Case(
        "formula",
        "a formula with no cached value in 发放资料份数",
        formula_without_value,
        "rejected",
        Code.FORMULA,
        "单元格含公式但没有计算结果",
        "普法宣传",
        "E2",
    ),
    Case("formula-value", "a formula with its cached value 300", formula_with_value, "stored", None, rows=4),
]


def run(engine: Engine, name: str, data: bytes, memory: bool = True) -> tuple[ImportResult, int, float]:
    """Import one file as the upload page does; (result, peak Python allocations in bytes, seconds)."""
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        result = import_workbooks(engine, [(name, data)], town=TOWN, year=2024, month=3)
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
        if memory:
            tracemalloc.stop()
    return result, peak, seconds
