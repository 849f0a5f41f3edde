"""A demo congress for newcomers: a county congress session with a roll of 60 deputies, staff
accounts and one agenda item of every kind. Loaded on a fresh DATA_DIR unless DEMO=0."""

from __future__ import annotations

import random

from sqlalchemy import select

from server.domain import BodyKind, JsonObject, MeetingId
from server.models import User
from server.passwords import DEMO_ACCOUNTS
from server.runtime import Runtime
from server.usecases import agenda, roll, sign_in, users
from server.writer import Tx, op

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国秀英志强丽华伟明静海燕军红霞勇敏杰娟涛超芳磊洋艳斌波辉鹏亮平刚桂英玉兰文"
GROUPS = ["城关镇代表团", "东山乡代表团", "西河镇代表团", "南岭乡代表团", "北湖镇代表团", "机关代表团"]

#: The demo accounts; their passwords are published (README, start banner): server/passwords.py.
DEMO_PASSWORDS = DEMO_ACCOUNTS


def demo_roll(count: int = 60, seed: int = 20261123) -> list[dict[str, str]]:
    rng = random.Random(seed)
    names: set[str] = set()
    rows: list[dict[str, str]] = []
    while len(rows) < count:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        if name in names:
            continue
        names.add(name)
        index = len(rows) + 1
        rows.append({"code": f"D{index:03d}", "name": name, "group": GROUPS[(index - 1) % len(GROUPS)],
                     "seat": f"{(index - 1) // 10 + 1}排{(index - 1) % 10 + 1}座", "status": "active"})
    return rows


def demo_items(names: list[str]) -> list[JsonObject]:
    return [
        {"kind": "motion", "title": "关于县人民政府工作报告的决议（草案）", "definition": {}},
        {"kind": "election", "title": "选举县人民政府副县长",
         "definition": {"office": "deputy_head", "seats": 2, "candidates": names[:3]}},
        {"kind": "appointment", "title": "人事任免事项",
         "definition": {"mode": "individual", "items": [
             {"nominee": names[3], "post": "县人大常委会办公室主任", "action": "appoint"}]}},
        {"kind": "project_vote", "title": "2027年度县级民生实事项目票决",
         "definition": {"choose": 4, "projects": [
             {"name": "城区学校扩容工程", "cost": "3200万元", "owner": "县教育局"},
             {"name": "农村饮水安全巩固提升", "cost": "1800万元", "owner": "县水利局"},
             {"name": "乡镇卫生院提质改造", "cost": "1500万元", "owner": "县卫健委"},
             {"name": "老旧小区改造", "cost": "2600万元", "owner": "县住建局"},
             {"name": "农村公路安防工程", "cost": "900万元", "owner": "县交通运输局"},
             {"name": "社区养老服务中心", "cost": "1200万元", "owner": "县民政局"}]}},
        {"kind": "satisfaction", "title": "对“一府一委两院”工作报告的满意度测评",
         "definition": {"targets": ["县人民政府工作报告", "县监察委员会工作报告", "县人民法院工作报告",
                                    "县人民检察院工作报告"],
                        "consequences": {"unsatisfied": "限期整改并重新报告"}}},
    ]


def _has_accounts(tx: Tx) -> bool:
    return tx.session.scalar(select(User.id).limit(1)) is not None


def _demo_accounts_and_meeting(tx: Tx) -> MeetingId:
    for username, (display, role, password) in DEMO_PASSWORDS.items():
        users.create_user(tx, username, display, role, password, by="demo")
    return agenda.create_meeting(tx, BodyKind.CONGRESS.value, "某某县第十八届人民代表大会", "第三次会议", by="demo")


async def ensure_demo(rt: Runtime) -> None:
    """Load the demo into a fresh data directory: none with a meeting or an account (one made by
    ``python -m server init`` is a real deployment's)."""
    if rt.live.meetings:
        return
    if await rt.writer.run(_has_accounts):
        return
    rows = demo_roll()

    meeting_id = await rt.writer.run(_demo_accounts_and_meeting)
    await rt.writer.run(op(roll.import_roll, meeting_id, rows, by="demo"))
    for item in demo_items([r["name"] for r in rows]):
        await rt.writer.run(op(agenda.add_item, meeting_id, item, by="demo"))
    key = rt.code_key
    issued = await rt.writer.run(op(sign_in.issue_codes, meeting_id, None, by="demo", code_key=key))
    codes = issued.codes
    lines = ["# 演示会议代表签到码 (demo sign-in codes)", ""]
    lines += [f"{c['member_code']}\t{c['seat']}\t{c['name']}\t{c['code']}" for c in codes]
    lines += ["", "# 工作人员账号 (staff accounts): 用户名 / 密码"]
    lines += [f"{u}\t{role}\t{password}" for u, (_d, role, password) in DEMO_PASSWORDS.items()]
    path = rt.settings.data_dir / "demo-codes.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
