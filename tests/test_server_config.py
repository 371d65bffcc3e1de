"""The server settings a deployment relies on: XSRF on, uploads capped, error details hidden."""

from __future__ import annotations

import tomllib
from pathlib import Path

from lawdash.safety import MAX_UPLOAD_BYTES

CONFIG = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text("utf-8"))


def test_xsrf_and_cors_protection_stay_on() -> None:
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["enableCORS"] is True


def test_uploads_are_capped_at_the_same_size_lawdash_checks() -> None:
    assert CONFIG["server"]["maxUploadSize"] == 20
    assert CONFIG["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES


def test_users_do_not_see_tracebacks() -> None:
    # "none": a generic message in the browser, the details in the server log
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_no_code_reload_and_no_usage_reporting() -> None:
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["server"]["runOnSave"] is False
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_no_user_data_reaches_raw_html() -> None:
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(p.relative_to(root))
        for p in [root / "app.py", *(root / "pages").glob("*.py"), *(root / "lawdash").glob("*.py")]
        if "unsafe_allow_html" in p.read_text("utf-8") or "unsafe_allow_javascript=True" in p.read_text("utf-8")
    ]
    assert offenders == []
