"""lawdash.benchmark_ingest: the figures the benchmark command prints, on a small set (their values are not tested)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawdash import benchmark_ingest, safety
from lawdash.benchmark_ingest import measure_ingest, publicity_workbooks


def test_measure_ingest_returns_every_figure(tmp_path: Path) -> None:
    result = measure_ingest(tmp_path, rows=300)
    assert result["rows"] == 300 and result["files"] == 1
    for key in ("rows_per_s", "baseline_rows_per_s", "calamine_pandas_rows_per_s", "monthly_read_ms"):
        assert result[key] > 0, key
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "商酒务镇2024年1月台账-普法宣传-1.xlsx",
        "商酒务镇2024年3月法治政府建设台账.xlsx",
    ]


def test_the_large_set_is_split_within_what_safety_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    """One workbook of 50,000 rows is refused (and must stay refused): the rows go in several."""
    assert benchmark_ingest.ROWS_PER_FILE + 2 <= safety.MAX_ROWS  # title and header rows above the data
    assert benchmark_ingest.ROWS_PER_FILE * len(benchmark_ingest.PUBLICITY_HEADER) <= safety.MAX_CELLS
    monkeypatch.setattr(benchmark_ingest, "ROWS_PER_FILE", 100)
    files = publicity_workbooks(250)
    assert [name for name, _ in files] == [f"商酒务镇2024年{n}月台账-普法宣传-{n}.xlsx" for n in (1, 2, 3)]
