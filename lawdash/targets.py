"""Annual targets per township, year and indicator, with an optional monthly pace plan."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from lawdash import audit, auth, store
from lawdash.catalogue import Catalogue, Indicator, default_catalogue
from lawdash.cells import display, is_blank, normalize_header, parse_count
from lawdash.errors import Refused, WorkbookRejected
from lawdash.ingest import open_checked
from lawdash.problems import Code, Problems


@dataclass(frozen=True)
class TargetValue:
    value: float
    pace: tuple[float, ...] | None = None


def get_targets(engine: Engine, town: str, year: int) -> dict[str, TargetValue]:
    """indicator id -> its target for that township and year."""
    with Session(engine) as s:
        rows = s.execute(
            select(store.Target).join(store.Town).where(store.Town.name == town, store.Target.year == year)
        ).scalars()
        return {t.indicator: TargetValue(t.value, tuple(t.pace) if t.pace else None) for t in rows}


def _check(ind: Indicator, value: float | None, pace: tuple[float, ...] | None) -> None:
    if value is None:
        return
    if not ind.has_target:
        raise Refused(f"“{ind.name}”仅统计，不设目标")
    if value < 0:
        raise Refused(f"“{ind.name}”的目标不能为负数")
    if ind.unit == "%" and value > 100:
        raise Refused(f"“{ind.name}”的目标不能超过 100%")
    if pace is not None and (len(pace) != 12 or any(b < a for a, b in itertools.pairwise(pace)) or pace[-1] != 1):
        raise Refused(f"“{ind.name}”的月度计划应为 12 个递增的累计比例，12 月为 1")


def set_targets(
    engine: Engine,
    town: str,
    year: int,
    values: dict[str, float | None],
    paces: dict[str, tuple[float, ...] | None] | None = None,
    cat: Catalogue | None = None,
) -> None:
    """Set (or, with None, clear) targets in one transaction; an invalid one refuses them all."""
    auth.require("editor")
    cat = cat or default_catalogue()
    paces = paces or {}
    for ident, value in values.items():
        _check(cat.indicator(ident), value, paces.get(ident))
    before = get_targets(engine, town, year)
    with store.writing(engine) as s:
        tid = store.town_id(s, town)
        for ident, value in values.items():
            s.execute(
                delete(store.Target).where(
                    store.Target.town_id == tid, store.Target.year == year, store.Target.indicator == ident
                )
            )
            if value is not None:
                pace = paces.get(ident)
                s.add(
                    store.Target(
                        town_id=tid, year=year, indicator=ident, value=float(value), pace=list(pace) if pace else None
                    )
                )
        changes = {
            ident: {"before": before[ident].value if ident in before else None, "after": value}
            for ident, value in values.items()
            if (before[ident].value if ident in before else None) != value
            or (before[ident].pace if ident in before else None) != paces.get(ident)
        }
        audit.record(s, "targets", f"{town} {year}年", {"changes": changes})
        store.bump_version(s)


def copy_targets(engine: Engine, town: str, from_year: int, to_year: int) -> int:
    """Copy a year's targets as the start of another year's; returns how many were copied."""
    source = get_targets(engine, town, from_year)
    set_targets(
        engine,
        town,
        to_year,
        {k: v.value for k, v in source.items()},
        {k: v.pace for k, v in source.items()},
    )
    return len(source)


TARGET_SHEET = "年度目标"


def read_targets_workbook(name: str, data: bytes, cat: Catalogue | None = None) -> dict[str, float]:
    """Targets from a sheet 年度目标 with columns 指标 and 目标值 (an indicator's name or id)."""
    cat = cat or default_catalogue()
    problems = Problems(name)
    wb = open_checked(name, data, problems)  # says why a file is refused
    if wb is None:
        raise WorkbookRejected("目标文件无法读取", problems.items)
    ws = wb[TARGET_SHEET] if TARGET_SHEET in wb.sheetnames else wb.worksheets[0]
    out: dict[str, float] = {}
    header: dict[str, int] | None = None
    for r, values in ws.rows():
        if header is None:
            keys = {normalize_header(v): i for i, v in enumerate(values) if isinstance(v, str)}
            if "指标" in keys and ("目标值" in keys or "目标" in keys):
                header = {"ind": keys["指标"], "val": keys.get("目标值", keys.get("目标"))}  # type: ignore[dict-item]
            continue
        label, raw = values[header["ind"]], values[header["val"]]
        if is_blank(label) or is_blank(raw):
            continue
        ind = cat.indicator_by_label(display(label))
        if ind is None:
            problems.error(
                Code.UNKNOWN_INDICATOR, f"指标“{display(label)}”不存在", sheet=ws.title, row=r, col=header["ind"] + 1
            )
            continue
        parsed = parse_count(raw) if ind.unit != "%" else parse_count(display(raw).rstrip("%"))
        if parsed.is_error:
            problems.error(parsed.code, parsed.message or "", sheet=ws.title, row=r, col=header["val"] + 1)  # type: ignore[arg-type]
            continue
        out[ind.id] = float(parsed.value)  # type: ignore[arg-type]
    if header is None:
        problems.error(Code.NO_HEADER, "未找到表头（应包含“指标”和“目标值”两列）", sheet=ws.title)
    if problems.errors:
        raise WorkbookRejected("目标文件有错误，未保存", problems.items)
    return out


def parse_pace(text: str | None, indicator_name: str) -> tuple[float, ...] | None:
    """A monthly plan typed as 12 cumulative shares (`0,0,0.25,…,1`) or percents; blank means linear."""
    if text is None or not str(text).strip():
        return None
    parts = [p for p in str(text).replace("，", ",").replace("%", "").replace("、", ",").split(",") if p.strip()]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise Refused(f"“{indicator_name}”的月度计划应为 12 个数，用逗号分隔") from None
    if numbers and max(numbers) > 1:
        numbers = [n / 100 for n in numbers]
    if len(numbers) != 12 or any(b < a for a, b in itertools.pairwise(numbers)) or abs(numbers[-1] - 1) > 1e-9:
        raise Refused(f"“{indicator_name}”的月度计划应为 12 个递增的累计比例，12 月为 1（或 100%）")
    return tuple(numbers)


def pace_text(pace: tuple[float, ...] | None) -> str:
    """How a plan is shown for editing: percents, comma separated."""
    return "" if pace is None else ",".join(f"{p * 100:g}" for p in pace)
