/* The presiding officer's console (主持人控制台): roll and quorum at a glance, the agenda, open /
   extend / close / void / re-vote, the live count and — for named votes — who has not voted, the
   result with the text to read out, and manual entry of a 举手 result. Every irreversible action
   asks for confirmation first. */
"use strict";

(() => {
  const {el, $, api} = R;
  let live = null, state = null, meetingId = null;
  let roll = null, rollPresent = -1, rollClosed = null, rollTimer = null;
  let pending = {}, pendingTimer = null;
  let featuredResult = null, knownStates = {};

  function fail(e) { R.alertBox("操作未成功", e.message || String(e)); }

  /* -- attendance and roll ------------------------------------------------------------------- */
  function renderAttendance() {
    const a = state.attendance;
    /* 未签到 until the chair closes the roll (签到结束); only then is anyone not checked in 缺席
       (an unapproved absence has legal weight, 代表法 第六十二条). */
    const figures = [["应到", a.members_of_record], ["实到", a.present, "f-yes"], ["请假", a.on_leave]];
    if (!a.roll_closed) figures.push(["未签到", a.not_checked_in]);
    if (a.roll_closed || a.absent) figures.push(["缺席", a.absent]);
    $("#attendance").replaceChildren(...R.nodes(
      Results.figures(figures),
      el("div", {class: "quorum-state " + (a.quorum_met ? "ok" : "bad"), id: "quorum"},
        (a.quorum_met ? "已达到法定人数" : "未达到法定人数") + "（需 " + a.quorum_required + " 人）"),
      a.roll_closed ? el("p", {class: "small", id: "roll-closed"}, "签到已结束：未签到的代表记为缺席（迟到的代表仍可签到）")
        : el("div", {class: "row"}, el("button", {class: "btn", type: "button", id: "close-roll", onclick: closeRoll}, "签到结束"))));
    if (a.present !== rollPresent || a.roll_closed !== rollClosed) {
      rollClosed = a.roll_closed;
      rollPresent = a.present;
      reloadRoll();
    }
  }
  async function closeRoll() {
    const a = state.attendance;
    const ok = await R.confirm("宣布签到结束", "签到结束后，尚未签到的 " + a.not_checked_in
      + " 名代表将记为缺席（未经批准不出席会议，代表法第六十二条），并记入审计日志。迟到的代表仍可签到。", "签到结束", true);
    if (!ok) return;
    try { await api("/api/meetings/" + meetingId + "/roll/close", {method: "POST"}); } catch (e) { fail(e); }
  }
  /* The roll is read again when attendance changes and after each state (a roll change, a code
     re-issued), at most every 1.5 s: states come on structural changes, never per ballot. */
  function reloadRoll() {
    clearTimeout(rollTimer);
    rollTimer = setTimeout(loadRoll, roll ? 1500 : 0);
  }
  async function loadSeats() {
    let seats;
    try { seats = await api("/api/meetings/" + meetingId + "/seats"); } catch (e) { return; }
    $("#seatmap-box").replaceChildren(SeatMap.attendance(seats));
  }
  async function loadRoll() {
    loadSeats();
    try { roll = await api("/api/meetings/" + meetingId + "/roll"); } catch (e) { return; }
    const present = roll.members.filter(m => m.attendance === "present").length;
    $("#roll-summary").textContent = "名册（已签到 " + present + " / 共 " + roll.members.length + " 人）";
    $("#roll").replaceChildren(...R.nodes(...roll.members.map(m => el("div", {class: m.attendance === "present" ? "" : "absent"},
      (m.attendance === "present" ? "✓ " : m.attendance === "leave" ? "假 " : m.attendance === "absent" ? "缺 " : "· ") + m.name + " ",
      el("span", {class: "small"}, m.seat)))));
    /* Codes staff issued in place of earlier ones: the chair sees each, with the reason. */
    const reissued = roll.members.filter(m => m.code_reissued);
    $("#code-reissues").hidden = !reissued.length;
    $("#code-reissues").replaceChildren(...R.nodes(el("strong", {}, "签到码重新发放（原签到码已作废）"),
      ...reissued.map(m => el("div", {class: "small"}, m.name + "（" + (m.seat || "") + "）· " + R.clock(m.code_reissued.at)
        + " · 原因：" + m.code_reissued.reason + " · " + m.code_reissued.by))));
  }

  /* -- agenda ---------------------------------------------------------------------------------- */
  function roundsOf(itemId) { return (state.votes || []).filter(v => v.item_id === itemId); }

  /* An item's state from its rounds (mirrors server/usecases/close_vote.needs_another_round), so
     the console is right even when the agenda snapshot lags behind the votes. */
  function itemState(item) {
    const rounds = roundsOf(item.id);
    if (rounds.some(v => v.state === "open")) return "voting";
    if (rounds.some(v => v.state === "decrypting")) return "decrypting";  // closed, the 监票人 decrypting the totals
    const last = rounds[rounds.length - 1];
    if (!last || last.state === "voided" || !last.result) return "pending";
    const r = last.result;
    const again = (r.tied || []).length || (r.unfilled && r.runoff) || r.round_valid === false || r.outcome === "invalid";
    return again ? "pending" : "done";
  }

  function renderAgenda() {
    const open = (state.votes || []).filter(v => v.state === "open");
    $("#agenda").replaceChildren(...R.nodes(...(state.items || []).map(item => {
      const rounds = roundsOf(item.id);
      const last = rounds[rounds.length - 1];
      const isOpen = open.some(v => v.item_id === item.id);
      const status = itemState(item);
      const li = el("li", {class: "is-" + status, "data-item": item.id},
        el("div", {class: "a-title"}, item.position + ". " + item.title),
        el("div", {class: "a-meta"}, (R.KIND[item.kind] || item.kind) + " · " + (item.secret ? "无记名" : "记名") + " · ",
          el("b", {}, R.ITEM_STATE[status] || R.VOTE_STATE[status]),
          last && last.result && !isOpen ? " · " + shortOutcome(last) : "",
          last && last.state === "voided" ? " · 上一轮已宣布无效" : ""));
      const row = el("div", {class: "row"});
      if (status === "pending" && open.length) {
        row.append(el("span", {class: "small"}, "正在进行另一项表决，结束后才能开始本项"));
      } else if (status === "pending") {
        row.append(el("button", {class: "btn btn-primary btn-small", type: "button", "data-open": item.id,
          onclick: () => openDialog(item)}, rounds.length ? "开始下一轮" : "开始表决"));
        if (["motion", "list_approval", "appointment"].includes(item.kind)) {
          row.append(el("button", {class: "btn btn-small", type: "button", onclick: () => manualDialog(item)}, "人工录入结果（举手）"));
        }
      }
      if (last && last.result) row.append(el("button", {class: "btn btn-small", type: "button", onclick: () => { featuredResult = last.id; renderResult(); }}, "查看结果"));
      if (row.childNodes.length) li.append(row);
      return li;
    })));
    $("#minutes-link").replaceChildren(...R.nodes(el("a", {href: "/print/minutes/" + meetingId, target: "_blank"}, "打印会议表决情况记录")));
  }
  function shortOutcome(vote) {
    const r = vote.result;
    if (r.outcome) return R.OUTCOME[r.outcome] || r.outcome;
    if (r.round_valid === false) return "无效";
    if (r.elected) return "当选/确定：" + (r.elected.join("、") || "无");
    return "已结束";
  }

  function roundChoices(item) {
    const rounds = roundsOf(item.id);
    const last = rounds[rounds.length - 1];
    const valid = rounds.filter(v => v.state !== "voided");
    const lastValid = valid[valid.length - 1];
    const out = [];
    if (last && last.state === "voided") out.push(["revote", "重新表决（前次已宣布无效）"]);
    if (!lastValid || lastValid.round_kind === "preliminary") out.push(["first", "首轮表决"]);
    if (item.kind === "election" && !lastValid) out.push(["preliminary", "预选"]);
    if (lastValid && lastValid.result) {
      if ((lastValid.result.tied || []).length) out.push(["tie_revote", "得票相等者再次投票"]);
      // 另行选举 only while tally proposes a slate: none once the 选举办法's max_runoff_rounds are held
      if (item.kind === "election" && lastValid.result.unfilled && lastValid.result.runoff) out.push(["runoff", "另行选举"]);
    }
    return out.length ? out : [["first", "首轮表决"]];
  }

  async function openDialog(item, preset) {
    const rounds = roundChoices(item);
    const round = el("select", {id: "d-round"}, rounds.map(([k, label]) => el("option", {value: k, selected: k === preset}, label)));
    const countdown = el("select", {id: "d-countdown"}, [["", "不限时"], ["10", "10秒"], ["30", "30秒"], ["60", "1分钟"], ["120", "2分钟"], ["180", "3分钟"], ["300", "5分钟"]]
      .map(([v, l]) => el("option", {value: v}, l)));
    const method = el("select", {id: "d-method"}, el("option", {value: "electronic"}, "电子表决"),
      item.kind === "election" ? el("option", {value: "paper"}, "纸质选票（计票人录入）") : null);
    const issued = el("input", {id: "d-issued", type: "number", min: 0, max: state.attendance.present, value: state.attendance.present});
    const issuedField = el("label", {class: "field", hidden: true}, "发出选票数（张）", issued);
    method.addEventListener("change", () => { issuedField.hidden = method.value !== "paper"; });
    const body = el("div", {},
      el("p", {class: "modal-text"}, "「" + item.title + "」"),
      el("p", {}, "开始后冻结表决名单：实到 " + state.attendance.present + " 人，应到 " + state.attendance.members_of_record + " 人。"),
      el("label", {class: "field"}, "轮次", round),
      el("label", {class: "field"}, "倒计时", countdown),
      el("label", {class: "field"}, "表决方式", method), issuedField);
    const ok = await R.dialog({title: "开始表决", body, buttons: [{label: "取消", value: false},
      {label: "开始表决", value: true, primary: true}]});
    if (!ok) return;
    const payload = {round: round.value, method: method.value};
    if (countdown.value) payload.countdown_s = Number(countdown.value);
    if (method.value === "paper") payload.ballots_issued = Number(issued.value);
    try {
      await api("/api/items/" + item.id + "/open", {body: payload});
      R.toast("表决已开始");
    } catch (e) { fail(e); }
  }

  async function manualDialog(item) {
    const def = item.definition || {};
    const perPerson = (item.kind === "appointment" && (def.mode || "individual") === "individual")
      || (item.kind === "list_approval" && def.mode === "per_person");
    const names = item.kind === "appointment" ? (def.items || []).map(i => [i.id || i.nominee, R.actionText(i)])
      : (def.persons || []).map(p => [p, p]);
    const num = name => el("input", {type: "number", min: 0, value: 0, "data-count": name, style: "width:6em"});
    const groups = perPerson ? names : [[null, "表决结果"]];
    const body = el("div", {}, el("p", {}, "举手表决后，由主持人录入清点的票数；系统按法定规则计算结果，并在审计日志中标明“人工录入”。"),
      ...groups.map(([key, label]) => el("fieldset", {"data-person": key || ""}, el("legend", {}, label),
        el("div", {class: "row"}, ...["yes", "no", "abstain"].map(c => el("label", {}, R.CHOICE[c] + " ", num(c)))))));
    const counts = () => {
      const read = fs => Object.fromEntries(["yes", "no", "abstain"].map(c => [c, Number(fs.querySelector("[data-count=" + c + "]").value || 0)]));
      const sets = [...body.querySelectorAll("fieldset")];
      return perPerson ? Object.fromEntries(sets.map(fs => [fs.dataset.person, read(fs)])) : read(sets[0]);
    };
    const present = state.attendance.present;
    const error = el("p", {class: "error", id: "m-error", role: "alert"});
    body.append(el("p", {class: "small"}, "实到 " + present + " 人；未举手的计为未按。"), error);
    const line = c => "赞成 " + c.yes + " 票，反对 " + c.no + " 票，弃权 " + c.abstain + " 票";
    const check = () => {
      const all = perPerson ? Object.entries(counts()) : [[null, counts()]];
      for (const [key, c] of all) {
        const total = c.yes + c.no + c.abstain;
        if (![c.yes, c.no, c.abstain].every(n => Number.isInteger(n) && n >= 0)) { error.textContent = "票数应为非负整数"; return false; }
        if (total > present) {
          error.textContent = (key ? (names.find(([k]) => k === key) || [key, key])[1] + "：" : "") + "赞成、反对、弃权合计 " + total
            + " 票，超过实到人数 " + present + " 人，请重新清点";
          return false;
        }
      }
      error.textContent = "";
      return true;
    };
    const values = await R.dialog({title: "人工录入结果：" + item.title, body, wide: true,
      buttons: [{label: "取消", value: false}, {label: "核对并录入", value: () => counts(), primary: true, check}]});
    if (!values) return;
    const summary = perPerson
      ? el("ul", {}, names.map(([key, label]) => el("li", {}, label + "：" + line(values[key]))))
      : el("p", {class: "modal-text"}, line(values) + "，未按 " + (present - values.yes - values.no - values.abstain) + " 人");
    const sure = await R.dialog({title: "确认录入（举手表决）", body: el("div", {id: "m-confirm"}, summary,
      el("p", {}, "录入后即为本议题的表决结果，在审计日志中标明“人工录入”，不能修改。确认录入吗？")),
      buttons: [{label: "返回", value: false}, {label: "确认录入", value: true, danger: true}]});
    if (!sure) return;
    try {
      const result = await api("/api/items/" + item.id + "/manual", {body: {method: "show_of_hands", counts: values}});
      R.toast("已录入：" + (R.OUTCOME[result.outcome] || ""));
    } catch (e) { fail(e); }
  }

  /* -- the open vote --------------------------------------------------------------------------- */
  function openVote() {
    const open = (state.votes || []).filter(v => v.state === "open");
    return open[open.length - 1] || null;
  }
  function renderVote() {
    const vote = openVote();
    const box = $("#vote");
    if (!vote) {
      box.replaceChildren(...R.nodes(el("p", {class: "small", id: "no-vote"}, "当前没有进行中的表决。请在议程中选择议题开始表决。")));
      return;
    }
    const buttons = el("div", {class: "row"});
    if (vote.deadline) {
      for (const s of [30, 60]) buttons.append(el("button", {class: "btn", type: "button", onclick: () => extend(vote, s)}, "延长" + s + "秒"));
    }
    buttons.append(el("button", {class: "btn btn-primary", type: "button", id: "close-vote", onclick: () => closeVote(vote)}, "结束表决"));
    buttons.append(el("button", {class: "btn btn-danger", type: "button", onclick: () => voidVote(vote)}, "宣布无效"));
    box.replaceChildren(...R.nodes(
      el("div", {class: "a-title", style: "font-size:1.3em;font-weight:800"}, vote.title),
      el("div", {class: "small"}, (R.KIND[vote.kind] || "") + " · 第" + vote.round_no + "轮（" + (R.ROUND[vote.round_kind] || "") + "） · "
        + (vote.named ? R.TERM.named : R.TERM.secret) + " · " + (R.METHOD[vote.method] || vote.method)
        + (vote.encryption ? " · 加密表决（选举公钥指纹 " + vote.encryption.fingerprint + "）" : "")),
      el("div", {class: "live-count"}, R.TERM.voted, el("span", {class: "num", id: "cast"}, vote.cast), R.TERM.not_voted,
        el("span", {class: "num", id: "not-voted"}, Math.max(0, vote.expected - vote.cast)),
        el("span", {class: "live-basis"}, "（参加表决 ", el("b", {id: "expected"}, vote.expected), " 人）")),
      vote.deadline ? el("div", {class: "chair-countdown", id: "chair-countdown"}) : null,
      el("div", {id: "pending"}),
      buttons));
    if (vote.method === "paper") {
      box.append(el("p", {class: "small"}, "纸质选票：计入的是两名计票人录入一致的选票张数。"));
    }
    updatePending(vote);
    tickVote();
  }
  function tickVote() {
    const vote = openVote();
    if (!vote) return;
    const cast = $("#cast");
    if (cast) cast.textContent = vote.cast;
    const notVoted = $("#not-voted");
    if (notVoted) notVoted.textContent = Math.max(0, vote.expected - vote.cast);
    const cd = $("#chair-countdown");
    if (cd && vote.deadline) {
      const left = R.remaining(vote.deadline);
      cd.textContent = "剩余时间 " + R.mmss(left);
      cd.classList.toggle("urgent", left <= 10);
    }
    if (pending.vote === vote.id && pending.cast !== vote.cast && !pendingTimer) {
      pendingTimer = setTimeout(() => { pendingTimer = null; const now = openVote(); if (now) updatePending(now); }, 400);
    }
  }
  async function updatePending(vote) {
    pending = {vote: vote.id, cast: vote.cast};
    let data;
    try { data = await api("/api/votes/" + encodeURIComponent(vote.id) + "/pending"); } catch (e) { return; }
    const box = $("#pending");
    if (!box) return;
    if (data.names) {
      box.replaceChildren(...R.nodes(el("p", {}, "尚未表决（" + data.count + " 人）："),
        el("div", {class: "pending-names", id: "pending-names"}, data.names.map(n => el("span", {}, n)))));
    } else {
      box.replaceChildren(...R.nodes(el("p", {id: "pending-count"}, "尚未表决 " + data.count + " 人（无记名表决，不显示姓名）")));
    }
  }
  async function extend(vote, seconds) {
    try { await api("/api/votes/" + encodeURIComponent(vote.id) + "/extend", {body: {seconds}}); R.toast("已延长" + seconds + "秒"); }
    catch (e) { fail(e); }
  }
  async function closeVote(vote) {
    const ok = await R.confirm("结束表决", "「" + vote.title + "」" + R.TERM.voted + " " + vote.cast + " 人，" + R.TERM.not_voted + " " + Math.max(0, vote.expected - vote.cast) + " 人"
      + (vote.encryption ? "。结束后不能再投票；本项为加密表决，由监票人解密合计后得出结果。确认结束吗？"
        : "。结束后不能再投票，系统立即计票并公布结果。确认结束吗？"), "结束表决", true);
    if (!ok) return;
    try {
      const out = await api("/api/votes/" + encodeURIComponent(vote.id) + "/close", {body: {}});
      featuredResult = vote.id;
      if (out && out.state === "decrypting") R.toast("表决已结束，等待 " + out.k + " 位监票人解密");  // 202
    } catch (e) { fail(e); }
  }
  async function voidVote(vote) {
    const ground = el("select", {id: "d-ground"}, [["system_fault", "表决系统故障"], ["procedural_error", "程序错误"],
      ["excess_ballots", "收回票数多于发出票数"], ["no_quorum", "不足法定人数"]].map(([v, l]) => el("option", {value: v}, l)));
    const reason = el("textarea", {id: "d-reason", rows: 3, style: "width:100%", placeholder: "请写明具体理由（记入审计日志）"});
    const error = el("p", {class: "error", id: "d-reason-error", role: "alert"});
    reason.addEventListener("input", () => { error.textContent = ""; });
    const body = el("div", {}, el("p", {}, "宣布「" + vote.title + "」第" + vote.round_no + "轮表决无效。只有为纠正无效表决才可重新表决；有效的未通过结果为最终结果。"),
      el("label", {class: "field"}, "理由", ground), el("label", {class: "field"}, "具体说明", reason), error);
    const ok = await R.dialog({title: "宣布表决无效", body, buttons: [{label: "取消", value: false},
      {label: "宣布无效", value: true, danger: true, check: () => {
        if (!reason.value.trim()) { error.textContent = "请写明具体理由，记入审计日志"; reason.focus(); return false; }
        return true;
      }}]});
    if (!ok) return;
    try { await api("/api/votes/" + encodeURIComponent(vote.id) + "/void", {body: {ground: ground.value, reason: reason.value.trim()}}); }
    catch (e) { fail(e); }
  }

  /* -- the result to announce ----------------------------------------------------------------- */
  function renderResult() {
    const vote = (state.votes || []).find(v => v.id === featuredResult);
    const panel = $("#result-panel");
    if (!vote || vote.state === "open") { panel.hidden = true; return; }
    panel.hidden = false;
    $("#result-heading").textContent = "表决结果：" + vote.title + (vote.round_no > 1 ? "（第" + vote.round_no + "轮）" : "");
    const box = $("#result");
    const item = (state.items || []).find(i => i.id === vote.item_id);
    const actions = el("div", {class: "row"},
      el("a", {class: "btn", href: "/print/vote/" + encodeURIComponent(vote.id), target: "_blank"}, "打印结果"));
    if (vote.state === "voided") {
      box.replaceChildren(...R.nodes(el("div", {class: "read-out"}, el("span", {class: "label"}, "宣读稿"), "本轮表决已宣布无效，将依法重新表决。")));
      if (item && itemState(item) === "pending") actions.append(el("button", {class: "btn btn-primary", type: "button", onclick: () => openDialog(item, "revote")}, "重新表决"));
      box.append(actions);
      return;
    }
    if (vote.state === "decrypting" && vote.decryption) {
      const d = vote.decryption;
      box.replaceChildren(...R.nodes(el("div", {class: "read-out", id: "decrypting"}, el("span", {class: "label"}, "加密表决"),
        "等待监票人解密（" + R.decryptionProgress(d) + "）"),
        el("p", {}, "表决已结束，共收到 " + d.ballots_cast + " 张加密选票。须由 " + d.k + " 位监票人在各自设备上解密合计"
          + (d.round ? "，再分两轮解密另选他人（先解各票另选人数，再解另选姓名；每轮 " + d.k + " 位）" : "") + "，结果随即在此显示。"),
        el("p", {class: "small"}, "选举公钥指纹 " + vote.encryption.fingerprint)));
      return;
    }
    if (!vote.result) { box.replaceChildren(...R.nodes(el("p", {}, "正在计票……"), Publish.status(vote))); return; }
    const declare = Publish.declareButton(vote, renderResult);
    if (declare) actions.prepend(declare);
    box.replaceChildren(...R.nodes(el("div", {class: "read-out", id: "announcement"}, el("span", {class: "label"}, "宣读稿（请主持人宣读）"), vote.result.announcement),
      Publish.status(vote), actions, Results.view(vote.result, {announcement: false})));
    if (vote.method === "electronic" || vote.method === "paper") {
      actions.append(el("button", {class: "btn btn-danger", type: "button", onclick: () => voidVote(vote)}, "宣布无效"));
    }
    if (item && itemState(item) === "pending") {
      for (const [k, label] of roundChoices(item)) if (k === "tie_revote" || k === "runoff") {
        actions.append(el("button", {class: "btn btn-primary", type: "button", onclick: () => openDialog(item, k)}, label));
      }
    }
  }

  /* -- wiring ---------------------------------------------------------------------------------- */
  function onState() {
    const before = featuredResult;
    for (const v of state.votes || []) {
      if (knownStates[v.id] && knownStates[v.id] !== v.state && v.state !== "open") featuredResult = v.id;
      if (!knownStates[v.id] && Object.keys(knownStates).length && v.state !== "open") featuredResult = v.id;
    }
    if (featuredResult === null) {
      const done = (state.votes || []).filter(v => v.state !== "open");
      if (done.length) featuredResult = done[done.length - 1].id;
    }
    knownStates = Object.fromEntries((state.votes || []).map(v => [v.id, v.state]));
    $("#meeting-title").textContent = state.meeting.title;
    renderAttendance(); renderAgenda(); renderVote(); renderResult(); reloadRoll();
    if (before !== null && featuredResult !== before) {
      // A new result to read out: bring it into view if the chair had scrolled away (e.g. to the agenda).
      const panel = $("#result-panel"), box = panel.getBoundingClientRect();
      if (!panel.hidden && (box.top < 0 || box.top > window.innerHeight - 120)) panel.scrollIntoView({block: "start"});
    }
  }

  R.rolePage(me => {
    meetingId = me.meeting_id;
    live = new R.Live({token: R.token(), onStatus: R.connectionStatus, onMessage: m => {
      if (m.type === "state") { state = m; Publish.merge(state, onState); onState(); }
      else if (m.type === "tick" && state) { renderAttendance(); tickVote(); }
      else if (m.type === "welcome") meetingId = m.meeting_id;
    }});
    live.start();
    R.syncClock("/api/audit/vkey");
    setInterval(() => { if (state) tickVote(); }, 500);
  });
})();
