"""Cell parsers: turn what clerks type into dates, counts, names. Pure functions, no I/O.

Each parser returns a `Parsed`: the value, and either nothing, a warning (the value was
guessed or coerced) or an error (the value cannot be read). Messages are Chinese.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from lawdash.problems import Code

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials for 1990-01-01 .. 2100-12-31: outside that a number is no plausible date.
SERIAL_RANGE = (32874, 73415)


@dataclass(frozen=True)
class Parsed:
    value: object = None
    code: Code | None = None
    message: str | None = None
    is_error: bool = False

    @classmethod
    def error(cls, code: Code, message: str) -> Parsed:
        return cls(None, code, message, True)

    @classmethod
    def warning(cls, value: object, code: Code, message: str) -> Parsed:
        return cls(value, code, message, False)


_SPACES = re.compile(r"\s+")
_HEADER_NOISE = re.compile(r"[\s*＊:：]")


def normalize_text(value: object) -> str:
    """NFKC (full-width digits, letters and brackets to half-width), trimmed, inner runs of space collapsed."""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


_UNIT_SUFFIX = re.compile(r"\([^)]*\)$")


def normalize_header(value: object) -> str:
    """A header as a key: no spaces or line breaks, no `*`, no trailing unit `（份）`."""
    text = unicodedata.normalize("NFKC", str(value))
    text = _HEADER_NOISE.sub("", text)
    prev = None
    while prev != text:
        prev, text = text, _UNIT_SUFFIX.sub("", text)
    return text.lower()


# Characters clerks type whose normal form (NFKC) is each one's own whatever stands next to it: tabs and
# line breaks, ASCII, dashes and quotes, CJK punctuation and brackets, the CJK ideographs, full-width ASCII.
# None is a combining mark or composes with a neighbour, and none is Σ (whose lower case depends on what follows).
_COMMON = (
    (0x09, 0x0D), (0x20, 0x7E), (0x2014, 0x2014), (0x2018, 0x2019), (0x201C, 0x201D),
    (0x3000, 0x3003), (0x3008, 0x3011), (0x4E00, 0x9FFF), (0xFF01, 0xFF5E),
)  # fmt: skip


@functools.lru_cache(maxsize=8)
def header_excluder(keys: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern whose full match proves that `normalize_header(text)` is none of `keys` (None: no quick proof).

    A text of `_COMMON` characters normalizes character by character, and `normalize_header` then only
    removes some and lower-cases the rest: when no character's normal form, lower-cased, holds a character
    of a key, the text cannot become that key (unless the key is empty). The pattern says so in C, where
    normalizing takes a microsecond a text.
    """
    if not keys or not all(keys):
        return None
    wanted = set("".join(keys))
    spans: list[list[int]] = []
    for first, last in _COMMON:
        for code in range(first, last + 1):
            if wanted.isdisjoint(unicodedata.normalize("NFKC", chr(code)).lower()):
                if spans and spans[-1][1] == code - 1:
                    spans[-1][1] = code
                else:
                    spans.append([code, code])
    ranges = "".join(re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in spans)
    return re.compile(f"[{ranges}]*")


def display(value: object) -> str:
    """How a raw cell value is quoted back to the user in a message."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and value.bit_length() > 10_000:  # str() refuses ints of more than 4300 digits
        return "（位数过多的数字）"
    return str(value).strip()


BLANK_MARKS = frozenset({"", "/", "-", "—", "——", "－", "无"})


def is_blank(value: object) -> bool:
    """Empty, or a mark clerks use for "nothing here" (`/`, `—`, `无`)."""
    return value is None or (isinstance(value, str) and value.strip() in BLANK_MARKS)


# ------------------------------------------------------------------ dates

_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_BARE_DATE = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_TIME_OF_DAY = re.compile(r"\s*(上午|下午|晚上|中午|早上)?\s*(\d{1,2}[:时点]\d{0,2}分?)?$")
_RANGE = re.compile(r"\s*(至|~|～|—|－－|--)\s*")


def _make_date(raw: str, y: int, m: int, d: int) -> Parsed:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return Parsed.error(Code.BAD_DATE, f"日期无法识别：“{raw}”")
    try:
        return Parsed(dt.date(y, m, d))
    except ValueError:
        return Parsed.error(Code.NO_SUCH_DATE, f"日期“{raw}”不存在")


def parse_date(value: object, year: int | None = None) -> Parsed:
    """A date from any form DOMAIN.md lists; a bare `3月5日` takes `year`, with a warning."""
    if isinstance(value, dt.datetime):
        return Parsed(value.date())
    if isinstance(value, dt.date):
        return Parsed(value)
    if isinstance(value, bool):
        return Parsed.error(Code.BAD_DATE, f"日期无法识别：“{value}”")
    if isinstance(value, int | float):
        if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1] and float(value).is_integer():
            return Parsed(EXCEL_EPOCH + dt.timedelta(days=int(value)))
        return Parsed.error(Code.BAD_DATE, f"日期无法识别：“{display(value)}”")
    raw = display(value)
    text = normalize_text(raw)
    if m := _FULL_DATE.match(text) or _COMPACT_DATE.match(text):
        return _make_date(raw, int(m[1]), int(m[2]), int(m[3]))
    start = _RANGE.split(text)[0]
    if start != text:  # a span such as `3月5日至7日`: the day it started
        parsed = parse_date(start, year)
        if parsed.is_error or parsed.code == Code.NO_YEAR:
            return Parsed.error(Code.BAD_DATE, f"日期无法识别：“{raw}”")
        return Parsed.warning(parsed.value, Code.DATE_SPAN, f"日期“{raw}”是一段时间，按开始日期 {parsed.value} 计")
    bare_time = _TIME_OF_DAY.sub("", text)
    if bare_time != text and bare_time:  # `2024年3月5日上午9:30`: the time of day does not matter here
        return parse_date(bare_time, year)
    if m := _BARE_DATE.match(text):
        if year is None:
            return Parsed.error(Code.NO_YEAR, f"日期“{raw}”未写年份，且无法从标题、文件名或其他日期推断")
        parsed = _make_date(raw, year, int(m[1]), int(m[2]))
        if parsed.is_error:
            return parsed
        return Parsed.warning(parsed.value, Code.YEAR_GUESSED, f"日期“{raw}”未写年份，按{year}年计")
    return Parsed.error(Code.BAD_DATE, f"日期无法识别：“{raw}”")


def full_date_year(value: object) -> int | None:
    """The year a cell states outright (not guessed), for inferring the year of bare dates."""
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, int | float) and not isinstance(value, bool):
        parsed = parse_date(value)
        return parsed.value.year if isinstance(parsed.value, dt.date) else None
    if isinstance(value, str):
        text = normalize_text(value)
        if m := _FULL_DATE.match(text) or _COMPACT_DATE.match(text):
            return int(m[1])
    return None


# ------------------------------------------------------------------ counts

_APPROX_PREFIX = ("大约", "约", "近", "超过", "超", "逾", "共计", "共", "计", "合计")
_APPROX_SUFFIX = ("余", "多", "左右", "以上", "余次", "上下")
_UNITS = ("人次", "场次", "人", "份", "册", "次", "场", "件", "个", "名", "户", "张", "本", "起", "期", "年度", "年")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
MAX_COUNT = 1_000_000_000
_PAREN_UNIT = re.compile(r"\((?:{})\)$".format("|".join(_UNITS)))


def parse_count(value: object) -> Parsed:
    """A whole number >= 0; `5000余`, `约200` are read with a warning, `1,200`, `３０人` silently."""
    if isinstance(value, (bool, dt.date)):
        return Parsed.error(Code.BAD_NUMBER, f"数量无法识别：“{display(value)}”")
    if isinstance(value, int | float):
        return _whole(value, display(value))
    raw = display(value)
    text = _PAREN_UNIT.sub("", normalize_text(raw).replace(",", "").replace(" ", ""))
    approx = False
    for p in _APPROX_PREFIX:
        if text.startswith(p) and len(text) > len(p):
            text, approx = text[len(p) :], approx or p not in ("共计", "共", "计", "合计")
            break
    for u in _UNITS:
        if text.endswith(u) and len(text) > len(u):
            text = text[: -len(u)]
            break
    for s in _APPROX_SUFFIX:
        if text.endswith(s) and len(text) > len(s):
            text, approx = text[: -len(s)], True
            break
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if not _NUMBER.match(text):
        return Parsed.error(Code.BAD_NUMBER, f"数量无法识别：“{raw}”")
    if len(text.lstrip("0").split(".")[0]) > len(str(MAX_COUNT)):  # too many digits for float() to keep
        return Parsed.error(Code.BAD_NUMBER, f"数量过大：“{raw}”（超过 {MAX_COUNT:,}）")
    number = float(text)
    parsed = _whole(-number if negative else number, raw)
    if parsed.is_error or not approx:
        return parsed
    return Parsed.warning(parsed.value, Code.APPROXIMATE, f"“{raw}”按 {parsed.value} 计")


def _whole(number: float, raw: str) -> Parsed:
    if number != number or number in (math.inf, -math.inf):  # NaN, infinity: no count
        return Parsed.error(Code.BAD_NUMBER, f"数量无法识别：“{raw}”")
    if number < 0:
        return Parsed.error(Code.NEGATIVE, f"数量不能为负数：“{raw}”")
    if isinstance(number, float) and not number.is_integer():
        return Parsed.error(Code.NOT_WHOLE, f"数量应为整数：“{raw}”")
    if number > MAX_COUNT:  # a typing slip, and more than a figure of the database can hold safely
        return Parsed.error(Code.BAD_NUMBER, f"数量过大：“{raw}”（超过 {MAX_COUNT:,}）")
    return Parsed(int(number))


# ------------------------------------------------------------------ names

_VILLAGE_OFFICE = ("村民委员会", "村委会", "村委", "村两委")
_LIST_SEPARATORS = re.compile(r"[、,;/]")


def match_village(value: object, villages: tuple[str, ...]) -> Parsed:
    """The village a name means (`李庄` is 李庄村, with a warning), or a None value if it is none."""
    raw = display(value)
    name = normalize_text(raw).replace(" ", "")
    if name in villages:
        return Parsed(name)
    for office in _VILLAGE_OFFICE:
        if name.endswith(office) and len(name) > len(office):
            name = name[: -len(office)]
            break
    for candidate in (name, name + "村"):
        if candidate in villages:
            return Parsed.warning(candidate, Code.VILLAGE_COMPLETED, f"“{raw}”按“{candidate}”计")
    return Parsed(None)


def match_places(value: object, villages: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The villages a place cell names (`前营、后营村` names two), and a warning for each guessed one."""
    parts = [p for p in _LIST_SEPARATORS.split(normalize_text(value)) if p.strip()]
    found: list[str] = []
    warnings: list[str] = []
    for part in parts if len(parts) > 1 else [value]:
        parsed = match_village(part, villages)
        if isinstance(parsed.value, str) and parsed.value not in found:
            found.append(parsed.value)
            if parsed.message:
                warnings.append(parsed.message)
    return found, warnings


def match_choice(value: object, choices: tuple[str, ...], aliases: dict[str, str]) -> Parsed:
    """One of the value list; a known other spelling is read as its choice with a warning."""
    raw = display(value)
    text = normalize_text(raw).replace(" ", "")
    if text in choices:
        return Parsed(text)
    if text in aliases:
        return Parsed.warning(aliases[text], Code.CHOICE_ALIAS, f"“{raw}”按“{aliases[text]}”计")
    return Parsed.error(Code.UNKNOWN_CHOICE, f"“{raw}”不是可选值（可选：{'、'.join(choices)}）")
