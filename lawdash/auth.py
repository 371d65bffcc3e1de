"""Who may do what: users with roles, passwords as argon2 hashes, the acting user of a call.

Roles: 查看 (viewer) < 填报 (editor: upload, undo, targets, ledger) < 管理 (admin: users, settings).
Every function that changes data calls `require(role)` for the acting user, so a viewer is refused
by the engine itself, not merely shown fewer buttons. The acting user is a context variable: the CLI
acts as the server's operator (`SYSTEM`), the app sets the logged-in user for each page run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lawdash import audit, store
from lawdash.errors import LawdashError

ROLES = {"viewer": "查看", "editor": "填报", "admin": "管理"}
RANK = {"viewer": 1, "editor": 2, "admin": 3}
MIN_PASSWORD = 8
MAX_FAILURES = 5  # failed logins per user name within THROTTLE_WINDOW before further tries are refused
THROTTLE_WINDOW = dt.timedelta(minutes=15)
_hasher = PasswordHasher()


class PermissionDenied(LawdashError):
    pass


class LoginFailed(LawdashError):
    pass


@dataclass(frozen=True)
class Actor:
    name: str
    role: str

    def can(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


SYSTEM = Actor("命令行", "admin")  # the operator at the server's shell holds the database file anyway
LOCAL = Actor("本机用户", "admin")  # single-user local mode: no user configured yet
ANONYMOUS = Actor("访客", "viewer")

_current: ContextVar[Actor | None] = ContextVar("lawdash_actor", default=None)


def current() -> Actor | None:
    return _current.get()


def set_actor(actor: Actor | None) -> None:
    """The acting user for the rest of this thread's run (the app calls it at the top of every page)."""
    _current.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def require(role: str) -> Actor:
    """The acting user if it holds `role` (or a higher one); else PermissionDenied, in Chinese."""
    actor = current()
    if actor is None:
        raise PermissionDenied(f"此操作需要“{ROLES[role]}”权限，请先登录")
    if not actor.can(role):
        raise PermissionDenied(f"此操作需要“{ROLES[role]}”权限，当前用户“{actor.name}”只有“{actor.role_label}”权限")
    return actor


def role_of(text: str) -> str:
    """A role from its English or Chinese name."""
    for key, label in ROLES.items():
        if text in (key, label):
            return key
    raise LawdashError(f"角色“{text}”不存在（可选：{'、'.join(ROLES.values())}）")


# ------------------------------------------------------------------ users


def has_users(engine: Engine) -> bool:
    with Session(engine) as s:
        return bool(s.scalar(select(func.count()).select_from(store.User)))


def list_users(engine: Engine) -> list[dict[str, object]]:
    with Session(engine) as s:
        return [
            {"name": u.name, "role": u.role, "role_label": ROLES[u.role], "created_at": u.created_at.isoformat(sep=" ")}
            for u in s.scalars(select(store.User).order_by(store.User.id))
        ]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise LawdashError(f"密码至少 {MIN_PASSWORD} 位")


def add_user(engine: Engine, name: str, role: str, password: str) -> None:
    """A new user (admins only; the server's operator may add the first admin)."""
    require("admin")
    role = role_of(role)
    name = name.strip()
    if not name:
        raise LawdashError("用户名不能为空")
    _check_password(password)
    with store.writing(engine) as s:
        if s.scalar(select(store.User).where(store.User.name == name)):
            raise LawdashError(f"用户“{name}”已存在")
        s.add(store.User(name=name, role=role, password_hash=_hasher.hash(password), created_at=_now()))
        audit.record(s, "user", name, {"change": "add", "after": {"role": role}})


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password: admins for anyone, every user for themselves."""
    actor = current()
    if actor is None or (actor.name != name and not actor.can("admin")):
        require("admin")
    _check_password(password)
    with store.writing(engine) as s:
        user = _user(s, name)
        user.password_hash = _hasher.hash(password)
        audit.record(s, "user", name, {"change": "password"})


def set_role(engine: Engine, name: str, role: str) -> None:
    require("admin")
    role = role_of(role)
    with store.writing(engine) as s:
        user = _user(s, name)
        before = user.role
        if before == "admin" and role != "admin":
            _keep_an_admin(s)
        user.role = role
        audit.record(s, "user", name, {"change": "role", "before": {"role": before}, "after": {"role": role}})


def remove_user(engine: Engine, name: str) -> None:
    require("admin")
    with store.writing(engine) as s:
        user = _user(s, name)
        if user.role == "admin":
            _keep_an_admin(s)
        s.delete(user)
        audit.record(s, "user", name, {"change": "remove", "before": {"role": user.role}})


def _keep_an_admin(s: Session) -> None:
    admins = s.scalar(select(func.count()).select_from(store.User).where(store.User.role == "admin"))
    if (admins or 0) <= 1:
        raise LawdashError("不能移除最后一位管理员")


def _user(s: Session, name: str) -> store.User:
    user = s.scalar(select(store.User).where(store.User.name == name))
    if user is None:
        raise LawdashError(f"用户“{name}”不存在")
    return user


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def recent_failures(engine: Engine, name: str, now: dt.datetime | None = None) -> int:
    """Failed logins of a user name since its last success, within the throttle window."""
    now = now or _now()
    with Session(engine) as s:
        rows = s.execute(
            select(store.AuditLog.ok)
            .where(
                store.AuditLog.action == "login",
                store.AuditLog.target == name,
                store.AuditLog.at >= now - THROTTLE_WINDOW,
            )
            .order_by(store.AuditLog.id.desc())
        ).scalars()
        failures = 0
        for ok in rows:
            if ok:
                break
            failures += 1
        return failures


def authenticate(engine: Engine, name: str, password: str) -> Actor:
    """The user, if the password matches; every attempt is logged, and repeated failures throttled."""
    name = name.strip()
    if recent_failures(engine, name) >= MAX_FAILURES:
        audit.record_now(engine, "login", name, {"result": "throttled"}, ok=False, who=name or "?")
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        raise LoginFailed(f"登录失败次数过多，请 {minutes} 分钟后再试")
    with Session(engine) as s:
        user = s.scalar(select(store.User).where(store.User.name == name))
        stored = (user.name, user.role, user.password_hash) if user else None
    try:
        if stored is None:
            raise VerificationError("no such user")
        _hasher.verify(stored[2], password)
    except (VerificationError, InvalidHashError):
        audit.record_now(engine, "login", name, {"result": "failed"}, ok=False, who=name or "?")
        raise LoginFailed("用户名或密码错误") from None
    audit.record_now(engine, "login", name, {"result": "ok"}, who=name)
    return Actor(stored[0], stored[1])


# ------------------------------------------------------------------ settings


def anonymous_viewing(engine: Engine) -> bool:
    """Whether a visitor who has not logged in may look at the dashboard (default: yes)."""
    return store.get_meta(engine, "anonymous_view") != "0"


def set_anonymous_viewing(engine: Engine, allowed: bool) -> None:
    require("admin")
    with store.writing(engine) as s:
        before = store.get_meta_in(s, "anonymous_view") != "0"
        store.set_meta(s, "anonymous_view", "1" if allowed else "0")
        audit.record(s, "settings", "anonymous_view", {"before": before, "after": allowed})
