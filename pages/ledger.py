"""问题整改: the rectification ledger — overdue first, counts by status, the full ledger, editing with history."""

import pandas as pd
import streamlit as st

from lawdash import ledger
from lawdash.catalogue import default_catalogue
from lawdash.charts import file_stem
from lawdash.errors import LawdashError
from lawdash.export import frames_to_xlsx
from lawdash.problems import problems_table
from pages.access import can
from pages.cached import ledger_fig, ledger_items, linked_indicator_status
from pages.common import engine, view
from pages.widgets import demo_banner, leave_presentation_button, plain, show_figure, show_overdue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
eng = engine()
v = view(eng)
led = default_catalogue().ledger
st.title(f"{v.town}问题整改")
demo_banner(eng)
st.caption(
    f"期限按 {v.as_of:%Y-%m-%d}（数据截至日期）判断　｜　整改时限已过且未完成的为逾期，{led.due_soon_days} 天内到期的为即将到期"
)
state = st.session_state
items = ledger_items(eng, v)

if items:
    c = st.columns(4)
    c[0].metric("整改事项", f"{len(items)} 项", border=True)
    c[1].metric("逾期", f"{sum(i.overdue for i in items)} 项", border=True)
    c[2].metric("即将到期", f"{sum(i.due_soon for i in items)} 项", border=True)
    c[3].metric("已销号", f"{sum(i.status == '已销号' for i in items)} 项", border=True)
    show_overdue(items)
    show_figure(ledger_fig(eng, v), v, "问题整改情况", key="ledger_chart")
else:
    st.info("尚无整改事项。可在下方下载空白整改台账，填写后导入。", icon=":material/playlist_add:")

if items and not v.present:
    st.subheader("整改台账")
    c = st.columns(3)
    years = c[0].multiselect("年度", sorted({i.year for i in items}), key="l_years", placeholder="全部年度")
    statuses = c[1].multiselect(
        "状态", list(led.statuses), format_func=led.label, key="l_status", placeholder="全部状态"
    )
    units = c[2].multiselect("责任单位", sorted({i.unit for i in items}), key="l_units", placeholder="全部单位")
    shown = [
        i for i in items
        if (not years or i.year in years) and (not statuses or i.status in statuses) and (not units or i.unit in units)
    ]  # fmt: skip
    frame = ledger.ledger_frame(shown, linked_indicator_status(eng, v, shown))
    late = [i.overdue for i in shown]
    styled = frame.style.apply(
        lambda row: ["color: #B2182B; font-weight: bold" if late[row.name] else ""] * len(row), axis=1
    )
    first = ["编号", "期限情况", "状态", "问题", "责任单位", "责任领导", "整改时限", "进展", "关联指标", "指标状态"]
    order = first + [c for c in frame.columns if c not in first]
    st.dataframe(styled, hide_index=True, width="stretch", placeholder="—", key="ledger_table", column_order=order)

    if can("editor"):
        st.subheader("更新整改状态")
        codes = [i.code for i in items]
        code = st.selectbox(
            "整改事项",
            codes,
            format_func=lambda c: f"{c}　{next(i.problem for i in items if i.code == c)}",
            key="l_code",
        )
        item = next(i for i in items if i.code == code)
        st.caption(
            f"当前状态：{item.status_label}　｜　整改时限 {item.deadline:%Y-%m-%d}　｜　责任单位 {plain(item.unit)}"
        )
        actions = {t.target: t.action for t in led.allowed(item.status)}
        choice = st.radio(
            "操作",
            [*actions, "__progress__"],
            format_func=lambda t: "只更新进展" if t == "__progress__" else f"{actions[t]}（改为“{led.label(t)}”）",
            key=f"l_action_{code}",
            horizontal=True,
        )
        progress = st.text_area("进展", value=item.progress or "", key=f"l_progress_{code}")
        note = st.text_input("说明或理由（退回时必填）", key=f"l_note_{code}")
        who = st.text_input("操作人", key="l_who", placeholder="如：司法所 张三")
        if st.button("提交", type="primary", key="l_submit", icon=":material/save:"):
            try:
                if not who.strip():
                    raise LawdashError("请填写操作人")
                if choice == "__progress__":
                    ledger.set_progress(eng, code, progress, who.strip(), note, town=v.town)
                else:
                    ledger.set_status(eng, code, choice, note, who.strip(), town=v.town, progress=progress)
                state["ledger_message"] = f"已更新“{plain(code)}”。"
                st.rerun()
            except LawdashError as exc:
                st.error(plain(exc))
        if message := state.pop("ledger_message", None):
            st.success(message, icon=":material/check_circle:")
        rows = ledger.history(eng, code, town=v.town)
        st.markdown("**变更记录**")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "时间": f"{h['time']:%Y-%m-%d %H:%M}",
                        "操作人": h["who"],
                        "操作": h["action"],
                        "原状态": led.label(h["from_status"]) if h["from_status"] else "",
                        "新状态": led.label(h["to_status"]) if h["to_status"] else "",
                        "进展": h["to_progress"] if h["to_progress"] != h["from_progress"] else "",
                        "说明": h["note"],
                    }
                    for h in rows
                ]
            ),
            hide_index=True,
            width="stretch",
            placeholder="—",
            key="ledger_history",
        )

if not v.present:
    with st.expander("导入、导出整改台账", icon=":material/swap_vert:"):
        file = st.file_uploader(
            "导入整改台账（.xlsx，按编号更新已有事项，不会重复）", type=["xlsx", "xlsm"], key="ledger_file"
        )
        if file is not None and st.button("导入", key="ledger_import", icon=":material/upload:"):
            result = ledger.import_ledger(eng, file.name, file.getvalue(), town=v.town, who="看板")
            (st.error if result.status == "rejected" else st.success)(result.summary())
            if result.problems:
                st.dataframe(pd.DataFrame(problems_table(result.problems)), hide_index=True, width="stretch")
        c = st.columns(2)
        c[0].download_button(
            "下载空白整改台账",
            ledger.ledger_template(v.town),
            file_name=f"{v.town}问题整改台账（空白）.xlsx",
            mime=XLSX,
            key="ledger_template",
        )
        if items:
            c[1].download_button(
                "导出整改台账",
                frames_to_xlsx({led.sheet.name: ledger.ledger_frame(items, for_file=True)}),
                file_name=f"{file_stem(v.chart, '问题整改台账')}.xlsx",
                mime=XLSX,
                key="ledger_export",
            )
leave_presentation_button(v)
