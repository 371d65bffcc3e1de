"""Total rows (合计, 小 计：) are told from data rows as `normalize_header` tells them, also when ingest skips normalizing."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawdash import cells
from lawdash.catalogue import default_catalogue
from lawdash.cells import header_excluder, normalize_header
from lawdash.ingest import Context, FileInfo, open_checked, read_rows
from lawdash.problems import Problems
from tests import hostile_cases as hc
from tests.conftest import TOWN

MARKERS = frozenset(normalize_header(m) for m in default_catalogue().skip_row_markers)
COMMON = [chr(c) for first, last in cells._COMMON for c in range(first, last + 1)]
# what the quick test must never let through: compatibility forms of the markers' characters, and their neighbours
TRICKY = "合总小累计⼩⼻計總ＡａΣσς\u0301\u3099\u2f29\uf900\u3000\xa0㍿㈱ﾃ（）() *：:"


def test_common_characters_normalize_one_by_one() -> None:
    """What header_excluder relies on: no `_COMMON` character is or becomes a combining mark, or is Σ."""
    for c in COMMON:
        normal = unicodedata.normalize("NFKC", c)
        assert all(unicodedata.combining(n) == 0 for n in normal), hex(ord(c))
        assert unicodedata.normalize("NFKC", normal) == normal
        assert c != "Σ"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(COMMON), max_size=12).map("".join))
def test_a_text_of_common_characters_normalizes_as_its_characters(text: str) -> None:
    assert unicodedata.normalize("NFKC", text) == "".join(unicodedata.normalize("NFKC", c) for c in text)


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(TRICKY + "宪法宣传第场次份12"), max_size=10) | st.text(max_size=10),
    st.sampled_from([MARKERS, frozenset({"total", "合计"}), frozenset({"小计"})]),
)
def test_header_excluder_never_lets_a_marker_through(text: str, keys: frozenset[str]) -> None:
    pattern = header_excluder(keys)
    assert pattern is not None
    if pattern.fullmatch(text):
        assert normalize_header(text) not in keys


@pytest.mark.parametrize("keys", [frozenset(), frozenset({""}), frozenset({"合计", ""})])
def test_no_quick_test_when_any_text_could_be_a_key(keys: frozenset[str]) -> None:
    assert header_excluder(keys) is None


@pytest.mark.parametrize(
    ("label", "skipped"),
    [
        ("合计", True),
        ("合 计：", True),
        ("小计（份）", True),
        ("⼩计", True),  # a Kangxi radical: NFKC makes it 小
        ("ＴＯＴＡＬ", False),
        ("合计（第1场）", True),  # the unit in brackets goes
        ("宪法宣传（第1场）", False),
        ("合计a", False),
    ],
)
def test_total_rows_are_skipped(label: str, skipped: bool) -> None:
    rows = [*hc.PUB_ROWS, ["2024-03-08", label, "乡村", "东村", 10, 20]]  # the label where the activity goes
    problems = Problems("x.xlsx")
    book = open_checked("x.xlsx", hc.base_workbook(rows), problems)
    assert book is not None
    cat = default_catalogue()
    sheet = cat.sheet_by_name("普法宣传")
    assert sheet is not None
    ctx = Context(cat, {TOWN: cat.towns[0].villages}, TOWN, 2024, 3)
    mapping = {1: sheet.column("date"), 2: sheet.column("title"), 5: sheet.column("materials")}
    records = read_rows(book.worksheets[0], sheet, 1, mapping, FileInfo("x.xlsx", "", 0, TOWN, 2024, 3), ctx, problems)
    assert (5 not in [r.row for r in records]) == skipped
