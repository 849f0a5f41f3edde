"""server/exports.py: Chinese reports rendered from real tally results, and their CSV/XLSX files."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from server.exports import (
    minutes_rows,
    named_table_rows,
    participation_rows,
    result_sheet_rows,
    scrutineer_report_rows,
    sheet_title,
    to_csv,
    to_xlsx,
)
from tally import count_document

# --- builders -------------------------------------------------------------------------------------


def choices(yes: int = 0, no: int = 0, abstain: int = 0) -> list[dict[str, str]]:
    return [{"choice": "yes"}] * yes + [{"choice": "no"}] * no + [{"choice": "abstain"}] * abstain


def make_vote(doc: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The server's vote record for a document counted by tally."""
    definition = {k: v for k, v in doc.items() if k != "ballots"}
    vote: dict[str, Any] = {
        "id": "v3-1", "round_no": 1, "round_kind": "first", "method": "electronic", "state": "closed",
        "void_reason": None, "opened_at": "2027-01-05T01:30:00+00:00", "closed_at": "2027-01-05T01:31:10+00:00",
        "definition": definition, "result": count_document(doc), "named_ballots": None,
    }
    vote.update(overrides)
    return vote


def make_item(doc: dict[str, Any], *, secret: bool = True, position: int = 3) -> dict[str, Any]:
    return {"id": 3, "title": doc.get("title", "议题"), "kind": doc["kind"], "position": position, "secret": secret}


MOTION = {"kind": "motion", "title": "关于2027年县级预算的决议（草案）", "members_of_record": 35, "present": 30,
          "ballots": choices(20, 5, 3)}
NO_QUORUM = {"kind": "motion", "title": "关于某事项的决定", "members_of_record": 35, "present": 20,
             "ballots": choices(18)}
LIST_WHOLE = {"kind": "list_approval", "title": "总监票人、监票人名单", "persons": ["周红", "吴刚"],
              "members_of_record": 60, "present": 55, "ballots": choices(50, 2, 1)}
LIST_PER_PERSON = {"kind": "list_approval", "title": "主席团成员名单", "mode": "per_person",
                   "persons": ["周红", "吴刚"], "members_of_record": 10, "present": 9,
                   "ballots": [{"marks": {"周红": "yes", "吴刚": "no"}}] * 6 + [{"marks": {"周红": "abstain"}}]}
APPOINTMENT = {
    "kind": "appointment", "title": "人事任免", "members_of_record": 27, "present": 23,
    "items": [{"id": "d1", "nominee": "陈明", "post": "县财政局局长", "action": "dismiss"},
              {"id": "a1", "nominee": "刘洋", "post": "县财政局局长", "action": "appoint"}],
    "ballots": [{"marks": {"d1": "yes", "a1": "yes"}}] * 18 + [{"marks": {"d1": "yes", "a1": "no"}}] * 3,
}
APPOINTMENT_COMBINED = {
    "kind": "appointment", "title": "任命名单", "mode": "combined", "members_of_record": 27, "present": 23,
    "items": [{"nominee": "刘洋", "post": "县财政局局长", "action": "appoint"},
              {"nominee": "孙丽", "post": "县审计局局长", "action": "appoint"}],
    "ballots": choices(20, 1, 1),
}
ELECTION = {
    "kind": "election", "title": "选举副镇长", "office": "deputy_head", "seats": 2,
    "candidates": ["王建国", "李秀英", "张志强"], "body": "township_congress", "members_of_record": 60,
    "present": 55, "ballots_issued": 55,
    "ballots": [{"marks": {"王建国": "yes", "李秀英": "yes", "张志强": "no"}}] * 40
    + [{"marks": {"王建国": "yes", "张志强": "no"}, "write_ins": ["赵敏"]}] * 6
    + [{"marks": {"张志强": "yes", "李秀英": "no"}}] * 8
    + [{"marks": {"王建国": "yes", "李秀英": "yes", "张志强": "yes"}}] * 1,
}
ELECTION_SHORT = {
    "kind": "election", "title": "选举常委会委员", "office": "member", "seats": 10,
    "candidates": [f"候选人{i}" for i in range(1, 12)], "members_of_record": 20, "present": 18, "ballots_issued": 18,
    "ballots": [{"marks": {"候选人1": "yes", "候选人2": "yes"}}] * 12 + [{"marks": {"候选人3": "yes"}}] * 6,
}
ELECTION_VOID = {
    "kind": "election", "title": "选举县长", "office": "head", "seats": 1, "candidates": ["甲", "乙"],
    "members_of_record": 20, "present": 18, "ballots_issued": 10, "ballots": [{"marks": {"甲": "yes"}}] * 12,
}
ELECTION_TIE = {
    "kind": "election", "title": "选举副主席", "office": "deputy_head", "seats": 2, "candidates": ["甲", "乙", "丙"],
    "members_of_record": 20, "present": 20, "ballots_issued": 20,
    "ballots": [{"marks": {"甲": "yes", "乙": "yes"}}] * 6 + [{"marks": {"甲": "yes", "丙": "yes"}}] * 6
    + [{"marks": {"乙": "yes", "丙": "yes"}}] * 5 + [{"marks": {}}] * 3,
}
PROJECTS = {
    "kind": "project_vote", "title": "2027年民生实事项目票决", "choose": 2, "members_of_record": 20, "present": 18,
    "projects": [{"name": "城区学校扩容", "cost": "3200万元", "owner": "县教育局"}, "老旧小区改造", "农村公路安防"],
    "ballots": [{"marks": {"城区学校扩容": "yes", "老旧小区改造": "yes", "农村公路安防": "no"}}] * 12
    + [{"marks": {"农村公路安防": "yes"}}] * 4,
}
PROJECTS_RANKING = {
    "kind": "project_vote", "title": "民生实事项目排序票决", "mode": "ranking", "choose": 2, "members_of_record": 20,
    "present": 18, "projects": ["甲项目", "乙项目", "丙项目"],
    "ballots": [{"marks": {"甲项目": 1, "乙项目": 2}}] * 12 + [{"marks": {"丙项目": 1, "乙项目": 2}}] * 4,
}
SATISFACTION = {
    "kind": "satisfaction", "title": "专项工作报告满意度测评", "body": "standing_committee", "members_of_record": 27,
    "present": 25, "targets": ["县人民政府工作报告", "县人民法院工作报告"],
    "consequences": {"unsatisfied": "限期整改并重新报告"},
    "ballots": [{"marks": {"县人民政府工作报告": "satisfied", "县人民法院工作报告": "unsatisfied"}}] * 20
    + [{"marks": {"县人民政府工作报告": "basically_satisfied",
                  "县人民法院工作报告": ["satisfied", "unsatisfied"]}}] * 5,
}

ALL_DOCUMENTS: dict[str, dict[str, Any]] = {
    "motion": MOTION, "no_quorum": NO_QUORUM, "list_whole": LIST_WHOLE, "list_per_person": LIST_PER_PERSON,
    "appointment": APPOINTMENT, "appointment_combined": APPOINTMENT_COMBINED, "election": ELECTION,
    "election_short": ELECTION_SHORT, "election_void": ELECTION_VOID, "election_tie": ELECTION_TIE,
    "projects": PROJECTS, "projects_ranking": PROJECTS_RANKING, "satisfaction": SATISFACTION,
}


def manual_vote(doc: dict[str, Any], method: str) -> dict[str, Any]:
    """What server/usecases/manual_result.py stores for a count entered by hand."""
    vote = make_vote(doc, round_kind="manual", method=method)
    label = {"show_of_hands": "举手表决", "paper": "纸质选票"}[method]
    announcement = f"（{label}）{vote['result']['announcement']}"
    vote["result"] = {**vote["result"], "manual": method, "announcement": announcement}
    return vote


def row_with(rows: list[list[str]], first: str) -> list[str]:
    matches = [row for row in rows if row and row[0] == first]
    assert len(matches) == 1, (first, rows)
    return matches[0]


def flat(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def csv_round_trip(rows: list[list[str]]) -> list[list[str]]:
    data = to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def xlsx_round_trip(rows: list[list[str]], title: str = "表") -> tuple[list[list[str]], Worksheet]:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(rows, title)))
    sheet = book.worksheets[0]
    values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return trimmed(values), sheet


def trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows compared as a spreadsheet keeps them (a rectangle): trailing empty cells dropped."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    return out


# --- result sheet ---------------------------------------------------------------------------------

def test_result_sheet_starts_with_title_then_method_then_time_in_beijing_time() -> None:
    rows = result_sheet_rows(make_item(MOTION), make_vote(MOTION))
    assert rows[0] == ["关于2027年县级预算的决议（草案）"]
    assert rows[1][:2] == ["表决方式", "电子表决"]
    assert rows[2] == ["表决时间（北京时间）", "2027-01-05 09:30:00 至 2027-01-05 09:31:10"]


def test_motion_result_sheet_has_counts_outcome_and_tallys_announcement() -> None:
    vote = make_vote(MOTION)
    rows = result_sheet_rows(make_item(MOTION), vote)
    assert row_with(rows, "赞成") == ["赞成", "20"]
    assert row_with(rows, "反对") == ["反对", "5"]
    assert row_with(rows, "弃权") == ["弃权", "3"]
    assert row_with(rows, "未按") == ["未按", "2"]
    assert row_with(rows, "应到（人）") == ["应到（人）", "35"]
    assert row_with(rows, "实到（人）") == ["实到（人）", "30"]
    assert row_with(rows, "表决结果") == ["表决结果", "通过"]
    assert rows[-1] == ["宣读稿", "应到35人，实到30人；赞成20票，反对5票，弃权3票，未按2人；通过。"]
    assert row_with(rows, "表决方式")[2] == "无记名"


def test_a_motion_without_quorum_is_shown_invalid_with_the_reason() -> None:
    rows = result_sheet_rows(make_item(NO_QUORUM), make_vote(NO_QUORUM))
    assert row_with(rows, "表决结果")[:2] == ["表决结果", "无效"]
    assert "法定人数" in row_with(rows, "表决结果")[2]
    assert row_with(rows, "法定人数（人）") == ["法定人数（人）", "24", "未达到"]


@pytest.mark.parametrize(("method", "label"), [("show_of_hands", "举手表决"), ("paper", "纸质选票")])
def test_a_manual_result_is_marked_with_its_method(method: str, label: str) -> None:
    rows = result_sheet_rows(make_item(MOTION), manual_vote(MOTION, method))
    assert row_with(rows, "表决方式")[1] == f"{label}（人工录入结果）"
    assert row_with(rows, "轮次")[1] == "第1轮（人工录入）"
    assert rows[-1][1].startswith(f"（{label}）")


def test_a_named_vote_says_so_on_its_result_sheet() -> None:
    rows = result_sheet_rows(make_item(MOTION, secret=False), make_vote(MOTION))
    assert row_with(rows, "表决方式")[2] == "记名"


def test_a_whole_list_shows_one_count_and_the_persons() -> None:
    rows = result_sheet_rows(make_item(LIST_WHOLE), make_vote(LIST_WHOLE))
    assert row_with(rows, "赞成") == ["赞成", "50"]
    assert row_with(rows, "名单") == ["名单", "周红、吴刚"]


def test_a_per_person_list_shows_a_row_per_person_and_a_mixed_outcome() -> None:
    rows = result_sheet_rows(make_item(LIST_PER_PERSON), make_vote(LIST_PER_PERSON))
    assert row_with(rows, "姓名") == ["姓名", "赞成", "反对", "弃权", "未按", "结果"]
    assert row_with(rows, "周红") == ["周红", "6", "0", "1", "2", "通过"]
    assert row_with(rows, "吴刚") == ["吴刚", "0", "6", "0", "3", "未通过"]
    assert row_with(rows, "表决结果") == ["表决结果", "部分通过"]


def test_per_person_appointments_show_nominee_post_action_and_outcome() -> None:
    rows = result_sheet_rows(make_item(APPOINTMENT), make_vote(APPOINTMENT))
    assert row_with(rows, "姓名") == ["姓名", "职务", "事项", "赞成", "反对", "弃权", "未按", "结果"]
    assert row_with(rows, "陈明") == ["陈明", "县财政局局长", "免职", "21", "0", "0", "2", "通过"]
    assert row_with(rows, "刘洋") == ["刘洋", "县财政局局长", "任命", "18", "3", "0", "2", "通过"]


def test_combined_appointments_show_one_count_and_the_list_of_nominees() -> None:
    rows = result_sheet_rows(make_item(APPOINTMENT_COMBINED), make_vote(APPOINTMENT_COMBINED))
    assert row_with(rows, "赞成") == ["赞成", "20"]
    assert row_with(rows, "被任免人") == ["被任免人", "职务", "事项"]
    assert row_with(rows, "孙丽") == ["孙丽", "县审计局局长", "任命"]
    assert row_with(rows, "表决结果") == ["表决结果", "通过"]


def test_election_sheet_shows_ballots_every_candidate_write_ins_and_who_is_elected() -> None:
    vote = make_vote(ELECTION)
    rows = result_sheet_rows(make_item(ELECTION), vote)
    assert row_with(rows, "发出选票（张）") == ["发出选票（张）", "55"]
    assert row_with(rows, "收回选票（张）") == ["收回选票（张）", "55"]
    assert row_with(rows, "有效票（张）") == ["有效票（张）", "54"]
    assert row_with(rows, "无效票（张）") == ["无效票（张）", "1"]
    assert row_with(rows, "王建国") == ["王建国", "46", "0", "8", "当选"]
    assert row_with(rows, "李秀英") == ["李秀英", "40", "8", "6", "当选"]
    assert row_with(rows, "张志强") == ["张志强", "8", "46", "0", "未当选"]
    assert row_with(rows, "赵敏") == ["赵敏", "6", "未当选"]
    assert row_with(rows, "当选") == ["当选", "王建国、李秀英"]
    assert rows[-1] == ["宣读稿", vote["result"]["announcement"]]


def test_a_shortfall_shows_unfilled_seats_and_the_proposed_runoff_slate() -> None:
    rows = result_sheet_rows(make_item(ELECTION_SHORT), make_vote(ELECTION_SHORT))
    assert row_with(rows, "尚缺名额") == ["尚缺名额", "8"]
    runoff = row_with(rows, "另行选举候选人（建议）")
    assert runoff[1].startswith("候选人3、") and runoff[2] == "应选8名"


def test_a_void_election_round_says_why_and_elects_nobody() -> None:
    rows = result_sheet_rows(make_item(ELECTION_VOID), make_vote(ELECTION_VOID))
    assert row_with(rows, "本次选举") == ["本次选举", "无效：收回票数多于发出票数"]
    assert row_with(rows, "收回多于发出（张）") == ["收回多于发出（张）", "2"]
    assert row_with(rows, "甲")[-1] == "—"
    assert not any(row and row[0] == "当选" for row in rows)


def test_a_tie_for_the_last_seat_lists_the_tied_for_a_revote() -> None:
    rows = result_sheet_rows(make_item(ELECTION_TIE), make_vote(ELECTION_TIE))
    assert row_with(rows, "当选") == ["当选", "甲"]
    assert row_with(rows, "得票相等（再次投票）") == ["得票相等（再次投票）", "乙、丙", "决定1个名额"]
    assert row_with(rows, "乙")[-1] == "得票相等"
    assert row_with(rows, "甲")[-1] == "当选"


def test_a_tie_revote_round_is_named_on_the_sheet() -> None:
    revote = {**ELECTION_TIE, "round": "tie_revote", "seats": 1, "candidates": ["乙", "丙"],
              "ballots": [{"marks": {"乙": "yes"}}] * 11 + [{"marks": {"丙": "yes"}}] * 9}
    rows = result_sheet_rows(make_item(revote), make_vote(revote, round_no=2, round_kind="tie_revote"))
    assert row_with(rows, "轮次") == ["轮次", "第2轮（得票相等再次投票）"]
    assert row_with(rows, "当选") == ["当选", "乙"]


def test_a_preliminary_round_lists_the_formal_candidates() -> None:
    doc = {**ELECTION_SHORT, "title": "预选", "seats": 2, "round": "preliminary", "list_size": 3,
           "candidates": ["候选人1", "候选人2", "候选人3", "候选人4"]}
    doc["ballots"] = [{"marks": {"候选人1": "yes", "候选人2": "yes"}}] * 12 + [{"marks": {"候选人3": "yes"}}] * 6
    rows = result_sheet_rows(make_item(doc), make_vote(doc, round_kind="preliminary"))
    assert row_with(rows, "正式候选人") == ["正式候选人", "候选人1、候选人2、候选人3"]
    assert row_with(rows, "候选人1")[-1] == "列为正式候选人"


def test_project_vote_sheet_shows_cost_owner_counts_and_chosen_projects() -> None:
    rows = result_sheet_rows(make_item(PROJECTS), make_vote(PROJECTS))
    assert row_with(rows, "项目") == ["项目", "投资", "责任单位", "赞成", "反对", "弃权", "结果"]
    assert row_with(rows, "城区学校扩容") == ["城区学校扩容", "3200万元", "县教育局", "12", "0", "4", "确定"]
    assert row_with(rows, "农村公路安防")[-1] == "未确定"
    assert row_with(rows, "确定为民生实事项目") == ["确定为民生实事项目", "城区学校扩容、老旧小区改造"]


def test_ranking_project_vote_shows_points_and_supporters() -> None:
    vote = make_vote(PROJECTS_RANKING)
    rows = result_sheet_rows(make_item(PROJECTS_RANKING), vote)
    assert row_with(rows, "项目") == ["项目", "得分", "排序代表数", "结果"]
    counts = vote["result"]["counts"]["甲项目"]
    assert row_with(rows, "甲项目")[:3] == ["甲项目", str(counts["points"]), str(counts["support"])]


def test_satisfaction_sheet_shows_each_target_rate_grade_and_consequence() -> None:
    rows = result_sheet_rows(make_item(SATISFACTION), make_vote(SATISFACTION))
    assert row_with(rows, "测评对象") == [
        "测评对象", "满意", "基本满意", "不满意", "有效", "无效", "满意率", "测评结果", "处理意见"]
    assert row_with(rows, "县人民政府工作报告") == [
        "县人民政府工作报告", "20", "5", "0", "25", "0", "100.00%", "满意", ""]
    assert row_with(rows, "县人民法院工作报告") == [
        "县人民法院工作报告", "0", "0", "20", "20", "5", "0.00%", "不满意", "限期整改并重新报告"]
    assert row_with(rows, "收回测评表（份）") == ["收回测评表（份）", "25"]


def test_a_voided_vote_shows_the_reason_and_that_its_figures_do_not_count() -> None:
    vote = make_vote(MOTION, state="voided", void_reason="系统故障：表决器失灵")
    rows = result_sheet_rows(make_item(MOTION), vote)
    assert row_with(rows, "状态") == ["状态", "已宣布无效"]
    assert row_with(rows, "宣布无效的理由") == ["宣布无效的理由", "系统故障：表决器失灵"]
    assert "不作为表决结果" in row_with(rows, "说明")[1]


def test_naive_or_unreadable_times_are_shown_as_given() -> None:
    vote = make_vote(MOTION, opened_at="2027-01-05T09:30:00", closed_at="下午")
    rows = result_sheet_rows(make_item(MOTION), vote)
    assert row_with(rows, "表决时间（北京时间）")[1] == "2027-01-05 09:30:00 至 下午"


def test_ineligible_write_ins_are_counted_on_the_sheet() -> None:
    doc = {**ELECTION, "write_in_eligible": ["某代表"]}
    rows = result_sheet_rows(make_item(doc), make_vote(doc))
    assert row_with(rows, "另选他人不符合条件（票）") == ["另选他人不符合条件（票）", "6"]


def test_a_void_project_round_and_a_project_tie_are_reported() -> None:
    void = {**PROJECTS, "ballots_issued": 10}
    rows = result_sheet_rows(make_item(void), make_vote(void))
    assert row_with(rows, "本次票决") == ["本次票决", "无效：收回票数多于发出票数"]
    school, housing, roads = "城区学校扩容", "老旧小区改造", "农村公路安防"
    tie = {**PROJECTS, "ballots": [{"marks": {school: "yes", housing: "yes"}}] * 6
           + [{"marks": {school: "yes", roads: "yes"}}] * 6 + [{"marks": {housing: "yes", roads: "yes"}}] * 5}
    rows = result_sheet_rows(make_item(tie), make_vote(tie))
    assert row_with(rows, "确定为民生实事项目") == ["确定为民生实事项目", school]
    assert row_with(rows, "得票相等（再次投票）") == ["得票相等（再次投票）", f"{housing}、{roads}", "决定1个项目"]
    assert row_with(rows, housing)[-1] == "得票相等"
    short = {**PROJECTS, "ballots": [{"marks": {school: "yes"}}] * 12}
    rows = result_sheet_rows(make_item(short), make_vote(short))
    assert row_with(rows, "尚缺项目") == ["尚缺项目", "1"]


def test_an_open_vote_has_a_sheet_without_a_result() -> None:
    vote = make_vote(MOTION, state="open", closed_at=None, result=None)
    rows = result_sheet_rows(make_item(MOTION), vote)
    assert row_with(rows, "表决时间（北京时间）") == ["表决时间（北京时间）", "2027-01-05 09:30:00"]
    assert row_with(rows, "表决结果") == ["表决结果", "表决尚未结束，暂无结果"]


@pytest.mark.parametrize("name", sorted(ALL_DOCUMENTS))
def test_every_kind_renders_only_strings_and_round_trips_through_csv_and_xlsx(name: str) -> None:
    doc = ALL_DOCUMENTS[name]
    rows = result_sheet_rows(make_item(doc), make_vote(doc))
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert csv_round_trip(rows) == rows
    values, _ = xlsx_round_trip(rows, doc["title"])
    assert values == trimmed(rows)


# --- named table ----------------------------------------------------------------------------------

MEMBERS = [
    {"id": 1, "code": "001", "name": "王伟", "group": "第一代表团", "seat": "1排1号"},
    {"id": 2, "code": "002", "name": "李秀英", "group": "第一代表团", "seat": "1排2号"},
    {"id": 3, "code": "003", "name": "张志强", "group": "第二代表团", "seat": "2排1号"},
    {"id": 4, "code": "004", "name": "赵敏", "group": "第二代表团", "seat": "2排2号"},
]


def test_named_table_lists_each_deputys_choice_and_not_voted_and_totals() -> None:
    named = {1: {"choice": "yes"}, "2": {"choice": "no"}, 3: {"choice": "abstain"}}
    doc = {**MOTION, "members_of_record": 4, "present": 4, "ballots": choices(1, 1, 1)}
    rows = named_table_rows(make_vote(doc, named_ballots=named), MEMBERS)
    assert rows[0] == ["座位", "姓名", "代表团", "表决意见"]
    assert rows[1:5] == [
        ["1排1号", "王伟", "第一代表团", "赞成"],
        ["1排2号", "李秀英", "第一代表团", "反对"],
        ["2排1号", "张志强", "第二代表团", "弃权"],
        ["2排2号", "赵敏", "第二代表团", "未按"],
    ]
    assert rows[-1] == ["合计", "", "", "赞成1票，反对1票，弃权1票，未按1人"]


def test_named_table_for_per_person_appointments_has_a_column_per_nominee() -> None:
    named = {1: {"marks": {"d1": "yes", "a1": "no"}}, 2: {"marks": {"d1": "abstain"}}}
    rows = named_table_rows(make_vote(APPOINTMENT, named_ballots=named), MEMBERS[:3])
    assert rows[0] == ["座位", "姓名", "代表团", "陈明（免职）", "刘洋（任命）"]
    assert rows[1][3:] == ["赞成", "反对"]
    assert rows[2][3:] == ["弃权", "未按"]
    assert rows[3][3:] == ["未按", "未按"]
    assert rows[-1][3] == "赞成1票，反对0票，弃权1票，未按1人"


def test_named_table_for_a_per_person_list_has_a_column_per_person() -> None:
    named = {1: {"marks": {"周红": "yes", "吴刚": "yes"}}}
    rows = named_table_rows(make_vote(LIST_PER_PERSON, named_ballots=named), MEMBERS[:1])
    assert rows[0][3:] == ["周红", "吴刚"]
    assert rows[1][3:] == ["赞成", "赞成"]


def test_a_secret_vote_has_no_named_table() -> None:
    with pytest.raises(ValueError, match="无记名"):
        named_table_rows(make_vote(MOTION), MEMBERS)


def test_named_table_round_trips_through_xlsx_with_a_bold_frozen_header() -> None:
    doc = {**MOTION, "members_of_record": 4, "present": 4, "ballots": choices(1)}
    rows = named_table_rows(make_vote(doc, named_ballots={1: {"choice": "yes"}}), MEMBERS)
    values, sheet = xlsx_round_trip(rows, "记名表决")
    assert values == trimmed(rows)
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"


# --- scrutineer report ----------------------------------------------------------------------------

def test_scrutineer_report_has_ballot_accounting_candidates_write_ins_elected_and_signatures() -> None:
    vote = make_vote(ELECTION)
    rows = scrutineer_report_rows(vote)
    assert rows[0] == ["选举副镇长计票结果报告"]
    assert row_with(rows, "职位类别") == ["职位类别", "副职"]
    assert row_with(rows, "应选名额") == ["应选名额", "2"]
    accounting = (("发出选票（张）", "55"), ("收回选票（张）", "55"), ("有效票（张）", "54"), ("无效票（张）", "1"))
    for label, value in accounting:
        assert row_with(rows, label) == [label, value]
    assert row_with(rows, "候选人") == ["候选人", "赞成", "反对", "弃权", "结果"]
    assert row_with(rows, "王建国")[1:4] == ["46", "0", "8"]
    assert row_with(rows, "另选他人") == ["另选他人", "得票", "结果"]
    assert row_with(rows, "赵敏")[:2] == ["赵敏", "6"]
    assert row_with(rows, "当选") == ["当选", "王建国、李秀英"]
    assert [row[0] for row in rows[-3:]] == ["总监票人（签名）", "监票人（签名）", "计票人（签名）"]


def test_scrutineer_report_of_a_void_round_reports_it_void() -> None:
    rows = scrutineer_report_rows(make_vote(ELECTION_VOID))
    assert row_with(rows, "本次选举") == ["本次选举", "无效：收回票数多于发出票数"]


def test_scrutineer_report_covers_project_votes() -> None:
    rows = scrutineer_report_rows(make_vote(PROJECTS))
    assert row_with(rows, "应确定项目数") == ["应确定项目数", "2"]
    assert row_with(rows, "确定为民生实事项目")[1] == "城区学校扩容、老旧小区改造"


def test_scrutineer_report_of_a_voided_or_open_round() -> None:
    rows = scrutineer_report_rows(make_vote(ELECTION, state="voided", void_reason="程序错误：漏发选票"))
    assert row_with(rows, "宣布无效的理由") == ["宣布无效的理由", "程序错误：漏发选票"]
    rows = scrutineer_report_rows(make_vote(ELECTION, state="open", closed_at=None, result=None))
    assert row_with(rows, "计票结果") == ["计票结果", "投票尚未结束，暂无结果"]


def test_scrutineer_report_is_refused_for_a_motion() -> None:
    with pytest.raises(ValueError, match="监票报告"):
        scrutineer_report_rows(make_vote(MOTION))


def test_scrutineer_report_round_trips_through_csv() -> None:
    rows = scrutineer_report_rows(make_vote(ELECTION))
    assert csv_round_trip(rows) == rows


# --- participation --------------------------------------------------------------------------------

MEETINGS = [{"id": "m1", "title": "第一次全体会议"}, {"id": "m2", "title": "第二次全体会议"},
            {"id": "m3", "title": "第三次全体会议"}]


def participants() -> list[dict[str, Any]]:
    return [
        {**MEMBERS[0], "attendance": {"m1": "present", "m2": "present", "m3": "leave"}, "votes_cast": 5,
         "votes_eligible": 6},
        {**MEMBERS[1], "attendance": {"m1": "absent", "m2": "absent", "m3": None}, "votes_cast": 0,
         "votes_eligible": 0},
        {**MEMBERS[2], "attendance": {"m1": "present", "m2": "present", "m3": "present"}, "votes_cast": 3,
         "votes_eligible": 3,
         # a careless caller might pass more than asked for; none of it may appear
         "ballots": [{"choice": "yes"}, {"choice": "no"}], "choices": {"v1": "abstain"}, "last_choice": "赞成"},
    ]


def test_participation_counts_attendance_and_votes_cast_per_deputy() -> None:
    rows = participation_rows(participants(), MEETINGS)
    assert rows[0] == [
        "编号", "姓名", "代表团", "座位", "第一次全体会议", "第二次全体会议", "第三次全体会议",
        "出席（次）", "请假（次）", "缺席（次）", "参加表决（次）", "应参加表决（次）", "参加表决率", "备注"]
    assert rows[1] == [
        "001", "王伟", "第一代表团", "1排1号", "出席", "出席", "请假", "2", "1", "0", "5", "6", "83.33%", ""]
    assert rows[2][4:13] == ["缺席", "缺席", "", "0", "0", "2", "0", "0", "—"]
    assert rows[3][7:13] == ["3", "0", "0", "3", "3", "100.00%"]


def test_participation_flags_two_unapproved_absences_for_people_to_check() -> None:
    rows = participation_rows(participants(), MEETINGS)
    assert "代表法第六十二条" in rows[2][-1]
    assert rows[1][-1] == rows[3][-1] == ""


def test_participation_never_shows_a_choice_even_when_given_one() -> None:
    rows = participation_rows(participants(), MEETINGS)
    text = flat(rows) + to_csv(rows).decode("utf-8-sig")
    for word in ("赞成", "反对", "弃权", "未按", "yes", "no", "abstain", "满意"):
        assert word not in text


def test_participation_accepts_meeting_ids_as_strings_or_ints() -> None:
    members = [{**MEMBERS[0], "attendance": {"7": "present"}, "votes_cast": 1, "votes_eligible": 1}]
    rows = participation_rows(members, [{"id": 7, "title": "全体会议"}])
    assert rows[1][4] == "出席"


def test_participation_round_trips_through_xlsx() -> None:
    rows = participation_rows(participants(), MEETINGS)
    values, _ = xlsx_round_trip(rows, "代表履职积分")
    assert values == trimmed(rows)


# --- minutes --------------------------------------------------------------------------------------

def test_minutes_list_every_item_in_agenda_order_every_round_and_its_announcement() -> None:
    voided = make_vote(MOTION, id="v1-1", state="voided", void_reason="系统故障：断电")
    revote = make_vote(MOTION, id="v1-2", round_no=2, round_kind="revote", method="show_of_hands")
    election = make_vote(ELECTION, id="v2-1")
    items = [
        {**make_item(ELECTION, position=2), "votes": [election]},
        {**make_item(MOTION, position=1), "votes": [revote, voided]},
        {"id": 9, "title": "关于某事项的决定", "kind": "motion", "position": 3, "secret": True, "votes": []},
    ]
    rows = minutes_rows({"id": "m1", "title": "某县第十八届人民代表大会第三次会议"}, items)
    assert rows[0] == ["某县第十八届人民代表大会第三次会议表决情况记录"]
    assert rows[1][:3] == ["议程序号", "议题", "类别"]
    body = rows[2:]
    assert [(r[0], r[3]) for r in body] == [("1", "第1轮（首轮）"), ("1", "第2轮（重新表决）"), ("2", "第1轮（首轮）"),
                                            ("3", "")]
    assert body[0][6:8] == ["已宣布无效", "已宣布无效：系统故障：断电"]
    assert body[1][4] == "举手表决"
    assert body[1][7] == "通过"
    assert body[1][8] == revote["result"]["announcement"]
    assert body[2][7] == "当选：王建国、李秀英"
    assert body[3][6] == "未表决"
    assert csv_round_trip(rows) == rows


def test_minutes_summarise_void_rounds_ties_and_shortfalls() -> None:
    items = [{**make_item(ELECTION_VOID, position=1), "votes": [make_vote(ELECTION_VOID)]},
             {**make_item(ELECTION_TIE, position=2), "votes": [make_vote(ELECTION_TIE)]},
             {**make_item(ELECTION_SHORT, position=3), "votes": [make_vote(ELECTION_SHORT)]}]
    rows = minutes_rows({"id": "m1", "title": "全体会议"}, items)
    assert rows[2][7] == "无效：收回票数多于发出票数"
    assert rows[3][7] == "当选：甲；得票相等：乙、丙"
    assert rows[4][7] == "当选：候选人1、候选人2；尚缺8个"


def test_minutes_summarise_satisfaction_and_projects() -> None:
    items = [{**make_item(SATISFACTION, position=1), "votes": [make_vote(SATISFACTION)]},
             {**make_item(PROJECTS, position=2), "votes": [make_vote(PROJECTS)]}]
    rows = minutes_rows({"id": "m1", "title": "常委会会议"}, items)
    assert rows[2][7] == "县人民政府工作报告：满意；县人民法院工作报告：不满意"
    assert rows[3][7] == "确定：城区学校扩容、老旧小区改造"


# --- files ----------------------------------------------------------------------------------------

def test_csv_is_utf8_with_bom_and_crlf_and_round_trips_chinese_commas_quotes_and_newlines() -> None:
    rows = [["姓名", "备注"], ["王伟", '说"好"，也说,不'], ["李四", "第一行\n第二行"], []]
    data = to_csv(rows)
    assert data.startswith("\ufeff".encode())
    assert b"\r\n" in data
    assert csv_round_trip(rows) == rows


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    parsed = csv_round_trip([["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "正常"]])
    assert parsed == [["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "正常"]]


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    values, sheet = xlsx_round_trip([["标题", "x"], ["=1+1", "@A1"]])
    assert values[1] == ["=1+1", "@A1"]
    assert sheet["A2"].data_type == "s"


def test_xlsx_has_bold_header_fitted_widths_and_wraps_long_text() -> None:
    long_text = "应到35人，实到30人；" * 10
    rows = [["表头一", "表头二"], ["王伟", "短"], ["宣读稿", long_text]]
    values, sheet = xlsx_round_trip(rows)
    assert values == rows
    assert sheet["A1"].font.bold and sheet["B1"].font.bold
    assert sheet.column_dimensions["A"].width >= 8
    assert sheet.column_dimensions["B"].width == 60
    assert sheet["B3"].alignment.wrap_text


def test_xlsx_stores_counts_as_numbers_but_codes_with_leading_zeros_and_percentages_as_text() -> None:
    _, sheet = xlsx_round_trip([["编号", "赞成", "满意率", "身份证号"], ["001", "20", "95.83%", "110101199001011234"]])
    assert [cell.value for cell in sheet[2]] == ["001", 20, "95.83%", "110101199001011234"]


def test_xlsx_drops_characters_excel_cannot_store() -> None:
    values, _ = xlsx_round_trip([["名\x01字", "b"]])
    assert values == [["名字", "b"]]


@pytest.mark.parametrize(("title", "expected"), [
    ("关于2027年县级预算的决议（草案）表决结果", "关于2027年县级预算的决议（草案）表决结果"),
    ("a[b]c:d*e?f/g\\h", "abcdefgh"),
    ("'引号'", "引号"),
    ("[]:*?/\\", "表格"),
    ("很" * 40, "很" * 31),
])
def test_sheet_titles_are_legal_for_excel(title: str, expected: str) -> None:
    assert sheet_title(title) == expected
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([["x"]], title)))
    assert book.sheetnames == [expected]
