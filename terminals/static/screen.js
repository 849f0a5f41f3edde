/* The hall screen (会场大屏): the room's clock. Public; hello with {screen: id}. Three stages:
   - 签到 (no vote on screen yet): the full session name, 应到/实到/请假/未签到 following every
     check-in, and the quorum line the chair reads (已达到/未达到法定人数); below it the audit key's
     fingerprint that the deputies' code cards carry (GET /api/audit/key; docs/verifier-spec.md §3.3);
   - 表决中: the item, 已表决/未表决 live (how many, never who or how), the countdown;
   - 表决结果: the result and the full announcement the chair reads (tally's text, every kind), and
     the signed checkpoint covering it (GET /api/votes/{id}/checkpoint).
   One 实到 at a time: the live 实到 appears only on the check-in stage; a vote shows the figures
   frozen when it opened, labelled as such. */
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
    $("#s-meeting").textContent = (state.meeting.body_name || "") + state.meeting.title;  // the full name of the session
  }

  /* 签到: the live figures and the quorum line, updated in place by every tick. */
  function checkInStage() {
    const a = state.attendance;
    const quorum = a.quorum_met ? "已达到法定人数" : "未达到法定人数";
    return el("div", {class: "s-checkin", id: "s-checkin"},
      el("div", {class: "s-stage-name"}, "代表签到"),
      el("div", {class: "s-checkin-figures"},
        [["应到", "s-members", a.members_of_record], ["实到", "s-present", a.present], ["请假", "s-leave", a.on_leave],
          notYet(a)].map(([label, id, value]) =>
          el("div", {class: "s-fig"}, el("span", {class: "s-fig-label"}, label),
            el("span", {class: "s-fig-value", id}, String(value)), el("span", {class: "s-fig-unit"}, "人")))),
      el("div", {class: "s-quorum " + (a.quorum_met ? "ok" : "bad"), id: "s-quorum"},
        quorum + "（法定人数 " + a.quorum_required + " 人）"),
      el("div", {class: "s-roll-closed", id: "s-roll-closed", hidden: !rollLine(a)}, rollLine(a)));
  }

  /* 未签到 while the roll is open; once the chair has closed it (签到结束) those deputies are 缺席
     (代表法 第六十二条: an unapproved absence has legal weight, so no one is 缺席 before). */
  function notYet(a) {
    return a.roll_closed ? ["缺席", "s-absent", a.absent] : ["未签到", "s-absent", a.not_checked_in];
  }

  /* Under the figures: 签到结束 once the roll is closed; before, any absence staff recorded (缺席 N 人). */
  function rollLine(a) {
    return a.roll_closed ? "签到结束" : (a.absent ? "另有缺席 " + a.absent + " 人" : "");
  }

  function updateCheckIn() {
    const a = state.attendance;
    const set = (id, value) => { const node = $("#" + id); if (node) node.textContent = String(value); };
    set("s-members", a.members_of_record); set("s-present", a.present); set("s-leave", a.on_leave);
    const [label, , value] = notYet(a);
    set("s-absent", value);
    const labelNode = $("#s-absent") && $("#s-absent").parentNode.querySelector(".s-fig-label");
    if (labelNode) labelNode.textContent = label;
    const line = $("#s-roll-closed");
    if (line) { line.textContent = rollLine(a); line.hidden = !rollLine(a); }
    const q = $("#s-quorum");
    if (q) {
      q.className = "s-quorum " + (a.quorum_met ? "ok" : "bad");
      q.textContent = (a.quorum_met ? "已达到法定人数" : "未达到法定人数") + "（法定人数 " + a.quorum_required + " 人）";
    }
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
      main.replaceChildren(...R.nodes(checkInStage(), keyLine()));
      main.dataset.stage = "checkin";
      return;
    }
    const kind = R.KIND[vote.kind] || "";
    const round = vote.round_no > 1 ? "（第" + vote.round_no + "轮 · " + (R.ROUND[vote.round_kind] || "") + "）" : "";
    const badge = vote.state === "open" ? stateBadge("表决中", "st-open")
      : vote.state === "voided" ? stateBadge("已宣布无效", "st-void") : stateBadge("已结束", "st-closed");
    const parts = [el("div", {class: "s-title", id: "s-title"}, vote.title),
      el("div", {class: "s-meta"}, kind + round, " · " + (vote.named ? R.TERM.named : R.TERM.secret) + "表决",
        vote.method !== "electronic" ? " · " + (R.METHOD[vote.method] || vote.method) : "", badge)];
    if (vote.state === "open") {
      const left = R.remaining(vote.deadline);
      parts.push(el("div", {class: "s-live"},
        el("div", {class: "s-count"},
          el("div", {class: "s-fig"}, el("span", {class: "s-label"}, R.TERM.voted), el("span", {id: "s-cast", class: "s-num"}, vote.cast)),
          el("div", {class: "s-fig"}, el("span", {class: "s-label"}, R.TERM.not_voted), el("span", {id: "s-left", class: "s-num"}, Math.max(0, vote.expected - vote.cast)))),
        el("div", {class: "s-progress"}, el("div", {class: "s-bar", style: "width:" + (vote.expected ? Math.round(100 * vote.cast / vote.expected) : 0) + "%"})),
        el("div", {class: "s-basis"}, "参加本项表决 ", el("b", {id: "s-expected"}, vote.expected), " 人（表决开始时实到）"),
        left !== null ? el("div", {class: "s-countdown" + (left <= 10 ? " urgent" : ""), id: "s-countdown"}, "剩余时间 " + R.mmss(left)) : null));
    } else if (vote.state === "voided") {
      parts.push(el("div", {class: "verdict verdict-fail"}, "本轮表决已宣布无效，将依法重新表决"));
    } else if (vote.state === "decrypting") {
      const d = vote.decryption || {received: [], k: 0};
      parts.push(el("div", {class: "s-live", id: "s-decrypting"}, el("div", {class: "s-decrypting-text"}, "表决已结束，监票人正在解密计票"),
        el("div", {class: "s-meta"}, R.decryptionProgress(d) + " 位监票人")));
    } else if (vote.publication && !vote.publication.declared_at && vote.state === "closed") {
      /* The publish step (docs/protocol.md): the result is shown once the chair declares it. */
      parts.push(el("div", {class: "s-live", id: "s-awaiting"}, el("div", {class: "s-decrypting-text"}, "表决已结束，等待宣布表决结果"),
        el("div", {class: "s-meta"}, vote.publication.confirmed_at ? "总监票人已确认计票结果，请主持人宣布" : "总监票人正在核对计票结果")));
    } else if (vote.result) {
      parts.push(Results.view(vote.result, {screen: true}));
      parts.push(checkpointLine(vote.id));
      const map = vote.named && seats[vote.id];
      if (map && map.rows && map.questions.length === 1) parts.push(el("div", {class: "named"}, el("h2", {}, "记名表决情况（座位图）"), SeatMap.vote(map, 0)));
      else if (vote.named && named[vote.id]) parts.push(namedTable(named[vote.id]));
      else if (vote.named) fetchNamed(vote.id);
    } else {
      parts.push(el("div", {class: "s-live"}, "正在计票……"));
    }
    main.replaceChildren(...R.nodes(...parts));
    main.dataset.stage = vote.state === "open" ? "open" : "result";
    main.classList.toggle("has-named", !!(vote.named && named[vote.id]));
    main.classList.toggle("has-map", !!main.querySelector(":scope > .named"));  // the result beside it
    fit(main);
  }

  /* A long result (15 candidate projects, a named table of 60) must still fit on the screen, which
     never scrolls. The text keeps the back-row size as long as it can: when the result does not fit,
     first its table goes, then its figures (the announcement says every one of them), and only
     then does everything below the title shrink, step by step, until nothing is cut off. A named
     vote's grid of names or seat map is a chart, read by its colours: it shrinks first, as far as
     0.15, so that the announcement keeps the back-row size beside a hall of seats. */
  function fit(main) {
    const over = () => main.scrollHeight > main.clientHeight + 1;
    const shrink = (nodes, floor, tooBig = over) => {
      let zoom = 1;
      const apply = () => { for (const p of nodes) p.style.zoom = zoom === 1 ? "" : String(zoom); };
      apply();
      while (nodes.length && tooBig() && zoom > floor) { zoom = Math.round((zoom - 0.05) * 100) / 100; apply(); }
    };
    const announced = !!main.querySelector(".announcement");
    const maps = [...main.querySelectorAll(":scope > .named")];
    const end = () => main.getBoundingClientRect().top + main.clientHeight - parseFloat(getComputedStyle(main).paddingBottom);
    // beside the result (.has-map), the map shrinks while it is the one that does not fit, or while
    // a seat cuts its deputy's name short
    const cut = m => [...m.querySelectorAll(".sm-name, .n-name")].some(n => n.scrollWidth > n.clientWidth + 1);
    shrink(maps, 0.15, () => maps.some(m => (over() && m.getBoundingClientRect().bottom > end() + 1) || cut(m)));
    for (const selector of announced ? [".result-table", ".result .figures"] : []) {
      if (!over()) return;
      for (const t of main.querySelectorAll(selector)) t.hidden = true;
    }
    if (!over()) return;
    shrink([...main.children].filter(c => !c.matches(".s-title, .s-meta, .s-live, .named")), 0.5);  // the map keeps its own
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

  /* The signed checkpoint that covers the result (fetched once per vote). */
  const checkpoints = {};
  function checkpointLine(voteId) {
    const cp = checkpoints[voteId];
    if (cp === undefined) { fetchCheckpoint(voteId); return null; }
    if (!cp || cp.state !== "covered") return null;
    return el("div", {class: "s-checkpoint", id: "s-checkpoint"}, "本结果已记入审计日志第 " + cp.seq + " 号记录，由签名检查点（前 "
      + cp.size + " 条记录）覆盖 · 根哈希 " + cp.root.slice(0, 16) + "…");
  }
  async function fetchCheckpoint(voteId) {
    if (checkpoints[voteId] !== undefined) return;
    checkpoints[voteId] = null;
    try { checkpoints[voteId] = await R.api("/api/votes/" + encodeURIComponent(voteId) + "/checkpoint"); }
    catch (e) { setTimeout(() => { delete checkpoints[voteId]; }, 5000); return; }
    render();
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
    if (!state) return;
    updateCheckIn();
    const vote = (state.votes || []).find(v => v.id === featured);
    if (!vote || vote.state !== "open") return;
    const cast = $("#s-cast");
    if (cast) cast.textContent = vote.cast;
    const notYet = $("#s-left");
    if (notYet) notYet.textContent = Math.max(0, vote.expected - vote.cast);
    const bar = $(".s-bar");
    if (bar) bar.style.width = (vote.expected ? Math.round(100 * vote.cast / vote.expected) : 0) + "%";
    const left = R.remaining(vote.deadline);
    const cd = $("#s-countdown");
    if (cd && left !== null) { cd.textContent = "剩余时间 " + R.mmss(left); cd.classList.toggle("urgent", left <= 10); }
  }

  const live = new R.Live({screen: window.MEETING_ID, onStatus: ready => { $("#s-conn").hidden = ready; },
    onMessage: message => {
      if (message.type === "state") {
        state = message;
        featured = pick();
        lastStates = Object.fromEntries((state.votes || []).map(v => [v.id, v.state]));
        render();
      } else if (message.type === "tick") {
        tick();  // the check-in stage follows every check-in; an open vote, its 已表决
      }
    }});
  R.syncClock("/api/audit/vkey");
  loadKey();
  live.start();
  window.addEventListener("resize", () => render());
  setInterval(tick, 500);
})();
