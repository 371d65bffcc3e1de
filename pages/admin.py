"""用户与设置: users and their roles, passwords, anonymous viewing — for admins."""

import pandas as pd
import streamlit as st

from lawdash import auth
from lawdash.errors import LawdashError
from pages.access import need
from pages.common import engine, view
from pages.widgets import plain

eng = engine()
view(eng)
need("admin")
st.title("用户与设置")
state = st.session_state
if message := state.pop("admin_message", None):
    st.success(message, icon=":material/check_circle:")


def act(change, done: str) -> None:  # type: ignore[no-untyped-def]
    try:
        change()
        state["admin_message"] = done
        st.rerun()
    except LawdashError as exc:
        st.error(plain(exc))


users = auth.list_users(eng)
st.dataframe(
    pd.DataFrame(
        [{"用户名": u["name"], "角色": u["role_label"], "创建时间": u["created_at"]} for u in users],
        columns=["用户名", "角色", "创建时间"],
    ),
    hide_index=True,
    width="stretch",
    placeholder="—",
)
roles = list(auth.ROLES)
with st.form("add_user", clear_on_submit=True):
    st.markdown("**添加用户**")
    c = st.columns(4)
    name = c[0].text_input("用户名", key="u_name")
    role = c[1].selectbox("角色", roles, format_func=auth.ROLES.get, key="u_role")
    pw1 = c[2].text_input("密码（至少 8 位）", type="password", key="u_pw1")
    pw2 = c[3].text_input("再次输入密码", type="password", key="u_pw2")
    if st.form_submit_button("添加", icon=":material/person_add:"):
        if pw1 != pw2:
            st.error("两次输入的密码不一致")
        else:
            act(lambda: auth.add_user(eng, name, role, pw1), f"已添加用户“{name}”。")

if users:
    st.markdown("**修改用户**")
    c = st.columns(4)
    who = c[0].selectbox("用户", [u["name"] for u in users], key="m_user")
    new_role = c[1].selectbox("新角色", roles, format_func=auth.ROLES.get, key="m_role")
    if c[1].button("修改角色", key="m_set_role"):
        act(lambda: auth.set_role(eng, who, new_role), f"已修改“{who}”的角色。")
    pw = c[2].text_input("新密码", type="password", key="m_pw")
    if c[2].button("重设密码", key="m_set_pw"):
        act(lambda: auth.set_password(eng, who, pw), f"已重设“{who}”的密码。")
    sure = c[3].checkbox("确认删除", key="m_sure")
    if c[3].button("删除用户", disabled=not sure, key="m_remove"):
        act(lambda: auth.remove_user(eng, who), f"已删除用户“{who}”。")

st.markdown("**访问设置**")
allowed = st.toggle(
    "允许未登录者只读访问（查看总览、指标、整改情况；看不到纠纷当事人信息）",
    value=auth.anonymous_viewing(eng),
    key="s_anon",
)
if allowed != auth.anonymous_viewing(eng):
    act(lambda: auth.set_anonymous_viewing(eng, allowed), "已保存访问设置。")
