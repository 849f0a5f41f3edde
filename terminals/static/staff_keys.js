/* The staff page's 监票人密钥生成 tab: staff choose the meeting's 监票人 accounts in their order
   (the 总监票人 first) and the quorum k, and start the key ceremony; the panel then follows it
   round by round (who has posted) and shows the election key's fingerprint when it is made.
   Staff start it again when a 监票人's device reports a bad share (docs/protocol.md "The key
   ceremony"). Staff never hold any part of the key: each 监票人 makes theirs on their own device. */
"use strict";

(() => {
  const {el, $, api} = R;
  let meetingId = null, view = null, accounts = null;
  let chosen = [], k = null, kTouched = false;  // the form: usernames in order, the quorum
  let setup = false;                            // showing the form over a ceremony in progress
  let error = "", loading = false, timer = null;

  const defaultK = n => Math.floor(n / 2) + 1;
  function tabShown() { return !$("[data-panel=keys]").hidden; }

  async function load() {
    if (meetingId === null || loading) return;
    loading = true;
    try {
      view = await api("/api/meetings/" + meetingId + "/ceremony");
      if (accounts === null || !view.ceremony || view.ceremony.state === "abandoned" || setup) {
        accounts = (await api("/api/accounts")).filter(a => a.role === "scrutineer" && !a.disabled);
      }
    } catch (e) {
      error = e.message;
    } finally {
      loading = false;
    }
    render();
    clearTimeout(timer);
    const c = view && view.ceremony;
    if (c && !["done", "abandoned"].includes(c.state) && tabShown()) timer = setTimeout(load, 3000);
  }

  function render() {
    const box = $("#ceremony");
    const c = view && view.ceremony;
    const parts = [];
    if (c && c.state === "done") {
      parts.push(Ceremony.fingerprint(c.result.fingerprint, "ceremony-fingerprint"),
        el("p", {id: "ceremony-stage", class: "tag-ok"}, "选举公钥已生成：此后开始的无记名电子表决都将在代表终端上加密，由其中任意 "
          + c.statement.k + " 位监票人共同解密计票。选举公钥一经生成不能更换。"),
        Ceremony.progress(c));
    } else if (c && c.state !== "abandoned" && !setup) {
      parts.push(el("p", {id: "ceremony-stage"}, el("b", {}, "进行中：" + Ceremony.stageLine(c)),
        "。共 " + c.statement.n + " 位监票人，解密需 " + c.statement.k + " 位。每位监票人在自己的设备上打开「计票监票」页面，按步骤操作。"),
        Ceremony.progress(c),
        el("div", {class: "banner-notice stack"}, el("p", {}, "如有监票人的设备报告「份额无效」，或有监票人无法完成，请重新开始密钥生成（本次未完成的密钥生成作废）。"),
          el("button", {class: "btn btn-danger", type: "button", id: "ceremony-restart", onclick: restart}, "重新开始密钥生成")));
    } else {
      if (c && c.state === "abandoned") parts.push(el("p", {class: "tag-warn"}, "上一次密钥生成已作废，请重新开始。"));
      parts.push(...form(c));
    }
    parts.push(el("p", {class: "error", id: "ceremony-error", role: "alert"}, error));
    box.replaceChildren(...R.nodes(...parts));
  }

  function form(c) {
    if (accounts === null) return [el("p", {}, "正在读取账号……")];
    chosen = chosen.filter(u => accounts.some(a => a.username === u));
    if (!kTouched || k === null || k > chosen.length) k = chosen.length ? defaultK(chosen.length) : null;
    const name = u => { const a = accounts.find(x => x.username === u); return a ? a.display_name || a.username : u; };
    const free = accounts.filter(a => !chosen.includes(a.username));
    const list = el("ol", {class: "agenda", id: "ceremony-chosen"}, chosen.map((u, at) => el("li", {"data-chosen": u},
      el("div", {class: "a-title"}, (at === 0 ? "总监票人：" : "监票人：") + name(u) + "（" + u + "）"),
      el("div", {class: "row"},
        at > 0 ? el("button", {class: "btn", type: "button", onclick: () => {
          [chosen[at - 1], chosen[at]] = [chosen[at], chosen[at - 1]]; render();
        }}, "上移") : null,
        el("button", {class: "btn", type: "button", "data-remove": u, onclick: () => {
          chosen.splice(at, 1); render();
        }}, "移除")))));
    const quorum = el("select", {id: "ceremony-k", disabled: !chosen.length}, chosen.map((_, at) =>
      el("option", {value: at + 1, selected: at + 1 === k}, (at + 1) + " 位" + (at + 1 === defaultK(chosen.length) ? "（默认：过半数）" : ""))));
    quorum.addEventListener("change", () => { k = Number(quorum.value); kTouched = true; });
    return [
      el("p", {}, "加密无记名表决的选举公钥由本次会议的总监票人和监票人在各自的设备上共同生成；工作人员、主持人和服务器都不持有密钥。"
        + "表决结束后，须有其中 k 位监票人在各自设备上确认解密，才能得出结果。"),
      el("h3", {}, "1. 按顺序选择监票人账号（第1位为总监票人）"),
      free.length ? el("div", {class: "row", id: "ceremony-accounts"}, free.map(a => el("button", {class: "btn", type: "button",
        "data-add": a.username, onclick: () => { chosen.push(a.username); render(); }}, "加入 " + (a.display_name || a.username))))
        : el("p", {class: "small"}, accounts.length ? "所有计票人/监票人账号都已加入。" : "还没有计票人/监票人账号：请先在「账号」中新建。"),
      chosen.length ? list : el("p", {class: "small"}, "尚未选择监票人。"),
      el("h3", {}, "2. 解密所需人数 k"),
      el("label", {class: "field"}, "表决结束后须有几位监票人共同解密", quorum),
      el("div", {class: "row"},
        el("button", {class: "btn btn-primary", type: "button", id: "ceremony-start", disabled: !chosen.length, onclick: start},
          "开始密钥生成"),
        setup && c && c.state !== "abandoned" ? el("button", {class: "btn", type: "button", onclick: () => { setup = false; render(); }}, "返回") : null),
    ];
  }

  async function restart() {
    const c = view.ceremony;
    const ok = await R.confirm("重新开始密钥生成", "本次未完成的密钥生成（" + Ceremony.stageLine(c) + "）将作废，"
      + "各监票人设备上为它保存的秘密随之作废。请重新选择监票人后开始。", "重新开始", true);
    if (!ok) return;
    chosen = c.accounts.slice();
    k = c.statement.k; kTouched = true;
    setup = true;
    error = "";
    await load();
  }

  async function start() {
    if (!chosen.length) return;
    const n = chosen.length;
    const ok = await R.confirm("开始密钥生成", n + " 位监票人（总监票人：" + chosen[0] + "），表决结束后须有其中 " + k
      + " 位共同解密。开始后请各位监票人在自己的设备上打开「计票监票」页面，依次完成三个步骤。", "开始");
    if (!ok) return;
    error = "";
    try {
      view = await api("/api/meetings/" + meetingId + "/ceremony", {body: {trustees: chosen, k}});
      setup = false;
      R.toast("密钥生成已开始");
    } catch (e) {
      error = "未能开始：" + e.message;
    }
    render();
    load();
  }

  function onState(m) {
    meetingId = m.meeting.id;
    if (tabShown() || view === null) load();
  }
  document.addEventListener("renda:state", event => onState(event.detail));
  if (window.RENDA_STATE) onState(window.RENDA_STATE);  // a state that came before this script ran
  document.querySelector("[data-tab=keys]").addEventListener("click", () => { error = ""; load(); });
})();
