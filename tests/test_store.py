"""Nothing lost, nothing doubled, nothing half-stored: samples, re-import, replacement, undo, atomicity."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from lawdash import store
from lawdash.errors import Refused, UnknownBatch
from lawdash.importer import import_workbooks
from lawdash.problems import Code
from lawdash.progress import progress_for_year
from tests.conftest import SAMPLES, TOWN, build_workbook

FEB = dt.date(2024, 2, 29)
MEET_HEADER = ["日期", "类型", "主题", "参加人数", "村或单位", "备注"]


def figures(engine: Engine, as_of: dt.date = FEB) -> dict[str, object]:
    return {p.id: p.actual for p in progress_for_year(engine, TOWN, 2024, as_of)}


def samples() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in SAMPLES]


def meetings(*types: str, month: int = 3) -> bytes:
    rows = [MEET_HEADER] + [[f"2024-{month:02d}-{i + 1:02d}", t, f"议题{i}", 10] for i, t in enumerate(types)]
    return build_workbook({"会议学法": rows})


def test_samples_give_the_documented_figures(engine: Engine) -> None:
    result = import_workbooks(engine, samples(), town=TOWN, year=2024, month=2)
    assert result.status == "stored" and result.errors == []
    assert result.rows == {"会议学法": 4, "培训": 0, "普法宣传": 3, "矛盾纠纷调解": 4, "其他指标": 0}
    f = figures(engine)
    assert f["topic_meetings"] == 1
    assert f["central_group_study"] == 2
    assert f["pre_meeting_study"] == 1
    assert f["materials_distributed"] == 1350
    assert f["villages_reached"] == 2
    assert f["disputes_mediated"] == 4
    assert f["mediation_success_rate"] == 66.7
    guessed = {p.message for p in result.warnings}
    for text in ("“约100”按 100 计", "“200余”按 200 计", "“前营”按“前营村”计", "“南庄”按“南庄村”计"):
        assert text in guessed
    assert len(store.list_batches(engine)) == 1


@pytest.mark.parametrize("which", [0, 1])
def test_reimporting_either_sample_is_unchanged(engine: Engine, which: int) -> None:
    first = import_workbooks(engine, samples())
    again = import_workbooks(engine, [samples()[which]])
    assert (again.status, again.batch) == ("unchanged", first.batch)
    assert len(store.list_batches(engine)) == 1
    assert figures(engine)["materials_distributed"] == 1350


def test_reimport_with_new_content_replaces_not_doubles(engine: Engine) -> None:
    name = "商酒务镇2024年3月.xlsx"
    import_workbooks(engine, [(name, meetings("专题会议", "中心组学法"))])
    result = import_workbooks(engine, [(name, meetings("专题会议", "中心组学法", "会前学法"))])
    assert result.status == "stored"
    replaced = [p for p in result.warnings if p.code == Code.REPLACED]
    assert [p.message for p in replaced] == [
        "2024年3月“会议学法”已有批次 1 的 2 行，将替换为 3 行（删除 0 行，新增 1 行）"
    ]
    f = figures(engine, dt.date(2024, 3, 31))
    assert (f["topic_meetings"], f["central_group_study"], f["pre_meeting_study"]) == (1, 1, 1)
    assert store.record_count(engine) == 3


def test_same_rows_in_another_order_or_file_name_are_unchanged(engine: Engine) -> None:
    import_workbooks(engine, [("商酒务镇2024年3月.xlsx", meetings("专题会议", "中心组学法"))])
    rows = [MEET_HEADER, ["2024-03-02", "中心组学法", "议题1", 10], ["2024-03-01", "专题会议", "议题0", 10]]
    again = import_workbooks(engine, [("3月台账（修订）.xlsx", build_workbook({"会议学法": rows}))], year=2024, month=3)
    assert again.status == "unchanged"


def test_undo_restores_what_a_batch_replaced(engine: Engine) -> None:
    name = "商酒务镇2024年3月.xlsx"
    first = import_workbooks(engine, [(name, meetings("专题会议"))])
    second = import_workbooks(engine, [(name, meetings("中心组学法", "中心组学法"))])
    assert figures(engine, dt.date(2024, 3, 31))["central_group_study"] == 2
    store.undo_batch(engine, second.batch)  # type: ignore[arg-type]
    f = figures(engine, dt.date(2024, 3, 31))
    assert (f["topic_meetings"], f["central_group_study"]) == (1, 0)
    statuses = {b.id: b.status for b in store.list_batches(engine)}
    assert statuses == {first.batch: "stored", second.batch: "undone"}
    store.undo_batch(engine, first.batch)  # type: ignore[arg-type]
    assert store.record_count(engine) == 0
    # re-importing after undo stores again
    assert import_workbooks(engine, [(name, meetings("专题会议"))]).status == "stored"
    assert figures(engine, dt.date(2024, 3, 31))["topic_meetings"] == 1


def test_undo_of_a_superseded_batch_is_refused(engine: Engine) -> None:
    name = "商酒务镇2024年3月.xlsx"
    first = import_workbooks(engine, [(name, meetings("专题会议"))])
    second = import_workbooks(engine, [(name, meetings("中心组学法"))])
    with pytest.raises(Refused, match=f"已被批次 {second.batch} 替换，请先撤销批次 {second.batch}"):
        store.undo_batch(engine, first.batch)  # type: ignore[arg-type]
    assert figures(engine, dt.date(2024, 3, 31))["central_group_study"] == 1


def test_undo_twice_and_unknown_batch(engine: Engine) -> None:
    b = import_workbooks(engine, samples()).batch
    store.undo_batch(engine, b)  # type: ignore[arg-type]
    with pytest.raises(Refused, match="已于"):
        store.undo_batch(engine, b)  # type: ignore[arg-type]
    with pytest.raises(UnknownBatch, match="批次 99 不存在"):
        store.undo_batch(engine, 99)


def test_undo_leaves_other_months_alone(engine: Engine) -> None:
    import_workbooks(engine, samples())
    march = import_workbooks(engine, [("商酒务镇2024年3月.xlsx", meetings("专题会议"))])
    store.undo_batch(engine, march.batch)  # type: ignore[arg-type]
    assert figures(engine, dt.date(2024, 3, 31))["materials_distributed"] == 1350
    assert figures(engine, dt.date(2024, 3, 31))["topic_meetings"] == 1  # February's one


def test_dry_run_checks_and_stores_nothing(engine: Engine) -> None:
    result = import_workbooks(engine, samples(), dry_run=True)
    assert result.status == "checked" and result.rows["矛盾纠纷调解"] == 4
    assert store.record_count(engine) == 0 and store.list_batches(engine) == []


def test_a_failure_after_the_first_sheet_stores_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import_workbooks(engine, [("商酒务镇2024年3月.xlsx", meetings("专题会议"))])
    before = (store.record_count(engine), len(store.list_batches(engine)), store.data_version(engine))
    real = store.write_slice
    calls = []

    def failing(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write_slice", failing)
    with pytest.raises(RuntimeError):
        import_workbooks(engine, samples())
    assert len(calls) == 2  # the first sheet was written inside the transaction
    assert (store.record_count(engine), len(store.list_batches(engine)), store.data_version(engine)) == before
    assert figures(engine)["materials_distributed"] == 0


def test_one_active_slice_per_month_and_sheet_is_enforced_by_the_database(engine: Engine) -> None:
    import_workbooks(engine, samples())
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        sl = s.query(store.Slice).filter(store.Slice.active).first()
        assert sl is not None
        s.add(
            store.Slice(
                batch_id=sl.batch_id,
                town_id=sl.town_id,
                year=sl.year,
                month=sl.month,
                sheet=sl.sheet,
                content_hash="x",
                row_count=0,
            )
        )
        with pytest.raises(IntegrityError):
            s.flush()


def test_batch_records_files_period_and_rows(engine: Engine) -> None:
    import_workbooks(engine, samples())
    b = store.list_batches(engine)[0].to_json()
    assert b["period"] == "2024-02" and b["town"] == TOWN and b["status"] == "stored"
    assert b["rows"] == {"会议学法": 4, "培训": 0, "普法宣传": 3, "矛盾纠纷调解": 4, "其他指标": 0}
    assert [len(str(f["sha256"])) for f in b["files"]] == [64, 64]  # type: ignore[union-attr]
