"""Every page on the demo database, as a user uses it (Streamlit AppTest, no browser)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lawdash import store
from lawdash.targets import get_targets
from tests.conftest import SAMPLES, TOWN

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "county", "progress", "ledger", "records", "upload", "targets"]


@pytest.fixture
def db(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the demo database, named by LAWDASH_DB as the app reads it."""
    monkeypatch.setenv("LAWDASH_DB", demo_copy)
    return demo_copy


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=30)
    at.query_params.update(params)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [str(e.value) for e in (*at.info, *at.success, *at.warning, *at.error)]
    parts += [f"{m.label}={m.value}" for m in at.metric]
    return "\n".join(parts)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_on_the_demo(db: str, name: str) -> None:
    at = page(name)
    assert not at.exception, at.exception
    assert all(e.value.startswith("**逾期 ") for e in at.error)  # the only red: overdue rectification
    assert "演示数据" in texts(at) or name == "upload"


def test_overview_shows_2023_as_the_report_gave_it(db: str) -> None:
    at = page("overview", year="2023")
    shown = texts(at)
    assert "商酒务镇2023年法治政府建设总览" in shown
    assert "数据截至 2023-12-31" in shown
    assert "#### 4 / 4 次" in shown  # 专题会议
    assert "#### 12 / 12 次" in shown  # 中心组学法
    assert "已完成=7 项" in shown
    assert "已报送 12 个月" in shown


def test_overview_2024_puts_the_lagging_first(db: str) -> None:
    at = page("overview", year="2024", as_of="2024-06-30")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    statuses = [b.split(" ", 1)[1].rstrip("]") for b in badges[:12]]  # cards come before 报送情况
    assert statuses[:3] == ["严重滞后", "严重滞后", "严重滞后"]
    assert statuses.index("滞后") < statuses.index("正常") < statuses.index("已完成")
    assert "严重滞后=3 项" in texts(at)


def test_view_comes_from_the_url_and_goes_back_to_it(db: str) -> None:
    at = page("progress", year="2024", as_of="2024-03-31", indicator="materials_distributed")
    assert "数据截至 2024-03-31" in texts(at)
    assert at.query_params["as_of"] == ["2024-03-31"] or at.query_params["as_of"] == "2024-03-31"
    assert at.selectbox(key="w_indicator").value == "materials_distributed"
    assert at.session_state["v_year"] == 2024


def test_past_year_defaults_to_its_last_reported_month(db: str) -> None:
    at = page("overview", year="2024")
    assert "数据截至 2024-06-30" in texts(at)  # not today's date against a full-year pace


def test_progress_page_lists_villages_not_reached(db: str) -> None:
    at = page("progress", year="2024", indicator="villages_reached")
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("本年度尚未覆盖的村（11 个）") for w in warnings)
    # the rectification item linked to this indicator is shown with it
    assert any("ZG2024-01" in w and "即将到期" in w for w in warnings)
    assert len(at.get("plotly_chart")) == 2  # progress and heat map


def test_small_multiples_show_every_indicator(db: str) -> None:
    at = page("progress", year="2024", indicator="__all__")
    assert len(at.get("plotly_chart")) == 12


def test_presentation_mode_hides_the_controls(db: str) -> None:
    at = page("progress", year="2024", indicator="topic_meetings", present="1")
    assert not [s for s in at.selectbox if s.key == "w_indicator"]
    assert at.button(key="leave_present")


def test_targets_edit_is_seen_by_the_overview(db: str) -> None:
    at = page("targets", year="2024")
    at.session_state["targets_editor"] = {"edited_rows": {0: {"目标": 6}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="save_targets").click().run()
    assert not at.exception
    assert "已保存 2024年目标" in texts(at)
    assert get_targets(store.get_engine(db), TOWN, 2024)["topic_meetings"].value == 6
    assert "#### 2 / 6 次" in texts(page("overview", year="2024"))


def test_targets_refuse_a_bad_plan_and_store_nothing(db: str) -> None:
    at = page("targets", year="2024")
    at.session_state["targets_editor"] = {
        "edited_rows": {1: {"月度计划": "10,20"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="save_targets").click().run()
    assert "月度计划应为 12 个递增的累计比例" in at.error[0].value
    assert get_targets(store.get_engine(db), TOWN, 2024)["central_group_study"].pace is None


def test_upload_checks_then_stores_then_undoes(db: str) -> None:
    engine = store.get_engine(db)
    before = store.record_count(engine)
    new = store.list_batches(engine, limit=1)[0].id + 1  # the demo county's batches come first
    at = page("upload", year="2024")
    files = [
        (p.name, p.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") for p in SAMPLES
    ]
    at.file_uploader(key="upload_files").set_value(files).run()
    at.button(key="check_button").click().run()
    assert "检查通过" in at.success[0].value
    assert store.record_count(engine) == before  # nothing stored until confirmed
    table = at.dataframe[0].value
    assert "“约100”按 100 计" in set(table["说明"])
    at.button(key="store_button").click().run()
    assert any(f"已导入（批次 {new}）" in s.value for s in at.success)
    assert store.list_batches(engine)[0].id == new
    # the February demo rows were replaced by the samples: never doubled
    feb = [b for b in store.list_batches(engine, town=TOWN) if b.period == "2024-02"]
    assert len(feb) == 2
    at.checkbox(key="undo_sure").check().run()
    at.button(key="undo_button").click().run()
    assert f"已撤销批次 {new}" in texts(at)
    assert store.record_count(engine) == before


def test_upload_rejects_with_the_cell_named(db: str) -> None:
    from tests.conftest import build_workbook

    bad = build_workbook({"普法宣传": [["日期", "活动名称", "发放资料份数"], ["4月31日", "宣传", 10]]})
    at = page("upload", year="2024")
    at.file_uploader(key="upload_files").set_value([("商酒务镇2024年4月.xlsx", bad, "application/octet-stream")]).run()
    at.button(key="check_button").click().run()
    assert "已拒绝" in at.error[0].value
    table = at.dataframe[0].value
    assert list(table.iloc[0][["类别", "位置", "说明"]]) == ["错误", "普法宣传!A2", "日期“4月31日”不存在"]
    assert not [b for b in at.button if b.key == "store_button"]


def test_records_filter_and_download(db: str) -> None:
    at = page("records", year="2023", as_of="2023-12-31")
    at.segmented_control(key="w_sheet").set_value("disputes").run()
    assert "共 124 条" in texts(at)
    at.multiselect(key="f_result").set_value(["调解中"]).run()
    assert "共 3 条" in texts(at)
    assert at.get("download_button")


def test_a_write_is_seen_at_once_by_cached_pages(db: str) -> None:
    engine = store.get_engine(db)
    first = texts(page("overview", year="2024"))
    assert "#### 2,480 / 6,000 份" in first
    from lawdash.importer import import_workbooks
    from tests.conftest import build_workbook

    extra = build_workbook(
        {"普法宣传": [["日期", "活动名称", "村或地点", "发放资料份数"], [dt.date(2024, 6, 1), "宣传", "东村", 520]]}
    )
    assert import_workbooks(engine, [("商酒务镇2024年7月.xlsx", extra)], year=2024, month=7).status == "stored"
    assert "#### 3,000 / 6,000 份" in texts(page("overview", year="2024", as_of="2024-07-31"))


def test_overview_shows_overdue_rectification_first(db: str) -> None:
    at = page("overview", year="2024")
    assert "整改逾期=1 项" in texts(at)
    assert at.error[0].value.startswith("**逾期 30 天**　ZG2023-03")
    assert any("即将到期（剩 10 天）" in w.value for w in at.warning)


def test_ledger_page_edits_a_status_and_shows_its_history(db: str) -> None:
    from lawdash import ledger

    at = page("ledger", year="2024")
    assert at.error[0].value.startswith("**逾期 30 天**　ZG2023-03")
    assert "逾期=1 项" in texts(at) and "已销号=1 项" in texts(at)
    at.selectbox(key="l_code").set_value("ZG2024-01").run()
    at.radio(key="l_action_ZG2024-01").set_value("整改中").run()
    at.text_area(key="l_progress_ZG2024-01").input("已安排11个村下半年活动").run()
    at.text_input(key="l_note_ZG2024-01").input("督察反馈后部署").run()
    at.text_input(key="l_who").input("司法所 张三").run()
    at.button(key="l_submit").click().run()
    assert not at.exception and not at.error[1:]
    assert "已更新“ZG2024-01”" in texts(at)
    item = next(i for i in ledger.list_entries(store.get_engine(db), TOWN) if i.code == "ZG2024-01")
    assert (item.status, item.progress) == ("整改中", "已安排11个村下半年活动")
    history = at.dataframe[-1].value
    last = history.iloc[-1]
    assert (last["操作人"], last["操作"], last["原状态"], last["新状态"], last["说明"]) == (
        "司法所 张三",
        "开始整改",
        "未启动",
        "整改中",
        "督察反馈后部署",
    )


def test_ledger_page_refuses_a_return_without_a_reason(db: str) -> None:
    at = page("ledger", year="2024")
    at.selectbox(key="l_code").set_value("ZG2023-04").run()
    at.radio(key="l_action_ZG2023-04").set_value("整改中").run()  # 退回
    at.text_input(key="l_who").input("镇纪委").run()
    at.button(key="l_submit").click().run()
    assert "“退回”须填写理由" in [e.value for e in at.error]
