"""The benchmark's measurements that need the UI, run by `python -m lawdash bench` in their own process
(the engine never imports streamlit or a browser driver):

    python -m benchmarks.ui rerun DB TOWN YEAR           reruns of the overview and the county page
    python -m benchmarks.ui sessions DB TOWN YEAR N      N browsers opening the overview at once

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lawdash.bench import median_ms

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def rerun_times(db: str, town: str, year: int) -> dict[str, float]:
    """A rerun of the overview and the county page with unchanged data (AppTest, caches warm).

    AppTest compiles every script again on every run, which a server does once per process (its
    ScriptCache lives as long as the server): the runs here share one ScriptCache, as a server's do.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]

    os.environ["LAWDASH_DB"] = str(db)
    out = {}
    for page, params in (("overview", {"town": town}), ("county", {})):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for k, v in {**params, "year": str(year), "as_of": f"{year}-12-31"}.items():
            at.query_params[k] = v
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        at.run()
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        out[f"{page}_rerun_ms"] = median_ms(at.run, runs=5)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_sessions(db: str, town: str, year: int, sessions: int) -> dict[str, float]:
    """Start the app on `db`, open the overview in `sessions` browsers at once; load times and peak RSS."""
    from playwright.async_api import async_playwright

    port = _free_port()
    env = {**os.environ, "LAWDASH_DB": str(db)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port)]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/?town={town}&year={year}&as_of={year}-12-31"
    try:
        _wait_for(port)
        idle_rss = _peak_rss_mb(server.pid)

        async def one(browser, i: int) -> float | None:  # type: ignore[no-untyped-def]
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            try:
                await page.goto(url, timeout=180_000)
                await page.get_by_text("各项指标").wait_for(timeout=180_000)
                await page.locator(".js-plotly-plot").first.wait_for(timeout=180_000)
                body = await page.locator("body").inner_text()
                return None if "Traceback" in body or "Error" in body else time.perf_counter() - start
            except Exception:  # a session that does not load counts as failed
                return None
            finally:
                await page.close()

        async def run() -> list[float | None]:
            async with async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync"],
                )  # fmt: skip
                single.append(await one(browser, -1))  # the first visit fills the caches, as at a real start
                single.append(await one(browser, -1))  # one session alone, caches warm
                cpu[0], wall[0] = _cpu_s(server.pid), time.perf_counter()
                results = await asyncio.gather(*(one(browser, i) for i in range(sessions)))
                cpu[1], wall[1] = _cpu_s(server.pid), time.perf_counter()
                await browser.close()
                return list(results)

        single: list[float | None] = []
        cpu, wall = [0.0, 0.0], [0.0, 0.0]
        times = asyncio.run(run())
        ok = sorted(t for t in times if t is not None)
        return {
            "sessions": sessions,
            "failed": sessions - len(ok),
            "load_median_s": round(statistics.median(ok), 2) if ok else float("nan"),
            "load_p95_s": round(ok[min(len(ok) - 1, int(0.95 * len(ok)))], 2) if ok else float("nan"),
            "single_load_s": round(single[1], 2) if single[1] is not None else float("nan"),
            "wall_s": round(wall[1] - wall[0], 1),
            "server_cpu_s": round(cpu[1] - cpu[0], 1),
            "idle_rss_mb": idle_rss,
            "peak_rss_mb": _peak_rss_mb(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the app did not start on port {port}")


def main(argv: list[str]) -> int:
    kind, db, town, year, *extra = argv
    if kind == "rerun":
        out = rerun_times(db, town, int(year))
    else:
        out = server_sessions(db, town, int(year), int(extra[0]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
