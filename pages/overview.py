"""总览: every indicator of the chosen year against its target and pace."""

import pandas as pd
import streamlit as st

from lawdash.bootstrap import is_demo, open_database
from lawdash.progress import STATUS_LABELS, default_as_of, progress_for_year, years_with_data
from lawdash.store import towns

engine = open_database()
town = next(iter(towns(engine)))
years = years_with_data(engine, town)
st.title(f"{town}法治政府建设总览")
if is_demo(engine):
    st.info("演示数据：当前数据库为演示乡镇的数据，仅供试用。", icon=":material/info:")
if not years:
    st.warning("尚未上传任何台账，请用命令行 `python -m lawdash import` 导入月度台账。")
    st.stop()
year = st.selectbox("年度", years, key="year")
as_of = default_as_of(engine, town, year)
rows = progress_for_year(engine, town, year, as_of)
st.caption(f"数据截至 {as_of:%Y-%m-%d}")
table = pd.DataFrame(
    {
        "指标": [r.name for r in rows],
        "完成": [r.to_json()["actual"] for r in rows],
        "目标": [r.to_json()["target"] for r in rows],
        "单位": [r.unit for r in rows],
        "完成率(%)": [r.percent for r in rows],
        "状态": [STATUS_LABELS[r.status] for r in rows],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
