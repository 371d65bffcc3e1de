"""数据上传: check monthly workbooks, see every problem with its cell, confirm to store; history and undo."""

import datetime as dt

import pandas as pd
import streamlit as st

from lawdash.bootstrap import is_demo
from lawdash.errors import LawdashError
from lawdash.importer import import_workbooks
from lawdash.problems import Code, problems_table
from lawdash.store import list_batches, towns, undo_batch
from lawdash.template import make_template
from pages.access import need
from pages.common import engine, view
from pages.widgets import plain

HISTORY_ROWS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
eng = engine()
v = view(eng)
need("editor")
st.title("数据上传")
if is_demo(eng):
    st.info(
        "当前是演示数据库，上传的台账会和演示数据混在一起。本镇正式使用请新建数据库："
        "在程序目录运行 `python -m lawdash --db data/本镇.db init`，再以 `LAWDASH_DB=data/本镇.db` 启动看板。",
        icon=":material/info:",
    )

with st.expander("下载空白月度台账模板", icon=":material/download:"):
    c = st.columns(3)
    t_year = c[0].number_input("年度", 2000, 2100, v.year, key="t_year")
    t_month = c[1].selectbox(
        "月份", range(1, 13), index=dt.date.today().month - 1, format_func=lambda m: f"{m}月", key="t_month"
    )
    c[2].download_button(
        "下载模板",
        make_template(v.town, towns(eng)[v.town], int(t_year), int(t_month)),
        file_name=f"{v.town}{t_year}年{t_month}月法治政府建设台账.xlsx",
        mime=XLSX,
        icon=":material/download:",
        key="download_template",
    )

st.subheader("上传月度台账")
files = st.file_uploader(
    "选择一个或多个 .xlsx 文件（同一个月分成几个文件的，一起选上）",
    type=["xlsx", "xlsm"],
    accept_multiple_files=True,
    key="upload_files",
)
with st.expander("文件名和标题中都没有写年月时，在此指定"):
    c = st.columns(2)
    o_year = c[0].selectbox(
        "年度",
        [None, *range(v.year - 3, v.year + 2)],
        format_func=lambda y: "按文件判断" if y is None else f"{y}年",
        key="o_year",
    )
    o_month = c[1].selectbox(
        "月份", [None, *range(1, 13)], format_func=lambda m: "按文件判断" if m is None else f"{m}月", key="o_month"
    )

inputs = [(f.name, f.getvalue()) for f in files or []]
fingerprint = tuple((name, len(data), hash(data)) for name, data in inputs)
state = st.session_state
if state.get("checked_files") != fingerprint:
    state.pop("check", None)

if inputs and st.button("检查文件", type="primary", icon=":material/fact_check:", key="check_button"):
    state["check"] = import_workbooks(
        eng, inputs, town=v.town, year=o_year, month=o_month if o_year else None, dry_run=True
    )
    state["checked_files"] = fingerprint
    state.pop("stored", None)

check = state.get("check")
if check is not None:
    if check.errors:
        st.error(f"{check.summary()}。请按下表逐一改正后重新上传。", icon=":material/block:")
    else:
        rows = "，".join(f"{k} {n} 行" for k, n in check.rows.items() if n) or "没有数据行"
        st.success(f"检查通过：{rows}。确认无误后点击“确认导入”。", icon=":material/check_circle:")
    if check.problems:
        st.dataframe(pd.DataFrame(problems_table(check.problems)), hide_index=True, width="stretch", placeholder="—")
    if not check.errors and st.button("确认导入", type="primary", icon=":material/save:", key="store_button"):
        state["stored"] = import_workbooks(eng, inputs, town=v.town, year=o_year, month=o_month if o_year else None)
        state.pop("check", None)
        st.rerun()

stored = state.get("stored")
if stored is not None:
    (st.error if stored.status == "rejected" else st.success)(stored.summary(), icon=":material/task_alt:")
    for p in stored.warnings:
        if p.code == Code.REPLACED:
            st.caption(p.message)

st.subheader(f"{v.town}导入记录")
if message := state.pop("undo_message", None):
    st.success(message, icon=":material/undo:")
batches = list_batches(eng, town=v.town, limit=HISTORY_ROWS)
if len(batches) == HISTORY_ROWS:
    st.caption(f"显示最近 {HISTORY_ROWS} 批；更早的记录可用命令 `python -m lawdash batches` 查看。")
if not batches:
    st.caption("尚无导入记录。")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "批次": b.id,
                    "时间": f"{b.created_at:%Y-%m-%d %H:%M}",
                    "月份": b.period,
                    "文件": "、".join(str(f["name"]) for f in b.files) or f"（无文件：{b.user}）",
                    "行数": "，".join(f"{k} {n}" for k, n in b.rows.items() if n),
                    "状态": "已撤销" if b.status == "undone" else "有效",
                }
                for b in batches
            ]
        ),
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(batches), 420),
    )
    live = [b for b in batches if b.status == "stored"]
    if live:
        c = st.columns([2, 2, 1])
        labels = {b.id: f"批次 {b.id}（{b.period}，{b.created_at:%m-%d %H:%M}）" for b in live}
        # keyed on the newest batch: after an import or undo the choice starts again from the newest
        target = c[0].selectbox("撤销批次", list(labels), format_func=labels.get, key=f"undo_batch_{live[0].id}")
        sure = c[1].checkbox("确认撤销（该批次数据将被移除，被替换的数据恢复）", key="undo_sure")
        if c[2].button("撤销", disabled=not sure, icon=":material/undo:", key="undo_button"):
            try:
                b = undo_batch(eng, target)
                state["undo_message"] = f"已撤销批次 {b.id}（{b.period}），其数据已移除，被替换的数据已恢复。"
                st.rerun()
            except LawdashError as exc:
                st.error(plain(exc))
