"""Chart rules: every figure names township, year and indicator, dates its data, labels its lines, colours by status."""

from __future__ import annotations

import datetime as dt
import re

import plotly.graph_objects as go
import pytest

from lawdash.catalogue import default_catalogue
from lawdash.charts import (
    STATUS_COLORS,
    STATUS_PATTERNS,
    ChartContext,
    overview_figure,
    png_config,
    progress_figure,
    village_heatmap,
)
from lawdash.progress import STATUS_LABELS, STATUS_ORDER, IndicatorProgress, judge, lagging_first
from lawdash.series import IndicatorSeries, indicator_series, village_matrix
from lawdash.targets import TargetValue
from tests.reference import Row, key_months, month_totals

CAT = default_catalogue()
VILLAGES = CAT.towns[0].villages
AS_OF = dt.date(2024, 6, 30)
CTX = ChartContext("商酒务镇", 2024, AS_OF)
BIG = ChartContext("商酒务镇", 2024, AS_OF, big=True)
STATUSES = ["done", "on_track", "behind", "far_behind", "no_target"]


PUBLICITY: list[Row] = [
    ("publicity", "2024-01-05", {"materials": 1000, "village": "东村"}),
    ("publicity", "2024-03-05", {"materials": 1300, "village": ["东村", "西村"]}),
    ("publicity", "2024-05-10", {"materials": 200, "village": None}),
    ("publicity", "2024-06-10", {"materials": 300, "village": "李庄村"}),
]
PUBLICITY_2023: list[Row] = [
    ("publicity", "2023-02-05", {"materials": 800, "village": "东村"}),
    ("publicity", "2023-09-05", {"materials": 4200, "village": "西村"}),
]
MEETINGS: list[Row] = [
    ("meetings", "2024-02-10", {"type": "专题会议"}),
    ("meetings", "2024-05-10", {"type": "专题会议"}),
]
TRAININGS: list[Row] = [("trainings", "2024-03-10", {"trainees": 40})]
DISPUTES: list[Row] = [
    ("disputes", "2024-02-03", {"result": "调解成功", "village": "东村"}),
    ("disputes", "2024-03-09", {"result": "调解成功", "village": "西村"}),
    ("disputes", "2024-04-19", {"result": "调解未成", "village": "西村"}),
    ("disputes", "2024-05-19", {"result": "调解中", "village": "李庄村"}),
]
ROWS = {"publicity": PUBLICITY, "meetings": MEETINGS, "trainings": TRAININGS, "disputes": DISPUTES}


def series(ident: str, target: float | None, ctx: ChartContext = CTX) -> IndicatorSeries:
    """The series of one indicator over the rows above, summed as the facts in the database would be."""
    ind = CAT.indicator(ident)
    months = month_totals(ind, ROWS[ind.sheet], ctx.year, ctx.as_of)
    last = month_totals(ind, PUBLICITY_2023, ctx.year - 1) if ind.sheet == "publicity" else None
    return indicator_series(ind, ctx.year, ctx.as_of, months, last, TargetValue(target) if target is not None else None)


def materials(status: str = "far_behind", ctx: ChartContext = CTX, compact: bool = False) -> go.Figure:
    """Materials: 2,800 of 6,000 by the end of June (3,000 expected)."""
    return progress_figure(series("materials_distributed", 6000, ctx), ctx, status, compact=compact)


def trace(fig: go.Figure, name: str) -> go.Scatter:
    hits = [t for t in fig.data if t.name == name]
    assert len(hits) == 1, [t.name for t in fig.data]
    return hits[0]


def annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def progress_rows() -> list[IndicatorProgress]:
    """One indicator per status as of 30 June (far_behind ratio 0.7), plus two without a target."""
    cases = [
        ("cadre_trainings", 6, 6),  # done
        ("materials_distributed", 3000, 6000),  # on_track: exactly the 3,000 expected
        ("mediation_success_rate", 92.0, 90),  # on_track: above its floor
        ("central_group_study", 5, 12),  # behind: 5 < 6, and >= 4.2
        ("topic_meetings", 1, 4),  # far_behind: 1 < 0.7 × 2
        ("disputes_mediated", 40, None),  # no_target
        ("trainees", 300, None),  # no_target
    ]
    return [
        judge(CAT.indicator(i), a, TargetValue(t) if t is not None else None, AS_OF, CAT.far_behind_ratio)
        for i, a, t in cases
    ]


def heatmap(ctx: ChartContext = CTX) -> go.Figure:
    ind = CAT.indicator("villages_reached")
    return village_heatmap(village_matrix(key_months(ind, PUBLICITY, ctx.year), VILLAGES, ctx.as_of.month), ind, ctx)


def all_figures(ctx: ChartContext = CTX) -> dict[str, go.Figure]:
    return {
        "progress": materials(ctx=ctx),
        "overview": overview_figure(progress_rows(), ctx),
        "heatmap": heatmap(ctx),
    }


# ---------------------------------------------------------------- rules shared by every figure


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("progress", "商酒务镇2024年 普法宣传资料发放"),
        ("overview", "商酒务镇2024年法治政府建设指标完成情况"),
        ("heatmap", "商酒务镇2024年 普法宣传覆盖村数：各村逐月分布"),
    ],
)
def test_title_and_subtitle(kind: str, title: str) -> None:
    fig = all_figures()[kind]
    assert fig.layout.title.text == title
    subtitle = fig.layout.title.subtitle.text
    assert subtitle.startswith("数据截至 2024-06-30")
    assert "来源：" in subtitle


@pytest.mark.parametrize("kind", ["progress", "overview", "heatmap"])
def test_fonts_work_on_windows_and_linux(kind: str) -> None:
    layout = all_figures()[kind].layout
    assert "Microsoft YaHei" in layout.font.family
    assert "Noto Sans CJK SC" in layout.font.family
    assert "Noto Sans CJK SC" in layout.hoverlabel.font.family
    assert layout.font.size and layout.title.font.size and layout.title.subtitle.font.size
    assert layout.xaxis.tickfont.size and layout.yaxis.tickfont.size


@pytest.mark.parametrize("kind", ["progress", "overview", "heatmap"])
def test_presentation_mode_has_larger_fonts(kind: str) -> None:
    small, big = all_figures(CTX)[kind].layout, all_figures(BIG)[kind].layout
    assert big.font.size > small.font.size
    assert big.title.font.size > small.title.font.size
    assert big.title.subtitle.font.size > small.title.subtitle.font.size
    assert big.yaxis.tickfont.size > small.yaxis.tickfont.size
    assert all(b.font.size > s.font.size for b, s in zip(big.annotations, small.annotations, strict=True))


def test_one_colour_per_status() -> None:
    assert set(STATUS_COLORS) == set(STATUS_ORDER) == set(STATUS_LABELS)
    assert len(set(STATUS_COLORS.values())) == 5
    assert [STATUS_LABELS[s] for s in STATUS_ORDER] == ["严重滞后", "滞后", "正常", "已完成", "仅统计"]


@pytest.mark.parametrize("kind", ["progress", "overview", "heatmap"])
def test_no_english_defaults_in_the_figure(kind: str) -> None:
    fig = all_figures()[kind]
    text = fig.to_json()
    assert not re.search(r"trace \d|undefined|NaN|None", text)
    for t in fig.data:  # a hover without <extra> would show plotly's own "trace 0"
        assert "<extra>" in t.hovertemplate, t.name


# ---------------------------------------------------------------- progress figure


def test_progress_figure_units_and_labelled_lines() -> None:
    fig = materials()
    assert fig.layout.yaxis.title.text == "累计（份）"
    assert "年度目标 6,000 份" in annotations(fig)
    assert "应达 3,000 份" in annotations(fig)
    pace = trace(fig, "应达进度")
    assert list(pace.x) == [f"{m}月" for m in range(1, 13)]
    assert list(pace.y) == [500.0 * m for m in range(1, 13)]
    cumulative = trace(fig, "累计完成")
    assert list(cumulative.x) == ["1月", "2月", "3月", "4月", "5月", "6月"]  # not past the as-of month
    assert list(cumulative.y) == [1000, 1000, 2300, 2300, 2500, 2800]
    assert [s.y0 for s in fig.layout.shapes] == [6000]  # the target line
    assert list(fig.layout.xaxis.categoryarray) == [f"{m}月" for m in range(1, 13)]


def test_progress_figure_compares_with_last_year() -> None:
    fig = materials()
    last = trace(fig, "2023年同期累计")
    assert list(last.y) == [0, 800, 800, 800, 800, 800, 800, 800, 5000, 5000, 5000, 5000]
    assert "2023年同期累计" not in [t.name for t in progress_figure(series("topic_meetings", 4), CTX, "on_track").data]


@pytest.mark.parametrize(("status", "word"), list(STATUS_LABELS.items()))
def test_progress_figure_colours_the_line_by_status(status: str, word: str) -> None:
    fig = materials(status)
    cumulative = trace(fig, "累计完成")
    assert cumulative.line.color == STATUS_COLORS[status]
    assert cumulative.marker.color == STATUS_COLORS[status]
    last = [a for a in fig.layout.annotations if a.x == "6月" and a.text.startswith("<b>")]
    assert [a.text for a in last] == [f"<b>2,800 份　{word}</b>"]


def test_progress_figure_of_a_quarterly_plan() -> None:
    fig = progress_figure(series("topic_meetings", 4), CTX, "on_track")
    assert fig.layout.title.text == "商酒务镇2024年 法治政府建设专题会议"
    assert fig.layout.yaxis.title.text == "累计（次）"
    assert list(trace(fig, "应达进度").y) == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4]
    assert {"年度目标 4 次", "应达 2 次", "<b>2 次　正常</b>"} <= set(annotations(fig))


@pytest.mark.parametrize(("ident", "target"), [("trainees", None), ("disputes_mediated", None)])
def test_progress_figure_without_a_target_has_no_target_or_pace(ident: str, target: float | None) -> None:
    fig = progress_figure(series(ident, target), CTX, "no_target")
    assert "应达进度" not in [t.name for t in fig.data]
    assert not fig.layout.shapes
    assert not [a for a in annotations(fig) if "年度目标" in a or "应达" in a]
    assert annotations(fig)[-1].endswith("仅统计</b>")
    assert trace(fig, "累计完成").line.color == STATUS_COLORS["no_target"]


def test_progress_figure_of_a_rate_has_a_floor_line() -> None:
    fig = progress_figure(series("mediation_success_rate", 90), CTX, "behind")
    assert fig.layout.yaxis.title.text == "比率（%）"
    assert "达标线 90%" in annotations(fig)
    assert not [a for a in annotations(fig) if "年度目标" in a or "应达" in a]
    assert "应达进度" not in [t.name for t in fig.data]
    rate = trace(fig, "累计成功率")
    assert list(rate.x) == ["2月", "3月", "4月", "5月", "6月"]  # January: nothing concluded, no point
    assert list(rate.y) == [100.0, 100.0, 66.7, 66.7, 66.7]
    assert "<b>66.7%　滞后</b>" in annotations(fig)


def test_compact_hides_the_legend() -> None:
    assert materials(compact=True).layout.showlegend is False
    assert materials().layout.showlegend is not False
    assert materials(compact=True).layout.height < materials().layout.height


# ---------------------------------------------------------------- overview figure


def test_overview_bars_coloured_and_patterned_by_status() -> None:
    fig = overview_figure(progress_rows(), CTX)
    bars = [t for t in fig.data if t.type == "bar"]
    by_word = {word: status for status, word in STATUS_LABELS.items()}
    assert sorted(by_word[b.name] for b in bars) == sorted(["done", "on_track", "behind", "far_behind"])
    for b in bars:
        status = by_word[b.name]
        assert b.marker.color == STATUS_COLORS[status]
        assert b.marker.pattern.shape == STATUS_PATTERNS[status]
        assert bool(b.marker.pattern.shape) == (status in ("behind", "far_behind"))  # apart in greyscale
    assert STATUS_PATTERNS["behind"] != STATUS_PATTERNS["far_behind"]
    assert {y: x for b in bars for y, x in zip(b.y, b.x, strict=True)} == {
        "干部法治培训（各类培训、讲座）": 100.0,
        "普法宣传资料发放": 50.0,
        "调解成功率": 102.2,
        "党委中心组学法": 41.7,
        "法治政府建设专题会议": 25.0,
    }


def test_overview_leaves_out_indicators_without_a_target() -> None:
    fig = overview_figure(progress_rows(), CTX)
    shown = {y for t in fig.data for y in t.y} | {a.y for a in fig.layout.annotations}
    assert "矛盾纠纷调解" not in shown
    assert "参训人次" not in shown
    assert len(fig.layout.yaxis.categoryarray) == 5


def test_overview_reads_lagging_first_from_the_top() -> None:
    rows = progress_rows()
    fig = overview_figure(rows, CTX)
    top_down = list(reversed(fig.layout.yaxis.categoryarray))  # a category axis starts at the bottom
    assert top_down == [p.name for p in lagging_first(rows) if p.target is not None]
    assert top_down[0] == "法治政府建设专题会议"


def test_overview_annotations_and_target_line() -> None:
    fig = overview_figure(progress_rows(), CTX)
    assert {a.y: a.text for a in fig.layout.annotations} == {
        "干部法治培训（各类培训、讲座）": "6 场次 / 6 场次　<b>已完成</b>",
        "普法宣传资料发放": "3,000 份 / 6,000 份　<b>正常</b>",
        "调解成功率": "92% / 90%　<b>正常</b>",
        "党委中心组学法": "5 次 / 12 次　<b>滞后</b>",
        "法治政府建设专题会议": "1 次 / 4 次　<b>严重滞后</b>",
    }
    (line,) = fig.layout.shapes
    assert (line.type, line.x0, line.x1, line.yref) == ("line", 100, 100, "y domain")
    pace = trace(fig, "应达进度")
    assert dict(zip(pace.y, pace.x, strict=True))["法治政府建设专题会议"] == 50.0
    assert dict(zip(pace.y, pace.x, strict=True))["调解成功率"] == 100.0  # a floor is due in full
    assert "%" in fig.layout.xaxis.title.text


def test_overview_caps_the_bar_not_the_figure() -> None:
    rows = [judge(CAT.indicator("materials_distributed"), 12000, TargetValue(6000), AS_OF, 0.7)]
    fig = overview_figure(rows, CTX)
    assert list(fig.data[0].x) == [150]  # the axis ends at 150 %
    assert annotations(fig) == ["12,000 份 / 6,000 份　<b>已完成</b>"]


# ---------------------------------------------------------------- village heat map


def test_heatmap_labels_every_village() -> None:
    fig = heatmap()
    (hm,) = fig.data
    assert list(hm.y) == list(VILLAGES)
    assert len(hm.y) == 25
    assert fig.layout.yaxis.dtick == 1
    assert fig.layout.yaxis.autorange == "reversed"  # the township's order from the top
    assert list(hm.x) == ["1月", "2月", "3月", "4月", "5月", "6月"]
    assert "已覆盖 3/25 个村" in fig.layout.title.subtitle.text
    assert hm.text[VILLAGES.index("东村")].tolist() == ["1", "", "1", "", "", ""]  # zeros left blank


def test_heatmap_height_grows_with_the_villages() -> None:
    assert heatmap().layout.height >= 24 * 25


@pytest.mark.parametrize(("n", "ctx"), [(25, CTX), (25, BIG), (5, CTX)])
def test_heatmap_plot_area_gives_each_village_24_px(n: int, ctx: ChartContext) -> None:
    ind = CAT.indicator("villages_reached")
    fig = village_heatmap(village_matrix(key_months(ind, PUBLICITY, 2024), VILLAGES[:n], 6), ind, ctx)
    layout = fig.layout
    assert (layout.height - layout.margin.t - layout.margin.b) / n >= 24


# ---------------------------------------------------------------- PNG download


def test_png_config() -> None:
    config = png_config(CTX, "宣传资料")
    image = config["toImageButtonOptions"]
    assert isinstance(image, dict)
    assert image["format"] == "png"
    assert image["scale"] >= 2
    assert image["width"] * 9 == image["height"] * 16
    assert image["filename"] == "商酒务镇_2024年_宣传资料_截至2024-06-30"
    assert config["displaylogo"] is False
