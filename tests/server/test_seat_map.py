"""Issue 16 item 3: the seat map (座位图) from the roll's seats — the check-in map for the chair and
staff, a closed named vote's 赞成/反对/弃权/未按 by seat for the hall, and never anything of the kind
for a secret vote (the server refuses before reading a ballot, and no public answer carries one)."""

from __future__ import annotations

import httpx
import pytest

from server.seatmap import layout, seat_position
from tests.conftest import RunningServer
from tests.server.room_helpers import make_room
from tests.server.session_helpers import ok, refused


@pytest.mark.parametrize(("seat", "place"), [
    ("3排12座", (3, 12)), ("第3排第12座", (3, 12)), ("3排12号", (3, 12)), ("3排12", (3, 12)), ("3行12列", (3, 12)),
    ("3-12", (3, 12)), ("03－012", (3, 12)), ("主席台", None), ("A区5", None), ("", None), ("0排1座", None),
    ("3排999座", None), ("12", None),
])
def test_a_seat_is_placed_by_its_row_and_number_or_not_at_all(seat: str, place: tuple[int, int] | None) -> None:
    assert seat_position(seat) == place


def test_the_layout_lists_labels_apart_and_unseated_members_last() -> None:
    laid = layout([{"id": 1, "seat": "2排3座"}, {"id": 2, "seat": "1排1座"}, {"id": 3, "seat": "主席台"},
                   {"id": 4, "seat": ""}, {"id": 5, "seat": "2-3"}])
    assert (laid["rows"], laid["columns"]) == (2, 3)
    assert [(e["id"], e["row"], e["column"]) for e in laid["placed"]] == [(2, 1, 1), (1, 2, 3)]
    assert [e["id"] for e in laid["other"]] == [5, 3]  # 「2-3」 names a place already taken
    assert [e["id"] for e in laid["unseated"]] == [4]


def test_the_check_in_map_shows_who_is_present_by_seat_to_staff_and_the_chair(server: RunningServer) -> None:
    room = make_room(server.url, publish_step=False)
    room.check_in("R01", "R05", "R07")
    ok(room.client("staff").post(f"/api/meetings/{room.meeting_id}/absence",
                                 json={"member_id": room.members["R02"], "state": "leave", "reason": "病假"}))
    for who in ("staff", "chair"):
        seats = ok(room.client(who).get(f"/api/meetings/{room.meeting_id}/seats"))
        assert (seats["rows"], seats["columns"]) == (2, 3) and seats["summary"]["present"] == 3
        by_seat = {e["seat"]: e["state"] for e in seats["placed"]}
        assert by_seat == {"1排1座": "present", "1排2座": "leave", "1排3座": "absent",
                           "2排1座": "absent", "2排2座": "present", "2排3座": "absent"}
        assert [(e["name"], e["state"]) for e in seats["other"]] == [("郑七", "present")]
        assert [(e["name"], e["seat"], e["state"]) for e in seats["unseated"]] == [("王八", "", "absent")]
    refused(httpx.get(f"{server.url}/api/meetings/{room.meeting_id}/seats"), "unauthenticated", 401)
    with httpx.Client(base_url=server.url) as deputy:
        token = ok(deputy.post("/api/deputy/login", json={"code": room.codes["R01"]}))["token"]
        refused(deputy.get(f"/api/meetings/{room.meeting_id}/seats", headers={"Authorization": f"Bearer {token}"}),
                "forbidden", 403)


def test_a_named_vote_by_seat_for_the_hall_and_nothing_for_a_secret_vote(server: RunningServer) -> None:
    room = make_room(server.url, publish_step=False)
    room.check_in("R01", "R02", "R03", "R04", "R05", "R07", "R08")
    chair = room.client("chair")
    named = ok(chair.post(f"/api/items/{room.items['named']}/open", json={}))["vote_id"]
    room.cast(named, {"R01": {"choice": "yes"}, "R02": {"choice": "no"}, "R03": {"choice": "abstain"},
                      "R07": {"choice": "yes"}, "R08": {"choice": "yes"}})
    refused(httpx.get(f"{server.url}/api/votes/{named}/seats"), "vote_not_closed", 409)
    ok(chair.post(f"/api/votes/{named}/close"))
    seats = ok(httpx.get(f"{server.url}/api/votes/{named}/seats"))  # public, as the named table is
    assert seats["questions"] == ["表决意见"] and (seats["rows"], seats["columns"]) == (2, 3)
    assert {e["seat"]: e["choices"] for e in seats["placed"]} == {
        "1排1座": ["yes"], "1排2座": ["no"], "1排3座": ["abstain"],
        "2排1座": ["none"], "2排2座": ["none"], "2排3座": ["absent"]}  # 吴六 was not checked in
    assert [(e["seat"], e["choices"]) for e in seats["other"]] == [("主席台", ["yes"])]
    assert [(e["name"], e["choices"]) for e in seats["unseated"]] == [("王八", ["yes"])]

    secret = ok(chair.post(f"/api/items/{room.items['secret']}/open", json={}))["vote_id"]
    room.cast(secret, {"R01": {"choice": "yes"}, "R02": {"choice": "no"}, "R03": {"choice": "yes"}})
    ok(chair.post(f"/api/votes/{secret}/close"))
    for client in (httpx.Client(base_url=server.url), chair, room.client("staff"), room.client("auditor")):
        answer = client.get(f"/api/votes/{secret}/seats")
        refused(answer, "forbidden", 403)
        assert "choices" not in answer.text and "赵一" not in answer.text
        refused(client.get(f"/api/votes/{secret}/named"), "forbidden", 403)
    state = httpx.get(f"{server.url}/api/meetings/{room.meeting_id}/state").text
    assert "choices" not in state and "赵一" not in state  # no name, no per-seat answer in the public state
