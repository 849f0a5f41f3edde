/* The scrutineers' page (计票人/监票人): the election report to check (发出/收回/有效/无效, every
   candidate's count) with a printable 计票结果报告, and the paper-ballot entry form: two 计票人
   each key every ballot; a ballot is counted only when both entries match, mismatches are listed.
   The 总监票人/监票人/计票人 who sign the results also download the audit export and run the
   verifier from here (verify_report.js). */
"use strict";

(() => {
  const {el, $, api} = R;
  let me = null;
  let state = null, selected = null, nextNo = 1, status = null, statusTimer = null;

  function fail(e) { R.alertBox("操作未成功", e.message || String(e)); }
  function votes() { return (state.votes || []).filter(v => v.kind === "election" || v.kind === "project_vote"); }

  function renderList() {
    const list = votes();
    if (!selected && list.length) selected = (list.find(v => v.state === "open" && v.method === "paper") || list[list.length - 1]).id;
    $("#votes").replaceChildren(...R.nodes(...list.map(v => el("li", {class: v.id === selected ? "is-voting" : "", "data-vote": v.id},
      el("div", {class: "a-title"}, v.title), el("div", {class: "a-meta"}, "第" + v.round_no + "轮（" + (R.ROUND[v.round_kind] || "") + "） · "
        + (R.METHOD[v.method] || v.method) + " · " + (R.VOTE_STATE[v.state] || v.state)),
      el("div", {class: "row"}, el("button", {class: "btn btn-small", type: "button", onclick: () => { selected = v.id; render(); }}, "选择"))))));
    if (!list.length) $("#votes").replaceChildren(...R.nodes(el("li", {}, "尚无选举或项目票决")));
  }

  function renderPublish() {
    Publish.scrutineerPanel(state, $("#publish"), $("#publish-panel"), renderPublish);
  }

  function render() {
    renderPublish();
    renderList();
    const vote = votes().find(v => v.id === selected);
    $("#paper-panel").hidden = !(vote && vote.state === "open" && vote.method === "paper");
    $("#report-panel").hidden = !vote;
    if (!vote) return;
    renderReport(vote);
    if (vote.state === "open" && vote.method === "paper") renderPaper(vote);
  }

  function renderReport(vote) {
    $("#report-title").textContent = "计票结果报告：" + vote.title;
    const box = $("#report");
    if (vote.state === "open") {
      box.replaceChildren(...R.nodes(el("p", {}, "投票进行中：" + (vote.method === "paper" ? "已计入 " + vote.cast + " 张选票" : R.TERM.voted + " " + vote.cast + " 人，" + R.TERM.not_voted + " " + Math.max(0, vote.expected - vote.cast) + " 人") + "。结束后在此核对计票结果。")));
      return;
    }
    if (vote.state === "voided") { box.replaceChildren(...R.nodes(el("p", {class: "error"}, "本轮已宣布无效。"))); return; }
    if (!vote.result) { box.replaceChildren(...R.nodes(el("p", {}, "无结果"))); return; }
    const b = vote.result.ballots || {};
    const checks = el("ul", {id: "checks"},
      el("li", {}, "收回 " + b.returned + " 张 ≤ 发出 " + b.issued + " 张：", b.returned <= b.issued ? el("b", {class: "tag-ok"}, "符合，本次选举有效")
        : el("b", {class: "tag-bad"}, "收回多于发出，本次选举无效（选举法 第四十四条）")),
      el("li", {}, "有效 " + b.valid + " + 无效 " + b.void + " = 收回 " + b.returned + "：", b.valid + b.void === b.returned ? el("b", {class: "tag-ok"}, "相符") : el("b", {class: "tag-bad"}, "不符")));
    const confirmed = vote.confirmations || [];
    const mine = Boolean(me && confirmed.includes(me.name));
    box.replaceChildren(...R.nodes(Results.view(vote.result), el("h3", {}, "总监票人核对"), checks,
      el("p", {id: "confirmations"}, confirmed.length ? "已确认：" + confirmed.join("、") : "尚无监票人确认"),
      el("div", {class: "row"},
        el("button", {class: "btn btn-primary", id: "confirm-report", type: "button", disabled: mine ? "" : null,
          onclick: () => confirmReport(vote)}, mine ? "您已确认" : "确认计票结果报告"),
        el("a", {class: "btn", id: "print-report", target: "_blank",
          href: "/print/vote/" + encodeURIComponent(vote.id) + "?only=scrutineer"}, "打印计票结果报告（签名）"))));
  }

  async function confirmReport(vote) {
    const b = vote.result.ballots || {};
    const ok = await R.confirm("确认计票结果报告", "「" + vote.title + "」第" + vote.round_no + "轮：发出 " + b.issued
      + " 张，收回 " + b.returned + " 张，有效 " + b.valid + " 张，无效 " + b.void + " 张。确认后记入审计日志，不能撤回。", "确认");
    if (!ok) return;
    try {
      const out = await api("/api/votes/" + encodeURIComponent(vote.id) + "/confirm", {body: {}});
      vote.confirmations = out.confirmations;
      render();
    } catch (e) { fail(e); }
  }

  function renderPaper(vote) {
    $("#paper-title").textContent = "纸质选票录入：" + vote.title;
    const def = vote.definition || {};
    const election = vote.kind === "election";
    const names = election ? def.candidates || [] : (def.projects || []).map(p => typeof p === "string" ? p : p.name);
    const seats = election ? def.seats || 1 : def.choose || 1;
    const writeIns = election && def.allow_write_ins !== false && ["first", "runoff"].includes(def.round || "first") ? seats : 0;
    const marks = {};
    const number = el("input", {id: "p-no", type: "number", min: 1, value: nextNo, style: "width:7em"});
    const rows = names.map(n => el("div", {class: "t-row"}, el("div", {class: "t-row-name"}, n),
      el("div", {class: "seg"}, ["yes", "no", "abstain"].map(o => el("button", {type: "button", class: "s-" + o, "data-name": n,
        "data-option": o, "aria-pressed": "false", onclick: event => {
          marks[n] = marks[n] === o ? undefined : o;
          for (const b of event.target.parentNode.children) b.setAttribute("aria-pressed", String(marks[n] === b.dataset.option));
        }}, R.CHOICE[o])))));
    const inputs = [];
    for (let i = 0; i < writeIns; i++) inputs.push(el("input", {type: "text", "data-writein": i, placeholder: "另选他人（照票面填写）"}));
    const message = el("p", {id: "p-message", role: "status"});
    const submit = async () => {
      const ballot = {marks: Object.fromEntries(Object.entries(marks).filter(([, v]) => v))};
      const w = inputs.map(x => x.value.trim()).filter(Boolean);
      if (w.length) ballot.write_ins = w;
      try {
        const out = await api("/api/votes/" + encodeURIComponent(vote.id) + "/paper", {body: {ballot_no: Number(number.value), ballot}});
        const text = {waiting: "已录入，等待另一名计票人录入", mismatch: "两次录入不一致，请交总监票人核对", counted: "两次录入一致，已计入"}[out.state];
        // the server knows who keyed this ballot first: nobody picks 第1/第2录入人 by hand
        message.textContent = "第" + out.ballot_no + "号选票（您是第" + out.slot + "录入人）：" + text;
        message.className = out.state === "mismatch" ? "error" : "tag-ok";
        nextNo = Number(number.value) + 1;
        renderPaper(vote);
        $("#p-message").replaceWith(message);
        loadStatus(vote);
      } catch (e) { message.textContent = e.message; message.className = "error"; }
    };
    $("#paper").replaceChildren(...R.nodes(
      el("div", {class: "row"}, el("label", {}, "选票序号 ", number),
        el("span", {class: "small"}, "发出选票 " + (def.ballots_issued || 0) + " 张")),
      el("p", {class: "small"}, "照票面录入：画“赞成”“反对”“弃权”的按票面，未画的不选（按弃权计）；赞成超过应选" + seats + "名的选票照实录入，系统计为无效票。"),
      el("div", {class: "t-list"}, rows, inputs.map(x => el("label", {class: "writein"}, el("span", {}, "另选他人"), x))),
      el("div", {class: "row", style: "margin-top:.6em"}, el("button", {class: "btn btn-primary", type: "button", id: "p-submit", onclick: submit}, "录入本张选票")),
      message, el("div", {id: "p-status"})));
    loadStatus(vote);
  }

  async function loadStatus(vote) {
    try { status = await api("/api/votes/" + encodeURIComponent(vote.id) + "/paper"); } catch (e) { return; }
    const box = $("#p-status");
    if (!box) return;
    const line = (label, list, cls) => el("p", {}, el("b", {class: cls}, label + "（" + list.length + "）："), list.join("、") || "无");
    box.replaceChildren(...R.nodes(el("h3", {}, "录入情况"), line("已计入", status.counted, "tag-ok"), line("等待第二次录入", status.waiting, "tag-warn"),
      line("两次录入不一致", status.mismatched, "tag-bad")));
  }

  VerifyPanel.mount();
  R.rolePage(who => {
    me = who;
    const live = new R.Live({token: R.token(), onStatus: R.connectionStatus, onMessage: m => {
      if (m.type === "state") {
        const before = state && votes().find(v => v.id === selected);
        state = m;
        Publish.merge(state, render);
        $("#meeting-title").textContent = m.meeting.title;
        window.RENDA_STATE = m;  // for scrutineer_keys.js, whenever it starts
        document.dispatchEvent(new CustomEvent("renda:state", {detail: m}));
        const after = votes().find(v => v.id === selected);
        if (!before || !after || before.state !== after.state || !document.querySelector("#p-submit")) render();
        else { renderList(); renderPublish(); }
      }
    }});
    live.start();
    clearInterval(statusTimer);
    statusTimer = setInterval(() => { const v = state && votes().find(x => x.id === selected); if (v && v.state === "open" && v.method === "paper") loadStatus(v); }, 4000);
  });
})();
