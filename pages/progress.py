"""指标进度: one indicator against its pace and target, or all of them as small multiples."""

import pandas as pd
import streamlit as st

from lawdash.catalogue import default_catalogue
from lawdash.progress import STATUS_LABELS
from lawdash.series import month_label, villages_not_reached
from pages.cached import heatmap_fig, ledger_items, progress, progress_fig, series, village_counts, year_records
from pages.common import engine, view
from pages.widgets import demo_banner, fmt_value, leave_presentation_button, plain, show_figure, show_overdue

ALL = "__all__"
eng = engine()
v = view(eng)
cat = default_catalogue()
st.title(f"{v.town}{v.year}年指标进度")
demo_banner(eng)
st.caption(f"数据截至 {v.as_of:%Y-%m-%d}")
if year_records(eng, v).empty:
    st.info("本年度尚未上传任何台账，请在“数据上传”页上传月度台账。", icon=":material/upload_file:")
    st.stop()

status = {p.id: p for p in progress(eng, v)}
names = {i.id: i.name for i in cat.indicators}
options = [ALL, *names]
chosen = st.query_params.get("indicator") or options[1]
chosen = chosen if chosen in options else options[1]
if not v.present:
    chosen = st.selectbox(
        "指标",
        options,
        index=options.index(chosen),
        key="w_indicator",
        format_func=lambda i: "全部指标（小图）" if i == ALL else names[i],
    )
st.query_params["indicator"] = chosen

if chosen == ALL:
    cols = st.columns(2 if v.present else 3)
    for n, ind in enumerate(cat.indicators):
        with cols[n % len(cols)]:
            show_figure(progress_fig(eng, v, status[ind.id], compact=True), v, ind.short, key=f"small_{ind.id}")
else:
    ind, p = cat.indicator(chosen), status[chosen]
    c = st.columns(5)
    c[0].metric("完成", f"{fmt_value(p.actual, p.unit)} {'' if p.unit == '%' else p.unit}")
    c[1].metric("年度目标", fmt_value(p.target, p.unit))
    c[2].metric("应达进度", fmt_value(p.expected, p.unit))
    c[3].metric("完成率", "—" if p.percent is None else f"{p.percent:.1f}%")
    c[4].metric("状态", STATUS_LABELS[p.status])
    show_figure(progress_fig(eng, v, p), v, ind.short, key=f"progress_{ind.id}")
    linked = [i for i in ledger_items(eng, v) if i.indicator == chosen and i.status != "已销号"]
    if linked:
        st.markdown(f"**关联的整改事项（{len(linked)} 项未销号）**")
        show_overdue([i for i in linked if i.overdue or i.due_soon])
        for i in [i for i in linked if not (i.overdue or i.due_soon)]:
            st.info(
                f"{plain(i.code)}　{plain(i.problem)}　｜　{plain(i.unit)}　时限 {i.deadline:%Y-%m-%d}　{i.status_label}",
                icon=":material/assignment:",
            )

    frame = series(eng, v, chosen).frame
    table = pd.DataFrame(
        {
            "月份": [month_label(m) for m in frame["month"]],
            "当月": frame["monthly"],
            "累计": frame["cumulative"],
            "应达": frame["pace"],
            f"{v.year - 1}年同期累计": frame["last_year"],
        }
    ).dropna(axis=1, how="all")
    if not v.present:
        with st.expander("逐月数据"):
            st.dataframe(table, hide_index=True, width="stretch", placeholder="—")

    if ind.by_village:
        show_figure(heatmap_fig(eng, v, chosen), v, f"{ind.short}_各村分布", key=f"heat_{ind.id}")
        if ind.aggregation == "distinct":
            missing = villages_not_reached(village_counts(eng, v, chosen))
            if missing:
                st.warning(
                    f"本年度尚未覆盖的村（{len(missing)} 个）：" + "、".join(missing), icon=":material/location_off:"
                )
            else:
                st.success("全镇各村均已覆盖。", icon=":material/task_alt:")
leave_presentation_button(v)
