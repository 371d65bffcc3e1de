"""Figures to PNG, offline: plotly's kaleido drives a local Chromium-family browser.

One browser is kept running for the process (the first figure takes ~1.5 s, the next ~0.2 s);
MathJax is off, so nothing is fetched from the internet. Chinese glyphs need a CJK font on the
machine (Microsoft YaHei on Windows, fonts-noto-cjk on Debian); the figures name both.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading

import plotly.graph_objects as go

from lawdash.errors import LawdashError

_lock = threading.Lock()
_started = False
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome", "msedge", "microsoft-edge")


class RenderUnavailable(LawdashError):
    pass


def _find_browser() -> str | None:
    if path := os.environ.get("BROWSER_PATH"):
        return path
    for name in BROWSERS:
        if found := shutil.which(name):
            return found
    return None


def _ensure_server() -> None:
    global _started
    with _lock:
        if _started:
            return
        import kaleido

        browser = _find_browser()
        if browser:
            os.environ.setdefault("BROWSER_PATH", browser)
        try:
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        except Exception as exc:  # kaleido raises several kinds when no browser can start
            raise RenderUnavailable(
                "生成图片需要本机安装 Chrome、Edge 或 Chromium 浏览器（也可用环境变量 BROWSER_PATH 指定其位置）"
            ) from exc
        _started = True
        atexit.register(_stop)


def _stop() -> None:
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


def figure_png(fig: go.Figure, width: int = 1600, height: int = 900, scale: float = 1) -> bytes:
    """The figure as PNG bytes at width×height CSS pixels times `scale`."""
    _ensure_server()
    import kaleido

    try:
        return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height, "scale": scale})
    except Exception as exc:  # a browser that died or never started
        raise RenderUnavailable(f"图表生成图片失败：{exc}") from exc
