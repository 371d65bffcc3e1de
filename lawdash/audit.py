"""The audit log: who did what, when, with before/after values. Append-only (database triggers)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lawdash import store

ACTION_LABELS = {
    "login": "登录",
    "import": "导入台账",
    "undo": "撤销批次",
    "targets": "修改目标",
    "ledger": "整改台账",
    "user": "用户管理",
    "settings": "系统设置",
    "backup": "备份",
    "restore": "恢复",
}


def _who() -> str:
    from lawdash.auth import current

    actor = current()
    return actor.name if actor else "未登录"


def record(
    session: Session,
    action: str,
    target: str = "",
    detail: dict[str, object] | None = None,
    ok: bool = True,
    who: str | None = None,
) -> None:
    """Add an entry inside the caller's transaction: it is stored if and only if the change is."""
    session.add(
        store.AuditLog(
            at=dt.datetime.now().replace(microsecond=0),
            who=who or _who(),
            action=action,
            target=target,
            ok=ok,
            detail=detail or {},
        )
    )


def record_now(engine: Engine, action: str, target: str = "", detail: dict[str, object] | None = None, ok: bool = True, who: str | None = None) -> None:  # fmt: skip
    """An entry of its own (a failed login, a rejected import): nothing else is written."""
    with store.writing(engine) as s:
        record(s, action, target, detail, ok, who)


def entries(
    engine: Engine,
    action: str | None = None,
    who: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, object]]:
    """Audit entries, newest first, filtered by action, person and date range."""
    q = select(store.AuditLog).order_by(store.AuditLog.id.desc())
    if action:
        q = q.where(store.AuditLog.action == action)
    if who:
        q = q.where(store.AuditLog.who == who)
    if since:
        q = q.where(store.AuditLog.at >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(store.AuditLog.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    with Session(engine) as s:
        return [
            {
                "id": e.id,
                "time": e.at.isoformat(sep=" "),
                "who": e.who,
                "action": e.action,
                "target": e.target,
                "ok": e.ok,
                "detail": e.detail,
            }
            for e in s.scalars(q)
        ]


_WORDS = {
    "change": "变更", "before": "原值", "after": "新值", "status": "状态", "progress": "进展", "note": "说明",
    "files": "文件", "name": "名称", "sha256": "SHA-256", "size": "字节", "rows": "行数", "replaced": "替换",
    "result": "结果", "ok": "成功", "failed": "失败", "throttled": "尝试过多，被拒绝", "role": "角色",
    "period": "月份", "restored": "恢复的数据片", "created": "新增", "updated": "更新", "errors": "错误数",
    "bytes": "字节", "changes": "各指标", "add": "添加", "remove": "删除", "password": "修改密码",
    "stored": "已导入", "unchanged": "未变", "rejected": "已拒绝", "viewer": "查看", "editor": "填报", "admin": "管理",
}  # fmt: skip


def describe(detail: object) -> str:
    """An entry's details in words a clerk reads (keys and known values in Chinese)."""
    if isinstance(detail, dict):
        parts = []
        for k, v in detail.items():
            if v in (None, "", {}, []):
                continue
            word = _WORDS.get(str(k), k)
            parts.append(f"{word}（{describe(v)}）" if isinstance(v, dict | list) else f"{word}：{describe(v)}")
        return "；".join(parts)
    if isinstance(detail, list):
        return "，".join(describe(v) for v in detail)
    if isinstance(detail, bool):
        return "是" if detail else "否"
    text = str(detail)
    return _WORDS.get(text, text)
