"""Who is using the app: local mode, a visitor, or a logged-in user; the login form; role checks for pages.

The engine refuses writes without the role anyway; these helpers decide what a page shows.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from lawdash import auth


def session_actor(eng: Engine) -> auth.Actor | None:
    """Who this browser session acts as: the logged-in user, else a visitor (if allowed), else nobody.

    With no user configured the app is in single-user local mode: whoever opens it may do anything.
    """
    if not auth.has_users(eng):
        return auth.LOCAL
    user = st.session_state.get("auth_user")
    if isinstance(user, auth.Actor):
        return user
    return auth.ANONYMOUS if auth.anonymous_viewing(eng) else None


def _login_form(eng: Engine, where) -> None:  # type: ignore[no-untyped-def]
    with where.form("login", clear_on_submit=True, border=True):
        st.markdown("**登录**")
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        if st.form_submit_button("登录", icon=":material/login:"):
            try:
                st.session_state["auth_user"] = auth.authenticate(eng, name, password)
                st.rerun()
            except auth.LoginFailed as exc:
                st.error(str(exc))  # a fixed message, no user text


def account(eng: Engine) -> auth.Actor:
    """Set the acting user for this run, show who it is (or a login form); stop if nobody may look."""
    actor = session_actor(eng)
    auth.set_actor(actor)
    if actor is None:
        st.title("法治政府建设看板")
        st.info("请先登录。", icon=":material/lock:")
        _login_form(eng, st)
        st.stop()
    if actor is auth.LOCAL:
        st.warning(
            "单机模式：尚未设置任何用户，打开本页的任何人都可以修改数据。多人使用前请添加管理员："
            "`python -m lawdash user add 姓名 --role 管理`",
            icon=":material/shield:",
        )
    elif actor is auth.ANONYMOUS:
        _login_form(eng, st.sidebar)
    else:
        st.sidebar.caption(f"当前用户：{actor.name}（{actor.role_label}）")
        if st.sidebar.button("退出登录", key="logout", icon=":material/logout:", type="tertiary"):
            st.session_state.pop("auth_user", None)
            st.rerun()
    return actor


def need(role: str) -> None:
    """Stop a page that needs a role the user lacks (the engine refuses such writes anyway)."""
    actor = auth.current()
    if actor is None or not actor.can(role):
        st.warning(f"此页需要“{auth.ROLES[role]}”权限，请用有该权限的账号登录。", icon=":material/lock:")
        st.stop()


def can(role: str) -> bool:
    actor = auth.current()
    return actor is not None and actor.can(role)
