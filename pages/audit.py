"""操作日志: every login, import, undo, target, ledger and user change — for admins, filterable, exportable."""

import datetime as dt

import pandas as pd
import streamlit as st

from lawdash.audit import ACTION_LABELS, describe, entries
from lawdash.export import frames_to_xlsx
from pages.access import need
from pages.common import engine, view

eng = engine()
v = view(eng)
need("admin")
st.title("操作日志")
st.caption("登录、导入、撤销、目标修改、整改台账和用户变更都记在这里；数据库拒绝修改或删除日志。")
c = st.columns(4)
action = c[0].selectbox(
    "操作", [None, *ACTION_LABELS], format_func=lambda a: "全部" if a is None else ACTION_LABELS[a], key="a_action"
)
rows = entries(eng, action=action)
people = sorted({str(r["who"]) for r in rows})
who = c[1].selectbox("操作人", [None, *people], format_func=lambda w: "全部" if w is None else w, key="a_who")
since = c[2].date_input("起", value=None, key="a_since", format="YYYY-MM-DD")
until = c[3].date_input("止", value=dt.date.today(), key="a_until", format="YYYY-MM-DD")
rows = entries(eng, action=action, who=who, since=since, until=until)
table = pd.DataFrame(
    [
        {
            "时间": r["time"],
            "操作人": r["who"],
            "操作": ACTION_LABELS.get(str(r["action"]), r["action"]),
            "对象": r["target"],
            "结果": "成功" if r["ok"] else "失败",
            "详情": describe(r["detail"]),
        }
        for r in rows
    ],
    columns=["时间", "操作人", "操作", "对象", "结果", "详情"],
)
st.caption(f"共 {len(table)} 条")
st.dataframe(table, hide_index=True, width="stretch", placeholder="—", key="audit_table")
st.download_button(
    "导出（.xlsx）",
    frames_to_xlsx({"操作日志": table}),
    file_name=f"{v.town}操作日志_{dt.date.today():%Y-%m-%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="audit_download",
)
