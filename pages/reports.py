"""报告导出: the annual report draft (Word), the meeting briefing (PowerPoint), all data (Excel)."""

import streamlit as st

from lawdash.briefing import briefing
from lawdash.catalogue import default_catalogue
from lawdash.charts import file_stem
from lawdash.errors import LawdashError
from lawdash.export import export_year
from lawdash.reports import annual_report, report_title
from pages.access import can
from pages.cached import progress
from pages.common import engine, view
from pages.widgets import demo_banner, plain

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
eng = engine()
v = view(eng)
cat = default_catalogue()
st.title(f"{v.town}{v.year}年报告导出")
demo_banner(eng)
st.caption(
    f"数据截至 {v.as_of:%Y-%m-%d}（在左侧修改年度和截至日期）　｜　生成的文件可在 Word / WPS、PowerPoint 中继续编辑"
)
state = st.session_state
key = (v.town, v.year, v.as_of)


def offer(label: str, slot: str, make, file_name: str, mime: str, icon: str) -> None:  # type: ignore[no-untyped-def]
    """A button that builds the file, then a download button for what was built for this view."""
    c = st.columns([1, 2])
    if c[0].button(f"生成{label}", key=f"make_{slot}", icon=icon, type="primary"):
        with st.spinner(f"正在生成{label}……"):
            try:
                state[slot] = (key, make())
            except LawdashError as exc:
                st.error(plain(exc))
    built = state.get(slot)
    if built and built[0] == key:
        c[1].download_button(
            f"下载{label}", built[1], file_name=file_name, mime=mime, key=f"get_{slot}", icon=":material/download:"
        )


st.subheader("年度报告草稿（Word）")
st.markdown(
    f"《{report_title(v.year)}》：按法定的四个部分撰写，第二部分的各项数字、第三部分的问题和整改情况、"
    "第四部分的下一年度目标均取自系统数据，附件为指标完成情况表。生成后请在 Word / WPS 中修改润色。"
)
offer(
    "年度报告",
    "docx",
    lambda: annual_report(eng, v.town, v.year, v.as_of),
    f"{v.town}{report_title(v.year)}（草稿）.docx",
    DOCX,
    ":material/description:",
)

st.subheader("汇报幻灯片（PowerPoint）")
rows = progress(eng, v)
targeted = [p.id for p in rows if p.target is not None]
names = {i.id: i.name for i in cat.indicators}
chosen = st.multiselect(
    "放入幻灯片的指标图表", list(names), default=targeted, format_func=names.get, key="briefing_indicators"
)
st.caption(f"共 {len(chosen) + 3} 页：封面、指标完成情况表、每个指标一页图表、问题整改情况。图表与看板上的一致。")
offer(
    "汇报幻灯片",
    "pptx",
    lambda: briefing(eng, v.town, v.year, v.as_of, chosen),
    f"{file_stem(v.chart, '工作汇报')}.pptx",
    PPTX,
    ":material/slideshow:",
)

st.subheader("全部数据（Excel）")
st.caption("指标进度表、各类台账的全部记录和整改台账，每类一张工作表。")
offer(
    "Excel",
    "xlsx",
    lambda: export_year(eng, v.town, v.year, v.as_of, private=can("editor")),
    f"{file_stem(v.chart, '全部数据')}.xlsx",
    XLSX,
    ":material/table:",
)
