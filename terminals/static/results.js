/* Rendering a counted result (tally's result document, README "The tally file format") as the
   announcement form: 应到/实到/赞成/反对/弃权/未按 and 通过/未通过, per-candidate tables for
   elections, per-target tables for 满意度测评. Shared by the hall screen, the chair console,
   the scrutineer page and the tablet. */
"use strict";

const Results = (() => {
  const {el, CHOICE, GRADE, OUTCOME} = R;

  function figures(pairs) {
    return el("div", {class: "figures"}, pairs.map(([label, value, cls]) =>
      el("div", {class: "figure " + (cls || "")}, el("span", {class: "figure-label"}, label),
        el("span", {class: "figure-value"}, value === undefined || value === null ? "—" : String(value)))));
  }

  function table(header, rows, cls) {
    return el("table", {class: "result-table " + (cls || "")},
      el("thead", {}, el("tr", {}, header.map(h => el("th", {}, h)))),
      el("tbody", {}, rows.map(r => el("tr", {class: r.cls || ""}, r.cells.map((c, i) =>
        el(i === 0 ? "th" : "td", {scope: i === 0 ? "row" : null}, c === undefined || c === null ? "" : String(c)))))));
  }

  function attendance(result) {
    const a = result.attendance || {};
    return [["应到", a.members_of_record], ["实到", a.present]];
  }

  function verdict(text, good) {
    return el("div", {class: "verdict " + (good ? "verdict-pass" : "verdict-fail")}, text);
  }

  /* The base a motion is decided on (组织法: 以全体代表的过半数通过), said beside 通过/未通过. */
  function base(result) {
    const all = (result.attendance || {}).members_of_record;
    if (all === undefined || result.outcome === "invalid") return null;
    const text = result.threshold === "two_thirds_of_all" ? "赞成票须达到全体代表 " + all + " 人的三分之二"
      : "赞成票须超过全体代表 " + all + " 人的半数";
    return el("p", {class: "rule-note result-base"}, text);
  }

  function motion(result) {
    const c = result.counts || {};
    const out = [figures([...attendance(result), ["赞成", c.yes, "f-yes"], ["反对", c.no, "f-no"],
      ["弃权", c.abstain, "f-abstain"], ["未按", c.not_voted, "f-none"]])];
    out.push(verdict(OUTCOME[result.outcome] || result.outcome, result.outcome === "passed"));
    out.push(base(result));
    return out;
  }

  /* The post an election fills, from its title as 选举办法 words it: 选举县人民政府副县长 → 县人民政府副县长. */
  function post(result) {
    const title = String(result.title || "").trim();
    return /^选举./.test(title) ? title.slice(2) : "";
  }

  function perPerson(result) {
    const details = {};
    for (const d of result.items_detail || []) details[d.id] = d;
    const rows = (result.items || []).map(entry => {
      const c = entry.counts || {}, d = details[entry.name] || {};
      const action = R.ACTION[d.action] || "";
      const what = !d.post ? action : ["appoint", "acting"].includes(d.action) ? action + d.post : action + "：" + d.post;
      const name = d.nominee ? d.nominee + (what ? "（" + what + "）" : "") : entry.name;
      return {cls: entry.outcome === "passed" ? "row-pass" : "row-fail",
        cells: [name, c.yes, c.no, c.abstain, c.not_voted, OUTCOME[entry.outcome] || entry.outcome]};
    });
    return [figures(attendance(result)), table(["姓名", "赞成", "反对", "弃权", "未按", "结果"], rows)];
  }

  function ballotsLine(result, unit) {
    const b = result.ballots || {};
    const pairs = [...attendance(result), ["发出" + unit, b.issued], ["收回" + unit, b.returned],
      ["有效", b.valid], ["无效", b.void, b.void ? "f-no" : ""]];
    if (b.excess) pairs.push(["多于发出", b.excess, "f-no"]);
    return figures(pairs);
  }

  function election(result) {
    const elected = new Set(result.elected || []), tied = new Set(result.tied || []);
    const project = result.kind === "project_vote";
    const ranking = project && result.mode === "ranking";
    const win = project ? "确定" : result.round === "preliminary" ? "列为候选人" : "当选";
    const outcome = name => elected.has(name) ? win : tied.has(name) ? "得票相等" : (project ? "未确定" : "未当选");
    const rows = Object.entries(result.counts || {}).map(([name, c]) => ({
      cls: elected.has(name) ? "row-pass" : tied.has(name) ? "row-tie" : "",
      cells: ranking ? [name, c.points, c.support, outcome(name)] : [name, c.yes, c.no, c.abstain, outcome(name)]}));
    for (const [name, yes] of Object.entries(result.write_ins || {})) {
      rows.push({cls: elected.has(name) ? "row-pass" : "row-writein", cells: [name + "（另选他人）", yes, "", "",
        elected.has(name) ? win : "未当选"]});
    }
    const out = [ballotsLine(result, "票"),
      table(ranking ? ["项目", "得分", "排序人数", "结果"] : [project ? "项目" : "候选人", "赞成", "反对", "弃权", "结果"], rows,
        "candidates" + (rows.length > 6 ? " dense" : ""))];
    if (ranking) out.push(el("p", {class: "small rule-note"}, "按优先顺序排序计分：第1位得" + result.choose + "分，依次递减"
      + (/2\*support/.test(result.rule || "") ? "；排序人数须超过全体代表的半数" : "")));
    const act = project ? "票决" : "选举";
    if (result.round_valid === false) out.push(verdict("本次" + act + "无效：" + (result.reason || ""), false));
    else {
      out.push(el("p", {class: "round-valid"}, "本次" + act + "有效"));
      const names = (result.elected || []).join("、") || "无";
      const office = !project && result.round !== "preliminary" ? post(result) : "";
      let text = office && (result.elected || []).length ? names + " 当选为" + office : win + "：" + names;
      if (result.tied && result.tied.length) text += "；得票相等：" + result.tied.join("、");
      if (result.unfilled) text += "；尚缺" + result.unfilled + (project ? "个项目" : "名");
      out.push(verdict(text, (result.elected || []).length > 0 && !result.unfilled));
    }
    return out;
  }

  function satisfaction(result) {
    const rows = Object.entries(result.counts || {}).map(([name, c]) => ({
      cls: c.outcome === "unsatisfied" ? "row-fail" : "row-pass",
      cells: [name, c.satisfied, c.basically_satisfied, c.unsatisfied, c.invalid, (c.rate || {}).percent,
        (GRADE[c.outcome] || c.outcome) + (c.consequence ? "（" + c.consequence + "）" : "")]}));
    return [ballotsLine(result, "表"), table(["测评对象", "满意", "基本满意", "不满意", "无效", "满意率", "测评结果"], rows,
      rows.length > 6 ? "dense" : "")];
  }

  function view(result, {announcement = true} = {}) {
    const box = el("div", {class: "result result-" + result.kind});
    let parts;
    if (result.kind === "election" || result.kind === "project_vote") parts = election(result);
    else if (result.kind === "satisfaction") parts = satisfaction(result);
    else if (Array.isArray(result.items) && result.items.length) parts = perPerson(result);
    else parts = motion(result);
    box.append(...parts);
    if (announcement && result.announcement) box.append(el("p", {class: "announcement"}, result.announcement));
    return box;
  }

  return {view, figures, table};
})();
