"""活动台账: every stored record, filterable, downloadable as .xlsx."""

import streamlit as st

from lawdash.catalogue import default_catalogue
from lawdash.charts import file_stem
from lawdash.export import filter_records, frames_to_xlsx
from lawdash.store import towns
from pages.cached import sheet_records
from pages.common import engine, view
from pages.widgets import demo_banner

eng = engine()
v = view(eng)
cat = default_catalogue()
st.title(f"{v.town}{v.year}年活动台账")
demo_banner(eng)
st.caption(f"数据截至 {v.as_of:%Y-%m-%d}　｜　每一行都注明来源文件和行号，可回到原台账核对")

sheets = {s.key: s.name for s in cat.sheets}
key = (
    st.segmented_control("台账", list(sheets), format_func=sheets.get, default="meetings", key="w_sheet") or "meetings"
)
sheet = cat.sheet(key)
frame = sheet_records(eng, v, key)
if frame.empty:
    st.info(
        f"本年度截至 {v.as_of:%Y-%m-%d} 尚无“{sheet.name}”记录。如有台账，请在“数据上传”页上传。",
        icon=":material/inbox:",
    )
    st.stop()

cols = st.columns(4)
months = cols[0].multiselect(
    "月份", list(range(1, 13)), format_func=lambda m: f"{m}月", key="f_months", placeholder="全部月份"
)
village_col = next((c for c in sheet.columns if c.kind in ("place", "village")), None)
villages = (
    cols[1].multiselect("村", list(towns(eng)[v.town]), key="f_villages", placeholder="全部村") if village_col else []
)
choices = {}
for n, col in enumerate(c for c in sheet.columns if c.kind == "choice" and not c.open):
    choices[col.name] = cols[2 + n % 2].multiselect(col.name, list(col.choices), key=f"f_{col.key}", placeholder="全部")

shown = filter_records(frame, months, villages, choices)
st.caption(f"共 {len(shown)} 条（本年度全部 {len(frame)} 条）")
st.dataframe(shown, hide_index=True, width="stretch", placeholder="—", height=min(38 + 35 * len(shown), 640))
st.download_button(
    "下载筛选结果（.xlsx）",
    frames_to_xlsx({sheet.name: shown}),
    file_name=f"{file_stem(v.chart, sheet.name)}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="download_records",
)
