/* The auditor's page (审计核验): download the audit export and run the verifier on it with its
   report in Chinese (verify_report.js), watch the signed checkpoints grow, and check a deputy's
   receipt against the log (the receipt names a leaf, never a choice). */
"use strict";

(() => {
  const {el, $, api} = R;
  const seen = [];

  async function loadCheckpoint() {
    try {
      const note = await (await fetch("/api/audit/checkpoint", {cache: "no-store"})).text();
      $("#checkpoint").textContent = note;
      const lines = note.split("\n");
      if (!seen.length || seen[seen.length - 1].size !== lines[1]) {
        seen.push({size: lines[1], root: lines[2], at: new Date().toLocaleTimeString("zh-CN")});
        $("#checkpoints").replaceChildren(...R.nodes(...seen.slice(-8).reverse().map(c => el("li", {}, c.at + "：日志大小 " + c.size + "，根哈希 " + c.root))));
      }
      $("#vkey").textContent = (await (await fetch("/api/audit/vkey", {cache: "no-store"})).text()).trim();
    } catch (e) { R.toast("无法读取检查点", "bad"); }
  }

  $("#refresh").addEventListener("click", loadCheckpoint);
  $("#receipt-file").addEventListener("change", async event => {
    const file = event.target.files[0];
    if (file) $("#receipt").value = await file.text();
  });
  $("#verify").addEventListener("click", async () => {
    const out = $("#verify-result");
    let receipt;
    try { receipt = JSON.parse($("#receipt").value); } catch (e) { out.replaceChildren(...R.nodes(el("p", {class: "error"}, "凭证不是有效的 JSON"))); return; }
    if (receipt && typeof receipt.receipt === "object") receipt = receipt.receipt; // a saved {type: "receipt", ...} frame
    try {
      const result = await api("/api/audit/check-receipt", {body: receipt});
      const good = result.ok !== undefined ? result.ok : result.included;
      out.replaceChildren(...R.nodes(el("p", {class: "verdict " + (good ? "verdict-pass" : "verdict-fail"), id: "verify-verdict",
        "data-ok": String(!!good)}, result.message),
        el("p", {class: "small"}, "叶序号 " + result.index + "，日志大小 " + result.log_size)));
    } catch (e) { out.replaceChildren(...R.nodes(el("p", {class: "error", id: "verify-verdict"}, e.message))); }
  });

  VerifyPanel.mount();
  R.rolePage(() => {
    loadCheckpoint();
    setInterval(loadCheckpoint, 10000);
    const live = new R.Live({token: R.token(), onStatus: R.connectionStatus, onMessage: m => {
      if (m.type !== "state") return;
      $("#meeting-title").textContent = m.meeting.title;
      $("#results").replaceChildren(...R.nodes(...(m.votes || []).filter(v => v.state !== "open").map(v => el("li", {},
        el("div", {class: "a-title"}, v.title + "（第" + v.round_no + "轮）"),
        el("div", {class: "a-meta"}, (R.VOTE_STATE[v.state] || v.state) + (v.result ? " · " + v.result.announcement : "")),
        el("a", {href: "/print/vote/" + encodeURIComponent(v.id), target: "_blank"}, "查看结果单")))));
    }});
    live.start();
  });
})();
