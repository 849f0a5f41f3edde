/* The deputy's tablet (代表表决终端): sign in with the session code, 签到, wait, vote, receipt.

   Ballots are idempotent (docs/protocol.md): each gets a random 32-hex ballot_id, is kept in
   localStorage until the server's receipt arrives, and is resent under the same id after every
   reconnect — so a ballot lands exactly once however the network behaves. A change of choice
   sends `replaces` = the previous ballot id. Every ballot of a vote carries this tablet's
   `cast_token` for that vote, a random secret kept in this tablet's localStorage only: in a secret
   vote only the tablet holding it can resend, replace or get back its ballot, and another device
   of the same deputy is told only that they have voted. Election-type ballots are shown only while the
   deputy marks them (秘密写票): once submitted, the marks leave the screen, and their content
   leaves localStorage as soon as the server has acknowledged them.

   An encrypted secret vote (its state entry has `encryption`, docs/protocol.md "Encrypted secret
   votes") is marked the same way; on 提交 the tablet encrypts the marks (BallotCrypto, on the pinned
   libsodium.js) and shows the ballot's tracking code with two choices: 确认投票 (the randomness is
   wiped, the encrypted ballot is sent and kept for resends like any other) or 核验此选票 (Benaloh:
   the ballot is opened and spoiled — never counted — and the values it encrypted are shown beside
   the labels for the deputy to compare; then it is encrypted afresh). An encrypted election that
   allows write-ins (另选他人) has one write-in field per slot of its form: each name written is
   sealed in its slot (encryptBallot {names}), and a challenge shows the names sealed. Nothing of the marks or the
   randomness is stored; after casting the tablet keeps the ciphertext, its tracking code and the
   receipt. */
"use strict";

(() => {
  const {el, $, CHOICE, GRADE} = R;
  const RETRY = new Set(["storage_unavailable", "ballot_in_progress", "rate_limited"]);
  const BOOTH = new Set(["election", "project_vote", "satisfaction"]);

  let live = null;
  let state = null, me = null, welcome = null;
  let store = {pending: {}, receipts: {}, tokens: {}};
  let storeKey = null;
  let drafts = {};        // vote id -> ballot being marked (memory only)
  let editing = {};       // vote id -> true while changing an acknowledged choice
  let notices = {};       // vote id -> refusal message to show on the form
  let refused = {};       // vote id -> refusal of a change (first press counts), shown with the receipt
  let stage = {};         // vote id -> "form" | "confirm" | encrypted: "encrypting" | "sealed" | "challenging" | "opened"
  let plain = {};         // vote id -> {ballot, label}: what an encrypted vote's sealed ballot holds (memory only)
  let sealed = {};        // vote id -> BallotCrypto.encryptBallot(…) shown, not yet cast or challenged (memory only)
  let challenges = {};    // vote id -> {ballot, opening, error, busy}: a challenge being sent
  let opened = {};        // vote id -> {values, code}: what the challenged ballot encrypted (the server's check)
  let contexts = {};      // vote id -> null, or why its encryption cannot be used
  let cryptoState = typeof BallotCrypto === "undefined" ? "本终端的加密组件未能加载，请刷新页面" : "loading";
  let renderedKey = null;
  let checkingIn = false;
  let loginMessage = "";

  /* -- local storage of ballots ------------------------------------------------------------ */
  function loadStore(memberId) {
    storeKey = "renda.tablet.m" + memberId + ".meeting" + (welcome ? welcome.meeting_id : "");
    try { store = JSON.parse(localStorage.getItem(storeKey)) || {pending: {}, receipts: {}, tokens: {}}; }
    catch (e) { store = {pending: {}, receipts: {}, tokens: {}}; }
    store.pending = store.pending || {}; store.receipts = store.receipts || {}; store.tokens = store.tokens || {};
  }
  /* This tablet's secret for a vote: made at its first ballot, kept here only, sent with each of them. */
  function castToken(voteId) {
    if (!store.tokens[voteId]) store.tokens[voteId] = R.randomId();
    return store.tokens[voteId];
  }
  function saveStore() { if (storeKey) localStorage.setItem(storeKey, JSON.stringify(store)); }
  function pendingFor(voteId) {
    return Object.entries(store.pending).filter(([, p]) => p.vote_id === voteId).map(([id, p]) => ({id, ...p}));
  }

  /* -- sending --------------------------------------------------------------------------------- */
  function message(ballotId, p) {
    const m = {type: "ballot", vote_id: p.vote_id, ballot_id: ballotId, ballot: p.ballot, cast_token: p.cast_token};
    if (p.replaces) m.replaces = p.replaces;
    return m;
  }
  function submit(vote, ballot, label, encrypted) {
    if (vote.encryption && !encrypted) { seal(vote, ballot, label); return; }
    const ballotId = encrypted ? encrypted.ballotId : R.randomId();
    const previous = store.receipts[vote.id] || null;
    const fromServer = me && me.votes && me.votes[vote.id];
    const replaces = previous ? previous.ballot_id : (fromServer && fromServer.ballot_id) || null;
    store.pending[ballotId] = {vote_id: vote.id, ballot, replaces: editing[vote.id] ? replaces : null,
      cast_token: castToken(vote.id), label: BOOTH.has(vote.kind) || encrypted ? null : label, at: Date.now(),
      sent: 0, ...(encrypted ? {tracker: encrypted.tracker, code: encrypted.code} : {})};
    saveStore();
    delete drafts[vote.id]; delete editing[vote.id]; delete notices[vote.id]; delete stage[vote.id];
    forget(vote.id);
    sendPending(ballotId);
    render(true);
  }
  function sendPending(ballotId) {
    const p = store.pending[ballotId];
    if (!p || !live || !live.ready) return;
    if (live.send(message(ballotId, p))) { p.sent = Date.now(); p.tries = (p.tries || 0) + 1; saveStore(); }
  }
  function resendAll(force) {
    for (const [id, p] of Object.entries(store.pending)) {
      if (force || Date.now() - (p.sent || 0) > 3000) sendPending(id);
    }
  }

  /* -- incoming --------------------------------------------------------------------------------- */
  function onMessage(m) {
    if (m.type === "welcome") {
      welcome = m;
      if (m.role !== "deputy") { signOut("此终端仅供代表使用，请输入代表签到码"); return; }
      loadStore(m.member_id);
    } else if (m.type === "state") {
      state = m;
      // The state that shows a vote opening says whether this deputy may vote in it. (Before the
      // first "me" there is nothing to patch; that "me" is built after the vote opened.)
      if (m.me_votes && me) me.votes = Object.assign({}, me.votes || {}, m.me_votes);
      for (const id of Object.keys(Object.assign({}, plain, sealed, challenges, opened))) {
        if (!(m.votes || []).some(v => v.id === id && v.state === "open")) { forget(id); delete stage[id]; }
      }
      resendAll(true);
      render();
    } else if (m.type === "attendance") {
      // 实到 while waiting: the server's small attendance frame (at most one a second)
      if (state) { state.attendance = m.attendance; updateLive(); }
    } else if (m.type === "me") {
      me = m;
      checkingIn = false;
      // A receipt the server holds but this tablet lost (another tab, cleared storage).
      for (const [voteId, entry] of Object.entries(m.votes || {})) {
        if (entry.receipt && entry.ballot_id && !store.receipts[voteId] && !pendingFor(voteId).length) {
          store.receipts[voteId] = {ballot_id: entry.ballot_id, receipt: entry.receipt, label: null};
        }
      }
      saveStore();
      render();
    } else if (m.type === "receipt") {
      const p = store.pending[m.ballot_id];
      const label = p ? p.label : (store.receipts[m.vote_id] || {}).label;
      delete store.pending[m.ballot_id];
      const current = store.receipts[m.vote_id];
      if (!current || current.ballot_id === m.replaced || current.ballot_id === m.ballot_id || p) {
        const entry = {ballot_id: m.ballot_id, receipt: m.receipt, label};
        if (m.tracker) {
          entry.tracker = m.tracker;
          // the tracker the server computed must be the one this tablet showed before casting
          const mine = p ? p.tracker : current && current.ballot_id === m.ballot_id ? current.tracker : null;
          if (mine && mine !== m.tracker) entry.mismatch = true;
        }
        store.receipts[m.vote_id] = entry;
      }
      saveStore();
      render(true);
    } else if (m.type === "error") {
      if (m.code === "bad_token") { signOut("登录已失效，请重新输入签到码"); return; }
      if (m.ref && store.pending[m.ref]) {
        if (RETRY.has(m.code)) return; // resent by the timer
        const p = store.pending[m.ref];
        delete store.pending[m.ref];
        saveStore();
        notices[p.vote_id] = m.message;
        if (m.code === "already_voted" && me && me.votes && me.votes[p.vote_id]) {
          // First press counts and this deputy's first ballot came from elsewhere (another device):
          // show the refusal on the receipt screen and fetch the server's record of that ballot.
          me.votes[p.vote_id].voted = true;
          refused[p.vote_id] = m.message;
          if (live) live.send({type: "sync"});
        } else {
          R.toast("选票未被接受：" + m.message, "bad");
        }
        render(true);
        return;
      }
      if (!m.ref) {
        checkingIn = false;
        R.toast(m.message, "bad");
        render(true);
      }
    }
  }

  /* -- sign-in ---------------------------------------------------------------------------------- */
  function signOut(text) {
    if (live) live.close();
    live = null; state = null; me = null; welcome = null; storeKey = null;
    R.setToken(null);
    loginMessage = text || "";
    render(true);
  }
  async function login(code) {
    loginMessage = "";
    try {
      const data = await R.api("/api/deputy/login", {body: {code: code.trim().toUpperCase()}});
      R.setToken(data.token);
      start();
    } catch (e) {
      loginMessage = e.message;
      render(true);
      const input = $("#t-code");
      if (input) { input.value = code; input.select(); }
    }
  }
  function start() {
    const token = R.token();
    if (!token) { render(true); return; }
    live = new R.Live({token, onMessage, onStatus: ready => { R.connectionStatus(ready); if (ready) resendAll(true); render(); }});
    live.start();
    render(true);
  }

  /* -- which screen ------------------------------------------------------------------------------ */
  function currentVote() {
    if (!state || !me) return null;
    const open = (state.votes || []).filter(v => v.state === "open");
    if (!open.length) return null;
    const mine = open.filter(v => v.method === "electronic" && (me.votes[v.id] || {}).eligible);
    const notDone = mine.find(v => !hasVoted(v));
    return notDone || mine[mine.length - 1] || open[open.length - 1];
  }
  function hasVoted(vote) {
    return !!(store.receipts[vote.id] || pendingFor(vote.id).length || (me.votes[vote.id] || {}).voted);
  }
  function screenKey() {
    if (!R.token()) return "login";
    if (!state || !me) return "connecting";
    if (!me.checked_in) return "checkin:" + checkingIn;
    const vote = currentVote();
    if (!vote) {
      const last = lastClosed();
      return "wait:" + (last ? last.id + last.state + (last.decryption ? last.decryption.received.length : "")
        + (last.result ? ":result" : "") : "");
    }
    if (vote.method !== "electronic") return "paper:" + vote.id;
    if (!(me.votes[vote.id] || {}).eligible) return "noteligible:" + vote.id;
    if (hasVoted(vote) && !editing[vote.id]) {
      const p = pendingFor(vote.id), r = store.receipts[vote.id];
      return "done:" + vote.id + ":" + (p.length ? "pending:" + pendingActivity(p) : "ok") + ":" + (r ? r.ballot_id : "") + ":" + (refused[vote.id] || "");
    }
    const c = challenges[vote.id];
    const detail = sealed[vote.id] ? sealed[vote.id].code : c ? (c.busy ? "busy" : c.error || "") : opened[vote.id] ? opened[vote.id].code : "";
    return "form:" + vote.id + ":" + (stage[vote.id] || "form") + ":" + (notices[vote.id] || "") + ":" + detail + ":" + cryptoState;
  }
  /* What the tablet is doing about a ballot the server has not acknowledged yet. */
  function pendingActivity(pending) {
    if (!live || !live.ready) return "offline";
    return pending.some(p => (p.tries || 0) > 1) ? "resending" : "sending";
  }
  const PENDING_TEXT = {
    offline: "网络连接中断：选票保存在本机，尚未送达服务器。连接恢复后本机自动重新发送，请不要离开。",
    sending: "正在发送选票，等待服务器回执……",
    resending: "正在重新发送……服务器尚未回执，本机会一直重试，请不要离开。",
  };

  function lastClosed() {
    const closed = ((state && state.votes) || []).filter(v => v.state !== "open" && (v.result || v.state === "voided" || v.state === "decrypting"
      || (v.publication && !v.publication.declared_at)));  // publish step: closed, the result not yet declared
    return closed.length ? closed[closed.length - 1] : null;
  }

  function render(force) {
    const key = screenKey();
    headerLine();
    if (!force && key === renderedKey) { updateLive(); return; }
    renderedKey = key;
    const main = $("#t-main");
    const kind = key.split(":")[0];
    const view = {login: loginView, connecting: connectingView, checkin: checkinView, wait: waitView, paper: paperView,
      noteligible: notEligibleView, done: doneView, form: formView}[kind];
    main.replaceChildren(...R.nodes(...[].concat(view())));
    updateLive();
  }

  /* 大字模式 (适老化): chosen by the deputy with the button in the header, kept on this tablet for
     this deputy (localStorage, keyed by member id) across sign-ins; before sign-in, for the tablet. */
  function largeKey() { return "renda.large-text." + (me && me.member ? "m" + me.member.id : "device"); }
  function largeText() {
    const saved = localStorage.getItem(largeKey());
    return saved === null ? localStorage.getItem("renda.large-text.device") === "1" : saved === "1";
  }
  function applyLargeText() {
    const on = largeText();
    document.body.classList.toggle("large-text", on);
    const button = $("#t-large");
    if (button) { button.setAttribute("aria-pressed", String(on)); button.textContent = on ? "标准字号" : "大字模式"; }
  }
  function toggleLargeText() {
    localStorage.setItem(largeKey(), largeText() ? "0" : "1");
    applyLargeText();
  }

  function headerLine() {
    applyLargeText();
    $("#t-meeting").textContent = state ? state.meeting.title : "县乡人大电子表决系统 · 代表终端";
    const m = me && me.member;
    $("#t-me").textContent = m ? m.name + " · " + (m.seat || "") + (me.checked_in ? " · 已签到" : "") : "";
    /* Staff gave this deputy a new code in place of the old one: they must know (someone else
       could have been handed a code in their name). */
    const reissued = me && me.code_reissued, notice = $("#code-notice");
    const seenKey = reissued ? "renda.code-reissue-seen." + me.member.id : null;
    notice.hidden = !reissued || localStorage.getItem(seenKey) === reissued.at;
    if (!notice.hidden) {
      notice.replaceChildren(el("span", {}, "您的签到码已于 " + R.clock(reissued.at) + " 由工作人员重新发放（原因："
        + reissued.reason + "）。如非您本人申请，请立即告知主持人。"),
        el("button", {class: "btn btn-small", type: "button", id: "code-notice-ok",
          onclick: () => { localStorage.setItem(seenKey, reissued.at); notice.hidden = true; }}, "知道了"));
    }
  }

  /* -- views ---------------------------------------------------------------------------------- */
  function loginView() {
    const input = el("input", {id: "t-code", class: "t-code-input", maxlength: 16, autocomplete: "off", autocapitalize: "characters",
      spellcheck: "false", inputmode: "text", "aria-label": "签到码", placeholder: "签到码"});
    const form = el("form", {class: "t-center", onsubmit: e => { e.preventDefault(); if (input.value.trim()) login(input.value); }},
      el("div", {class: "t-big"}, "请输入签到码"),
      el("p", {}, "签到码由会务工作人员发放，仅限本人使用"),
      input,
      el("button", {class: "btn btn-primary t-btn-huge", type: "submit", id: "t-login"}, "登 录"),
      el("p", {class: "error", role: "alert", id: "t-login-error"}, loginMessage));
    setTimeout(() => input.focus(), 0);
    return form;
  }
  function connectingView() {
    return el("div", {class: "t-center"}, el("div", {class: "t-big"}, "正在连接……"), el("p", {}, "请稍候"));
  }
  function checkinView() {
    const m = me.member;
    return el("div", {class: "t-center"},
      el("div", {class: "t-big"}, m.name),
      el("p", {}, (m.group || "") + " · 座位 " + (m.seat || "")),
      el("button", {class: "btn btn-primary t-btn-huge", id: "t-checkin", disabled: checkingIn || !live || !live.ready,
        onclick: () => { checkingIn = true; live.send({type: "check_in"}); render(true); }}, checkingIn ? "正在签到……" : "签 到"),
      el("p", {class: "small"}, "请本人签到；不得委托他人签到或表决"));
  }
  function waitView() {
    const a = state.attendance;
    const last = lastClosed();
    const box = el("div", {class: "t-center"},
      el("div", {class: "t-big", id: "t-waiting"}, "已签到，请等待表决开始"),
      el("p", {}, "应到 " + a.members_of_record + " 人，实到 ", el("b", {id: "t-present"}, a.present), " 人"));
    if (last) {
      box.append(el("div", {class: "t-result" + (last.state === "voided" ? " t-voided" : "")}, el("h3", {}, "上一项表决结果：" + last.title
        + (last.round_no > 1 ? "（第" + last.round_no + "轮）" : "")), el("p", {class: "announcement", id: "t-last-result"},
        last.state === "voided" ? "本轮表决已宣布无效，等待主持人宣布重新表决"
          : last.state === "decrypting" ? "表决已结束，监票人正在解密计票（" + R.decryptionProgress(last.decryption) + "）"
            : !last.result ? "表决已结束，等待主持人宣布表决结果"
              : last.result.announcement)));
    }
    box.append(el("button", {class: "btn t-signout", type: "button", id: "t-signout", onclick: async () => {
      if (await R.confirm("退出登录", "退出后需要重新输入签到码。", "退出")) signOut("");
    }}, "退出登录"));
    return box;
  }
  function paperView() {
    return el("div", {class: "t-center"}, el("div", {class: "t-big"}, "本轮为纸质选票"),
      el("p", {}, "请领取纸质选票，到秘密写票处填写后投入票箱。"));
  }
  function notEligibleView() {
    return el("div", {class: "t-center"}, el("div", {class: "t-big"}, "本项表决您不在表决名单中"),
      el("p", {}, "表决开始后签到的代表不参加本项表决。如有疑问请联系工作人员。"));
  }

  function voteHead(vote, booth) {
    const bits = [el("span", {}, R.KIND[vote.kind] || "")];
    if (vote.round_no > 1) bits.push(el("span", {}, "第" + vote.round_no + "轮 · " + (R.ROUND[vote.round_kind] || "")));
    if (vote.named) bits.push(el("span", {class: "tag tag-warn", id: "t-secrecy"}, R.TERM.named + "表决"));
    // 记名 / 无记名 as 人大 practice says it; an election's ballot is marked as in the 秘密写票处
    if (!vote.named) bits.push(el("span", {class: "t-booth", id: "t-secrecy"}, vote.kind === "election" ? R.TERM.booth : R.TERM.secret));
    if (vote.encryption) bits.push(el("span", {class: "tag tag-ok", id: "t-encrypted-tag"}, "加密表决"));
    if (vote.deadline) bits.push(el("span", {class: "t-countdown", id: "t-countdown"}, ""));
    return [el("div", {class: "t-title", id: "t-title"}, vote.title), el("div", {class: "t-sub"}, bits)];
  }

  function doneView() {
    const vote = currentVote();
    const pending = pendingFor(vote.id);
    const receipt = store.receipts[vote.id];
    const label = pending.length ? pending[pending.length - 1].label : receipt && receipt.label;
    const refusal = refused[vote.id] ? el("div", {class: "t-refused", id: "t-refused", role: "alert"},
      el("b", {}, "本次更改未被接受"), el("br"), refused[vote.id], el("br"), "您的第一次选择已经记录，以它为准。") : null;
    const enc = !!vote.encryption;
    const tracker = receipt && receipt.tracker;
    const code = pending.length ? pending[pending.length - 1].code : tracker ? BallotCrypto.trackingCode(tracker) : null;
    /* 已提交 only once the server's receipt is here: until then a big 等待服务器确认 and what the
       tablet is doing about it (an elderly deputy must not leave thinking the vote is in). */
    const activity = pending.length ? pendingActivity(pending) : null;
    const box = el("div", {class: "t-done" + (pending.length ? " pending" : ""), id: "t-done", "data-state": pending.length ? "pending" : "recorded"},
      el("div", {class: "t-big", id: "t-done-head"}, pending.length ? (activity === "offline" ? "尚未送达 · 等待服务器确认" : "等待服务器确认")
        : enc ? "已投出 ✓" : "已提交 ✓"),
      enc ? el("p", {class: "t-code-line"}, "跟踪码：", el("span", {class: "t-tracking", id: "t-tracking"}, code || "（本机无跟踪码）")) : null,
      enc && receipt && receipt.mismatch ? el("p", {class: "error", role: "alert", id: "t-mismatch"},
        "服务器回执中的跟踪码与投出前显示的不一致！请立即告知工作人员。") : null,
      label ? el("p", {class: "t-confirm-text"}, "您的选择：" + label) : null,
      BOOTH.has(vote.kind) ? el("p", {}, "选票内容已从屏幕清除") : null,
      pending.length
        ? el("p", {id: "t-status", class: "t-pending-text", "data-state": "pending", "data-activity": activity}, PENDING_TEXT[activity])
        : el("p", {id: "t-status", "data-state": "recorded"}, "已记录。凭证：", el("span", {class: "t-receipt", id: "t-receipt"},
          receipt ? R.receiptCode(receipt.receipt) : "（本机无凭证）")));
    const actions = el("div", {class: "row", style: "justify-content:center"});
    if (!pending.length && receipt && receipt.receipt) {
      actions.append(el("button", {class: "btn", type: "button", onclick: () =>
        R.download("receipt-" + vote.id + ".json", JSON.stringify(receipt.receipt, null, 2))}, "保存凭证"));
    }
    // Voted on another device (a secret vote tells this one nothing more): only that device can change it.
    const elsewhere = !pending.length && !receipt;
    if (!pending.length && vote.change_allowed && !elsewhere) {
      actions.append(el("button", {class: "btn", type: "button", id: "t-change", onclick: () => {
        editing[vote.id] = true; stage[vote.id] = "form"; render(true);
      }}, "更改选择"));
    }
    const note = elsewhere
      ? el("p", {class: "small", id: "t-elsewhere"}, "您已在另一台终端上表决。本机没有该选票的凭证"
        + (vote.change_allowed ? "；如需更改选择，请在原来投票的终端上操作" : "") + "。")
      : el("p", {class: "small"}, vote.change_allowed ? "表决结束前可以更改，以最后一次为准" : "本项表决以第一次按键为准");
    return [...voteHead(vote, false), el("div", {class: "t-center"}, refusal, box, actions, note)];
  }

  function formView() {
    const vote = currentVote();
    const notice = notices[vote.id] ? el("p", {class: "error", role: "alert"}, notices[vote.id]) : null;
    const head = voteHead(vote, BOOTH.has(vote.kind));
    if (editing[vote.id]) {
      const before = (store.receipts[vote.id] || {}).label;
      head.push(el("div", {class: "t-editing", id: "t-editing"},
        el("span", {}, "正在更改选择" + (before ? "（原选择：" + before + "）" : "") + "：提交后以新的选择为准"),
        el("button", {class: "btn btn-small", type: "button", id: "t-keep", onclick: () => {
          delete editing[vote.id]; delete drafts[vote.id]; delete stage[vote.id]; render(true);
        }}, "保留原选择")));
    }
    if (notice) head.push(notice);
    if (vote.encryption) {
      const problem = encryptionProblem(vote);
      if (problem) return [...head, el("div", {class: "t-center"}, el("div", {class: "t-big"}, "暂不能表决"),
        el("p", {class: "error", role: "alert", id: "t-crypto-error"}, problem))];
      const view = {encrypting: encryptingView, sealed: sealedView, challenging: challengingView, opened: openedView}[stage[vote.id]];
      if (view) return [...head, ...view(vote)];
    }
    if (isChoiceForm(vote)) return [...head, ...choiceForm(vote)];
    if (stage[vote.id] === "confirm") return [...head, ...reviewForm(vote)];
    return [...head, ...marksForm(vote)];
  }

  /* 赞成 / 反对 / 弃权 with large buttons, then a confirmation bar. */
  function choiceForm(vote) {
    const def = vote.definition || {};
    const draft = drafts[vote.id] || {};
    const out = [];
    if (vote.kind === "list_approval" && (def.persons || []).length) out.push(el("p", {class: "small"}, "名单：" + def.persons.join("、")));
    if (vote.kind === "appointment") {
      out.push(el("p", {class: "small"}, (def.items || []).map(R.actionText).join("；")));
    }
    const choices = el("div", {class: "t-choices"}, ["yes", "no", "abstain"].map(c => el("button", {
      type: "button", class: "t-choice c-" + c, "data-choice": c, "aria-pressed": String(draft.choice === c),
      onclick: () => { drafts[vote.id] = {choice: c}; render(true); }}, CHOICE[c])));
    out.push(choices);
    if (draft.choice) {
      out.push(el("div", {class: "t-confirm"}, el("span", {class: "t-confirm-text"}, "您选择了「" + CHOICE[draft.choice] + "」"),
        el("button", {class: "btn btn-primary", type: "button", id: "t-submit", onclick: () =>
          submit(vote, {choice: draft.choice}, CHOICE[draft.choice])}, R.TERM.cast),
        el("button", {class: "btn", type: "button", onclick: () => { delete drafts[vote.id]; render(true); }}, "重新选择")));
    } else {
      out.push(el("p", {class: "small", style: "text-align:center"}, "请按键表决，再按「" + R.TERM.cast + "」"));
    }
    return out;
  }

  /* What a marks ballot is about: the rows, the options, the counter limit. An encrypted form has
     exactly the write-in slots (另选他人) its form has (docs/ballot-crypto.md §6.1: one per place). */
  function layout(vote) {
    const lay = layoutOf(vote);
    if (vote.encryption) lay.writeIns = vote.encryption.context.form.write_ins || 0;
    return lay;
  }
  function layoutOf(vote) {
    const def = vote.definition || {};
    if (vote.kind === "election") {
      const round = def.round || "first";
      return {rows: (def.candidates || []).map(n => ({key: n, name: n})), options: ["yes", "no", "abstain"], labels: CHOICE,
        limit: def.seats || 1, limitLabel: "应选", unit: "名", writeIns: def.allow_write_ins !== false && (round === "first" || round === "runoff")
          ? (def.seats || 1) : 0, eligible: def.write_in_eligible || null};
    }
    if (vote.kind === "project_vote") {
      const rows = (def.projects || []).map(p => typeof p === "string" ? {key: p, name: p}
        : {key: p.name, name: p.name, note: [p.cost, p.owner].filter(Boolean).join(" · ")});
      return {rows, options: ["yes", "no", "abstain"], labels: CHOICE, limit: def.choose || 1, limitLabel: "应确定",
        unit: "个", ranking: def.mode === "ranking", writeIns: 0};
    }
    if (vote.kind === "satisfaction") {
      return {rows: (def.targets || []).map(t => ({key: t, name: t})), options: ["satisfied", "basically_satisfied", "unsatisfied"],
        labels: GRADE, writeIns: 0, everyRow: true};
    }
    if (vote.kind === "appointment") {
      return {rows: (def.items || []).map(i => ({key: i.id || i.nominee, name: i.nominee,
        note: (R.ACTION[i.action] || i.action || "") + " " + (i.post || "")})), options: ["yes", "no", "abstain"], labels: CHOICE,
        writeIns: 0, everyRow: true};
    }
    return {rows: (def.persons || []).map(p => ({key: p, name: p})), options: ["yes", "no", "abstain"], labels: CHOICE,
      writeIns: 0, everyRow: true};
  }

  function draftFor(vote, lay) {
    if (!drafts[vote.id]) drafts[vote.id] = {marks: {}, writeIns: Array(lay.writeIns).fill("")};
    return drafts[vote.id];
  }
  function supported(lay, draft) {
    if (lay.ranking) return Object.keys(draft.marks).length;
    return Object.values(draft.marks).filter(v => v === "yes").length + draft.writeIns.filter(w => w.trim()).length;
  }
  function ballotOf(vote, lay, draft) {
    const ballot = {marks: Object.assign({}, draft.marks)};
    const names = draft.writeIns.map(w => w.trim()).filter(Boolean);
    if (vote.kind === "election" && names.length) ballot.write_ins = names;
    return ballot;
  }

  function marksForm(vote) {
    const lay = layout(vote);
    const draft = draftFor(vote, lay);
    const list = el("div", {class: "t-list", id: "t-list"});
    const paint = () => {
      for (const rowNode of list.querySelectorAll(".t-row")) {
        const mark = draft.marks[rowNode.dataset.key];
        rowNode.classList.toggle("marked-yes", mark === "yes");
        rowNode.classList.toggle("marked-no", mark === "no");
        rowNode.classList.toggle("marked", !!mark);
        for (const b of rowNode.querySelectorAll("[data-option]")) b.setAttribute("aria-pressed", String(mark === b.dataset.option));
        const rank = rowNode.querySelector(".rank-btn");
        if (rank) { rank.classList.toggle("ranked", !!mark); rank.textContent = mark ? "第" + mark + "位" : "排序"; }
      }
      updateCounter(vote, lay, draft);
    };
    for (const row of lay.rows) {
      const control = lay.ranking ? el("button", {type: "button", class: "rank-btn", onclick: () => {
        const mark = draft.marks[row.key];
        if (mark) {
          delete draft.marks[row.key];
          for (const k of Object.keys(draft.marks)) if (draft.marks[k] > mark) draft.marks[k] -= 1;
        } else if (Object.keys(draft.marks).length < lay.limit) {
          draft.marks[row.key] = Object.keys(draft.marks).length + 1;
        } else { R.toast("最多排序 " + lay.limit + " 个项目"); return; }
        paint();
      }}, "排序")
        : el("div", {class: "seg", role: "group", "aria-label": row.name}, lay.options.map(o => el("button", {type: "button",
          class: "s-" + o, "data-option": o, "aria-pressed": "false", onclick: () => {
            if (draft.marks[row.key] === o) delete draft.marks[row.key]; else draft.marks[row.key] = o;
            paint();
          }}, lay.labels[o])));
      list.append(el("div", {class: "t-row", dataset: {key: row.key}},
        el("div", {class: "t-row-label"}, el("span", {class: "t-row-name"}, row.name), row.note ? el("span", {class: "t-row-note"}, row.note) : null),
        control));
    }
    if (lay.writeIns) {
      const datalist = lay.eligible ? el("datalist", {id: "t-eligible"}, lay.eligible.map(n => el("option", {value: n}))) : null;
      if (datalist) list.append(datalist);
      // the rule before the boxes it is about: at the end of the list the sticky counter covered it
      list.append(el("p", {class: "small t-writein-rule", id: "t-writein-rule"}, "不同意某候选人的，可对其投反对票，并在下面另选他人。未标记的候选人按弃权计算。"));
      for (let i = 0; i < lay.writeIns; i++) {
        const input = el("input", {type: "text", maxlength: 20, "data-writein": i, placeholder: "填写另选人姓名", list: datalist ? "t-eligible" : null,
          "aria-label": "另选他人" + (i + 1)});
        input.value = draft.writeIns[i] || "";
        input.addEventListener("input", () => { draft.writeIns[i] = input.value; updateCounter(vote, lay, draft); });
        list.append(el("label", {class: "writein"}, el("span", {class: "t-row-name"}, "另选他人"), input));
      }
    }
    const counter = el("div", {class: "t-counter", id: "t-counter"},
      el("div", {}, el("div", {}, el("span", {class: "count", id: "t-count"}), " ", el("span", {class: "small", id: "t-total"})),
        el("div", {class: "t-warning", id: "t-over"})),
      el("button", {class: "btn btn-primary", type: "button", id: "t-next", onclick: () => next(vote, lay, draft)}, "下一步：核对选票"));
    setTimeout(paint, 0);
    return [list, counter];
  }

  function updateCounter(vote, lay, draft) {
    const count = $("#t-count"), over = $("#t-over"), box = $("#t-counter");
    if (!count) return;
    if (lay.everyRow) {
      const marked = lay.rows.filter(r => draft.marks[r.key]).length;
      count.textContent = "已标记 " + marked + " / 共 " + lay.rows.length + " 项";
      over.textContent = "";
      box.classList.remove("over");
      return;
    }
    const n = supported(lay, draft);
    count.textContent = (lay.ranking ? "已排序 " : "赞成 ") + n + " / " + lay.limitLabel + " " + lay.limit + " " + lay.unit;
    const total = $("#t-total");
    if (total) total.textContent = "共 " + lay.rows.length + (vote.kind === "election" ? " 名候选人" : " 个候选项目");
    const isOver = n > lay.limit;
    box.classList.toggle("over", isOver);
    over.textContent = isOver ? "赞成" + (lay.writeIns ? "（含另选他人）" : "") + "超过" + lay.limitLabel + "名额，本票将作废" : "";
  }

  async function next(vote, lay, draft) {
    if (vote.encryption && !lay.everyRow && supported(lay, draft) > lay.limit) {
      R.alertBox("赞成超过名额", "您的赞成为 " + supported(lay, draft) + "，超过" + lay.limitLabel + "名额 " + lay.limit
        + "。本项为加密表决，超过名额的选票不能投出，请修改。");
      return;
    }
    if (!lay.everyRow && supported(lay, draft) > lay.limit) {
      const insist = await R.dialog({title: "选票将作废", body: "您的赞成票" + (lay.writeIns ? "（含另选他人）" : "") + "为 " + supported(lay, draft)
        + "，超过" + lay.limitLabel + "名额 " + lay.limit + "。按规定这张选票将作为无效票。",
        buttons: [{label: "坚持提交（作废票）", value: "insist", danger: true}, {label: "返回修改", value: "back", primary: true}]});
      if (insist !== "insist") return;
      draft.insisted = true;
    }
    if (lay.everyRow) {
      const missing = lay.rows.filter(r => !draft.marks[r.key]).map(r => r.name);
      if (missing.length) {
        const what = vote.kind === "satisfaction" ? "未测评的对象将计为无效" : "未标记的按未按计算";
        const go = await R.dialog({title: "还有未标记的项目", body: missing.join("、") + "：" + what + "。",
          buttons: [{label: "仍然继续", value: true}, {label: "返回标记", value: false, primary: true}]});
        if (!go) return;
      }
    }
    const names = draft.writeIns.map(w => w.trim()).filter(Boolean);
    if (new Set(names).size !== names.length) { R.alertBox("另选他人重复", "同一人不能重复填写。"); return; }
    const listed = new Set(lay.rows.map(r => r.key));
    const clash = names.find(n => listed.has(n));
    if (clash) { R.alertBox("另选他人有误", "「" + clash + "」是候选人，如赞成请直接对其投赞成票。"); return; }
    // an encrypted ballot seals each name as written: it must be one (ballot-crypto.md §6.1)
    const bad = vote.encryption && cryptoState === "ready" ? names.find(n => BallotCrypto.nameFault(n.normalize("NFC"))) : null;
    if (bad) { R.alertBox("另选他人有误", "「" + bad + "」：" + BallotCrypto.nameFault(bad.normalize("NFC"))); return; }
    stage[vote.id] = "confirm";
    render(true);
  }

  function reviewForm(vote) {
    const lay = layout(vote);
    const draft = draftFor(vote, lay);
    const items = lay.rows.map(r => {
      const v = draft.marks[r.key];
      const text = lay.ranking ? (v ? "第" + v + "位" : "未排序") : v ? lay.labels[v] : (vote.kind === "election" ? "弃权（未标记）" : "未标记");
      return el("li", {}, r.name + "：", el("b", {class: v === "yes" || v === "satisfied" ? "tag-ok" : v === "no" || v === "unsatisfied" ? "tag-bad" : ""}, text));
    });
    for (const w of draft.writeIns.map(x => x.trim()).filter(Boolean)) items.push(el("li", {}, "另选他人：", el("b", {}, w)));
    const over = !lay.everyRow && supported(lay, draft) > lay.limit;
    return [el("div", {class: "t-review t-list", id: "t-review"}, el("div", {class: "t-big"}, "请核对您的选票"),
      over ? el("p", {class: "t-warning"}, "注意：赞成超过" + lay.limitLabel + "名额，本票将作废") : null, el("ul", {}, items)),
    el("div", {class: "t-confirm"},
      el("button", {class: "btn", type: "button", id: "t-back", onclick: () => { stage[vote.id] = "form"; render(true); }}, "返回修改"),
      el("button", {class: "btn btn-primary", type: "button", id: "t-submit", onclick: () => submit(vote, ballotOf(vote, lay, draft), null)}, R.TERM.cast))];
  }

  /* -- encrypted votes: seal, cast or challenge ----------------------------------------------- */
  function forget(voteId) {
    const made = sealed[voteId];
    if (made && !made.opening.wiped) BallotCrypto.wipe(made.opening);
    delete sealed[voteId]; delete plain[voteId]; delete challenges[voteId]; delete opened[voteId];
  }
  /* Why this vote's encryption cannot be used, or null: the context must hash to its vid (the
     server's own word is not enough), name this vote, and carry the key of the fingerprint shown. */
  function encryptionProblem(vote) {
    if (cryptoState === "loading") return "正在准备加密组件，请稍候……";
    if (cryptoState !== "ready") return cryptoState;
    if (!(vote.id in contexts)) {
      const enc = vote.encryption;
      try {
        const ok = BallotCrypto.contextId(enc.context) === enc.vid && enc.context.vote === vote.id
          && BallotCrypto.keyFingerprint(enc.context.key) === enc.fingerprint
          && enc.selections.length === enc.context.form.selections;
        contexts[vote.id] = ok ? null : "本项表决的加密参数校验不通过，不能投票。请告知工作人员。";
      } catch (e) {
        contexts[vote.id] = "本项表决的加密参数无效（" + e.message + "），不能投票。请告知工作人员。";
      }
    }
    return contexts[vote.id];
  }
  /* Selection i is 1 iff the deputy marked `choice` on `question`; write-in slot s's use bit is 1
     iff the deputy wrote at least s + 1 names (ballotcrypto/votes.py values_of). */
  function valuesOf(selections, ballot) {
    const marks = ballot.marks || {};
    const written = (ballot.write_ins || []).length;
    let slot = 0;
    return selections.map(s => s.choice === "write_in" ? (slot++ < written ? 1 : 0)
      : (s.question === null ? ballot.choice === s.choice : marks[s.question] === s.choice) ? 1 : 0);
  }
  /* The name sealed in each write-in slot, from slot 0 ("" for an unused one). */
  function namesOf(vote, ballot) {
    const names = (ballot.write_ins || []).map(n => n.normalize("NFC"));
    while (names.length < (vote.encryption.context.form.write_ins || 0)) names.push("");
    return names;
  }
  function seal(vote, ballot, label) {
    forget(vote.id);
    plain[vote.id] = {ballot, label};
    stage[vote.id] = "encrypting";
    delete notices[vote.id];
    render(true);
    // encrypting a long ballot takes a moment: let "正在加密" show first
    setTimeout(() => {
      if (stage[vote.id] !== "encrypting" || !plain[vote.id]) return;
      try {
        sealed[vote.id] = BallotCrypto.encryptBallot(vote.encryption.context, valuesOf(vote.encryption.selections, ballot),
                                                     {names: namesOf(vote, ballot)});
        stage[vote.id] = "sealed";
      } catch (e) {
        notices[vote.id] = "无法生成加密选票：" + e.message;
        stage[vote.id] = "form";
      }
      render(true);
    }, 30);
  }
  function cast(vote) {
    const made = sealed[vote.id];
    if (!made) return;
    let ballot;
    try { ballot = BallotCrypto.castBallot(made); }  // the randomness is wiped here
    catch (e) { notices[vote.id] = e.message; stage[vote.id] = "form"; forget(vote.id); render(true); return; }
    submit(vote, ballot, null, {ballotId: ballot.ballot, tracker: made.tracker, code: made.code});
  }
  function back(vote) {
    forget(vote.id);
    stage[vote.id] = "form";  // the marks are still there to change
    render(true);
  }
  function challenge(vote) {
    const made = sealed[vote.id];
    if (!made) return;
    // the opening is published: this ballot is spoiled, never cast (castBallot refuses it)
    challenges[vote.id] = {ballot: made.ballot, opening: BallotCrypto.spoil(made.opening), error: null, busy: false};
    delete sealed[vote.id];
    stage[vote.id] = "challenging";
    sendChallenge(vote);
  }
  async function sendChallenge(vote) {
    const c = challenges[vote.id];
    if (!c || c.busy) return;
    c.busy = true; c.error = null;
    render(true);
    try {
      const out = await R.api("/api/votes/" + encodeURIComponent(vote.id) + "/spoil", {body: {ballot: c.ballot, opening: c.opening}});
      if (challenges[vote.id] !== c) return;
      delete challenges[vote.id];
      // the names the opening published, which the server checked open the ballot's sealed slots
      const names = (c.opening.write_ins || []).map(slot => slot.name).filter(Boolean);
      opened[vote.id] = {values: out.values, code: BallotCrypto.trackingCode(out.tracker), names};
      stage[vote.id] = "opened";
    } catch (e) {
      c.error = e.message;
    } finally {
      c.busy = false;
    }
    render(true);
  }
  function reseal(vote) {
    const p = plain[vote.id];
    if (!p) { stage[vote.id] = "form"; render(true); return; }
    seal(vote, p.ballot, p.label);
  }
  function isChoiceForm(vote) {
    const def = vote.definition || {};
    return vote.kind === "motion" || (vote.kind === "list_approval" && def.mode !== "per_person")
      || (vote.kind === "appointment" && def.mode === "combined");
  }
  function keyLine(vote) {
    return el("p", {class: "t-key", id: "t-key"}, "选举公钥指纹 " + vote.encryption.fingerprint + "（应与大屏显示的一致）");
  }

  function encryptingView(vote) {
    return [el("div", {class: "t-center"}, el("div", {class: "t-big", id: "t-encrypting"}, "正在加密选票……"))];
  }
  function sealedView(vote) {
    const made = sealed[vote.id];
    return [el("div", {class: "t-encrypted", id: "t-sealed"},
      el("div", {class: "t-big"}, "选票已加密，尚未投出"),
      el("p", {class: "t-code-line"}, "跟踪码"),
      el("div", {class: "t-tracking", id: "t-tracking"}, made.code),
      el("div", {class: "t-cast-buttons"},
        el("button", {class: "btn btn-primary", type: "button", id: "t-cast", onclick: () => cast(vote)}, "确认投票"),
        el("button", {class: "btn", type: "button", id: "t-challenge", onclick: () => challenge(vote)}, "核验此选票（不投出）")),
      el("p", {class: "small"}, "「确认投票」：这张加密选票计入表决，投出后可凭跟踪码在审计记录中查到它。"
        + "「核验」：本机公开这张选票加密的内容，供您核对是否与所选一致；核验过的选票作废、不计票，核对后本机重新加密，您再投出。"),
      el("button", {class: "btn", type: "button", id: "t-back", onclick: () => back(vote)}, "返回修改"),
      keyLine(vote))];
  }
  function challengingView(vote) {
    const c = challenges[vote.id];
    return [el("div", {class: "t-encrypted", id: "t-challenging"},
      el("div", {class: "t-big"}, c && c.error ? "核验未完成" : "正在核验选票……"),
      c && c.error ? el("p", {class: "error", role: "alert", id: "t-challenge-error"}, c.error) : null,
      c && c.error ? el("div", {class: "t-cast-buttons"},
        el("button", {class: "btn btn-primary", type: "button", id: "t-challenge-retry", onclick: () => sendChallenge(vote)}, "重试核验"),
        el("button", {class: "btn", type: "button", id: "t-reseal", onclick: () => reseal(vote)}, "放弃核验，重新加密")) : null,
      el("p", {class: "small"}, "这张选票已作废，不会计票。"))];
  }
  /* What the challenged ballot encrypted, by the vote's rows: "张三：赞成". */
  function openedLines(vote, values, names) {
    const selections = vote.encryption.selections;
    const label = choice => R.CHOICE[choice] || R.GRADE[choice] || choice;
    const chosen = question => selections.filter((s, i) => s.question === question && values[i] === 1).map(s => label(s.choice));
    if (selections.every(s => s.question === null)) return [chosen(null).join("、") || "（未选择）"];
    const none = vote.kind === "election" || vote.kind === "project_vote" ? "弃权（未标记）"
      : vote.kind === "satisfaction" ? "未测评" : "未按（未标记）";
    const lines = layout(vote).rows.map(row => row.name + "：" + (chosen(row.key).join("、") || none));
    if (vote.encryption.context.form.write_ins) lines.push("另选他人：" + (names.length ? names.join("、") : "（无）"));
    return lines;
  }
  function openedView(vote) {
    const o = opened[vote.id];
    return [el("div", {class: "t-encrypted", id: "t-opened-box"},
      el("div", {class: "t-big"}, "核验结果"),
      el("div", {class: "t-opened", id: "t-opened"}, el("b", {}, "本选票加密的是："),
        el("ul", {}, openedLines(vote, o.values, o.names).map(line => el("li", {}, line)))),
      el("p", {class: "t-confirm-text"}, "请核对：与您刚才的选择一致吗？"),
      el("p", {class: "small"}, "这张核验过的选票（跟踪码 " + o.code + "）已作废，不计票。一致：请按下面的按钮重新加密后投出。"
        + "不一致：请不要投票，立即告知工作人员（本终端可能有问题）。"),
      el("div", {class: "t-cast-buttons"},
        el("button", {class: "btn btn-primary", type: "button", id: "t-reseal", onclick: () => reseal(vote)}, "一致，重新加密"),
        el("button", {class: "btn", type: "button", id: "t-back", onclick: () => back(vote)}, "返回修改")))];
  }

  /* -- live bits: countdown, counts ---------------------------------------------------------- */
  function updateLive() {
    const cd = $("#t-countdown");
    const vote = currentVote();
    if (cd && vote && vote.deadline) {
      const left = R.remaining(vote.deadline);
      cd.textContent = "剩余 " + R.mmss(left);
      cd.classList.toggle("urgent", left <= 10);
    }
    const present = $("#t-present");
    if (present && state) present.textContent = state.attendance.present;
  }

  /* -- start ---------------------------------------------------------------------------------- */
  window.addEventListener("pagehide", () => {  // nothing marked survives leaving the page
    drafts = {};
    for (const id of Object.keys(Object.assign({}, plain, sealed, challenges, opened))) forget(id);
  });
  if (cryptoState === "loading") {
    BallotCrypto.ready().then(() => { cryptoState = "ready"; }, e => { cryptoState = "本终端的加密组件未能加载：" + e.message; })
      .then(() => render(true));
  }
  setInterval(() => { if (live && live.ready) resendAll(false); render(); }, 500);
  $("#t-large").addEventListener("click", toggleLargeText);
  R.syncClock("/api/audit/vkey");
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("code")) {
    const code = hash.get("code");
    history.replaceState(null, "", location.pathname);
    R.setToken(null);
    login(code);
  } else {
    start();
  }
})();
