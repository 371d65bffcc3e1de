"""Who may do what: roles enforced by the engine itself, passwords, throttled logins, the audit log."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from lawdash import auth, ledger, store
from lawdash.audit import entries
from lawdash.auth import Actor, PermissionDenied
from lawdash.backup import backup
from lawdash.export import records_frame
from lawdash.importer import import_workbooks
from lawdash.targets import copy_targets, set_targets
from tests.conftest import SAMPLES, TOWN

ROOT = Path(__file__).resolve().parent.parent
VIEWER = Actor("查看员", "viewer")
EDITOR = Actor("填报员", "editor")
ADMIN = Actor("管理员", "admin")


@pytest.fixture
def demo(demo_copy: str) -> Engine:
    return store.get_engine(demo_copy)


def samples() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in SAMPLES]


def state(engine: Engine) -> tuple[object, ...]:
    with Session(engine) as s:
        users = s.scalars(select(store.User.name)).all()
    items = [(i.code, i.status, i.progress) for i in ledger.list_entries(engine, TOWN)]
    return store.record_count(engine), len(store.list_batches(engine)), store.data_version(engine), users, items


WRITES: dict[str, tuple[str, Callable[[Engine, Path], object]]] = {
    "import": ("editor", lambda e, _: import_workbooks(e, samples())),
    "undo": ("editor", lambda e, _: store.undo_batch(e, 1)),
    "targets": ("editor", lambda e, _: set_targets(e, TOWN, 2024, {"topic_meetings": 9})),
    "copy targets": ("editor", lambda e, _: copy_targets(e, TOWN, 2023, 2025)),
    "ledger status": ("editor", lambda e, _: ledger.set_status(e, "ZG2024-01", "整改中", "x", "某人", town=TOWN)),
    "ledger progress": ("editor", lambda e, _: ledger.set_progress(e, "ZG2024-01", "新进展", "某人", town=TOWN)),
    "ledger import": ("editor", lambda e, _: ledger.import_ledger(e, "x.xlsx", b"", town=TOWN)),
    "add user": ("admin", lambda e, _: auth.add_user(e, "新人", "填报", "password123")),
    "anonymous setting": ("admin", lambda e, _: auth.set_anonymous_viewing(e, False)),
    "backup": ("admin", lambda e, p: backup(e, p / "b.db")),
    "reference data": ("admin", lambda e, _: store.seed_reference(e)),
}


REFUSED = [
    (name, actor)
    for name, (role, _) in WRITES.items()
    for actor in (None, VIEWER, EDITOR)
    if not (actor and actor.can(role))
]


@pytest.mark.parametrize(("name", "actor"), REFUSED, ids=[f"{n}-{a.role if a else 'nobody'}" for n, a in REFUSED])
def test_the_engine_refuses_a_caller_without_the_role(
    demo: Engine, tmp_path: Path, name: str, actor: Actor | None
) -> None:
    role, write = WRITES[name]
    before = state(demo)
    with auth.acting_as(actor), pytest.raises(PermissionDenied, match=f"此操作需要“{auth.ROLES[role]}”权限"):  # type: ignore[arg-type]
        write(demo, tmp_path)
    assert state(demo) == before


def test_an_editor_may_import_and_is_recorded_as_its_author(engine: Engine) -> None:
    with auth.acting_as(EDITOR):
        result = import_workbooks(engine, samples())
    assert result.status == "stored"
    assert store.list_batches(engine)[0].user == "填报员"
    entry = entries(engine, action="import")[0]
    assert (entry["who"], entry["target"], entry["ok"]) == ("填报员", "批次 1", True)
    files = entry["detail"]["files"]  # type: ignore[index]
    assert [f["sha256"] for f in files] == [p["sha256"] for p in store.list_batches(engine)[0].files]


def test_a_viewer_may_check_files_but_not_store_them(engine: Engine) -> None:
    with auth.acting_as(VIEWER):
        assert import_workbooks(engine, samples(), dry_run=True).status == "checked"
    assert store.record_count(engine) == 0


def test_passwords_are_argon2_hashes_never_the_password(engine: Engine) -> None:
    auth.add_user(engine, "王书记", "管理", "correct horse")
    with Session(engine) as s:
        stored = s.scalar(select(store.User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and "correct horse" not in stored
    assert auth.authenticate(engine, "王书记", "correct horse") == Actor("王书记", "admin")
    with pytest.raises(auth.LoginFailed, match="用户名或密码错误"):
        auth.authenticate(engine, "王书记", "wrong")


def test_failed_logins_are_throttled_per_name_and_logged(engine: Engine) -> None:
    auth.add_user(engine, "甲", "查看", "password-a")
    auth.add_user(engine, "乙", "查看", "password-b")
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.LoginFailed, match="用户名或密码错误"):
            auth.authenticate(engine, "甲", "guess")
    with pytest.raises(auth.LoginFailed, match="登录失败次数过多"):
        auth.authenticate(engine, "甲", "password-a")  # even the right password, for now
    assert auth.authenticate(engine, "乙", "password-b").name == "乙"  # other names are not affected
    logins = [e for e in entries(engine, action="login") if e["target"] == "甲"]
    assert [e["ok"] for e in logins] == [False] * (auth.MAX_FAILURES + 1)
    assert logins[0]["detail"] == {"result": "throttled"}


def test_user_changes_keep_an_admin_and_are_audited(engine: Engine) -> None:
    auth.add_user(engine, "管理甲", "admin", "password-1")
    with pytest.raises(auth.LawdashError, match="不能移除最后一位管理员"):
        auth.remove_user(engine, "管理甲")
    auth.add_user(engine, "填报乙", "editor", "password-2")
    auth.set_role(engine, "填报乙", "admin")
    auth.remove_user(engine, "管理甲")
    with pytest.raises(auth.LawdashError, match="密码至少 8 位"):
        auth.add_user(engine, "丙", "viewer", "short")
    changes = [(e["target"], e["detail"]["change"]) for e in reversed(entries(engine, action="user"))]  # type: ignore[index]
    assert changes == [("管理甲", "add"), ("填报乙", "add"), ("填报乙", "role"), ("管理甲", "remove")]


def test_a_user_may_change_only_their_own_password(engine: Engine) -> None:
    auth.add_user(engine, "甲", "editor", "password-a")
    auth.add_user(engine, "乙", "editor", "password-b")
    with auth.acting_as(Actor("甲", "editor")):
        auth.set_password(engine, "甲", "password-a2")
        with pytest.raises(PermissionDenied):
            auth.set_password(engine, "乙", "password-x")
    assert auth.authenticate(engine, "甲", "password-a2").name == "甲"


def test_every_change_is_in_the_audit_log_with_before_and_after(demo: Engine) -> None:
    set_targets(demo, TOWN, 2024, {"topic_meetings": 6})
    ledger.set_status(demo, "ZG2024-01", "整改中", "已部署", "司法所", town=TOWN)
    store.undo_batch(demo, 18)
    targets = entries(demo, action="targets")[0]
    assert targets["detail"]["changes"]["topic_meetings"] == {"before": 4.0, "after": 6}  # type: ignore[index]
    change = entries(demo, action="ledger")[0]
    assert change["detail"]["before"] == {"status": "未启动"}  # type: ignore[index]
    assert change["detail"]["after"]["status"] == "整改中"  # type: ignore[index]
    undo = entries(demo, action="undo")[0]
    assert (undo["target"], undo["detail"]["period"]) == ("批次 18", "2024-06")  # type: ignore[index]


def test_the_database_refuses_to_change_or_delete_the_audit_log(demo: Engine) -> None:
    n = len(entries(demo))
    for sql in ("UPDATE audit_log SET who = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), store.writing(demo) as s:
            s.execute(text(sql))
    assert len(entries(demo)) == n


@pytest.mark.sqlite_only
def test_the_sqlite_file_refuses_to_delete_the_audit_log_outside_lawdash(demo: Engine) -> None:
    with sqlite3.connect(demo.url.database or "") as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_log")


def test_viewers_see_dispute_counts_not_who_was_involved(demo: Engine) -> None:
    full = records_frame(demo, TOWN, 2023, None, "disputes")
    public = records_frame(demo, TOWN, 2023, None, "disputes", private=False)
    assert len(public) == len(full) == 124
    assert {"备注", "调解组织"} <= set(full.columns)
    assert not {"备注", "调解组织"} & set(public.columns)


# ------------------------------------------------------------------ the app


@pytest.fixture
def app_db(demo: Engine, demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("LAWDASH_DB", demo_copy)
    return demo


def run(page: str, **state: object) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.query_params.update({"year": "2023"})
    return at.run()


def test_local_mode_says_so_on_every_page(app_db: Engine) -> None:
    for page in ("overview", "records", "upload"):
        warnings = [w.value for w in run(page).warning]
        assert any(w.startswith("单机模式") for w in warnings), page


def test_a_visitor_gets_a_login_form_and_no_editing(app_db: Engine) -> None:
    auth.add_user(app_db, "王书记", "管理", "password-1")
    at = run("upload")
    assert any("此页需要“填报”权限" in w.value for w in at.warning)
    assert not at.get("file_uploader")
    assert at.text_input(key="login_name")  # the login form in the sidebar
    records = run("records", w_sheet="disputes")
    assert "备注" not in records.dataframe[0].value.columns
    ledger_page = run("ledger")
    assert not [b for b in ledger_page.button if b.key == "l_submit"]


def test_logging_in_opens_editing(app_db: Engine) -> None:
    auth.add_user(app_db, "李员", "填报", "password-2")
    at = run("upload")
    at.text_input(key="login_name").input("李员")
    at.text_input(key="login_password").input("password-2")
    at.get("form_submit_button")[0].click().run()  # type: ignore[attr-defined]
    assert at.session_state["auth_user"] == Actor("李员", "editor")
    assert at.get("file_uploader")
    assert entries(app_db, action="login")[0]["target"] == "李员"


def test_with_anonymous_viewing_off_nothing_shows_before_login(app_db: Engine) -> None:
    auth.add_user(app_db, "王书记", "管理", "password-1")
    auth.set_anonymous_viewing(app_db, False)
    at = run("overview")
    assert at.info[0].value == "请先登录。"
    assert not at.get("metric")  # the page stopped before any figure


HOSTILE = "<script>alert(1)</script> **粗体** $x^2$ [点我](javascript:alert(1)) :material/home:"


def test_text_that_looks_like_html_or_markdown_shows_as_typed(app_db: Engine) -> None:
    from tests.conftest import build_workbook

    header = ["编号", "年度", "问题", "整改措施", "责任单位", "整改时限", "状态"]
    data = build_workbook({"整改台账": [header, ["X-1", 2024, HOSTILE, "措施", "<b>单位</b>", "2024-01-31", "整改中"]]})
    assert ledger.import_ledger(app_db, "x.xlsx", data, town=TOWN).status == "stored"
    at = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=30)
    at.query_params.update({"year": "2024"})
    at.run()
    shown = next(e.value for e in at.error if "X-1" in e.value)
    # every markup character of the clerk's text is escaped, so markdown renders it literally
    assert r"\<script\>alert\(1\)\</script\> \*\*粗体\*\* \$x^2\$ \[点我\]\(javascript\:alert\(1\)\)" in shown
    assert r"\<b\>单位\</b\>" in shown
