"""全县概览: the county office compares its townships and opens any one of them."""

import streamlit as st

from pages.cached import county_fig, county_view
from pages.common import engine, view
from pages.widgets import demo_banner, leave_presentation_button, plain, show_figure

eng = engine()
v = view(eng, county=True)
c = county_view(eng, v)
st.title(f"{v.year}年全县法治政府建设概览")
demo_banner(eng)
st.caption(f"数据截至 {v.as_of:%Y-%m-%d}　｜　共 {len(c.towns)} 个乡镇，各乡镇按同一日期比较")

late = c.late()
ranked = c.ranking()
cols = st.columns(4)
cols[0].metric("乡镇", f"{len(c.towns)} 个", border=True)
cols[1].metric("进度全部正常", f"{sum(t.on_track == len(t.with_target) for t in c.towns)} 个", border=True)
cols[2].metric("有缺报月份", f"{len(late)} 个", border=True, help="应报月份中一份台账也未上传的乡镇")
cols[3].metric("缺报月次", f"{sum(len(m) for m in late.values())} 个", border=True)

with st.container(border=True):
    st.markdown("**查看某个乡镇**")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    pick = left.selectbox("乡镇", [t.town for t in ranked], key="county_pick", label_visibility="collapsed")
    if right.button("打开该乡镇总览", icon=":material/open_in_new:", type="primary"):
        st.session_state.update(v_town=pick, w_town=pick)
        st.switch_page("pages/overview.py")

show_figure(county_fig(eng, v, "pace"), v, "各乡镇指标进度", key="county_pace", county=True)
show_figure(county_fig(eng, v, "ranking"), v, "各乡镇进度排名", key="county_ranking", county=True)
show_figure(county_fig(eng, v, "submissions"), v, "各乡镇报送情况", key="county_submissions", county=True)
if late:
    st.subheader("缺报情况")
    for town, months in late.items():
        st.markdown(f"- **{plain(town)}**：{'、'.join(f'{m}月' for m in months)}未上传台账")
leave_presentation_button(v)
