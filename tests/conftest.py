"""Shared fixtures: a fresh database per test and a builder for small messy workbooks."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from lawdash import auth, store

SAMPLES = sorted((Path(__file__).parent / "data").glob("商酒务镇2024年2月*.xlsx"))
TOWN = "商酒务镇"


def require(kind: str, available: bool, reason: str) -> None:
    """Skip when something optional is missing, unless LAWDASH_REQUIRE names it (CI does)."""
    if available:
        return
    required = {k.strip() for k in os.environ.get("LAWDASH_REQUIRE", "").split(",")}
    if kind in required:
        pytest.fail(f"{reason} (required here by LAWDASH_REQUIRE)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def acting_as_operator() -> Iterator[None]:
    """Tests call the engine as the server's operator does; access tests switch to other users."""
    with auth.acting_as(auth.SYSTEM):
        yield


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = store.get_engine(tmp_path / "test.db")
    store.seed_reference(eng)
    return eng


Sheets = dict[str, list[list[object]]]


def build_workbook(sheets: Sheets, merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with the given rows per sheet (row 1 first), and merged ranges per sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def workbook() -> Callable[..., bytes]:
    return build_workbook


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite database (the backup API, safe while it is open)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    return target
