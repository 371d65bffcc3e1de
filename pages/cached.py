"""Cached calls into lawdash for the pages: every cache is keyed on the database and its data version,

so a write (which moves the version) is seen at once and a figure is built once per version, not per rerun.
Figures, and the objects holding them, are kept with `st.cache_resource`: `st.cache_data` would unpickle
(and so re-validate) a plotly figure on every rerun; pages only read them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from lawdash import county, ledger, store
from lawdash.catalogue import default_catalogue
from lawdash.charts import (
    ChartContext,
    county_pace_heatmap,
    county_ranking_figure,
    county_submissions_figure,
    ledger_status_figure,
    progress_figure,
    village_heatmap,
)
from lawdash.county import COUNTY_LABEL, County
from lawdash.export import records_frame
from lawdash.overview import Overview, overview
from lawdash.progress import IndicatorProgress, default_as_of, load_records, progress_for_year
from lawdash.series import IndicatorSeries, load_indicator_series, load_village_matrix
from pages.access import can
from pages.common import View, url_of, version


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
@st.cache_resource(show_spinner=False, max_entries=256)
def _progress_fig(url: str, ver: int, v: View, ind_id: str, status: str, compact: bool) -> go.Figure:
    s = cached_series(url, ver, v.town, v.year, v.as_of, ind_id)
    return progress_figure(s, v.chart, status, compact=compact)


@st.cache_resource(show_spinner=False, max_entries=64)
def _heatmap_fig(url: str, ver: int, v: View, ind_id: str) -> go.Figure:
    matrix = cached_village_matrix(url, ver, v.town, v.year, v.as_of, ind_id)
    return village_heatmap(matrix, default_catalogue().indicator(ind_id), v.chart)


@st.cache_resource(show_spinner=False, max_entries=64)
def _overview(url: str, ver: int, town: str, year: int, as_of: dt.date, big: bool) -> Overview:
    return overview(store.get_engine(url), town, year, as_of, big)


def overview_data(eng: Engine, v: View) -> Overview:
    """What the overview page draws (`lawdash.overview`), once per data version and view."""
    return _overview(url_of(eng), version(eng), v.town, v.year, v.as_of, v.present)


def progress_fig(eng: Engine, v: View, p: IndicatorProgress, compact: bool = False) -> go.Figure:
    return _progress_fig(url_of(eng), version(eng), v, p.id, p.status, compact)


def heatmap_fig(eng: Engine, v: View, ind_id: str) -> go.Figure:
    return _heatmap_fig(url_of(eng), version(eng), v, ind_id)


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


@st.cache_resource(show_spinner=False, max_entries=32)
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


# ------------------------------------------------------------------ the county page


@st.cache_resource(show_spinner=False, max_entries=16)
def _county(url: str, ver: int, year: int, as_of: dt.date) -> County:
    return county.county(store.get_engine(url), year, as_of)


def county_view(eng: Engine, v: View) -> County:
    """Every township's figures for the view's year and as-of date (one cached GROUP BY per version)."""
    return _county(url_of(eng), version(eng), v.year, v.as_of)


@st.cache_resource(show_spinner=False, max_entries=32)
def _county_fig(url: str, ver: int, year: int, as_of: dt.date, big: bool, kind: str) -> go.Figure:
    builder = {
        "pace": county_pace_heatmap,
        "ranking": county_ranking_figure,
        "submissions": county_submissions_figure,
    }[kind]
    return builder(_county(url, ver, year, as_of), ChartContext(COUNTY_LABEL, year, as_of, big))


def county_fig(eng: Engine, v: View, kind: str) -> go.Figure:
    return _county_fig(url_of(eng), version(eng), v.year, v.as_of, v.present, kind)
