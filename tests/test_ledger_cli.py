"""`python -m lawdash rectify`: list, set, import, template — exit codes, JSON shapes, Chinese messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawdash import ledger, store
from lawdash.catalogue import default_catalogue
from lawdash.cli import main
from tests.conftest import Databases, build_workbook
from tests.test_cli import run

STATUSES = {"未启动", "整改中", "已完成", "已销号"}
LIST_KEYS = {"id", "year", "problem", "measure", "unit", "leader", "deadline", "status", "overdue", "days_overdue", "due_soon", "indicator"}  # fmt: skip
HEADER = ["编号", "年度", "来源", "问题", "原因", "整改措施", "责任领导", "责任单位", "整改时限", "状态", "进展", "关联指标"]  # fmt: skip


def listed(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> list[dict[str, object]]:
    code, data, _ = run(capsys, db, "rectify", "list", "--as-of", "2024-06-30", "--json", *args)
    assert code == 0 and isinstance(data, list)
    return data


def statuses(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, object]:
    return {d["id"]: d["status"] for d in listed(capsys, db)}  # type: ignore[misc]


@pytest.fixture(scope="module")
def demo_db(databases: Databases) -> Iterator[str]:
    """One `init --demo` for the module; each test works on a copy of it."""
    with databases.fresh(copyable=True) as url:
        assert main(["--db", url, "init", "--demo"]) == 0
        yield url


@pytest.fixture
def db(demo_db: str, databases: Databases) -> Iterator[str]:
    with databases.fresh(copy_of=demo_db) as url:
        yield url


def ledger_file(path: Path, *rows: list[object]) -> Path:
    path.write_bytes(build_workbook({"整改台账": [["商酒务镇问题整改台账"], HEADER, *rows]}))
    return path


# ------------------------------------------------------------------ list


@pytest.mark.parametrize("as_of", [["--as-of", "2024-06-30"], []], ids=["2024-06-30", "today"])
def test_list_json_shape(capsys: pytest.CaptureFixture[str], db: str, as_of: list[str]) -> None:
    code, data, err = run(capsys, db, "rectify", "list", "--json", *as_of)
    assert (code, err) == (0, "")
    assert isinstance(data, list) and len(data) == 5
    indicators = {i.id for i in default_catalogue().indicators}
    for d in data:
        assert set(d) >= LIST_KEYS, d
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["deadline"])
        assert d["status"] in STATUSES
        assert isinstance(d["overdue"], bool) and isinstance(d["due_soon"], bool)
        assert isinstance(d["days_overdue"], int) and not isinstance(d["days_overdue"], bool)
        assert (d["days_overdue"] > 0) == d["overdue"]
        assert d["indicator"] is None or d["indicator"] in indicators
        assert isinstance(d["year"], int)


def test_list_as_of_mid_2024(capsys: pytest.CaptureFixture[str], db: str) -> None:
    data = listed(capsys, db)
    assert [(d["id"], d["status"], d["overdue"], d["days_overdue"], d["due_soon"]) for d in data] == [
        ("ZG2023-03", "整改中", True, 30, False),
        ("ZG2024-01", "未启动", False, 0, True),
        ("ZG2023-02", "整改中", False, 0, False),
        ("ZG2023-01", "已销号", False, 0, False),
        ("ZG2023-04", "已完成", False, 0, False),
    ]
    first = data[0]
    assert (first["deadline"], first["unit"], first["leader"], first["indicator"]) == (
        "2024-05-31",
        "司法所",
        "分管副镇长",
        "trainees",
    )
    assert {d["id"]: d["indicator"] for d in data}["ZG2023-04"] is None


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (["--year", "2024"], ["ZG2024-01"]),
        (["--year", "2023"], ["ZG2023-03", "ZG2023-02", "ZG2023-01", "ZG2023-04"]),
        (["--overdue"], ["ZG2023-03"]),
        (["--overdue", "--year", "2024"], []),
    ],
)
def test_list_filters(capsys: pytest.CaptureFixture[str], db: str, args: list[str], ids: list[str]) -> None:
    assert [d["id"] for d in listed(capsys, db, *args)] == ids


def test_list_text_puts_the_overdue_item_first(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, text, _ = run(capsys, db, "rectify", "list", "--as-of", "2024-06-30")
    assert code == 0 and isinstance(text, str)
    lines = text.splitlines()
    assert lines[0].startswith("ZG2023-03  2023年  整改中  时限 2024-05-31 逾期 30 天")
    assert "已完成（待验收）" in lines[-1]
    code, text, _ = run(capsys, db, "rectify", "list", "--overdue", "--as-of", "2024-03-01")
    assert (code, text) == (0, "没有符合条件的整改事项。\n")


# ------------------------------------------------------------------ set


def test_set_moves_an_item_along_and_records_who(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, text, err = run(capsys, db, "rectify", "set", "ZG2024-01", "--status", "整改中", "--note", "已部署")
    assert (code, text, err) == (0, "已将“ZG2024-01”改为“整改中”。\n", "")
    assert statuses(capsys, db)["ZG2024-01"] == "整改中"
    last = ledger.history(store.get_engine(db), "ZG2024-01")[-1]
    assert (last["who"], last["action"], last["from_status"], last["to_status"], last["note"]) == (
        "命令行",
        "开始整改",
        "未启动",
        "整改中",
        "已部署",
    )


def test_set_with_progress_and_who(capsys: pytest.CaptureFixture[str], db: str) -> None:
    args = ["--status", "待验收", "--note", "培训完成", "--progress", "全年培训4场", "--who", "综合行政执法大队"]
    code, text, _ = run(capsys, db, "rectify", "set", "ZG2023-02", *args)
    assert (code, text) == (0, "已将“ZG2023-02”改为“已完成（待验收）”。\n")
    [item] = [d for d in listed(capsys, db) if d["id"] == "ZG2023-02"]
    assert (item["status"], item["progress"]) == ("已完成", "全年培训4场")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", item["done_date"])  # type: ignore[arg-type]
    assert ledger.history(store.get_engine(db), "ZG2023-02")[-1]["who"] == "综合行政执法大队"


def test_set_sends_back_with_a_reason(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, _ = run(capsys, db, "rectify", "set", "ZG2023-04", "--status", "整改中", "--note", "佐证材料不全")
    assert code == 0
    [item] = [d for d in listed(capsys, db) if d["id"] == "ZG2023-04"]
    assert (item["status"], item["done_date"]) == ("整改中", None)
    assert ledger.history(store.get_engine(db), "ZG2023-04")[-1]["action"] == "退回"


# (编号, --status, --note, the message on stderr)
REFUSALS = [
    ("ZG2023-02", "已销号", "直接销号", "“ZG2023-02”不能从“整改中”改为“已销号”；可改为：已完成（待验收）（整改完成（提交验收））"),
    ("ZG2023-01", "整改中", "重新整改", "“ZG2023-01”不能从“已销号”改为“整改中”；可改为：无"),
    ("ZG2024-01", "已完成", "已完成", "“ZG2024-01”不能从“未启动”改为“已完成（待验收）”；可改为：整改中（开始整改）"),
    ("ZG2023-04", "整改中", "", "“退回”须填写理由"),
    ("ZG2024-01", "未启动", "重置", "“ZG2024-01”已是“未启动”状态"),
    ("ZG2024-01", "搁置", "暂缓", "状态“搁置”不存在（可选：未启动、整改中、已完成、已销号）"),
    ("ZG9999-01", "整改中", "已部署", "整改台账中没有编号为“ZG9999-01”的事项"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("item", "status", "note", "message"),
    REFUSALS,
    ids=["跳过验收", "已销号不能退回", "未启动不能直接完成", "退回无理由", "状态相同", "状态不存在", "编号不存在"],
)
def test_a_refused_change_exits_1_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], db: str, item: str, status: str, note: str, message: str
) -> None:
    before = listed(capsys, db)
    code, text, err = run(capsys, db, "rectify", "set", item, "--status", status, "--note", note)
    assert (code, text, err) == (1, "", message + "\n")
    assert listed(capsys, db) == before


# ------------------------------------------------------------------ import


# A new item and an update of the demo's ZG2024-01 (status and progress).
GOOD_ROWS = [
    ["ZG2024-02", 2024, "巡察", "执法公示不及时", None, "建立公示台账", "分管副镇长", "综合行政执法大队", "2024年8月31日", "未启动", None, "执法证"],
    ["ZG2024-01", 2024, "上级督察", "普法宣传覆盖不均衡，部分村上半年未开展活动", "普法工作按活动安排，未按村统筹", "按村统筹", "分管副镇长", "司法所", "2024-07-10", "整改中", "已排定各村活动", "覆盖村数"],
]  # fmt: skip
# Row 4 has a date that does not exist and a status that is not on the list.
BAD_ROWS = [
    ["ZG2024-02", 2024, "自查", "执法公示不及时", None, "建立公示台账", None, "司法所", "2024-07-31", "整改中", None, None],
    ["ZG2024-03", 2024, "自查", "问题", None, "措施", None, "司法所", "2024-02-30", "搁置", None, None],
]  # fmt: skip


def test_import_json_and_reimport(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    good = ledger_file(tmp_path / "整改台账.xlsx", *GOOD_ROWS)
    code, data, err = run(capsys, db, "rectify", "import", str(good), "--json")
    assert (code, err) == (0, "")
    assert isinstance(data, dict)
    assert set(data) == {"status", "created", "updated", "errors", "warnings"}
    assert (data["status"], data["created"], data["updated"], data["errors"]) == (
        "stored",
        ["ZG2024-02"],
        ["ZG2024-01"],
        [],
    )
    after = {d["id"]: d for d in listed(capsys, db)}
    assert len(after) == 6
    assert (after["ZG2024-01"]["status"], after["ZG2024-02"]["deadline"]) == ("整改中", "2024-08-31")
    last = ledger.history(store.get_engine(db), "ZG2024-01")[-1]
    assert (last["action"], last["who"], last["note"]) == ("导入更新", "命令行", "整改台账.xlsx")

    code, data, _ = run(capsys, db, "rectify", "import", str(good), "--json")
    assert (code, data["status"], data["created"], data["updated"]) == (0, "unchanged", [], [])  # type: ignore[index]
    code, text, _ = run(capsys, db, "rectify", "import", str(good))
    assert (code, text) == (0, "整改台账内容与已有记录相同，未作改动\n")


def test_import_of_a_bad_file_exits_1_and_names_the_cells(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    bad = ledger_file(tmp_path / "坏台账.xlsx", *BAD_ROWS)
    before = listed(capsys, db)
    code, data, _ = run(capsys, db, "rectify", "import", str(bad), "--json")
    assert code == 1 and isinstance(data, dict)
    assert (data["status"], data["created"], data["updated"]) == ("rejected", [], [])
    assert [(e["sheet"], e["cell"], e["code"]) for e in data["errors"]] == [
        ("整改台账", "I4", "no_such_date"),
        ("整改台账", "J4", "unknown_choice"),
    ]
    assert data["errors"][0]["file"] == "坏台账.xlsx"
    code, text, _ = run(capsys, db, "rectify", "import", str(bad))
    assert code == 1 and isinstance(text, str)
    assert text.splitlines() == [
        "已拒绝：发现 2 处错误，整改台账未作任何改动",
        "  错误 坏台账.xlsx 整改台账!I4：日期“2024-02-30”不存在",
        "  错误 坏台账.xlsx 整改台账!J4：“搁置”不是可选值（可选：未启动、整改中、已完成、已销号）",
    ]
    assert listed(capsys, db) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("台账.xlsx", b"not a workbook", "not_a_workbook"),
        ("没有这个文件.xlsx", None, "文件不存在"),
    ],
)
def test_import_of_something_else_exits_1(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, data, err = run(capsys, db, "rectify", "import", str(path), "--json")
    assert code == 1
    assert message in (err if content is None else json.dumps(data, ensure_ascii=False))


def test_template_then_import_round_trip(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    out = tmp_path / "整改台账模板.xlsx"
    code, text, _ = run(capsys, db, "rectify", "template", "-o", str(out))
    assert (code, text) == (0, f"已生成空白整改台账：{out}\n")
    code, data, _ = run(capsys, db, "rectify", "import", str(out), "--json")
    assert (code, data["status"], data["errors"]) == (0, "unchanged", [])  # type: ignore[index]


# ------------------------------------------------------------------ usage


@pytest.mark.parametrize(
    "args",
    [
        ["rectify", "set", "ZG2024-01", "--status", "整改中"],
        ["rectify", "set", "ZG2024-01", "--note", "已部署"],
        ["rectify", "set", "--status", "整改中", "--note", "已部署"],
        ["rectify"],
        ["rectify", "list", "--as-of", "2024/06/30"],
    ],
    ids=["no --note", "no --status", "no id", "no subcommand", "bad date"],
)
def test_usage_errors_exit_2_in_chinese(capsys: pytest.CaptureFixture[str], db: str, args: list[str]) -> None:
    before = listed(capsys, db)
    with pytest.raises(SystemExit) as info:
        main(["--db", db, *args])
    assert info.value.code == 2
    assert "用法错误：" in capsys.readouterr().err
    assert listed(capsys, db) == before


def test_missing_note_names_the_flag(capsys: pytest.CaptureFixture[str], db: str) -> None:
    with pytest.raises(SystemExit):
        main(["--db", db, "rectify", "set", "ZG2024-01", "--status", "整改中"])
    assert "缺少必需的参数：--note" in capsys.readouterr().err
