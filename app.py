"""lawdash app: a short router over the pages. Run with `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="法治政府建设看板", page_icon=":material/balance:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()
