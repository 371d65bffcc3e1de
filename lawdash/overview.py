"""总览: everything the overview page draws for one township, year and as-of date, in one call.

The page caches this per data version; the benchmark times it at each database size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go
from sqlalchemy import Engine

from lawdash import ledger, store
from lawdash.charts import ChartContext, overview_figure
from lawdash.progress import IndicatorProgress, progress_for_year
from lawdash.series import MonthReport, submissions


@dataclass(frozen=True)
class Overview:
    progress: list[IndicatorProgress]
    months: list[MonthReport]
    ledger: list[ledger.LedgerItem]
    latest: store.BatchInfo | None
    figure: go.Figure | None  # none when no indicator has a target


def overview(engine: Engine, town: str, year: int, as_of: dt.date, big: bool = False, figure: bool = True) -> Overview:
    """Everything the page draws; `figure=False` leaves out the chart (the benchmark times both)."""
    rows = progress_for_year(engine, town, year, as_of)
    chart = any(r.target is not None for r in rows) and figure
    fig = overview_figure(rows, ChartContext(town, year, as_of, big)) if chart else None
    return Overview(
        rows,
        submissions(engine, town, year, as_of),
        ledger.list_entries(engine, town, as_of=as_of),
        store.last_batch(engine, town),
        fig,
    )
