/* The staff page (会务工作台): roll import with the per-row error report, check-in on behalf of a
   deputy who is present (with a reason, logged), 请假/缺席, session codes with a printable sheet,
   and agenda editing (definitions are checked by the server against the statutes). */
"use strict";

(() => {
  const {el, $, api} = R;
  let meetingId = null, state = null, roll = null, codes = [];

  const STATUS = {active: "正常", suspended: "暂停执行代表职务", terminated: "终止代表资格"};
  const ATT = {present: "已签到", leave: "请假", absent: "缺席"};
  const TEMPLATES = {
    motion: {},
    list_approval: {mode: "whole", persons: ["张三", "李四"]},
    election: {office: "deputy_head", seats: 2, candidates: ["甲", "乙", "丙"]},
    appointment: {mode: "individual", items: [{nominee: "张三", post: "县财政局局长", action: "appoint"}]},
    project_vote: {choose: 4, mode: "approval", projects: [{name: "项目一", cost: "1000万元", owner: "县教育局"}]},
    satisfaction: {targets: ["县人民政府工作报告"], consequences: {unsatisfied: "限期整改并重新报告"}},
  };

  function fail(e) { R.alertBox("操作未成功", e.message || String(e)); }

  /* -- tabs ------------------------------------------------------------------------------------ */
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => {
      for (const t of document.querySelectorAll("[data-tab]")) t.setAttribute("aria-selected", String(t === tab));
      for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab.dataset.tab;
    });
  }

  /* -- roll -------------------------------------------------------------------------------------- */
  async function loadRoll() {
    loadSeats();
    try { roll = await api("/api/meetings/" + meetingId + "/roll"); } catch (e) { fail(e); return; }
    renderRoll();
  }
  /* The seat map (座位图): who has checked in, by seat (terminals/static/seatmap.js). */
  async function loadSeats() {
    let seats;
    try { seats = await api("/api/meetings/" + meetingId + "/seats"); } catch (e) { return; }
    $("#seatmap-box").replaceChildren(SeatMap.attendance(seats));
  }
  function renderRoll() {
    if (!roll) return;
    const s = roll.summary;
    $("#roll-count").textContent = "（共 " + roll.members.length + " 人）";
    $("#attendance-line").replaceChildren(...R.nodes(el("p", {}, "应到 " + s.members_of_record + " 人，实到 " + s.present + " 人，请假 " + s.on_leave
      + " 人，" + (s.roll_closed ? "缺席 " + s.absent + " 人（签到已结束）" : "未签到 " + s.not_checked_in + " 人" + (s.absent ? "，缺席 " + s.absent + " 人" : ""))
      + "；法定人数 " + s.quorum_required + " 人，", el("b", {class: s.quorum_met ? "tag-ok" : "tag-bad"}, s.quorum_met ? "已达到" : "未达到"))));
    const filter = $("#roll-filter").value.trim();
    const rows = roll.members.filter(m => !filter || [m.code, m.name, m.group, m.seat].some(x => String(x || "").includes(filter)));
    $("#roll-table tbody").replaceChildren(...R.nodes(...rows.map(m => el("tr", {"data-member": m.id},
      el("td", {}, m.code), el("td", {}, m.name), el("td", {}, m.group), el("td", {}, m.seat),
      el("td", {}, el("span", {class: "tag " + (m.status === "active" ? "tag-ok" : "tag-bad")}, STATUS[m.status] || m.status)),
      el("td", {}, m.attendance ? el("span", {class: "tag " + (m.attendance === "present" ? "tag-ok" : "tag-warn")}, ATT[m.attendance]) : "未签到"),
      el("td", {}, m.attendance === "present" || m.status !== "active" ? "" : el("div", {class: "row"},
        el("button", {class: "btn btn-small", type: "button", "data-checkin": m.id, onclick: () => checkInFor(m)}, "代为签到"),
        el("button", {class: "btn btn-small", type: "button", onclick: () => absence(m, "leave")}, "请假"),
        el("button", {class: "btn btn-small", type: "button", onclick: () => absence(m, "absent")}, "缺席")),
        el("button", {class: "btn btn-small", type: "button", onclick: () => issue([m.id])}, "补发签到码"))))));
  }
  $("#roll-filter").addEventListener("input", renderRoll);

  async function checkInFor(m) {
    const reason = el("input", {id: "d-reason", value: "终端故障，代表本人在场", style: "width:100%"});
    const ok = await R.dialog({title: "代为签到：" + m.name, body: el("div", {},
      el("p", {}, "只能为本人在场的代表代为签到（如终端故障），不得代替缺席代表签到。此操作记入审计日志。"),
      el("label", {class: "field"}, "原因", reason)),
    buttons: [{label: "取消", value: false}, {label: "确认代为签到", value: true, primary: true,
      check: () => !!reason.value.trim()}]});
    if (!ok) return;
    try { await api("/api/meetings/" + meetingId + "/checkin", {body: {member_id: m.id, reason: reason.value.trim()}}); R.toast(m.name + " 已签到"); loadRoll(); }
    catch (e) { fail(e); }
  }
  async function absence(m, kind) {
    const reason = el("input", {id: "d-reason", style: "width:100%", placeholder: kind === "leave" ? "请假事由（经批准）" : "说明"});
    const ok = await R.dialog({title: (kind === "leave" ? "登记请假：" : "登记缺席：") + m.name, body: el("label", {class: "field"}, "事由", reason),
      buttons: [{label: "取消", value: false}, {label: "确认", value: true, primary: true}]});
    if (!ok) return;
    try { await api("/api/meetings/" + meetingId + "/absence", {body: {member_id: m.id, state: kind, reason: reason.value.trim()}}); loadRoll(); }
    catch (e) { fail(e); }
  }

  $("#import-form").addEventListener("submit", async event => {
    event.preventDefault();
    const file = $("#roll-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    const out = $("#import-result");
    try {
      const result = await api("/api/meetings/" + meetingId + "/roll/import", {method: "POST", body: form});
      out.replaceChildren(...R.nodes(el("p", {class: "tag-ok", id: "import-ok"}, "导入成功：新增 " + result.added + " 人，更新 " + result.updated + " 人，名册共 " + result.total + " 人。")));
      loadRoll();
    } catch (e) {
      const rows = e.rows || [];
      out.replaceChildren(...R.nodes(el("p", {class: "error", id: "import-error"}, e.message),
        rows.length ? el("table", {class: "grid", id: "import-errors"}, el("thead", {}, el("tr", {}, el("th", {}, "行"), el("th", {}, "列"), el("th", {}, "问题"))),
          el("tbody", {}, rows.map(r => el("tr", {}, el("td", {}, r.row ? "第" + r.row + "行" : "整个文件"), el("td", {}, r.column || ""), el("td", {}, r.message))))) : null));
    }
  });

  /* -- codes ------------------------------------------------------------------------------------- */
  async function issue(memberIds) {
    const all = !memberIds;
    /* Replacing a code a deputy holds needs a reason: the old code and the tablets signed in with
       it stop working, and the chair and the deputy see the re-issue with the reason. */
    const reason = el("input", {id: "d-code-reason", style: "width:100%", maxlength: 200,
      placeholder: "如：代表遗失签到码（首次生成可不填）"});
    const ok = await R.dialog({title: all ? "生成全部签到码" : "补发签到码", body: el("div", {},
      el("p", {}, (all ? "将为全体正常状态的代表生成新的签到码。" : "将为该代表生成新的签到码。")
        + "已有签到码的代表：原签到码及用它登录的终端立即作废，主持人和代表本人都会看到重新发放的记录和原因。"),
      el("label", {class: "field"}, "重新发放的原因", reason)),
      buttons: [{label: "取消", value: false}, {label: "生成", value: true, primary: true}]});
    if (!ok) return;
    try {
      const body = all ? {} : {member_ids: memberIds};
      if (reason.value.trim()) body.reason = reason.value.trim();
      const issued = await api("/api/meetings/" + meetingId + "/codes", {body});
      codes = all ? issued : codes.filter(c => !memberIds.includes(c.member_id)).concat(issued);
      renderCodes();
      document.querySelector("[data-tab=codes]").click();
    } catch (e) { fail(e); }
  }
  function renderCodes() {
    $("#codes-table tbody").replaceChildren(...R.nodes(...codes.map(c => el("tr", {}, el("td", {}, c.member_code), el("td", {}, c.name),
      el("td", {}, c.group), el("td", {}, c.seat), el("td", {}, el("code", {class: "t-receipt"}, c.code))))));
    $("#print-codes").disabled = !codes.length;
  }
  $("#issue-all").addEventListener("click", () => issue(null));
  $("#print-codes").addEventListener("click", () => {
    $("#print-codes-data").value = JSON.stringify(codes);
    $("#print-form").submit();
  });

  /* -- agenda ----------------------------------------------------------------------------------- */
  function renderAgenda() {
    const items = state.items || [];
    $("#agenda-table tbody").replaceChildren(...R.nodes(...items.map((item, index) => {
      const voted = (state.votes || []).some(v => v.item_id === item.id);
      return el("tr", {}, el("td", {}, item.position), el("td", {}, item.title), el("td", {}, R.KIND[item.kind] || item.kind),
        el("td", {}, (item.secret ? "无记名" : "记名") + (item.settings && item.settings.change_before_close === "first" ? "，以第一次为准" : "")),
        el("td", {}, voted ? "已开始表决" : "未开始"),
        el("td", {}, el("div", {class: "row"},
          voted ? null : el("button", {class: "btn btn-small", type: "button", onclick: () => editItem(item)}, "修改"),
          index > 0 ? el("button", {class: "btn btn-small", type: "button", onclick: () => move(item, item.position - 1)}, "上移") : null,
          index < items.length - 1 ? el("button", {class: "btn btn-small", type: "button", onclick: () => move(item, item.position + 1)}, "下移") : null)));
    })));
    $("#minutes").href = "/print/minutes/" + meetingId;
  }
  async function move(item, position) {
    try { await api("/api/items/" + item.id + "/move", {body: {position}}); } catch (e) { fail(e); }
  }
  function itemForm(item) {
    const kind = el("select", {id: "i-kind", disabled: !!item}, Object.entries(R.KIND).map(([k, l]) =>
      el("option", {value: k, selected: item ? item.kind === k : k === "motion"}, l)));
    const title = el("input", {id: "i-title", style: "width:100%", value: item ? item.title : "", placeholder: "议题名称"});
    const secret = el("select", {id: "i-secret"}, el("option", {value: "true"}, "无记名（默认）"), el("option", {value: "false"}, "记名（须有本地规则）"));
    secret.value = item ? String(item.secret) : "true";
    const change = el("select", {id: "i-change"}, el("option", {value: "last"}, "表决结束前可更改，以最后一次为准（默认）"),
      el("option", {value: "first"}, "以第一次按键为准"));
    change.value = item && item.settings ? item.settings.change_before_close || "last" : "last";
    const definition = el("textarea", {id: "i-definition", class: "code", spellcheck: "false"});
    definition.value = JSON.stringify(item ? item.definition : TEMPLATES.motion, null, 2);
    kind.addEventListener("change", () => { definition.value = JSON.stringify(TEMPLATES[kind.value] || {}, null, 2); });
    const error = el("p", {class: "error", id: "i-error"});
    const body = el("div", {}, el("label", {class: "field"}, "类别", kind), el("label", {class: "field"}, "名称", title),
      el("label", {class: "field"}, "表决方式", secret), el("label", {class: "field"}, "更改选择", change),
      el("label", {class: "field"}, "议题定义（JSON：候选人、应选名额、项目等，格式见 README「The tally file format」）", definition), error);
    const read = () => {
      let def;
      try { def = JSON.parse(definition.value || "{}"); } catch (e) { error.textContent = "议题定义不是有效的 JSON"; return null; }
      const data = {title: title.value.trim(), definition: def, secret: secret.value === "true", change_before_close: change.value};
      if (!item) data.kind = kind.value;
      return data;
    };
    return {body, read, error};
  }
  async function editItem(item) {
    const form = itemForm(item);
    for (;;) {
      const data = await R.dialog({title: item ? "修改议题" : "添加议题", body: form.body, wide: true, buttons: [{label: "取消", value: false},
        {label: "保存", value: () => form.read(), primary: true}]});
      if (!data) return;
      try {
        if (item) await api("/api/items/" + item.id, {method: "PATCH", body: data});
        else await api("/api/meetings/" + meetingId + "/items", {body: data});
        R.toast("议题已保存");
        return;
      } catch (e) {
        form.error.textContent = e.message + (e.field ? "（" + e.field + "）" : "");
      }
    }
  }
  $("#add-item").addEventListener("click", () => editItem(null));

  /* A fresh deployment (python -m server init) has accounts but no meeting yet: create it here.
     A staff sign-in belongs to the meeting open when it was made, so sign in again after. */
  function firstMeeting() {
    for (const name of ["roll", "codes", "agenda", "keys"]) {  /* accounts and 安全连接 stay */
      $("[data-tab=" + name + "]").hidden = true;
      $("[data-panel=" + name + "]").hidden = true;
    }
    $("#first-meeting").hidden = false;
    $("#m-kind").replaceChildren(...Object.entries(LABELS.BODY).filter(([k]) => k !== "presidium").map(([k, l]) =>
      el("option", {value: k}, l)));
    $("#meeting-form").addEventListener("submit", async event => {
      event.preventDefault();
      try {
        await api("/api/meetings", {body: {body_kind: $("#m-kind").value, body_name: $("#m-body").value.trim(),
          title: $("#m-title").value.trim()}});
        await R.alertBox("会议已创建", "请重新登录以开始工作。");
        try { await api("/api/logout", {method: "POST", body: {}}); } catch (e) { /* signed out anyway */ }
        R.setToken(null);
        location.reload();
      } catch (e) { $("#m-error").textContent = e.message; }
    });
  }

  R.rolePage(me => {
    if (!me.meeting_id) { firstMeeting(); return; }
    meetingId = me.meeting_id;
    loadRoll();
    const live = new R.Live({token: R.token(), onStatus: R.connectionStatus, onMessage: m => {
      if (m.type === "state") {
        const rollChanged = !state || state.attendance.present !== m.attendance.present;
        state = m;
        $("#meeting-title").textContent = m.meeting.title;
        renderAgenda();
        window.RENDA_STATE = m;  // for staff_keys.js, whenever it starts
        document.dispatchEvent(new CustomEvent("renda:state", {detail: m}));
        if (rollChanged) loadRoll();
      } else if (m.type === "tick" && roll && roll.summary.present !== m.attendance.present) {
        loadRoll();
      }
    }});
    live.start();
  });
})();
