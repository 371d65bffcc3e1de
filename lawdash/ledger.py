"""The rectification ledger (整改台账): entries, their status workflow with history, overdue, import.

The workflow is data (`[ledger]` in data/catalogue.toml): 未启动 → 整改中 → 已完成（待验收）→ 已销号,
and 退回 from 已完成 back to 整改中 with a reason. Every change of status or progress is kept in
`ledger_history`; an import is one transaction and updates entries by 编号.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass, field

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lawdash import audit, auth, store
from lawdash.catalogue import Catalogue, LedgerSpec, default_catalogue
from lawdash.errors import Refused
from lawdash.export import style_header, text_width
from lawdash.ingest import Context, FileInfo, find_header, open_checked, read_rows
from lawdash.problems import Code, Problem, Problems, Reported

FIELDS = ("year", "source", "problem", "cause", "measure", "leader", "unit", "deadline", "status", "progress", "done_date", "indicator")  # fmt: skip


def spec(cat: Catalogue | None = None) -> LedgerSpec:
    return (cat or default_catalogue()).ledger


@dataclass
class LedgerItem:
    """An entry as users see it, with its deadline judged against a date."""

    code: str
    town: str
    year: int
    source: str | None
    problem: str
    cause: str | None
    measure: str
    leader: str | None
    unit: str
    deadline: dt.date
    status: str
    progress: str | None
    done_date: dt.date | None
    indicator: str | None
    overdue: bool = False
    days_overdue: int = 0
    due_soon: bool = False
    days_left: int | None = None

    @property
    def status_label(self) -> str:
        return spec().label(self.status)

    def to_json(self) -> dict[str, object]:
        """The keys `rectify list --json` promises, and the rest of the entry."""
        data = {"id": self.code, **asdict(self)}
        del data["code"]
        data["deadline"] = self.deadline.isoformat()
        data["done_date"] = self.done_date.isoformat() if self.done_date else None
        return data


def judge(item: LedgerItem, as_of: dt.date, led: LedgerSpec | None = None) -> LedgerItem:
    """Overdue: past the deadline and not finished; 即将到期: due within `due_soon_days`."""
    led = led or spec()
    finished = item.status in led.finished
    left = (item.deadline - as_of).days
    item.overdue = not finished and left < 0
    item.days_overdue = -left if item.overdue else 0
    item.due_soon = not finished and 0 <= left <= led.due_soon_days
    item.days_left = None if finished else left
    return item


def _item(entry: store.LedgerEntry, town: str) -> LedgerItem:
    return LedgerItem(entry.code, town, *(getattr(entry, f) for f in FIELDS))


def urgency(item: LedgerItem) -> tuple[int, int, dt.date]:
    """Overdue first (most days first), then 即将到期, then open, then finished."""
    if item.overdue:
        return (0, -item.days_overdue, item.deadline)
    if item.due_soon:
        return (1, 0, item.deadline)
    if item.days_left is not None:
        return (2, 0, item.deadline)
    return (3, 0, item.deadline)


def list_entries(
    engine: Engine,
    town: str | None = None,
    year: int | None = None,
    as_of: dt.date | None = None,
    overdue_only: bool = False,
) -> list[LedgerItem]:
    """Ledger entries (of a township, of a year), judged as of a date (default today), most urgent first."""
    as_of = as_of or dt.date.today()
    q = select(store.LedgerEntry, store.Town.name).join(store.Town)
    if town:
        q = q.where(store.Town.name == town)
    if year:
        q = q.where(store.LedgerEntry.year == year)
    with Session(engine) as s:
        items = [judge(_item(e, t), as_of) for e, t in s.execute(q).all()]
    if overdue_only:
        items = [i for i in items if i.overdue]
    return sorted(items, key=urgency)


def overdue_items(engine: Engine, town: str, as_of: dt.date | None = None) -> list[LedgerItem]:
    """The entries past their deadline and not finished, most days overdue first."""
    return list_entries(engine, town, as_of=as_of, overdue_only=True)


def _town_of(engine: Engine, town: str | None) -> str:
    return store.resolve_town(engine, town)


def _entry(s: Session, town: str, code: str) -> store.LedgerEntry:
    entry = s.scalar(
        select(store.LedgerEntry).join(store.Town).where(store.Town.name == town, store.LedgerEntry.code == code)
    )
    if entry is None:
        raise Refused(f"整改台账中没有编号为“{code}”的事项")
    return entry


def _record(s: Session, entry: store.LedgerEntry, when: dt.datetime, who: str, action: str, **to: str | None) -> None:
    """Keep one change in the entry's history: from its current state to `to_status` / `to_progress`."""
    s.add(
        store.LedgerHistory(
            entry_id=entry.id,
            at=when,
            who=who,
            action=action,
            from_status=None if action == "导入新增" else entry.status,
            to_status=to.get("to_status", entry.status),
            from_progress=None if action == "导入新增" else entry.progress,
            to_progress=to.get("to_progress", entry.progress),
            note=to.get("note") or "",
        )
    )


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def set_status(
    engine: Engine,
    code: str,
    status: str,
    note: str,
    who: str,
    town: str | None = None,
    progress: str | None = None,
    when: dt.datetime | None = None,
) -> LedgerItem:
    """Move an entry along the workflow (refused unless the catalogue allows it), with history. Needs 填报."""
    auth.require("editor")
    led = spec()
    town = _town_of(engine, town)
    status = led.sheet.column("status").aliases.get(status, status)
    if status not in led.statuses:
        raise Refused(f"状态“{status}”不存在（可选：{'、'.join(led.statuses)}）")
    when = when or _now()
    with store.writing(engine) as s:
        entry = _entry(s, town, code)
        if entry.status == status:
            raise Refused(f"“{code}”已是“{led.label(status)}”状态")
        step = led.transition(entry.status, status)
        if step is None:
            allowed = "、".join(f"{led.label(t.target)}（{t.action}）" for t in led.allowed(entry.status)) or "无"
            raise Refused(f"“{code}”不能从“{led.label(entry.status)}”改为“{led.label(status)}”；可改为：{allowed}")
        if step.note and not note.strip():
            raise Refused(f"“{step.action}”须填写理由")
        new_progress = progress if progress is not None else entry.progress
        _record(s, entry, when, who, step.action, to_status=status, to_progress=new_progress, note=note.strip())
        entry.status = status
        if progress is not None:
            entry.progress = progress
        if status == "已完成" and entry.done_date is None:
            entry.done_date = when.date()
        if status not in led.finished:
            entry.done_date = None
        entry.updated_at = when
        audit.record(s, "ledger", code, {"change": step.action, "before": {"status": step.source}, "after": {"status": status, "progress": entry.progress}, "note": note.strip()})  # fmt: skip
        store.bump_version(s)
        return judge(_item(entry, town), when.date())


def set_progress(
    engine: Engine,
    code: str,
    progress: str,
    who: str,
    note: str = "",
    town: str | None = None,
    when: dt.datetime | None = None,
) -> LedgerItem:
    """Record new progress text on an entry, with history. Needs 填报."""
    auth.require("editor")
    town = _town_of(engine, town)
    when = when or _now()
    with store.writing(engine) as s:
        entry = _entry(s, town, code)
        if (entry.progress or "") == progress.strip():
            raise Refused(f"“{code}”的进展没有变化")
        _record(s, entry, when, who, "更新进展", to_progress=progress.strip(), note=note.strip())
        audit.record(s, "ledger", code, {"change": "更新进展", "before": {"progress": entry.progress}, "after": {"progress": progress.strip()}})  # fmt: skip
        entry.progress = progress.strip()
        entry.updated_at = when
        store.bump_version(s)
        return judge(_item(entry, town), when.date())


def history(engine: Engine, code: str, town: str | None = None) -> list[dict[str, object]]:
    """An entry's history in the order it was recorded: time, who, action, from, to, note."""
    town = _town_of(engine, town)
    with Session(engine) as s:
        entry = _entry(s, town, code)
        rows = s.scalars(
            select(store.LedgerHistory)
            .where(store.LedgerHistory.entry_id == entry.id)
            .order_by(store.LedgerHistory.id)  # the order things happened in, whatever time they name
        ).all()
        return [
            {
                "time": h.at,
                "who": h.who,
                "action": h.action,
                "from_status": h.from_status,
                "to_status": h.to_status,
                "from_progress": h.from_progress,
                "to_progress": h.to_progress,
                "note": h.note,
            }
            for h in rows
        ]


# ------------------------------------------------------------------ import


@dataclass
class LedgerImportResult(Reported):
    status: str  # stored | unchanged | rejected
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "rejected":
            return f"已拒绝：发现 {len(self.errors)} 处错误，整改台账未作任何改动"
        if self.status == "unchanged":
            return "整改台账内容与已有记录相同，未作改动"
        return f"已导入整改台账：新增 {len(self.created)} 项，更新 {len(self.updated)} 项"

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }


def read_ledger(
    name: str, data: bytes, town: str, villages: tuple[str, ...], cat: Catalogue | None = None
) -> tuple[list[dict[str, object]], list[Problem]]:
    """The rows of a 整改台账 sheet as field dicts (with `_row`), and every problem found."""
    cat = cat or default_catalogue()
    led = cat.ledger
    problems = Problems(name)
    wb = open_checked(name, data, problems)  # says why a file is refused
    if wb is None:
        return [], problems.items
    found = None
    for ws in wb.worksheets:
        names = {n.replace(" ", "") for n in (led.sheet.name, *led.sheet.aliases)}
        header = find_header(ws, led.sheet)
        if ws.title.replace(" ", "") in names or (header and all(c in header[1].values() for c in led.sheet.required)):
            found = (ws, header)
            break
    if found is None:
        problems.error(Code.NO_KNOWN_SHEET, f"文件“{name}”中没有“{led.sheet.name}”工作表")
        return [], problems.items
    ws, header = found
    if header is None:
        problems.error(
            Code.NO_HEADER, f"未找到表头行（应包含：{'、'.join(c.name for c in led.sheet.columns)}）", sheet=ws.title
        )
        return [], problems.items
    row, mapping = header
    missing = [c for c in led.sheet.required if c not in mapping.values()]
    for c in missing:
        problems.error(Code.MISSING_COLUMN, f"缺少必填列“{c.name}”（表头在第{row}行）", sheet=ws.title, row=row)
    if missing:
        return [], problems.items
    ctx = Context(cat, {town: villages}, town, None, None)
    records = read_rows(ws, led.sheet, row, mapping, FileInfo(name, "", 0, town=town), ctx, problems)
    code_col = next(ci for ci, c in mapping.items() if c.key == "code")
    seen: dict[str, int] = {}
    rows = []
    for rec in records:
        fields = {k: v for k, v in rec.fields.items() if not k.startswith("_") and k != "extra"}
        code = str(fields["code"])
        if code in seen:
            problems.error(
                Code.DUPLICATE_CODE, f"编号“{code}”与第{seen[code]}行重复", sheet=ws.title, row=rec.row, col=code_col
            )
            continue
        seen[code] = rec.row
        fields["_row"] = rec.row
        rows.append(fields)
    return rows, problems.items


def import_ledger(
    engine: Engine,
    name: str,
    data: bytes,
    town: str | None = None,
    who: str = "导入",
    when: dt.datetime | None = None,
) -> LedgerImportResult:
    """Load a 整改台账 workbook: new 编号 are added, known ones updated (with history), all or nothing. Needs 填报."""
    auth.require("editor")
    town = _town_of(engine, town)
    rows, problems = read_ledger(name, data, town, store.towns(engine)[town])
    if any(p.is_error for p in problems):
        return LedgerImportResult("rejected", problems=problems)
    result = LedgerImportResult("unchanged", problems=problems)
    when = when or _now()
    with store.writing(engine) as s:
        tid = store.town_id(s, town)
        for row in rows:
            code = str(row["code"])
            values = {f: row.get(f) for f in FIELDS}
            entry = s.scalar(
                select(store.LedgerEntry).where(store.LedgerEntry.town_id == tid, store.LedgerEntry.code == code)
            )
            if entry is None:
                values["status"] = values["status"] or spec().statuses[0]
                entry = store.LedgerEntry(town_id=tid, code=code, updated_at=when, **values)
                s.add(entry)
                s.flush()
                _record(s, entry, when, who, "导入新增", note=name)
                result.created.append(code)
                continue
            # a blank cell, or a column the file lacks, states nothing: what is stored stays
            changed = {f: v for f, v in values.items() if v is not None and getattr(entry, f) != v}
            if not changed:
                continue
            if "status" in changed and spec().transition(entry.status, str(changed["status"])) is None:
                result.problems.append(
                    Problem(
                        "warning",
                        Code.STATUS_JUMP,
                        f"“{code}”的状态由“{spec().label(entry.status)}”改为“{spec().label(str(changed['status']))}”，"
                        "不是正常的整改流程，已按台账导入并记入变更记录",
                        file=name,
                        sheet=spec().sheet.name,
                        row=int(row["_row"]),  # type: ignore[call-overload]
                    )
                )
            if "status" in changed or "progress" in changed:
                new_status = str(changed.get("status", entry.status))
                new_progress = changed.get("progress", entry.progress)
                _record(s, entry, when, who, "导入更新", to_status=new_status, to_progress=new_progress, note=name)  # type: ignore[arg-type]
            for f, v in changed.items():
                setattr(entry, f, v)
            entry.updated_at = when
            result.updated.append(code)
        if result.created or result.updated:
            result.status = "stored"
            audit.record(s, "ledger", name, {"change": "导入", "created": result.created, "updated": result.updated})
            store.bump_version(s)
    return result


# ------------------------------------------------------------------ tables and files


COLUMNS = {
    "code": "编号", "year": "年度", "source": "来源", "problem": "问题", "cause": "原因", "measure": "整改措施",
    "leader": "责任领导", "unit": "责任单位", "deadline": "整改时限", "status": "状态", "progress": "进展",
    "done_date": "完成日期", "indicator": "关联指标",
}  # fmt: skip


def ledger_frame(
    items: list[LedgerItem], indicator_status: dict[tuple[int, str], str] | None = None, for_file: bool = False
) -> pd.DataFrame:
    """The ledger with Chinese headers, in the order given, with 期限情况 and the linked indicator's status.

    `for_file`: statuses as the plain words a re-import reads without comment (已完成, not 已完成（待验收）).
    """
    cat = default_catalogue()
    names = {i.id: i.name for i in cat.indicators}
    rows = []
    for i in items:
        row = {COLUMNS[k]: getattr(i, k) for k in COLUMNS}
        row["状态"] = i.status if for_file else i.status_label
        row["关联指标"] = names.get(i.indicator or "", i.indicator)
        if i.overdue:
            row["期限情况"] = f"逾期 {i.days_overdue} 天"
        elif i.due_soon:
            row["期限情况"] = f"即将到期（剩 {i.days_left} 天）"
        elif i.days_left is not None:
            row["期限情况"] = f"剩 {i.days_left} 天"
        else:
            row["期限情况"] = ""
        if indicator_status is not None:
            row["指标状态"] = indicator_status.get((i.year, i.indicator or ""), "")
        rows.append(row)
    return pd.DataFrame(
        rows, columns=[*COLUMNS.values(), "期限情况", *(["指标状态"] if indicator_status is not None else [])]
    )


def status_counts(items: list[LedgerItem]) -> dict[str, int]:
    """How many entries are in each status (catalogue order), and how many of them are overdue."""
    led = spec()
    counts = {s: sum(i.status == s for i in items) for s in led.statuses}
    counts["逾期"] = sum(i.overdue for i in items)
    return counts


def ledger_template(town: str, cat: Catalogue | None = None) -> bytes:
    """A blank 整改台账 with drop-down lists for 来源, 状态 and 关联指标."""
    cat = cat or default_catalogue()
    led = cat.ledger
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = led.sheet.name
    opts = wb.create_sheet("选项")
    opts.sheet_state = "hidden"
    lists = {
        "source": led.sheet.column("source").choices,
        "status": led.statuses,
        "indicator": tuple(i.name for i in cat.indicators),
    }
    cols = led.sheet.columns
    ws.cell(1, 1, f"{town}法治政府建设问题整改台账").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    for n, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(n)
        for r, v in enumerate(values, start=1):
            opts.cell(r, n, v)
        wb.defined_names[f"选项_{key}"] = DefinedName(
            f"选项_{key}", attr_text=f"{quote_sheetname('选项')}!${letter}$1:${letter}${len(values)}"
        )
    for ci, col in enumerate(cols, start=1):
        letter = get_column_letter(ci)
        style_header(ws.cell(2, ci, col.name + ("*" if col.required else "")))
        ws.column_dimensions[letter].width = {"problem": 36, "cause": 30, "measure": 36, "progress": 30}.get(
            col.key, max(text_width(col.name) + 4, 12)
        )
        if col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
            rule = DataValidation(type="date", operator="greaterThan", formula1="36526", prompt="填写日期，如 2025-06-30", error="请填写日期", showErrorMessage=True)  # fmt: skip
        elif col.key in lists:
            strict = col.key != "source"
            rule = DataValidation(type="list", formula1=f"选项_{col.key}", showErrorMessage=strict, error="请从下拉列表中选择" if strict else None, prompt="从下拉列表中选择")  # fmt: skip
        else:
            continue
        ws.add_data_validation(rule)
        rule.add(f"{letter}3:{letter}502")
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
