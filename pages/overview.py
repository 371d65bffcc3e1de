"""总览: the page a 镇党委书记 opens before a meeting."""

import streamlit as st

from lawdash.progress import STATUS_LABELS, STATUS_ORDER, lagging_first
from pages.cached import overview_data
from pages.common import engine, view
from pages.widgets import STATUS_BADGE, demo_banner, fmt_value, leave_presentation_button, show_figure, show_overdue

eng = engine()
v = view(eng)
st.title(f"{v.town}{v.year}年法治政府建设总览")
demo_banner(eng)
data = overview_data(eng, v)
latest = data.latest
updated = (
    f"最近更新 {latest.created_at:%Y-%m-%d %H:%M}（批次 {latest.id}，{latest.period}）" if latest else "尚无导入记录"
)
st.caption(f"数据截至 {v.as_of:%Y-%m-%d}　｜　{updated}")

rows = data.progress
months = data.months
if not any(m.arrived for m in months):
    st.info("本年度尚未上传任何台账，请在“数据上传”页上传月度台账。", icon=":material/upload_file:")

counts = {s: sum(r.status == s for r in rows) for s in STATUS_ORDER}
items = data.ledger
late = sum(i.overdue for i in items)
cols = st.columns(len(STATUS_ORDER) + 1)
cols[0].metric("整改逾期", f"{late} 项", border=True, help="整改时限已过、尚未完成的整改事项")
for col, status in zip(cols[1:], STATUS_ORDER, strict=True):
    col.metric(STATUS_LABELS[status], f"{counts[status]} 项", border=True)
show_overdue(items, limit=3)

st.subheader("各项指标")
per_row = 3 if v.present else 4
ordered = lagging_first(rows)
for start in range(0, len(ordered), per_row):
    for col, r in zip(st.columns(per_row), ordered[start : start + per_row], strict=False):
        with col.container(border=True):
            st.markdown(f"**{r.name}**")
            target = f" / {fmt_value(r.target, r.unit)}" if r.target is not None else ""
            st.markdown(f"#### {fmt_value(r.actual, r.unit)}{target} {'' if r.unit == '%' else r.unit}")
            if r.percent is not None:
                st.progress(
                    min(r.percent / 100, 1.0), text=f"完成率 {r.percent:.1f}%　应达 {fmt_value(r.expected, r.unit)}"
                )
            else:
                st.caption("不设目标，仅统计" if r.status == "no_target" else "尚无已办结案件")
            color, icon = STATUS_BADGE[r.status]
            st.badge(STATUS_LABELS[r.status], icon=icon, color=color)  # type: ignore[arg-type]

if data.figure is not None:
    show_figure(data.figure, v, "指标完成情况", key="overview_chart")

st.subheader("报送情况")
arrived = [m for m in months if m.arrived]
missing = [m for m in months if m.due and not m.arrived]
st.caption(
    f"已报送 {len(arrived)} 个月"
    + (
        f"，缺报 {len(missing)} 个月（{'、'.join(f'{m.month}月' for m in missing)}）"
        if missing
        else "，应报月份均已报送"
    )
    + "。绿色为已报送，红色为缺报，灰色为未到报送时间。"
)
cols = st.columns(12)
for col, m in zip(cols, months, strict=True):
    with col:
        if m.arrived:
            st.badge(f"{m.month}月", icon=":material/check:", color="green", help="已报送：" + "、".join(m.sheets))
        elif m.due:
            st.badge(f"{m.month}月", icon=":material/priority_high:", color="red", help="缺报")
        else:
            st.badge(f"{m.month}月", color="gray", help="未到报送时间")
leave_presentation_button(v)
