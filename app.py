"""lawdash app: a short router over the pages. Run with `streamlit run app.py`."""

import streamlit as st

from pages.common import engine, session_actor

st.set_page_config(page_title="法治政府建设看板", page_icon=":material/balance:", layout="wide")

actor = session_actor(engine())
pages = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/progress.py", title="指标进度", icon=":material/monitoring:", url_path="progress"),
    st.Page("pages/ledger.py", title="问题整改", icon=":material/assignment_late:", url_path="ledger"),
    st.Page("pages/records.py", title="活动台账", icon=":material/table_view:", url_path="records"),
    st.Page("pages/reports.py", title="报告导出", icon=":material/download:", url_path="reports"),
]
if actor is not None and actor.can("editor"):
    pages += [
        st.Page("pages/upload.py", title="数据上传", icon=":material/upload_file:", url_path="upload"),
        st.Page("pages/targets.py", title="年度目标", icon=":material/flag:", url_path="targets"),
    ]
if actor is not None and actor.can("admin"):
    pages += [
        st.Page("pages/audit.py", title="操作日志", icon=":material/history:", url_path="audit"),
        st.Page("pages/admin.py", title="用户与设置", icon=":material/manage_accounts:", url_path="admin"),
    ]
st.navigation(pages).run()
