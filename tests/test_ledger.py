"""The rectification ledger (整改台账): workflow, history, overdue and 即将到期, import by 编号, template, demo."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from lawdash import ledger, store
from lawdash.catalogue import default_catalogue
from lawdash.demo import DEMO_TOWN, load_demo
from lawdash.errors import Refused
from lawdash.ledger import LedgerItem
from lawdash.problems import Code
from tests.conftest import Databases, build_workbook

TOWN = "商酒务镇"
STATUSES = ("未启动", "整改中", "已完成", "已销号")
FINISHED = ("已完成", "已销号")
LABELS = {"已完成": "已完成（待验收）"}
ALLOWED = {
    ("未启动", "整改中"): "开始整改",
    ("整改中", "已完成"): "整改完成（提交验收）",
    ("已完成", "已销号"): "验收销号",
    ("已完成", "整改中"): "退回",
}
REFUSED = [(a, b) for a in STATUSES for b in STATUSES if a != b and (a, b) not in ALLOWED]
# What a refusal offers instead, as the user reads it.
CAN_GO = {
    "未启动": "整改中（开始整改）",
    "整改中": "已完成（待验收）（整改完成（提交验收））",
    "已完成": "已销号（验收销号）、整改中（退回）",
    "已销号": "无",
}
HEADER = ["编号", "年度", "来源", "问题", "原因", "整改措施", "责任领导", "责任单位", "整改时限", "状态", "进展", "关联指标"]  # fmt: skip
FILE = "整改台账.xlsx"

History = list[dict[str, object]]
Snapshot = tuple[list[dict[str, object]], dict[str, History]]


def label(status: str) -> str:
    return LABELS.get(status, status)


def row(
    code: str = "ZG-1",
    *,
    status: str | None = "未启动",
    deadline: object = "2024-05-31",
    progress: str | None = None,
    year: int = 2024,
    problem: str | None = "行政执法案卷不规范",
    indicator: str | None = None,
) -> list[object]:
    """One ledger row in HEADER order (data rows start at row 3, below a title and the header)."""
    return [code, year, "自查", problem, "制度执行不严", "开展案卷评查", "分管副镇长", "司法所", deadline, status, progress, indicator]  # fmt: skip


def ledger_file(*rows: list[object]) -> bytes:
    return build_workbook({"整改台账": [[f"{TOWN}问题整改台账"], HEADER, *rows]})


def add_entry(
    engine: Engine, status: str = "未启动", code: str = "ZG-1", when: dt.datetime | None = None, **kw: object
) -> None:
    data = ledger_file(row(code, status=status, **kw))  # type: ignore[arg-type]
    result = ledger.import_ledger(engine, FILE, data, town=TOWN, when=when)
    assert result.status == "stored", result.to_json()


def get(engine: Engine, code: str = "ZG-1", as_of: dt.date = dt.date(2024, 6, 30)) -> LedgerItem:
    return next(i for i in ledger.list_entries(engine, TOWN, as_of=as_of) if i.code == code)


def snapshot(engine: Engine) -> Snapshot:
    """Every entry and every history row, to show that a refused write changed nothing."""
    items = ledger.list_entries(engine, TOWN, as_of=dt.date(2024, 6, 30))
    return [i.to_json() for i in items], {i.code: ledger.history(engine, i.code, TOWN) for i in items}


def item(status: str, deadline: dt.date = dt.date(2024, 5, 31)) -> LedgerItem:
    return LedgerItem("ZG-1", TOWN, 2024, "自查", "问题", None, "措施", None, "司法所", deadline, status, None, None, None)  # fmt: skip


# ------------------------------------------------------------------ workflow


@pytest.mark.parametrize(("source", "target", "action"), [(a, b, act) for (a, b), act in ALLOWED.items()], ids=str)
def test_allowed_transition_is_stored_with_one_history_row(
    engine: Engine, source: str, target: str, action: str
) -> None:
    add_entry(engine, source, progress="已部署")
    before = ledger.history(engine, "ZG-1")
    changed = ledger.set_status(engine, "ZG-1", target, note="材料齐全", who="司法所")
    assert changed.status == target
    assert get(engine).status == target
    after = ledger.history(engine, "ZG-1")
    assert after[:-1] == before
    assert {k: v for k, v in after[-1].items() if k != "time"} == {
        "who": "司法所",
        "action": action,
        "from_status": source,
        "to_status": target,
        "from_progress": "已部署",
        "to_progress": "已部署",
        "note": "材料齐全",
    }


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=str)
def test_refused_transition_names_both_statuses_and_changes_nothing(engine: Engine, source: str, target: str) -> None:
    add_entry(engine, source)
    before = snapshot(engine)
    with pytest.raises(Refused) as info:
        ledger.set_status(engine, "ZG-1", target, note="理由", who="司法所")
    message = str(info.value)
    assert f"“ZG-1”不能从“{label(source)}”改为“{label(target)}”" in message
    assert message.endswith(f"可改为：{CAN_GO[source]}")
    assert snapshot(engine) == before


def test_the_table_covers_every_ordered_pair() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(STATUSES) * (len(STATUSES) - 1)
    led = default_catalogue().ledger
    assert {(t.source, t.target): t.action for t in led.transitions} == ALLOWED
    assert [t.note for t in led.transitions] == [False, False, False, True]


@pytest.mark.parametrize(("status", "asked"), [*((s, s) for s in STATUSES), ("已完成", "待验收"), ("整改中", "推进中")])
def test_setting_the_same_status_is_refused(engine: Engine, status: str, asked: str) -> None:
    add_entry(engine, status)
    before = snapshot(engine)
    with pytest.raises(Refused, match=f"^“ZG-1”已是“{label(status)}”状态$"):
        ledger.set_status(engine, "ZG-1", asked, note="理由", who="司法所")
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("source", "code", "target", "note", "message"),
    [
        ("已完成", "ZG-1", "整改中", "", "“退回”须填写理由"),
        ("已完成", "ZG-1", "整改中", "   ", "“退回”须填写理由"),
        ("未启动", "ZG-9", "整改中", "已部署", "整改台账中没有编号为“ZG-9”的事项"),
        ("未启动", "ZG-1", "搁置", "暂缓", "状态“搁置”不存在（可选：未启动、整改中、已完成、已销号）"),
    ],
    ids=["退回无理由", "退回理由为空白", "编号不存在", "状态不存在"],
)
def test_other_refusals_change_nothing(
    engine: Engine, source: str, code: str, target: str, note: str, message: str
) -> None:
    add_entry(engine, source)
    before = snapshot(engine)
    with pytest.raises(Refused) as info:
        ledger.set_status(engine, code, target, note=note, who="镇纪委")
    assert str(info.value) == message
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("source", "asked", "stored"),
    [
        ("整改中", "已完成（待验收）", "已完成"),
        ("整改中", "已完成(待验收)", "已完成"),
        ("整改中", "待验收", "已完成"),
        ("整改中", "已整改到位", "已完成"),
        ("未启动", "正在整改", "整改中"),
        ("已完成", "已验收销号", "已销号"),
    ],
)
def test_status_aliases_are_accepted(engine: Engine, source: str, asked: str, stored: str) -> None:
    add_entry(engine, source)
    changed = ledger.set_status(engine, "ZG-1", asked, note="", who="司法所")
    assert (changed.status, changed.status_label) == (stored, label(stored))
    last = ledger.history(engine, "ZG-1")[-1]
    assert (last["from_status"], last["to_status"], last["action"]) == (source, stored, ALLOWED[(source, stored)])


# ------------------------------------------------------------------ history


@pytest.mark.parametrize("who", ["导入", "党政办"])
def test_import_of_a_new_entry_records_导入新增(engine: Engine, who: str) -> None:
    data = ledger_file(row(status="整改中", progress="已部署"))
    assert ledger.import_ledger(engine, FILE, data, town=TOWN, who=who).created == ["ZG-1"]
    [only] = ledger.history(engine, "ZG-1")
    assert {k: v for k, v in only.items() if k != "time"} == {
        "who": who,
        "action": "导入新增",
        "from_status": None,
        "to_status": "整改中",
        "from_progress": None,
        "to_progress": "已部署",
        "note": FILE,
    }


# (when, status, note, 完成日期 afterwards)
DONE_DATE_STEPS = [
    (dt.datetime(2024, 5, 1, 9), "整改中", "", None),
    (dt.datetime(2024, 5, 20, 17), "已完成", "", dt.date(2024, 5, 20)),
    (dt.datetime(2024, 5, 28, 11), "整改中", "缺少佐证材料", None),
    (dt.datetime(2024, 6, 20, 16), "已完成", "已补充材料", dt.date(2024, 6, 20)),
    (dt.datetime(2024, 7, 2, 10), "已销号", "验收通过", dt.date(2024, 6, 20)),
]


def test_完成日期_is_the_date_of_已完成_and_退回_clears_it(engine: Engine) -> None:
    add_entry(engine, "未启动", when=dt.datetime(2024, 4, 1, 9))
    for when, status, note, done in DONE_DATE_STEPS:
        changed = ledger.set_status(engine, "ZG-1", status, note=note, who="司法所", when=when)
        assert (changed.status, changed.done_date) == (status, done), when
        assert get(engine).done_date == done
    history = ledger.history(engine, "ZG-1")
    assert [h["action"] for h in history] == ["导入新增", "开始整改", "整改完成（提交验收）", "退回", "整改完成（提交验收）", "验收销号"]  # fmt: skip
    assert [(h["time"], h["to_status"], h["note"]) for h in history] == [
        (dt.datetime(2024, 4, 1, 9), "未启动", FILE),
        *((when, status, note) for when, status, note, _ in DONE_DATE_STEPS),
    ]


def test_完成日期_defaults_to_the_day_of_the_change(engine: Engine) -> None:
    add_entry(engine, "整改中")
    changed = ledger.set_status(engine, "ZG-1", "已完成", note="", who="司法所")
    last = ledger.history(engine, "ZG-1")[-1]
    assert last["action"] == "整改完成（提交验收）"
    assert isinstance(last["time"], dt.datetime)
    assert changed.done_date == last["time"].date() == get(engine).done_date


def test_set_progress_appends_更新进展(engine: Engine) -> None:
    add_entry(engine, "整改中", progress="已部署")
    changed = ledger.set_progress(engine, "ZG-1", "  完成培训2场 ", who="司法所", note="上半年")
    assert (changed.status, changed.progress) == ("整改中", "完成培训2场")
    history = ledger.history(engine, "ZG-1")
    assert [h["action"] for h in history] == ["导入新增", "更新进展"]
    assert {k: v for k, v in history[-1].items() if k != "time"} == {
        "who": "司法所",
        "action": "更新进展",
        "from_status": "整改中",
        "to_status": "整改中",
        "from_progress": "已部署",
        "to_progress": "完成培训2场",
        "note": "上半年",
    }


@pytest.mark.parametrize(("progress", "asked"), [("已部署", "已部署"), ("已部署", " 已部署  "), (None, "")])
def test_unchanged_progress_is_refused(engine: Engine, progress: str | None, asked: str) -> None:
    add_entry(engine, "整改中", progress=progress)
    before = snapshot(engine)
    with pytest.raises(Refused, match=r"^“ZG-1”的进展没有变化$"):
        ledger.set_progress(engine, "ZG-1", asked, who="司法所")
    assert snapshot(engine) == before


def test_status_and_progress_change_together_in_one_row(engine: Engine) -> None:
    add_entry(engine, "整改中", progress="已部署")
    changed = ledger.set_status(engine, "ZG-1", "已完成", note="", who="司法所", progress="培训全部完成")
    assert (changed.status, changed.progress) == ("已完成", "培训全部完成")
    history = ledger.history(engine, "ZG-1")
    assert len(history) == 2
    last = history[-1]
    assert (last["from_status"], last["to_status"]) == ("整改中", "已完成")
    assert (last["from_progress"], last["to_progress"]) == ("已部署", "培训全部完成")


def test_history_of_an_unknown_编号_is_refused(engine: Engine) -> None:
    with pytest.raises(Refused, match="ZG-404"):
        ledger.history(engine, "ZG-404")


def test_a_backdated_change_still_ends_the_history(engine: Engine) -> None:
    add_entry(engine, "未启动")
    ledger.set_status(engine, "ZG-1", "整改中", note="", who="司法所", when=dt.datetime(2024, 5, 20, 9))
    history = ledger.history(engine, "ZG-1")
    assert [h["action"] for h in history] == ["导入新增", "开始整改"]
    assert history[-1]["to_status"] == get(engine).status


# ------------------------------------------------------------------ property: any walk keeps history consistent


def check_consistent(engine: Engine, history: History) -> None:
    current = get(engine)
    assert history[0]["action"] == "导入新增"
    assert current.status == history[-1]["to_status"]
    assert current.progress == history[-1]["to_progress"]
    for earlier, later in itertools.pairwise(history):
        assert earlier["to_status"] == later["from_status"]
        assert earlier["to_progress"] == later["from_progress"]
        assert earlier["time"] <= later["time"]  # type: ignore[operator]
    for h in history[1:]:
        if h["action"] == "更新进展":
            assert h["from_status"] == h["to_status"]
        else:
            assert ALLOWED[(h["from_status"], h["to_status"])] == h["action"]  # type: ignore[index]
    if current.status not in FINISHED:
        assert current.done_date is None
    if history[-1]["action"] == "整改完成（提交验收）":
        assert current.done_date == history[-1]["time"].date()  # type: ignore[attr-defined]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sampled_from(STATUSES), data=st.data())
def test_any_walk_keeps_history_consistent_with_the_state(
    databases: Databases, start: str, data: st.DataObject
) -> None:
    notes = st.text(alphabet="整改材料齐全退回补充 ", max_size=6)
    with databases.fresh() as url:
        engine = store.get_engine(url)
        store.seed_reference(engine)
        add_entry(engine, start)
        for _ in range(data.draw(st.integers(1, 10), label="steps")):
            status = get(engine).status
            targets = [t for (s, t) in ALLOWED if s == status]
            kind = data.draw(st.sampled_from(["allowed", "allowed", "refused", "progress"]), label="kind")
            before = ledger.history(engine, "ZG-1")
            if kind == "allowed" and targets:
                target = data.draw(st.sampled_from(targets), label="transition")
                note = data.draw(notes, label="note")
                if ALLOWED[(status, target)] == "退回" and not note.strip():
                    with pytest.raises(Refused, match="须填写理由"):
                        ledger.set_status(engine, "ZG-1", target, note=note, who="镇纪委")
                    assert ledger.history(engine, "ZG-1") == before
                else:
                    ledger.set_status(engine, "ZG-1", target, note=note, who="司法所")
                    after = ledger.history(engine, "ZG-1")
                    assert len(after) == len(before) + 1
                    assert (after[-1]["from_status"], after[-1]["to_status"]) == (status, target)
            elif kind == "progress":
                text = data.draw(notes, label="progress")
                unchanged = (get(engine).progress or "") == text.strip()
                if unchanged:
                    with pytest.raises(Refused):
                        ledger.set_progress(engine, "ZG-1", text, who="司法所")
                else:
                    ledger.set_progress(engine, "ZG-1", text, who="司法所")
                assert len(ledger.history(engine, "ZG-1")) == len(before) + (not unchanged)
            else:
                refused = [t for t in STATUSES if (status, t) not in ALLOWED]
                target = data.draw(st.sampled_from(refused), label="refused")
                with pytest.raises(Refused):
                    ledger.set_status(engine, "ZG-1", target, note="理由", who="司法所")
                assert ledger.history(engine, "ZG-1") == before
                assert get(engine).status == status
            check_consistent(engine, ledger.history(engine, "ZG-1"))


# ------------------------------------------------------------------ overdue and 即将到期


@pytest.mark.parametrize(
    ("status", "as_of", "overdue", "days_overdue", "due_soon", "days_left"),
    [
        ("整改中", dt.date(2024, 6, 30), True, 30, False, -30),
        ("整改中", dt.date(2024, 6, 1), True, 1, False, -1),
        ("整改中", dt.date(2024, 5, 31), False, 0, True, 0),
        ("整改中", dt.date(2024, 5, 16), False, 0, True, 15),
        ("整改中", dt.date(2024, 5, 15), False, 0, False, 16),
        ("未启动", dt.date(2024, 6, 30), True, 30, False, -30),
        ("未启动", dt.date(2024, 5, 20), False, 0, True, 11),
        ("已完成", dt.date(2024, 6, 30), False, 0, False, None),
        ("已完成", dt.date(2024, 5, 20), False, 0, False, None),
        ("已销号", dt.date(2024, 6, 30), False, 0, False, None),
    ],
)
def test_deadline_judged_on_a_fixed_date(
    engine: Engine,
    status: str,
    as_of: dt.date,
    overdue: bool,
    days_overdue: int,
    due_soon: bool,
    days_left: int | None,
) -> None:
    expected = (overdue, days_overdue, due_soon, days_left)
    judged = ledger.judge(item(status), as_of)
    assert (judged.overdue, judged.days_overdue, judged.due_soon, judged.days_left) == expected
    add_entry(engine, status, deadline="2024-05-31")
    stored = get(engine, as_of=as_of)
    assert (stored.overdue, stored.days_overdue, stored.due_soon, stored.days_left) == expected
    assert [i.code for i in ledger.overdue_items(engine, TOWN, as_of)] == (["ZG-1"] if overdue else [])


# (编号, 年度, 状态, 整改时限) as of 2024-06-30
ORDER_ROWS = [
    ("E", 2024, "未启动", "2024-12-31"),  # open
    ("F", 2023, "已完成", "2024-01-31"),  # finished, past its deadline
    ("A", 2024, "整改中", "2024-06-20"),  # 10 days overdue
    ("G", 2023, "已销号", "2024-03-31"),  # finished
    ("C", 2024, "整改中", "2024-07-10"),  # due in 10 days
    ("B", 2023, "未启动", "2024-05-21"),  # 40 days overdue
    ("D", 2024, "整改中", "2024-07-05"),  # due in 5 days
]


@pytest.fixture
def ordered(engine: Engine) -> Engine:
    data = ledger_file(*(row(c, year=y, status=s, deadline=d) for c, y, s, d in ORDER_ROWS))
    assert ledger.import_ledger(engine, FILE, data, town=TOWN).status == "stored"
    return engine


@pytest.mark.parametrize(
    ("year", "overdue_only", "codes"),
    [
        (None, False, ["B", "A", "D", "C", "E", "F", "G"]),
        (2024, False, ["A", "D", "C", "E"]),
        (2023, False, ["B", "F", "G"]),
        (None, True, ["B", "A"]),
        (2024, True, ["A"]),
    ],
)
def test_list_order_overdue_first_then_due_soon_then_open_then_finished(
    ordered: Engine, year: int | None, overdue_only: bool, codes: list[str]
) -> None:
    items = ledger.list_entries(ordered, TOWN, year, dt.date(2024, 6, 30), overdue_only=overdue_only)
    assert [i.code for i in items] == codes


def test_overdue_items_most_days_first(ordered: Engine) -> None:
    items = ledger.overdue_items(ordered, TOWN, dt.date(2024, 6, 30))
    assert [(i.code, i.days_overdue) for i in items] == [("B", 40), ("A", 10)]
    assert ledger.overdue_items(ordered, TOWN, dt.date(2024, 5, 20)) == []
    counts = ledger.status_counts(ledger.list_entries(ordered, TOWN, as_of=dt.date(2024, 6, 30)))
    assert counts == {"未启动": 2, "整改中": 3, "已完成": 1, "已销号": 1, "逾期": 2}


# ------------------------------------------------------------------ import

MESSY_HEADER = ["问题编号", "年度", "问题来源", "存在问题", "原因分析", "整改措施", "分管领导", "责任部门", "完成时限", "整改状态", "整改进展", "对应指标"]  # fmt: skip


MESSY_ROWS = [
    ["ZG2024-01", 2024, "上级督察", "执法人员培训不足", "培训计划未落实", "制定培训计划", "分管副镇长", "司法所", "2024年5月31日", "正在整改", "已部署培训计划", "参训人次"],
    ["ZG2024-02", 2024, "自查", "普法宣传覆盖不均衡", None, "按村统筹普法活动", None, None, dt.datetime(2024, 9, 30), "未开始", None, "覆盖村数"],
    [None] * 12,
    ["ZG2024-03", 2024, "审计", "规范性文件未经审查", None, "建立合法性审查台账", "镇长", "党政办", "2024/12/31", "已完成（待验收）", "已建立台账", None],
]  # fmt: skip
PROGRESS, STATUS = 10, 9  # column indexes in MESSY_ROWS


def messy_file(progress: str = "已部署培训计划", second_status: str = "未开始") -> bytes:
    """A ledger as a clerk keeps it: title, header variants, text and real dates, a merged 责任单位, a blank row."""
    rows = [list(r) for r in MESSY_ROWS]
    rows[0][PROGRESS], rows[1][STATUS] = progress, second_status
    title: list[object] = [f"{TOWN}2024年度法治政府建设问题整改台账"]
    return build_workbook({"整改台账": [title, MESSY_HEADER, *rows]}, {"整改台账": ["A1:L1", "H3:H4"]})


# 编号 → (责任单位, 整改时限, 状态, 进展, 关联指标)
MESSY_EXPECTED = {
    "ZG2024-01": ("司法所", dt.date(2024, 5, 31), "整改中", "已部署培训计划", "trainees"),
    "ZG2024-02": ("司法所", dt.date(2024, 9, 30), "未启动", None, "villages_reached"),
    "ZG2024-03": ("党政办", dt.date(2024, 12, 31), "已完成", "已建立台账", None),
}


def test_a_messy_ledger_imports_whole(engine: Engine) -> None:
    result = ledger.import_ledger(engine, "商酒务镇整改台账.xlsx", messy_file(), town=TOWN)
    assert (result.status, result.created, result.updated, result.errors) == (
        "stored",
        list(MESSY_EXPECTED),
        [],
        [],
    )
    assert [(w.where(), w.code) for w in result.warnings] == [
        ("整改台账!J3", Code.CHOICE_ALIAS),
        ("整改台账!J4", Code.CHOICE_ALIAS),
        ("整改台账!J6", Code.CHOICE_ALIAS),
    ]
    items = {i.code: i for i in ledger.list_entries(engine, TOWN, as_of=dt.date(2024, 6, 30))}
    assert {c: (i.unit, i.deadline, i.status, i.progress, i.indicator) for c, i in items.items()} == MESSY_EXPECTED
    first = items["ZG2024-01"]
    assert (first.year, first.source, first.problem, first.cause, first.leader) == (
        2024,
        "上级督察",
        "执法人员培训不足",
        "培训计划未落实",
        "分管副镇长",
    )
    assert first.overdue and first.days_overdue == 30
    assert all([h["action"] for h in ledger.history(engine, c)] == ["导入新增"] for c in MESSY_EXPECTED)


@pytest.mark.parametrize("title", ["整改台账", "问题整改清单", "Sheet1"])
def test_the_ledger_sheet_is_found_by_name_or_header(engine: Engine, title: str) -> None:
    data = build_workbook({"说明": [["填表说明"]], title: [HEADER, row()]})
    assert ledger.import_ledger(engine, FILE, data, town=TOWN).created == ["ZG-1"]


def test_reimport_of_the_same_file_is_unchanged(engine: Engine) -> None:
    ledger.import_ledger(engine, "商酒务镇整改台账.xlsx", messy_file(), town=TOWN)
    before = snapshot(engine)
    result = ledger.import_ledger(engine, "商酒务镇整改台账.xlsx", messy_file(), town=TOWN)
    assert (result.status, result.created, result.updated) == ("unchanged", [], [])
    assert result.summary() == "整改台账内容与已有记录相同，未作改动"
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("changes", "code", "expected"),
    [
        (
            {"progress": "已培训2场"},
            "ZG2024-01",
            {
                "from_status": "整改中",
                "to_status": "整改中",
                "from_progress": "已部署培训计划",
                "to_progress": "已培训2场",
            },
        ),
        (
            {"second_status": "推进中"},
            "ZG2024-02",
            {"from_status": "未启动", "to_status": "整改中", "from_progress": None, "to_progress": None},
        ),
    ],
    ids=["进展", "状态"],
)
def test_reimport_updates_by_编号_with_one_history_row(
    engine: Engine, changes: dict[str, str], code: str, expected: dict[str, object]
) -> None:
    ledger.import_ledger(engine, "商酒务镇整改台账.xlsx", messy_file(), town=TOWN)
    entries, histories = snapshot(engine)
    result = ledger.import_ledger(engine, "商酒务镇整改台账6月.xlsx", messy_file(**changes), town=TOWN, who="党政办")
    assert (result.status, result.created, result.updated) == ("stored", [], [code])
    assert result.summary() == "已导入整改台账：新增 0 项，更新 1 项"
    after_entries, after_histories = snapshot(engine)
    assert sorted(e["id"] for e in after_entries) == sorted(MESSY_EXPECTED)  # no duplicates
    assert [e for e in after_entries if e["id"] != code] == [e for e in entries if e["id"] != code]
    assert {c: h for c, h in after_histories.items() if c != code} == {c: h for c, h in histories.items() if c != code}
    added = after_histories[code][len(histories[code]) :]
    assert len(added) == 1
    assert {k: v for k, v in added[0].items() if k != "time"} == {
        "who": "党政办",
        "action": "导入更新",
        "note": "商酒务镇整改台账6月.xlsx",
        **expected,
    }
    assert get(engine, code).status == expected["to_status"]


def test_reimport_without_完成日期_keeps_the_date_of_已完成(engine: Engine) -> None:
    add_entry(engine, "整改中")
    ledger.set_status(engine, "ZG-1", "已完成", note="", who="司法所")
    done = get(engine).done_date
    assert done is not None
    result = ledger.import_ledger(engine, FILE, ledger_file(row(status="已完成")), town=TOWN)
    assert get(engine).done_date == done
    assert result.status == "unchanged"


BAD_CELLS = [
    ({"deadline": "2024-02-30"}, "整改台账!I4", Code.NO_SUCH_DATE, "日期“2024-02-30”不存在"),
    (
        {"status": "搁置"},
        "整改台账!J4",
        Code.UNKNOWN_CHOICE,
        "“搁置”不是可选值（可选：未启动、整改中、已完成、已销号）",
    ),
    ({"indicator": "不存在的指标"}, "整改台账!L4", Code.UNKNOWN_INDICATOR, "指标“不存在的指标”不存在"),
    ({"problem": None}, "整改台账!D4", Code.MISSING_VALUE, "“问题”未填写"),
    ({"code": "ZG-1"}, "整改台账!A4", Code.DUPLICATE_CODE, "编号“ZG-1”与第3行重复"),
]


@pytest.mark.parametrize(("bad", "where", "code", "message"), BAD_CELLS, ids=[b[2].value for b in BAD_CELLS])
def test_a_bad_cell_rejects_the_whole_file(
    engine: Engine, bad: dict[str, object], where: str, code: Code, message: str
) -> None:
    add_entry(engine, "整改中", code="ZG-0")
    before = snapshot(engine)
    kw = {"code": "ZG-2", **bad}
    data = ledger_file(row("ZG-1"), row(kw.pop("code"), **kw))  # type: ignore[arg-type]
    result = ledger.import_ledger(engine, "坏台账.xlsx", data, town=TOWN)
    assert (result.status, result.created, result.updated) == ("rejected", [], [])
    assert [(p.where(), p.code, p.message, p.file) for p in result.errors] == [(where, code, message, "坏台账.xlsx")]
    assert result.summary() == "已拒绝：发现 1 处错误，整改台账未作任何改动"
    assert snapshot(engine) == before


def test_every_bad_cell_is_named(engine: Engine) -> None:
    rows = [row("ZG-1")]
    for n, (bad, *_) in enumerate(BAD_CELLS, start=2):
        kw = {"code": f"ZG-{n}", **bad}
        rows.append(row(kw.pop("code"), **kw))  # type: ignore[arg-type]
    result = ledger.import_ledger(engine, "坏台账.xlsx", ledger_file(*rows), town=TOWN)
    assert result.status == "rejected"
    assert [p.text() for p in result.errors] == [
        "整改台账!I4：日期“2024-02-30”不存在",
        "整改台账!J5：“搁置”不是可选值（可选：未启动、整改中、已完成、已销号）",
        "整改台账!L6：指标“不存在的指标”不存在",
        "整改台账!D7：“问题”未填写",
        "整改台账!A8：编号“ZG-1”与第3行重复",
    ]
    assert snapshot(engine) == ([], {})


@pytest.mark.parametrize(
    ("data", "code", "where"),
    [
        (b"PK\x03\x04 not really a workbook", Code.NOT_A_WORKBOOK, "台账.xlsx"),
        (build_workbook({"说明": [["填表说明"], ["请按月填报"]]}), Code.NO_KNOWN_SHEET, "台账.xlsx"),
        (build_workbook({"整改台账": [HEADER[:8], row()[:8]]}), Code.MISSING_COLUMN, "整改台账!第1行"),
    ],
    ids=["not_a_workbook", "no_known_sheet", "missing_column"],
)
def test_a_file_that_is_not_a_ledger_is_rejected(engine: Engine, data: bytes, code: Code, where: str) -> None:
    add_entry(engine, "整改中", code="ZG-0")
    before = snapshot(engine)
    result = ledger.import_ledger(engine, "台账.xlsx", data, town=TOWN)
    assert result.status == "rejected"
    assert [(p.code, p.where()) for p in result.errors] == [(code, where)]
    assert snapshot(engine) == before


def test_not_a_workbook_says_so_in_chinese(engine: Engine) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)  # a legacy Excel 97-2003 file
    result = ledger.import_ledger(engine, "台账.xls", ole2, town=TOWN)
    [error] = result.to_json()["errors"]  # type: ignore[misc]
    assert error == {
        "file": "台账.xls",
        "sheet": None,
        "row": None,
        "column": None,
        "cell": None,
        "code": "legacy_xls",
        "message": "文件“台账.xls”是旧版 Excel 97-2003 工作簿（.xls），不能直接读取；请在 Excel 或 WPS 中打开，另存为 .xlsx 后重新上传",
    }


# ------------------------------------------------------------------ template


def test_template_has_the_sheet_headers_and_drop_downs() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(ledger.ledger_template(TOWN)))
    ws = wb["整改台账"]
    assert ws["A1"].value == f"{TOWN}法治政府建设问题整改台账"
    headers = [c.value for c in ws[2]]
    assert headers == ["编号*", "年度*", "来源", "问题*", "原因", "整改措施*", "责任领导", "责任单位*", "整改时限*", "状态", "进展", "完成日期", "关联指标"]  # fmt: skip
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    status, indicator = rules["J3:J502"], rules["M3:M502"]
    assert (status.type, status.formula1, status.showErrorMessage) == ("list", "选项_status", True)
    assert (indicator.type, indicator.formula1, indicator.showErrorMessage) == ("list", "选项_indicator", True)
    assert rules["I3:I502"].type == "date"

    def listed(name: str) -> list[object]:
        [(sheet, cells)] = list(wb.defined_names[name].destinations)
        return [r[0].value for r in wb[sheet][cells]]

    assert wb["选项"].sheet_state == "hidden"
    assert listed("选项_status") == list(STATUSES)
    assert listed("选项_indicator") == [i.name for i in default_catalogue().indicators]


def test_a_filled_in_template_imports_with_no_errors(engine: Engine) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(ledger.ledger_template(TOWN)))
    ws = wb["整改台账"]
    values = ["ZG2024-05", 2024, "巡察", "行政复议应诉能力不足", None, "开展应诉培训", "分管副镇长", "司法所", dt.datetime(2024, 8, 31), "整改中", "已联系律师", None, "参训人次"]  # fmt: skip
    for ci, value in enumerate(values, start=1):
        ws.cell(3, ci, value)
    buf = io.BytesIO()
    wb.save(buf)
    result = ledger.import_ledger(engine, "整改台账模板.xlsx", buf.getvalue(), town=TOWN)
    assert (result.status, result.created, result.problems) == ("stored", ["ZG2024-05"], [])
    entry = get(engine, "ZG2024-05")
    assert (entry.deadline, entry.status, entry.indicator, entry.source) == (
        dt.date(2024, 8, 31),
        "整改中",
        "trainees",
        "巡察",
    )


# ------------------------------------------------------------------ demo


@pytest.fixture(scope="module")
def demo(demo_db: str) -> Engine:
    """The session's demo database, read only."""
    return store.get_engine(demo_db)


def test_demo_ledger_as_of_mid_2024(demo: Engine) -> None:
    items = ledger.list_entries(demo, DEMO_TOWN, as_of=dt.date(2024, 6, 30))
    assert [(i.code, i.status, i.overdue, i.days_overdue, i.due_soon) for i in items] == [
        ("ZG2023-03", "整改中", True, 30, False),
        ("ZG2024-01", "未启动", False, 0, True),
        ("ZG2023-02", "整改中", False, 0, False),
        ("ZG2023-01", "已销号", False, 0, False),
        ("ZG2023-04", "已完成", False, 0, False),
    ]
    assert [(i.code, i.days_overdue) for i in ledger.overdue_items(demo, DEMO_TOWN, dt.date(2024, 6, 30))] == [
        ("ZG2023-03", 30)
    ]
    done = {i.code: i.done_date for i in items}
    assert (done["ZG2023-01"], done["ZG2023-04"]) == (dt.date(2024, 3, 15), dt.date(2024, 6, 20))


def test_demo_ledger_holds_the_four_shortcomings_of_2023(demo: Engine) -> None:
    problems = [i.problem for i in ledger.list_entries(demo, DEMO_TOWN, year=2023)]
    assert len(problems) == 4
    for words in ("推进机制", "执法规范化", "专业素养", "人才短缺"):
        assert sum(words in p for p in problems) == 1, words


def test_demo_ZG2023_04_was_sent_back_once(demo: Engine) -> None:
    actions = [h["action"] for h in ledger.history(demo, "ZG2023-04", DEMO_TOWN) if h["action"] != "导入新增"]
    assert actions == ["开始整改", "整改完成（提交验收）", "退回", "整改完成（提交验收）"]
    [back] = [h for h in ledger.history(demo, "ZG2023-04", DEMO_TOWN) if h["action"] == "退回"]
    assert (back["who"], back["from_status"], back["to_status"]) == ("镇纪委", "已完成", "整改中")
    assert back["note"]


def test_demo_history_reads_oldest_first(demo: Engine) -> None:
    for i in ledger.list_entries(demo, DEMO_TOWN):
        history = ledger.history(demo, i.code, DEMO_TOWN)
        assert (history[0]["action"], history[0]["time"]) == ("导入新增", dt.datetime(2024, 1, 5, 9)), i.code
        assert history[-1]["to_status"] == i.status, i.code
        for earlier, later in itertools.pairwise(history):
            assert earlier["to_status"] == later["from_status"], i.code


def test_loading_the_demo_twice_changes_nothing(engine: Engine) -> None:
    load_demo(engine)
    before = snapshot(engine)
    load_demo(engine)
    assert snapshot(engine) == before
    assert len(before[0]) == 5


def test_reimport_that_skips_the_workflow_is_stored_with_a_warning_and_history(engine: Engine) -> None:
    add_entry(engine, "已销号")
    result = ledger.import_ledger(engine, FILE, ledger_file(row(status="未启动")), town=TOWN)
    assert result.status == "stored" and result.updated == ["ZG-1"]
    assert [(p.code, p.row) for p in result.warnings] == [(Code.STATUS_JUMP, 3)]
    assert "由“已销号”改为“未启动”，不是正常的整改流程" in result.warnings[0].message
    last = ledger.history(engine, "ZG-1", TOWN)[-1]
    assert (last["action"], last["from_status"], last["to_status"]) == ("导入更新", "已销号", "未启动")


def test_blank_cells_on_reimport_keep_what_is_stored(engine: Engine) -> None:
    add_entry(engine, "整改中", progress="已开展案卷评查")
    again = ledger.import_ledger(engine, FILE, ledger_file(row(status=None, progress=None)), town=TOWN)
    assert again.status == "unchanged"
    assert (get(engine).status, get(engine).progress) == ("整改中", "已开展案卷评查")


def test_an_exported_ledger_imports_back_unchanged(engine: Engine) -> None:
    from lawdash.export import frames_to_xlsx

    load_demo(engine)
    items = ledger.list_entries(engine, TOWN)
    data = frames_to_xlsx({"整改台账": ledger.ledger_frame(items, for_file=True)})
    result = ledger.import_ledger(engine, "导出.xlsx", data, town=TOWN)
    assert (result.status, result.problems) == ("unchanged", [])
