"""What every page starts with: the database, the router check, and the view (township, year,
as-of date, presentation mode) kept in the URL.

Beside it: pages/access.py (who is using the app), pages/cached.py (calls into lawdash cached on the
data version), pages/widgets.py (display helpers). None holds domain logic; that lives in lawdash/.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from lawdash import store
from lawdash.bootstrap import open_database
from lawdash.charts import ChartContext
from lawdash.progress import default_as_of, years_with_data
from pages.access import account

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


# What the sidebar needs on every rerun, once per data version (and day, for today's as-of date).
@st.cache_data(show_spinner=False, max_entries=16)
def _towns(url: str, ver: int) -> list[str]:
    return list(store.towns(store.get_engine(url)))


def town_names(eng: Engine) -> list[str]:
    """The townships of the database, in their order (cached per data version)."""
    return _towns(url_of(eng), version(eng))


@st.cache_data(show_spinner=False, max_entries=256)
def _years(url: str, ver: int, town: str | None) -> list[int]:
    return years_with_data(store.get_engine(url), town)


@st.cache_data(show_spinner=False, max_entries=256)
def _default_as_of(url: str, ver: int, town: str | None, year: int, today: dt.date) -> dt.date:
    return default_as_of(store.get_engine(url), town, year, today)


def view(eng: Engine, county: bool = False) -> View:
    """Township, year and as-of date from the URL (so a link reproduces the view), chosen in the sidebar.

    On the county page the township is not chosen, and the years and as-of date are the county's.
    """
    account(eng)
    url, ver = url_of(eng), version(eng)
    towns = town_names(eng)
    if not towns:
        st.error("数据库中没有乡镇基础数据，请先运行 `python -m lawdash init`。")
        st.stop()
    state = st.session_state
    town = state.get("v_town") or _param("town")
    town = town if town in towns else towns[0]
    whose = None if county else town
    years = _years(url, ver, whose) or [dt.date.today().year]
    default = lambda y: _default_as_of(url, ver, whose, y, dt.date.today())
    year = state.get("v_year") or _int(_param("year"))
    year = year if year in years else years[0]
    as_of = state.get("v_as_of") or _date(_param("as_of")) or default(year)
    if as_of.year != year:
        as_of = default(year)
    present = state.get("v_present", _param("present") == "1")

    with st.sidebar:
        if len(towns) > 1 and not county:
            town = st.selectbox("乡镇", towns, index=towns.index(town), key="w_town")
        new_year = st.selectbox("年度", years, index=years.index(year), key="w_year", format_func=lambda y: f"{y}年")
        if new_year != year:
            year, as_of = new_year, default(new_year)
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
    params = {
        "town": None if county else town,
        "year": str(year),
        "as_of": as_of.isoformat(),
        "present": "1" if present else None,
    }
    for name, value in params.items():  # only the view's own keys: a page may keep others (indicator)
        if value is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    st.html(CHINESE_CSS + (PRESENTATION_CSS if present else ""))
    return View(town, year, as_of, present)
