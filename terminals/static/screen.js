/* The hall screen (会场大屏): public, shows the item, its state, the countdown, how many have
   voted (never how), then the result in the announcement form. Hello with {screen: id}. Before the
   first vote it shows, on a line of its own, the audit key's fingerprint that the deputies' code
   cards carry (GET /api/audit/key; docs/verifier-spec.md §3.3), for the hall to compare. */
"use strict";

(() => {
  const {el, $} = R;
  let featured = null;       // the vote id on screen
  let lastStates = {};       // vote id -> state, to notice what changed
  let named = {};            // vote id -> rows of the named table (fetched once closed)
  let seats = {};            // vote id -> its seat map (a named vote, once closed and declared)
  let state = null;
  let key = null;            // {vkey, fingerprint, origin} of the audit log

  function pick() {
    const votes = state.votes || [];
    const open = votes.filter(v => v.state === "open");
    if (open.length) return open[open.length - 1].id;
    for (const v of votes) {
      if (lastStates[v.id] !== undefined && lastStates[v.id] !== v.state) return v.id;
      if (lastStates[v.id] === undefined && Object.keys(lastStates).length && v.state !== "open") return v.id;
    }
    if (featured && votes.some(v => v.id === featured)) return featured;
    return votes.length ? votes[votes.length - 1].id : null;
  }

  function header() {
    const a = state.attendance;
    $("#s-meeting").textContent = state.meeting.title;
    $("#s-attendance").replaceChildren(...R.nodes(
      el("span", {}, "应到 ", el("b", {}, a.members_of_record), " 人"),
      el("span", {}, "实到 ", el("b", {id: "s-present"}, a.present), " 人"),
      el("span", {class: a.quorum_met ? "ok" : "bad"}, a.quorum_met ? "已达到法定人数" : "未达到法定人数（" + a.quorum_required + "人）")));
  }

  /* The fingerprint in two rows of eight groups, large enough to read from the deputies' seats. */
  function keyLine() {
    if (!key) return null;
    const fp = key.fingerprint;
    return el("div", {class: "s-key", id: "s-key"},
      el("div", {class: "s-key-label"}, "审计日志签名公钥指纹　请与签到码卡片上的指纹逐组核对"),
      el("div", {class: "s-key-fp", id: "s-key-fingerprint"}, el("span", {}, fp.slice(0, 39)), el("span", {}, fp.slice(40))));
  }

  async function loadKey() {
    try { key = await R.api("/api/audit/key"); } catch (e) { setTimeout(loadKey, 5000); return; }
    render();
  }

  function stateBadge(text, cls) { return el("span", {class: "s-state " + cls}, text); }

  /* An encrypted vote: its election key's fingerprint, small in a corner, for the 监票人 and the
     deputies to compare with their devices (docs/protocol.md "Encrypted secret votes"). */
  function keyCorner(vote) {
    let corner = $("#s-vote-key");
    if (!corner) { corner = el("div", {id: "s-vote-key", class: "s-vote-key"}); document.body.append(corner); }
    corner.hidden = !(vote && vote.encryption);
    corner.textContent = vote && vote.encryption ? "加密表决 · 选举公钥指纹 " + vote.encryption.fingerprint : "";
  }

  function render() {
    if (!state) return;
    header();
    const main = $("#s-main");
    const vote = (state.votes || []).find(v => v.id === featured);
    keyCorner(vote);
    if (!vote) {
      const next = (state.items || []).find(i => !(state.votes || []).some(v => v.item_id === i.id));
      main.replaceChildren(...R.nodes(
        next ? el("div", {class: "s-title"}, next.title) : el("div", {class: "s-title"}, "请代表签到"),
        el("div", {class: "s-meta"}, next ? R.KIND[next.kind] : "", stateBadge("未开始", "st-pending")),
        Results.figures([["应到", state.attendance.members_of_record], ["实到", state.attendance.present],
          ["请假", state.attendance.on_leave], ["法定人数", state.attendance.quorum_required]]),
        keyLine()));
      return;
    }
    const kind = R.KIND[vote.kind] || "";
    const round = vote.round_no > 1 ? "（第" + vote.round_no + "轮 · " + (R.ROUND[vote.round_kind] || "") + "）" : "";
    const badge = vote.state === "open" ? stateBadge("表决中", "st-open")
      : vote.state === "voided" ? stateBadge("已宣布无效", "st-void") : stateBadge("已结束", "st-closed");
    const parts = [el("div", {class: "s-title", id: "s-title"}, vote.title),
      el("div", {class: "s-meta"}, kind + round, vote.named ? " · 记名表决" : "",
        vote.method !== "electronic" ? " · " + (R.METHOD[vote.method] || vote.method) : "", badge)];
    if (vote.state === "open") {
      const left = R.remaining(vote.deadline);
      parts.push(el("div", {class: "s-live"},
        el("div", {class: "s-count"}, el("span", {class: "s-label"}, "已投"), el("span", {id: "s-cast", class: "s-num"}, vote.cast),
          el("span", {class: "s-sep"}, "/"), el("span", {class: "s-label"}, "应投"), el("span", {id: "s-expected", class: "s-num"}, vote.expected)),
        el("div", {class: "s-progress"}, el("div", {class: "s-bar", style: "width:" + (vote.expected ? Math.round(100 * vote.cast / vote.expected) : 0) + "%"})),
        left !== null ? el("div", {class: "s-countdown" + (left <= 10 ? " urgent" : ""), id: "s-countdown"}, "剩余时间 " + R.mmss(left)) : null));
    } else if (vote.state === "voided") {
      parts.push(el("div", {class: "verdict verdict-fail"}, "本轮表决已宣布无效，将依法重新表决"));
    } else if (vote.state === "decrypting") {
      const d = vote.decryption || {received: [], k: 0};
      parts.push(el("div", {class: "s-live", id: "s-decrypting"}, el("div", {class: "s-decrypting-text"}, "表决已结束，监票人正在解密计票"),
        el("div", {class: "s-meta"}, "已解密 " + d.received.length + " / " + d.k + " 位监票人")));
    } else if (vote.publication && !vote.publication.declared_at && vote.state === "closed") {
      /* The publish step (docs/protocol.md): the result is shown once the chair declares it. */
      parts.push(el("div", {class: "s-live", id: "s-awaiting"}, el("div", {class: "s-decrypting-text"}, "表决已结束，等待宣布表决结果"),
        el("div", {class: "s-meta"}, vote.publication.confirmed_at ? "总监票人已确认计票结果，请主持人宣布" : "总监票人正在核对计票结果")));
    } else if (vote.result) {
      parts.push(Results.view(vote.result));
      const map = vote.named && seats[vote.id];
      if (map && map.rows && map.questions.length === 1) parts.push(el("div", {class: "named"}, el("h2", {}, "记名表决情况（座位图）"), SeatMap.vote(map, 0)));
      else if (vote.named && named[vote.id]) parts.push(namedTable(named[vote.id]));
      else if (vote.named) fetchNamed(vote.id);
    } else {
      parts.push(el("div", {class: "s-live"}, "正在计票……"));
    }
    main.replaceChildren(...R.nodes(...parts));
    main.classList.toggle("has-named", !!(vote.named && named[vote.id]));
    fit(main);
  }

  /* A long result (15 candidate projects, a named table of 60) must still fit on the screen, which
     never scrolls: shrink everything below the title step by step until nothing is cut off. */
  function fit(main) {
    const parts = [...main.children].filter(c => !c.matches(".s-title, .s-meta, .s-live"));
    let zoom = 1;
    const apply = () => { for (const p of parts) p.style.zoom = zoom === 1 ? "" : String(zoom); };
    apply();
    while (parts.length && main.scrollHeight > main.clientHeight + 1 && zoom > 0.5) {
      zoom = Math.round((zoom - 0.05) * 100) / 100;
      apply();
    }
  }

  function namedTable(rows) {
    const head = rows[0];
    const body = rows.slice(1).filter(r => r.length && r[0] !== "合计" && r.some(c => c));
    return el("div", {class: "named"}, el("h2", {}, "记名表决情况"),
      el("div", {class: "named-grid"}, body.map(r => {
        const choice = r[3];
        const cls = {"赞成": "n-yes", "反对": "n-no", "弃权": "n-abstain"}[choice] || "n-none";
        return el("div", {class: "named-cell " + cls}, el("span", {class: "n-name"}, r[1]), el("span", {class: "n-choice"}, choice));
      })), head.length > 4 ? el("p", {class: "small"}, "（逐人表决，详见打印的记名表决表）") : null);
  }

  async function fetchNamed(voteId) {
    if (named[voteId] === null) return;
    named[voteId] = null;
    try {
      const data = await R.api("/api/votes/" + encodeURIComponent(voteId) + "/named");
      try { seats[voteId] = await R.api("/api/votes/" + encodeURIComponent(voteId) + "/seats"); } catch (e) { /* the table alone */ }
      named[voteId] = data.rows;
    } catch (e) { delete named[voteId]; return; }
    render();
  }

  function tick() {
    const vote = state && (state.votes || []).find(v => v.id === featured);
    if (!vote || vote.state !== "open") return;
    const cast = $("#s-cast");
    if (cast) cast.textContent = vote.cast;
    const bar = $(".s-bar");
    if (bar) bar.style.width = (vote.expected ? Math.round(100 * vote.cast / vote.expected) : 0) + "%";
    const left = R.remaining(vote.deadline);
    const cd = $("#s-countdown");
    if (cd && left !== null) { cd.textContent = "剩余时间 " + R.mmss(left); cd.classList.toggle("urgent", left <= 10); }
    const present = $("#s-present");
    if (present) present.textContent = state.attendance.present;
  }

  const live = new R.Live({screen: window.MEETING_ID, onStatus: ready => { $("#s-conn").hidden = ready; },
    onMessage: message => {
      if (message.type === "state") {
        state = message;
        featured = pick();
        lastStates = Object.fromEntries((state.votes || []).map(v => [v.id, v.state]));
        render();
      } else if (message.type === "tick") {
        /* Attendance changes whether or not a vote is open: the header (应到/实到/法定人数) follows
           every check-in, and so does the waiting stage before the first vote. */
        if (state) header();
        if (state && !(state.votes || []).some(v => v.id === featured)) render();
        tick();
      }
    }});
  R.syncClock("/api/audit/vkey");
  loadKey();
  live.start();
  window.addEventListener("resize", () => render());
  setInterval(tick, 500);
})();
