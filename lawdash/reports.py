"""The annual report draft (.docx): the statutory four parts, written from the stored figures and the ledger.

Fonts follow Chinese government documents (GB/T 9704): title 方正小标宋简体 二号, part headings
黑体 三号, group headings 楷体 三号, body 仿宋 三号 with a 28 pt line and a two-character indent, A4 with
the standard margins, page numbers `— 1 —` in the footer. python-docx sets only the Latin font by
`font.name`; the East Asian font is the `w:eastAsia` attribute, set here for every style and run.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from sqlalchemy import Engine

from lawdash import ledger, store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.progress import IndicatorProgress, default_as_of, load_records, progress_for_year, year_bounds
from lawdash.targets import get_targets

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
GROUP_FONT = "楷体"
BODY_FONT = "仿宋"
SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四

PART_HEADINGS = (
    "一、{y}年度党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况",
    "二、{y}年度推进法治政府建设的主要举措和成效",
    "三、{y}年度推进法治政府建设存在的不足、原因和问题整改情况",
    "四、{n}年度推进法治政府建设的初步安排",
)


def report_title(year: int) -> str:
    return f"关于{year}年度法治政府建设情况的报告"


def part_headings(year: int) -> list[str]:
    return [h.format(y=year, n=year + 1) for h in PART_HEADINGS]


# ------------------------------------------------------------------ the text, from the data


def number_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def target_clause(p: IndicatorProgress, ind: Indicator) -> str:
    """`，完成年度目标（4次）` or `，年度目标6,000份，完成41.3%`; empty without a target."""
    if p.target is None or p.actual is None:
        return ""
    unit = "%" if ind.unit == "%" else ind.unit
    target = f"{number_text(p.target, ind.unit)}{unit}"
    if ind.direction == "floor":
        return f"，达到年度目标（不低于{target}）" if p.actual >= p.target else f"，低于年度目标（不低于{target}）"
    if p.status == "done":
        return f"，完成年度目标（{target}）"
    return f"，年度目标{target}，完成{p.percent:.1f}%"


@dataclass
class Facts:
    """What the report says about one year: progress, records, ledger, next year's targets."""

    town: str
    year: int
    as_of: dt.date
    progress: dict[str, IndicatorProgress]
    villages: int
    breakdowns: dict[str, str]
    ledger: list[ledger.LedgerItem]
    next_targets: dict[str, float]


def gather(engine: Engine, town: str, year: int, as_of: dt.date | None = None, cat: Catalogue | None = None) -> Facts:
    cat = cat or default_catalogue()
    as_of = as_of or default_as_of(engine, town, year)
    rows = progress_for_year(engine, town, year, as_of, cat)
    records = load_records(engine, town, *year_bounds(year, as_of))
    breakdowns = {}
    for ind in cat.indicators:
        col = ind.report.get("breakdown")
        if col:
            sel = records[records["sheet"] == ind.sheet] if len(records) else records
            counts = sel[str(col)].value_counts() if len(sel) and col in sel.columns else {}
            choices = cat.sheet(ind.sheet).column(str(col)).choices
            breakdowns[ind.id] = "、".join(f"{c}{int(counts.get(c, 0))}{ind.unit}" for c in choices)
    items = [
        i
        for i in ledger.list_entries(engine, town, as_of=as_of)
        if i.year == year or (i.year < year and i.status != "已销号")
    ]
    nxt = {k: v.value for k, v in get_targets(engine, town, year + 1).items()}
    return Facts(town, year, as_of, {p.id: p for p in rows}, len(store.towns(engine)[town]), breakdowns, items, nxt)


def sentence(ind: Indicator, p: IndicatorProgress, facts: Facts) -> str:
    text = str(ind.report.get("sentence") or f"{ind.name}{{actual}}{{unit}}")
    filled = text.format(
        actual=number_text(p.actual, ind.unit),
        unit=ind.unit,
        villages=facts.villages,
        breakdown=facts.breakdowns.get(ind.id, ""),
    )
    return filled + target_clause(p, ind)


def part1(facts: Facts, cat: Catalogue) -> list[str]:
    said = [sentence(i, facts.progress[i.id], facts) for i in cat.indicators if i.report.get("group") == 0]
    opening = (
        f"{facts.year}年，{facts.town}党委、政府认真履行推进法治建设第一责任人职责，镇党委书记、镇长亲自抓、负总责，"
        "分管领导直接抓，把法治政府建设工作列入重要议事日程。"
    )
    return [opening + ("；".join(said) + "。" if said else "")]


def part2(facts: Facts, cat: Catalogue) -> list[tuple[str, str]]:
    """(group heading, paragraph) for every group that has something to say."""
    groups = [
        (heading, [sentence(i, facts.progress[i.id], facts) for i in cat.indicators if i.report.get("group") == n])
        for n, heading in enumerate(cat.report_groups, start=1)
    ]
    rest = [i for i in cat.indicators if not i.report and facts.progress[i.id].actual]
    groups.append(("其他工作", [sentence(i, facts.progress[i.id], facts) for i in rest]))
    said = [(heading, texts) for heading, texts in groups if texts]
    span = period_phrase(facts.year, facts.as_of)
    return [
        (f"（{_cn(n)}）{heading}", span + "；".join(texts) + "。") for n, (heading, texts) in enumerate(said, start=1)
    ]


def period_phrase(year: int, as_of: dt.date) -> str:
    """`全年` for a whole year; `1—6月，` up to a month's end; `截至6月15日，` otherwise."""
    if as_of >= dt.date(year, 12, 31):
        return "全年"
    if (as_of + dt.timedelta(days=1)).day == 1:
        return f"1—{as_of.month}月，" if as_of.month > 1 else "1月，"
    return f"截至{as_of.month}月{as_of.day}日，"


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def part3(facts: Facts) -> list[str]:
    items = facts.ledger
    if not items:
        return [
            "一年来，我镇法治政府建设取得了一定成绩，但仍存在一些问题和短板。"
            "（整改台账中尚无本年度的问题，请在“问题整改”页录入后重新生成本部分。）"
        ]
    problems = "；".join(dict.fromkeys(i.problem for i in items))
    causes = "；".join(dict.fromkeys(i.cause for i in items if i.cause))
    paras = [f"一年来，我镇法治政府建设虽然取得了一些成绩，但还存在一些问题和短板。比如，{problems}。"]
    if causes:
        paras.append(f"产生这些问题的原因主要是：{causes}。")
    measures = list(dict.fromkeys(i.measure for i in items))
    paras.append("针对上述问题，我镇采取了以下整改措施：")
    paras += [f"（{_cn(n)}）{m.rstrip('。')}。" for n, m in enumerate(measures, start=1)]
    done = [i for i in items if i.status in ("已完成", "已销号")]
    open_ = [i for i in items if i.status not in ("已完成", "已销号")]
    if done:
        paras.append(
            f"截至目前，已整改完成{len(done)}项："
            + "；".join(
                f"{i.problem}（{'已验收销号' if i.status == '已销号' else '已完成、待验收'}{_progress(i)}）"
                for i in done
            )
            + "。"
        )
    if open_:
        paras.append(
            f"尚在整改{len(open_)}项："
            + "；".join(
                f"{i.problem}（{i.status_label}，责任单位{i.unit}，整改时限{_cn_date(i.deadline)}{_late(i)}{_progress(i)}）"
                for i in open_
            )
            + "。"
        )
    return paras


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _progress(i: ledger.LedgerItem) -> str:
    return f"，{i.progress.rstrip('。')}" if i.progress else ""


def _late(i: ledger.LedgerItem) -> str:
    return f"，已逾期{i.days_overdue}天" if i.overdue else ""


def part4(facts: Facts, cat: Catalogue) -> list[str]:
    nxt = facts.year + 1
    paras = [
        f"{nxt}年，我镇将继续以习近平新时代中国特色社会主义思想为指导，深入贯彻习近平法治思想，坚持以问题为导向，"
        "全面推进法治政府建设。"
    ]
    if facts.next_targets:
        goals = [
            f"{i.name}{'不低于' if i.direction == 'floor' else ''}{number_text(facts.next_targets[i.id], i.unit)}{'%' if i.unit == '%' else i.unit}"
            for i in cat.indicators
            if i.id in facts.next_targets
        ]
        paras.append(f"主要目标：{'；'.join(goals)}。")
    else:
        paras.append(f"（{nxt}年度目标尚未设定，请在“年度目标”页设定后重新生成本部分。）")
    open_ = [i for i in facts.ledger if i.status != "已销号"]
    if open_:
        paras.append(
            "继续推进整改事项："
            + "；".join(f"{i.problem}（{i.unit}负责，{i.measure.split('：')[0].rstrip('。')}）" for i in open_)
            + "，确保按期整改到位、验收销号。"
        )
    return paras


# ------------------------------------------------------------------ the document


def _east_asian(element: object, name: str) -> None:
    """Set the East Asian font of a run or style (python-docx's font.name sets only the Latin one)."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would win over the named one
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _style(doc: Document, name: str, font: str, size: Pt) -> None:
    style = doc.styles[name]
    style.font.name = font
    style.font.size = size
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _east_asian(style.element, font)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32)  # two characters
    fmt.keep_with_next = name.startswith("Heading")


def _run(paragraph, text: str, font: str, size: Pt, bold: bool = False):  # type: ignore[no-untyped-def]
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, size, bold
    _east_asian(run._element, font)
    return run


def _page_numbers(section) -> None:  # type: ignore[no-untyped-def]
    """`— 1 —` centred in the footer, as a PAGE field Word and WPS update themselves."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    _run(p, "— ", BODY_FONT, Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    _run(p, " —", BODY_FONT, Pt(14))


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    _style(doc, "Normal", BODY_FONT, SIZE)
    _style(doc, "Heading 1", HEADING_FONT, SIZE)
    _style(doc, "Heading 2", GROUP_FONT, SIZE)
    _page_numbers(section)
    return doc


def annual_report(
    engine: Engine, town: str, year: int, as_of: dt.date | None = None, cat: Catalogue | None = None
) -> bytes:
    """The annual report draft of a township and year, as .docx bytes."""
    cat = cat or default_catalogue()
    facts = gather(engine, town, year, as_of, cat)
    doc = _document()
    doc.core_properties.title = report_title(year)
    doc.core_properties.author = f"{town}人民政府"

    author = doc.add_paragraph(style="Normal")
    author.alignment = WD_ALIGN_PARAGRAPH.CENTER
    author.paragraph_format.first_line_indent = Pt(0)
    _run(author, f"{town}人民政府", BODY_FONT, SIZE)
    title = doc.add_paragraph(style="Normal")  # Word's own Title style draws a blue rule
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.space_after = Pt(28)
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, report_title(year), TITLE_FONT, TITLE_SIZE)
    doc.add_paragraph(
        f"{year}年以来，我镇围绕学习贯彻习近平法治思想和中央全面依法治国工作会议精神，集中聚焦法治学习、"
        "重大事项依法决策、依法履职等工作，现将我镇法治政府建设情况报告如下：",
        style="Normal",
    )
    h1, h2, h3, h4 = part_headings(year)
    doc.add_heading(h1, level=1)
    for text in part1(facts, cat):
        doc.add_paragraph(text, style="Normal")
    doc.add_heading(h2, level=1)
    for heading, text in part2(facts, cat):
        doc.add_heading(heading, level=2)
        doc.add_paragraph(text, style="Normal")
    doc.add_heading(h3, level=1)
    for text in part3(facts):
        doc.add_paragraph(text, style="Normal")
    doc.add_heading(h4, level=1)
    for text in part4(facts, cat):
        doc.add_paragraph(text, style="Normal")

    closing = doc.add_paragraph(style="Normal")
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.space_before = Pt(28)
    _run(closing, f"{town}人民政府", BODY_FONT, SIZE)
    date_line = doc.add_paragraph(style="Normal")
    date_line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(date_line, _cn_date(facts.as_of), BODY_FONT, SIZE)

    _appendix(doc, facts, cat)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


APPENDIX_COLUMNS = ("指标", "单位", "完成值", "年度目标", "完成率", "状态")
APPENDIX_WIDTHS = (54, 12, 21, 21, 20, 26)  # mm, within the 156 mm text width


def _appendix(doc: Document, facts: Facts, cat: Catalogue) -> None:
    head = doc.add_paragraph(style="Normal")
    head.paragraph_format.page_break_before = True  # no empty page when the signature fills the last one
    head.paragraph_format.first_line_indent = Pt(0)
    _run(head, "附件", HEADING_FONT, SIZE)
    caption = doc.add_paragraph(style="Normal")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.first_line_indent = Pt(0)
    _run(caption, f"{facts.town}{facts.year}年度法治政府建设主要指标完成情况", TITLE_FONT, Pt(18))
    table = doc.add_table(rows=1, cols=len(APPENDIX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, APPENDIX_COLUMNS, strict=True):
        _cell(cell, text, bold=True)
    for ind in cat.indicators:
        p = facts.progress[ind.id]
        values = (
            ind.name,
            ind.unit,
            number_text(p.actual, ind.unit),
            number_text(p.target, ind.unit) if p.target is not None else "—",
            f"{p.percent:.1f}%" if p.percent is not None else "—",
            p.status_label,
        )
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _cell(cell, text)
    # the name column wide enough for 干部法治培训（各类培训、讲座）; Word reads the cells, LibreOffice the grid
    for column, width in zip(table.columns, APPENDIX_WIDTHS, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    note = doc.add_paragraph(style="Normal")
    note.paragraph_format.first_line_indent = Pt(0)
    _run(note, f"注：数据截至{_cn_date(facts.as_of)}，来源于各月工作台账。", BODY_FONT, TABLE_SIZE)


def _cell(cell, text: str, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = Pt(20)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, text, HEADING_FONT if bold else BODY_FONT, TABLE_SIZE, bold=False)
