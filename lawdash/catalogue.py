"""The catalogue: sheets, columns, value lists, indicators and towns, read from data/catalogue.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lawdash.cells import normalize_header, normalize_text
from lawdash.errors import CatalogueError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOGUE_PATH = DATA_DIR / "catalogue.toml"

KINDS = {"date", "text", "count", "choice", "village", "place", "indicator"}
AGGREGATIONS = {"count", "sum", "distinct", "rate"}
DIRECTIONS = {"up", "floor", "none"}


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    kind: str
    required: bool = False
    variants: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    open: bool = False
    private: bool = False  # may name private persons: shown to 填报 users only

    def header_keys(self) -> set[str]:
        """Normalized header texts that name this column."""
        return {normalize_header(n) for n in (self.name, *self.variants)}


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    short: str
    unit: str
    sheet: str
    aggregation: str
    direction: str
    value: str | None = None
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numerator: dict[str, tuple[str, ...]] = field(default_factory=dict)
    denominator: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pace: tuple[float, ...] | None = None
    by_village: bool = False
    report: dict[str, object] = field(default_factory=dict)  # group, sentence, breakdown (annual report)

    @property
    def has_target(self) -> bool:
        return self.direction != "none"


@dataclass(frozen=True)
class Town:
    name: str
    villages: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    """One allowed change of a ledger entry's status; `note` says a reason is required."""

    source: str
    target: str
    action: str
    note: bool = False


@dataclass(frozen=True)
class LedgerSpec:
    """The rectification ledger: its sheet, statuses and workflow."""

    sheet: Sheet
    statuses: tuple[str, ...]
    status_labels: dict[str, str]
    finished: tuple[str, ...]
    due_soon_days: int
    transitions: tuple[Transition, ...]

    def label(self, status: str) -> str:
        """How a status is shown: 已完成 reads 已完成（待验收）."""
        return self.status_labels.get(status, status)

    def transition(self, source: str, target: str) -> Transition | None:
        for t in self.transitions:
            if (t.source, t.target) == (source, target):
                return t
        return None

    def allowed(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == source]


@dataclass(frozen=True)
class Catalogue:
    sheets: tuple[Sheet, ...]
    indicators: tuple[Indicator, ...]
    towns: tuple[Town, ...]
    far_behind_ratio: float
    skip_row_markers: tuple[str, ...]
    helper_sheets: tuple[str, ...]
    ledger: LedgerSpec
    report_groups: tuple[str, ...] = ()

    def sheet(self, key: str) -> Sheet:
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(key)

    def sheet_by_name(self, name: str) -> Sheet | None:
        """The sheet a workbook tab name means: its name or an alias, else one contained in it."""
        norm = normalize_header(name)
        for s in self.sheets:
            if norm in {normalize_header(n) for n in (s.name, *s.aliases)}:
                return s
        hits = [
            (len(n), s)
            for s in self.sheets
            for n in (s.name, *s.aliases)
            if len(normalize_header(n)) >= 2 and normalize_header(n) in norm
        ]
        return max(hits, key=lambda h: h[0])[1] if hits else None

    def indicator(self, ident: str) -> Indicator:
        for i in self.indicators:
            if i.id == ident:
                return i
        raise KeyError(ident)

    def home_town(self, known: Iterable[str]) -> str | None:
        """The township meant when none is named: the only one in the database, else this installation's
        own (the catalogue's single township; the database may also hold others, as the demo county does)."""
        known = list(known)
        if len(known) == 1:
            return known[0]
        if len(self.towns) == 1 and self.towns[0].name in known:
            return self.towns[0].name
        return None

    def indicator_by_label(self, label: str) -> Indicator | None:
        """An indicator named by its id, full name or short name (as clerks write it)."""
        norm = normalize_text(label)
        for i in self.indicators:
            if norm in (i.id, normalize_text(i.name), normalize_text(i.short)):
                return i
        return None


def _tuple_map(raw: dict[str, object] | None) -> dict[str, tuple[str, ...]]:
    if not raw:
        return {}
    return {k: tuple(v) if isinstance(v, list) else (str(v),) for k, v in raw.items()}


def _columns(raw: list[dict]) -> tuple[Column, ...]:
    return tuple(
        Column(
            key=c["key"],
            name=c["name"],
            kind=c["kind"],
            required=bool(c.get("required", False)),
            variants=tuple(c.get("variants", ())),
            choices=tuple(c.get("choices", ())),
            aliases=dict(c.get("aliases", {})),
            open=bool(c.get("open", False)),
            private=bool(c.get("private", False)),
        )
        for c in raw
    )


LEDGER_KEYS = {"sheet", "aliases", "statuses", "status_labels", "finished", "due_soon_days", "columns", "transitions"}


def _ledger(raw: dict) -> LedgerSpec:
    if unknown := set(raw) - LEDGER_KEYS:  # a misplaced line lands here silently otherwise
        raise CatalogueError(f"指标目录 [ledger] 中有未知的设置：{'、'.join(sorted(unknown))}")
    return LedgerSpec(
        sheet=Sheet("ledger", raw["sheet"], tuple(raw.get("aliases", ())), _columns(raw["columns"])),
        statuses=tuple(raw["statuses"]),
        status_labels=dict(raw.get("status_labels", {})),
        finished=tuple(raw["finished"]),
        due_soon_days=int(raw.get("due_soon_days", 15)),
        transitions=tuple(
            Transition(t["from"], t["to"], t["action"], bool(t.get("note", False))) for t in raw["transitions"]
        ),
    )


def parse_catalogue(raw: dict) -> Catalogue:
    """Build and check a Catalogue from the TOML structure."""
    try:
        sheets = tuple(
            Sheet(key=s["key"], name=s["name"], aliases=tuple(s.get("aliases", ())), columns=_columns(s["columns"]))
            for s in raw["sheets"]
        )
        indicators = tuple(
            Indicator(
                id=i["id"],
                name=i["name"],
                short=i.get("short", i["name"]),
                unit=i["unit"],
                sheet=i["sheet"],
                aggregation=i["aggregation"],
                direction=i.get("direction", "up"),
                value=i.get("value"),
                filter=_tuple_map(i.get("filter")),
                numerator=_tuple_map(i.get("numerator")),
                denominator=_tuple_map(i.get("denominator")),
                pace=tuple(float(x) for x in i["pace"]) if "pace" in i else None,
                by_village=bool(i.get("by_village", False)),
                report=dict(i.get("report", {})),
            )
            for i in raw["indicators"]
        )
        towns = tuple(Town(t["name"], tuple(t["villages"])) for t in raw.get("towns", ()))
        settings = raw.get("settings", {})
        cat = Catalogue(
            sheets=sheets,
            indicators=indicators,
            towns=towns,
            far_behind_ratio=float(settings.get("far_behind_ratio", 0.7)),
            skip_row_markers=tuple(settings.get("skip_row_markers", ("合计",))),
            helper_sheets=tuple(settings.get("helper_sheets", ())),
            ledger=_ledger(raw["ledger"]),
            report_groups=tuple(raw.get("report", {}).get("part2_groups", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"指标目录格式错误：缺少或无效的字段 {exc}") from exc
    _check(cat)
    return cat


def _check(cat: Catalogue) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    for s in cat.sheets:
        keys = [c.key for c in s.columns]
        if "date" not in keys or not s.column("date").required:
            problems.append(f'工作表“{s.name}”必须有必填的日期列（key = "date"）')
        for c in s.columns:
            if c.kind not in KINDS:
                problems.append(f"工作表“{s.name}”的列“{c.name}”类型“{c.kind}”未知")
            if c.kind == "choice" and not c.choices:
                problems.append(f"工作表“{s.name}”的列“{c.name}”缺少可选值")
    sheet_keys = {s.key for s in cat.sheets}
    for i in cat.indicators:
        if i.id in seen:
            problems.append(f"指标编号“{i.id}”重复")
        seen.add(i.id)
        if i.sheet not in sheet_keys:
            problems.append(f"指标“{i.name}”的来源表“{i.sheet}”不存在")
            continue
        fields = {c.key for c in cat.sheet(i.sheet).columns} | {"village"}
        if i.aggregation not in AGGREGATIONS:
            problems.append(f"指标“{i.name}”的统计方式“{i.aggregation}”未知")
        if i.direction not in DIRECTIONS:
            problems.append(f"指标“{i.name}”的方向“{i.direction}”未知")
        if i.aggregation in ("sum", "distinct") and i.value not in fields:
            problems.append(f"指标“{i.name}”的统计列“{i.value}”不在来源表中")
        if i.aggregation == "rate" and not (i.numerator and i.denominator):
            problems.append(f"指标“{i.name}”按比率统计，需要 numerator 和 denominator")
        for cond in (i.filter, i.numerator, i.denominator):
            for k in cond:
                if k not in fields:
                    problems.append(f"指标“{i.name}”的筛选列“{k}”不在来源表中")
        if i.pace is not None and (
            len(i.pace) != 12 or any(b < a for a, b in zip(i.pace, i.pace[1:], strict=False)) or i.pace[-1] != 1
        ):
            problems.append(f"指标“{i.name}”的进度计划应为 12 个递增的累计比例，且最后一个为 1")
    led = cat.ledger
    for t in led.transitions:
        if t.source not in led.statuses or t.target not in led.statuses:
            problems.append(f"整改台账的状态流转“{t.source}→{t.target}”含未知状态")
    if any(f not in led.statuses for f in led.finished):
        problems.append("整改台账的 finished 含未知状态")
    if problems:
        raise CatalogueError("指标目录有误：" + "；".join(problems))


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read the catalogue file (default data/catalogue.toml)."""
    path = path or CATALOGUE_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"无法读取指标目录 {path.name}：{exc}") from exc
    return parse_catalogue(raw)


@cache
def default_catalogue() -> Catalogue:
    return load_catalogue()
