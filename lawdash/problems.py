"""Problems found in a workbook: errors and warnings as data, with the cell they concern."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from openpyxl.utils import get_column_letter


class Code(StrEnum):
    """Why a problem was raised; tests and tools assert on these."""

    # errors
    NOT_A_WORKBOOK = "not_a_workbook"
    NO_KNOWN_SHEET = "no_known_sheet"
    NO_HEADER = "no_header"
    MISSING_COLUMN = "missing_column"
    MISSING_VALUE = "missing_value"
    BAD_DATE = "bad_date"
    NO_SUCH_DATE = "no_such_date"
    NO_YEAR = "no_year"
    BAD_NUMBER = "bad_number"
    NEGATIVE = "negative"
    NOT_WHOLE = "not_whole"
    UNKNOWN_CHOICE = "unknown_choice"
    UNKNOWN_VILLAGE = "unknown_village"
    UNKNOWN_INDICATOR = "unknown_indicator"
    UNKNOWN_TOWN = "unknown_town"
    FORMULA = "formula"
    DUPLICATE_CODE = "duplicate_code"
    # errors: files refused before or while opening them (lawdash.safety)
    FILE_TOO_LARGE = "file_too_large"
    LEGACY_XLS = "legacy_xls"
    ENCRYPTED = "encrypted"
    ZIP_BOMB = "zip_bomb"
    UNSAFE_XML = "unsafe_xml"
    OUT_OF_RANGE = "out_of_range"
    TOO_MANY_CELLS = "too_many_cells"
    INTERNAL = "internal"  # a bug in lawdash met a file it did not expect; the file is refused, not stored
    # warnings
    APPROXIMATE = "approximate"
    YEAR_GUESSED = "year_guessed"
    DATE_SPAN = "date_span"
    VILLAGE_COMPLETED = "village_completed"
    CHOICE_ALIAS = "choice_alias"
    OUTSIDE_PERIOD = "outside_period"
    SPLIT_BY_MONTH = "split_by_month"
    UNKNOWN_SHEET = "unknown_sheet"
    DUPLICATE_COLUMN = "duplicate_column"
    REPLACED = "replaced"
    STATUS_JUMP = "status_jump"
    MACROS_IGNORED = "macros_ignored"


@dataclass(frozen=True)
class Problem:
    """One error or warning; `row` is 1-based and `column` a letter, as Excel shows them."""

    severity: str  # "error" | "warning"
    code: Code
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    @property
    def cell(self) -> str | None:
        if self.column is None or self.row is None:
            return None
        return f"{self.column}{self.row}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def where(self) -> str:
        """`普法宣传!A4` or `普法宣传` or the file name, the way a clerk reads a location."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.sheet and self.row:
            return f"{self.sheet}!第{self.row}行"
        return self.sheet or self.file or ""

    def text(self) -> str:
        """One line in Chinese: `普法宣传!A4：日期“4月31日”不存在`."""
        where = self.where()
        return f"{where}：{self.message}" if where else self.message

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["code"] = self.code.value
        data["cell"] = self.cell
        del data["severity"]
        return {k: data[k] for k in ("file", "sheet", "row", "column", "cell", "code", "message")}


class Reported:
    """A result that carries problems (`self.problems`): its errors and its warnings."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


class Problems(Reported):
    """A lazy collector: problems are added while reading, the decision is made at the end."""

    def __init__(self, file: str | None = None) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(
        self,
        severity: str,
        code: Code,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        col: int | None = None,
    ) -> None:
        letter = get_column_letter(col) if col else None
        self.items.append(Problem(severity, code, message, self.file, sheet, row, letter))

    def error(self, code: Code, message: str, **where: object) -> None:
        self.add("error", code, message, **where)  # type: ignore[arg-type]

    def warn(self, code: Code, message: str, **where: object) -> None:
        self.add("warning", code, message, **where)  # type: ignore[arg-type]

    @property
    def problems(self) -> list[Problem]:
        return self.items


def problems_table(problems: list[Problem]) -> list[dict[str, str]]:
    """Rows for a report: errors first, each with its file and cell, then warnings."""
    ordered = sorted(problems, key=lambda p: not p.is_error)
    return [
        {"类别": "错误" if p.is_error else "提示", "文件": p.file or "", "位置": p.where(), "说明": p.message}
        for p in ordered
    ]
