"""年度目标: view and edit the year's targets and monthly plans; start from last year's."""

import pandas as pd
import streamlit as st

from lawdash.catalogue import default_catalogue
from lawdash.errors import LawdashError
from lawdash.targets import copy_targets, get_targets, pace_text, parse_pace, set_targets
from pages.access import need
from pages.common import engine, view
from pages.widgets import demo_banner, plain

DIRECTION = {"up": "越多越好（按进度）", "floor": "不低于（比率）"}
eng = engine()
v = view(eng)
need("editor")
cat = default_catalogue()
st.title(f"{v.town}{v.year}年年度目标")
demo_banner(eng)
state = st.session_state
if message := state.pop("targets_message", None):
    st.success(message, icon=":material/check_circle:")

current = get_targets(eng, v.town, v.year)
previous = get_targets(eng, v.town, v.year - 1)
indicators = [i for i in cat.indicators if i.has_target]
table = pd.DataFrame(
    {
        "指标": [i.name for i in indicators],
        "单位": [i.unit for i in indicators],
        "类型": [DIRECTION[i.direction] for i in indicators],
        f"{v.year - 1}年目标": [previous[i.id].value if i.id in previous else None for i in indicators],
        "目标": [current[i.id].value if i.id in current else None for i in indicators],
        "月度计划": [pace_text(current[i.id].pace) if i.id in current else "" for i in indicators],
    }
)
st.caption(
    "“目标”留空表示该指标本年度不设目标（仅统计）。“月度计划”为 12 个月的累计完成比例（%，逗号分隔），"
    "留空则按月平均推进；专题会议默认按季度（每季度 1 次）。"
    + "　不设目标的指标："
    + "、".join(i.name for i in cat.indicators if not i.has_target)
    + "。"
)
edited = st.data_editor(
    table,
    key="targets_editor",
    hide_index=True,
    width="stretch",
    height=38 + 35 * (len(table) + 1),
    placeholder="—",
    disabled=["指标", "单位", "类型", f"{v.year - 1}年目标"],
    column_config={
        "目标": st.column_config.NumberColumn("目标", min_value=0, step=1, help="本年度目标值"),
        "月度计划": st.column_config.TextColumn("月度计划", help="例如：0,0,25,25,25,50,50,50,75,75,75,100"),
    },
)

c = st.columns([1, 1, 3])
if c[0].button("保存目标", type="primary", icon=":material/save:", key="save_targets"):
    try:
        values, paces = {}, {}
        for ind, (_, row) in zip(indicators, edited.iterrows(), strict=True):
            value = None if pd.isna(row["目标"]) else float(row["目标"])
            values[ind.id] = value
            paces[ind.id] = parse_pace(row["月度计划"], ind.name) if value is not None else None
        set_targets(eng, v.town, v.year, values, paces)
        state["targets_message"] = f"已保存 {v.year}年目标 {sum(x is not None for x in values.values())} 项。"
        state.pop("targets_editor", None)
        st.rerun()
    except LawdashError as exc:
        st.error(plain(exc))
if previous and c[1].button(f"复制{v.year - 1}年目标", icon=":material/content_copy:", key="copy_targets"):
    n = copy_targets(eng, v.town, v.year - 1, v.year)
    state["targets_message"] = f"已将 {v.year - 1}年目标 {n} 项复制为 {v.year}年目标，可在表中修改后保存。"
    state.pop("targets_editor", None)
    st.rerun()
