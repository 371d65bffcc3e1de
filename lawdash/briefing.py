"""The meeting briefing (.pptx, 16:9): title, overview table, one chart per chosen indicator, the ledger.

Charts are the dashboard's own figures rendered to PNG (lawdash.render). python-pptx sets only the
Latin font by `font.name`; East Asian text needs an `<a:ea>` element, set here on every run.
"""

from __future__ import annotations

import datetime as dt
import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt
from sqlalchemy import Engine

from lawdash import ledger
from lawdash.catalogue import Catalogue, default_catalogue
from lawdash.charts import STATUS_TEXT_COLORS, ChartContext, ledger_status_figure, progress_figure
from lawdash.progress import STATUS_LABELS, default_as_of, lagging_first, progress_for_year
from lawdash.render import figure_png
from lawdash.reports import number_text
from lawdash.series import load_indicator_series

FONT = "微软雅黑"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor(0x22, 0x22, 0x22)


def _ea(run, name: str = FONT) -> None:  # type: ignore[no-untyped-def]
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:latin", "a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", name)


def _text(frame, text: str, size: int, bold: bool = False, color: RGBColor = INK, align=None) -> None:  # type: ignore[no-untyped-def]
    p = frame.paragraphs[0] if not frame.paragraphs[0].runs else frame.add_paragraph()
    run = p.add_run()
    run.text = text
    run.font.size, run.font.bold, run.font.color.rgb = Pt(size), bold, color
    _ea(run)
    if align is not None:
        p.alignment = align


def _title(slide, text: str, sub: str = "") -> None:  # type: ignore[no-untyped-def]
    box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), WIDTH - Inches(1), Inches(0.8))
    _text(box.text_frame, text, 28, bold=True)
    if sub:
        _text(box.text_frame, sub, 14, color=RGBColor(0x55, 0x55, 0x55))


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _picture(slide, png: bytes, top: Emu) -> None:  # type: ignore[no-untyped-def]
    height = HEIGHT - top - Inches(0.3)
    width = int(height * 16 / 9)
    slide.shapes.add_picture(io.BytesIO(png), int((WIDTH - width) / 2), top, width=width, height=height)


def briefing(
    engine: Engine,
    town: str,
    year: int,
    as_of: dt.date | None = None,
    indicators: list[str] | None = None,
    cat: Catalogue | None = None,
) -> bytes:
    """The deck as .pptx bytes; `indicators` chooses the chart slides (default: every targeted one)."""
    cat = cat or default_catalogue()
    as_of = as_of or default_as_of(engine, town, year)
    ctx = ChartContext(town, year, as_of, big=True)  # slide text must read from the back of the room
    rows = progress_for_year(engine, town, year, as_of, cat)
    status = {p.id: p for p in rows}
    chosen = indicators if indicators is not None else [p.id for p in rows if p.target is not None]

    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    blank = deck.slide_layouts[6]

    slide = deck.slides.add_slide(blank)
    box = slide.shapes.add_textbox(Inches(1), Inches(2.4), WIDTH - Inches(2), Inches(2.5))
    _text(box.text_frame, f"{town}{year}年法治政府建设工作汇报", 40, bold=True, align=PP_ALIGN.CENTER)
    _text(box.text_frame, f"数据截至 {as_of:%Y-%m-%d}", 20, color=RGBColor(0x55, 0x55, 0x55), align=PP_ALIGN.CENTER)

    slide = deck.slides.add_slide(blank)
    _title(slide, "主要指标完成情况", f"数据截至 {as_of:%Y-%m-%d}　｜　滞后的排在前面")
    ordered = lagging_first(rows)
    table = slide.shapes.add_table(
        len(ordered) + 1, 5, Inches(0.6), Inches(1.35), WIDTH - Inches(1.2), Inches(0.42) * (len(ordered) + 1)
    ).table
    for c, (head, width) in enumerate(
        zip(("指标", "完成", "年度目标", "完成率", "状态"), (5.2, 1.9, 1.9, 1.6, 1.5), strict=True)
    ):
        table.columns[c].width = Inches(width)
        _cell(table.cell(0, c), head, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
    for r, p in enumerate(ordered, start=1):
        values = (
            p.name,
            _amount(p.actual, p.unit),
            _amount(p.target, p.unit),
            f"{p.percent:.1f}%" if p.percent is not None else "—",
            STATUS_LABELS[p.status],
        )
        for c, value in enumerate(values):
            _cell(table.cell(r, c), value, color=_rgb(STATUS_TEXT_COLORS[p.status]) if c == 4 else INK, bold=c == 4)

    for ident in chosen:
        ind = cat.indicator(ident)
        slide = deck.slides.add_slide(blank)
        _title(slide, ind.name, f"{STATUS_LABELS[status[ident].status]}　｜　数据截至 {as_of:%Y-%m-%d}")
        series = load_indicator_series(engine, town, year, as_of, ind)
        png = figure_png(progress_figure(series, ctx, status[ident].status), 1200, 675, scale=2)
        _picture(slide, png, Inches(1.3))

    items = ledger.list_entries(engine, town, as_of=as_of)
    slide = deck.slides.add_slide(blank)
    late = [i for i in items if i.overdue]
    _title(slide, "问题整改情况", f"共 {len(items)} 项，逾期 {len(late)} 项　｜　按 {as_of:%Y-%m-%d} 判断")
    led = cat.ledger
    counts = ledger.status_counts(items)
    overdue = {s: sum(i.overdue and i.status == s for i in items) for s in led.statuses}
    chart = ledger_status_figure({s: counts[s] for s in led.statuses}, overdue, led.status_labels, ctx)
    png = figure_png(chart, 900, 640, scale=2)
    slide.shapes.add_picture(io.BytesIO(png), Inches(0.4), Inches(1.4), height=Inches(5.7))
    box = slide.shapes.add_textbox(Inches(8.7), Inches(1.5), Inches(4.3), Inches(5.5))
    box.text_frame.word_wrap = True
    if not late:
        _text(box.text_frame, "无逾期事项。", 16)
    for i in late[:6]:
        _text(
            box.text_frame,
            f"逾期 {i.days_overdue} 天　{i.code}",
            16,
            bold=True,
            color=_rgb(STATUS_TEXT_COLORS["far_behind"]),
        )
        _text(box.text_frame, f"{i.problem}（{i.unit}，时限 {i.deadline:%Y-%m-%d}）", 14)
    for i in [i for i in items if i.due_soon][:3]:
        _text(
            box.text_frame,
            f"即将到期（剩 {i.days_left} 天）　{i.code}",
            16,
            bold=True,
            color=_rgb(STATUS_TEXT_COLORS["behind"]),
        )
        _text(box.text_frame, f"{i.problem}（{i.unit}）", 14)

    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def _amount(value: float | None, unit: str) -> str:
    """As the report writes it: `2,480份`, `84.5%`."""
    return "—" if value is None else f"{number_text(value, unit)}{'%' if unit == '%' else unit}"


def _cell(cell, text: str, bold: bool = False, color: RGBColor = INK) -> None:  # type: ignore[no-untyped-def]
    frame = cell.text_frame
    frame.paragraphs[0].text = ""
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold, run.font.color.rgb = Pt(15), bold, color
    _ea(run)
