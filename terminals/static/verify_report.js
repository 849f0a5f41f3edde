/* The verify panel of the scrutineer and auditor pages: runs the offline verifier on a fresh export
   on the server (POST /api/audit/verify) and shows its report in Chinese — every check in order
   with its verdict, every finding with its title, whose it is and its particulars, the key's
   fingerprint to compare with the printed one, and which of the witnesses given cosigned the latest
   checkpoint (docs/verifier-spec.md §4.7). */
"use strict";

const VerifyPanel = (() => {
  const {el, $, api} = R;
  const STATE_CLASS = {pass: "tag-ok", fail: "tag-bad", partial: "tag-warn", skipped: "tag-muted"};

  function render(report, typed) {
    const box = $("#verify-report");
    const checks = el("table", {class: "result-table v-checks", id: "verify-checks"},
      el("thead", {}, el("tr", {}, el("th", {}, "核验项目"), el("th", {}, "内容"), el("th", {}, "结论"))),
      el("tbody", {}, report.checks.map(c => el("tr", {"data-check": c.id, "data-state": c.state},
        el("th", {}, c.title), el("td", {class: "v-desc"}, c.description),
        el("td", {class: "v-verdict"}, el("b", {class: STATE_CLASS[c.state] || ""}, c.verdict))))));
    const findings = report.findings.map(f => el("li", {class: "v-finding", "data-code": f.code},
      el("b", {}, f.title), " ", el("code", {}, f.code),
      el("div", {class: "small"}, f.kind_label),
      el("div", {class: "v-message"}, (f.seq !== null && f.seq !== undefined ? "第 " + f.seq + " 号记录：" : "") + f.message),
      f.evidence.length ? el("details", {}, el("summary", {}, "证据：两个签名检查点"),
        f.evidence.map(note => el("pre", {class: "v-note"}, note))) : null));
    const keyCheck = report.checks.find(c => c.id === "key");
    const keyText = !report.trusted_key ? "导出所用公钥的指纹（请与签到码表、会场大屏上的指纹逐组核对）："
      : keyCheck && keyCheck.state === "pass" ? "导出的公钥与您输入的指纹一致："
      : "导出所用公钥的指纹（与您输入的指纹不符）：";
    const key = report.fingerprint
      ? el("p", {id: "verify-key"}, keyText,
        el("code", {class: "v-fp", id: "verify-key-fingerprint"},
          el("span", {}, report.fingerprint.slice(0, 39)), " ", el("span", {}, report.fingerprint.slice(40))))
      : null;
    const cosigned = report.witnesses.filter(w => w.cosigned).length;
    const witnesses = report.witnesses.length
      ? el("div", {}, el("h3", {}, "见证人副署最新检查点：" + cosigned + " / " + report.witnesses.length + "（法定数 " + report.quorum + "）"),
        el("ul", {class: "small", id: "verify-witnesses-report"}, report.witnesses.map(w => el("li", {"data-cosigned": String(w.cosigned)},
          el("b", {}, w.name), " ", w.cosigned ? "已副署 " + w.time.replace("T", " ").replace("Z", " UTC") : "未副署"))))
      : null;
    const when = new Date(report.exported_at).toLocaleString("zh-CN");
    box.replaceChildren(...R.nodes(
      el("p", {class: "verdict " + (report.ok ? "verdict-pass" : "verdict-fail"), id: "verify-verdict-all",
        "data-ok": String(report.ok)}, report.ok ? "核验通过" : "核验未通过"),
      report.reason ? el("p", {class: "error", id: "verify-reason"}, "原因：" + report.reason) : null,
      el("p", {class: "small"}, "导出时间 " + when + "；记录 " + report.records + " 条，签名检查点 " + report.checkpoints + " 个"),
      key, checks, witnesses,
      findings.length ? el("div", {}, el("h3", {}, "发现的问题"), el("ol", {class: "v-findings", id: "verify-findings"}, findings)) : null,
      report.warnings.length ? el("div", {}, el("h3", {}, "提示"), el("ul", {}, report.warnings.map(w => el("li", {}, w)))) : null,
      report.votes.length ? el("div", {}, el("h3", {}, "表决（按日志重新核对）"), el("ul", {class: "small", id: "verify-votes"},
        report.votes.map(v => el("li", {}, v.vote_id + "：选票 " + v.ballots + " 张，" + v.outcome)))) : null));
    if (typed) $("#verify-fingerprint").value = typed;
  }

  function mount() {
    const form = $("#verify-form");
    if (!form) return;
    form.addEventListener("submit", async event => {
      event.preventDefault();
      const button = $("#verify-run");
      const typed = $("#verify-fingerprint").value.trim();
      const witnessKeys = $("#verify-witnesses").value.split("\n").map(k => k.trim()).filter(k => k);
      const quorum = $("#verify-quorum").value.trim();
      const box = $("#verify-report");
      button.disabled = true;
      box.replaceChildren(...R.nodes(el("p", {id: "verify-running"}, "正在导出并核验，请稍候……")));
      try {
        const body = typed ? {vkey_fingerprint: typed} : {};
        if (witnessKeys.length) body.witnesses = witnessKeys;
        if (quorum) body.quorum = Number(quorum);
        const report = await api("/api/audit/verify", {body});
        render(report, typed);
      } catch (e) {
        // what was typed stays in the field; the message says what to change
        box.replaceChildren(...R.nodes(el("p", {class: "error", id: "verify-error"}, e.message)));
        if (e.field === "vkey_fingerprint") $("#verify-fingerprint").focus();
        if (e.field === "witnesses") $("#verify-witnesses").focus();
        if (e.field === "quorum") $("#verify-quorum").focus();
      } finally {
        button.disabled = false;
      }
    });
  }

  return {mount, render};
})();
