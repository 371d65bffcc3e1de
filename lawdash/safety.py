"""Hostile input: what a file must pass before any of its XML is parsed, and the clean copy openpyxl reads.

`check(name, data)` either raises `Rejected` (a Chinese message for the clerk, with the sheet and
cell when there is one) or returns a `Checked` whose `data` is a minimal .xlsx that openpyxl can
load in bounded time and memory. In order:

1. size: at most `MAX_UPLOAD_BYTES`;
2. type by content, never by name: a zip (an .xlsx or .xlsm); an OLE2 file is a legacy .xls or a
   password-protected workbook; anything else (program, PDF, picture, text or CSV, web page) is not
   a workbook. A file named .xls that is really an .xlsx is read normally;
3. the zip's central directory, before anything is decompressed: entry count, declared total size,
   declared compression ratio, compression method, encryption, overlapping entries;
4. every entry is then inflated as a stream in `CHUNK`-sized pieces, counting what it really
   yields and stopping at the first byte past the limit or past the size the entry declares (the
   standard library's zipfile stops at the declared size and only then notices the CRC, so it
   cannot tell how big a lying entry really is; zlib is used directly for that reason). XML parts
   are refused at the first sight of a DTD (`<!DOCTYPE`, `<!ENTITY`): Excel never writes one,
   and that is where entity-expansion bombs live;
5. worksheets are rewritten on the way through: only `<sheetData>` and `<mergeCells>` are kept;
   cells and rows that hold nothing (style-only cells, which Excel writes down to row 1048576
   when a whole column is formatted) are left out; what remains is written in its plainest form,
   each cell with its address and its value as one `<v>` or one `<t>` (rich text runs, phonetic
   guides, unknown elements never reach openpyxl, which builds an object for each); merged ranges
   are clipped to the cells that hold values; a value beyond `MAX_ROWS` x `MAX_COLS` is refused
   naming its cell. Formula cells with no cached value are listed so that ingest can name them.
   The shared strings are rewritten alike, one plain `<t>` each;
6. the clean copy holds only the parts openpyxl needs for values (content types, the workbook
   without its defined names, its relationships, styles for date formats, shared strings, the
   rewritten worksheets): drawings, pictures, comments, tables, pivot caches, external links and
   macros never reach a parser. Every part openpyxl does parse is bounded (size, tags, count).
   openpyxl parses XML with defusedxml (it does whenever defusedxml is installed), and
   `lawdash.ingest` turns its refusal into a Chinese error as well. The copy also carries the
   package relationships (`_rels/.rels`, written here, never copied), which calamine needs to find
   the workbook: `lawdash.reader` reads values with calamine and falls back to openpyxl;
7. what calamine would read otherwise than openpyxl is noted for `lawdash.reader`: the cells
   whose value is not a plain number, index or text (errors, booleans, ISO dates, formula text,
   negative, large or odd numbers, empty texts: `SheetScan.odd`), and why calamine may read the
   whole workbook otherwise (`Checked.doubt`: a text that may hold an `_xHHHH_` escape, which
   calamine decodes and openpyxl does not; an empty shared string). Texts with spaces at either
   end always carry xml:space="preserve" in the copy (calamine trims them otherwise).

The limits are module constants; Streamlit's `server.maxUploadSize` in .streamlit/config.toml
(20, in MB) stops bigger uploads in the browser before they reach lawdash, and
`MAX_UPLOAD_BYTES` holds for the command line and every other caller.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import escape as xml_escape

from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.packaging.workbook import WorkbookPackage
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS, XLSM, XLSX, XLTM, XLTX
from openpyxl.xml.functions import fromstring

from lawdash.problems import Code

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 20 * MB  # the same 20 MB as server.maxUploadSize in .streamlit/config.toml
MAX_ENTRIES = 2000  # a real workbook has a few dozen parts, a few hundred with many pictures
MAX_DIRECTORY_BYTES = 1 * MB  # the central directory of MAX_ENTRIES entries with long names
MAX_UNCOMPRESSED = 300 * MB  # everything inflated, actual bytes
MAX_RATIO = 200  # declared compression ratio, for entries above RATIO_FROM
RATIO_FROM = 1 * MB
MAX_ROWS = 20000  # a value beyond these is refused, naming its cell
MAX_COLS = 200
MAX_CELLS = 300_000  # stored cells handed to openpyxl, whole workbook (about 400 bytes each once loaded)
MAX_MERGED_CELLS = 100_000  # cells covered by merged ranges after clipping (openpyxl makes an object for each)
MAX_SHARED_STRINGS = MAX_CELLS  # each costs openpyxl a parse; a string no cell uses is not data
MAX_STORED = 2_000_000  # rows and cells of a sheet looked at one by one (empty ones with an address go in C)
# parts openpyxl parses whole: their inflated size
MAX_STRUCTURE_BYTES = 512 * 1024  # content types, workbook (without its defined names), relationships, chart sheets
MAX_WORKBOOK_BYTES = 4 * MB  # the workbook part as stored, defined names and all
MAX_STYLES_BYTES = 20 * MB
MAX_STYLE_TAGS = 200_000  # Excel itself stops at 64000 cell formats
MAX_STRINGS_BYTES = 50 * MB
MAX_SHEET_OUTPUT_BYTES = 50 * MB  # a worksheet once the empty cells are gone
MAX_STORED_SHEETS = 16 * MB  # worksheets kept uncompressed in the clean copy (the rest is deflated), all sheets
MAX_RUN_BYTES = 8 * MB  # sheet XML between two cell or row starts: one cell's text is at most 32767 characters
CHUNK = 64 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_METHODS = (
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
)  # what Excel and WPS write; zipfile inflates bzip2 and lzma without a bound
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_WORKBOOK_TYPES = (XLSX, XLSM, XLTX, XLTM)


class Rejected(Exception):
    """Why a file is refused: a code, a Chinese message, and the cell when there is one."""

    def __init__(
        self, code: Code, message: str, sheet: str | None = None, row: int | None = None, col: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.sheet = sheet
        self.row = row
        self.col = col


@dataclass
class SheetScan:
    """What the rewrite of one worksheet found."""

    name: str
    part: str
    cells: int = 0  # cells handed to openpyxl
    dropped: int = 0  # cells and rows left out because they hold nothing
    max_row: int = 0  # the extent of the cells that hold a value or a formula
    max_col: int = 0
    merged: int = 0  # cells covered by merged ranges, after clipping
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row, col): a formula with no cached value
    # (row, col) -> (t, s, text of <v>) for the cells calamine may read otherwise than openpyxl
    odd: dict[tuple[int, int], tuple[bytes, bytes | None, bytes]] = field(default_factory=dict)


@dataclass
class Checked:
    data: bytes  # the clean .xlsx for openpyxl and calamine
    sheets: list[SheetScan]  # worksheets in workbook order, as openpyxl lists them
    macros: bool = False
    doubt: str = ""  # why calamine may read this workbook otherwise than openpyxl (see the module docstring)


def mb(n: int) -> str:
    return f"{n / MB:.1f}".removesuffix(".0")


def check(name: str, data: bytes) -> Checked:
    """The clean copy of an uploaded workbook, or `Rejected` saying why not (see the module docstring)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise Rejected(
            Code.FILE_TOO_LARGE, f"文件“{name}”大小为 {mb(len(data))} MB，超过上限 {mb(MAX_UPLOAD_BYTES)} MB"
        )
    _sniff(name, data)
    return _Package(name, data).clean()


# ------------------------------------------------------------------ type by content

_ADVICE = "请在 Excel 或 WPS 中打开，另存为 .xlsx 后重新上传"


def _sniff(name: str, data: bytes) -> None:
    """Refuse anything that is not a zip, saying what it looks like."""
    head = data[:8]
    if head.startswith(_ZIP):
        return
    if head == _OLE2:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Rejected(
                Code.ENCRYPTED,
                f"文件“{name}”设置了打开密码，无法读取；请在 Excel 或 WPS 中取消密码，另存为 .xlsx 后重新上传",
            )
        raise Rejected(
            Code.LEGACY_XLS,
            f"文件“{name}”是旧版 Excel 97-2003 工作簿（.xls），不能直接读取；{_ADVICE}",
        )
    raise Rejected(Code.NOT_A_WORKBOOK, f"文件“{name}”不是 Excel 工作簿（.xlsx），而是{_kind(data)}；{_ADVICE}")


def _kind(data: bytes) -> str:
    head = data[:512]
    signatures = [
        ((b"MZ",), "可执行程序"),
        ((b"%PDF",), "PDF 文档"),
        ((b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"), "图片"),
        ((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b"), "其他格式的压缩包"),
        ((b"{\\rtf",), "RTF 文档"),
    ]
    if not data:
        return "空文件"
    for prefixes, kind in signatures:
        if head.startswith(prefixes):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "图片"
    if b"\x00" in head:  # UTF-16 text has NULs too, but no clerk's tool writes it
        return "无法识别的格式"
    text = head.decode("utf-8", errors="ignore") or head.decode("gb18030", errors="ignore")
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "Excel 2003 XML 表格"
        if "<html" in lowered or "<table" in lowered or lowered.startswith("<!doctype html"):
            return "网页（HTML）文件（从网站或业务系统导出的“.xls”常常是这种文件）"
        return "XML 文件"
    return "文本或 CSV 文件"


def _zip_kind(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "Word 文档"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿"
    if "xl/workbook.bin" in names:
        return "Excel 二进制工作簿（.xlsb）"
    if "content.xml" in names and "mimetype" in names:
        return "OpenDocument 文件（如 .ods）"
    return "普通压缩包（.zip）"


# ------------------------------------------------------------------ the package


class _Parts:
    """The `read` openpyxl's relationship helpers expect, over parts already inflated and checked."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts

    def read(self, name: str) -> bytes:
        return self.parts[name]


class _Package:
    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = data
        self.total = 0  # bytes inflated so far, all entries
        self.cells = 0  # cells handed to openpyxl so far, all sheets
        self.merged = 0
        self.doubt = ""

    # ---- errors

    def damaged(self, detail: str = "") -> Rejected:
        why = f"（{detail}）" if detail else ""
        return Rejected(
            Code.NOT_A_WORKBOOK, f"文件“{self.name}”已损坏或不是有效的 Excel 工作簿（.xlsx）{why}；{_ADVICE}"
        )

    def bomb(self, detail: str) -> Rejected:
        return Rejected(Code.ZIP_BOMB, f"文件“{self.name}”{detail}，不是正常的台账，已拒绝")

    # ---- the central directory, nothing inflated yet

    def directory(self) -> zipfile.ZipFile:
        entries, size = self._end_record()
        if entries > MAX_ENTRIES or size > MAX_DIRECTORY_BYTES:
            shown = f"{entries} 个" if entries > MAX_ENTRIES else f"{size // 46} 个以上"
            raise self.bomb(f"包含 {shown}压缩条目（正常台账不超过 {MAX_ENTRIES} 个）")
        try:
            zf = zipfile.ZipFile(io.BytesIO(self.data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error) as exc:
            raise self.damaged() from exc
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(zf.infolist()) > MAX_ENTRIES:
            raise self.bomb(f"包含 {len(zf.infolist())} 个压缩条目（正常台账不超过 {MAX_ENTRIES} 个）")
        if len({i.filename for i in infos}) != len(infos):
            raise self.damaged("压缩包中有重名的条目")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_UNCOMPRESSED:
            raise self.bomb(f"解压后过大（声明 {mb(declared)} MB，超过 {mb(MAX_UNCOMPRESSED)} MB）")
        for i in infos:
            if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise self.bomb(f"中的“{i.filename}”压缩比异常（{ratio}:1，疑似压缩炸弹）")
            if i.flag_bits & 0x1:
                raise Rejected(
                    Code.ENCRYPTED,
                    f"文件“{self.name}”的内容经过加密，无法读取；请取消密码，另存为 .xlsx 后重新上传",
                )
            if i.compress_type not in _METHODS:
                raise self.damaged(f"“{i.filename}”使用了 Excel 不会使用的压缩方式")
        spans = sorted((i.header_offset, self._span(i)[1]) for i in infos)
        for (_, end), (start, _) in pairwise(spans):
            if end > start:  # entries sharing their data: the classic way to multiply a bomb
                raise self.bomb("的压缩条目相互重叠（疑似压缩炸弹）")
        return zf

    def _end_record(self) -> tuple[int, int]:
        """(entries, directory bytes) as the end-of-central-directory record states them."""
        data = self.data
        at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
        if at < 0 or at + 22 > len(data):
            raise self.damaged()
        entries, size = struct.unpack("<HI", data[at + 10 : at + 16])
        locator = at - 20
        if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":  # zip64: the real counts are further back
            (record,) = struct.unpack("<Q", data[locator + 8 : locator + 16])
            if data[record : record + 4] == b"PK\x06\x06" and record + 56 <= len(data):
                entries, size = struct.unpack("<QQ", data[record + 32 : record + 48])
        return entries, size

    def _span(self, info: zipfile.ZipInfo) -> tuple[int, int]:
        """Where an entry's compressed bytes start and end in the file."""
        at = info.header_offset
        header = self.data[at : at + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise self.damaged()
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = at + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(self.data):
            raise self.damaged()
        return start, end

    # ---- inflating, counting what comes out

    def inflate(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """An entry's bytes in pieces of at most CHUNK, refused past the limits, checked against its CRC."""
        start, end = self._span(info)
        raw = memoryview(self.data)[start:end]
        size = crc = 0
        xml = info.filename.lower().endswith(_XML_SUFFIXES)
        tail = b""
        for piece in self._pieces(raw, info.compress_type):
            size += len(piece)
            self.total += len(piece)
            if self.total > MAX_UNCOMPRESSED:
                raise self.bomb(f"解压后过大（超过 {mb(MAX_UNCOMPRESSED)} MB）")
            self._declared(info, size)
            if xml and (b"!" in piece or b"!" in tail):  # each marker holds a "!": rare in sheet XML, found by memchr
                window = tail + piece[:32]
                if any(m in window or m in piece for m in _DTD_MARKERS):
                    raise Rejected(
                        Code.UNSAFE_XML,
                        f"文件“{self.name}”中的“{info.filename}”含有 XML 文档类型声明（DTD），"
                        "Excel 不会写入这种内容，可能是恶意构造的文件，已拒绝",
                    )
            if xml:
                tail = piece[-32:]
            crc = zlib.crc32(piece, crc)
            yield piece
        if size != info.file_size or crc != info.CRC:
            raise self.damaged(f"“{info.filename}”的数据与校验值不符")

    def _declared(self, info: zipfile.ZipInfo, size: int) -> None:
        """An entry may not inflate past the size it declares: the declared sizes are what was checked."""
        if size > info.file_size:
            raise self.bomb(f"中的“{info.filename}”解压后比它声明的 {info.file_size} 字节更大（疑似压缩炸弹）")

    def _pieces(self, raw: memoryview, method: int) -> Iterator[bytes]:
        if method == zipfile.ZIP_STORED:
            for at in range(0, len(raw), CHUNK):
                yield bytes(raw[at : at + CHUNK])
            return
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        at = 0
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    source: bytes | memoryview = inflater.unconsumed_tail
                elif at < len(raw):
                    source, at = raw[at : at + CHUNK], at + CHUNK
                else:
                    source = b""
                piece = inflater.decompress(source, CHUNK)
                if piece:
                    yield piece
                elif not source:
                    break  # no input left and nothing more comes out
        except zlib.error as exc:
            raise self.damaged() from exc
        if not inflater.eof:
            raise self.damaged("压缩数据不完整")

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        out = bytearray()
        for piece in self.inflate(info):
            out += piece
            if len(out) > limit:
                raise self.bomb(f"中的“{info.filename}”过大（超过 {mb(limit)} MB）")
        return bytes(out)

    def copy(self, info: zipfile.ZipInfo, clean: zipfile.ZipFile, limit: int, max_tags: int) -> None:
        """An entry into the clean copy as it inflates, refused past `limit` bytes or `max_tags` tags."""
        size = tags = 0
        with clean.open(info.filename, "w") as out:
            for piece in self.inflate(info):
                size += len(piece)
                tags += piece.count(b"<")
                if size > limit:
                    raise self.bomb(f"中的“{info.filename}”过大（超过 {mb(limit)} MB）")
                if tags > max_tags:  # openpyxl makes an object of each font, fill, border, format
                    raise Rejected(
                        Code.TOO_MANY_CELLS,
                        f"文件“{self.name}”中的单元格格式过多，不是正常的台账；"
                        "请在 Excel 中清除多余的格式（或复制数据到新工作簿）后重新上传",
                    )
                out.write(piece)

    def strings(self, info: zipfile.ZipInfo, clean: zipfile.ZipFile) -> None:
        """The shared strings into the clean copy, each as one plain text (see _StringsRewriter)."""
        rewriter = _StringsRewriter(self, info.filename)
        size = 0
        for piece in self.inflate(info):
            size += len(piece)
            if size > MAX_STRINGS_BYTES:
                raise self.bomb(f"中的“{info.filename}”过大（超过 {mb(MAX_STRINGS_BYTES)} MB）")
            rewriter.feed(piece)
        with clean.open(info.filename, "w") as out:
            for piece in rewriter.finish():
                out.write(piece)

    # ---- the whole package

    def clean(self) -> Checked:
        zf = self.directory()
        infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        names = set(infos)
        if ARC_CONTENT_TYPES not in names:
            raise Rejected(
                Code.NOT_A_WORKBOOK, f"文件“{self.name}”不是 Excel 工作簿（.xlsx），而是{_zip_kind(names)}；{_ADVICE}"
            )
        parts: dict[str, bytes] = {ARC_CONTENT_TYPES: self.read(infos[ARC_CONTENT_TYPES], MAX_STRUCTURE_BYTES)}
        try:
            manifest = Manifest.from_tree(fromstring(parts[ARC_CONTENT_TYPES]))
        except Exception as exc:  # any parse or schema error: not a package openpyxl could read
            raise self.damaged() from exc
        workbook = _workbook_part(manifest)
        if workbook is None or workbook not in names:
            raise Rejected(
                Code.NOT_A_WORKBOOK, f"文件“{self.name}”不是 Excel 工作簿（.xlsx），而是{_zip_kind(names)}；{_ADVICE}"
            )
        rels_path = get_rels_path(workbook)
        if rels_path not in names:
            raise self.damaged("缺少工作表目录")
        parts[rels_path] = self.read(infos[rels_path], MAX_STRUCTURE_BYTES)
        # defined names (print areas, named ranges) are of no use here, and cost openpyxl a parse each
        parts[workbook] = _DEFINED_NAMES.sub(b"", self.read(infos[workbook], MAX_WORKBOOK_BYTES))
        if len(parts[workbook]) > MAX_STRUCTURE_BYTES:
            raise self.bomb(f"的工作表目录“{workbook}”过大（超过 {MAX_STRUCTURE_BYTES // 1024} KB）")
        try:
            rels = get_dependents(_Parts(parts), rels_path).to_dict()
            package = WorkbookPackage.from_tree(fromstring(parts[workbook]))
        except Exception as exc:
            raise self.damaged() from exc
        sheets: list[tuple[str, str, bool]] = []  # name, part, is a chart sheet: openpyxl's order and skips
        for sheet in package.sheets:
            rel = rels.get(sheet.id) if sheet.id else None
            if sheet.id and rel is None:
                raise self.damaged(f"工作表“{sheet.name}”缺少对应的内容")
            if rel is not None and rel.target in names:
                sheets.append((sheet.name, rel.target, "chartsheet" in (rel.Type or "")))
        strings = manifest.find(SHARED_STRINGS)
        strings_part = strings.PartName[1:] if strings is not None else None
        sheet_parts = {part: (sheet_name, chart) for sheet_name, part, chart in sheets}
        if len(sheet_parts) != len(sheets):  # one part read as several sheets would multiply it
            raise self.damaged("多个工作表指向同一内容")
        if set(sheet_parts) & {*parts, ARC_STYLE, strings_part}:
            raise self.damaged("工作表指向了工作簿的其他组成部分")

        buffer = io.BytesIO()
        scans: dict[str, SheetScan] = {}
        macros = False
        stored = 0  # worksheet bytes kept uncompressed in the copy
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as clean:
            for part in (ARC_CONTENT_TYPES, workbook, rels_path):
                clean.writestr(part, parts[part])
            if _PACKAGE_RELS not in {*sheet_parts, ARC_STYLE, strings_part, *parts}:
                clean.writestr(_PACKAGE_RELS, _package_rels(workbook))
            for filename, info in infos.items():
                if filename in parts:
                    continue
                if filename.lower().endswith("vbaproject.bin"):
                    macros = True
                if filename in sheet_parts and not sheet_parts[filename][1]:
                    sheet_name = sheet_parts[filename][0]
                    scan, pieces = self.worksheet(info, sheet_name)
                    scans[filename] = scan
                    size = sum(map(len, pieces))
                    entry: str | zipfile.ZipInfo = filename
                    if stored + size <= MAX_STORED_SHEETS:  # not compressed: calamine need not inflate it again
                        stored += size
                        entry = zipfile.ZipInfo(filename)
                        entry.compress_type = zipfile.ZIP_STORED
                    with clean.open(entry, "w") as out:
                        for piece in pieces:
                            out.write(piece)
                elif filename in sheet_parts:  # a chart sheet: kept for openpyxl's sheet order, its drawing is not
                    clean.writestr(filename, self.read(info, MAX_STRUCTURE_BYTES))
                elif filename == ARC_STYLE:
                    self.copy(info, clean, MAX_STYLES_BYTES, max_tags=MAX_STYLE_TAGS)
                elif filename == strings_part:
                    self.strings(info, clean)
                else:  # pictures, drawings, comments, macros ...: inflated to check them, then left out
                    for _ in self.inflate(info):
                        pass
        ordered = [scans[part] for _, part, chart in sheets if not chart]
        return Checked(buffer.getvalue(), ordered, macros, self.doubt)

    # ---- worksheets

    def worksheet(self, info: zipfile.ZipInfo, sheet: str) -> tuple[SheetScan, list[bytes]]:
        total, cells, merged = self.total, self.cells, self.merged
        try:
            return self._worksheet(info, sheet, drop=True)
        except _KeepEverything:
            # a cell or row without its address: openpyxl counts those from the one before,
            # so nothing may be left out of this sheet
            self.total, self.cells, self.merged = total, cells, merged
            return self._worksheet(info, sheet, drop=False)

    def _worksheet(self, info: zipfile.ZipInfo, sheet: str, drop: bool) -> tuple[SheetScan, list[bytes]]:
        rewriter = _SheetRewriter(self, SheetScan(sheet, info.filename), drop)
        for piece in self.inflate(info):
            rewriter.feed(piece)
        xml = rewriter.finish()
        self.merged += rewriter.scan.merged
        if self.merged > MAX_MERGED_CELLS:
            raise Rejected(
                Code.TOO_MANY_CELLS,
                f"合并单元格覆盖的范围过大（整个工作簿超过 {MAX_MERGED_CELLS} 个单元格），请取消多余的合并后重新上传",
                sheet=sheet,
            )
        return rewriter.scan, xml


_PACKAGE_RELS = "_rels/.rels"


def _package_rels(workbook: str) -> bytes:
    """The package relationships naming the workbook part: calamine finds the workbook through them."""
    target = xml_escape("/" + workbook, {'"': "&quot;"})
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'officeDocument" Target="{target}"/></Relationships>'
    ).encode()


def _workbook_part(manifest: Manifest) -> str | None:
    """The workbook's part name, found the way openpyxl finds it."""
    for content_type in _WORKBOOK_TYPES:
        if part := manifest.find(content_type):
            return part.PartName[1:]
    defaults = {p.ContentType for p in manifest.Default}
    if defaults & set(_WORKBOOK_TYPES):
        return "xl/workbook.xml"
    return None


class _KeepEverything(Exception):
    pass


_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROOT = re.compile(rb"<(?![?!])(" + _NAME + rb")([A-Za-z_][\w.-]*)[^>]*?(/?)>")
_DEFINED_NAMES = re.compile(rb"<(" + _NAME + rb")definedNames(?=[\s/>])[^>]*?(?:/>|>.*?</\1definedNames>)", re.DOTALL)
_SHEET_DATA = re.compile(rb"<(" + _NAME + rb")sheetData(?=[\s/>])[^>]*?(/?)>")
_MERGE_CELLS = re.compile(rb"<(" + _NAME + rb")mergeCells(?=[\s/>])[^>]*?(/?)>")
_MERGE_REF = re.compile(rb"<" + _NAME + rb"mergeCell(?=[\s/>])[^>]*?\sref\s*=\s*[\"']([^\"']*)[\"']")
_START_AT = re.compile(rb"<(?:row|c|[A-Za-z_][\w.-]*:(?:row|c))(?=[\s/>])")
_ROW_AT = re.compile(rb"<(?:row|[A-Za-z_][\w.-]*:row)(?=[\s/>])")
# Whole rows as Excel writes them: plain numbers (or string indexes) and plain inline strings,
# nothing else. A block of these goes to openpyxl and calamine as it is, after a look in C; anything
# else is rewritten cell by cell (and what calamine reads otherwise than openpyxl is noted there).
# A text without xml:space="preserve" has no space at either end: calamine would trim it.
# Numbers calamine and openpyxl read alike under any number format: whole ones below a million (no
# date beyond 9999 then, no precision lost), and fractions of at most 15 digits (never whole once read)
_NUMBER = rb"[0-9]{1,6}(?:\.[0-9]{0,8}[1-9])?"
_PLAIN_NUMBER = re.compile(_NUMBER)
_PLAIN_TEXT = rb"(?:<t>[^\s<](?:[^<]*[^\s<])?</t>|<t xml:space=\"preserve\">[^<]+</t>)"  # not empty
_PLAIN_ATTRS = (
    rb"(?:\s+(?:(?!t\s*=)[^\s=<>/]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*')"
    rb"|t\s*=\s*(?:\"(?:s|n|inlineStr)\"|'(?:s|n|inlineStr)')))*\s*"
)
_PLAIN_ROWS = re.compile(
    rb"(?:\s*(?:<row(?=[\s/>])[^>]*/>|<row(?=[\s/>])[^>]*>(?:\s*<c(?=[\s/>])" + _PLAIN_ATTRS + rb"(?:/>|>"
    rb"(?:<v>" + _NUMBER + rb"</v>|<is>" + _PLAIN_TEXT + rb"</is>)?</c>))*\s*</row>))*\s*"
)
# The same, as Excel and openpyxl write them: every row and cell with its address (a cell's row is its
# row's), no cell or row empty, double quotes. Such rows are counted from their row numbers alone.
_STRICT_ATTRS = rb"(?:\s+(?:(?![rt]\s*=)[^\s=<>/]+\s*=\s*\"[^\"<>]*\"|t=\"(?:s|n|inlineStr)\"))*\s*"
_STRICT_ROWS = re.compile(
    rb"(?:\s*<row r=\"([0-9]{1,7})\"(?:\s+(?!r\s*=)[^\s=<>/]+\s*=\s*\"[^\"<>]*\")*\s*>"
    rb"(?:\s*<c r=\"[A-Z]{1,3}\1\""
    + _STRICT_ATTRS
    + rb">(?:<v>"
    + _NUMBER
    + rb"</v>|<is>"
    + _PLAIN_TEXT
    + rb"</is>)</c>)+"
    rb"\s*</row>)*\s*"
)
_STRICT_ROW_R = re.compile(rb"<row r=\"([0-9]{1,7})\"")
_STRICT_COL = re.compile(rb"<c r=\"([A-Z]{1,3})")
_CELL_R = re.compile(rb"<c(?=[\s/>])[^>]*?\sr\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,9})[\"']")
# Cells and rows with nothing in them, left out in C before Python looks at what remains. Only used
# when no row or cell of the sheet lacks its address (_NO_R): then leaving one out moves no other.
_EMPTY_CELL = re.compile(rb"<(?:c|[A-Za-z_][\w.-]*:c)(?=[\s/>])[^>]*?(?:/>|>\s*</" + _NAME + rb"c>)")
_EMPTY_ROW = re.compile(rb"<(?:row|[A-Za-z_][\w.-]*:row)(?=[\s/>])[^>]*?(?:/>|>\s*</" + _NAME + rb"row>)")
_NO_R = re.compile(rb"<(?:row|c|[A-Za-z_][\w.-]*:(?:row|c))(?=[\s/>])(?![^>]*\sr\s*=)")
# what matters in sheetData, in document order: a row's start, a cell with its content, a row's end
_TOKEN = re.compile(
    rb"<" + _NAME + rb"(?:row(?=[\s/>])(?P<row>[^>]*?)(?P<empty>/?)>"
    rb"|c(?=[\s/>])(?P<cell>[^>]*?)(?:/>|>(?P<content>.*?)</" + _NAME + rb"c>))"
    rb"|</" + _NAME + rb"row>",
    re.DOTALL,
)
_R_ATTR = re.compile(rb"\sr\s*=\s*[\"']([^\"']*)[\"']")
_S_ATTR = re.compile(rb"\ss\s*=\s*[\"'](\d{1,9})[\"']")
_T_ATTR = re.compile(rb"\st\s*=\s*[\"']([A-Za-z]{1,12})[\"']")
_COORD = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d+)")
_FORMULA = re.compile(rb"<" + _NAME + rb"f(?=[\s/>])")
_VALUE = re.compile(rb"<" + _NAME + rb"v(?:\s[^>]*)?>([^<]*)</")
_INLINE = re.compile(rb"<" + _NAME + rb"is(?=[\s/>])")
_PHONETIC = re.compile(rb"<(" + _NAME + rb")rPh(?=[\s/>])[^>]*?(?:/>|>.*?</\1rPh>)", re.DOTALL)
_TEXT = re.compile(rb"<" + _NAME + rb"t(?:\s[^>]*)?>([^<]*)</")
_PLAIN_STRINGS = re.compile(rb"(?:\s*<si>" + _PLAIN_TEXT + rb"</si>)*\s*")
_ESCAPE_MARKS = (b"_x", b"_X", b"005F_", b"005f_")  # `_x000D_`; openpyxl drops `x005F_` from shared strings
_SI_AT = re.compile(rb"<" + _NAME + rb"si(?=[\s/>])")
_SI = re.compile(rb"<(" + _NAME + rb")si(?=[\s/>])[^>]*?(?:/>|>(.*?)</\1si>)", re.DOTALL)
_COLUMNS: dict[bytes, int] = {}  # column letters seen, to their number
_LETTERS: dict[int, bytes] = {}  # and back


def _text(content: bytes) -> bytes:
    """The text of a rich or plain string (<is> or <si>) as openpyxl reads it: every <t>, phonetic guides left out."""
    if b"rPh" in content:
        content = _PHONETIC.sub(b"", content)
    return b"".join(_TEXT.findall(content))


class _Rewriter:
    """Streams one XML part into its clean form, phase by phase; each phase consumes what it can of `buf`."""

    phase = "prologue"

    def __init__(self) -> None:
        self.buf = b""
        self.prologue = b""  # up to and with the root's start tag
        self.root = b""  # the root's end tag
        self.searched: dict[re.Pattern[bytes], int] = {}  # where a search for a start in buf may resume

    def feed(self, piece: bytes) -> None:
        self.buf += piece
        self._run(final=False)

    def _run(self, final: bool) -> None:
        while True:
            before = (self.phase, len(self.buf))
            getattr(self, f"_{self.phase}")(final)
            if (self.phase, len(self.buf)) == before:
                return

    def _prologue(self, final: bool) -> None:
        m = _ROOT.search(self.buf)
        if m is None:
            if len(self.buf) > MB:
                raise self.damaged()
            return
        self.prologue = self.buf[: m.end()]
        self.root = b"</%s%s>" % (m[1], m[2])
        if m[3]:  # <worksheet/>: nothing in it
            self.prologue = self.prologue[:-2] + b">"
            self.phase, self.buf = "done", b""
            return
        self.phase, self.buf = "before", self.buf[m.end() :]

    def _done(self, final: bool) -> None:
        self.buf = b""

    def _last_start(self, start: re.Pattern[bytes]) -> int:
        """Where the last element matching `start` begins in buf: everything before it is complete (0: none yet)."""
        at = len(self.buf)
        for _ in range(64):  # it is nearly always among the last few tags
            at = self.buf.rfind(b"<", 0, at)
            if at <= 0:
                return 0
            if start.match(self.buf, at):
                return at
        last = 0  # a long run of other tags: look through what was not looked through before
        for m in start.finditer(self.buf, self.searched.get(start, 0)):
            last = m.start()
        if last == 0:
            self.searched[start] = max(0, len(self.buf) - 64)
        return last

    def damaged(self) -> Rejected:
        raise NotImplementedError


class _SheetRewriter(_Rewriter):
    """One worksheet in its clean form: the root, a canonical sheetData, the merged ranges clipped.

    The XML is handled as bytes with regular expressions, not parsed by a tree builder: the empty
    cells of a million formatted rows go in C, and what remains becomes rows of cells in their
    plainest spelling, each with its address: `<c r="B7" s="3" t="s"><v>12</v></c>`, an inline
    string as one `<t>`. Whatever else sheetData holds (rich text runs, phonetic guides, unknown
    elements, attributes of rows) never reaches openpyxl, which would build an object for each.
    Malformed XML that confuses this yields XML openpyxl refuses, never a bigger workbook.
    """

    def __init__(self, package: _Package, scan: SheetScan, drop: bool) -> None:
        super().__init__()
        self.package = package
        self.scan = scan
        self.drop = drop  # leave empty cells and rows out in C (every one has its address)
        self.prefix = b""  # sheetData's namespace prefix, used for everything written inside it
        self.data_start = b""
        self.blocks: list[bytes] = []
        self.size = 0
        self.merges: bytes | None = None
        self.merge_start = b""
        self.merge_prefix = b""
        self.seen = 0  # rows and cells looked at (those left out in C are not)
        self.row = 0  # openpyxl's counters, for rows and cells without an address
        self.col = 0
        self.in_row = False  # inside a row of the source
        self.open_row = False  # a row written and not closed yet
        self.end_from = 0  # where in buf the search for the end of sheetData resumes

    def reject(self, code: Code, message: str, row: int | None = None, col: int | None = None) -> Rejected:
        return Rejected(code, message, sheet=self.scan.name, row=row, col=col)

    def damaged(self) -> Rejected:
        return self.reject(
            Code.NOT_A_WORKBOOK, f"文件“{self.package.name}”中工作表“{self.scan.name}”的内容已损坏，无法读取；{_ADVICE}"
        )

    def finish(self) -> list[bytes]:
        """The clean worksheet, in pieces (written one by one: a big sheet is not joined in memory)."""
        self._run(final=True)
        if self.phase in ("prologue", "data", "merges"):
            raise self.damaged()
        if not self.data_start:
            return [self.prologue, self.root]
        p = self.prefix
        merges = []
        if self.merges:
            merges = [self.merge_start, self.merges, b"</%smergeCells>" % self.merge_prefix]
        return [self.prologue, self.data_start, *self.blocks, b"</%ssheetData>" % p, *merges, self.root]

    # ---- phases

    def _before(self, final: bool) -> None:
        m = _SHEET_DATA.search(self.buf)
        if m is None:  # column widths, views ...: not needed, let them go
            self.buf = self.buf[-64:]
            if final:
                self.phase = "after"
            return
        self.prefix = m[1]
        self.data_start = m[0][:-2] + b">" if m[2] else m[0]
        self.buf = self.buf[m.end() :]
        self.phase = "after" if m[2] else "data"

    def _data(self, final: bool) -> None:
        end_tag = b"</%ssheetData>" % self.prefix
        end = self.buf.find(end_tag, self.end_from)
        self.end_from = max(0, len(self.buf) - len(end_tag) + 1)  # buf grows: search only what is new
        if end >= 0:
            self._block(self.buf[:end])
            if self.open_row:
                self.blocks.append(b"</%srow>" % self.prefix)
                self.open_row = False
            self.buf, self.phase, self.searched = self.buf[end + len(end_tag) :], "after", {}
            return
        if len(self.buf) < 4 * CHUNK and not final:
            return
        cut = self._last_start(_ROW_AT) or self._last_start(_START_AT)  # whole rows if it can
        if cut <= 0:
            if len(self.buf) > MAX_RUN_BYTES:
                raise self.reject(
                    Code.TOO_MANY_CELLS,
                    f"文件“{self.package.name}”中工作表“{self.scan.name}”有一段内容过长"
                    f"（超过 {mb(MAX_RUN_BYTES)} MB 而不含任何单元格），不是正常的台账，已拒绝",
                )
            return
        self._block(self.buf[:cut])
        self.buf, self.searched, self.end_from = self.buf[cut:], {}, max(0, self.end_from - cut)

    def _after(self, final: bool) -> None:
        m = _MERGE_CELLS.search(self.buf)
        if m is None:  # conditional formats, validations, links, drawings ...: not needed, let them go
            self.buf = self.buf[-64:]
            return
        self.merge_prefix = m[1]
        self.merge_start = m[0][:-2] + b">" if m[2] else m[0]
        self.buf, self.phase = (b"", "done") if m[2] else (self.buf[m.end() :], "merges")

    def _merges(self, final: bool) -> None:
        end = self.buf.find(b"</%smergeCells>" % self.merge_prefix)
        if end < 0:
            if len(self.buf) > MAX_STRUCTURE_BYTES:
                raise self.reject(
                    Code.TOO_MANY_CELLS,
                    f"文件“{self.package.name}”中工作表“{self.scan.name}”的合并单元格过多，不是正常的台账，已拒绝",
                )
            if final:
                raise self.damaged()
            return
        self.merges = self._clip_merges(self.buf[:end])
        self.phase, self.buf = "done", b""

    # ---- sheetData, a block of whole cells at a time

    def _block(self, block: bytes) -> None:
        if self.drop:
            # Rows as Excel and openpyxl write them pass one look in C: then nothing below would find a
            # cell without an address or an empty cell or row, and the plain rows' test would pass.
            if not self.in_row and _STRICT_ROWS.fullmatch(block) and self._strict(block):
                return
            if _NO_R.search(block):
                raise _KeepEverything
            block, cells = _EMPTY_CELL.subn(b"", block)
            block, rows = _EMPTY_ROW.subn(b"", block)
            self.scan.dropped += cells + rows
            if not self.in_row and _PLAIN_ROWS.fullmatch(block) and self._plain(block):
                return
        out: list[bytes] = []
        for m in _TOKEN.finditer(block):
            self.seen += 1
            if self.seen > MAX_STORED:
                raise self.reject(
                    Code.TOO_MANY_CELLS,
                    f"文件“{self.package.name}”中工作表“{self.scan.name}”的单元格和行过多"
                    f"（超过 {MAX_STORED} 个），不是正常的月度台账，已拒绝",
                )
            if m["cell"] is not None:
                if self.in_row:  # openpyxl reads only the cells of rows
                    self._cell(m["cell"], m["content"], out)
            elif m["row"] is not None:
                self._close_row(out)
                self.row = self._row_address(m["row"]) or self.row + 1
                self.col = 0
                self.in_row = not m["empty"]
            else:
                self._close_row(out)
        self._keep(b"".join(out))

    def _plain(self, block: bytes) -> bool:
        """Whole rows of plain cells, each with its address: counted and measured in C, kept as they are."""
        coords = _CELL_R.findall(block)
        self._count(len(coords))
        rows = max((int(r) for _, r in coords), default=0)
        cols = max((self._column(letters) for letters in {c for c, _ in coords}), default=0)
        return self._measured(block, len(coords), rows, cols)

    def _strict(self, block: bytes) -> bool:
        """`_plain` for rows of `_STRICT_ROWS`, where each cell's row is its row's: no tuple made per cell."""
        cells = block.count(b'<c r="')
        self._count(cells)
        rows = max(map(int, _STRICT_ROW_R.findall(block)), default=0)
        cols = max(map(self._column, set(_STRICT_COL.findall(block))), default=0)
        return self._measured(block, cells, rows, cols)

    def _count(self, cells: int) -> None:
        package = self.package
        if package.cells + cells > MAX_CELLS:
            raise self.reject(
                Code.TOO_MANY_CELLS,
                f"文件“{package.name}”中的单元格过多（整个工作簿超过 {MAX_CELLS} 个），"
                "不是正常的月度台账；请删除多余内容后重新上传",
            )

    def _measured(self, block: bytes, cells: int, rows: int, cols: int) -> bool:
        if rows > MAX_ROWS or cols > MAX_COLS:
            return False  # cell by cell, to name the cell (if it holds a value)
        scan = self.scan
        scan.max_row, scan.max_col = max(scan.max_row, rows), max(scan.max_col, cols)
        scan.cells += cells
        self.package.cells += cells
        self._keep(block)
        return True

    def _close_row(self, out: list[bytes]) -> None:
        if self.open_row:
            out.append(b"</%srow>" % self.prefix)
        self.in_row = self.open_row = False

    def _cell(self, attrs: bytes, content: bytes | None, out: list[bytes]) -> None:
        address = self._cell_address(attrs)
        row, col = address if address else (self.row, self.col + 1)
        self.col = col
        if not content:  # <c .../> or <c ...></c>: a style at most
            return
        t = _T_ATTR.search(attrs)
        kind = t[1] if t else b"n"
        if kind == b"inlineStr":  # openpyxl reads "" from an empty <is>, None without one
            inline = _INLINE.search(content) is not None
            text = _text(content) if inline else b""
            value = inline
        else:
            v = _VALUE.search(content)
            text = v[1] if v else b""
            value = bool(text)
        formula = _FORMULA.search(content) is not None
        if not (value or formula):
            return
        scan = self.scan
        if row > MAX_ROWS or col > MAX_COLS:
            raise self.reject(
                Code.OUT_OF_RANGE,
                f"单元格超出台账范围（最多 {MAX_ROWS} 行、{MAX_COLS} 列），请删除多余内容后重新上传",
                row=row,
                col=col,
            )
        scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
        if not value:  # a formula and no value cached: openpyxl would read None, ingest names the cell
            scan.formulas.add((row, col))
            return
        scan.cells += 1
        self.package.cells += 1
        if self.package.cells > MAX_CELLS:
            raise self.reject(
                Code.TOO_MANY_CELLS,
                f"文件“{self.package.name}”中的单元格过多（整个工作簿超过 {MAX_CELLS} 个），"
                "不是正常的月度台账；请删除多余内容后重新上传",
            )
        p = self.prefix
        if not self.open_row:
            out.append(b'<%srow r="%d">' % (p, self.row or row))
            self.open_row = True
        letters = _LETTERS.get(col) or _LETTERS.setdefault(col, get_column_letter(col).encode())
        s = _S_ATTR.search(attrs)
        if (
            kind not in (b"s", b"n", b"inlineStr")
            or (kind == b"n" and not _PLAIN_NUMBER.fullmatch(text))
            or (kind == b"inlineStr" and not text)  # calamine cannot tell an empty text from no value
        ):
            scan.odd[(row, col)] = (kind, s[1] if s else None, text)
        out.append(b'<%sc r="%s%d"' % (p, letters, row))
        if s:
            out.append(b' s="%s"' % s[1])
        if t:
            out.append(b' t="%s"' % kind)
        if kind == b"inlineStr":
            out.append(b'><%sis><%st xml:space="preserve">%s</%st></%sis></%sc>' % (p, p, text, p, p, p))
        else:
            out.append(b"><%sv>%s</%sv></%sc>" % (p, text, p, p))

    def _keep(self, block: bytes) -> None:
        self.size += len(block)
        if not self.package.doubt and b"_" in block and any(m in block for m in _ESCAPE_MARKS):
            self.package.doubt = "a text may hold an _xHHHH_ escape"
        if self.size > MAX_SHEET_OUTPUT_BYTES:
            raise self.reject(
                Code.TOO_MANY_CELLS,
                f"文件“{self.package.name}”中工作表“{self.scan.name}”的内容过多"
                f"（超过 {mb(MAX_SHEET_OUTPUT_BYTES)} MB），不是正常的月度台账，已拒绝",
            )
        if block:
            self.blocks.append(block)

    def _row_address(self, attrs: bytes) -> int | None:
        m = _R_ATTR.search(attrs)
        if m is None:
            return None
        text = m[1].strip()
        if not text.isdigit() or not 0 < int(text) < 10**9:
            raise self.damaged()
        return int(text)

    def _cell_address(self, attrs: bytes) -> tuple[int, int] | None:
        """(row, column) from `r="B7"` as openpyxl reads it; None when there is none."""
        m = _R_ATTR.search(attrs)
        if m is None:
            return None
        coord = _COORD.fullmatch(m[1].strip())
        if coord is None or int(coord[2]) == 0 or len(coord[2]) > 9:
            raise self.damaged()
        return int(coord[2]), self._column(coord[1])

    @staticmethod
    def _column(letters: bytes) -> int:
        col = _COLUMNS.get(letters)
        if col is None:
            col = _COLUMNS[letters] = column_index_from_string(letters.decode().upper())
        return col

    # ---- merged ranges

    def _clip_merges(self, xml: bytes) -> bytes:
        """Merged ranges cut to the cells that hold values: A3:A1048576 becomes A3:A10 when row 10 is the last."""
        scan = self.scan
        kept: list[bytes] = []
        for m in _MERGE_REF.finditer(xml):
            try:
                min_col, min_row, max_col, max_row = range_boundaries(m[1].decode("ascii"))
            except (ValueError, TypeError, UnicodeDecodeError):
                raise self.damaged() from None
            if None in (min_col, min_row, max_col, max_row):
                continue  # whole rows or columns: not a merge Excel writes
            max_row, max_col = min(max_row, scan.max_row), min(max_col, scan.max_col)  # type: ignore[type-var]
            if max_row < min_row or max_col < min_col or (max_row, max_col) == (min_row, min_col):  # type: ignore[operator]
                continue
            scan.merged += (max_row - min_row + 1) * (max_col - min_col + 1)  # type: ignore[operator]
            ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"  # type: ignore[arg-type]
            kept.append(b'<%smergeCell ref="%s"/>' % (self.merge_prefix, ref.encode()))
        return b"".join(kept)


class _StringsRewriter(_Rewriter):
    """The shared strings table with each string as one plain `<t>`: rich text runs and anything else left out."""

    def __init__(self, package: _Package, part: str) -> None:
        super().__init__()
        self.package = package
        self.part = part
        self.prefix = b""
        self.blocks: list[bytes] = []
        self.count = 0

    def damaged(self) -> Rejected:
        return self.package.damaged(f"“{self.part}”的内容无法读取")

    def _too_many(self) -> Rejected:
        return Rejected(
            Code.TOO_MANY_CELLS,
            f"文件“{self.package.name}”中的文字条目过多（超过 {MAX_SHARED_STRINGS} 条），不是正常的台账，已拒绝",
        )

    def finish(self) -> list[bytes]:
        self._run(final=True)
        if self.phase == "prologue":
            raise self.damaged()
        if self.buf.strip():
            self._block(self.buf)
        return [self.prologue, *self.blocks, self.root]

    def _before(self, final: bool) -> None:
        if len(self.buf) < 4 * CHUNK and not final:
            return
        cut = self._last_start(_SI_AT)
        if cut <= 0:
            if len(self.buf) > MAX_RUN_BYTES:
                raise self.package.bomb(f"中的“{self.part}”有一段内容过长（超过 {mb(MAX_RUN_BYTES)} MB）")
            return
        self._block(self.buf[:cut])
        self.buf, self.searched = self.buf[cut:], {}

    def _block(self, block: bytes) -> None:
        if self.count + len(_SI_AT.findall(block)) > MAX_SHARED_STRINGS:  # counted in C first
            raise self._too_many()
        if not self.package.doubt and b"_" in block and any(m in block for m in _ESCAPE_MARKS):
            self.package.doubt = "a text may hold an _xHHHH_ escape"
        if _PLAIN_STRINGS.fullmatch(block):  # as Excel writes them: kept as they are
            self.count += block.count(b"<si>")
            self.blocks.append(block)
            return
        out = []
        for m in _SI.finditer(block):
            self.count += 1
            if self.count > MAX_SHARED_STRINGS:
                raise self._too_many()
            p = m[1]
            text = _text(m[2]) if m[2] else b""
            if not text:
                self.package.doubt = self.package.doubt or "an empty shared string"
            out.append(b'<%ssi><%st xml:space="preserve">%s</%st></%ssi>' % (p, p, text, p, p))
        self.blocks.append(b"".join(out))
