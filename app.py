"""lawdash app: a short router over the pages. Run with `streamlit run app.py`."""

import streamlit as st

from pages.access import session_actor
from pages.common import engine, town_names

st.set_page_config(page_title="法治政府建设看板", page_icon=":material/balance:", layout="wide")

actor = session_actor(engine())
several = len(town_names(engine())) > 1  # the county page shows when the database holds several townships


def page(path: str, title: str, icon: str, role: str = "viewer", **kw: object) -> st.Page:
    """A page; one the user may not use stays reachable by link (it says what is needed) but is not listed."""
    allowed = actor is not None and actor.can(role)
    return st.Page(path, title=title, icon=icon, visibility="visible" if allowed else "hidden", **kw)  # type: ignore[arg-type]


st.navigation(
    [
        page("pages/overview.py", "总览", ":material/dashboard:", default=True),
        *([page("pages/county.py", "全县概览", ":material/map:", url_path="county")] if several else []),
        page("pages/progress.py", "指标进度", ":material/monitoring:", url_path="progress"),
        page("pages/ledger.py", "问题整改", ":material/assignment_late:", url_path="ledger"),
        page("pages/records.py", "活动台账", ":material/table_view:", url_path="records"),
        page("pages/reports.py", "报告导出", ":material/download:", url_path="reports"),
        page("pages/upload.py", "数据上传", ":material/upload_file:", "editor", url_path="upload"),
        page("pages/targets.py", "年度目标", ":material/flag:", "editor", url_path="targets"),
        page("pages/audit.py", "操作日志", ":material/history:", "admin", url_path="audit"),
        page("pages/admin.py", "用户与设置", ":material/manage_accounts:", "admin", url_path="admin"),
    ]
).run()
