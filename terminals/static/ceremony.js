/* The 监票人's key ceremony as the staff and scrutineer pages show it (docs/protocol.md "The key
   ceremony", GET /api/meetings/{id}/ceremony): the stage, who has posted in each round, and the
   election key's fingerprint once it is made. */
"use strict";

const Ceremony = (() => {
  const {el} = R;
  const STAGE = {commitments: "第一步：提交承诺", shares: "第二步：交换份额", confirmations: "第三步：确认份额",
    done: "已完成", abandoned: "已作废"};
  const ROUNDS = [["commitments", "第一步 承诺"], ["shares", "第二步 份额"], ["confirmations", "第三步 确认"]];

  /** Per round, the trustee numbers that have posted. */
  function posted(c) {
    return {commitments: new Set(c.commitments.map(x => x.trustee)), shares: new Set(c.shares_posted),
      confirmations: new Set(c.confirmations.map(x => x.trustee))};
  }

  /** "第二步：交换份额（已完成 3/5）" */
  function stageLine(c) {
    const n = c.statement.n;
    const done = posted(c)[c.state];
    return STAGE[c.state] + (done ? "（已完成 " + done.size + "/" + n + "）" : "");
  }

  /** The table of the 监票人 and what each has posted; `me` (a trustee number) is marked. */
  function progress(c, me) {
    const p = posted(c);
    const names = c.statement.trustees;
    const mark = yes => yes ? el("span", {class: "tag tag-ok"}, "✓ 已提交") : el("span", {class: "tag tag-muted"}, "等待");
    return el("table", {class: "grid ceremony-table", id: "ceremony-table"},
      el("thead", {}, el("tr", {}, el("th", {}, "序号"), el("th", {}, "监票人"), el("th", {}, "账号"),
        ...ROUNDS.map(([, label]) => el("th", {}, label)))),
      el("tbody", {}, names.map((name, at) => {
        const i = at + 1;
        return el("tr", {"data-trustee": i, class: i === me ? "is-me" : null},
          el("td", {}, i === 1 ? "1（总监票人）" : String(i)), el("td", {}, name + (i === me ? "（本人）" : "")),
          el("td", {}, c.accounts[at]), ...ROUNDS.map(([round]) => el("td", {"data-round": round}, mark(p[round].has(i)))));
      })));
  }

  /** The election key's fingerprint in large type, as the hall screen and the tablets show it. */
  function fingerprint(text, id) {
    return el("div", {class: "key-fingerprint", id: id || "key-fingerprint"},
      el("span", {class: "small"}, "选举公钥指纹（请与其他监票人及大屏核对）"), el("strong", {class: "fp"}, text));
  }

  return {STAGE, posted, stageLine, progress, fingerprint};
})();
