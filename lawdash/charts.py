"""Figure builders: every chart of the dashboard, returned as a plotly Figure ready for a slide.

The chart rules live here once: a title naming township, year and indicator; a subtitle with
`数据截至 YYYY-MM-DD` and the source; units on the axes; labelled target and pace lines; one
colour (and one pattern, for greyscale print) per status; fonts that exist on Windows and Linux.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from lawdash.catalogue import Indicator, default_catalogue
from lawdash.county import County
from lawdash.progress import STATUS_LABELS, STATUS_ORDER, IndicatorProgress
from lawdash.series import IndicatorSeries, month_label

FONT_FAMILY = (
    '"Microsoft YaHei", "微软雅黑", "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei", sans-serif'
)
# Dark green / mid blue / light amber / dark red / grey: apart in hue, and told apart in
# greyscale by the pattern and the status word printed beside each mark.
STATUS_COLORS = {
    "done": "#1B7837",
    "on_track": "#3A7DC9",
    "behind": "#E6A23C",
    "far_behind": "#B2182B",
    "no_target": "#8C8C8C",
}
# For text on white: the amber is darkened to stay legible.
STATUS_TEXT_COLORS = {**STATUS_COLORS, "behind": "#A86B00"}
STATUS_PATTERNS = {"done": "", "on_track": "", "behind": "/", "far_behind": "x", "no_target": "."}
INK = "#222222"
GRID = "#E3E3E3"
PACE_COLOR = "#555555"
TARGET_COLOR = "#B2182B"
LAST_YEAR_COLOR = "#9E9E9E"
BAR_COLOR = "#C9D7E8"
SLIDE_SIZE = (1600, 900)  # 16:9, the PNG export size before scaling


@dataclass(frozen=True)
class ChartContext:
    """What every chart names: township, year, as-of date; `big` for presentation mode."""

    town: str
    year: int
    as_of: dt.date
    big: bool = False

    @property
    def font_size(self) -> int:
        return 20 if self.big else 15

    @property
    def title_size(self) -> int:
        return 28 if self.big else 21


def png_config(ctx: ChartContext, subject: str) -> dict[str, object]:
    """plotly config: PNG download at 2x slide size, named for township, year, subject and as-of date."""
    width, height = SLIDE_SIZE
    return {
        "displaylogo": False,
        "locale": "zh-CN",
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {
            "format": "png",
            "filename": file_stem(ctx, subject),
            "width": width,
            "height": height,
            "scale": 2,
        },
    }


def file_stem(ctx: ChartContext, subject: str) -> str:
    """`商酒务镇_2024年_宣传资料_截至2024-06-30`: a file name a clerk can file."""
    return f"{ctx.town}_{ctx.year}年_{subject}_截至{ctx.as_of:%Y-%m-%d}"


def _style(fig: go.Figure, ctx: ChartContext, title: str, subtitle: str, height: int) -> go.Figure:
    fig.update_layout(
        title={
            "text": title,
            "subtitle": {"text": subtitle, "font": {"size": ctx.font_size - 2, "color": "#555555"}},
            "font": {"size": ctx.title_size, "color": INK},
            "x": 0.01,
            "xanchor": "left",
        },
        font={"family": FONT_FAMILY, "size": ctx.font_size, "color": INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 70, "r": 185 if ctx.big else 150, "t": 110 if ctx.big else 95, "b": 110},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": ctx.font_size - 1}},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        separators=".,",
    )
    fig.update_xaxes(showgrid=False, linecolor="#999999", ticks="outside", tickfont={"size": ctx.font_size})
    fig.update_yaxes(gridcolor=GRID, zerolinecolor="#999999", tickfont={"size": ctx.font_size}, rangemode="tozero")
    return fig


def subtitle_text(ctx: ChartContext, source: str, extra: str = "") -> str:
    parts = [f"数据截至 {ctx.as_of:%Y-%m-%d}", f"来源：{source}"]
    if extra:
        parts.append(extra)
    return "　｜　".join(parts)


def _end_label(fig: go.Figure, y: float, text: str, color: str, ctx: ChartContext) -> None:
    fig.add_annotation(
        x=1.0,
        xref="paper",
        xanchor="left",
        y=y,
        yref="y",
        text=text,
        showarrow=False,
        font={"color": color, "size": ctx.font_size - 1},
        xshift=6,
    )


def _fmt(value: float | None, unit: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{number}{'%' if unit == '%' else ' ' + unit}"


def progress_figure(series: IndicatorSeries, ctx: ChartContext, status: str, compact: bool = False) -> go.Figure:
    """Cumulative actual by month against the pace and target lines, with monthly bars and last year."""
    ind, frame = series.indicator, series.frame
    x = [month_label(m) for m in frame["month"]]
    is_rate = ind.aggregation == "rate"
    color, text_color = STATUS_COLORS[status], STATUS_TEXT_COLORS[status]
    unit = ind.unit
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=frame["monthly"],
        name="当月" + ("比率" if is_rate else "完成"),
        marker_color=BAR_COLOR,
        hovertemplate="%{x}：%{y}" + unit + "<extra>当月</extra>",
    )
    if series.has_last_year:
        fig.add_scatter(
            x=x,
            y=frame["last_year"],
            name=f"{series.year - 1}年同期" + ("" if is_rate else "累计"),
            mode="lines",
            line={"color": LAST_YEAR_COLOR, "width": 2, "dash": "dot"},
            hovertemplate="%{x}：%{y}" + unit + f"<extra>{series.year - 1}年同期</extra>",
        )
    if series.target is not None and ind.direction != "floor":
        fig.add_scatter(
            x=x,
            y=frame["pace"],
            name="应达进度",
            mode="lines",
            line={"color": PACE_COLOR, "width": 2, "dash": "dash"},
            hovertemplate="%{x}：%{y}" + unit + "<extra>应达进度</extra>",
        )
        # label the pace line where it stands at the as-of month, below the line
        month = series.as_of.month if series.as_of.year == series.year else 12
        fig.add_annotation(
            x=month_label(month),
            y=float(frame.loc[frame["month"] == month, "pace"].iloc[0]),
            text=f"应达 {_fmt(frame.loc[frame['month'] == month, 'pace'].iloc[0], unit)}",
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=36,
            font={"color": PACE_COLOR, "size": ctx.font_size - 2},
            bgcolor="rgba(255,255,255,0.85)",
        )
    if series.target is not None:
        label = f"{'达标线' if ind.direction == 'floor' else '年度目标'} {_fmt(series.target, unit)}"
        fig.add_hline(y=series.target, line={"color": TARGET_COLOR, "width": 2, "dash": "dot"})
        _end_label(fig, series.target, label, TARGET_COLOR, ctx)
    done = frame["cumulative"].notna()
    fig.add_scatter(
        x=[v for v, d in zip(x, done, strict=True) if d],
        y=frame.loc[done, "cumulative"],
        name="累计" + ("成功率" if is_rate else "完成"),
        mode="lines+markers",
        line={"color": color, "width": 4},
        marker={"size": 9, "color": color},
        hovertemplate="%{x}：%{y}" + unit + "<extra>累计</extra>",
    )
    if done.any():  # the latest figure and its status, above-right of the last point
        last = frame.loc[done].iloc[-1]
        fig.add_annotation(
            x=month_label(int(last["month"])),
            y=float(last["cumulative"]),
            xanchor="left",
            yanchor="bottom",
            xshift=6,
            yshift=6,
            showarrow=False,
            text=f"<b>{_fmt(last['cumulative'], unit)}　{STATUS_LABELS[status]}</b>",
            font={"color": text_color, "size": ctx.font_size},
            bgcolor="rgba(255,255,255,0.85)",
        )
    sheet = default_catalogue().sheet(ind.sheet).name
    title = f"{ctx.town}{ctx.year}年 {ind.name}"
    fig = _style(fig, ctx, title, subtitle_text(ctx, f"“{sheet}”月度台账"), 400 if compact else 540)
    fig.update_yaxes(title_text=f"{'比率' if is_rate else '累计'}（{unit}）")
    top = max(frame[["cumulative", "pace", "last_year"]].max().max(), series.target or 0)
    if not is_rate and top <= 12:  # small counts: whole steps, no 0.5 meetings
        fig.update_yaxes(dtick=1)
    fig.update_xaxes(categoryorder="array", categoryarray=x)
    if compact:
        fig.update_layout(showlegend=False, margin={"r": 120, "b": 50})
    return fig


def overview_figure(progress: list[IndicatorProgress], ctx: ChartContext) -> go.Figure:
    """Every targeted indicator's completion (% of annual target) against where it should be by now."""
    rows = [p for p in progress if p.target is not None]
    rows.sort(key=lambda p: (STATUS_ORDER.index(p.status), p.percent or 0), reverse=True)
    names = [p.name for p in rows]
    fig = go.Figure()
    for status in STATUS_ORDER:
        sel = [p for p in rows if p.status == status]
        if sel:
            fig.add_bar(
                y=[p.name for p in sel],
                x=[min(p.percent or 0, 150) for p in sel],
                orientation="h",
                name=STATUS_LABELS[status],
                marker={"color": STATUS_COLORS[status], "pattern": _pattern(status)},
                hovertemplate="%{y}：%{x:.1f}%<extra></extra>",
            )
    fig.add_scatter(
        y=names,
        x=[100.0 * (p.expected or 0) / p.target if p.target else None for p in rows],
        mode="markers",
        name="应达进度",
        marker={"symbol": "line-ns", "size": 30, "line": {"width": 4, "color": INK}},
        hovertemplate="%{y} 应达 %{x:.0f}%<extra></extra>",
    )
    # The figures and the status word in a column of their own, right of the plot: never on a bar.
    for p in rows:
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=10,
            y=p.name,
            yref="y",
            showarrow=False,
            text=f"{_fmt(p.actual, p.unit)} / {_fmt(p.target, p.unit)}　<b>{STATUS_LABELS[p.status]}</b>",
            font={"size": ctx.font_size - 1, "color": STATUS_TEXT_COLORS[p.status]},
        )
    fig.add_vline(x=100, line={"color": TARGET_COLOR, "dash": "dot", "width": 2})
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}{ctx.year}年法治政府建设指标完成情况",
        subtitle_text(ctx, "月度台账汇总", "红色虚线为年度目标，黑色短线为按时间应达进度"),
        150 + 46 * max(len(rows), 1),
    )
    fig.update_layout(barmode="overlay", bargap=0.3, showlegend=False, margin={"l": 290, "r": 290})
    fig.update_xaxes(title_text="完成率（占年度目标 %）", range=[0, 150], ticksuffix="%", showgrid=True, gridcolor=GRID)
    fig.update_yaxes(categoryorder="array", categoryarray=names, showgrid=False, ticksuffix="  ")
    return fig


def _pattern(status: str) -> dict[str, object]:
    """A pattern over the status colour, so statuses stay apart in greyscale print."""
    return {"shape": STATUS_PATTERNS[status], "fillmode": "overlay", "fgcolor": "white", "fgopacity": 0.55, "size": 8}


def village_heatmap(matrix: pd.DataFrame, ind: Indicator, ctx: ChartContext) -> go.Figure:
    """Villages × months: how many activities (or cases) each village had each month."""
    months = [month_label(m) for m in matrix.columns]
    text = matrix.map(lambda v: str(v) if v else "")
    fig = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=months,
            y=list(matrix.index),
            text=text.values,
            texttemplate="%{text}",
            colorscale=[[0, "#F7F7F7"], [0.01, "#D6E4F2"], [1, "#1F4E8C"]],
            xgap=2,
            ygap=2,
            showscale=False,  # the counts are written in the cells
            hovertemplate="%{y} %{x}：%{z}<extra></extra>",
        )
    )
    sheet = default_catalogue().sheet(ind.sheet).name
    reached = int((matrix.sum(axis=1) > 0).sum())
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}{ctx.year}年 {ind.name}：各村逐月分布",
        subtitle_text(ctx, f"“{sheet}”月度台账", f"已覆盖 {reached}/{len(matrix)} 个村　格中数字为当月记录条数"),
        500,  # replaced below, once the margins are known
    )
    # every village gets a row of 28 px (a legible label at 25 villages), whatever the margins
    margin = {"l": 90, "r": 40, "t": fig.layout.margin.t, "b": 40}
    fig.update_layout(margin=margin, height=margin["t"] + margin["b"] + 28 * len(matrix))
    fig.update_yaxes(
        autorange="reversed", showgrid=False, tickfont={"size": ctx.font_size - 2}, dtick=1, rangemode="normal"
    )
    fig.update_xaxes(side="bottom", title_text="")
    return fig


LEDGER_COLORS = {"未启动": "#8C8C8C", "整改中": "#3A7DC9", "已完成": "#7FB77E", "已销号": "#1B7837"}


def ledger_status_figure(
    counts: dict[str, int], overdue: dict[str, int], labels: dict[str, str], ctx: ChartContext
) -> go.Figure:
    """Rectification items by status; the overdue part of each bar in red with a cross pattern."""
    statuses = list(counts)
    names = [labels.get(s, s) for s in statuses]
    on_time = [counts[s] - overdue.get(s, 0) for s in statuses]
    late = [overdue.get(s, 0) for s in statuses]
    fig = go.Figure()
    fig.add_bar(
        x=names, y=on_time, name="未逾期", marker={"color": [LEDGER_COLORS.get(s, "#8C8C8C") for s in statuses]},
        text=[str(n) if n else "" for n in on_time], textposition="inside", insidetextfont={"color": "white"},
        hovertemplate="%{x}：%{y} 项<extra>未逾期</extra>",
    )  # fmt: skip
    fig.add_bar(
        x=names, y=late, name="逾期", marker={"color": STATUS_COLORS["far_behind"], "pattern": _pattern("far_behind")},
        text=[f"逾期 {n}" if n else "" for n in late], textposition="inside", insidetextfont={"color": "white"},
        hovertemplate="%{x}：逾期 %{y} 项<extra></extra>",
    )  # fmt: skip
    total, late_total = sum(counts.values()), sum(late)
    for name, n in zip(names, counts.values(), strict=True):
        fig.add_annotation(x=name, y=n, text=f"<b>{n} 项</b>", showarrow=False, yanchor="bottom", yshift=4)
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}法治政府建设问题整改情况（共 {total} 项）",
        subtitle_text(ctx, "整改台账", f"逾期 {late_total} 项"),
        460,
    )
    fig.update_layout(barmode="stack", bargap=0.45, margin={"r": 40})
    fig.update_yaxes(title_text="事项数（项）", dtick=1 if max(counts.values(), default=0) <= 12 else None)
    return fig


# ------------------------------------------------------------------ the county page


def _wrap(label: str) -> str:
    """A column label over 4 characters in two lines, so neighbouring labels never run together."""
    if len(label) <= 4:
        return label
    half = (len(label) + 1) // 2
    return f"{label[:half]}<br>{label[half:]}"


def _grid_layout(fig: go.Figure, rows: int, ctx: ChartContext, top_axis: bool = True) -> None:
    """A row of 28 px per township, whatever the margins; labels top to bottom in the given order,
    column labels above the grid (in up to two lines, below the subtitle)."""
    top = fig.layout.margin.t + (2 * ctx.font_size + 24 if top_axis else 0)
    margin = {"l": 90, "r": 60, "t": top, "b": 40 if top_axis else 70}
    fig.update_layout(margin=margin, height=margin["t"] + margin["b"] + 28 * rows + 40)
    fig.update_yaxes(
        autorange="reversed", showgrid=False, tickfont={"size": ctx.font_size - 2}, dtick=1, rangemode="normal"
    )
    fig.update_xaxes(side="top" if top_axis else "bottom", title_text="", tickfont={"size": ctx.font_size - 2})


def county_pace_heatmap(county: County, ctx: ChartContext) -> go.Figure:
    """Townships × indicators: each figure as a percent of what is due by now, coloured by its status."""
    cat = default_catalogue()
    pace = county.pace_percent()
    status = county.statuses().reindex(index=pace.index, columns=pace.columns)
    order = [t.town for t in county.ranking()]
    pace, status = pace.reindex(order), status.reindex(order)
    codes = {s: i for i, s in enumerate(("far_behind", "behind", "on_track", "done"))}
    z = status.map(lambda s: codes.get(s, float("nan")))
    text = pace.map(lambda v: "—" if pd.isna(v) else f"{v:.0f}%")
    colours = [STATUS_COLORS[s] for s in codes]
    scale = [[i / 3, colours[i]] for i in range(4)]
    words = status.map(lambda s: STATUS_LABELS.get(s, "") if isinstance(s, str) else "")
    fig = go.Figure(
        go.Heatmap(
            z=z.values,
            x=[_wrap(cat.indicator(i).short) for i in pace.columns],
            y=list(pace.index),
            text=text.values,
            customdata=words.values,
            texttemplate="%{text}",
            textfont={"color": "white"},
            colorscale=scale,
            zmin=0,
            zmax=3,
            xgap=2,
            ygap=2,
            showscale=False,
            hovertemplate="%{y} %{x}：应达进度的 %{text}（%{customdata}）<extra></extra>",
        )
    )
    legend = "　".join(f"{STATUS_LABELS[s]}" for s in codes)
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}{ctx.year}年 各乡镇指标进度",
        subtitle_text(ctx, "各乡镇月度台账", f"格中为完成数占应达进度的百分比，颜色：{legend}"),
        500,
    )
    for s in codes:  # a legend of the four colours, as empty markers
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", name=STATUS_LABELS[s],
                marker={"color": STATUS_COLORS[s], "size": 14, "symbol": "square"},
            )
        )  # fmt: skip
    _grid_layout(fig, len(pace), ctx)
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0})
    fig.update_layout(height=fig.layout.height + 40, xaxis={"showgrid": False}, yaxis={"showgrid": False})
    return fig


def county_ranking_figure(county: County, ctx: ChartContext) -> go.Figure:
    """Townships ranked by the share of their indicators with a target that are on track or done."""
    ranked = county.ranking()
    shares = [t.share_on_track or 0.0 for t in ranked]
    colours = [
        STATUS_COLORS["done"] if s >= 80 else STATUS_COLORS["on_track"] if s >= 60 else STATUS_COLORS["far_behind"]
        for s in shares
    ]
    fig = go.Figure(
        go.Bar(
            x=shares,
            y=[t.town for t in ranked],
            orientation="h",
            marker={"color": colours},
            text=[f"{t.on_track}/{len(t.with_target)} 项" for t in ranked],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x:.1f}%（%{text}）<extra></extra>",
            showlegend=False,
        )
    )
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}{ctx.year}年 各乡镇进度排名",
        subtitle_text(
            ctx, "各乡镇月度台账", "按“正常”或“已完成”的指标占设定目标指标的比例排序；绿色≥80%，蓝色≥60%，红色<60%"
        ),
        500,
    )
    _grid_layout(fig, len(ranked), ctx, top_axis=False)
    fig.update_xaxes(range=[0, 118], ticksuffix="%", showgrid=True, gridcolor=GRID, title_text="进度正常的指标占比")
    return fig


def county_submissions_figure(county: County, ctx: ChartContext) -> go.Figure:
    """Townships × months: sheets reported each month; a due month with nothing reported is 缺报."""
    due = set(county.due_months())
    towns = [t.town for t in county.towns]
    z, text = [], []
    for t in county.towns:
        row_z, row_t = [], []
        for m in range(1, 13):
            n = t.sheets_by_month.get(m, 0)
            state = 2 if n else 0 if m in due else 1
            row_z.append(state)
            row_t.append(f"{n}表" if n else "缺报" if m in due else "")
        z.append(row_z)
        text.append(row_t)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[month_label(m) for m in range(1, 13)],
            y=towns,
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#F4C7C3"], [0.5, "#F2F2F2"], [1, "#CDE5C8"]],
            zmin=0,
            zmax=2,
            xgap=2,
            ygap=2,
            showscale=False,
            hovertemplate="%{y} %{x}：%{text}<extra></extra>",
        )
    )
    late = county.late()
    fig = _style(
        fig,
        ctx,
        f"{ctx.town}{ctx.year}年 各乡镇台账报送情况",
        subtitle_text(
            ctx,
            "各乡镇月度台账",
            f"缺报 {sum(len(v) for v in late.values())} 个月次（{len(late)} 个乡镇）　格中为当月有数据的表数（共{county.sheets}表）",
        ),
        500,
    )
    _grid_layout(fig, len(towns), ctx)
    return fig
