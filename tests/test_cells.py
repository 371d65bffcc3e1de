"""Every date form, number form and header variant a clerk writes, as tables."""

from __future__ import annotations

import datetime as dt

import pytest

from lawdash.catalogue import default_catalogue
from lawdash.cells import match_choice, match_village, normalize_header, parse_count, parse_date
from lawdash.problems import Code

D = dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        (dt.datetime(2024, 3, 5, 0, 0), D, None),
        (D, D, None),
        (45356, D, None),  # Excel serial
        (45356.0, D, None),
        ("2024-03-05", D, None),
        ("2024-3-5", D, None),
        ("2024/3/5", D, None),
        ("2024.3.5", D, None),
        ("2024年3月5日", D, None),
        ("2024年03月05日", D, None),
        ("２０２４年３月５日", D, None),  # full-width digits
        (" 2024-03-05 ", D, None),
        ("2024-03-05 00:00:00", D, None),
        ("20240305", D, None),
        ("3月5日", D, Code.YEAR_GUESSED),
        ("3.5", D, Code.YEAR_GUESSED),
        ("3/5", D, Code.YEAR_GUESSED),
    ],
)
def test_dates_read(value: object, expected: dt.date, code: Code | None) -> None:
    parsed = parse_date(value, year=2024)
    assert parsed.value == expected
    assert parsed.code == code
    assert not parsed.is_error


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("4月31日", Code.NO_SUCH_DATE, "日期“4月31日”不存在"),
        ("2023-02-29", Code.NO_SUCH_DATE, "日期“2023-02-29”不存在"),
        ("3月35日", Code.BAD_DATE, "日期无法识别：“3月35日”"),
        ("2024-13-01", Code.BAD_DATE, "日期无法识别：“2024-13-01”"),
        ("上旬", Code.BAD_DATE, "日期无法识别：“上旬”"),
        (12, Code.BAD_DATE, "日期无法识别：“12”"),
        (True, Code.BAD_DATE, "日期无法识别：“True”"),
    ],
)
def test_dates_refused(value: object, code: Code, message: str) -> None:
    parsed = parse_date(value, year=2024)
    assert parsed.is_error
    assert parsed.code == code
    assert parsed.message == message


def test_bare_date_without_any_year_is_an_error() -> None:
    parsed = parse_date("3月5日", year=None)
    assert parsed.is_error and parsed.code == Code.NO_YEAR


def test_guessed_year_says_which_year() -> None:
    assert parse_date("2月28日", year=2024).message == "日期“2月28日”未写年份，按2024年计"


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        (5, 5, None),
        (5.0, 5, None),
        ("5", 5, None),
        ("１２０", 120, None),
        ("1,200", 1200, None),
        ("1，200", 1200, None),
        ("30人", 30, None),
        ("6场次", 6, None),
        ("5000余", 5000, Code.APPROXIMATE),
        ("5000余份", 5000, Code.APPROXIMATE),
        ("约200", 200, Code.APPROXIMATE),
        ("200多", 200, Code.APPROXIMATE),
        ("100左右", 100, Code.APPROXIMATE),
        ("共30人", 30, None),
        ("0", 0, None),
    ],
)
def test_counts_read(value: object, expected: int, code: Code | None) -> None:
    parsed = parse_count(value)
    assert (parsed.value, parsed.code, parsed.is_error) == (expected, code, False)


def test_approximate_count_message() -> None:
    assert parse_count("5000余").message == "“5000余”按 5000 计"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (-3, Code.NEGATIVE),
        ("-3", Code.NEGATIVE),
        (2.5, Code.NOT_WHOLE),
        ("2.5", Code.NOT_WHOLE),
        ("若干", Code.BAD_NUMBER),
        ("三十", Code.BAD_NUMBER),
        (True, Code.BAD_NUMBER),
    ],
)
def test_counts_refused(value: object, code: Code) -> None:
    parsed = parse_count(value)
    assert parsed.is_error and parsed.code == code


@pytest.mark.parametrize(
    ("header", "sheet", "column"),
    [
        ("日期", "publicity", "date"),
        ("时间", "publicity", "date"),
        (" 日 期 ", "publicity", "date"),
        ("发放资料\n（份）", "publicity", "materials"),
        ("发放资料份数（份）", "publicity", "materials"),
        ("发放资料份数(份)", "publicity", "materials"),
        ("村或地点", "publicity", "place"),
        ("参训人数（人）", "trainings", "trainees"),
        ("参训人数*", "trainings", "trainees"),
        ("参加人数\n（人）", "meetings", "attendees"),
        ("受理日期", "disputes", "date"),
        ("调解结果", "disputes", "result"),
        ("村", "disputes", "village"),
    ],
)
def test_header_variants(header: str, sheet: str, column: str) -> None:
    spec = default_catalogue().sheet(sheet)
    matches = [c.key for c in spec.columns if normalize_header(header) in c.header_keys()]
    assert matches == [column]


VILLAGES = ("李庄村", "东村", "前营村")


@pytest.mark.parametrize(
    ("value", "expected", "code"),
    [
        ("李庄村", "李庄村", None),
        ("李庄", "李庄村", Code.VILLAGE_COMPLETED),
        (" 前营 ", "前营村", Code.VILLAGE_COMPLETED),
        ("东村", "东村", None),
        ("镇政府", None, None),
    ],
)
def test_villages(value: str, expected: str | None, code: Code | None) -> None:
    parsed = match_village(value, VILLAGES)
    assert (parsed.value, parsed.code) == (expected, code)


def test_choices() -> None:
    meetings = default_catalogue().sheet("meetings").column("type")
    assert match_choice("专题会议", meetings.choices, meetings.aliases).value == "专题会议"
    alias = match_choice("专题会", meetings.choices, meetings.aliases)
    assert (alias.value, alias.code) == ("专题会议", Code.CHOICE_ALIAS)
    bad = match_choice("座谈会", meetings.choices, meetings.aliases)
    assert bad.is_error and bad.code == Code.UNKNOWN_CHOICE
