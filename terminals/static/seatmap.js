/* The seat map (座位图, issue 16 item 3), drawn from GET /api/meetings/{id}/seats (check-in, on the
   chair console and the staff page) or GET /api/votes/{id}/seats (a closed named vote, on the hall
   screen). Seats written as a row and a number are placed on the grid (the server reads them:
   server/seatmap.py), row 1 nearest the 主席台 at the top; other seats and deputies without a seat are
   listed apart. A secret vote has no seat map: the server refuses it, so nothing is drawn. */
"use strict";

const SeatMap = (() => {
  const {el} = R;
  const ATTENDANCE = {present: ["已签到", "sm-present"], leave: ["请假", "sm-leave"], absent: ["未签到", "sm-absent"],
    not_active: ["暂停职务", "sm-inactive"]};
  const CHOICE = {yes: ["赞成", "sm-yes"], no: ["反对", "sm-no"], abstain: ["弃权", "sm-abstain"], none: ["未按", "sm-none"],
    absent: ["未出席", "sm-away"]};

  function seat(entry, code, states, placed) {
    const [label, cls] = states[code] || [code, "sm-none"];
    return el("div", {class: "sm-seat " + cls, "data-seat": entry.seat, "data-state": code, title: (entry.seat || "未排座位") + " " + entry.name + " " + label,
      style: placed ? "grid-row:" + (entry.row + 1) + ";grid-column:" + (entry.column + 1) : null},
      el("span", {class: "sm-name"}, entry.name), el("span", {class: "sm-mark"}, label), placed ? null : el("span", {class: "sm-label"}, entry.seat));
  }

  function draw(map, states, codeOf, id) {
    const all = [...map.placed, ...map.other, ...map.unseated];
    const counts = {};
    for (const e of all) counts[codeOf(e)] = (counts[codeOf(e)] || 0) + 1;
    const legend = el("div", {class: "sm-legend"}, Object.entries(states).filter(([code]) => counts[code]).map(([code, [label, cls]]) =>
      el("span", {class: "sm-key " + cls, "data-state": code}, label + " ", el("b", {}, counts[code]))));
    const parts = [legend];
    if (map.rows) {
      const rows = [];
      for (let r = 1; r <= map.rows; r++) rows.push(el("div", {class: "sm-row", style: "grid-row:" + (r + 1) + ";grid-column:1"}, r + "排"));
      parts.push(el("div", {class: "sm-grid", style: "grid-template-columns:auto repeat(" + map.columns + ",minmax(0,1fr))"},
        el("div", {class: "sm-stage", style: "grid-row:1;grid-column:1 / -1"}, "主席台"),
        rows, map.placed.map(e => seat(e, codeOf(e), states, true))));
    }
    if (map.other.length) parts.push(el("div", {class: "sm-apart", id: id + "-other"}, el("h4", {}, "其他座位"), map.other.map(e => seat(e, codeOf(e), states, false))));
    if (map.unseated.length) parts.push(el("div", {class: "sm-apart", id: id + "-unseated"}, el("h4", {}, "未排座位"), map.unseated.map(e => seat(e, codeOf(e), states, false))));
    return el("div", {class: "seatmap", id}, parts);
  }

  return {
    /** Check-in: 已签到 / 请假 / 未签到 / 暂停职务 by seat. */
    attendance: (map, id) => draw(map, ATTENDANCE, e => e.state, id || "seatmap"),
    /** A named vote's answers to question ``q`` (0: the only one of a motion) by seat. */
    vote: (map, q, id) => draw(map, CHOICE, e => e.choices[q || 0], id || "s-seatmap"),
  };
})();
