"""What every page shares: the database, the view (township, year, as-of date, presentation mode)
kept in the URL, the demo banner, and cached calls into lawdash keyed on the data version.

The only module outside lawdash/ that holds logic, and that logic is about Streamlit itself.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from lawdash import auth, ledger, store
from lawdash.bootstrap import is_demo, open_database
from lawdash.catalogue import default_catalogue
from lawdash.charts import (
    ChartContext,
    ledger_status_figure,
    overview_figure,
    png_config,
    progress_figure,
    village_heatmap,
)
from lawdash.export import records_frame
from lawdash.progress import IndicatorProgress, default_as_of, load_records, progress_for_year, years_with_data
from lawdash.series import IndicatorSeries, load_indicator_series, load_village_matrix

STATUS_BADGE = {
    "done": ("green", ":material/check_circle:"),
    "on_track": ("blue", ":material/trending_up:"),
    "behind": ("orange", ":material/schedule:"),
    "far_behind": ("red", ":material/error:"),
    "no_target": ("gray", ":material/bar_chart:"),
}

# Streamlit's own words on the file uploader are English; these rules put Chinese in their place.
CHINESE_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { display: none !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after { content: "选择文件"; }
[data-testid="stFileUploaderDropzoneInstructions"] small,
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0 !important; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "或将文件拖到此处（每个文件不超过 20MB，.xlsx）"; font-size: 0.875rem; color: #6b6b6b;
}
</style>
"""

PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], .lawdash-control { display: none !important; }
.block-container { padding-top: 1.2rem !important; }
html { font-size: 19px; }
</style>
"""


def ensure_router() -> None:
    """Run every page through app.py's st.navigation, even when the first request is a deep link.

    Streamlit treats a `pages/` folder beside the main script as the old multipage layout until
    st.navigation has been called once in the process; a first visit to /progress would then run
    the page without app.py (English file names as navigation, no page config). Rerunning with
    that mode switched off sends the request through app.py, which resolves the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


ensure_router()


@st.cache_resource(show_spinner="正在打开数据库……")
def _engine(db: str | None) -> Engine:
    return open_database(db)


def engine() -> Engine:
    """The app's database: LAWDASH_DB, else data/lawdash.db (created with the demo if new)."""
    return _engine(os.environ.get("LAWDASH_DB"))


def url_of(eng: Engine) -> str:
    return eng.url.render_as_string(hide_password=False)


def version(eng: Engine) -> int:
    """The data version: every write moves it, and every cache below is keyed on it."""
    return store.data_version(eng)


@dataclass(frozen=True)
class View:
    town: str
    year: int
    as_of: dt.date
    present: bool

    @property
    def chart(self) -> ChartContext:
        return ChartContext(self.town, self.year, self.as_of, big=self.present)


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


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
                st.error(plain(exc))


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


def view(eng: Engine) -> View:
    """Township, year and as-of date from the URL (so a link reproduces the view), chosen in the sidebar."""
    account(eng)
    towns = list(store.towns(eng))
    if not towns:
        st.error("数据库中没有乡镇基础数据，请先运行 `python -m lawdash init`。")
        st.stop()
    state = st.session_state
    town = state.get("v_town") or _param("town")
    town = town if town in towns else towns[0]
    years = years_with_data(eng, town) or [dt.date.today().year]
    year = state.get("v_year") or _int(_param("year"))
    year = year if year in years else years[0]
    as_of = state.get("v_as_of") or _date(_param("as_of")) or default_as_of(eng, town, year)
    if as_of.year != year:
        as_of = default_as_of(eng, town, year)
    present = state.get("v_present", _param("present") == "1")

    with st.sidebar:
        if len(towns) > 1:
            town = st.selectbox("乡镇", towns, index=towns.index(town), key="w_town")
        new_year = st.selectbox("年度", years, index=years.index(year), key="w_year", format_func=lambda y: f"{y}年")
        if new_year != year:
            year, as_of = new_year, default_as_of(eng, town, new_year)
            state.pop("w_as_of", None)
        as_of = st.date_input(
            "数据截至",
            value=as_of,
            min_value=dt.date(year, 1, 1),
            max_value=dt.date(year, 12, 31),
            key="w_as_of",
            format="YYYY-MM-DD",
        )
        present = st.toggle("汇报模式", value=present, key="w_present", help="放大字体、隐藏操作控件，便于全屏截图")
    state.update(v_town=town, v_year=year, v_as_of=as_of, v_present=present)
    params = {"town": town, "year": str(year), "as_of": as_of.isoformat(), "present": "1" if present else None}
    for name, value in params.items():  # only the view's own keys: a page may keep others (indicator)
        if value is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    st.html(CHINESE_CSS + (PRESENTATION_CSS if present else ""))
    return View(town, year, as_of, present)


def leave_presentation_button(v: View) -> None:
    """In presentation mode the sidebar is hidden: one small button at the bottom brings it back."""
    if v.present and st.button("退出汇报模式", type="tertiary", key="leave_present", icon=":material/close:"):
        st.session_state["v_present"] = False
        st.session_state.pop("w_present", None)
        st.rerun()


def demo_banner(eng: Engine) -> None:
    if is_demo(eng):
        st.info(
            "演示数据：当前看到的是演示乡镇的数据，仅供试用。使用本镇数据请新建数据库（见“数据上传”页说明）。",
            icon=":material/info:",
        )


def show_figure(fig: go.Figure, v: View, subject: str, key: str) -> None:
    """A chart with its PNG download (2x, Chinese file name) in the toolbar."""
    st.plotly_chart(fig, config=png_config(v.chart, subject), key=key, theme=None)


# ------------------------------------------------------------------ cached calls (keyed on the data version)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_progress(url: str, ver: int, town: str, year: int, as_of: dt.date) -> list[IndicatorProgress]:
    return progress_for_year(store.get_engine(url), town, year, as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_records(url: str, ver: int, town: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    return load_records(store.get_engine(url), town, start, end)


def progress(eng: Engine, v: View) -> list[IndicatorProgress]:
    return cached_progress(url_of(eng), version(eng), v.town, v.year, v.as_of)


def year_records(eng: Engine, v: View, year: int | None = None, full_year: bool = False) -> pd.DataFrame:
    """The records of the view's year (or another) up to the as-of date (or the whole year)."""
    y = year or v.year
    end = dt.date(y, 12, 31) if full_year or y != v.year else v.as_of
    return cached_records(url_of(eng), version(eng), v.town, dt.date(y, 1, 1), end)


def fmt_value(value: float | None, unit: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@st.cache_data(show_spinner=False, max_entries=128)
def cached_series(url: str, ver: int, town: str, year: int, as_of: dt.date, ind_id: str) -> IndicatorSeries:
    return load_indicator_series(store.get_engine(url), town, year, as_of, default_catalogue().indicator(ind_id))


@st.cache_data(show_spinner=False, max_entries=128)
def cached_village_matrix(url: str, ver: int, town: str, year: int, as_of: dt.date, ind_id: str) -> pd.DataFrame:
    return load_village_matrix(store.get_engine(url), town, year, as_of, default_catalogue().indicator(ind_id))


def series(eng: Engine, v: View, ind_id: str) -> IndicatorSeries:
    return cached_series(url_of(eng), version(eng), v.town, v.year, v.as_of, ind_id)


def village_counts(eng: Engine, v: View, ind_id: str) -> pd.DataFrame:
    return cached_village_matrix(url_of(eng), version(eng), v.town, v.year, v.as_of, ind_id)


# Figures are built once per data version and view, not on every rerun.
@st.cache_data(show_spinner=False, max_entries=256)
def _progress_fig(url: str, ver: int, v: View, ind_id: str, status: str, compact: bool) -> go.Figure:
    s = cached_series(url, ver, v.town, v.year, v.as_of, ind_id)
    return progress_figure(s, v.chart, status, compact=compact)


@st.cache_data(show_spinner=False, max_entries=64)
def _heatmap_fig(url: str, ver: int, v: View, ind_id: str) -> go.Figure:
    matrix = cached_village_matrix(url, ver, v.town, v.year, v.as_of, ind_id)
    return village_heatmap(matrix, default_catalogue().indicator(ind_id), v.chart)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview_fig(url: str, ver: int, v: View) -> go.Figure:
    return overview_figure(cached_progress(url, ver, v.town, v.year, v.as_of), v.chart)


def progress_fig(eng: Engine, v: View, p: IndicatorProgress, compact: bool = False) -> go.Figure:
    return _progress_fig(url_of(eng), version(eng), v, p.id, p.status, compact)


def heatmap_fig(eng: Engine, v: View, ind_id: str) -> go.Figure:
    return _heatmap_fig(url_of(eng), version(eng), v, ind_id)


def overview_fig(eng: Engine, v: View) -> go.Figure:
    return _overview_fig(url_of(eng), version(eng), v)


@st.cache_data(show_spinner=False, max_entries=64)
def _sheet_records(
    url: str, ver: int, town: str, year: int, as_of: dt.date, sheet_key: str, private: bool
) -> pd.DataFrame:
    return records_frame(store.get_engine(url), town, year, as_of, sheet_key, private=private)


def sheet_records(eng: Engine, v: View, sheet_key: str) -> pd.DataFrame:
    """One sheet's records of the view's year up to the as-of date, with Chinese headers.

    Columns that may name private persons are left out unless the user may edit (填报).
    """
    return _sheet_records(url_of(eng), version(eng), v.town, v.year, v.as_of, sheet_key, can("editor"))


# ------------------------------------------------------------------ rectification ledger


@st.cache_data(show_spinner=False, max_entries=32)
def _ledger_items(url: str, ver: int, town: str, as_of: dt.date) -> list[ledger.LedgerItem]:
    return ledger.list_entries(store.get_engine(url), town, as_of=as_of)


def ledger_items(eng: Engine, v: View) -> list[ledger.LedgerItem]:
    """Every ledger entry of the township, judged as of the view's date, most urgent first."""
    return _ledger_items(url_of(eng), version(eng), v.town, v.as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def _ledger_fig(url: str, ver: int, v: View) -> go.Figure:
    items = _ledger_items(url, ver, v.town, v.as_of)
    led = default_catalogue().ledger
    counts = ledger.status_counts(items)
    overdue = {s: sum(i.overdue and i.status == s for i in items) for s in led.statuses}
    return ledger_status_figure({s: counts[s] for s in led.statuses}, overdue, led.status_labels, v.chart)


def ledger_fig(eng: Engine, v: View) -> go.Figure:
    return _ledger_fig(url_of(eng), version(eng), v)


def linked_indicator_status(eng: Engine, v: View, items: list[ledger.LedgerItem]) -> dict[tuple[int, str], str]:
    """(year, indicator) -> the indicator's status word that year, for the entries that name one."""
    out: dict[tuple[int, str], str] = {}
    for year in {i.year for i in items if i.indicator}:
        as_of = v.as_of if year == v.year else default_as_of(eng, v.town, year)
        for p in cached_progress(url_of(eng), version(eng), v.town, year, as_of):
            out[(year, p.id)] = p.status_label
    return out


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+!|<>~$:"})  # `-` and `.` matter only at a line start


def plain(text: object) -> str:
    """User text inside markdown shows as typed: no emphasis, links, HTML or formulas from what a clerk wrote."""
    return str(text).translate(_MARKDOWN_SPECIAL)


def show_overdue(items: list[ledger.LedgerItem], limit: int | None = None) -> None:
    """Overdue entries in red, with their days overdue, then those due soon."""
    late = [i for i in items if i.overdue]
    for i in late[:limit]:
        st.error(
            f"**逾期 {i.days_overdue} 天**　{plain(i.code)}　{plain(i.problem)}　｜　{plain(i.unit)}（{plain(i.leader or '—')}）　"
            f"时限 {i.deadline:%Y-%m-%d}　{i.status_label}",
            icon=":material/alarm:",
        )
    if limit is not None and len(late) > limit:
        st.caption(f"另有 {len(late) - limit} 项逾期，见“问题整改”页。")
    for i in [i for i in items if i.due_soon][:limit]:
        st.warning(
            f"**即将到期（剩 {i.days_left} 天）**　{plain(i.code)}　{plain(i.problem)}　｜　{plain(i.unit)}　时限 {i.deadline:%Y-%m-%d}",
            icon=":material/schedule:",
        )
