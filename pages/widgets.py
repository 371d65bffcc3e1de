"""Small display helpers the pages share: figures with their PNG download, badges, escaped user text, overdue items."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from lawdash import ledger
from lawdash.bootstrap import is_demo
from lawdash.charts import ChartContext, png_config
from lawdash.county import COUNTY_LABEL
from pages.common import View

STATUS_BADGE = {
    "done": ("green", ":material/check_circle:"),
    "on_track": ("blue", ":material/trending_up:"),
    "behind": ("orange", ":material/schedule:"),
    "far_behind": ("red", ":material/error:"),
    "no_target": ("gray", ":material/bar_chart:"),
}


# Streamlit's own words on the file uploader are English; these rules put Chinese in their place.
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


def show_figure(fig: go.Figure, v: View, subject: str, key: str, county: bool = False) -> None:
    """A chart with its PNG download (2x, Chinese file name: the township's, or 全县 for the county's)."""
    ctx = ChartContext(COUNTY_LABEL, v.year, v.as_of, v.present) if county else v.chart
    st.plotly_chart(fig, config=png_config(ctx, subject), key=key, theme=None)


def fmt_value(value: float | None, unit: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


_MARKDOWN_SPECIAL = str.maketrans(
    {c: "\\" + c for c in "\\`*_{}[]()#+!|<>~$:"}
)  # `-` and `.` matter only at a line start


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
