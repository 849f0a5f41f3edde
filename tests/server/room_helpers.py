"""A meeting of its own for the room's features (issue 16): a small roll with seats — a grid of
「N排M座」, one seat outside the grid and one deputy without a seat — and a meeting setting of the
test's choosing (``publish_step``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from tests.server.session_helpers import login, ok

#: (code, name, seat): two rows of three, a seat on the 主席台 outside the grid, one without a seat.
ROLL: tuple[tuple[str, str, str], ...] = (
    ("R01", "赵一", "1排1座"), ("R02", "钱二", "1排2座"), ("R03", "孙三", "1排3座"),
    ("R04", "李四", "2排1座"), ("R05", "周五", "2排2座"), ("R06", "吴六", "2排3座"),
    ("R07", "郑七", "主席台"), ("R08", "王八", ""),
)


@dataclass
class Room:
    url: str
    meeting_id: int
    codes: dict[str, str]  # member code -> sign-in code
    members: dict[str, int]  # member code -> member id
    items: dict[str, int]  # "named" / "secret" -> item id

    def client(self, username: str) -> httpx.Client:
        """A fresh login: accounts follow the newest meeting."""
        return login(self.url, username)

    def check_in(self, *members: str) -> None:
        """Staff checks these deputies in (each with a reason)."""
        staff = self.client("staff")
        for member in members:
            ok(staff.post(f"/api/meetings/{self.meeting_id}/checkin",
                          json={"member_id": self.members[member], "reason": "终端故障，代表本人在场"}))
        staff.close()

    def cast(self, vote_id: str, ballots: dict[str, dict[str, Any]]) -> None:
        """Each deputy's ballot over HTTP (``POST /api/ballots``), signed in with their code."""
        for member, ballot in ballots.items():
            with httpx.Client(base_url=self.url, timeout=60) as client:
                token = ok(client.post("/api/deputy/login", json={"code": self.codes[member]}))["token"]
                ok(client.post("/api/ballots", headers={"Authorization": f"Bearer {token}"}, json={
                    "vote_id": vote_id, "ballot_id": secrets.token_hex(16), "ballot": ballot,
                    "cast_token": secrets.token_hex(16)}))


def make_room(url: str, *, publish_step: bool, seats: bool = True) -> Room:
    """The meeting and its roll; ``seats=False``: the same deputies, a roll with no seat column."""
    staff = login(url, "staff")
    settings: dict[str, Any] = {"publish_step": True} if publish_step else {}
    meeting_id = ok(staff.post("/api/meetings", json={
        "body_kind": "standing_committee", "body_name": "某县人大常委会（座位图测试）", "title": "第九次会议",
        "settings": settings}))["id"]
    staff = login(url, "staff")  # now following the new meeting
    roll = ("编号,姓名,座位\n" + "".join(f"{code},{name},{seat}\n" for code, name, seat in ROLL) if seats
            else "编号,姓名\n" + "".join(f"{code},{name}\n" for code, name, _ in ROLL))
    ok(staff.post(f"/api/meetings/{meeting_id}/roll/import", files={"file": ("名册.csv", roll.encode())}))
    items = {
        "named": ok(staff.post(f"/api/meetings/{meeting_id}/items", json={
            "kind": "motion", "title": "关于任命的决定（记名表决）", "secret": False}))["id"],
        "secret": ok(staff.post(f"/api/meetings/{meeting_id}/items", json={
            "kind": "motion", "title": "关于某事项的决议（无记名表决）"}))["id"],
    }
    issued = ok(staff.post(f"/api/meetings/{meeting_id}/codes", json={"reason": "座位图测试"}))
    roll_view = ok(staff.get(f"/api/meetings/{meeting_id}/roll"))
    members = {m["code"]: m["id"] for m in roll_view["members"]}
    code_of = {m["id"]: m["code"] for m in roll_view["members"]}
    staff.close()
    return Room(url, meeting_id, {code_of[c["member_id"]]: c["code"] for c in issued}, members, items)
