"""Synthetic but realistic townships: the demo county's other townships, and the benchmark's databases.

Each township gets villages, a diligence (how far it keeps to its targets), monthly records on all
five sheets shaped exactly as ingest stores them, targets scaled to its size, and some late
workbooks in the current year. Records are stored one batch per township and month, with their
slices and indicator facts, through the same derivation as an import (`lawdash.facts`); each
township is one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from lawdash import facts, store
from lawdash.catalogue import Catalogue, default_catalogue

SYNTHETIC_USER = "演示数据生成"

_TOWN_HEADS = (
    "城关 王店 柳林 张集 李楼 高庄 杨湖 马店 白塔 丁营 刘集 黄埠 陈桥 孙寨 赵岗 周口 吴营 郑庄 冯楼 褚庙 卫集 蒋湾 "
    "沈丘 韩屯 朱集 秦庄 许营 何桥 吕店 施庄 孔集 曹楼 严店 华阳 金桥 魏庄 陶营 姜店 谢集 邹庄 喻屯 柏林 水寨 窦庄 "
    "章华 云台 苏集 潘店 葛庄 奚楼 范集 彭店 郎庄 鲁台 韦集 昌平 马头 苗庄 凤鸣 花园 方集 俞庄 任店 袁楼 柳河 酆庄 "
    "鲍集 史庄 唐店 费楼 廉集 岑庄 薛店 雷集 贺庄 倪楼 汤店 滕集 殷庄 罗店 毕楼 郝集 邬庄 安店 常楼 乐集 于庄 时店 "
    "傅楼 皮集 卞庄 齐店 康楼 伍集 余庄 元店 顾楼 孟集 平庄 黄店 和楼 穆集 萧庄 尹店 姚楼 邵集 湛庄 汪店 祁楼"
)
_VILLAGE_HEADS = "东 西 南 北 前 后 上 下 大 小 新 老 高 李 王 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 马 郭 何 罗 梁 宋 郑 谢 韩 唐 冯 于 董"
_VILLAGE_TAILS = "庄 营 楼 集 寨 屯 店 岗 湾 桥 堂 园 洼 坡 台"
_TOPICS = ("宪法", "民法典", "行政处罚法", "信访工作条例", "安全生产法", "土地管理法", "未成年人保护法")


@dataclass(frozen=True)
class Township:
    name: str
    villages: tuple[str, ...]
    diligence: float  # 1.0 keeps to plan; 0.6 lags far behind


def township_names(count: int, skip: tuple[str, ...] = ()) -> list[str]:
    """`count` distinct township names (镇 or 乡), none of `skip`."""
    names = [f"{head}{'镇' if i % 3 else '乡'}" for i, head in enumerate(_TOWN_HEADS.split())]
    names = [n for n in names if n not in skip]
    if count > len(names):
        names += [f"{n}二{n[-1]}" for n in names[: count - len(names)]]
    return names[:count]


def villages_for(rng: random.Random, count: int) -> tuple[str, ...]:
    pool = [f"{h}{t}村" for h in _VILLAGE_HEADS.split() for t in _VILLAGE_TAILS.split()]
    return tuple(rng.sample(pool, count))


def townships(count: int, seed: int = 7, skip: tuple[str, ...] = ()) -> list[Township]:
    rng = random.Random(seed)
    return [
        Township(name, villages_for(rng, rng.randint(14, 32)), round(rng.uniform(0.55, 1.15), 2))
        for name in township_names(count, skip)
    ]


def targets_for(t: Township) -> dict[str, float]:
    """A township's targets, scaled to its villages (the demo township's are the model)."""
    n = len(t.villages)
    return {
        "topic_meetings": 4,
        "central_group_study": 12,
        "pre_meeting_study": 24,
        "cadre_trainings": 8,
        "trainees": 20 * n,
        "materials_distributed": 240 * n,
        "villages_reached": n,
        "mediation_success_rate": 90,
        "demo_villages_applied": max(2, n // 2),
        "certified_enforcers": 20 + n // 3,
        "legal_reviews": 12,
    }


def _day(rng: random.Random, year: int, month: int) -> dt.date:
    return dt.date(year, month, rng.randint(1, 28))


def month_rows(
    rng: random.Random, t: Township, year: int, month: int, per_year: int
) -> dict[str, list[tuple[dt.date, dict[str, object]]]]:
    """One month of a township's records, sheet key -> (date, data) rows, about `per_year` / 12 in all.

    The mix follows the demo township: meetings and trainings by plan, publicity and disputes fill the rest.
    """
    d = t.diligence
    keep = lambda p: rng.random() < min(1.0, p * d)
    meetings: list[tuple[dt.date, dict[str, object]]] = []
    if month % 3 == 0 and keep(0.95):
        meetings.append(("专题会议", 0))
    if keep(0.95):
        meetings.append(("中心组学法", 0))
    meetings += [("会前学法", 0)] * sum(keep(0.9) for _ in range(2))
    meeting_rows = [
        (
            day := _day(rng, year, month),
            {
                "date": day.isoformat(),
                "type": kind,
                "topic": f"学习《{rng.choice(_TOPICS)}》",
                "attendees": rng.randint(20, 70),
                "place": "镇政府",
                "village": None,
                "note": None,
            },
        )
        for kind, _ in meetings
    ]
    trainings = [
        (
            day := _day(rng, year, month),
            {
                "date": day.isoformat(),
                "title": f"{rng.choice(_TOPICS)}专题培训",
                "type": rng.choice(("执法能力培训", "依法行政培训", "法治讲座")),
                "trainees": rng.randint(25, 70),
                "organizer": "镇司法所",
                "note": None,
            },
        )
        for _ in range(int(keep(0.7)))
    ]
    rest = max(per_year // 12 - len(meeting_rows) - len(trainings), 2)
    n_pub = max(1, round(rest * 0.45 * d))
    publicity = []
    for _ in range(n_pub):
        day = _day(rng, year, month)
        roll = rng.random()
        village: object = None if roll < 0.15 else rng.sample(t.villages, 2) if roll > 0.95 else rng.choice(t.villages)
        place = store.village_label(village) or "镇政府"
        materials = max(10, round(rng.uniform(0.5, 1.5) * 20 * len(t.villages) / n_pub * d, -1))
        publicity.append(
            (
                day,
                {
                    "date": day.isoformat(),
                    "title": f"{rng.choice(_TOPICS)}宣传",
                    "front": "乡村" if village else "机关",
                    "place": place,
                    "village": village,
                    "materials": materials,
                    "audience": materials // 2,
                    "campaign": rng.choice(("宪法进万家", "八五普法", "民法典宣传")),
                    "note": None,
                },
            )
        )
    disputes = []
    for _ in range(max(1, rest - n_pub)):
        day = _day(rng, year, month)
        roll = rng.random()
        result = "调解成功" if roll < 0.78 + 0.12 * d else "调解中" if roll > 0.97 else "调解未成"
        disputes.append(
            (
                day,
                {
                    "date": day.isoformat(),
                    "village": rng.choice(t.villages),
                    "type": rng.choice(("土地征收", "婚姻家庭", "赡养", "邻里", "劳务务工", "其他")),
                    "result": result,
                    "closed": None if result == "调解中" else (day + dt.timedelta(days=rng.randint(1, 20))).isoformat(),
                    "mediator": "村调委会",
                    "note": None,
                },
            )
        )
    other = []
    if keep(0.9):
        other.append(("legal_reviews", 1))
    if month in (5, 11) and keep(0.9):
        other.append(("demo_villages_applied", max(1, round(len(t.villages) / 4 * d))))
    if month == 3:
        other.append(("certified_enforcers", round((20 + len(t.villages) // 3) * min(1.0, d + 0.1))))
    other_rows = [
        (
            day := _day(rng, year, month),
            {"date": day.isoformat(), "indicator": ind, "quantity": q, "note": None},
        )
        for ind, q in other
    ]
    return {
        "meetings": meeting_rows,
        "trainings": trainings,
        "publicity": publicity,
        "disputes": disputes,
        "other": other_rows,
    }


def late_sheets(rng: random.Random, t: Township, year: int, month: int, last: tuple[int, int]) -> set[str]:
    """Sheets of a month not reported yet: in the last two months, more often for lagging townships."""
    lag = 1.0 - t.diligence
    everything = {"meetings", "trainings", "publicity", "disputes", "other"}
    if (year, month) == last and rng.random() < 0.2 + lag:
        return everything
    before = (last[0], last[1] - 1) if last[1] > 1 else (last[0] - 1, 12)
    if (year, month) == before:
        return everything if rng.random() < lag / 2 else {s for s in ("publicity", "disputes") if rng.random() < lag}
    return set()


def months(first: tuple[int, int], last: tuple[int, int]) -> Iterator[tuple[int, int]]:
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def store_township(
    engine: Engine,
    t: Township,
    first: tuple[int, int],
    last: tuple[int, int],
    per_year: int,
    seed: int,
    cat: Catalogue | None = None,
    with_targets: bool = True,
) -> int:
    """Create the township with its villages and store its months, one batch each; returns the records stored."""
    cat = cat or default_catalogue()
    rng = random.Random(f"{seed}-{t.name}")
    stored = 0
    with store.writing(engine) as s:
        facts.sync(s, cat)
        town = s.scalar(select(store.Town).where(store.Town.name == t.name))
        if town is None:
            town = store.Town(name=t.name)
            s.add(town)
            s.flush()
            s.add_all(store.Village(town_id=town.id, name=v, position=i) for i, v in enumerate(t.villages))
        tid = town.id
        for year, month in months(first, last):
            rows = month_rows(rng, t, year, month, per_year)
            late = late_sheets(rng, t, year, month, last)
            writes = [(k, v) for k, v in rows.items() if v and k not in late]
            if not writes:
                continue
            counts = {cat.sheet(k).name: len(v) for k, v in writes}
            batch_id = store.new_batch(s, tid, f"{year}-{month:02d}", counts, [], SYNTHETIC_USER)
            stored += _store_month(s, cat, batch_id, tid, year, month, writes)
        if with_targets:
            years = {y for y, _ in months(first, last)}
            s.execute(
                insert(store.Target),
                [
                    {"town_id": tid, "year": y, "indicator": k, "value": float(v), "pace": None}
                    for y in sorted(years)
                    for k, v in targets_for(t).items()
                ],
            )
        store.bump_version(s)
    return stored


def _store_month(
    s: Session,
    cat: Catalogue,
    batch_id: int,
    tid: int,
    year: int,
    month: int,
    writes: list[tuple[str, list[tuple[dt.date, dict[str, object]]]]],
) -> int:
    slices = [store.SliceWrite("", year, month, sheet) for sheet, _ in writes]
    for w, (_, rows) in zip(slices, writes, strict=True):
        w.rows = [
            {
                "data": data,
                "_date": day,
                "_village": store.village_label(data.get("village")),
                "_file": f"{year}年{month}月台账（生成）.xlsx",
                "_row": n,
            }
            for n, (day, data) in enumerate(rows, start=3)
        ]
        w.content = store.content_hash([d for _, d in rows])
    slice_ids = s.scalars(
        insert(store.Slice).returning(store.Slice.id, sort_by_parameter_order=True),
        [
            {"batch_id": batch_id, "town_id": tid, "year": year, "month": month, "sheet": w.sheet,
             "content_hash": w.content, "row_count": len(w.rows), "replaces_id": None, "active": True}
            for w in slices
        ],
    ).all()  # fmt: skip
    pairs = list(zip(slice_ids, slices, strict=True))
    s.execute(insert(store.Record), [r for sid, w in pairs for r in store.record_rows(sid, tid, w)])
    if derived := [f for sid, w in pairs for f in facts.slice_facts(cat, sid, tid, w)]:
        s.execute(insert(store.Fact), derived)
    return sum(len(w.rows) for w in slices)
