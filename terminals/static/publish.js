/* The publish step (发布程序, docs/protocol.md "The publish step"), in a meeting whose setting
   publish_step is on: after close the public state carries a vote's result as null until the chair
   declares it. The chair's console and the scrutineers' page read the held result over HTTP
   (GET /api/votes/{id}: they may see it) and merge it into their state; the 总监票人 confirms it on
   /scrutineer (POST …/result/confirm), then the chair declares it on /chair (POST …/result/declare). */
"use strict";

const Publish = (() => {
  const {el, api} = R;
  const results = {};   // vote id -> the held result, once read
  const asked = {};     // vote id -> a read under way

  /* A vote held back by the step: closed, not yet declared. */
  function held(vote) { return Boolean(vote.publication && vote.state === "closed" && !vote.publication.declared_at); }

  /* Put the held results already read into the state's votes; read the missing ones and call
     ``changed`` once any arrives. */
  function merge(state, changed) {
    for (const vote of state.votes || []) {
      if (!vote.publication || vote.result || vote.state !== "closed") continue;
      if (results[vote.id]) { vote.result = results[vote.id]; continue; }
      if (asked[vote.id]) continue;
      asked[vote.id] = true;
      api("/api/votes/" + encodeURIComponent(vote.id)).then(full => {
        delete asked[vote.id];
        if (full.result) { results[vote.id] = full.result; vote.result = full.result; changed(); }
      }, () => { delete asked[vote.id]; });
    }
  }

  /* Where the step stands, in words, for the chair and the scrutineers. */
  function status(vote) {
    const p = vote.publication;
    if (!p) return null;
    const text = p.declared_at ? "结果已由" + p.declared_by + "宣布（" + R.clock(p.declared_at) + "），大屏和代表终端已显示"
      : p.confirmed_at ? "总监票人" + p.confirmed_by + "已确认计票结果（" + R.clock(p.confirmed_at) + "），等待主持人宣布；宣布前大屏和代表终端不显示结果"
      : "等待总监票人在计票监票页面确认计票结果；确认并由主持人宣布前，大屏和代表终端不显示结果";
    return el("p", {class: "publish-status " + (p.declared_at ? "tag-ok" : "tag-warn"), id: "publish-status"}, text);
  }

  async function post(vote, step, title, text, label) {
    if (!await R.confirm(title, text, label)) return null;
    try { return await api("/api/votes/" + encodeURIComponent(vote.id) + "/result/" + step, {body: {}}); }
    catch (e) { R.alertBox("操作未成功", e.message || String(e)); return null; }
  }

  /* The chair's 宣布结果 button (once confirmed, not yet declared), or null. */
  function declareButton(vote, done) {
    if (!held(vote) || !vote.publication.confirmed_at) return null;
    return el("button", {class: "btn btn-primary", id: "declare-result", type: "button", onclick: async () => {
      const out = await post(vote, "declare", "宣布表决结果", "宣读结果后确认：「" + vote.title + "」的结果将在会场大屏和代表终端显示，记入审计日志，不能撤回。", "宣布结果");
      if (out) { vote.publication = out.publication; done(); }
    }}, "宣布结果（大屏显示）");
  }

  /* The scrutineers' panel: every counted result waiting for the 总监票人's confirmation. */
  function scrutineerPanel(state, box, panel, rerender) {
    const waiting = (state.votes || []).filter(v => held(v));
    panel.hidden = !waiting.length;
    box.replaceChildren(...R.nodes(...waiting.map(vote => el("div", {class: "publish-vote", "data-vote": vote.id},
      el("h3", {}, vote.title + (vote.round_no > 1 ? "（第" + vote.round_no + "轮）" : "")),
      vote.result ? el("div", {class: "read-out"}, el("span", {class: "label"}, "计票结果"), vote.result.announcement) : el("p", {}, "正在读取计票结果……"),
      status(vote),
      vote.publication.confirmed_at || !vote.result ? null : el("div", {class: "row"},
        el("button", {class: "btn btn-primary", id: "confirm-result", type: "button", onclick: async () => {
          const out = await post(vote, "confirm", "确认计票结果（总监票人）", "核对「" + vote.title + "」的计票结果无误后确认。确认后记入审计日志，不能撤回；由主持人宣布后大屏才显示。", "确认");
          if (out) { vote.publication = out.publication; rerender(); }
        }}, "确认计票结果"),
        el("a", {class: "btn", target: "_blank", href: "/print/vote/" + encodeURIComponent(vote.id)}, "打印结果"))))));
  }

  return {held, merge, status, declareButton, scrutineerPanel};
})();
