"""The command-line contract of shared/CLI.md: names, exit codes, JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lawdash.cli import main
from tests.conftest import SAMPLES, build_workbook

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, object, str]:
    code = main(["--db", db, *args])
    out = capsys.readouterr()
    try:
        data = json.loads(out.out)
    except json.JSONDecodeError:
        data = out.out
    return code, data, out.err


@pytest.fixture
def db(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(capsys, db_url, "init")[0] == 0
    return db_url


def test_import_json_shape_and_reimport(capsys: pytest.CaptureFixture[str], db: str) -> None:
    files = [str(p) for p in SAMPLES]
    code, data, _ = run(capsys, db, "import", *files, "--town", "商酒务镇", "--year", "2024", "--month", "2", "--json")
    assert code == 0
    assert isinstance(data, dict)
    assert set(data) == {"status", "batch", "rows", "errors", "warnings"}
    assert (data["status"], data["batch"]) == ("stored", 1)
    assert data["rows"] == {"会议学法": 4, "培训": 0, "普法宣传": 3, "矛盾纠纷调解": 4, "其他指标": 0}
    w = data["warnings"][0]
    assert set(w) == {"file", "sheet", "row", "column", "cell", "code", "message"}
    assert w["cell"] == f"{w['column']}{w['row']}"
    code, data, _ = run(capsys, db, "import", files[0], "--json")
    assert (code, data["status"], data["batch"]) == (0, "unchanged", 1)  # type: ignore[index]


def test_rejected_import_exits_1_and_names_the_cell(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "3月.xlsx"
    bad.write_bytes(build_workbook({"普法宣传": [["日期", "活动名称", "发放资料份数"], ["3月35日", "宣传", 10]]}))
    code, data, _ = run(capsys, db, "import", str(bad), "--year", "2024", "--month", "3", "--json")
    assert code == 1 and isinstance(data, dict)
    assert data["status"] == "rejected" and data["batch"] is None
    assert data["errors"] == [
        {
            "file": "3月.xlsx",
            "sheet": "普法宣传",
            "row": 2,
            "column": "A",
            "cell": "A2",
            "code": "bad_date",
            "message": "日期无法识别：“3月35日”",
        }
    ]
    code, text, _ = run(capsys, db, "import", str(bad), "--year", "2024", "--month", "3")
    assert code == 1 and "普法宣传!A2：日期无法识别：“3月35日”" in str(text)


def test_dry_run_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, data, _ = run(capsys, db, "import", *map(str, SAMPLES), "--dry-run", "--json")
    assert (code, data["status"]) == (0, "checked")  # type: ignore[index]
    code, data, _ = run(capsys, db, "batches", "--json")
    assert data == []


def test_progress_json_shape(capsys: pytest.CaptureFixture[str], db: str) -> None:
    run(capsys, db, "import", *map(str, SAMPLES))
    code, data, _ = run(capsys, db, "progress", "--year", "2024", "--as-of", "2024-02-29", "--json")
    assert code == 0 and isinstance(data, list) and len(data) == 12
    by_id = {d["id"]: d for d in data}
    assert set(by_id["topic_meetings"]) == {"id", "name", "unit", "actual", "target", "expected", "percent", "status"}
    assert by_id["materials_distributed"]["actual"] == 1350
    assert by_id["mediation_success_rate"]["actual"] == 66.7
    assert by_id["villages_reached"] == {
        "id": "villages_reached",
        "name": "普法宣传覆盖村数",
        "unit": "个",
        "actual": 2,
        "target": None,
        "expected": None,
        "percent": None,
        "status": "no_target",
    }


def test_batches_and_undo(capsys: pytest.CaptureFixture[str], db: str) -> None:
    run(capsys, db, "import", *map(str, SAMPLES))
    code, data, _ = run(capsys, db, "batches", "--json")
    assert code == 0 and isinstance(data, list)
    assert {"id", "time", "files", "period", "rows", "town", "status"} <= set(data[0])
    assert data[0]["files"][0]["sha256"]
    assert run(capsys, db, "undo", "1")[0] == 0
    code, _, err = run(capsys, db, "undo", "1")
    assert code == 1 and "已于" in err
    code, _, err = run(capsys, db, "undo", "42")
    assert code == 1 and "批次 42 不存在" in err
    code, data, _ = run(capsys, db, "progress", "--year", "2024", "--as-of", "2024-02-29", "--json")
    assert {d["id"]: d["actual"] for d in data}["materials_distributed"] == 0  # type: ignore[union-attr,index]


def test_usage_errors_exit_2_in_chinese(capsys: pytest.CaptureFixture[str], db: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--db", db, "progress"])
    assert info.value.code == 2
    assert "缺少必需的参数" in capsys.readouterr().err


def test_targets_load_and_show(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    f = tmp_path / "目标.xlsx"
    f.write_bytes(build_workbook({"年度目标": [["指标", "目标值"], ["专题会议", 4]]}))
    assert run(capsys, db, "targets", "load", str(f), "--year", "2024")[0] == 0
    _code, data, _ = run(capsys, db, "targets", "show", "--year", "2024", "--json")
    assert {d["id"]: d["target"] for d in data}["topic_meetings"] == 4  # type: ignore[union-attr,index]


def test_module_entry_point_runs(db_url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lawdash", "--db", db_url, "init"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "商酒务镇：25 个村" in out.stdout
