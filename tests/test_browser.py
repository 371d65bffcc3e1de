"""A real browser against `streamlit run app.py`: every page opens without an error, a workbook
goes in through the real file input, and a full-page screenshot of each page is saved."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawdash import store
from tests.conftest import SAMPLES, Databases, require

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SERVER_DB: dict[str, str] = {}  # the database each test server reads
PAGES = {
    "overview": "",
    "county": "county",
    "progress": "progress",
    "ledger": "ledger",
    "records": "records",
    "targets": "targets",
    "upload": "upload",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, databases: Databases, demo_db: str) -> Iterator[str]:
    require("browser", Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    pytest.importorskip("playwright")
    with databases.fresh(copy_of=demo_db) as db:  # the upload test writes: a copy of the session's demo
        yield from _serve(tmp_path_factory.mktemp("app"), db)


def _serve(folder: Path, db: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "LAWDASH_DB": db}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    log = (folder / "streamlit.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    SERVER_DB[url] = db
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("LAWDASH_SCREENSHOTS", ROOT / "screenshots"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"\nscreenshots: {folder}")
    return folder


def _open(browser, url: str, height: int = 2200):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1440, "height": height})
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)
    settle(page)
    return page


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script has finished and stayed finished (a rerun may follow a run)."""
    idle = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    for _ in range(3):
        page.wait_for_selector(idle, timeout=30_000)
        page.wait_for_timeout(700)
    page.wait_for_selector(idle, timeout=30_000)
    page.wait_for_timeout(800)  # plotly draws after the script ends


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_opens_clean(server: str, browser, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    # A deep link as the very first request must still go through app.py's navigation.
    page = _open(browser, f"{server}/{PAGES[name]}?year=2024&as_of=2024-06-30")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "总览" in nav and "指标进度" in nav and "overview" not in nav
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "None" not in body
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.close()


def test_charts_draw_with_chinese_titles(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = _open(browser, f"{server}/progress?year=2024&as_of=2024-06-30&indicator=materials_distributed")
    page.wait_for_selector(".js-plotly-plot .gtitle", timeout=30_000)
    titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
    assert "商酒务镇2024年 普法宣传资料发放" in titles
    assert page.locator(".js-plotly-plot").count() == 1
    page.close()


def test_upload_through_the_real_file_input(server: str, browser, shots: Path) -> None:  # type: ignore[no-untyped-def]
    new = store.list_batches(store.get_engine(SERVER_DB[server]), limit=1)[0].id + 1
    page = _open(browser, f"{server}/upload?year=2024")
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', [str(p) for p in SAMPLES])
    settle(page)
    page.get_by_role("button", name="检查文件").click()
    page.get_by_text("检查通过").wait_for(timeout=30_000)
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text(f"已导入（批次 {new}）").wait_for(timeout=30_000)
    settle(page)
    page.screenshot(path=str(shots / "upload-stored.png"), full_page=True)
    page.close()
    overview = _open(browser, f"{server}/?year=2024&as_of=2024-06-30")
    assert f"批次 {new}" in overview.locator("body").inner_text()  # 最近更新 names the new batch
    overview.close()


def test_chart_png_download_is_named_and_sized_for_a_slide(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = _open(browser, f"{server}/progress?year=2024&as_of=2024-06-30&indicator=materials_distributed")
    chart = page.locator(".js-plotly-plot").first
    chart.hover()
    with page.expect_download(timeout=30_000) as info:
        chart.locator('.modebar-btn[data-title*="png"], .modebar-btn[data-title*="PNG"]').first.click()
    download = info.value
    assert download.suggested_filename == "商酒务镇_2024年_宣传资料_截至2024-06-30.png"
    path = tmp_path / "chart.png"
    download.save_as(path)
    from PIL import Image

    with Image.open(path) as im:
        assert im.size == (3200, 1800)  # 16:9 at 2x
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # drawn, not blank
    page.close()


def test_text_that_looks_like_html_shows_as_text_in_the_browser(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from lawdash import ledger
    from tests.conftest import build_workbook

    header = ["编号", "年度", "问题", "整改措施", "责任单位", "整改时限", "状态"]
    hostile = "<script>window.hacked=1</script><b>粗体</b> **星号** $x$"
    data = build_workbook({"整改台账": [header, ["H-1", 2024, hostile, "措施", "司法所", "2024-01-31", "整改中"]]})
    assert ledger.import_ledger(store.get_engine(SERVER_DB[server]), "h.xlsx", data, town="商酒务镇").status == "stored"
    page = _open(browser, f"{server}/?year=2024&as_of=2024-06-30")
    body = page.locator("body").inner_text()
    assert "<script>window.hacked=1</script><b>粗体</b> **星号** $x$" in body
    assert page.evaluate("() => window.hacked === undefined")
    assert page.locator('[data-testid="stAlert"] b').count() == 0
    page.close()
