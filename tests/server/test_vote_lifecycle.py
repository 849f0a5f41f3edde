"""The vote lifecycle against the running server: change of choice, void and re-vote, countdown,
paper ballots keyed twice, named votes, and the ordering rules for amendments and 免职/任职."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from terminals.client import ClientError, TerminalClient
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, in_session, login, marks, ok, refused


async def _expect_refusal(coro: Any, code: str) -> None:
    try:
        await coro
    except ClientError as error:
        assert error.code == code, (error.code, error.message)
        assert error.message
        return
    raise AssertionError(f"expected the server to refuse with {code}")


def test_change_of_choice_before_close_follows_the_item_setting(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.item("决议")
        vote_id = s.open(motion["id"])
        voter = s.deputies[0]
        first = (await s.cast(vote_id, [{"choice": "no"}], [voter]))[0]
        # A different ballot without naming the one it replaces is refused.
        await _expect_refusal(voter.vote(vote_id, {"choice": "yes"}, timeout=10), "change_needs_previous")
        # Naming it replaces it: last press counts, and the count stays one per deputy.
        changed = await voter.vote(vote_id, {"choice": "yes"}, replaces=first["ballot_id"])
        assert changed["replaced"] == first["ballot_id"]
        # The replaced ballot cannot be replaced again: in a secret vote that is the one refusal that
        # says nothing of the ballot named (docs/protocol.md, ballot_refused).
        await _expect_refusal(voter.vote(vote_id, {"choice": "abstain"}, replaces=first["ballot_id"], timeout=10),
                              "ballot_refused")
        await s.cast(vote_id, choices(yes=30), s.deputies[1:31])
        result = s.close(vote_id)
        assert result["counts"] == {"yes": 31, "no": 0, "abstain": 0, "not_voted": 9}

        # "first press counts": a second ballot is refused.
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "motion", "title": "关于设立专门委员会的决定", "change_before_close": "first"}))
        vote_id = s.open(item["id"])
        receipt = (await s.cast(vote_id, [{"choice": "no"}], [voter]))[0]
        await _expect_refusal(voter.vote(vote_id, {"choice": "yes"}, replaces=receipt["ballot_id"], timeout=10),
                              "already_voted")
        assert s.close(vote_id)["counts"]["no"] == 1

    in_session(server.url, body)


def test_void_then_revote_and_a_valid_failure_is_final(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.item("决议")
        vote_id = s.open(motion["id"])
        await s.cast(vote_id, choices(yes=10, no=20))
        result = s.close(vote_id)
        assert result["outcome"] == "failed"
        # A valid 未通过 is final: no re-vote without declaring the vote invalid, and
        # "more ballots than issued" is no ground for a valid count.
        refused(s.chair.post(f"/api/items/{motion['id']}/open", json={"round": "revote"}), "revote_needs_void")
        refused(s.chair.post(f"/api/items/{motion['id']}/open", json={}), "already_decided")
        refused(s.chair.post(f"/api/votes/{vote_id}/void", json={"ground": "excess_ballots", "reason": "x"}),
                "result_valid")
        refused(s.chair.post(f"/api/votes/{vote_id}/void", json={"ground": "system_fault", "reason": " "}),
                "reason_required")
        ok(s.chair.post(f"/api/votes/{vote_id}/void",
                        json={"ground": "system_fault", "reason": "第3排表决器故障，12名代表无法按键"}))
        refused(s.chair.post(f"/api/votes/{vote_id}/void", json={"ground": "system_fault", "reason": "again"}),
                "already_voided")
        revote = s.open(motion["id"], round="revote")
        assert revote.endswith("-2")
        await s.cast(revote, choices(yes=35, no=5))
        assert s.close(revote)["outcome"] == "passed"
        # Deputies see the voided vote marked as such.
        state = s.deputies[0].state
        assert state is not None
        votes = {v["id"]: v for v in state["votes"]}
        await s.deputies[0].wait_for(
            lambda c: c.state is not None and any(v["id"] == revote and v["result"] for v in c.state["votes"]))
        assert votes[vote_id]["state"] == "voided"

    in_session(server.url, body)


def test_countdown_closes_the_vote_and_late_ballots_are_refused(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.item("决议")
        refused(s.chair.post(f"/api/items/{motion['id']}/open", json={"countdown_s": 3}), "invalid_countdown")
        vote_id = s.open(motion["id"], countdown_s=10)
        await s.cast(vote_id, choices(yes=31))
        ok(s.chair.post(f"/api/votes/{vote_id}/extend", json={"seconds": 10}))
        refused(s.chair.post(f"/api/votes/{vote_id}/extend", json={"seconds": 5}), "invalid_extension")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            vote = ok(s.chair.get(f"/api/votes/{vote_id}"))
            if vote["state"] == "closed":
                break
            await asyncio.sleep(0.5)
        assert vote["state"] == "closed" and vote["result"]["outcome"] == "passed"
        await _expect_refusal(s.deputies[39].vote(vote_id, {"choice": "no"}, timeout=10), "vote_not_open")

    in_session(server.url, body)


def test_paper_ballots_are_keyed_twice_mismatches_flagged_and_counted(server: RunningServer) -> None:
    async def run() -> None:
        s = Session.start(server.url)
        clerk1, clerk2 = login(server.url, "jipiao1"), login(server.url, "jipiao2")
        try:
            await s.connect(42)
            election = s.item("副县长")
            a, b, c = election["definition"]["candidates"]
            refused(s.chair.post(f"/api/items/{election['id']}/open", json={"method": "paper"}),
                    "ballots_issued_required")
            vote_id = s.open(election["id"], method="paper", ballots_issued=42)
            # Tablets cannot vote in a paper round.
            await _expect_refusal(s.deputies[0].vote(vote_id, marks(a, b), timeout=10), "paper_vote")
            papers: list[dict[str, Any]] = [marks(a, b)] * 36 + [marks(a, c)] * 4 + [marks(a, b, c)] * 1
            for number, ballot in enumerate(papers, start=1):
                assert ok(clerk1.post(f"/api/votes/{vote_id}/paper",
                                      json={"ballot_no": number, "slot": 1, "ballot": ballot}))["state"] == "waiting"
            # The same clerk cannot key the second entry.
            refused(clerk1.post(f"/api/votes/{vote_id}/paper", json={"ballot_no": 1, "slot": 2, "ballot": papers[0]}),
                    "same_clerk")
            for number, ballot in enumerate(papers, start=1):
                keyed = marks(b) if number == 7 else ballot  # clerk 2 misreads ballot 7
                state = ok(clerk2.post(f"/api/votes/{vote_id}/paper",
                                       json={"ballot_no": number, "slot": 2, "ballot": keyed}))["state"]
                assert state == ("mismatch" if number == 7 else "counted")
            status = ok(clerk1.get(f"/api/votes/{vote_id}/paper"))
            assert status["mismatched"] == [7] and len(status["counted"]) == 40
            # Re-keyed correctly, it counts; a counted ballot cannot be changed.
            assert ok(clerk2.post(f"/api/votes/{vote_id}/paper",
                                  json={"ballot_no": 7, "slot": 2, "ballot": papers[6]}))["state"] == "counted"
            refused(clerk2.post(f"/api/votes/{vote_id}/paper", json={"ballot_no": 7, "slot": 2, "ballot": marks(c)}),
                    "already_counted")
            refused(s.chair.post(f"/api/votes/{vote_id}/paper", json={"ballot_no": 9, "slot": 1, "ballot": marks(a)}),
                    "forbidden", 403)
            result = s.close(vote_id)
            assert result["ballots"] == {"issued": 42, "returned": 41, "not_returned": 1, "excess": 0, "valid": 40,
                                         "void": 1}
            assert result["elected"] == [a, b]
            report = s.chair.get(f"/api/votes/{vote_id}/scrutineer.csv")
            assert report.status_code == 200 and "发出" in report.content.decode("utf-8-sig")
        finally:
            clerk1.close()
            clerk2.close()
            await s.finish()

    asyncio.run(run())


def test_the_server_places_each_clerk_as_first_or_second_keying_of_a_paper_ballot(server: RunningServer) -> None:
    """No 计票人 picks 第1/第2录入人: the first to key a ballot is 1, another is 2, a re-keying keeps
    its place, and a third person is refused while both places are taken."""
    async def run() -> None:
        s = Session.start(server.url)
        clerk1, clerk2 = login(server.url, "jipiao1"), login(server.url, "jipiao2")
        made = ok(s.staff.post("/api/accounts", json={"username": "jipiao3", "display_name": "计票人丙",
                                                       "role": "scrutineer"}))
        clerk3 = httpx.Client(base_url=server.url, timeout=60)
        token = ok(clerk3.post("/api/login", json={"username": "jipiao3", "password": made["password"]}))["token"]
        clerk3.headers["Authorization"] = f"Bearer {token}"
        try:
            await s.connect(42)
            election = s.item("副县长")
            a, b, _c = election["definition"]["candidates"]
            vote_id = s.open(election["id"], method="paper", ballots_issued=42)
            ballot = {"marks": {a: "yes", b: "yes"}}
            url = f"/api/votes/{vote_id}/paper"
            assert ok(clerk2.post(url, json={"ballot_no": 3, "ballot": {"marks": {a: "yes"}}})) == {
                "ballot_no": 3, "slot": 1, "state": "waiting"}
            assert ok(clerk1.post(url, json={"ballot_no": 3, "ballot": ballot})) == {
                "ballot_no": 3, "slot": 2, "state": "mismatch"}
            refused(clerk3.post(url, json={"ballot_no": 3, "ballot": ballot}), "keyed_twice", 409)
            assert ok(clerk2.post(url, json={"ballot_no": 3, "ballot": ballot})) == {
                "ballot_no": 3, "slot": 1, "state": "counted"}
        finally:
            for client in (clerk1, clerk2, clerk3):
                client.close()
            await s.finish()

    asyncio.run(run())


def test_named_vote_shows_who_has_not_voted_and_exports_the_named_table(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "motion", "title": "关于代表资格审查的报告（记名表决）", "secret": False}))
        vote_id = s.open(item["id"])
        await s.cast(vote_id, choices(yes=39, no=1))
        pending = ok(s.chair.get(f"/api/votes/{vote_id}/pending"))
        me = s.deputies[40].me
        assert me is not None
        last = me["member"]["name"]
        assert pending["count"] == 1 and pending["names"] == [last]
        s.close(vote_id)
        table = s.chair.get(f"/api/votes/{vote_id}/named.csv")
        assert table.status_code == 200
        text = table.content.decode("utf-8-sig")
        assert last in text and "未按" in text and "赞成" in text
        # A secret vote gives only a count, and has no named table.
        motion = s.item("决议")
        vote_id = s.open(motion["id"])
        pending = ok(s.chair.get(f"/api/votes/{vote_id}/pending"))
        assert "names" not in pending and pending["count"] == 41
        refused(s.chair.get(f"/api/votes/{vote_id}/named.csv"), "forbidden", 403)

    in_session(server.url, body, tablets=41)


def test_amendment_and_dismissal_are_voted_first(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.item("决议")
        amendment = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "motion", "title": "关于决议草案第三条的修正案", "amends": motion["id"]}))
        assert amendment["position"] < s.item("决议（草案）")["position"]
        refused(s.chair.post(f"/api/items/{motion['id']}/open", json={}), "amendment_first")
        appoint = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "appointment", "title": "任命县财政局局长",
            "definition": {"items": [{"nominee": "刘洋", "post": "县财政局局长", "action": "appoint"}]}}))
        ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "appointment", "title": "免去县财政局局长职务",
            "definition": {"items": [{"nominee": "陈明", "post": "县财政局局长", "action": "dismiss"}]}}))
        refused(s.chair.post(f"/api/items/{appoint['id']}/open", json={}), "dismiss_first")
        vote_id = s.open(amendment["id"])
        await s.cast(vote_id, choices(yes=31))
        s.close(vote_id)
        s.open(motion["id"])

    in_session(server.url, body)


def test_scrutineers_confirm_the_count_report_once_each_after_close(server: RunningServer) -> None:
    async def run() -> None:
        s = Session.start(server.url)
        clerk = login(server.url, "jipiao1")
        try:
            await s.connect(40)
            election = s.item("副县长")
            a, b, _c = election["definition"]["candidates"]
            vote_id = s.open(election["id"])
            refused(clerk.post(f"/api/votes/{vote_id}/confirm"), "vote_not_closed", 409)
            await s.cast(vote_id, [marks(a, b)] * 40)
            s.close(vote_id)
            refused(s.chair.post(f"/api/votes/{vote_id}/confirm"), "forbidden", 403)
            assert ok(clerk.post(f"/api/votes/{vote_id}/confirm"))["confirmations"] == ["计票人甲"]
            refused(clerk.post(f"/api/votes/{vote_id}/confirm"), "already_confirmed", 409)
            assert ok(s.chair.get(f"/api/votes/{vote_id}"))["confirmations"] == ["计票人甲"]
            motion_vote = s.open(s.item("决议")["id"])
            await s.cast(motion_vote, choices(yes=31))
            s.close(motion_vote)
            refused(clerk.post(f"/api/votes/{motion_vote}/confirm"), "not_election")
        finally:
            clerk.close()
            await s.finish()

    asyncio.run(run())


def test_a_ballot_sent_over_http_shows_as_submitted_on_the_deputys_tablet(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        vote_id = s.open(s.item("决议")["id"])
        tablet = s.deputies[0]

        def entry(c: TerminalClient) -> dict[str, Any]:
            return dict((c.me or {}).get("votes", {}).get(vote_id, {}))

        await tablet.wait_for(lambda c: entry(c).get("eligible") is True)  # the me_votes patch
        assert entry(tablet)["voted"] is False
        response = httpx.post(f"{s.url}/api/ballots", headers={"Authorization": f"Bearer {tablet.token}"},
                              json={"vote_id": vote_id, "ballot_id": "h" * 32, "ballot": {"choice": "yes"},
                                    "cast_token": "t" * 32})
        assert response.status_code == 200, response.text
        await tablet.wait_for(lambda c: entry(c).get("voted") is True, timeout=10)
        # A secret vote: the tablet learns that its deputy voted, never the ballot id or receipt.
        assert entry(tablet) == {"eligible": True, "voted": True}

    in_session(server.url, body)


def test_one_vote_is_open_at_a_time_in_a_meeting(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion, election = s.item("决议"), s.item("选举")
        vote_id = s.open(motion["id"])
        error = refused(s.chair.post(f"/api/items/{election['id']}/open", json={}), "another_vote_open", 409)
        assert motion["title"] in error["message"]  # it names the vote that is open
        refused(s.chair.post(f"/api/items/{motion['id']}/open", json={}), "vote_already_open", 409)
        other = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                                json={"kind": "motion", "title": "举手表决的决定"}))
        refused(s.chair.post(f"/api/items/{other['id']}/manual", json={
            "method": "show_of_hands", "counts": {"yes": 30, "no": 0, "abstain": 0}}), "another_vote_open", 409)
        state = ok(s.chair.get(f"/api/meetings/{s.meeting_id}/state"))
        assert [v["id"] for v in state["votes"] if v["state"] == "open"] == [vote_id]
        s.close(vote_id)
        s.close(s.open(election["id"]))  # once it is closed, the next one opens

    in_session(server.url, body, tablets=40)


def test_after_a_preliminary_the_election_proper_opens_on_the_formal_list(server: RunningServer) -> None:
    """组织法 第二十七条: a 预选 fixes the formal candidates; the item stays pending and the election
    proper opens on that list (it used to be marked done, and the election was refused)."""
    async def body(s: Session) -> None:
        nominees = ["甲一", "乙二", "丙三", "丁四", "戊五", "己六", "庚七"]
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "election", "title": "选举县人大常委会委员", "definition": {
                "office": "member", "seats": 4, "candidates": nominees, "round": "preliminary", "list_size": 5}}))
        vote_id = s.open(item["id"], round="preliminary")
        await s.cast(vote_id, [marks(*nominees[:5])] * 30 + [marks(*nominees[2:])] * 10)
        result = s.close(vote_id)
        assert result["round"] == "preliminary" and len(result["elected"]) == 5
        listed = next(i for i in ok(s.chair.get(f"/api/meetings/{s.meeting_id}/items")) if i["id"] == item["id"])
        assert listed["state"] == "pending"
        formal = s.open(item["id"], round="first", candidates=result["elected"])
        assert formal.endswith("-2")
        s.close(formal)

    in_session(server.url, body, tablets=40)


def test_a_committee_election_lists_the_deputies_who_may_be_written_in_and_counts_no_one_else(
        server: RunningServer) -> None:
    async def body(s: Session) -> None:
        roll = ok(s.staff.get(f"/api/meetings/{s.meeting_id}/roll"))["members"]
        candidates = [roll[0]["name"], roll[1]["name"], roll[2]["name"]]
        deputy = roll[3]["name"]
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items", json={
            "kind": "election", "title": "选举县人大常委会委员",
            "definition": {"office": "member", "seats": 2, "candidates": candidates}}))
        vote_id = s.open(item["id"])
        definition = ok(s.chair.get(f"/api/votes/{vote_id}"))["definition"]
        assert deputy in definition["write_in_eligible"] and not set(candidates) & set(definition["write_in_eligible"])
        ballots = [marks(candidates[0]) | {"write_ins": [deputy]}, marks(candidates[0]) | {"write_ins": ["外单位某人"]}]
        await s.cast(vote_id, ballots)
        result = s.close(vote_id)
        assert result["write_ins"] == {deputy: 1} and result["ineligible_write_ins"] == 1
        assert "不是本级人民代表大会代表" in result["announcement"]

    in_session(server.url, body)
