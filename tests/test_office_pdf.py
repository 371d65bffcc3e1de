"""The report and the briefing as an office suite shows them: LibreOffice converts both to PDF,
poppler counts the pages and draws the first one. The folder with the PDFs and PNGs is printed
(`pytest -s`) so a person can look at them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from lawdash import store
from lawdash.reports import annual_report
from tests.conftest import TOWN, require

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
A4_PTS = (595.3, 841.9)
SLIDE_PTS = (13.333 * 72, 7.5 * 72)


def need_tools() -> None:
    require("libreoffice", shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    require(
        "libreoffice",
        shutil.which("pdfinfo") is not None and shutil.which("pdftoppm") is not None,
        "pdfinfo/pdftoppm (poppler-utils) are not installed",
    )


def soffice(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert with a private LibreOffice profile, so parallel and CI runs do not share one."""
    profile = outdir / "lo-profile"
    cmd = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
           "--convert-to", fmt, "--outdir", str(outdir), str(src)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    out = outdir / f"{src.stem}.{fmt}"
    assert done.returncode == 0 and out.exists(), f"soffice failed: {done.stdout}\n{done.stderr}"
    return out


def pdfinfo(pdf: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True)
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in done.stdout.splitlines())}


def page_size(info: dict[str, str]) -> tuple[float, float]:
    found = re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"])
    assert found is not None, info["Page size"]
    return float(found[1]), float(found[2])


def page_text(pdf: Path, page: int) -> str:
    """The text of one page with all white space removed (pdftotext spaces Latin from Chinese)."""
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return re.sub(r"\s+", "", done.stdout)


def first_page_png(pdf: Path) -> Path:
    prefix = pdf.with_suffix("")
    cmd = ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)]
    subprocess.run(cmd, capture_output=True, timeout=60, check=True)
    return prefix.with_suffix(".png")


def assert_not_blank(png: Path) -> None:
    with Image.open(png) as image:
        grey = image.convert("L")
        inked = sum(grey.histogram()[:160])  # pixels clearly darker than paper
        colours = image.convert("RGB").getcolors(maxcolors=grey.width * grey.height)
    assert inked > 0.005 * grey.width * grey.height, f"{png.name}: almost nothing drawn"
    assert colours is not None and len(colours) > 20, f"{png.name}: {len(colours or [])} colours"


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def chart_renderer() -> Iterator[None]:
    """The briefing's charts need chromium; stop the browser lawdash.render keeps before the
    interpreter exits (else tempfile reclaims kaleido's temporary directories with a ResourceWarning)."""
    require("browser", Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: kaleido needs it to draw the charts")
    yield
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_tools()
    path = tmp_path_factory.mktemp("office_pdf")
    print(f"\nLibreOffice PDFs and first-page PNGs: {path}")
    return path


@pytest.fixture(scope="module")
def demo(demo_db: str) -> Engine:
    """The session's demo database, read only."""
    return store.get_engine(demo_db)


@pytest.fixture(scope="module")
def report_docx(folder: Path, demo: Engine) -> Path:
    path = folder / "report-2023.docx"
    path.write_bytes(annual_report(demo, TOWN, 2023))
    return path


@pytest.fixture(scope="module")
def report_pdf(report_docx: Path) -> Path:
    return soffice(report_docx, "pdf", report_docx.parent)


@pytest.fixture(scope="module")
def briefing_pdf(folder: Path, demo: Engine, chart_renderer: None) -> Path:
    from lawdash.briefing import briefing

    path = folder / "briefing-2024.pptx"
    data = briefing(
        demo,
        TOWN,
        2024,
        dt.date(2024, 6, 30),
        ["materials_distributed", "villages_reached"],
    )
    path.write_bytes(data)
    return soffice(path, "pdf", folder)


# ------------------------------------------------------------------ the report


def test_report_pdf_is_a4_with_several_pages(report_pdf: Path) -> None:
    info = pdfinfo(report_pdf)
    assert int(info["Pages"]) >= 3
    assert page_size(info) == pytest.approx(A4_PTS, abs=1)
    first = page_text(report_pdf, 1)
    assert first.startswith("商酒务镇人民政府关于2023年度法治政府建设情况的报告")
    assert "今年共召开4次法治政府建设专题会议" in first
    assert first.endswith("—1—")  # the PAGE field, updated by LibreOffice
    last = page_text(report_pdf, int(info["Pages"]))
    assert "商酒务镇2023年度法治政府建设主要指标完成情况" in last
    assert "5,3805,000107.6%已完成" in last  # 普法宣传资料发放's figures, cell by cell (the name wraps)
    assert "调解成功率%90.1——仅统计" in last


def test_report_first_page_renders(report_pdf: Path) -> None:
    png = first_page_png(report_pdf)
    with Image.open(png) as image:
        assert image.width < image.height  # portrait
    assert_not_blank(png)


def test_report_has_no_blank_page(report_pdf: Path) -> None:
    pages = int(pdfinfo(report_pdf)["Pages"])
    empty = [n for n in range(1, pages + 1) if not re.sub(r"—\d+—", "", page_text(report_pdf, n))]
    assert empty == []


def test_libreoffice_reads_part_headings_as_heiti(report_docx: Path, tmp_path: Path) -> None:
    fodt = soffice(report_docx, "fodt", tmp_path).read_text(encoding="utf-8")
    style = re.search(r'<style:style style:name="Heading_20_1".*?</style:style>', fodt, re.S)
    assert style is not None
    asian = re.search(r'style:font-name-asian="([^"]*)"', style.group(0))
    assert asian is not None and asian.group(1).startswith("黑体")


# ------------------------------------------------------------------ the briefing


def test_briefing_pdf_has_one_page_per_slide(briefing_pdf: Path) -> None:
    info = pdfinfo(briefing_pdf)
    assert int(info["Pages"]) == 5  # cover, table, 2 charts, ledger
    assert page_size(info) == pytest.approx(SLIDE_PTS, abs=1)
    assert "商酒务镇2024年法治政府建设工作汇报" in page_text(briefing_pdf, 1)
    assert "民主法治示范村申报0个12个0.0%严重滞后" in page_text(briefing_pdf, 2)
    ledger = page_text(briefing_pdf, 5)
    assert "逾期30天ZG2023-03" in ledger
    assert "即将到期（剩10天）ZG2024-01" in ledger


def test_briefing_first_page_renders(briefing_pdf: Path) -> None:
    png = first_page_png(briefing_pdf)
    with Image.open(png) as image:
        assert image.width / image.height == pytest.approx(16 / 9, rel=0.02)
    assert_not_blank(png)
