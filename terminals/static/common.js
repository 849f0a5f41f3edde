/* Shared by every terminal page: the HTTP API, the WebSocket connection (protocol v1,
   docs/protocol.md), role checks, dialogs and the Chinese labels (LABELS, from /labels.js).
   Plain JavaScript, no build. */
"use strict";

const R = (() => {
  const TOKEN_KEY = "renda.token";

  // The labels are the server's one table (server/domain.py), served as /labels.js.
  const {KIND, VOTE_STATE, ITEM_STATE, CHOICE, GRADE, OUTCOME, ROUND, ACTION, ROLE, METHOD, TERM} = LABELS;

  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function setToken(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  }

  class ApiError extends Error {
    constructor(status, error) {
      super((error && error.message) || ("请求失败（" + status + "）"));
      this.status = status;
      this.code = (error && error.code) || "http_" + status;
      this.field = error && error.field;
      this.rows = error && error.rows;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    const t = token();
    if (t) headers["Authorization"] = "Bearer " + t;
    let body = options.body;
    if (body !== undefined && !(body instanceof FormData) && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, {method: options.method || (body !== undefined ? "POST" : "GET"),
        headers, body, credentials: "same-origin", cache: "no-store"});
    } catch (e) {
      throw new ApiError(0, {code: "network", message: "无法连接服务器，请检查网络后重试"});
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!response.ok) throw new ApiError(response.status, data && data.error);
    return data;
  }

  /* -- DOM helpers -------------------------------------------------------------------------- */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const $ = (sel, root) => (root || document).querySelector(sel);
  /* Children for replaceChildren(), without the nulls that conditional parts leave. */
  const nodes = (...children) => children.flat().filter(c => c !== null && c !== undefined && c !== false);

  function show(node, visible) { if (node) node.hidden = !visible; }

  /* A modal dialog; resolves with the value of the pressed button (or null). Used instead of
     window.confirm so that it is large, touch-friendly and in Chinese. */
  function dialog({title, body, buttons, wide}) {
    return new Promise(resolve => {
      const root = $("#modal-root") || document.body;
      const close = value => { overlay.remove(); resolve(value); };
      const box = el("div", {class: "modal" + (wide ? " modal-wide" : ""), role: "dialog", "aria-modal": "true",
        "aria-label": title});
      box.append(el("h2", {text: title}));
      if (body) box.append(body instanceof Node ? body : el("p", {class: "modal-text", text: body}));
      const row = el("div", {class: "modal-buttons"});
      for (const b of buttons || [{label: "确定", value: true, primary: true}]) {
        row.append(el("button", {type: "button", class: "btn " + (b.danger ? "btn-danger" : b.primary ? "btn-primary" : ""),
          "data-value": String(b.value), onclick: () => {
            if (b.check && !b.check()) return;
            close(typeof b.value === "function" ? b.value() : b.value);
          }}, b.label));
      }
      box.append(row);
      const overlay = el("div", {class: "modal-overlay"}, box);
      root.append(overlay);
      const first = box.querySelector("input, select, textarea") || box.querySelector(".btn-primary, .btn-danger");
      if (first) first.focus();
    });
  }
  function confirm(title, text, label, danger) {
    return dialog({title, body: text, buttons: [{label: "取消", value: false},
      {label: label || "确定", value: true, primary: !danger, danger: !!danger}]});
  }
  function alertBox(title, text) { return dialog({title, body: text, buttons: [{label: "知道了", value: true, primary: true}]}); }

  let toastTimer = null;
  function toast(text, kind) {
    let node = $("#toast");
    if (!node) { node = el("div", {id: "toast", role: "status"}); document.body.append(node); }
    node.className = "toast " + (kind || "");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, 4000);
  }

  /* -- time ------------------------------------------------------------------------------- */
  let clockOffset = 0; // server time - local time, in ms (from the HTTP Date header)
  async function syncClock(path) {
    try {
      const t0 = Date.now();
      const r = await fetch(path, {method: "GET", cache: "no-store", credentials: "same-origin"});
      const t1 = Date.now();
      const date = r.headers.get("Date");
      if (date) {
        const offset = Date.parse(date) + 500 - (t0 + t1) / 2;
        clockOffset = Math.abs(offset) > 1500 ? offset : 0;
      }
    } catch (e) { /* keep the local clock */ }
  }
  function remaining(deadline) {
    if (!deadline) return null;
    return Math.max(0, Math.ceil((Date.parse(deadline) - (Date.now() + clockOffset)) / 1000));
  }
  /* "3日 14:05" (Beijing time) of an RFC 3339 time, for notices. */
  function clock(iso) {
    const d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    return d.getUTCDate() + "日 " + String(d.getUTCHours()).padStart(2, "0") + ":" + String(d.getUTCMinutes()).padStart(2, "0");
  }
  function mmss(seconds) {
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  /* -- the WebSocket connection --------------------------------------------------------------
     Reconnects by itself with backoff; asks for a snapshot (sync) on a sequence gap; a ping every
     4 s and no frame for 10 s means the link is dead (a dropped Wi-Fi often leaves no close). */
  class Live {
    constructor({token, screen, onMessage, onStatus}) {
      this.token = token; this.screen = screen;
      this.onMessage = onMessage || (() => {}); this.onStatus = onStatus || (() => {});
      this.ws = null; this.seq = -1; this.ready = false; this.closed = false;
      this.delay = 300; this.lastFrame = 0; this.timer = null; this.reconnectTimer = null;
      this.state = null;
      window.addEventListener("offline", () => this.drop());
      window.addEventListener("online", () => this.reconnectSoon(100));
    }
    url() { return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws"; }
    start() { this.connect(); this.timer = setInterval(() => this.heartbeat(), 2000); }
    connect() {
      if (this.closed) return;
      clearTimeout(this.reconnectTimer);
      let ws;
      try { ws = new WebSocket(this.url()); } catch (e) { this.reconnectSoon(); return; }
      this.ws = ws;
      this.lastFrame = Date.now();
      ws.onopen = () => {
        const hello = {type: "hello", v: 1};
        if (this.screen !== undefined && this.screen !== null) hello.screen = this.screen; else hello.token = this.token;
        ws.send(JSON.stringify(hello));
      };
      ws.onmessage = event => {
        if (ws !== this.ws) return;
        this.lastFrame = Date.now();
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        this.handle(message);
      };
      ws.onclose = event => {
        if (ws !== this.ws) return;
        this.ws = null;
        this.setReady(false);
        if (event.code === 4401) { this.closed = true; this.onMessage({type: "error", code: "bad_token",
          message: "登录已失效，请重新登录"}); return; }
        this.reconnectSoon();
      };
      ws.onerror = () => {};
    }
    reconnectSoon(delay) {
      if (this.closed) return;
      clearTimeout(this.reconnectTimer);
      const wait = delay !== undefined ? delay : this.delay;
      this.delay = Math.min(this.delay * 2, 4000);
      this.reconnectTimer = setTimeout(() => { if (!this.ws) this.connect(); }, wait);
    }
    drop() {
      const ws = this.ws;
      this.ws = null;
      this.setReady(false);
      if (ws) { try { ws.close(); } catch (e) { /* already gone */ } }
      this.reconnectSoon();
    }
    heartbeat() {
      if (!this.ws) return;
      if (this.ws.readyState === WebSocket.OPEN) this.send({type: "ping", t: Date.now()});
      if (Date.now() - this.lastFrame > 10000) this.drop();
    }
    setReady(ready) {
      if (this.ready === ready) return;
      this.ready = ready;
      if (ready) this.delay = 300;
      this.onStatus(ready);
    }
    send(message) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
      try { this.ws.send(JSON.stringify(message)); return true; } catch (e) { return false; }
    }
    handle(message) {
      if (message.type === "state") {
        this.seq = message.seq;
        this.state = message;
        this.setReady(true);
      } else if (message.type === "tick") {
        if (this.seq >= 0 && message.seq !== this.seq + 1) this.send({type: "sync"});
        this.seq = message.seq;
        if (this.state) {
          this.state.attendance = message.attendance;
          for (const vote of this.state.votes) if (vote.id in message.counts) vote.cast = message.counts[vote.id];
        }
      } else if (message.type === "error" && message.code === "bad_token") {
        this.closed = true;
        if (this.ws) this.ws.close();
      }
      this.onMessage(message);
    }
    close() { this.closed = true; clearInterval(this.timer); if (this.ws) this.ws.close(); }
  }

  function connectionStatus(ready) {
    const banner = $("#offline-banner");
    if (banner) banner.hidden = ready;
    const conn = $("#conn");
    if (conn) { conn.textContent = ready ? "● 已连接" : "● 连接中断"; conn.className = "conn " + (ready ? "ok" : "bad"); }
    document.body.classList.toggle("is-offline", !ready);
  }

  /* -- role pages (chair, staff, scrutineer, audit) -------------------------------------------- */
  async function rolePage(start) {
    const page = window.PAGE;
    const loginBox = $("#login"), refused = $("#refused"), app = $("#app");
    const logout = async () => {
      try { await api("/api/logout", {method: "POST", body: {}}); } catch (e) { /* ignore */ }
      setToken(null);
      location.reload();
    };
    $("#logout").addEventListener("click", logout);
    $("#relogin").addEventListener("click", logout);
    const enter = me => {
      $("#who-name").textContent = (ROLE[me.role] || me.role) + "：" + (me.name || "");
      $("#logout").hidden = false;
      if (!page.roles.includes(me.role)) {
        $("#refused-role").textContent = ROLE[me.role] || me.role;
        show(loginBox, false); show(app, false); show(refused, true);
        return;
      }
      if (!token()) { show(loginBox, true); return; } // a cookie alone cannot open the WebSocket
      show(loginBox, false); show(refused, false); show(app, true);
      start(me);
    };
    let me = null;
    try { me = await api("/api/me"); } catch (e) { me = null; }
    if (me) { enter(me); } else { setToken(null); show(loginBox, true); }
    $("#login-form").addEventListener("submit", async event => {
      event.preventDefault();
      $("#login-error").textContent = "";
      try {
        const data = await api("/api/login", {body: {username: $("#login-user").value.trim(),
          password: $("#login-pass").value}});
        setToken(data.token);
        show(loginBox, false);
        enter({role: data.role, name: data.name, member_id: data.member_id, meeting_id: data.meeting_id});
      } catch (e) {
        $("#login-error").textContent = e.message;
      }
    });
  }

  function receiptCode(receipt) {
    if (!receipt || !receipt.leaf_hash) return "";
    const h = receipt.leaf_hash.toUpperCase().slice(0, 16);
    return "#" + receipt.index + " · " + h.match(/.{4}/g).join("-");
  }

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  }

  function outcomeLabel(result) {
    if (!result) return "";
    if (result.kind === "election" || result.kind === "project_vote") {
      if (result.round_valid === false) return "本轮无效";
      return "";
    }
    if (result.kind === "satisfaction") return "";
    return OUTCOME[result.outcome] || result.outcome || "";
  }

  /* One 任免 question in words, as tally/appointment.py labels it: 任命张三为县财政局局长, 免职李四的…职务. */
  function actionText(item) {
    const action = ACTION[item.action] || item.action || "";
    if (["appoint", "acting"].includes(item.action)) return action + item.nominee + (item.post ? "为" + item.post : "");
    return action + item.nominee + (item.post ? "的" + item.post + "职务" : "");
  }

  function download(name, text) {
    const blob = new Blob([text], {type: "application/json"});
    const a = el("a", {href: URL.createObjectURL(blob), download: name});
    document.body.append(a); a.click(); a.remove();
  }

  /* How far the 监票人's decryption of a closed encrypted vote is (its state entry's `decryption`,
     docs/protocol.md): with write-ins (另选他人) the round under way, then how many of k have
     decrypted in it — "另选他人第一轮：已解密 1/2". */
  const DECRYPT_ROUND = {totals: "合计", uses: "另选他人第一轮", names: "另选他人第二轮"};
  function decryptionProgress(d) {
    return (DECRYPT_ROUND[d.round] ? DECRYPT_ROUND[d.round] + "：" : "") + "已解密 " + d.received.length + "/" + d.k;
  }

  return {KIND, VOTE_STATE, ITEM_STATE, CHOICE, GRADE, OUTCOME, ROUND, ACTION, ROLE, METHOD, TERM,
    token, setToken, api, ApiError, el, $, nodes, show, dialog, confirm, alertBox, toast, syncClock, remaining, mmss, clock,
    Live, connectionStatus, rolePage, receiptCode, randomId, outcomeLabel, actionText, download, decryptionProgress};
})();
