"""Import monthly workbooks: read everything, decide, then store all files as one batch or nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lawdash import audit, auth, facts, store
from lawdash.catalogue import Catalogue, default_catalogue
from lawdash.ingest import ReadResult, Record, read_workbooks
from lawdash.problems import Code, Problem, Reported


@dataclass
class ImportResult(Reported):
    """What an import did: status stored / unchanged / rejected / checked, and why."""

    status: str
    batch: int | None
    rows: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "batch": self.batch,
            "rows": self.rows,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }

    def summary(self) -> str:
        """One Chinese sentence for the user."""
        counts = "，".join(f"{k} {v} 行" for k, v in self.rows.items() if v)
        if self.status == "stored":
            return f"已导入（批次 {self.batch}）：{counts or '无数据行'}"
        if self.status == "unchanged" and self.batch is None:
            return "工作簿中没有数据行，未作改动"
        if self.status == "unchanged":
            return f"内容与已导入的批次 {self.batch} 相同，未作改动"
        if self.status == "checked":
            return f"检查通过，未保存：{counts or '无数据行'}"
        return f"已拒绝：发现 {len(self.errors)} 处错误，未保存任何数据"


def _row_json(rec: Record) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in rec.fields.items()}


def _period_label(keys: list[tuple[int, int]]) -> str:
    keys = sorted(set(keys))
    labels = [f"{y}-{m:02d}" for y, m in keys]
    return labels[0] if len(labels) == 1 else "、".join(labels)


def _writes(read: ReadResult) -> list[store.SliceWrite]:
    writes = []
    for (town, year, month, sheet), recs in sorted(read.slices.items()):
        data = [_row_json(r) for r in recs]
        w = store.SliceWrite(town, year, month, sheet, content=store.content_hash(data))
        w.rows = [
            {
                "data": d,
                "_date": r.date,
                "_village": store.village_label(r.fields.get("village")),
                "_file": r.file,
                "_row": r.row,
            }
            for r, d in zip(recs, data, strict=False)
        ]
        writes.append(w)
    return writes


def _diff(session: Session, old: store.Slice, new_rows: list[dict[str, object]]) -> tuple[int, int]:
    """(rows removed, rows added) between a stored slice and the new rows, as multisets."""
    key = lambda d: store.content_hash([d])
    old_rows = Counter(
        key(d) for d in session.scalars(select(store.Record.data).where(store.Record.slice_id == old.id))
    )
    new = Counter(key(r["data"]) for r in new_rows)  # type: ignore[arg-type]
    return sum((old_rows - new).values()), sum((new - old_rows).values())


def import_workbooks(
    engine: Engine,
    inputs: list[tuple[str, bytes]] | list[Path],
    town: str | None = None,
    year: int | None = None,
    month: int | None = None,
    dry_run: bool = False,
    cat: Catalogue | None = None,
) -> ImportResult:
    """Validate and store workbooks as one batch: whole, or (with any error) nothing. Storing needs 填报."""
    actor = None if dry_run else auth.require("editor")
    cat = cat or default_catalogue()
    files = [(p.name, p.read_bytes()) if isinstance(p, Path) else p for p in inputs]
    read = read_workbooks(files, cat, store.towns(engine), town=town, year=year, month=month)
    problems = list(read.problems)
    described = [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in read.files]
    if read.errors:
        if not dry_run:
            audit.record_now(engine, "import", "、".join(f.name for f in read.files), {"status": "rejected", "files": described, "errors": len(read.errors)}, ok=False)  # fmt: skip
        return ImportResult("rejected", None, read.rows, problems)
    writes = [w for w in _writes(read) if w.rows]  # an empty sheet reports nothing: it replaces nothing

    with store.writing(engine) as s:
        changed: list[tuple[store.SliceWrite, store.Slice | None]] = []
        holders: list[int] = []
        for w in writes:
            tid = store.town_id(s, w.town)
            old = store.active_slice(s, tid, w.year, w.month, w.sheet)
            if old is not None and old.content_hash == w.content:
                holders.append(old.batch_id)
                continue
            changed.append((w, old))
            if old is not None:
                removed, added = _diff(s, old, w.rows)
                name = cat.sheet(w.sheet).name
                problems.append(
                    Problem(
                        "warning",
                        Code.REPLACED,
                        f"{w.year}年{w.month}月“{name}”已有批次 {old.batch_id} 的 {old.row_count} 行，"
                        f"将替换为 {len(w.rows)} 行（删除 {removed} 行，新增 {added} 行）",
                        sheet=name,
                    )
                )
        if dry_run:  # nothing has been written in this transaction yet
            return ImportResult("checked", None, read.rows, problems)
        if not changed:
            held = max(holders) if holders else None
            audit.record(s, "import", f"批次 {held}" if held else "", {"status": "unchanged", "files": described})
            return ImportResult("unchanged", held, read.rows, problems)
        facts.sync(s, cat)  # the facts written below follow `cat`; so must the stored ones
        rows = {s_.name: sum(len(w.rows) for w, _ in changed if w.sheet == s_.key) for s_ in cat.sheets}
        tid = store.town_id(s, changed[0][0].town)
        batch_id = store.new_batch(
            s,
            tid,
            _period_label([(w.year, w.month) for w, _ in changed]),
            rows,
            described,
            actor.name if actor else "",
        )
        for w, old in changed:
            store.write_slice(s, batch_id, store.town_id(s, w.town), w, old, cat)
        replaced = {f"{w.year}-{w.month:02d} {cat.sheet(w.sheet).name}": old.batch_id for w, old in changed if old}
        audit.record(
            s,
            "import",
            f"批次 {batch_id}",
            {"status": "stored", "files": described, "rows": rows, "replaced": replaced},
        )
        store.bump_version(s)
    return ImportResult("stored", batch_id, read.rows, problems)
