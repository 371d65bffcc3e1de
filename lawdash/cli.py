"""The command line: `python -m lawdash [--db URL] COMMAND ...` (contract in shared/CLI.md).

Exit codes: 0 done (stored, unchanged, checked), 1 rejected or refused with a Chinese message,
2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import Engine

from lawdash import auth, store
from lawdash.errors import LawdashError, Refused, WorkbookRejected
from lawdash.importer import ImportResult, import_workbooks
from lawdash.progress import STATUS_LABELS, default_as_of, progress_for_year

if TYPE_CHECKING:
    from lawdash.ledger import LedgerImportResult

# argparse speaks English; users read Chinese.
_USAGE_MESSAGES = [
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"参数 \1 的值无效：\3"),
    (r"argument (\S+): expected one argument", r"参数 \1 需要一个值"),
    (r"argument (\S+): invalid choice: (.*)", r"参数 \1 的取值无效：\2"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
]


_ARGPARSE_WORDS = {
    "usage: ": "用法：",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}
argparse._ = lambda text: _ARGPARSE_WORDS.get(text, text)  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        for pattern, repl in _USAGE_MESSAGES:
            message = re.sub(pattern, repl, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"用法错误：{message}\n")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from None


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _report_import(result: ImportResult | LedgerImportResult, as_json: bool) -> int:
    """An import's outcome (monthly workbooks or the ledger): JSON, or its summary and every problem; 1 if rejected."""
    if as_json:
        _print_json(result.to_json())
    else:
        print(result.summary())
        for p in result.errors:
            print(f"  错误 {p.file} {p.text()}")
        for p in result.warnings:
            print(f"  提示 {p.file} {p.text()}")
    return 1 if result.status == "rejected" else 0


# ------------------------------------------------------------------ commands


def cmd_init(engine: Engine, args: argparse.Namespace) -> int:
    store.seed_reference(engine)
    if args.demo:
        from lawdash.demo import COUNTY_SIZE, DEMO_TOWN, load_demo

        results = load_demo(engine)
        stored = sum(r.status == "stored" for r in results)
        print(
            f"已载入演示数据：{DEMO_TOWN}的月度台账 {stored} 个批次新导入，{len(results) - stored} 个批次未变；"
            f"另有 {COUNTY_SIZE - 1} 个生成的乡镇，供“全县概览”演示。"
        )
    towns = store.towns(engine)
    print(f"数据库已就绪：{engine.url.render_as_string(hide_password=True)}")
    for name, villages in towns.items():
        print(f"  {name}：{len(villages)} 个村")
    if not auth.has_users(engine):
        print("尚未设置用户：看板以单机模式运行，打开它的任何人都能修改数据。")
        print("添加第一位管理员：python -m lawdash user add 姓名 --role 管理")
    return 0


def _password(confirm: bool = True) -> str:
    """Asked twice at a terminal; one line from standard input for scripts."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if confirm and getpass.getpass("再次输入密码：") != first:
        raise Refused("两次输入的密码不一致")
    return first


def cmd_user(engine: Engine, args: argparse.Namespace) -> int:
    if args.user_cmd == "list":
        users = auth.list_users(engine)
        if args.json:
            _print_json(users)
        elif not users:
            print("尚未设置用户（单机模式）。")
        for u in users if not args.json else []:
            print(f"{u['name']}  {u['role_label']}  创建于 {u['created_at']}")
        return 0
    if args.user_cmd == "add":
        auth.add_user(engine, args.name, args.role, _password())
        print(f"已添加用户“{args.name}”（{auth.ROLES[auth.role_of(args.role)]}）。")
    elif args.user_cmd == "passwd":
        auth.set_password(engine, args.name, _password())
        print(f"已修改用户“{args.name}”的密码。")
    elif args.user_cmd == "role":
        auth.set_role(engine, args.name, args.role)
        print(f"已将用户“{args.name}”的角色改为“{auth.ROLES[auth.role_of(args.role)]}”。")
    else:
        auth.remove_user(engine, args.name)
        print(f"已删除用户“{args.name}”。")
    return 0


def cmd_audit(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.audit import ACTION_LABELS, entries

    rows = entries(engine, action=args.action, who=args.who, since=args.since, until=args.until)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        mark = "" if r["ok"] else "（失败）"
        print(f"{r['time']}  {r['who']}  {ACTION_LABELS.get(str(r['action']), r['action'])}{mark}  {r['target']}")
    return 0


def cmd_backup(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.backup import backup

    size = backup(engine, Path(args.output))
    print(f"已备份到 {args.output}（{size / 1024 / 1024:.1f} MB）")
    return 0


def cmd_restore(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.backup import restore

    if not args.yes:
        raise Refused("恢复会用备份文件覆盖当前数据库的全部数据；确认无误请加 --yes")
    restore(engine, Path(args.file))
    print(f"已从 {args.file} 恢复数据库。")
    return 0


def cmd_settings(engine: Engine, args: argparse.Namespace) -> int:
    if args.anonymous is not None:
        auth.set_anonymous_viewing(engine, args.anonymous == "on")
    print(f"未登录访问（只读）：{'允许' if auth.anonymous_viewing(engine) else '不允许'}")
    return 0


def cmd_template(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.template import make_template

    town = store.resolve_town(engine, args.town)
    data = make_template(town, store.towns(engine)[town], args.year, args.month)
    Path(args.output).write_bytes(data)
    print(f"已生成 {args.year}年{args.month}月台账模板：{args.output}")
    return 0


def cmd_import(engine: Engine, args: argparse.Namespace) -> int:
    if (args.year is None) != (args.month is None) and args.month is not None:
        raise Refused("指定 --month 时也须指定 --year")
    inputs = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise Refused(f"文件不存在：{name}")
        inputs.append((path.name, path.read_bytes()))
    result = import_workbooks(engine, inputs, town=args.town, year=args.year, month=args.month, dry_run=args.dry_run)
    return _report_import(result, args.json)


def cmd_batches(engine: Engine, args: argparse.Namespace) -> int:
    batches = store.list_batches(engine)
    if args.json:
        _print_json([b.to_json() for b in batches])
        return 0
    if not batches:
        print("尚无导入记录。")
    for b in batches:
        rows = "，".join(f"{k} {v}" for k, v in b.rows.items() if v) or "无"
        state = "已撤销" if b.status == "undone" else "有效"
        files = "、".join(str(f["name"]) for f in b.files)
        print(f"批次 {b.id}  {b.created_at:%Y-%m-%d %H:%M}  {b.town} {b.period}  {state}  行数：{rows}  文件：{files}")
    return 0


def cmd_undo(engine: Engine, args: argparse.Namespace) -> int:
    batch = store.undo_batch(engine, args.batch_id)
    print(f"已撤销批次 {batch.id}（{batch.town} {batch.period}），其数据已移除，被替换的数据已恢复。")
    return 0


def cmd_progress(engine: Engine, args: argparse.Namespace) -> int:
    town = store.resolve_town(engine, args.town)
    as_of = args.as_of or default_as_of(engine, town, args.year)
    rows = progress_for_year(engine, town, args.year, as_of)
    if args.json:
        _print_json([r.to_json() for r in rows])
        return 0
    print(f"{town} {args.year}年 指标进度（数据截至 {as_of:%Y-%m-%d}）")
    for r in rows:
        j = r.to_json()
        target = "—" if j["target"] is None else j["target"]
        pct = "—" if r.percent is None else f"{r.percent:.1f}%"
        actual = "—" if j["actual"] is None else j["actual"]
        print(f"  {r.name}：{actual}/{target} {r.unit}  完成率 {pct}  {STATUS_LABELS[r.status]}")
    return 0


def cmd_export(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.export import export_year

    town = store.resolve_town(engine, args.town)
    Path(args.output).write_bytes(export_year(engine, town, args.year, args.as_of))
    print(f"已导出 {town} {args.year}年数据：{args.output}")
    return 0


def cmd_report(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.reports import annual_report

    town = store.resolve_town(engine, args.town)
    Path(args.output).write_bytes(annual_report(engine, town, args.year, args.as_of))
    print(f"已生成 {town} {args.year}年度法治政府建设情况报告（草稿）：{args.output}")
    return 0


def cmd_briefing(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.briefing import briefing
    from lawdash.catalogue import default_catalogue

    town = store.resolve_town(engine, args.town)
    chosen = None
    if args.indicators:
        chosen = [x.strip() for x in args.indicators.split(",") if x.strip()]
        known = {i.id for i in default_catalogue().indicators}
        if unknown := [x for x in chosen if x not in known]:
            raise Refused(f"未知的指标：{'、'.join(unknown)}（可选：{'、'.join(sorted(known))}）")
    Path(args.output).write_bytes(briefing(engine, town, args.year, args.as_of, chosen))
    print(f"已生成 {town} {args.year}年汇报幻灯片：{args.output}")
    return 0


def cmd_targets(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash.catalogue import default_catalogue
    from lawdash.targets import copy_targets, get_targets, read_targets_workbook, set_targets

    town = store.resolve_town(engine, args.town)
    if args.targets_cmd == "load":
        path = Path(args.file)
        values = read_targets_workbook(path.name, path.read_bytes())
        set_targets(engine, town, args.year, values)  # type: ignore[arg-type]
        print(f"已载入 {town} {args.year}年目标 {len(values)} 项")
    elif args.targets_cmd == "copy":
        n = copy_targets(engine, town, args.from_year, args.to_year)
        print(f"已将 {args.from_year}年目标 {n} 项复制到 {args.to_year}年")
    else:
        targets = get_targets(engine, town, args.year)
        cat = default_catalogue()
        rows = [
            {"id": i.id, "name": i.name, "unit": i.unit, "target": targets[i.id].value if i.id in targets else None}
            for i in cat.indicators
        ]
        if args.json:
            _print_json(rows)
        else:
            for r in rows:
                print(f"  {r['name']}：{'未设' if r['target'] is None else r['target']} {r['unit']}")
    return 0


def cmd_rectify(engine: Engine, args: argparse.Namespace) -> int:
    from lawdash import ledger

    if args.rectify_cmd == "import":
        path = Path(args.file)
        if not path.is_file():
            raise Refused(f"文件不存在：{args.file}")
        result = ledger.import_ledger(engine, path.name, path.read_bytes(), town=args.town, who="命令行")
        return _report_import(result, args.json)
    if args.rectify_cmd == "list":
        town = store.resolve_town(engine, args.town) if args.town else None
        items = ledger.list_entries(engine, town, args.year, args.as_of, overdue_only=args.overdue)
        if args.json:
            _print_json([i.to_json() for i in items])
            return 0
        if not items:
            print("没有符合条件的整改事项。")
        for i in items:
            due = f"逾期 {i.days_overdue} 天" if i.overdue else ("即将到期" if i.due_soon else "")
            print(f"{i.code}  {i.year}年  {i.status_label}  时限 {i.deadline:%Y-%m-%d} {due}  {i.unit}  {i.problem}")
        return 0
    if args.rectify_cmd == "template":
        Path(args.output).write_bytes(ledger.ledger_template(store.resolve_town(engine, args.town)))
        print(f"已生成空白整改台账：{args.output}")
        return 0
    item = ledger.set_status(
        engine, args.id, args.status, args.note, who=args.who, town=args.town, progress=args.progress
    )
    print(f"已将“{item.code}”改为“{item.status_label}”。")
    return 0


# ------------------------------------------------------------------ parser


def _year_view(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every command about one township's year takes: --year, --as-of, --town."""
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--as-of", type=_date, help="截至日期 YYYY-MM-DD")
    p.add_argument("--town")
    return p


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m lawdash", description="乡镇法治政府建设工作台账与指标看板（命令行）")
    p.add_argument(
        "--db", help="数据库：SQLAlchemy URL 或 SQLite 文件路径（默认 data/lawdash.db，或环境变量 LAWDASH_DB）"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("init", help="建库并写入基础数据（--demo 同时载入演示数据）")
    s.add_argument("--demo", action="store_true", help="载入演示乡镇的台账、目标")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("template", help="生成空白月度台账模板")
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--month", type=int, required=True, choices=range(1, 13), metavar="M")
    s.add_argument("--town")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("import", help="检查并导入月度台账（全部文件作为一个批次）")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--town")
    s.add_argument("--year", type=int)
    s.add_argument("--month", type=int, choices=range(1, 13), metavar="M")
    s.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("batches", help="导入记录")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_batches)

    s = sub.add_parser("undo", help="撤销一个批次")
    s.add_argument("batch_id", type=int, metavar="BATCH_ID")
    s.set_defaults(func=cmd_undo)

    s = _year_view(sub.add_parser("progress", help="各指标完成情况"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_progress)

    s = _year_view(sub.add_parser("export", help="导出全年台账与指标进度（.xlsx）"))
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_export)

    s = _year_view(sub.add_parser("report", help="生成年度法治政府建设情况报告草稿（.docx）"))
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_report)

    s = _year_view(sub.add_parser("briefing", help="生成汇报幻灯片（.pptx，16:9）"))
    s.add_argument("--indicators", help="要放图表的指标编号，逗号分隔（默认：所有设了目标的指标）")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_briefing)

    s = sub.add_parser("targets", help="年度目标：查看、从工作簿载入、复制上年")
    tsub = s.add_subparsers(dest="targets_cmd", required=True, parser_class=_Parser)
    t = tsub.add_parser("show", help="查看某年目标")
    t.add_argument("--year", type=int, required=True)
    t.add_argument("--json", action="store_true")
    t = tsub.add_parser("load", help="从工作簿（“年度目标”表：指标、目标值）载入")
    t.add_argument("file", metavar="FILE")
    t.add_argument("--year", type=int, required=True)
    t = tsub.add_parser("copy", help="复制某年目标到另一年")
    t.add_argument("--from", dest="from_year", type=int, required=True)
    t.add_argument("--to", dest="to_year", type=int, required=True)
    for t in tsub.choices.values():
        t.add_argument("--town")
    s.set_defaults(func=cmd_targets)

    s = sub.add_parser("user", help="用户：添加、列出、改密码、改角色、删除")
    usub = s.add_subparsers(dest="user_cmd", required=True, parser_class=_Parser)
    u = usub.add_parser("add", help="添加用户（密码在终端输入两次，或从标准输入读一行）")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--role", required=True, help="查看 / 填报 / 管理（或 viewer / editor / admin）")
    u = usub.add_parser("list", help="列出用户")
    u.add_argument("--json", action="store_true")
    u = usub.add_parser("passwd", help="修改密码")
    u.add_argument("name", metavar="NAME")
    u = usub.add_parser("role", help="修改角色")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--role", required=True)
    u = usub.add_parser("remove", help="删除用户")
    u.add_argument("name", metavar="NAME")
    s.set_defaults(func=cmd_user)

    s = sub.add_parser("audit", help="操作日志")
    s.add_argument("--action", help="login / import / undo / targets / ledger / user / settings / backup / restore")
    s.add_argument("--who")
    s.add_argument("--since", type=_date)
    s.add_argument("--until", type=_date)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_audit)

    s = sub.add_parser("backup", help="在线备份 SQLite 数据库")
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="用备份文件恢复数据库（覆盖当前数据）")
    s.add_argument("file", metavar="FILE")
    s.add_argument("--yes", action="store_true", help="确认覆盖")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("settings", help="系统设置")
    s.add_argument("--anonymous", choices=["on", "off"], help="是否允许未登录者只读访问")
    s.set_defaults(func=cmd_settings)

    sub.add_parser("bench", help="性能基准（在临时目录生成数据库并计时；python -m lawdash bench --help）")
    s = sub.add_parser("rectify", help="整改台账：导入、查看、改状态")
    rsub = s.add_subparsers(dest="rectify_cmd", required=True, parser_class=_Parser)
    r = rsub.add_parser("import", help="导入整改台账工作簿（按编号更新，不重复）")
    r.add_argument("file", metavar="FILE")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("list", help="整改事项，逾期的排在最前")
    r.add_argument("--year", type=int)
    r.add_argument("--overdue", action="store_true", help="只列逾期事项")
    r.add_argument("--as-of", type=_date, help="按此日期判断逾期（默认今天）")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("set", help="改变整改事项的状态")
    r.add_argument("id", metavar="ID", help="编号")
    r.add_argument("--status", required=True, help="未启动 / 整改中 / 已完成 / 已销号")
    r.add_argument("--note", required=True, help="说明或理由")
    r.add_argument("--progress", help="同时更新进展")
    r.add_argument("--who", default="命令行", help="操作人")
    r = rsub.add_parser("template", help="生成空白整改台账（带下拉列表）")
    r.add_argument("-o", "--output", required=True)
    for r in rsub.choices.values():
        r.add_argument("--town")
    s.set_defaults(func=cmd_rectify)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # builds its own databases: no --db
        from lawdash import bench

        return bench.main(argv[1:])
    args = build_parser().parse_args(argv)
    func: Callable[[Engine, argparse.Namespace], int] = args.func
    try:
        with auth.acting_as(auth.SYSTEM):  # whoever runs this holds the database file already
            return func(store.get_engine(args.db), args)
    except WorkbookRejected as exc:
        print(str(exc), file=sys.stderr)
        for p in exc.problems:
            print(f"  错误 {p.file} {p.text()}", file=sys.stderr)
        return 1
    except LawdashError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head`: the reader has gone, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
