"""The files a clerk hands on: the annual report draft (.docx), the meeting briefing (.pptx), chart PNGs,
the report/briefing/export commands and the 报告导出 page, checked as a reader of the files would."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import docx
import openpyxl
import plotly.graph_objects as go
import pytest
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from PIL import Image, ImageChops
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn as pqn
from pptx.presentation import Presentation as PptxPresentation
from pptx.util import Emu
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from lawdash import store
from lawdash.catalogue import default_catalogue
from lawdash.charts import FONT_FAMILY, ChartContext, progress_figure
from lawdash.cli import main
from lawdash.reports import annual_report, part_headings
from lawdash.series import load_indicator_series
from tests.conftest import TOWN, require

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
MID_2024 = dt.date(2024, 6, 30)
SHORTCOMINGS = [  # the four of the 2023 report, ZG2023-01..04 in the demo ledger
    "法治政府建设推进机制有待进一步落实",
    "行政执法规范化水平有待进一步提升",
    "行政执法人员专业素养与执法为民的要求还有差距",
    "法治专门队伍人才短缺，力量不够",
]
STATUS_RANK = {"严重滞后": 0, "滞后": 1, "正常": 2, "已完成": 3, "仅统计": 4}


def need_browser() -> None:
    require("browser", Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: kaleido needs it to draw the charts")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def chart_renderer() -> Iterator[None]:
    """Charts need chromium; the browser lawdash.render starts is stopped when the session ends.

    kaleido keeps one browser (with two temporary directories) for the process. Left to the
    interpreter's exit, tempfile's finalizer reclaims the directories with a ResourceWarning that
    `filterwarnings = error` prints as a traceback after the test summary.
    """
    need_browser()
    yield
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


@pytest.fixture(scope="module")
def demo(demo_db: str) -> Engine:
    return store.get_engine(demo_db)


@pytest.fixture(scope="module")
def report_2023(demo: Engine) -> DocxDocument:
    return docx.Document(io.BytesIO(annual_report(demo, TOWN, 2023)))


@pytest.fixture(scope="module")
def report_2024(demo: Engine) -> DocxDocument:
    return docx.Document(io.BytesIO(annual_report(demo, TOWN, 2024, MID_2024)))


@pytest.fixture(scope="module")
def deck(demo: Engine, chart_renderer: None) -> PptxPresentation:
    from lawdash.briefing import briefing

    data = briefing(demo, TOWN, 2024, MID_2024, ["materials_distributed", "villages_reached"])
    return Presentation(io.BytesIO(data))


# ------------------------------------------------------------------ reading a .docx


def parts(doc: DocxDocument) -> list[list[str]]:
    """The paragraphs under each Heading 1 (part 4 ends at the closing signature)."""
    out: list[list[str]] = []
    for p in doc.paragraphs:
        if p.style is not None and p.style.name == "Heading 1":
            out.append([])
        elif out:
            if p.text == f"{TOWN}人民政府":
                break
            out[-1].append(p.text)
    return out


def part_text(doc: DocxDocument, n: int) -> str:
    return "\n".join(parts(doc)[n - 1])


def full_text(doc: DocxDocument) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _style_east_asian(doc: DocxDocument, style_id: str | None) -> str | None:
    """The East Asian font a paragraph style gives, following basedOn (Normal when no style is named)."""
    style = doc.styles.get_by_id(style_id, WD_STYLE_TYPE.PARAGRAPH)
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return rpr.rFonts.get(qn("w:eastAsia"))
        style = style.base_style
    return None


def run_fonts(doc: DocxDocument, paragraph_elements: Sequence[Any]) -> list[tuple[str, str, str | None]]:
    """(paragraph style id, run text, East Asian font) for every run with text: the run's own
    rFonts/@w:eastAsia, else its paragraph style's (Word's order of precedence)."""
    out = []
    for p in paragraph_elements:
        style_el = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        style_id = style_el.get(qn("w:val")) if style_el is not None else None
        for r in p.iter(qn("w:r")):
            text = "".join(t.text or "" for t in r.iter(qn("w:t")))
            if not text:
                continue
            fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
            font = fonts.get(qn("w:eastAsia")) if fonts is not None else None
            out.append((style_id or "Normal", text, font or _style_east_asian(doc, style_id)))
    return out


# ------------------------------------------------------------------ the annual report


def test_report_opens_with_the_township_and_the_title(report_2023: DocxDocument) -> None:
    first, second = report_2023.paragraphs[:2]
    assert first.text == "商酒务镇人民政府"
    assert second.text == "关于2023年度法治政府建设情况的报告"
    assert report_2023.core_properties.author == "商酒务镇人民政府"
    assert report_2023.core_properties.title == "关于2023年度法治政府建设情况的报告"


def test_report_has_the_four_statutory_parts_in_order(report_2023: DocxDocument) -> None:
    headings = [p.text for p in report_2023.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == part_headings(2023)
    assert headings == [
        "一、2023年度党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况",
        "二、2023年度推进法治政府建设的主要举措和成效",
        "三、2023年度推进法治政府建设存在的不足、原因和问题整改情况",
        "四、2024年度推进法治政府建设的初步安排",
    ]


def test_report_2023_states_the_figures_of_the_real_report(report_2023: DocxDocument) -> None:
    # the topic meetings are the leadership's duty: part 1, as in the real report
    assert "今年共召开4次法治政府建设专题会议" in part_text(report_2023, 1)
    assert "完成年度目标（4次）" in part_text(report_2023, 1)
    part2 = part_text(report_2023, 2)
    for said in (
        "党委中心组学法12次，完成年度目标（12次）",
        "培训6场次，完成年度目标（6场次）",
        "5,380份，完成年度目标（5,000份）",
        "覆盖25个村（全镇共25个村）",
        "共受理调解矛盾纠纷124件（调解成功109件、调解未成12件、调解中3件）",
        "调解成功率90.1%",
        "民主法治示范村11个，完成年度目标（11个）",
        "26名执法人员取得行政执法证，完成年度目标（26人）",
        "合法性审查8件",
    ):
        assert said in part2, said
    # the group headings of part 2 are Heading 2, numbered as written
    groups = [p.text for p in report_2023.paragraphs if p.style is not None and p.style.name == "Heading 2"]
    assert [g[:3] for g in groups] == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_report_2023_part3_names_the_shortcomings_causes_and_rectification(report_2023: DocxDocument) -> None:
    part3 = part_text(report_2023, 3)
    first = part3.splitlines()[0]
    assert first.startswith("一年来，我镇法治政府建设虽然取得了一些成绩，但还存在一些问题和短板。比如，")
    for problem in SHORTCOMINGS:
        assert problem in first, problem
    assert "产生这些问题的原因主要是：" in part3
    assert "少数干部的法治观念不牢固" in part3
    assert "执法人员编制资源有限" in part3
    assert "已整改完成2项：法治政府建设推进机制有待进一步落实（已验收销号，专题会议每季度召开一次，形成制度）" in part3
    assert "法治专门队伍人才短缺，力量不够（已完成、待验收" in part3
    assert "尚在整改2项：" in part3
    assert "行政执法人员专业素养与执法为民的要求还有差距（整改中，责任单位司法所，整改时限2024年5月31日" in part3
    assert "行政执法规范化水平有待进一步提升（整改中，责任单位综合行政执法大队，整改时限2024年9月30日" in part3
    assert "逾期" not in part3  # judged as of 2023-12-31 nothing is late yet
    assert "ZG2024" not in part3 and "普法宣传覆盖不均衡" not in part3  # a 2024 item is not a 2023 shortcoming


def test_report_2023_part4_sets_2024_targets_and_carries_open_items(report_2023: DocxDocument) -> None:
    part4 = part_text(report_2023, 4)
    assert part4.startswith("2024年，我镇将继续以习近平新时代中国特色社会主义思想为指导")
    for goal in ("法治政府建设专题会议4次", "会前学法24次", "普法宣传资料发放6,000份", "调解成功率不低于90.0%"):
        assert goal in part4, goal
    assert "继续推进整改事项：" in part4
    assert "行政执法人员专业素养与执法为民的要求还有差距（司法所负责" in part4
    assert "法治专门队伍人才短缺，力量不够（党政办负责" in part4
    assert "法治政府建设推进机制有待进一步落实" not in part4  # 已销号: done with


def test_report_2023_ends_with_signature_date_and_appendix(report_2023: DocxDocument) -> None:
    texts = [p.text for p in report_2023.paragraphs]
    signature = texts.index("商酒务镇人民政府", 1)
    assert texts[signature + 1] == "2023年12月31日"
    assert "附件" in texts[signature:]
    assert "商酒务镇2023年度法治政府建设主要指标完成情况" in texts
    assert texts[-1] == "注：数据截至2023年12月31日，来源于各月工作台账。"


def test_report_2023_appendix_table_has_every_indicator(report_2023: DocxDocument) -> None:
    (table,) = report_2023.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["指标", "单位", "完成值", "年度目标", "完成率", "状态"]
    assert [r[0] for r in rows[1:]] == [i.name for i in default_catalogue().indicators]
    by_name = {r[0]: r[1:] for r in rows[1:]}
    assert by_name["法治政府建设专题会议"] == ["次", "4", "4", "100.0%", "已完成"]
    assert by_name["党委中心组学法"] == ["次", "12", "12", "100.0%", "已完成"]
    assert by_name["干部法治培训（各类培训、讲座）"] == ["场次", "6", "6", "100.0%", "已完成"]
    assert by_name["普法宣传资料发放"] == ["份", "5,380", "5,000", "107.6%", "已完成"]
    assert by_name["普法宣传覆盖村数"] == ["个", "25", "25", "100.0%", "已完成"]
    assert by_name["矛盾纠纷调解"] == ["件", "124", "—", "—", "仅统计"]
    assert by_name["调解成功率"] == ["%", "90.1", "—", "—", "仅统计"]
    assert by_name["民主法治示范村申报"] == ["个", "11", "11", "100.0%", "已完成"]
    assert by_name["执法人员取得执法证"] == ["人", "26", "26", "100.0%", "已完成"]
    assert by_name["规范性文件合法性审查"] == ["件", "8", "—", "—", "仅统计"]


def test_report_fonts_follow_the_government_document_standard(report_2023: DocxDocument) -> None:
    body = report_2023.element.body
    paragraphs = list(body.iter(qn("w:p")))
    runs = run_fonts(report_2023, paragraphs)
    assert runs and all(font for _, _, font in runs), [r for r in runs if not r[2]]
    assert {font for _, _, font in runs} == {"仿宋", "黑体", "楷体", "方正小标宋简体"}
    fonts = {text: font for _, text, font in runs}
    assert fonts["关于2023年度法治政府建设情况的报告"] == "方正小标宋简体"
    assert fonts["商酒务镇2023年度法治政府建设主要指标完成情况"] == "方正小标宋简体"  # appendix caption
    assert fonts["附件"] == "黑体"
    assert fonts["指标"] == "黑体"  # table header
    assert fonts["5,380"] == "仿宋"  # table body
    for style_id, text, font in runs:
        if style_id == "Heading1":
            assert font == "黑体", text
        elif style_id == "Heading2":
            assert font == "楷体", text
    for p in report_2023.paragraphs:  # body text: 仿宋 through the Normal style
        if p.style is not None and p.style.name == "Normal" and p.text.startswith(("2023年", "全年", "一年来")):
            assert {f for _, _, f in run_fonts(report_2023, [p._p])} == {"仿宋"}, p.text
    # the heading style itself names 黑体 for East Asian text (python-docx's font.name would not)
    rfonts = report_2023.styles["Heading 1"].element.rPr.rFonts
    assert rfonts.get(qn("w:eastAsia")) == "黑体"
    footer = report_2023.sections[0].footer._element
    assert {f for _, _, f in run_fonts(report_2023, list(footer.iter(qn("w:p"))))} == {"仿宋"}


def test_heading_fonts_are_not_overridden_by_theme_fonts(report_2023: DocxDocument) -> None:
    for name in ("Heading 1", "Heading 2"):
        rfonts = report_2023.styles[name].element.rPr.rFonts
        themed = [a for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme") if rfonts.get(qn(f"w:{a}"))]
        assert themed == [], f"{name}: {themed}"


def test_report_page_is_a4_with_a_page_number_field(report_2023: DocxDocument) -> None:
    section = report_2023.sections[0]
    assert abs(section.page_width.mm - 210) < 1
    assert abs(section.page_height.mm - 297) < 1
    footer = section.footer._element
    fields = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE"]
    assert "".join(t.text for t in footer.iter(qn("w:t"))) == "— 1 —"  # the field shows 1 until updated


def test_mid_year_report_says_how_far_each_target_is(report_2024: DocxDocument) -> None:
    assert part_headings(2024)[3] == "四、2025年度推进法治政府建设的初步安排"
    part1, part2 = part_text(report_2024, 1), part_text(report_2024, 2)
    assert "今年共召开2次法治政府建设专题会议，研究部署法治政府建设及普法依法治理工作，年度目标4次，完成50.0%" in part1
    assert "发放普法宣传资料2,480份，年度目标6,000份，完成41.3%" in part2
    assert "申报民主法治示范村0个，年度目标12个，完成0.0%" in part2
    assert "28名执法人员取得行政执法证，完成年度目标（28人）" in part2
    assert "调解成功率84.5%，低于年度目标（不低于90.0%）" in part2
    # ZG2023-03 is 30 days past its deadline of 31 May
    part3 = part_text(report_2024, 3)
    assert (
        "行政执法人员专业素养与执法为民的要求还有差距（整改中，责任单位司法所，整改时限2024年5月31日，"
        "已逾期30天，组织执法人员参加县级业务培训）"
    ) in part3
    assert "普法宣传覆盖不均衡，部分村上半年未开展活动（未启动，责任单位司法所，整改时限2024年7月10日）" in part3
    assert "法治政府建设推进机制有待进一步落实" not in part3  # closed in 2023: not carried into 2024
    assert "（2025年度目标尚未设定，请在“年度目标”页设定后重新生成本部分。）" in part_text(report_2024, 4)
    texts = [p.text for p in report_2024.paragraphs]
    assert "2024年6月30日" in texts
    (table,) = report_2024.tables
    by_name = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows}
    assert by_name["普法宣传资料发放"] == ["份", "2,480", "6,000", "41.3%", "滞后"]
    assert by_name["调解成功率"] == ["%", "84.5", "90.0", "93.9%", "滞后"]


def test_mid_year_report_does_not_call_half_year_figures_the_whole_year(report_2024: DocxDocument) -> None:
    assert "全年" not in part_text(report_2024, 2)


# ------------------------------------------------------------------ the briefing


def test_briefing_is_16_9_with_one_slide_per_chosen_indicator(deck: PptxPresentation) -> None:
    assert round(Emu(deck.slide_width).inches, 2) == 13.33
    assert Emu(deck.slide_height).inches == pytest.approx(7.5)
    assert len(deck.slides) == 2 + 2 + 1
    titles = [next(s for s in slide.shapes if s.has_text_frame).text_frame.paragraphs[0].text for slide in deck.slides]
    assert titles == [
        "商酒务镇2024年法治政府建设工作汇报",
        "主要指标完成情况",
        "普法宣传资料发放",
        "普法宣传覆盖村数",
        "问题整改情况",
    ]
    cover = "\n".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "数据截至 2024-06-30" in cover


def test_briefing_table_puts_the_lagging_first(deck: PptxPresentation) -> None:
    table = next(s for s in deck.slides[1].shapes if s.has_table).table
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["指标", "完成", "年度目标", "完成率", "状态"]
    assert len(rows) == 1 + 12
    assert rows[1] == ["民主法治示范村申报", "0个", "12个", "0.0%", "严重滞后"]
    statuses = [r[4] for r in rows[1:]]
    assert statuses == sorted(statuses, key=STATUS_RANK.__getitem__)
    assert statuses.count("严重滞后") == 3
    assert ["普法宣传资料发放", "2,480份", "6,000份", "41.3%", "滞后"] in rows  # as the report writes figures


def test_briefing_chart_slides_hold_sharp_png_charts(deck: PptxPresentation) -> None:
    for slide in list(deck.slides)[2:4]:
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        image = pictures[0].image
        assert image.content_type == "image/png"
        with Image.open(io.BytesIO(image.blob)) as png:
            assert png.format == "PNG"
            assert png.width >= 2000
            assert png.width / png.height == pytest.approx(16 / 9, rel=0.01)
    subtitles = [slide.shapes[0].text_frame.paragraphs[1].text for slide in list(deck.slides)[2:4]]
    assert subtitles == ["滞后　｜　数据截至 2024-06-30", "正常　｜　数据截至 2024-06-30"]


def test_briefing_ledger_slide_names_the_overdue_item(deck: PptxPresentation) -> None:
    slide = deck.slides[4]
    assert [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    text = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert "共 5 项，逾期 1 项" in text
    assert "逾期 30 天\u3000ZG2023-03" in text
    assert "行政执法人员专业素养与执法为民的要求还有差距（司法所，时限 2024-05-31）" in text
    assert "即将到期（剩 10 天）\u3000ZG2024-01" in text


def test_briefing_every_run_names_an_east_asian_font(deck: PptxPresentation) -> None:
    runs = []
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            runs += [r for f in frames for p in f.paragraphs for r in p.runs]
    assert len(runs) > 60
    missing = [r.text for r in runs if r._r.find(f"{pqn('a:rPr')}/{pqn('a:ea')}") is None]
    assert missing == []
    faces = {r._r.find(f"{pqn('a:rPr')}/{pqn('a:ea')}").get("typeface") for r in runs}
    assert faces == {"微软雅黑"}


# ------------------------------------------------------------------ chart PNGs


@pytest.fixture(scope="module")
def renderer(chart_renderer: None) -> Callable[..., bytes]:
    from lawdash.render import figure_png

    return figure_png


def _title_figure(title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2], marker_color="#3A7DC9"))
    fig.update_layout(
        title={"text": title, "x": 0.02, "xanchor": "left", "font": {"size": 40}},
        font={"family": FONT_FAMILY},
        paper_bgcolor="white",
        margin={"t": 120},
    )
    return fig


def test_progress_figure_renders_to_a_png_of_the_asked_size(renderer: Callable[..., bytes], demo: Engine) -> None:
    ind = default_catalogue().indicator("materials_distributed")
    series = load_indicator_series(demo, TOWN, 2024, MID_2024, ind)
    fig = progress_figure(series, ChartContext(TOWN, 2024, MID_2024), "behind")
    png = renderer(fig, 800, 450)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (800, 450)
        colours = image.convert("RGB").getcolors(maxcolors=800 * 450)
    assert colours is not None and len(colours) > 100  # lines, bars, antialiased text: not a blank canvas
    with Image.open(io.BytesIO(renderer(fig, 800, 450, scale=2))) as image:
        assert image.size == (1600, 900)


def test_chinese_titles_are_drawn_not_tofu(renderer: Callable[..., bytes]) -> None:
    # same length, all Chinese, no character in common: drawn as tofu both would be the same row of boxes
    a, b = "商酒务镇年度普法宣传", "东西南北中发白红绿蓝"
    assert len(a) == len(b) and not set(a) & set(b)
    regions = []
    for title in (a, b):
        with Image.open(io.BytesIO(renderer(_title_figure(title), 900, 500))) as image:
            regions.append(image.convert("L").crop((0, 0, 900, 100)))
    for region in regions:
        assert region.getextrema()[0] < 100  # dark strokes: the title is drawn
    assert ImageChops.difference(*regions).getbbox() is not None
    # and the glyphs differ in shape, not only in place: the ink differs by more than a little
    ink = [sum(region.histogram()[:128]) for region in regions]
    assert ink[0] != ink[1]


def test_a_chinese_font_is_installed() -> None:
    require("browser", shutil.which("fc-list") is not None, "fc-list (fontconfig) missing")
    need_browser()
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True, timeout=30)
    assert found.stdout.strip(), "no font covers Chinese (apt-get install fonts-noto-cjk)"


# ------------------------------------------------------------------ the commands


def test_cli_report_writes_the_docx(capsys: pytest.CaptureFixture[str], demo_copy: str, tmp_path: Path) -> None:
    out = tmp_path / "报告.docx"
    assert main(["--db", demo_copy, "report", "--year", "2023", "-o", str(out)]) == 0
    assert f"已生成 {TOWN} 2023年度法治政府建设情况报告（草稿）" in capsys.readouterr().out
    doc = docx.Document(str(out))
    assert "今年共召开4次法治政府建设专题会议" in full_text(doc)


def test_cli_briefing_with_one_indicator(
    capsys: pytest.CaptureFixture[str], demo_copy: str, tmp_path: Path, chart_renderer: None
) -> None:
    out = tmp_path / "out.pptx"
    args = ["briefing", "--year", "2024", "--as-of", "2024-06-30", "--indicators", "materials_distributed"]
    code = main(["--db", demo_copy, *args, "-o", str(out)])
    assert code == 0
    assert "已生成 商酒务镇 2024年汇报幻灯片" in capsys.readouterr().out
    assert len(Presentation(str(out)).slides) == 4


def test_cli_briefing_refuses_an_unknown_indicator(
    capsys: pytest.CaptureFixture[str], demo_copy: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.pptx"
    code = main(["--db", demo_copy, "briefing", "--year", "2024", "--indicators", "nope", "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("未知的指标：nope（可选：")
    assert "materials_distributed" in err
    assert not out.exists()


def test_cli_export_has_every_sheet(capsys: pytest.CaptureFixture[str], demo_copy: str, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert main(["--db", demo_copy, "export", "--year", "2023", "-o", str(out)]) == 0
    assert "已导出 商酒务镇 2023年数据" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["指标进度", "会议学法", "培训", "普法宣传", "矛盾纠纷调解", "其他指标", "整改台账"]
    disputes = list(wb["矛盾纠纷调解"].iter_rows(values_only=True))
    assert len(disputes) == 124 + 1
    progress = {r[0]: r for r in wb["指标进度"].iter_rows(min_row=2, values_only=True)}
    assert len(progress) == 12
    assert progress["普法宣传资料发放"][2] == 5380
    codes = [r[0] for r in wb["整改台账"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == ["ZG2023-01", "ZG2023-02", "ZG2023-03", "ZG2023-04", "ZG2024-01"]
    wb.close()


# ------------------------------------------------------------------ the 报告导出 page


@pytest.fixture
def app_db(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LAWDASH_DB", demo_copy)
    return demo_copy


def reports_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "reports.py"), default_timeout=60)
    at.query_params.update(params)
    return at.run()


def _downloads(at: AppTest) -> dict[str, Any]:
    return {e.key: e for e in at.get("download_button")}


def test_page_builds_the_word_report(app_db: str) -> None:
    at = reports_page(year="2023")
    assert not at.exception, at.exception
    assert "商酒务镇2023年报告导出" in [t.value for t in at.title]
    assert not _downloads(at)  # nothing offered before it is built
    at.button(key="make_docx").click().run()
    assert not at.exception and not at.error
    got = _downloads(at)
    assert list(got) == ["get_docx"]
    assert got["get_docx"].label == "下载年度报告"
    assert got["get_docx"].proto.url.endswith(".docx")


def test_page_builds_the_excel_export(app_db: str) -> None:
    at = reports_page(year="2023")
    at.button(key="make_xlsx").click().run()
    assert not at.exception and not at.error
    got = _downloads(at)
    assert list(got) == ["get_xlsx"]
    assert got["get_xlsx"].proto.url.endswith(".xlsx")


def test_page_builds_the_briefing(app_db: str, chart_renderer: None) -> None:
    at = reports_page(year="2024", as_of="2024-06-30")
    at.multiselect(key="briefing_indicators").set_value(["materials_distributed"]).run()
    assert any(c.value.startswith("共 4 页：封面、指标完成情况表") for c in at.caption)
    at.button(key="make_pptx").click().run()
    assert not at.exception and not at.error
    got = _downloads(at)
    assert list(got) == ["get_pptx"]
    assert got["get_pptx"].proto.url.endswith(".pptx")
